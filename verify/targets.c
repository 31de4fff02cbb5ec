/* How a run measures up to the [verify] targets (parsed by
 * tune/verify-targets.c, handed over as struct bench_targets): one
 * check per target, each pass / fail / skip with a sentence in plain
 * words, and the verdict that closes `rigtune verify`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "verify/bench.h"
#include "verify/gpu-bench.h"

/* The host kernel each GB/s target is about. */
static const enum bench_kernel target_kernel[BENCH_NTARGETS] = {
	[BENCH_TARGET_TRIAD] = BENCH_TRIAD,
	[BENCH_TARGET_NODE_TRIAD] = BENCH_TRIAD,
	[BENCH_TARGET_PEAK_FRACTION] = BENCH_TRIAD,
	[BENCH_TARGET_READ] = BENCH_READ,
	[BENCH_TARGET_COPY] = BENCH_COPY,
	[BENCH_TARGET_WRITE] = BENCH_WRITE,
};

const char *bench_check_status_name(enum bench_check_status s)
{
	switch (s) {
	case BENCH_CHECK_PASS:
		return "pass";
	case BENCH_CHECK_FAIL:
		return "fail";
	default:
		return "skip";
	}
}

enum bench_check_status bench_compare(double measured, double expected)
{
	if (isnan(measured) || isnan(expected))
		return BENCH_CHECK_SKIP;
	return measured >= expected ? BENCH_CHECK_PASS : BENCH_CHECK_FAIL;
}

/* Whole percent, never rounded up to the target: 99.7% stays 99%. */
static int percent(double ratio)
{
	return (int)floor(ratio * 100 + 1e-9);
}

static char *gbps_message(const struct bench_check *c)
{
	switch (c->status) {
	case BENCH_CHECK_PASS:
		return xasprintf("%s %.1f GB/s meets the %.1f GB/s target (%d%%)", c->what,
				 c->measured, c->expected, percent(c->ratio));
	case BENCH_CHECK_FAIL:
		return xasprintf("%s %.1f GB/s reaches %d%% of the %.1f GB/s target", c->what,
				 c->measured, percent(c->ratio), c->expected);
	default:
		return xasprintf("%s was not measured: the %.1f GB/s target is not checked", c->what,
				 c->expected);
	}
}

static char *peak_message(const struct bench_check *c, const struct bench_report *r,
			  const struct bench_result *h)
{
	switch (c->status) {
	case BENCH_CHECK_PASS:
	case BENCH_CHECK_FAIL:
		return xasprintf("%s %.1f GB/s is %d%% of the %.1f GB/s theoretical peak, %s the %d%% "
				 "required", c->what, h->gbps, percent(c->measured), r->peak_gbps,
				 c->status == BENCH_CHECK_PASS ? "at least" : "below",
				 percent(c->expected));
	default:
		if (!h)
			return xasprintf("host triad was not measured: peak_fraction %.2f is not checked",
					 c->expected);
		return xasprintf("the theoretical peak is unknown (%s): peak_fraction %.2f is not checked",
				 r->peak_unknown_reason ? r->peak_unknown_reason : "no DMI memory records",
				 c->expected);
	}
}

struct checks {
	struct bench_check *v;
	size_t n;
};

/* A new check of target tg, its message still unset; NULL on OOM. */
static struct bench_check *add_check(struct checks *cs, const struct bench_targets *t, enum bench_target tg,
				     char *name, char *what, double measured)
{
	struct bench_check *n, *c;

	n = name && what ? realloc(cs->v, (cs->n + 1) * sizeof(*n)) : NULL;
	if (!n) {
		free(name);
		free(what);
		return NULL;
	}
	cs->v = n;
	c = &n[cs->n++];
	*c = (struct bench_check) {
		.target = tg,
		.name = name,
		.what = what,
		.measured = measured,
		.expected = t->value[tg],
		.status = bench_compare(measured, t->value[tg]),
		.file = t->file[tg],
		.line = t->line[tg],
	};
	c->ratio = c->status == BENCH_CHECK_SKIP ? NAN : measured / c->expected;
	return c;
}

static int add_memory_check(struct checks *cs, const struct bench_targets *t, enum bench_target tg,
			    char *name, char *what, double measured, const struct bench_report *r,
			    const struct bench_result *h)
{
	struct bench_check *c = add_check(cs, t, tg, name, what, measured);

	if (!c)
		return -ENOMEM;
	c->message = tg == BENCH_TARGET_PEAK_FRACTION ? peak_message(c, r, h) : gbps_message(c);
	return c->message ? 0 : -ENOMEM;
}

static double gbps_of(const struct bench_result *x)
{
	return x ? x->gbps : NAN;
}

static int check_nodes(struct checks *cs, const struct bench_report *r, const struct bench_targets *t)
{
	size_t nodes = 0;
	int ret = 0;

	for (size_t i = 0; ret >= 0 && i < r->nresults; i++) {
		const struct bench_result *x = &r->results[i];

		if (x->kernel != BENCH_TRIAD || x->cpu_node < 0 || x->cpu_node != x->mem_node)
			continue;
		nodes++;
		ret = add_memory_check(cs, t, BENCH_TARGET_NODE_TRIAD,
				xasprintf("node_triad_gbps[%s]", x->scope),
				xasprintf("%s triad", x->scope), x->gbps, r, NULL);
	}
	/* a single-node host: the host is its only node */
	if (ret >= 0 && nodes == 0)
		ret = add_memory_check(cs, t, BENCH_TARGET_NODE_TRIAD, strdup("node_triad_gbps[host]"),
				strdup("host triad (the only node)"),
				gbps_of(bench_report_find(r, BENCH_TRIAD, -1, -1)), r, NULL);
	return ret;
}

int bench_targets_check(const struct bench_report *r, const struct bench_targets *t,
			struct bench_check **ret, size_t *n)
{
	struct checks cs = {};
	int rc = 0;

	for (int tg = 0; rc >= 0 && tg < BENCH_NTARGETS; tg++) {
		const struct bench_result *h = bench_report_find(r, target_kernel[tg], -1, -1);

		if (isnan(t->value[tg]))
			continue;
		switch (tg) {
		case BENCH_TARGET_NODE_TRIAD:
			rc = check_nodes(&cs, r, t);
			break;
		case BENCH_TARGET_GPU_H2D_FRACTION:
			break; /* gpu_targets_check: from the GPU run */
		case BENCH_TARGET_PEAK_FRACTION:
			rc = add_memory_check(&cs, t, tg, strdup(bench_target_key(tg)), strdup("host triad"),
				       h && r->peak_gbps > 0 ? h->gbps / r->peak_gbps : NAN, r, h);
			break;
		default:
			rc = add_memory_check(&cs, t, tg, strdup(bench_target_key(tg)),
				       xasprintf("host %s", bench_kernel_name(target_kernel[tg])),
				       gbps_of(h), r, h);
		}
	}
	if (rc < 0) {
		bench_checks_free(cs.v, cs.n);
		return rc;
	}
	*ret = cs.v;
	*n = cs.n;
	return 0;
}

static char *gpu_message(const struct bench_check *c, const struct gpu_result *g, const char *error)
{
	if (error)
		return xasprintf("%s could not be measured (%s): gpu_h2d_fraction %.2f is not met", c->what,
				 error, c->expected);
	if (c->status == BENCH_CHECK_SKIP)
		return xasprintf("%s: the link's theoretical rate is unknown, gpu_h2d_fraction %.2f is not "
				 "checked", c->what, c->expected);
	return xasprintf("%s %.1f GB/s is %d%% of its %s link's %.1f GB/s, %s the %d%% required", c->what,
			 g->h2d.gbps, percent(c->measured), g->link, g->link_gbps,
			 c->status == BENCH_CHECK_PASS ? "at least" : "below", percent(c->expected));
}

static int add_gpu_check(struct checks *cs, const struct bench_targets *t, const struct gpu_result *g,
			 const char *error)
{
	enum bench_target tg = BENCH_TARGET_GPU_H2D_FRACTION;
	struct bench_check *c = add_check(cs, t, tg, xasprintf("%s[%s]", bench_target_key(tg), g ? g->bdf : "gpus"),
					  g ? xasprintf("GPU%d %s host-to-device", g->index, g->bdf)
					    : strdup("host-to-device bandwidth"),
					  g ? g->h2d.fraction : NAN);

	if (!c)
		return -ENOMEM;
	if (error) {
		c->status = BENCH_CHECK_FAIL; /* required, and not shown to be met */
		c->ratio = NAN;
	}
	c->message = gpu_message(c, g, error);
	return c->message ? 0 : -ENOMEM;
}

int gpu_targets_check(const struct gpu_report *g, const struct bench_targets *t, struct bench_check **checks,
		      size_t *n)
{
	struct checks cs = {.v = *checks, .n = *n};
	int rc = 0;

	if (isnan(t->value[BENCH_TARGET_GPU_H2D_FRACTION]))
		return 0;
	if (g->error || !g->ngpus)
		rc = add_gpu_check(&cs, t, NULL, g->error ? g->error : "no GPU");
	for (size_t i = 0; rc >= 0 && !g->error && i < g->ngpus; i++)
		rc = add_gpu_check(&cs, t, &g->gpus[i], NULL);
	*checks = cs.v;
	*n = cs.n;
	return rc;
}

void bench_checks_free(struct bench_check *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].name);
		free(c[i].what);
		free(c[i].message);
	}
	free(c);
}

static void count(const struct bench_check *c, size_t n, size_t out[3])
{
	out[0] = out[1] = out[2] = 0;
	for (size_t i = 0; i < n; i++)
		out[c[i].status]++;
}

static int verdict_targets(struct strbuf *sb, const struct bench_check *c, size_t n)
{
	size_t k[3];
	bool first = true;
	int r;

	count(c, n, k);
	if (n == 0)
		return strbuf_puts(sb, "No [verify] targets are set");
	if (k[BENCH_CHECK_FAIL] == 0) {
		r = strbuf_printf(sb, "This host reaches its targets (%zu of %zu pass", k[BENCH_CHECK_PASS], n);
		if (r >= 0 && k[BENCH_CHECK_SKIP])
			r = strbuf_printf(sb, ", %zu not checked", k[BENCH_CHECK_SKIP]);
		return r < 0 ? r : strbuf_puts(sb, ")");
	}
	r = strbuf_printf(sb, "This host does not reach its targets: %zu of %zu fail (",
			  k[BENCH_CHECK_FAIL], n);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (c[i].status == BENCH_CHECK_FAIL) {
			r = strbuf_printf(sb, "%s%s", first ? "" : ", ", c[i].name);
			first = false;
		}
	return r < 0 ? r : strbuf_puts(sb, ")");
}

char *bench_verdict(const struct bench_report *r, const struct bench_check *c, size_t n)
{
	const struct bench_result *h = bench_report_headline(r);
	struct strbuf sb = {};
	int ret;

	ret = verdict_targets(&sb, c, n);
	if (ret >= 0 && h && !isnan(r->efficiency))
		ret = strbuf_printf(&sb, "; it reaches %d%% of its %.1f GB/s theoretical peak (%s %.1f GB/s).",
				    percent(r->efficiency), r->peak_gbps, bench_kernel_name(h->kernel),
				    h->gbps);
	else if (ret >= 0)
		ret = strbuf_printf(&sb, "; its theoretical peak is unknown (%s), so the fraction of it "
				    "the host reaches is not known.",
				    r->peak_unknown_reason ? r->peak_unknown_reason : "no DMI memory records");
	if (ret >= 0 && !r->trustworthy && r->reasons) {
		_cleanup_free_ char *why = strv_join(r->reasons, "; ");

		ret = why ? strbuf_printf(&sb, " The measurement is not trustworthy: %s.", why) : -ENOMEM;
	}
	if (ret < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_steal(&sb);
}

void bench_checks_json(const struct bench_check *c, size_t n, const char *verdict, struct json *j)
{
	size_t k[3];

	count(c, n, k);
	json_key(j, "checks");
	json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(j);
		json_kv_string(j, "name", c[i].name);
		json_kv_string(j, "what", c[i].what);
		json_kv_string(j, "status", bench_check_status_name(c[i].status));
		json_kv_double(j, "measured", c[i].measured);
		json_kv_double(j, "expected", c[i].expected);
		json_kv_double(j, "ratio", c[i].ratio);
		json_kv_string(j, "message", c[i].message);
		json_key(j, "source");
		if (c[i].file) {
			_cleanup_free_ char *src = xasprintf("%s:%d", c[i].file, c[i].line);
			json_string(j, src);
		} else {
			json_null(j);
		}
		json_object_end(j);
	}
	json_array_end(j);
	json_kv_int(j, "passed", (int64_t)k[BENCH_CHECK_PASS]);
	json_kv_int(j, "failed", (int64_t)k[BENCH_CHECK_FAIL]);
	json_kv_int(j, "skipped", (int64_t)k[BENCH_CHECK_SKIP]);
	json_kv_string(j, "result", k[BENCH_CHECK_FAIL] ? "fail" : "pass");
	json_kv_string(j, "verdict", verdict);
}
