/* The JSON documents of `apply --json` and `revert --json`
 * (cli/render-apply.c; docs/schema/apply.json, revert.json). */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "tune/apply.h"
#include "tune/plan.h"

/* o NULL: a dry run (what would change). journal: its display path. */
int apply_json(const struct plan *p, const struct apply_outcome *o, const char *profile, const char *journal,
	       FILE *out);
/* o NULL: there was no journal. */
int revert_json(const struct revert_outcome *o, const char *profile, bool earlier_boot, FILE *out);
