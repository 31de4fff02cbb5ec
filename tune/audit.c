/* The audit (see audit.h): the plan apply would write, grouped into one
 * check per setting (a label from one profile line: "cpu.governor" over
 * every CPU, "hugepages.1G" over the nodes), plan errors and warnings
 * folded in, then the [expect] checks. Reads through the plan only. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/audit.h"
#include "tune/tuners.h"

/* " per node", " on every CPU": what the targets of a group are. */
static const char *targets_suffix(const struct action *first, size_t n)
{
	if (n < 2 || !first->target)
		return "";
	if (startswith(first->target, "node"))
		return " per node";
	if (startswith(first->target, "cpu"))
		return " on every CPU";
	if (startswith(first->target, "irq"))
		return " for every IRQ";
	return " each";
}

/* One value when every action agrees, else "target=value" for the
 * actions that differ from what is wanted (at most 4, then a count). */
static char *summarize(const struct action *g, size_t n, bool current)
{
	struct strbuf sb = {0};
	const char *first = NULL;
	bool same = true, change = false;
	size_t shown = 0, more = 0, counted = 0;

	for (size_t i = 0; i < n; i++) {
		const char *v = current ? g[i].current : g[i].wanted ? g[i].wanted : g[i].desired;

		if (g[i].state != ACTION_CHANGE && g[i].state != ACTION_IN_PLACE)
			continue;
		same &= !first || (v && !strcmp(first, v));
		first = first ? first : v;
		change |= g[i].state == ACTION_CHANGE;
		counted++;
	}
	if (!first)
		return NULL;
	if (current && !change && !same)
		return summarize(g, n, false);  /* each differs, each as wanted */
	if (same)
		return xasprintf("%s%s", first, targets_suffix(g, counted));
	for (size_t i = 0; i < n; i++) {
		const struct action *a = &g[i];

		if (a->state != ACTION_CHANGE && (current || a->state != ACTION_IN_PLACE))
			continue;
		if (shown == 4 && ++more)
			continue;
		if (strbuf_printf(&sb, "%s%s=%s", shown++ ? ", " : "", a->target ? a->target : "?",
				  current ? a->current : a->desired) < 0)
			goto oom;
	}
	if (more && strbuf_printf(&sb, " and %zu more", more) < 0)
		goto oom;
	return strbuf_steal(&sb);
oom:
	strbuf_release(&sb);
	return NULL;
}

/* Skipped parts of a group that otherwise passes or fails. */
static char *skipped_note(const struct action *g, size_t n, size_t nskip)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = g[i].reason ? g[i].reason : "not planned";

		if (g[i].state != ACTION_SKIP && g[i].state != ACTION_UNSUPPORTED)
			continue;
		return nskip == n ? strdup(why)
				  : xasprintf("%zu of %zu skipped: %s%s%s", nskip, n, g[i].target ? g[i].target : "",
					      g[i].target ? ": " : "", why);
	}
	return NULL;
}

static int group_check(struct audit *a, const char *profile, const struct action *g, size_t n)
{
	_cleanup_free_ char *expected = summarize(g, n, false), *actual = summarize(g, n, true);
	_cleanup_free_ char *note = NULL, *hint = NULL;
	size_t change = 0, skip = 0;
	enum check_status st;

	for (size_t i = 0; i < n; i++) {
		change += g[i].state == ACTION_CHANGE;
		skip += g[i].state == ACTION_SKIP || g[i].state == ACTION_UNSUPPORTED;
	}
	st = change ? CHECK_FAIL : skip == n ? CHECK_SKIP : CHECK_PASS;
	if (skip)
		note = skipped_note(g, n, skip);
	if (st == CHECK_FAIL)
		hint = xasprintf("rigtune apply %s; by hand: %s", profile, g->hint ? g->hint : "see the profile");
	if ((skip && !note) || (st == CHECK_FAIL && !hint))
		return -ENOMEM;
	return audit_add(a, g->label, st, g->src, expected ? expected : g->src->value, actual, hint, note);
}

static struct check *find_check(struct audit *a, size_t from, const char *label, const struct profile_entry *src)
{
	for (size_t i = from; i < a->nchecks; i++)
		if (!strcmp(a->checks[i].id, label) && src && a->checks[i].line == src->line &&
		    a->checks[i].file && !strcmp(a->checks[i].file, src->file))
			return &a->checks[i];
	return NULL;
}

static int append_note(struct check *c, const char *text)
{
	char *n = c->note ? xasprintf("%s; %s", c->note, text) : strdup(text);

	if (!n)
		return -ENOMEM;
	free(c->note);
	c->note = n;
	return 0;
}

static void set_status(struct audit *a, struct check *c, enum check_status st)
{
	a->counts[c->status]--;
	a->counts[st]++;
	c->status = st;
}

/* Errors make their setting's check an error (or add one); notes are
 * attached; a warning fails a check of its own. */
static int fold_messages(struct audit *a, size_t from, const struct plan *plan)
{
	for (size_t i = 0; i < plan->nerrors; i++) {
		const struct plan_message *m = &plan->errors[i];
		struct check *c = find_check(a, from, m->label, m->src);
		int r = c ? append_note(c, m->text)
			  : audit_add(a, m->label, CHECK_ERROR, m->src, m->src ? m->src->value : NULL, NULL, NULL, m->text);

		if (r < 0)
			return r;
		if (c)
			set_status(a, c, CHECK_ERROR);
	}
	for (size_t i = 0; i < plan->nnotes; i++) {
		const struct plan_message *m = &plan->notes[i];
		struct check *c = m->fails ? NULL : find_check(a, from, m->label, m->src);
		int r = c ? append_note(c, m->text)
			  : audit_add(a, m->label, m->fails ? CHECK_FAIL : CHECK_PASS, m->src, m->expected,
				      m->actual, m->fails ? m->text : NULL, m->fails ? NULL : m->text);

		if (r < 0)
			return r;
	}
	return 0;
}

static int plan_checks(const struct knob_ctx *ctx, struct audit *a)
{
	struct plan *plan = NULL;
	struct tuners_seen seen = {0};
	size_t from = a->nchecks;
	int r = plan_build(ctx, &plan);

	if (r >= 0)
		r = other_tuners_plan(ctx, plan, &seen);
	for (size_t i = 0, j; r >= 0 && i < plan->nactions; i = j) {
		const struct action *g = &plan->actions[i];

		for (j = i + 1; j < plan->nactions && plan->actions[j].src == g->src &&
				!strcmp(plan->actions[j].label, g->label); j++)
			;
		r = group_check(a, ctx->profile->path, g, j - i);
	}
	if (r >= 0)
		r = fold_messages(a, from, plan);
	plan_free(plan);
	return r;
}

int audit_run(const struct sysroot *sr, const struct host *h, const struct profile *p, struct audit **ret)
{
	const struct knob_ctx ctx = {.sr = sr, .host = h, .profile = p};
	_cleanup_(audit_freep) struct audit *a = calloc(1, sizeof(*a));
	int r;

	if (!a || !(a->profile = strdup(p ? (p->name ? p->name : p->path) : "(no profile)")))
		return -ENOMEM;
	r = p ? plan_checks(&ctx, a) : 0;
	if (r >= 0 && p)
		r = expect_audit(&ctx, a);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(a);
	return 0;
}
