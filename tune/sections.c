/* Every profile section, in the order `show` prints them: [profile]
 * (declared here: it describes the file itself), the knobs in write order
 * (each declared by its tune/knob-NAME.c, listed by tune/meson.build in
 * TUNE_KNOBS), then [expect] (tune/expect.c) and [verify]
 * (tune/verify-targets.c). Reads no files. */
#include <stddef.h>

#include "common/util.h"
#include "tune/audit.h"
#include "tune/knob-list.h"
#include "tune/plan.h"
#include "tune/schema.h"
#include "tune/verify-targets.h"

#define KNOB(name) extern const struct knob knob_##name;
TUNE_KNOBS
#undef KNOB
#define KNOB(name) &knob_##name,
static const struct knob *const knobs[] = {TUNE_KNOBS};
#undef KNOB

static const struct schema_key profile_keys[] = {
	{SCHEMA_TEXT("description", V_STRING, 256), .doc = "one line, shown by `rigtune profiles`"},
	{SCHEMA_TEXT("include", V_FILES, 0), .doc = "profiles merged first, in order (later wins, this file "
	 "last); a relative name resolves against this file's directory, then the search path; a file "
	 "already merged is not merged again"},
	{0},
};

static const struct schema_section profile_section = {
	.name = "profile",
	.doc = "about the profile itself",
	.keys = profile_keys,
};

/* The list is in file-name order; write order is by rank of .order. */
const struct knob *knob_at(size_t i)
{
	for (size_t k = 0; k < ARRAY_SIZE(knobs); k++) {
		size_t rank = 0;

		for (size_t j = 0; j < ARRAY_SIZE(knobs); j++)
			rank += knobs[j]->order < knobs[k]->order;
		if (rank == i)
			return knobs[k];
	}
	return NULL;
}

const struct schema_section *schema_section_at(size_t i)
{
	if (i == 0)
		return &profile_section;
	if (i <= ARRAY_SIZE(knobs))
		return &knob_at(i - 1)->section;
	if (i == ARRAY_SIZE(knobs) + 1)
		return &expect_section;
	if (i == ARRAY_SIZE(knobs) + 2)
		return &verify_section;
	return NULL;
}

const struct schema_section *schema_section_find(const char *name)
{
	for (size_t i = 0; schema_section_at(i); i++)
		if (!strcmp(schema_section_at(i)->name, name))
			return schema_section_at(i);
	return NULL;
}
