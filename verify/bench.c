/* bench_run: what a verifier run measures, in which order, and how big:
 * arrays of 4x the last-level cache (within half of each node's free
 * memory), the host scope, each node alone, the node x node read matrix
 * and idle latency, then the burn-in if one was asked for; the health
 * sampler around all of it; then the report's verdict on its own numbers
 * and the health findings. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpulist.h"
#include "common/util.h"
#include "verify/bench.h"
#include "verify/burnin.h"
#include "verify/gpu-burnin.h"
#include "verify/engine.h"

#define MIB (1024.0 * 1024.0)
#define ELEMENT_ROUND 512       /* elements per thread: a multiple of 4 KiB */

/* Seconds each job runs at least (as well as min_passes passes). */
struct pace {
	int min_passes;
	double host_s, node_s, matrix_s;
	uint64_t hops;
};

static const struct pace pace_full = { 10, 1.0, 0.25, 0.25, 1000000 };
static const struct pace pace_quick = { 10, 0.15, 0.08, 0.08, 200000 };

static int add_warning(char ***list, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_warning(char ***list, const char *fmt, ...)
{
	struct strbuf sb = {};
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	return strv_push(list, strbuf_steal(&sb));
}

static uint64_t default_array_bytes(const struct bench_topology *t, char ***warnings)
{
	if (t->llc_bytes == 0) {
		add_warning(warnings, "last-level cache size unknown: arrays of 1024 MiB assumed large enough");
		return 1024ull << 20;
	}
	return t->llc_bytes * 4 > (64ull << 20) ? t->llc_bytes * 4 : 64ull << 20;
}

/* Keep each node's share of the three arrays within half its free memory. */
static uint64_t fit_free_memory(const struct bench_topology *t, const struct bench_placement *pl,
				int n, uint64_t array_bytes, char ***warnings)
{
	uint64_t fit = array_bytes;

	for (size_t i = 0; i < t->nnodes; i++) {
		int on_node = 0;
		uint64_t need;

		for (int k = 0; k < n; k++)
			on_node += pl[k].node == (int)i;
		if (!on_node || t->nodes[i].free_bytes < 0)
			continue;
		need = 3 * array_bytes / n * on_node;
		if (need > (uint64_t)t->nodes[i].free_bytes / 2) {
			uint64_t f = (uint64_t)t->nodes[i].free_bytes / 2 / 3 / on_node * n;
			if (f < fit)
				fit = f;
		}
	}
	if (fit < array_bytes)
		add_warning(warnings, "arrays shrunk from %.0f to %.0f MiB to fit in half the free memory",
			    array_bytes / MIB, fit / MIB);
	return fit;
}

static int add_result(struct bench_report *r, enum bench_kernel k, int cpu_node, int mem_node,
		      int threads, uint64_t elements, const struct bench_stats *st)
{
	struct bench_result *res, *n;

	n = realloc(r->results, (r->nresults + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->results = n;
	res = &n[r->nresults++];
	*res = (struct bench_result) {
		.kernel = k,
		.cpu_node = cpu_node,
		.mem_node = mem_node,
		.threads = threads,
		.bytes = bench_kernel_bytes(k, elements),
		.passes = (int)st->n,
		.best_s = st->best,
		.median_s = st->median,
		.mean_s = st->mean,
		.worst_s = st->worst,
		.spread = st->spread,
	};
	res->gbps = res->bytes / st->best / 1e9;
	res->median_gbps = res->bytes / st->median / 1e9;
	res->mean_gbps = res->bytes / st->mean / 1e9;
	return bench_scope_name(cpu_node, mem_node, res->scope, sizeof(res->scope));
}

static int measure(struct engine *e, struct bench_report *r, enum bench_kernel k,
		   int cpu_node, int mem_node, int min_passes, double min_s)
{
	struct bench_stats st;
	uint64_t elements;
	int ret;

	if (e->opt && e->opt->on_measure) {
		char what[96];

		if (cpu_node < 0)
			snprintf(what, sizeof(what), "%s on the whole host", bench_kernel_name(k));
		else if (cpu_node == mem_node)
			snprintf(what, sizeof(what), "%s on node%d", bench_kernel_name(k), cpu_node);
		else
			snprintf(what, sizeof(what), "%s, node%d CPUs from node%d memory", bench_kernel_name(k),
				 cpu_node, mem_node);
		e->opt->on_measure(e->opt->on_measure_data, what, e->jobs_done, e->jobs_total);
	}
	e->jobs_done++;
	ret = engine_run_kernel(e, k, min_passes, min_s, &st, &elements);
	if (ret < 0)
		return ret;
	return add_result(r, k, cpu_node, mem_node, e->job.nparts, elements, &st);
}

static bool node_measured(const struct engine *e, int node)
{
	for (size_t i = 0; i < e->nw; i++)
		if (e->w[i].node == node)
			return true;
	return false;
}

/* How many bandwidth measurements measure_bandwidth makes: for progress. */
static size_t jobs_planned(unsigned kernels, unsigned scopes, bool quick, size_t nodes)
{
	size_t nk = 0, n = 0;

	for (int k = 0; k < BENCH_NKERNELS; k++)
		nk += (kernels & (1u << k)) != 0;
	n += scopes & BENCH_SCOPE_HOST ? nk : 0;
	n += (scopes & BENCH_SCOPE_NODES) && nodes > 1 ? nk * nodes : 0;
	n += (scopes & BENCH_SCOPE_MATRIX) && !quick && nodes > 1 ? nodes * (nodes - 1) : 0;
	return n;
}

static int measure_bandwidth(struct engine *e, const struct bench_options *opt, unsigned kernels,
			     unsigned scopes, const struct pace *pc, struct bench_report *r)
{
	const struct bench_topology *t = e->topo;
	double node_s = opt->min_seconds > 0 ? opt->min_seconds : pc->node_s;
	double matrix_s = opt->min_seconds > 0 ? opt->min_seconds : pc->matrix_s;
	double host_s = opt->min_seconds > 0 ? opt->min_seconds : pc->host_s;
	int passes = opt->min_passes > 0 ? opt->min_passes : pc->min_passes;
	size_t nodes = 0;
	int ret;

	for (size_t i = 0; i < t->nnodes; i++)
		nodes += node_measured(e, (int)i);
	e->jobs_total = jobs_planned(kernels, scopes, opt->quick, nodes);
	if (scopes & BENCH_SCOPE_HOST)
		for (int k = 0; k < BENCH_NKERNELS; k++) {
			if (!(kernels & (1u << k)))
				continue;
			ret = engine_plan_local(e, -1);
			if (ret >= 0)
				ret = measure(e, r, k, -1, -1, passes, host_s);
			if (ret < 0)
				return ret;
		}
	/* on a single node "node0" would repeat "host" */
	if ((scopes & BENCH_SCOPE_NODES) && nodes > 1)
		for (size_t i = 0; i < t->nnodes; i++)
			for (int k = 0; k < BENCH_NKERNELS && node_measured(e, (int)i); k++) {
				if (!(kernels & (1u << k)))
					continue;
				ret = engine_plan_local(e, (int)i);
				if (ret >= 0)
					ret = measure(e, r, k, t->nodes[i].id, t->nodes[i].id, passes, node_s);
				if (ret < 0)
					return ret;
			}
	if ((scopes & BENCH_SCOPE_MATRIX) && !opt->quick && nodes > 1)
		for (size_t i = 0; i < t->nnodes; i++)
			for (size_t j = 0; j < t->nnodes; j++) {
				if (i == j || !node_measured(e, (int)i) || !node_measured(e, (int)j))
					continue;
				ret = engine_plan_remote_read(e, (int)i, (int)j);
				if (ret >= 0)
					ret = measure(e, r, BENCH_READ, t->nodes[i].id, t->nodes[j].id,
						      passes, matrix_s);
				if (ret < 0)
					return ret;
			}
	return 0;
}

static int add_latency(struct bench_report *r, const struct bench_topology *t, int i, int j,
		       uint64_t bytes, uint64_t hops, double ns)
{
	struct bench_latency *n = realloc(r->latency, (r->nlatency + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	r->latency = n;
	n[r->nlatency] = (struct bench_latency) {
		.cpu_node = t->nodes[i].id, .mem_node = t->nodes[j].id,
		.buffer_bytes = bytes, .hops = hops, .ns = ns,
	};
	/* a pair is always named by both nodes, "node0->node0" included */
	snprintf(n[r->nlatency].scope, sizeof(n->scope), "node%d->node%d",
		 t->nodes[i].id, t->nodes[j].id);
	r->nlatency++;
	return 0;
}

static int measure_latency(struct engine *e, const struct bench_options *opt, const struct pace *pc,
			   struct bench_report *r)
{
	const struct bench_topology *t = e->topo;
	uint64_t llc = t->llc_instance_bytes ? t->llc_instance_bytes : t->llc_bytes;
	uint64_t bytes = llc ? 4 * llc : 256ull << 20;
	uint64_t hops = opt->latency_hops ? opt->latency_hops : pc->hops;
	_cleanup_free_ uint32_t *perm = NULL;
	size_t lines;
	int ret;

	if (bytes < (64ull << 20))
		bytes = 64ull << 20;
	if (bytes > (1ull << 30))
		bytes = 1ull << 30;
	lines = bytes / 64;
	ret = latency_build_cycle(lines, 0, &perm);
	if (ret < 0)
		return ret;
	for (size_t j = 0; j < t->nnodes; j++) {
		if (!node_measured(e, (int)j))
			continue;
		ret = engine_latency_map(e, (int)j, perm, lines);
		for (size_t i = 0; ret >= 0 && i < t->nnodes; i++) {
			double ns;

			if (!node_measured(e, (int)i) || (opt->quick && i != j))
				continue;
			ret = engine_latency_chase(e, (int)i, hops, &ns);
			if (ret >= 0)
				ret = add_latency(r, t, (int)i, (int)j, bytes, hops, ns);
		}
		engine_latency_unmap(e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int fill_cpus(struct bench_report *r, const struct bench_placement *pl, int n)
{
	_cleanup_(cpuset_freep) struct cpuset *s = cpuset_new(64);

	if (!s)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (cpuset_set(&s, (unsigned)pl[i].cpu) < 0)
			return -ENOMEM;
	r->cpus = cpulist_format(s);
	return r->cpus ? 0 : -ENOMEM;
}

static int run(struct engine *e, const struct bench_options *opt, struct bench_report *r,
	       struct health_sampler *hs, const struct bench_placement *pl, int n, size_t elements,
	       char **error)
{
	double origin = hs ? health_sampler_started(hs) : engine_now();
	unsigned kernels = opt->kernels ? opt->kernels : BENCH_KERNELS_ALL;
	unsigned scopes = opt->scopes ? opt->scopes : BENCH_SCOPES_ALL;
	const struct pace *pc = opt->quick ? &pace_quick : &pace_full;
	double t0 = engine_now(), load_from, load_to;
	int ret;

	ret = engine_start(e, pl, n, elements, error);
	if (ret < 0)
		return ret;
	r->setup_s = engine_now() - t0;
	if (e->no_thp)
		add_warning(&r->warnings, "madvise(MADV_HUGEPAGE) failed: measured on small pages");
	if (e->mbind_failed)
		add_warning(&r->warnings, "cannot bind memory to nodes (mbind: %s): placed by first touch only",
			    strerror(e->mbind_failed));
	load_from = engine_now() - origin;
	ret = measure_bandwidth(e, opt, kernels, scopes, pc, r);
	if (ret == -EIO && error)
		*error = strdup("a kernel computed wrong values: its bandwidth would mean nothing");
	if (ret >= 0 && (scopes & BENCH_SCOPE_LATENCY))
		ret = measure_latency(e, opt, pc, r);
	if (ret >= 0 && opt->burnin_seconds > 0)
		ret = burnin_run(e, opt, hs, origin, r);
	load_to = engine_now() - origin;
	engine_stop(e);
	if (hs)
		health_sampler_mark_load(hs, load_from, load_to);
	return ret;
}

/* A host where nothing can be sampled still gets measured: the reason
 * goes into the report instead. */
static int start_health(const struct bench_options *opt, const struct bench_placement *pl, int n,
			struct bench_report *r, struct health_sampler **ret)
{
	_cleanup_free_ int *cpus = calloc(n, sizeof(int));
	int rc;

	if (!cpus)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		cpus[i] = pl[i].cpu;
	rc = health_sampler_start(opt->health_root, opt->health_interval_s, cpus, n, ret);

	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		*ret = NULL;
		r->health_error = xasprintf("cannot sample health under %s: %s", opt->health_root,
					    strerror(-rc));
		return r->health_error ? 0 : -ENOMEM;
	}
	return 0;
}

static int stop_health(struct health_sampler *hs, struct bench_report *r)
{
	int rc = health_sampler_stop(hs, &r->health);

	if (rc < 0)
		return rc;
	return health_findings(r->health, r->burnin, r->nburnin, &r->findings);
}

int bench_run(const struct bench_topology *t, const struct bench_options *opt,
	      struct bench_report **ret, char **error)
{
	_cleanup_free_ struct bench_placement *pl = NULL;
	struct bench_report *r;
	struct engine e = { .topo = t, .opt = opt };
	struct health_sampler *hs = NULL;
	size_t total = 0, elements;
	uint64_t bytes;
	double t0 = engine_now();
	int n, rc;

	for (size_t i = 0; i < t->nnodes; i++)
		total += t->nodes[i].ncpus;
	if (!total) {
		if (error)
			*error = strdup("no CPU to run on");
		return -EINVAL;
	}
	e.kernels = bench_kernels_get(opt->isa);
	if (!e.kernels) {
		if (error)
			*error = xasprintf("this CPU cannot run %s kernels", bench_isa_name(opt->isa));
		return -EOPNOTSUPP;
	}
	pl = calloc(total, sizeof(*pl));
	r = calloc(1, sizeof(*r));
	if (!pl || !r) {
		free(r);
		return -ENOMEM;
	}
	n = bench_select_cpus(t, opt->threads, pl);
	if (n < 0) {
		free(r);
		return n;
	}
	bytes = opt->array_bytes ? opt->array_bytes : default_array_bytes(t, &r->warnings);
	bytes = fit_free_memory(t, pl, n, bytes, &r->warnings);
	elements = bytes / sizeof(double) / n / ELEMENT_ROUND * ELEMENT_ROUND;
	if (elements == 0)
		elements = ELEMENT_ROUND;
	*r = (struct bench_report) {
		.isa = e.kernels->isa,
		.nt_stores = e.kernels->nt_stores,
		.threads = n,
		.array_bytes = (uint64_t)elements * sizeof(double) * n,
		.llc_bytes = t->llc_bytes,
		.peak_gbps = t->peak_gbps > 0 ? t->peak_gbps : NAN,
		.warnings = r->warnings,
	};
	if (t->peak_unknown_reason)
		r->peak_unknown_reason = strdup(t->peak_unknown_reason);
	rc = fill_cpus(r, pl, n);
	if (rc >= 0 && opt->health_root)
		rc = start_health(opt, pl, n, r, &hs);
	if (rc >= 0)
		rc = run(&e, opt, r, hs, pl, n, elements, error);
	if (hs) {
		int hr = stop_health(hs, r);

		rc = rc < 0 ? rc : hr;
	} else if (rc >= 0 && r->nburnin) {
		rc = health_findings(NULL, r->burnin, r->nburnin, &r->findings);
	}
	if (rc >= 0)
		rc = gpu_copy_findings(r->gpu_copies, &r->findings);
	if (rc >= 0)
		rc = bench_report_assess(r, t->virtualization);
	if (rc < 0) {
		bench_report_free(r);
		return rc;
	}
	r->elapsed_s = engine_now() - t0;
	*ret = r;
	return 0;
}
