/* `rigtune bench` and `rigtune verify`: describe this host to the verifier
 * (nodes, one CPU per core, caches, theoretical peak, all from the host
 * model the probes fill), run it with the health sampler and any burn-in
 * (cli/health.c), print the numbers and the health findings, and for
 * verify compare them with the profile's [verify]
 * targets. A captured tree (--sysroot) is not this host: refused. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/audit-json.h"
#include "cli/cli.h"
#include "cli/health.h"
#include "common/cpulist.h"
#include "common/json.h"
#include "common/sysroot.h"
#include "common/util.h"
#include "tune/profile.h"
#include "tune/rig-audit.h"
#include "verify/bench.h"
#include "verify/gpu-bench.h"

#define MIB (1024.0 * 1024.0)

struct bench_args {
	bool json, quick, smt;
	int threads;
	const char *nodes;          /* cpulist syntax of node ids, or NULL */
	uint64_t size_mb;           /* per array; 0 auto */
	unsigned kernels, scopes;
	int isa;
	struct cli_health health;   /* --burn-in, --no-health */
};

/* The topology handed to the library, and the memory behind it. */
struct topo {
	struct bench_topology t;
	char *peak_reason;
};

static void topo_release(struct topo *tp)
{
	for (size_t i = 0; i < tp->t.nnodes; i++)
		free(tp->t.nodes[i].cpus);
	free(tp->t.nodes);
	free(tp->peak_reason);
}

static bool sysroot_is_live(const struct cli *cli)
{
	_cleanup_free_ char *real = realpath(cli->sysroot, NULL);

	return real && !strcmp(real, "/");
}

static int refuse_captured_tree(const struct cli *cli, const char *cmd)
{
	return log_error("%s measures the memory of the machine it runs on; --sysroot %s is a "
			 "captured tree, not this host: run it on the host itself without --sysroot",
			 cmd, cli->sysroot);
}

/* CPUs this process may run on (a cpuset cgroup or taskset narrows them). */
static int allowed_cpus(struct cpuset **ret)
{
	_cleanup_(cpuset_freep) struct cpuset *s = NULL;
	size_t size = CPU_ALLOC_SIZE(8192);
	cpu_set_t *set = CPU_ALLOC(8192);
	int r = 0;

	if (!set)
		return -ENOMEM;
	if (sched_getaffinity(0, size, set) < 0) {
		r = -errno;
		goto out;
	}
	s = cpuset_new(64);
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	for (int c = 0; c < 8192; c++)
		if (CPU_ISSET_S(c, size, set) && (r = cpuset_set(&s, c)) < 0)
			goto out;
	*ret = TAKE_PTR(s);
out:
	CPU_FREE(set);
	return r;
}

/* Is cpu the first allowed thread of its core? */
static bool first_of_core(const struct host *h, int cpu, const struct cpuset *allowed)
{
	const struct cpuset *sib = host_core_cpus(h, cpu);

	if (!sib)
		return true;
	cpuset_foreach(c, sib)
		if (cpuset_isset(allowed, c))
			return c == cpu;
	return true;
}

static int add_node(struct topo *tp, const struct host *h, const struct numa_node *nd,
		    const struct cpuset *allowed, bool smt)
{
	struct bench_node *n = &tp->t.nodes[tp->t.nnodes];
	size_t cap = nd->cpus ? cpuset_count(nd->cpus) : 0;

	*n = (struct bench_node) {
		.id = nd->id,
		.free_bytes = nd->memory_free_bytes >= 0 ? nd->memory_free_bytes : -1,
		.cpus = calloc(cap ? cap : 1, sizeof(*n->cpus)),
	};
	if (!n->cpus)
		return -ENOMEM;
	tp->t.nnodes++;
	if (!nd->cpus)
		return 0;
	cpuset_foreach(cpu, nd->cpus) {
		if (!cpuset_isset(allowed, cpu) || (!smt && !first_of_core(h, cpu, allowed)))
			continue;
		n->cpus[n->ncpus++] = (struct bench_cpu) { .cpu = cpu, .llc = host_llc_of(h, cpu) };
	}
	return 0;
}

static int topology_from_host(const struct host *h, const struct bench_args *a,
			      struct topo *tp)
{
	_cleanup_(cpuset_freep) struct cpuset *allowed = NULL, *want = NULL;
	size_t chosen = 0, total = h->numa.nnodes;
	int r;

	r = allowed_cpus(&allowed);
	if (r < 0)
		return log_errno(r, "cannot read this process's CPU affinity");
	if (a->nodes && cpulist_parse(a->nodes, &want) < 0)
		return log_error("--nodes '%s': not a list of node numbers such as 0,1 or 0-3", a->nodes);
	tp->t.nodes = calloc(total ? total : 1, sizeof(*tp->t.nodes));
	if (!tp->t.nodes)
		return log_errno(-ENOMEM, "bench");
	for (size_t i = 0; i < total && r >= 0; i++) {
		const struct numa_node *nd = &h->numa.nodes[i];

		if (want && !cpuset_isset(want, nd->id))
			continue;
		r = add_node(tp, h, nd, allowed, a->smt);
		chosen++;
	}
	if (total == 0 && !want) {
		/* no node known at all: one node of every CPU we may use */
		struct numa_node all = { .id = 0, .cpus = allowed, .memory_free_bytes = UNKNOWN };

		r = add_node(tp, h, &all, allowed, a->smt);
		chosen = total = 1;
	}
	if (r < 0)
		return log_errno(r, "bench");
	if (want && cpuset_count(want) != chosen)
		return log_error("--nodes '%s' names a node this host does not have (it has %zu; "
				 "see rigtune probe)", a->nodes, total);
	/* a subset of the nodes has its share of the caches and channels */
	double share = total ? (double)chosen / total : 1;
	tp->t.llc_bytes = (uint64_t)(h->cpu.llc_bytes * share);
	tp->t.llc_instance_bytes = h->cpu.llc_instances > 0 ? h->cpu.llc_bytes / h->cpu.llc_instances : 0;
	tp->t.peak_gbps = h->memory.peak_gbps > 0 ? h->memory.peak_gbps * share : NAN;
	if (isnan(tp->t.peak_gbps))
		tp->peak_reason = strdup(h->memory.unknown_reason ? h->memory.unknown_reason
								  : "no DMI memory records");
	tp->t.peak_unknown_reason = tp->peak_reason;
	tp->t.virtualization = h->kernel.virtualization;
	return 0;
}

static void bench_progress(void *data, const char *what, size_t done, size_t total)
{
	progress(data, "measuring %s (%zu of %zu)", what, done + 1, total);
}

static int run_bench(const struct cli *cli, struct bench_args *a, const struct host *h,
		     struct bench_report **ret)
{
	struct topo tp = {};
	struct bench_options opt = {
		.kernels = a->kernels,
		.scopes = a->scopes,
		.threads = a->threads,
		.array_bytes = a->size_mb << 20,
		.isa = a->isa,
		.quick = a->quick,
		.on_measure = bench_progress,
		.on_measure_data = (void *)cli,
	};
	_cleanup_free_ char *error = NULL;
	int r;

	r = topology_from_host(h, a, &tp);
	if (r) {
		topo_release(&tp);
		return r;
	}
	if (!a->health.no_gpu)
		opt.burnin_gpu_host = h;
	cli_health_begin(cli, &a->health, &opt);
	r = bench_run(&tp.t, &opt, ret, &error);
	cli_health_end(&a->health);
	progress_done(cli);
	topo_release(&tp);
	if (r < 0)
		return log_errno(r, "bench: %s", error ? error : "measurement failed");
	if (h->thp.enabled && !strcmp(h->thp.enabled, "never")) {
		char *w = strdup("transparent huge pages are 'never': measured on small pages "
				 "(TLB misses cost a few percent)");

		if (!w || strv_push(&(*ret)->warnings, w) < 0)
			return log_errno(-ENOMEM, "bench");
	}
	return 0;
}

/* For `rigtune report`: the verifier with verify's defaults (quick or
 * full) on a probed host. Prints its errors; EXIT_ERROR on a captured
 * tree or a failed measurement. */
int cli_bench_run(const struct cli *cli, const struct host *h, bool quick, double burnin_s, bool no_gpu,
		  struct bench_report **ret)
{
	struct bench_args a = { .quick = quick, .isa = BENCH_ISA_AUTO, .health.burnin_s = burnin_s,
				.health.no_gpu = no_gpu };

	if (!sysroot_is_live(cli))
		return refuse_captured_tree(cli, "the verifier");
	return run_bench(cli, &a, h, ret);
}

/* ---- text output ---- */

static void print_header(const struct bench_report *r, FILE *out)
{
	fprintf(out, "%d thread%s on CPUs %s, %s kernels%s, arrays of %.0f MiB",
		r->threads, r->threads == 1 ? "" : "s", r->cpus, bench_isa_name(r->isa),
		r->nt_stores ? " with non-temporal stores" : "", r->array_bytes / MIB);
	if (r->llc_bytes)
		fprintf(out, " (%.1fx the %.0f MiB of last-level cache)",
			(double)r->array_bytes / r->llc_bytes, r->llc_bytes / MIB);
	fputs("\n\n", out);
}

static void print_results(const struct bench_report *r, FILE *out)
{
	fprintf(out, "%-6s %-14s %7s %10s %12s %8s %7s\n", "kernel", "scope", "threads", "GB/s",
		"median GB/s", "spread", "passes");
	for (size_t i = 0; i < r->nresults; i++) {
		const struct bench_result *x = &r->results[i];

		fprintf(out, "%-6s %-14s %7d %10.1f %12.1f %7.1f%% %7d\n", bench_kernel_name(x->kernel),
			x->scope, x->threads, x->gbps, x->median_gbps, x->spread * 100, x->passes);
	}
	for (size_t i = 0; i < r->nlatency; i++) {
		const struct bench_latency *l = &r->latency[i];

		fprintf(out, "%slatency %s: %.1f ns (random cycle over %.0f MiB, %llu loads)\n",
			i == 0 ? "\n" : "", l->scope, l->ns, l->buffer_bytes / MIB,
			(unsigned long long)l->hops);
	}
}

static void print_assessment(const struct bench_report *r, FILE *out)
{
	const struct bench_result *h = bench_report_headline(r);

	fputc('\n', out);
	if (isnan(r->peak_gbps))
		fprintf(out, "Theoretical peak: unknown (%s).\n",
			r->peak_unknown_reason ? r->peak_unknown_reason : "no DMI memory records");
	else if (h)
		fprintf(out, "Theoretical peak: %.1f GB/s; host %s reaches %.0f%% of it.\n", r->peak_gbps,
			bench_kernel_name(h->kernel), r->efficiency * 100);
	if (!r->trustworthy)
		for (char **s = r->reasons; s && *s; s++)
			fprintf(out, "Not trustworthy: %s.\n", *s);
	for (char **s = r->warnings; s && *s; s++)
		fprintf(out, "Warning: %s.\n", *s);
}

/* ---- options ---- */

static int parse_scopes(const char *list, unsigned *ret)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{"host", BENCH_SCOPE_HOST}, {"nodes", BENCH_SCOPE_NODES}, {"node", BENCH_SCOPE_NODES},
		{"matrix", BENCH_SCOPE_MATRIX}, {"latency", BENCH_SCOPE_LATENCY}, {"all", BENCH_SCOPES_ALL},
	};
	_cleanup_strv_ char **words = NULL;
	unsigned mask = 0;

	if (strv_split(list, ", ", &words) < 0)
		return -ENOMEM;
	for (char **w = words; w && *w; w++) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(names) && strcmp(*w, names[i].name); i++)
			;
		if (i == ARRAY_SIZE(names))
			return log_error("--scope: '%s' is not one of host, nodes, matrix, latency, all", *w);
		mask |= names[i].bit;
	}
	*ret = mask;
	return mask ? 0 : log_error("--scope needs at least one of host, nodes, matrix, latency");
}

static int parse_isa(const char *s, int *ret)
{
	for (int i = 0; i < BENCH_NISAS; i++)
		if (!strcmp(s, bench_isa_name(i))) {
			if (!bench_isa_supported(i))
				return log_error("--isa %s: this CPU (or build) cannot run it", s);
			*ret = i;
			return 0;
		}
	return log_error("--isa '%s' is not one of avx512, avx2, sse2, scalar", s);
}

enum {
	OPT_THREADS = 0x100, OPT_NODES, OPT_SIZE, OPT_KERNEL, OPT_QUICK, OPT_JSON, OPT_SCOPE,
	OPT_ISA, OPT_SMT, OPT_BURNIN, OPT_NO_HEALTH, OPT_NO_GPU,
};

static const struct option bench_options_long[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"quick", no_argument, NULL, OPT_QUICK},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"nodes", required_argument, NULL, OPT_NODES},
	{"size-mb", required_argument, NULL, OPT_SIZE},
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"scope", required_argument, NULL, OPT_SCOPE},
	{"isa", required_argument, NULL, OPT_ISA},
	{"smt", no_argument, NULL, OPT_SMT},
	{"burn-in", required_argument, NULL, OPT_BURNIN},
	{"no-health", no_argument, NULL, OPT_NO_HEALTH},
	{"no-gpu", no_argument, NULL, OPT_NO_GPU},
	{},
};

/* verify takes --json, --quick, --burn-in, --no-health and --no-gpu; bench takes them all. */
static int parse_args(const struct cli *cli, int argc, char **argv, bool all, struct bench_args *a)
{
	_cleanup_free_ char *bad = NULL;
	int c, r;

	*a = (struct bench_args) { .json = cli->json, .isa = BENCH_ISA_AUTO };
	while ((c = getopt_long(argc, argv, "", bench_options_long, NULL)) >= 0) {
		if (!all && c != OPT_JSON && c != OPT_QUICK && c != OPT_BURNIN && c != OPT_NO_HEALTH &&
		    c != OPT_NO_GPU && c != '?')
			return log_error("%s: option '%s' is for rigtune bench (try --help)", argv[0],
					 argv[optind - 1]);
		switch (c) {
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_QUICK:
			a->quick = true;
			break;
		case OPT_THREADS:
			if (parse_int(optarg, &a->threads) < 0 || a->threads < 1)
				return log_error("--threads '%s': a number of threads, 1 or more", optarg);
			break;
		case OPT_NODES:
			a->nodes = optarg;
			break;
		case OPT_SIZE:
			if (parse_u64(optarg, &a->size_mb) < 0 || a->size_mb < 1 || a->size_mb > (1u << 24))
				return log_error("--size-mb '%s': MiB per array, 1 to 16777216", optarg);
			break;
		case OPT_KERNEL:
			r = bench_kernels_parse(optarg, &a->kernels, &bad);
			if (r < 0)
				return log_error("--kernel: '%s' is not one of read, write, copy, triad",
						 bad ? bad : optarg);
			break;
		case OPT_SCOPE:
			if (parse_scopes(optarg, &a->scopes))
				return EXIT_ERROR;
			break;
		case OPT_ISA:
			if (parse_isa(optarg, &a->isa))
				return EXIT_ERROR;
			break;
		case OPT_SMT:
			a->smt = true;
			break;
		case OPT_BURNIN:
			if (cli_parse_duration(optarg, &a->health.burnin_s) < 0)
				return log_error("--burn-in '%s': a duration such as 30m, 2m, 90s or 1h30m", optarg);
			break;
		case OPT_NO_HEALTH:
			a->health.off = true;
			break;
		case OPT_NO_GPU:
			a->health.no_gpu = true;
			break;
		default:
			return log_error("%s: unknown option (try 'rigtune %s --help')", argv[0], argv[0]);
		}
	}
	return 0;
}

/* ---- bench ---- */

int cmd_bench(const struct cli *cli, int argc, char **argv)
{
	struct host h = {};
	struct bench_report *r = NULL;
	struct bench_args a;
	int ret;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--gpu"))
			return sysroot_is_live(cli) ? cmd_bench_gpu(cli, argc, argv)
						    : refuse_captured_tree(cli, "bench --gpu");
	ret = parse_args(cli, argc, argv, true, &a);
	if (ret)
		return ret;
	if (optind < argc)
		return log_error("bench: unexpected argument '%s' (try --help)", argv[optind]);
	if (!sysroot_is_live(cli))
		return refuse_captured_tree(cli, "bench");
	ret = cli_probe_host(cli, &h);
	if (ret)
		return ret;
	ret = run_bench(cli, &a, &h, &r);
	host_release(&h);
	if (ret)
		return ret;
	if (a.json) {
		struct json j;

		json_init(&j, stdout, false);
		json_document_begin(&j, "bench");
		bench_report_json(r, &j);
		json_document_end(&j);
		ret = json_end(&j) < 0 ? log_error("bench: cannot write the JSON output") : EXIT_GOOD;
	} else {
		print_header(r, stdout);
		print_results(r, stdout);
		print_assessment(r, stdout);
		cli_health_print(r, stdout);
		cli_findings_print(&r->findings, stdout);
		ret = EXIT_GOOD;
	}
	bench_report_free(r);
	return ret;
}

/* ---- verify ---- */

static int load_targets(const char *name, struct profile **p, struct bench_targets *t)
{
	struct profile_search search = { .check_owner = geteuid() == 0 };
	struct profile_error err = {};
	_cleanup_free_ char *error = NULL;
	int r;

	r = profile_load(name, &search, p, &err);
	if (r < 0) {
		if (err.file && err.line > 0)
			log_error("%s:%d: %s", err.file, err.line, err.message);
		else if (err.file)
			log_error("%s: %s", err.file, err.message ? err.message : strerror(-r));
		else
			log_errno(r, "cannot load profile '%s'", name);
		profile_error_release(&err);
		return EXIT_ERROR;
	}
	r = bench_targets_from_profile(*p, t, &error);
	if (r < 0)
		return error ? log_error("%s", error) : log_errno(r, "%s: [verify]", name);
	return 0;
}

static void print_checks(const struct profile *p, const struct bench_check *c, size_t n, FILE *out)
{
	fprintf(out, "\nTargets of %s:\n", p->path);
	if (n == 0)
		fprintf(out, "  (none: the profile has no [verify] section)\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "  %-4s  %s", bench_check_status_name(c[i].status), c[i].message);
		if (c[i].file)
			fprintf(out, " (%s:%d)", c[i].file, c[i].line);
		fputc('\n', out);
	}
}

/* The hardware findings that are not a pass: what else holds the rig back. */
static void print_findings(const struct audit *a, FILE *out)
{
	fprintf(out, "\nHardware findings: %zu fail, %zu warn, %zu info\n", a->counts[CHECK_FAIL],
		a->counts[CHECK_WARN], a->counts[CHECK_INFO]);
	for (size_t i = 0; i < a->nchecks; i++) {
		const struct check *c = &a->checks[i];

		char id[VIS_MAX], subject[VIS_MAX], actual[VIS_MAX];

		fprintf(out, "  %-4s  %s: %s%s%s\n", check_status_name(c->status), vis(id, c->id),
			c->subject ? vis(subject, c->subject) : "", c->subject ? ": " : "",
			c->actual ? vis(actual, c->actual) : "");
		if (c->hint)
			fprintf(out, "        fix: %s\n", vis(actual, c->hint));
	}
}

/* The findings, the burn-in's among them, the profile's waivers applied
 * (verify runs on / only). */
static int verify_findings(const struct cli *cli, const struct host *h, const struct profile *p,
			   const struct findings *health, struct audit **ret)
{
	struct sysroot *sr = NULL;
	int r = sysroot_open(cli->sysroot, &sr);

	if (r >= 0)
		r = audit_run(sr, h, NULL, ret);
	if (r >= 0)
		r = rig_audit_findings(sr, h, p, health, *ret);
	sysroot_free(sr);
	return r < 0 ? log_errno(r, "verify: hardware findings") : 0;
}

static void verify_json(const struct profile *p, const struct bench_report *r,
			const struct bench_check *c, size_t n, const char *verdict, const struct audit *f,
			struct json *j)
{
	json_document_begin(j, NULL);
	json_key(j, "bench");
	json_object_begin(j);
	bench_report_json(r, j);
	json_object_end(j);
	json_key(j, "verify");
	json_object_begin(j);
	json_kv_string(j, "profile", p->path);
	bench_checks_json(c, n, verdict, j);
	/* the exit status counts these too; the findings are in bench.findings */
	json_kv_bool(j, "health_failed", cli_findings_fail(&r->findings));
	json_object_end(j);
	json_key(j, "findings");
	json_object_begin(j);
	audit_json_members(f, true, j);
	json_object_end(j);
	json_document_end(j);
}

/* gpu_h2d_fraction: a GPU run (bench --gpu's defaults, fewer copies
 * with --quick), one check per GPU appended. 0 or -ENOMEM. */
static int verify_gpus(const struct cli *cli, const struct host *h, const struct bench_args *a,
		       const struct bench_targets *t, struct bench_check **checks, size_t *n)
{
	struct gpu_report *g = NULL;
	int r;

	if (isnan(t->value[BENCH_TARGET_GPU_H2D_FRACTION]))
		return 0;
	if (cli_gpu_bench_run(cli, h, NULL, a->quick ? 16 : 64, a->quick ? 2 : 8, &g))
		return -ENOMEM; /* printed */
	r = gpu_targets_check(g, t, checks, n);
	gpu_report_free(g);
	return r;
}

int cmd_verify(const struct cli *cli, int argc, char **argv)
{
	struct profile *p = NULL;
	struct bench_targets t;
	struct host h = {};
	struct bench_report *r = NULL;
	struct bench_check *checks = NULL;
	_cleanup_(audit_freep) struct audit *found = NULL;
	_cleanup_free_ char *verdict = NULL;
	size_t n = 0;
	struct bench_args a;
	bool failed = false;
	int ret;

	ret = parse_args(cli, argc, argv, false, &a);
	if (ret)
		return ret;
	if (optind + 1 != argc)
		return log_error("verify: needs one PROFILE (try --help)");
	if (!sysroot_is_live(cli))
		return refuse_captured_tree(cli, "verify");
	ret = load_targets(argv[optind], &p, &t);
	if (ret)
		goto out;
	ret = cli_probe_host(cli, &h);
	if (ret)
		goto out;
	ret = run_bench(cli, &a, &h, &r);
	if (ret)
		goto out;
	ret = bench_targets_check(r, &t, &checks, &n);
	if (ret >= 0)
		ret = verify_gpus(cli, &h, &a, &t, &checks, &n);
	if (ret >= 0)
		verdict = bench_verdict(r, checks, n);
	if (ret < 0 || !verdict) {
		ret = log_errno(ret < 0 ? ret : -ENOMEM, "verify");
		goto out;
	}
	ret = verify_findings(cli, &h, p, &r->findings, &found);
	if (ret)
		goto out;
	for (size_t i = 0; i < n; i++)
		failed |= checks[i].status == BENCH_CHECK_FAIL;
	failed |= found->counts[CHECK_FAIL] > 0;
	if (a.json) {
		struct json j;

		json_init(&j, stdout, false);
		verify_json(p, r, checks, n, verdict, found, &j);
		if (json_end(&j) < 0) {
			ret = log_error("verify: cannot write the JSON output");
			goto out;
		}
	} else {
		print_header(r, stdout);
		print_results(r, stdout);
		print_assessment(r, stdout);
		print_checks(p, checks, n, stdout);
		cli_health_print(r, stdout);
		print_findings(found, stdout);
		printf("\n%s\n", verdict);
	}
	ret = failed ? EXIT_CHECK : EXIT_GOOD;
out:
	bench_checks_free(checks, n);
	bench_report_free(r);
	host_release(&h);
	profile_free(p);
	return ret;
}
