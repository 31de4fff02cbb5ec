/* The journal: the original value of every file apply changes, written
 * (temporary file, rename) before the first write, so that `rigtune
 * revert` restores everything even after a crash. It lives exactly as
 * long as the values it guards: a reboot puts kernel settings back, so
 * the journal sits on the volatile /run (SYSROOT/run/rigtune/journal),
 * and a journal of an earlier boot (its boot record) is never replayed
 * without --force. It is trusted only when it and its directory belong
 * to the user rigtune runs as (root on a host) and no one else can
 * write them, and only for the files the setting that wrote each entry
 * writes (journal_entry_matches, checked by apply and revert). Format, one record a line, fields
 * separated by one space, each field escaped (see journal_escape):
 *
 *   rigtune-journal 1
 *   boot <boot_id of the apply that started it, or "">
 *   profile <path of the profile>
 *   set <label> <path relative to the sysroot> <original value>
 *   ...
 *   end <number of set records>
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/sysroot.h"

#define JOURNAL_DIR "run/rigtune"
#define JOURNAL_NAME "journal"
#define JOURNAL_VERSION 1

struct journal_entry {
	char *label;            /* "thp.enabled"; its knob is the part before the first '.' */
	char *path;             /* "sys/kernel/mm/transparent_hugepage/enabled" */
	char *original;
};

struct journal {
	char *boot_id;          /* "" when unknown */
	char *profile;
	struct journal_entry *entries;  /* in the order they were first written */
	size_t nentries;
	size_t *by_path;        /* hash of path -> entry index + 1 (0: free); linear lookup */
	size_t nslots;          /* a power of two, at least twice nentries */
};

struct journal *journal_new(const char *boot_id, const char *profile);
struct journal *journal_free(struct journal *j);
static inline void journal_freep(struct journal **j) { journal_free(*j); }
/* Record path's original, unless the journal already has path (an
 * earlier apply's original stays: revert goes back to before the first
 * apply). 1 added, 0 already there, -ENOMEM. */
int journal_add(struct journal *j, const char *label, const char *path, const char *original);
const struct journal_entry *journal_find(const struct journal *j, const char *path);

/* Text <-> journal. journal_parse: -EBADMSG with *bad_line (1-based) on
 * anything malformed, truncated or of another version. */
int journal_format(const struct journal *j, char **ret);
int journal_parse(const char *text, struct journal **ret, int *bad_line);

/* A field: bytes outside '!'..'~', '\' and '"' as \xNN; "" for the empty
 * string. journal_unescape: -EINVAL on a malformed field. */
char *journal_escape(const char *s);
int journal_unescape(const char *field, char **ret);

/* Could the setting `label` have written `path`? ("thp.enabled" only
 * files under sys/kernel/mm/transparent_hugepage/, "sysctl.vm.swappiness"
 * only proc/sys/vm/swappiness, ...). */
bool journal_entry_matches(const char *label, const char *path);

/* Load SYSROOT/run/rigtune/journal: -ENOENT none, -EBADMSG corrupt
 * (*bad_line set, 0 when unreadable as text), -EPERM when the journal or
 * its directory belongs to another user or is writable by group or
 * others, or the journal is not a regular file. */
int journal_load(const struct sysroot *sr, struct journal **ret, int *bad_line);
/* Replace the journal atomically (a new file, O_EXCL, renamed over it;
 * /run is volatile, so no fsync). */
int journal_save(const struct sysroot *sr, const struct journal *j);
/* Remove it (0 when there was none). */
int journal_remove(const struct sysroot *sr);
/* For messages: "/run/rigtune/journal" under the sysroot. */
char *journal_display_path(const struct sysroot *sr);

/* Open (creating as needed, 0755) a directory of rigtune's own state
 * under the sysroot, symlinks resolving inside the root. */
int tune_state_dir_open(const struct sysroot *sr, const char *dir, int *ret_fd);
/* proc/sys/kernel/random/boot_id, or "" */
char *tune_boot_id(const struct sysroot *sr);
