/* Apply and revert: the only code that writes a plan. apply journals
 * every original first, then writes each change and reads it back; a
 * failed write rolls back, in reverse, what this run changed. revert
 * restores the journal's originals in reverse order, then removes it.
 * Neither prints: results land in the actions and revert items. The
 * caller holds the lock (tune/lock.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "tune/journal.h"
#include "tune/plan.h"

struct apply_outcome {
	size_t written, partial, refused;
	bool failed;            /* a write failed: what this run wrote was put back */
	bool rollback_failed;   /* ... and some of it could not be: journal kept */
	bool journal_saved;     /* this run wrote the journal */
	bool stale_journal;     /* a journal from an earlier boot was replaced */
	int bad_line;           /* -EBADMSG: the corrupt journal's line */
};

/* Write the plan's CHANGE actions. Returns 0 (see out->failed), or
 * -errno before anything was written: -EBADMSG a corrupt journal,
 * others from saving the journal. */
int apply_plan(const struct sysroot *sr, struct plan *plan, const char *profile_path,
	       struct apply_outcome *out);

struct revert_item {
	const struct journal_entry *entry;
	char *before;           /* the value found, NULL when the file is gone */
	enum action_result result;  /* NONE: already the original, or gone */
	int error;
	char *readback;
};

struct revert_outcome {
	struct revert_item *items;  /* in the order revert wrote them (reverse) */
	size_t nitems;
	size_t restored, partial, failed, gone;
	bool journal_removed;
};

/* Restore every original of j. Returns 0 (see out), or -EBADMSG when an
 * entry's path is not one the sysroot layer may write (nothing written;
 * *bad_entry is its index). */
int revert_journal(const struct sysroot *sr, const struct journal *j, struct revert_outcome *out,
		   size_t *bad_entry);
void revert_outcome_release(struct revert_outcome *out);
/* Restore every boot file with a saved original (tune/originals.h), each
 * put back (or removed, when rigtune created it) and its record dropped.
 * *restored: the paths put back. 0, or the first failure's -errno with
 * *failed its path (the others are still tried). */
int revert_boot_files(const struct sysroot *sr, char ***restored, char **failed);
