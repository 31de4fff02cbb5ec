/* A verifier run's report: lookups, its verdict on its own numbers (above
 * the theoretical peak, on a virtual machine, arrays that fit in caches:
 * not trustworthy, and why), and its JSON form for `bench`, `verify` and
 * `report`. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/json.h"
#include "common/util.h"
#include "verify/bench.h"
#include "verify/gpu-burnin.h"

#define MIB (1024.0 * 1024.0)

struct bench_report *bench_report_free(struct bench_report *r)
{
	if (!r)
		return NULL;
	free(r->results);
	free(r->latency);
	free(r->cpus);
	free(r->peak_unknown_reason);
	strv_free(r->reasons);
	strv_free(r->warnings);
	health_record_free(r->health);
	free(r->health_error);
	findings_clear(&r->findings);
	free(r->burnin);
	gpu_copy_report_free(r->gpu_copies);
	free(r);
	return NULL;
}

const struct bench_result *bench_report_find(const struct bench_report *r, enum bench_kernel k,
					     int cpu_node, int mem_node)
{
	for (size_t i = 0; i < r->nresults; i++)
		if (r->results[i].kernel == k && r->results[i].cpu_node == cpu_node &&
		    r->results[i].mem_node == mem_node)
			return &r->results[i];
	return NULL;
}

const struct bench_result *bench_report_headline(const struct bench_report *r)
{
	const struct bench_result *best = bench_report_find(r, BENCH_TRIAD, -1, -1);

	for (size_t i = 0; !best && i < r->nresults; i++)
		if (r->results[i].cpu_node < 0)
			best = &r->results[i];
	for (size_t i = 0; best && best->kernel != BENCH_TRIAD && i < r->nresults; i++)
		if (r->results[i].cpu_node < 0 && r->results[i].gbps > best->gbps)
			best = &r->results[i];
	return best;
}

static int add_reason(struct bench_report *r, char *s)
{
	if (!s)
		return -ENOMEM;
	return strv_push(&r->reasons, s);
}

int bench_report_assess(struct bench_report *r, const char *virtualization)
{
	const struct bench_result *h = bench_report_headline(r);
	int ret = 0;

	r->reasons = strv_free(r->reasons);
	r->efficiency = h && isfinite(r->peak_gbps) && r->peak_gbps > 0 ? h->gbps / r->peak_gbps : NAN;
	if (virtualization)
		ret = add_reason(r, xasprintf("measured inside a virtual machine (%s): the hypervisor "
					      "shares memory bandwidth with other guests and may hide "
					      "the real NUMA layout", virtualization));
	for (size_t i = 0; ret >= 0 && i < r->nresults; i++) {
		const struct bench_result *x = &r->results[i];

		if (isfinite(r->peak_gbps) && x->gbps > r->peak_gbps)
			ret = add_reason(r, xasprintf("%s %s %.1f GB/s is above the %.1f GB/s theoretical "
						      "peak: caches or a wrong DIMM record inflate it",
						      x->scope, bench_kernel_name(x->kernel), x->gbps,
						      r->peak_gbps));
	}
	if (ret >= 0 && r->llc_bytes && r->array_bytes < 4 * r->llc_bytes)
		ret = add_reason(r, xasprintf("arrays of %.0f MiB are smaller than 4x the %.0f MiB of "
					      "last-level cache: caches inflate the numbers",
					      r->array_bytes / MIB, r->llc_bytes / MIB));
	r->trustworthy = r->reasons == NULL;
	return ret < 0 ? ret : 0;
}

/* Numbers rounded to what they can mean, so the JSON stays readable. */
static double round_to(double v, int digits)
{
	double scale = pow(10, digits);

	return isfinite(v) ? round(v * scale) / scale : v;
}

static void json_strv(struct json *j, const char *key, char *const *v)
{
	json_key(j, key);
	json_array_begin(j);
	for (; v && *v; v++)
		json_string(j, *v);
	json_array_end(j);
}

static void result_json(const struct bench_result *x, struct json *j)
{
	json_object_begin(j);
	json_kv_string(j, "kernel", bench_kernel_name(x->kernel));
	json_kv_string(j, "scope", x->scope);
	json_kv_int(j, "threads", x->threads);
	json_key(j, "bytes");
	json_uint(j, x->bytes);
	json_kv_double(j, "gbps", round_to(x->gbps, 3));
	json_kv_double(j, "best_s", round_to(x->best_s, 9));
	json_kv_double(j, "median_s", round_to(x->median_s, 9));
	json_kv_double(j, "worst_s", round_to(x->worst_s, 9));
	json_kv_double(j, "mean_s", round_to(x->mean_s, 9));
	json_kv_double(j, "median_gbps", round_to(x->median_gbps, 3));
	json_kv_double(j, "mean_gbps", round_to(x->mean_gbps, 3));
	json_kv_double(j, "spread", round_to(x->spread, 4));
	json_kv_int(j, "passes", x->passes);
	json_kv_int_opt(j, "cpu_node", x->cpu_node);
	json_kv_int_opt(j, "mem_node", x->mem_node);
	json_object_end(j);
}

/* The first and last window of points, and the points: {t, gbps}. */
static void points_json(const struct bench_point *p, size_t n, struct json *j)
{
	double w, first, last;

	health_first_last(p, n, &first, &last, &w);
	json_kv_double(j, "window_s", round_to(w, 3));
	json_kv_double(j, "first_window_gbps", round_to(first, 3));
	json_kv_double(j, "last_window_gbps", round_to(last, 3));
	json_key(j, "points");
	json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(j);
		json_kv_double(j, "t", round_to(p[i].t, 3));
		json_kv_double(j, "gbps", round_to(p[i].gbps, 3));
		json_object_end(j);
	}
	json_array_end(j);
}

/* "gpu_copies": the runtime, and per GPU its copies over time. */
static void gpu_copies_json(const struct gpu_copy_report *g, struct json *j)
{
	json_key(j, "gpu_copies");
	if (!g) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_string(j, "runtime", g->runtime);
	json_kv_string(j, "library", g->library);
	json_key(j, "bytes_per_copy");
	json_uint(j, g->bytes);
	json_kv_string(j, "error", g->error);
	json_key(j, "gpus");
	json_array_begin(j);
	for (size_t i = 0; i < g->ngpus; i++) {
		const struct gpu_copy_result *x = &g->gpus[i];

		json_object_begin(j);
		json_kv_int(j, "index", x->index);
		json_kv_string(j, "bdf", x->bdf);
		json_key(j, "copies");
		json_uint(j, x->copies);
		json_kv_string(j, "error", x->error);
		points_json(x->points, x->npoints, j);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

/* "burn_in": the asked and measured time, the points, first and last
 * minute, the GPUs' copies. */
static void burnin_json(const struct bench_report *r, struct json *j)
{
	json_key(j, "burn_in");
	if (r->burnin_seconds <= 0) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_double(j, "seconds_asked", r->burnin_seconds);
	json_kv_double(j, "seconds", round_to(r->burnin_elapsed_s, 3));
	json_kv_bool(j, "interrupted", r->burnin_interrupted);
	points_json(r->burnin, r->nburnin, j);
	gpu_copies_json(r->gpu_copies, j);
	json_object_end(j);
}

void bench_report_json(const struct bench_report *r, struct json *j)
{
	json_kv_int(j, "threads", r->threads);
	json_kv_bool(j, "nt_stores", r->nt_stores);
	json_kv_string(j, "isa", bench_isa_name(r->isa));
	json_kv_string(j, "cpus", r->cpus);
	json_key(j, "array_bytes");
	json_uint(j, r->array_bytes);
	json_key(j, "results");
	json_array_begin(j);
	for (size_t i = 0; i < r->nresults; i++)
		result_json(&r->results[i], j);
	json_array_end(j);
	json_key(j, "latency");
	json_array_begin(j);
	for (size_t i = 0; i < r->nlatency; i++) {
		const struct bench_latency *l = &r->latency[i];

		json_object_begin(j);
		json_kv_string(j, "scope", l->scope);
		json_kv_int(j, "cpu_node", l->cpu_node);
		json_kv_int(j, "mem_node", l->mem_node);
		json_kv_double(j, "ns", round_to(l->ns, 1));
		json_key(j, "buffer_bytes");
		json_uint(j, l->buffer_bytes);
		json_key(j, "hops");
		json_uint(j, l->hops);
		json_object_end(j);
	}
	json_array_end(j);
	json_kv_double(j, "peak_gbps", round_to(r->peak_gbps, 3));
	json_kv_string(j, "peak_unknown_reason", r->peak_unknown_reason);
	json_kv_double(j, "efficiency", round_to(r->efficiency, 4));
	json_kv_bool(j, "trustworthy", r->trustworthy);
	json_strv(j, "reasons", r->reasons);
	json_strv(j, "warnings", r->warnings);
	json_kv_double(j, "setup_s", round_to(r->setup_s, 3));
	json_kv_double(j, "elapsed_s", round_to(r->elapsed_s, 3));
	burnin_json(r, j);
	json_key(j, "health");
	if (r->health) {
		json_object_begin(j);
		health_record_json(r->health, j);
		json_object_end(j);
	} else {
		json_null(j);
	}
	json_kv_string(j, "health_error", r->health_error);
	json_key(j, "findings");
	health_findings_json(&r->findings, j);
}
