/* libFuzzer harness for the journal parser (tune/journal.c): `rigtune
 * revert` reads SYSROOT/run/rigtune/journal, which a crash, a full
 * disk or a hand edit may have mangled. Whatever parses must format back
 * to text that parses to the same journal. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tune/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_journal(const struct journal *a, const struct journal *b)
{
	if (strcmp(a->boot_id, b->boot_id) || strcmp(a->profile, b->profile) || a->nentries != b->nentries)
		abort();
	for (size_t i = 0; i < a->nentries; i++)
		if (strcmp(a->entries[i].label, b->entries[i].label) ||
		    strcmp(a->entries[i].path, b->entries[i].path) ||
		    strcmp(a->entries[i].original, b->entries[i].original))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *again = NULL, *field = NULL;
	struct journal *j = NULL, *k = NULL;
	int line = -1, r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	r = journal_parse(text, &j, &line);
	if (r == 0) {
		if (journal_format(j, &again) != 0 || journal_parse(again, &k, &line) != 0)
			abort();
		same_journal(j, k);
	} else if (r != -EBADMSG && r != -ENOMEM) {
		abort();
	} else if (r == -EBADMSG && line < 0) {
		abort();
	}
	/* A field on its own: unescape then escape is the identity on what
	 * escape produces. */
	if (journal_unescape(text, &field) == 0) {
		char *esc = journal_escape(field), *back = NULL;

		if (!esc || journal_unescape(esc, &back) != 0 || strcmp(back, field))
			abort();
		free(esc);
		free(back);
		free(field);
	}
	journal_free(j);
	journal_free(k);
	free(again);
	free(text);
	return 0;
}
