/* Drift of an applied profile (see drift.h): the journal says which files
 * apply changed, the plan built now says what the profile writes there
 * and what each file holds. */
#include <errno.h>

#include "common/util.h"
#include "tune/drift.h"

static const struct action *action_for(const struct plan *p, const char *path)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].path && !strcmp(p->actions[i].path, path))
			return &p->actions[i];
	return NULL;
}

static int dup_opt(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return !s || *ret ? 0 : -ENOMEM;
}

int journal_drift(const struct knob_ctx *ctx, const struct journal *j, struct drift_item **ret, size_t *n)
{
	struct plan *plan = NULL;
	struct drift_item *v = calloc(j->nentries + 1, sizeof(*v));
	int r = v ? plan_build(ctx, &plan) : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < j->nentries; i++) {
		const struct action *a = action_for(plan, j->entries[i].path);

		v[i].entry = &j->entries[i];
		v[i].state = !a || a->state == ACTION_SKIP || a->state == ACTION_UNSUPPORTED ? DRIFT_UNPLANNED
			     : a->state == ACTION_CHANGE ? DRIFT_CHANGED : DRIFT_HOLDS;
		if (a && ((r = dup_opt(a->desired, &v[i].applied)) < 0 || (r = dup_opt(a->current, &v[i].current)) < 0))
			break;
	}
	plan_free(plan);
	if (r < 0) {
		drift_items_free(v, j->nentries);
		return r;
	}
	*ret = v;
	*n = j->nentries;
	return 0;
}

void drift_items_free(struct drift_item *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].applied);
		free(v[i].current);
	}
	free(v);
}
