/* What a journaled apply changed, and whether it still holds: each
 * journal entry against the plan of the profile it came from, built now.
 * Reads the current values through the plan (tune/plan.h); prints
 * nothing. `rigtune status` renders it. */
#pragma once
#include <stddef.h>

#include "tune/journal.h"
#include "tune/plan.h"

enum drift_state {
	DRIFT_HOLDS,            /* the file still holds what apply wrote */
	DRIFT_CHANGED,          /* something wrote another value since */
	DRIFT_UNPLANNED,        /* the profile no longer sets this file */
};

struct drift_item {
	const struct journal_entry *entry;
	enum drift_state state;
	char *applied;          /* what the profile writes, or NULL */
	char *current;          /* what the file holds now, or NULL */
};

/* One item per journal entry, in journal order. 0 or -ENOMEM. */
int journal_drift(const struct knob_ctx *ctx, const struct journal *j, struct drift_item **ret, size_t *n);
void drift_items_free(struct drift_item *v, size_t n);
