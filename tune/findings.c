/* The findings collectors' table, and findings turned into checks with
 * the profile's waivers (see findings.h). Reads no files itself. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/findings.h"
#include "tune/schema.h"

const struct findings_collector findings_table[] = {
	{"pcie", findings_pcie},
	{"irq", findings_irq},
	{"memory", findings_memory},
	{"links", findings_links},
	{"kernel", findings_kernel},
	{"platform", findings_platform},
	{"gpu", findings_gpu_health},
};
const size_t findings_table_size = ARRAY_SIZE(findings_table);

int findings_collect(const struct sysroot *sr, const struct host *h, const struct profile *p,
		     struct findings *f)
{
	const struct findings_ctx ctx = {.sr = sr, .host = h, .profile = p};

	for (size_t i = 0; i < findings_table_size; i++) {
		int r = findings_table[i].collect(&ctx, f);

		if (r < 0)
			return r;
	}
	return 0;
}

/* One id of a waive line: the entry it came from and whether it matched. */
struct waiver {
	const struct profile_entry *src;
	char *pattern;
	bool used;
};

static void waivers_free(struct waiver *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i].pattern);
	free(w);
}

static int waivers_of(const struct profile *p, struct waiver **ret, size_t *n)
{
	struct waiver *v = NULL;
	size_t k = 0;

	for (const struct profile_entry *e = NULL; p && (e = profile_next(p, "expect", e));) {
		_cleanup_strv_ char **ids = NULL;
		struct waiver *nv;

		if (strcmp(e->key, "waive"))
			continue;
		if (schema_split_list(e->value, &ids) < 0 ||
		    !(nv = reallocarray(v, k + strv_length(ids) + 1, sizeof(*v)))) {
			waivers_free(v, k);
			return -ENOMEM;
		}
		v = nv;
		for (size_t i = 0; ids[i]; i++)
			v[k++] = (struct waiver){.src = e, .pattern = TAKE_PTR(ids[i])};
	}
	*ret = v;
	*n = k;
	return 0;
}

static struct waiver *waiver_for(struct waiver *w, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(w[i].pattern, id, 0) == 0)
			return &w[i];
	return NULL;
}

static const enum check_status by_severity[FINDING_SEVERITY_COUNT] = {
	[FINDING_INFO] = CHECK_INFO, [FINDING_WARN] = CHECK_WARN, [FINDING_FAIL] = CHECK_FAIL,
};

static int add_finding(struct audit *a, const struct finding *x, struct waiver *w)
{
	_cleanup_free_ char *note = w ? xasprintf("waived: a %s finding", finding_severity_name(x->severity))
				      : NULL;
	int r;

	if (w && !note)
		return -ENOMEM;
	r = audit_add(a, x->id, w ? CHECK_INFO : by_severity[x->severity], w ? w->src : NULL, NULL, x->evidence,
		      w ? NULL : x->fix, note);
	if (r == 0 && x->subject && !(a->checks[a->nchecks - 1].subject = strdup(x->subject)))
		r = -ENOMEM;
	return r;
}

int audit_add_findings(struct audit *a, const struct findings *f, const struct profile *p)
{
	struct waiver *w = NULL;
	size_t nw = 0;
	int r = waivers_of(p, &w, &nw);

	for (size_t i = 0; r == 0 && i < f->n; i++) {
		struct waiver *x = waiver_for(w, nw, f->v[i].id);

		if (x)
			x->used = true;
		r = add_finding(a, &f->v[i], x);
	}
	for (size_t i = 0; r == 0 && i < nw; i++) {
		_cleanup_free_ char *id = w[i].used ? NULL : xasprintf("waive.%s", w[i].pattern);

		if (!w[i].used)
			r = id ? audit_add(a, id, CHECK_WARN, w[i].src, NULL, "no finding has this id",
					   "remove the waiver, or correct its id (rigtune audit lists the ids)",
					   NULL) : -ENOMEM;
	}
	waivers_free(w, nw);
	return r;
}
