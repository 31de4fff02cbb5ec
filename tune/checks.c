/* The audit's list of checks (see audit.h): adding one, naming a status,
 * freeing the lot. Shared by the plan-side checks (audit.c) and the
 * [expect] checks (expect.c), so neither calls the other back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tune/audit.h"

const char *check_status_name(enum check_status s)
{
	static const char *const names[] = {"pass", "fail", "skip", "error", "warn", "info"};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "error";
}

static int dup_opt(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return !s || *ret ? 0 : -ENOMEM;
}

int audit_add(struct audit *a, const char *id, enum check_status status, const struct profile_entry *src,
	      const char *expected, const char *actual, const char *hint, const char *note)
{
	struct check *v = realloc(a->checks, (a->nchecks + 1) * sizeof(*v)), *c;
	int r;

	if (!v)
		return -ENOMEM;
	a->checks = v;
	c = &v[a->nchecks];
	*c = (struct check){.status = status, .line = src ? src->line : 0};
	r = dup_opt(id, &c->id);
	if (r == 0)
		r = dup_opt(expected, &c->expected);
	if (r == 0)
		r = dup_opt(actual, &c->actual);
	if (r == 0)
		r = dup_opt(src ? src->file : NULL, &c->file);
	if (r == 0)
		r = dup_opt(hint, &c->hint);
	if (r == 0)
		r = dup_opt(note, &c->note);
	a->nchecks++;           /* released by audit_free even when half filled */
	a->counts[status]++;
	return r;
}

struct audit *audit_free(struct audit *a)
{
	if (!a)
		return NULL;
	for (size_t i = 0; i < a->nchecks; i++) {
		struct check *c = &a->checks[i];

		free(c->id);
		free(c->expected);
		free(c->actual);
		free(c->file);
		free(c->hint);
		free(c->note);
		free(c->subject);
	}
	free(a->checks);
	free(a->profile);
	free(a);
	return NULL;
}

int audit_exit_status(const struct audit *a)
{
	return a->counts[CHECK_ERROR] ? 2 : a->counts[CHECK_FAIL] ? 1 : 0;
}
