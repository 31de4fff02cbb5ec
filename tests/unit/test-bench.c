/* The verifier's pure parts and kernels: every ISA this CPU runs computes
 * the right values at every length and alignment, STREAM byte counting,
 * best / median statistics, scope names, thread placement, [verify]
 * targets and the verdict's words. No timing is asserted. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "tests/unit/tap.h"
#include "verify/bench.h"
#include "verify/engine.h"

#define GUARD 16
#define SENTINEL -12345.0

static const size_t lengths[] = {0, 1, 2, 7, 8, 9, 15, 16, 31, 63, 64, 65, 127, 128, 129, 1000, 4099};

/* One kernel at one length and offset; guards on both sides catch a store
 * past either end. */
static bool kernel_case(const struct bench_kernels *k, enum bench_kernel which, size_t n, size_t off)
{
	size_t total = n + off + 2 * GUARD;
	double *a = aligned_alloc(64, ((total * sizeof(double) + 63) / 64) * 64);
	double *b = aligned_alloc(64, ((total * sizeof(double) + 63) / 64) * 64);
	double *c = aligned_alloc(64, ((total * sizeof(double) + 63) / 64) * 64);
	double *pa = a + GUARD + off, *pb = b + GUARD + off + 1, *pc = c + GUARD + off + 2;
	bool ok = true;
	double sum = 0;

	if (!a || !b || !c)
		abort();
	for (size_t i = 0; i < total; i++)
		a[i] = b[i] = c[i] = SENTINEL;
	for (size_t i = 0; i < n; i++) {
		pb[i] = (double)(i % 1000) + 0.5;       /* exact in binary */
		pc[i] = (double)(i % 7);
	}
	switch (which) {
	case BENCH_READ:
		for (size_t i = 0; i < n; i++)
			sum += pb[i];
		ok = k->read(pb, n) == sum;
		break;
	case BENCH_WRITE:
		k->write(pa, 2.25, n);
		for (size_t i = 0; i < n; i++)
			ok &= pa[i] == 2.25;
		break;
	case BENCH_COPY:
		k->copy(pa, pb, n);
		for (size_t i = 0; i < n; i++)
			ok &= pa[i] == pb[i];
		break;
	case BENCH_TRIAD:
		k->triad(pa, pb, pc, 3.0, n);
		for (size_t i = 0; i < n; i++)
			ok &= pa[i] == pb[i] + 3.0 * pc[i];
		break;
	default:
		break;
	}
	for (size_t i = 0; i < GUARD + off; i++)
		ok &= a[i] == SENTINEL;
	for (size_t i = GUARD + off + n; i < total; i++)
		ok &= a[i] == SENTINEL;
	free(a);
	free(b);
	free(c);
	return ok;
}

static void test_kernels(void)
{
	for (int isa = 0; isa < BENCH_NISAS; isa++) {
		const struct bench_kernels *k = bench_kernels_get(isa);
		char why[64];

		if (!k) {
			snprintf(why, sizeof(why), "%s kernels: not supported on this CPU", bench_isa_name(isa));
			tap_skip(why);
			continue;
		}
		tap_is_int(k->isa, isa, "kernel table is the ISA asked for");
		tap_ok(k->nt_stores == (isa != BENCH_ISA_SCALAR), "%s: non-temporal stores %s",
		       bench_isa_name(isa), k->nt_stores ? "on" : "off");
		for (int which = 0; which < BENCH_NKERNELS; which++) {
			bool ok = true;

			for (size_t l = 0; l < ARRAY_SIZE(lengths); l++)
				for (size_t off = 0; off < 8; off++)
					ok &= kernel_case(k, which, lengths[l], off);
			tap_ok(ok, "%s %s: right values, nothing written outside, every length 0..4099 "
			       "and every alignment", bench_isa_name(isa), bench_kernel_name(which));
		}
	}
	tap_ok(bench_kernels_get(BENCH_ISA_AUTO) != NULL, "auto picks a supported ISA (%s)",
	       bench_isa_name(bench_isa_best()));
	tap_ok(bench_isa_supported(BENCH_ISA_SCALAR), "portable C kernels always available");
}

/* The kernel's own flags (which it clears where it does not save the
 * registers) are the oracle for rigtune's CPUID and XCR0 reading. */
static bool cpuinfo_flag(const char *flag)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
	char line[8192];

	while (f && fgets(line, sizeof(line), f)) {
		char *save = NULL;

		if (strncmp(line, "flags", 5))
			continue;
		for (char *w = strtok_r(strchr(line, ':') + 1, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
			if (!strcmp(w, flag))
				return true;
		return false;
	}
	return false;
}

static void test_isa_detection(void)
{
#if defined(__x86_64__)
	bool avx2 = cpuinfo_flag("avx2"), avx512 = cpuinfo_flag("avx512f");

	tap_ok(bench_isa_supported(BENCH_ISA_AVX2) == avx2, "AVX2 found as /proc/cpuinfo says (%s)",
	       avx2 ? "has it" : "lacks it");
	tap_ok(bench_isa_supported(BENCH_ISA_AVX512) == avx512, "AVX-512F found as /proc/cpuinfo says (%s)",
	       avx512 ? "has it" : "lacks it");
#else
	tap_skip("not x86-64: AVX2 detection");
	tap_skip("not x86-64: AVX-512F detection");
#endif
}

static void test_bytes(void)
{
	tap_is_int(bench_kernel_bytes_per_element(BENCH_READ), 8, "read counts 8 bytes per element");
	tap_is_int(bench_kernel_bytes_per_element(BENCH_WRITE), 8, "write counts 8 bytes per element");
	tap_is_int(bench_kernel_bytes_per_element(BENCH_COPY), 16, "copy counts 16 bytes per element");
	tap_is_int(bench_kernel_bytes_per_element(BENCH_TRIAD), 24, "triad counts 24 bytes per element");
	tap_is_int(bench_kernel_bytes(BENCH_TRIAD, 10000000), 240000000,
		   "triad over 10M elements moves 240 MB (STREAM's count)");
}

static void test_names(void)
{
	unsigned mask = 0;
	char *bad = NULL;

	tap_is_str(bench_kernel_name(BENCH_TRIAD), "triad", "kernel name");
	tap_is_int(bench_kernel_from_name("copy"), BENCH_COPY, "kernel from name");
	tap_is_int(bench_kernel_from_name("scale"), -EINVAL, "unknown kernel refused");
	tap_ok(bench_kernels_parse("read, triad", &mask, NULL) == 0 &&
	       mask == (1u << BENCH_READ | 1u << BENCH_TRIAD), "--kernel read,triad");
	tap_ok(bench_kernels_parse("all", &mask, NULL) == 0 && mask == BENCH_KERNELS_ALL, "--kernel all");
	tap_ok(bench_kernels_parse("read,sum", &mask, &bad) == -EINVAL && bad && !strcmp(bad, "sum"),
	       "--kernel names the bad word");
	free(bad);
	tap_is_str(bench_isa_name(BENCH_ISA_AVX512), "avx512", "ISA name");
}

static void test_stats(void)
{
	const double odd[] = {0.3, 0.1, 0.2};
	const double even[] = {4, 1, 3, 2};
	const double bad[] = {1, 0};
	struct bench_stats s;

	tap_ok(bench_stats_compute(odd, 3, &s) == 0 && s.best == 0.1 && s.median == 0.2 &&
	       s.worst == 0.3 && s.n == 3, "best, median, worst of 3 passes");
	tap_ok(fabs(s.spread - 2.0) < 1e-12, "spread is (worst - best) / best");
	tap_ok(bench_stats_compute(even, 4, &s) == 0 && s.median == 2.5 && s.best == 1 && s.mean == 2.5,
	       "median of an even count is the mean of the middle two");
	tap_is_int(bench_stats_compute(odd, 0, &s), -EINVAL, "no passes: refused");
	tap_is_int(bench_stats_compute(bad, 2, &s), -EINVAL, "a zero-length pass: refused");
}

static void test_scopes(void)
{
	char buf[40];
	int a = 9, b = 9;

	tap_ok(bench_scope_name(-1, -1, buf, sizeof(buf)) == 0 && !strcmp(buf, "host"), "scope host");
	tap_ok(bench_scope_name(3, 3, buf, sizeof(buf)) == 0 && !strcmp(buf, "node3"), "scope node3");
	tap_ok(bench_scope_name(0, 1, buf, sizeof(buf)) == 0 && !strcmp(buf, "node0->node1"),
	       "scope node0->node1: CPUs of 0 reading memory of 1");
	tap_is_int(bench_scope_name(0, 1, buf, 5), -ENOBUFS, "short buffer refused");
	tap_ok(bench_scope_parse("node2->node7", &a, &b) == 0 && a == 2 && b == 7, "parse a matrix scope");
	tap_ok(bench_scope_parse("node5", &a, &b) == 0 && a == 5 && b == 5, "parse a node scope");
	tap_ok(bench_scope_parse("host", &a, &b) == 0 && a == -1 && b == -1, "parse host");
	tap_ok(bench_scope_parse("node", &a, &b) < 0 && bench_scope_parse("node1->", &a, &b) < 0 &&
	       bench_scope_parse("node1->node2x", &a, &b) < 0 && bench_scope_parse("nodex", &a, &b) < 0,
	       "malformed scopes refused");
}

static void test_placement(void)
{
	/* two nodes, each with two caches of two cores */
	struct bench_cpu n0[] = {{0, 0}, {1, 0}, {2, 2}, {3, 2}};
	struct bench_cpu n1[] = {{4, 4}, {5, 4}, {6, 6}, {7, 6}};
	struct bench_node nodes[] = {{.id = 0, .cpus = n0, .ncpus = 4}, {.id = 1, .cpus = n1, .ncpus = 4}};
	struct bench_topology t = {.nodes = nodes, .nnodes = 2};
	struct bench_placement pl[8];
	struct bench_node none = {.id = 0};
	struct bench_topology empty = {.nodes = &none, .nnodes = 1};

	tap_ok(bench_select_cpus(&t, 2, pl) == 2 && pl[0].cpu == 0 && pl[1].cpu == 4,
	       "2 threads: one per node");
	tap_ok(bench_select_cpus(&t, 4, pl) == 4 && pl[0].cpu == 0 && pl[1].cpu == 4 && pl[2].cpu == 2 &&
	       pl[3].cpu == 6, "4 threads: one per cache, both nodes");
	tap_ok(bench_select_cpus(&t, 0, pl) == 8 && pl[4].cpu == 1 && pl[7].cpu == 7 && pl[7].node == 1,
	       "0 threads: every CPU");
	tap_is_int(bench_select_cpus(&t, 100, pl), 8, "more threads than CPUs: one per CPU");
	tap_is_int(bench_select_cpus(&empty, 0, pl), -EINVAL, "no CPU at all: refused");
}

static void test_cycle(void)
{
	uint32_t *p = NULL;
	size_t n = 100003, steps = 0;
	uint32_t at = 0;

	tap_ok(latency_build_cycle(n, 42, &p) == 0, "random cycle built");
	do {
		at = p[at];
		steps++;
	} while (at != 0 && steps <= n);
	tap_is_int(steps, n, "pointer chase visits every line once before it comes back");
	free(p);
}

/* A report with the given host and node triads, nothing measured else. */
static struct bench_report *fake_report(double host, const double *node, size_t nnodes, double peak)
{
	struct bench_report *r = calloc(1, sizeof(*r));

	r->results = calloc(nnodes + 2, sizeof(*r->results));
	r->results[r->nresults++] = (struct bench_result) {
		.kernel = BENCH_TRIAD, .cpu_node = -1, .mem_node = -1, .scope = "host", .gbps = host};
	r->results[r->nresults++] = (struct bench_result) {
		.kernel = BENCH_READ, .cpu_node = -1, .mem_node = -1, .scope = "host", .gbps = host * 1.2};
	for (size_t i = 0; i < nnodes; i++) {
		struct bench_result *x = &r->results[r->nresults++];

		*x = (struct bench_result) {.kernel = BENCH_TRIAD, .cpu_node = (int)i, .mem_node = (int)i,
					   .gbps = node[i]};
		bench_scope_name((int)i, (int)i, x->scope, sizeof(x->scope));
	}
	r->peak_gbps = peak;
	r->array_bytes = 1ull << 30;
	r->llc_bytes = 32 << 20;
	bench_report_assess(r, NULL);
	return r;
}

static const struct bench_check *find_check(const struct bench_check *c, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return &c[i];
	return NULL;
}

static void test_targets(void)
{
	struct bench_targets t;
	const double nodes[] = {25.0, 18.0};
	struct bench_report *r;
	struct bench_check *c = NULL;
	const struct bench_check *x;
	size_t n = 0;
	char *v;

	bench_targets_init(&t);
	tap_is_int(bench_targets_set(&t, "triad_gbps", "47.7"), 0, "triad_gbps = 47.7");
	tap_is_int(bench_targets_set(&t, "node_triad_gbps", "20"), 0, "node_triad_gbps = 20");
	tap_is_int(bench_targets_set(&t, "peak_fraction", "0.80"), 0, "peak_fraction = 0.80");
	tap_is_int(bench_targets_set(&t, "peak_fraction", "80"), -ERANGE, "peak_fraction 80: out of range");
	tap_is_int(bench_targets_set(&t, "triad_gbps", "0"), -ERANGE, "triad_gbps 0: out of range");
	tap_is_int(bench_targets_set(&t, "triad_gbps", "fast"), -EINVAL, "triad_gbps fast: not a number");
	tap_is_int(bench_targets_set(&t, "scale_gbps", "1"), -ENOENT, "unknown key");
	tap_ok(t.value[BENCH_TARGET_TRIAD] == 47.7, "a refused value leaves the target alone");

	/* 38.2 of 47.7 with a 60 GB/s peak: triad fails, node1 fails, peak fraction fails */
	r = fake_report(38.2, nodes, 2, 60.0);
	tap_ok(bench_targets_check(r, &t, &c, &n) == 0 && n == 4, "one check per target and per node");
	x = find_check(c, n, "triad_gbps");
	tap_ok(x && x->status == BENCH_CHECK_FAIL &&
	       strstr(x->message, "host triad 38.2 GB/s reaches 80% of the 47.7 GB/s target"),
	       "failing triad in plain words: %s", x ? x->message : "-");
	x = find_check(c, n, "node_triad_gbps[node0]");
	tap_ok(x && x->status == BENCH_CHECK_PASS && strstr(x->message, "meets the 20.0 GB/s target (125%)"),
	       "node0 passes: %s", x ? x->message : "-");
	x = find_check(c, n, "node_triad_gbps[node1]");
	tap_ok(x && x->status == BENCH_CHECK_FAIL, "node1 fails on its own");
	x = find_check(c, n, "peak_fraction");
	tap_ok(x && x->status == BENCH_CHECK_FAIL && strstr(x->message, "63% of the 60.0 GB/s theoretical peak") &&
	       strstr(x->message, "below the 80% required"), "peak fraction: %s", x ? x->message : "-");
	v = bench_verdict(r, c, n);
	tap_ok(v && strstr(v, "This host does not reach its targets: 3 of 4 fail") &&
	       strstr(v, "reaches 63% of its 60.0 GB/s theoretical peak"), "verdict: %s", v ? v : "-");
	free(v);
	bench_checks_free(c, n);
	bench_report_free(r);

	/* a passing single-node host whose peak is unknown */
	r = fake_report(50.0, NULL, 0, NAN);
	r->peak_unknown_reason = strdup("no DMI");
	tap_ok(bench_targets_check(r, &t, &c, &n) == 0 && n == 3, "single node: the host stands for its node");
	x = find_check(c, n, "node_triad_gbps[host]");
	tap_ok(x && x->status == BENCH_CHECK_PASS, "node target checked against the host");
	x = find_check(c, n, "peak_fraction");
	tap_ok(x && x->status == BENCH_CHECK_SKIP && strstr(x->message, "theoretical peak is unknown (no DMI)"),
	       "unknown peak: skipped, and why");
	v = bench_verdict(r, c, n);
	tap_ok(v && strstr(v, "This host reaches its targets (2 of 3 pass, 1 not checked)") &&
	       strstr(v, "theoretical peak is unknown (no DMI)"), "verdict: %s", v ? v : "-");
	free(v);
	bench_checks_free(c, n);
	bench_report_free(r);

	tap_is_int(bench_compare(10, 10), BENCH_CHECK_PASS, "exactly the target passes");
	tap_is_int(bench_compare(9.99, 10), BENCH_CHECK_FAIL, "just under fails");
	tap_is_int(bench_compare(NAN, 10), BENCH_CHECK_SKIP, "not measured: skipped");
}

static void test_assess(void)
{
	const double nodes[] = {40.0};
	struct bench_report *r = fake_report(70.0, nodes, 1, 60.0);

	tap_ok(!r->trustworthy && r->reasons && strstr(r->reasons[0], "above the 60.0 GB/s theoretical peak"),
	       "above the peak: not trustworthy");
	tap_ok(fabs(r->efficiency - 70.0 / 60.0) < 1e-12, "efficiency is host triad / peak");
	r->results[0].gbps = r->results[1].gbps = 30;
	bench_report_assess(r, "kvm");
	tap_ok(!r->trustworthy && strstr(r->reasons[0], "virtual machine (kvm)"), "on a VM: not trustworthy");
	bench_report_assess(r, NULL);
	tap_ok(r->trustworthy && !r->reasons, "bare metal, below the peak: trustworthy");
	r->array_bytes = 64 << 20;
	bench_report_assess(r, NULL);
	tap_ok(!r->trustworthy && strstr(r->reasons[0], "smaller than 4x"), "arrays too small: not trustworthy");
	bench_report_free(r);
}

static void test_json(void)
{
	const double nodes[] = {20, 21};
	struct bench_report *r = fake_report(38.25, nodes, 2, NAN);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	r->isa = BENCH_ISA_AVX2;
	r->nt_stores = true;
	r->threads = 4;
	json_init(&j, f, true);
	json_object_begin(&j);
	bench_report_json(r, &j);
	json_object_end(&j);
	tap_is_int(json_end(&j), 0, "bench JSON written");
	fclose(f);
	tap_ok(strstr(buf, "\"threads\":4") && strstr(buf, "\"nt_stores\":true") &&
	       strstr(buf, "\"isa\":\"avx2\"") && strstr(buf, "\"peak_gbps\":null") &&
	       strstr(buf, "\"efficiency\":null"), "top keys, null for the unknown peak");
	tap_ok(strstr(buf, "{\"kernel\":\"triad\",\"scope\":\"host\"") && strstr(buf, "\"gbps\":38.25") &&
	       strstr(buf, "\"scope\":\"node1\""), "results with kernel, scope, gbps");
	free(buf);
	bench_report_free(r);
}

/* The whole engine on small arrays and one CPU: every kernel runs, checks
 * its own output and counts its bytes; nothing about speed. */
static void test_run(void)
{
	cpu_set_t set;
	struct bench_cpu cpu = {.cpu = 0, .llc = -1};
	struct bench_node node = {.id = 0, .cpus = &cpu, .ncpus = 1, .free_bytes = -1};
	struct bench_topology t = {.nodes = &node, .nnodes = 1, .llc_bytes = 1 << 20, .peak_gbps = NAN};
	struct bench_options opt = {.array_bytes = 4 << 20, .isa = BENCH_ISA_AUTO, .quick = true,
				    .min_passes = 2, .min_seconds = 1e-6,
				    .scopes = BENCH_SCOPE_HOST | BENCH_SCOPE_NODES | BENCH_SCOPE_MATRIX};
	struct bench_report *r = NULL;
	char *error = NULL, want[16];
	int ret;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set)) {
				cpu.cpu = c;
				break;
			}
	ret = bench_run(&t, &opt, &r, &error);
	tap_ok(ret == 0, "bench_run on 4 MiB arrays (%s)", error ? error : "ok");
	if (ret < 0) {
		free(error);
		return;
	}
	tap_is_int(r->nresults, BENCH_NKERNELS, "one host result per kernel, no node scope on one node");
	for (size_t i = 0; i < r->nresults; i++) {
		const struct bench_result *x = &r->results[i];

		tap_ok(x->bytes == (uint64_t)(4 << 20) / 8 * bench_kernel_bytes_per_element(x->kernel) &&
		       x->passes >= 2 && x->best_s > 0 && x->best_s <= x->median_s &&
		       !strcmp(x->scope, "host") && x->threads == 1,
		       "%s: bytes counted, best <= median", bench_kernel_name(x->kernel));
	}
	snprintf(want, sizeof(want), "%d", cpu.cpu);
	tap_ok(r->threads == 1 && !strcmp(r->cpus, want), "ran on the one CPU given (%s)", r->cpus);
	bench_report_free(r);
}

/* Two "nodes" of one CPU each (on a one-node host the second node's
 * memory cannot be bound, and the run says so): every scope is planned,
 * the matrix reads the other node's arrays. */
static void test_run_two_nodes(void)
{
	cpu_set_t set;
	struct bench_cpu cpus[2] = {{.cpu = -1, .llc = -1}, {.cpu = -1, .llc = -1}};
	struct bench_node nodes[2] = {{.id = 0, .cpus = &cpus[0], .ncpus = 1, .free_bytes = -1},
				      {.id = 1, .cpus = &cpus[1], .ncpus = 1, .free_bytes = -1}};
	struct bench_topology t = {.nodes = nodes, .nnodes = 2, .llc_bytes = 1 << 20, .peak_gbps = NAN};
	struct bench_options opt = {.array_bytes = 4 << 20, .isa = BENCH_ISA_AUTO,
				    .min_passes = 2, .min_seconds = 1e-6,
				    .scopes = BENCH_SCOPE_HOST | BENCH_SCOPE_NODES | BENCH_SCOPE_MATRIX};
	struct bench_report *r = NULL;
	const struct bench_result *x;
	char *error = NULL;
	int k = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && k < 2; c++)
			if (CPU_ISSET(c, &set))
				cpus[k++].cpu = c;
	if (k < 2) {
		tap_skip("two-node run: needs two CPUs");
		return;
	}
	tap_ok(bench_run(&t, &opt, &r, &error) == 0, "bench_run over two nodes (%s)", error ? error : "ok");
	free(error);
	if (!r)
		return;
	tap_is_int(r->nresults, 3 * BENCH_NKERNELS + 2, "host, node0, node1 per kernel, and a 2x2 read matrix");
	x = bench_report_find(r, BENCH_TRIAD, 1, 1);
	tap_ok(x && !strcmp(x->scope, "node1") && x->threads == 1 && x->bytes == (2u << 20) / 8 * 24,
	       "node1 triad: its own thread and its half of the arrays");
	x = bench_report_find(r, BENCH_READ, 0, 1);
	tap_ok(x && !strcmp(x->scope, "node0->node1") && x->threads == 1 && x->bytes == (2u << 20),
	       "node0->node1: node0's thread reads all of node1's array");
	x = bench_report_find(r, BENCH_TRIAD, -1, -1);
	tap_ok(x && x->threads == 2 && x->bytes == (4u << 20) / 8 * 24, "host triad: both threads, all arrays");
	bench_report_free(r);
}

int main(void)
{
	test_kernels();
	test_isa_detection();
	test_bytes();
	test_names();
	test_stats();
	test_scopes();
	test_placement();
	test_cycle();
	test_targets();
	test_assess();
	test_json();
	test_run();
	test_run_two_nodes();
	return tap_done();
}
