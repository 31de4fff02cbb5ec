/* libFuzzer harness for profiles: each input is written as fuzz.ini in a
 * private directory that also holds a few files it may include (a valid
 * base, a file including fuzz.ini back, a broken one), then loaded with
 * profile_load(): reader, inih, includes, schema, cross-key rules. A
 * loaded profile is checked for the invariants the engine relies on.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
 *     -I. -IBUILDDIR tests/fuzz/fuzz-profile.c tune/profile.c tune/schema.c \
 *     common/util.c -linih -lm -o fuzz-profile
 *   mkdir -p /tmp/corpus && ./fuzz-profile -max_total_time=600 -max_len=4096 \
 *     /tmp/corpus tests/fuzz/corpus/profile
 * (new inputs go to the first directory: keep the seeds out of it)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tune/profile.h"
#include "tune/schema.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], input[128];
static const char *dirs[2];

static void put(const char *name, const char *content)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(content, f) < 0 || fclose(f))
		abort();
}

static void cleanup(void)
{
	static const char *const names[] = {"fuzz.ini", "base.ini", "back.ini", "broken.ini"};
	char path[160];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "/tmp/fuzz-profile.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(input, sizeof(input), "%s/fuzz.ini", dir);
	dirs[0] = dir;
	put("base.ini", "[profile]\ndescription = base\n[thp]\nenabled = never\n[hugepages]\n1G = 4\n"
			"[sysctl]\nvm.swappiness = 1\n[irq]\npolicy = local-node\ndevices = nic\n");
	put("back.ini", "[profile]\ninclude = fuzz.ini\n");
	put("broken.ini", "[thp]\nenabled = sometimes\n");
	atexit(cleanup);
	return 0;
}

/* What the engine relies on in a loaded profile. */
static void check_profile(const struct profile *p)
{
	uint64_t kb;
	int node;

	if (!p->path || !p->name || !p->files || !p->files[0])
		abort();
	for (size_t i = 0; i < p->nentries; i++) {
		const struct profile_entry *e = &p->entries[i];
		char *msg = NULL;

		if (!e->section || !e->key || !e->value || !*e->value || e->line <= 0 ||
		    !strv_contains(p->files, e->file) || !strcmp(e->section, "profile"))
			abort();
		if (profile_get(p, e->section, e->key) != e)
			abort();        /* one entry per (section, key) */
		if (schema_check_value(e->section, e->key, e->value, &msg) != 0)
			abort();        /* everything kept is valid */
		if (!strcmp(e->section, "hugepages") && schema_parse_hugepages_key(e->key, &kb, &node))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile_search search = {.dirs = dirs};
	struct profile_error err = {0};
	struct profile *p = NULL;
	int fd, r;

	fd = open(input, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	r = profile_load(input, &search, &p, &err);
	if (r == 0)
		check_profile(p);
	else if (r != -ENOMEM && (!err.message || !err.file || err.line < 0))
		abort();        /* every refusal says where and why */
	profile_free(p);
	profile_error_release(&err);
	return 0;
}
