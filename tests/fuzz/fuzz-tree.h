/* Shared by the harnesses that fuzz a parser through the file it reads:
 * a private sysroot tree under /tmp, files written into it from parts of
 * the input, read back through the sysroot layer exactly as on a host.
 * An input is split into parts at each 0x01 byte (FUZZ_SEP): part i goes
 * to the i-th path the harness lists; a path with no part is removed. */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sysroot.h"

#define FUZZ_SEP '\x01'
#define FUZZ_MAX_PARTS 16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_root[64];
static struct sysroot *fuzz_sr;

__attribute__((unused)) static int fuzz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

__attribute__((unused)) static void fuzz_tree_cleanup(void)
{
	fuzz_sr = sysroot_free(fuzz_sr);
	nftw(fuzz_root, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

__attribute__((unused)) static void fuzz_mkdirs(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", fuzz_root, rel);
	for (char *p = path + strlen(fuzz_root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

/* Write (or, with data NULL, remove) a file of the tree. */
__attribute__((unused)) static void fuzz_put(const char *rel, const void *data, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_root, rel);
	if (!data) {
		unlink(path);
		return;
	}
	fuzz_mkdirs(rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || close(fd) < 0)
		abort();
}

__attribute__((unused)) static void fuzz_puts(const char *rel, const char *s)
{
	fuzz_put(rel, s, strlen(s));
}

__attribute__((unused)) static void fuzz_tree_init(const char *name)
{
	snprintf(fuzz_root, sizeof(fuzz_root), "/tmp/fuzz-%s.XXXXXX", name);
	if (!mkdtemp(fuzz_root) || sysroot_open(fuzz_root, &fuzz_sr) < 0)
		abort();
	atexit(fuzz_tree_cleanup);
}

struct fuzz_part {
	const uint8_t *data;
	size_t len;
};

/* Split at FUZZ_SEP; returns the number of parts (at most max). */
__attribute__((unused)) static size_t fuzz_split(const uint8_t *data, size_t size, struct fuzz_part *parts, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= size && n < max; i++)
		if (i == size || data[i] == FUZZ_SEP) {
			parts[n++] = (struct fuzz_part){data + start, i - start};
			start = i + 1;
		}
	return n;
}

/* Each path gets its part, in order; those past the last part are removed. */
__attribute__((unused)) static void fuzz_put_parts(const char *const *paths, size_t npaths, const uint8_t *data, size_t size)
{
	struct fuzz_part parts[FUZZ_MAX_PARTS];
	size_t n = fuzz_split(data, size, parts, npaths < FUZZ_MAX_PARTS ? npaths : FUZZ_MAX_PARTS);

	for (size_t i = 0; i < npaths; i++)
		fuzz_put(paths[i], i < n ? (const void *)parts[i].data : NULL, i < n ? parts[i].len : 0);
}

/* A NUL-terminated copy of a part, for parsers that take a string. */
__attribute__((unused)) static char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
