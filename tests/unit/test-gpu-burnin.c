/* The host<->GPU copies beside a burn-in (verify/gpu-burnin.c): against
 * the fake libcuda (exact rates, virtual time) the copier's thread runs
 * two GPUs for a while, stops when asked, counts its copies and leaves a
 * point a second at each GPU's rate (both directions at once); a copy
 * that fails stops that GPU with the runtime's message; a runtime that
 * is not there starts nothing. The findings, on reports written here: a
 * GPU whose copies slow down by more than 10 % between the first and the
 * last minute (warn), a copy error or a set-up failure (fail), a steady
 * GPU or a missing runtime (nothing). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/host.h"
#include "tune/finding.h"
#include "verify/gpu-bench.h"
#include "verify/gpu-burnin.h"
#include "tap.h"

static struct gpu_copy_report *run_copier(struct gpu_bench_options *opt, unsigned usec)
{
	struct host h = {};
	struct gpu_copier *c = NULL;

	if (gpu_copier_start(&h, opt, 0, &c) < 0 || !c)
		return NULL;
	usleep(usec);
	return gpu_copier_stop(c);
}

static void test_copies(struct gpu_bench_options *opt)
{
	struct gpu_copy_report *r;
	struct findings f = {};

	setenv("FAKECUDA_DEVICES", "0000:1b:00.0=25/24,0000:43:00.0=12.5/10", 1);
	r = run_copier(opt, 1500000);
	tap_ok(r && r->ngpus == 2 && !r->error && r->runtime && !strcmp(r->runtime, "CUDA"),
	       "two GPUs copy through the fake CUDA (%s)", r && r->error ? r->error : "");
	if (!r || r->ngpus != 2)
		return;
	for (size_t i = 0; i < 2; i++) {
		const struct gpu_copy_result *g = &r->gpus[i];
		double want = i == 0 ? 48.0 : 20.0; /* twice the slower direction */
		bool exact = g->npoints >= 2;

		for (size_t k = 0; k < g->npoints; k++)
			exact = exact && fabs(g->points[k].gbps - want) < 0.01 && g->points[k].t > 0;
		tap_ok(exact, "GPU%zu: %zu points, each at %.1f GB/s", i, g->npoints, want);
		tap_ok(g->copies >= 8 && g->copies % 8 == 0 && !g->error,
		       "GPU%zu: %llu copies, 4 each way a batch, no error", i, (unsigned long long)g->copies);
	}
	tap_ok(!strcmp(r->gpus[1].bdf, "0000:43:00.0") && r->gpus[1].index == 1, "GPUs named by the runtime's bus id");
	tap_ok(gpu_copy_findings(r, &f) == 0 && f.n == 0, "steady copies: no finding");
	findings_clear(&f);
	gpu_copy_report_free(r);
}

static void test_failures(struct gpu_bench_options *opt)
{
	struct gpu_copy_report *r;
	struct findings f = {};
	const struct finding *x;

	setenv("FAKECUDA_DEVICES", "0000:1b:00.0=25/25", 1);
	setenv("FAKECUDA_FAIL", "cuMemcpyDtoHAsync_v2", 1);
	r = run_copier(opt, 200000);
	tap_ok(r && r->ngpus == 1 && r->gpus[0].error && !strcmp(r->gpus[0].error, "device-to-host copy: out of memory"),
	       "a failing copy stops its GPU with the runtime's words (%s)", r && r->ngpus ? r->gpus[0].error : "");
	tap_ok(r && gpu_copy_findings(r, &f) == 0 && (x = findings_find(&f, "health.burnin.gpu_copy.0000:1b:00.0")) &&
	       x->severity == FINDING_FAIL && strstr(x->subject, "GPU0 0000:1b:00.0"),
	       "a copy error is a fail naming the GPU");
	findings_clear(&f);
	gpu_copy_report_free(r);

	setenv("FAKECUDA_FAIL", "cuMemAlloc_v2", 1);
	r = run_copier(opt, 0);
	tap_ok(r && r->ngpus == 0 && r->setup_failed && r->error && strstr(r->error, "device memory"),
	       "a GPU that cannot be set up: no copies, said why (%s)", r && r->error ? r->error : "");
	tap_ok(r && gpu_copy_findings(r, &f) == 0 && (x = findings_find(&f, "health.burnin.gpu_copy")) &&
	       x->severity == FINDING_FAIL, "... and that is a fail");
	findings_clear(&f);
	gpu_copy_report_free(r);
	unsetenv("FAKECUDA_FAIL");

	opt->library = "/nonexistent/libcuda.so.1";
	r = run_copier(opt, 0);
	tap_ok(r && r->ngpus == 0 && !r->setup_failed && r->error && strstr(r->error, "cannot load"),
	       "no runtime: nothing started, said why (%s)", r && r->error ? r->error : "");
	tap_ok(r && gpu_copy_findings(r, &f) == 0 && f.n == 0, "... and no finding: the burn-in carries on on the CPU");
	gpu_copy_report_free(r);
}

/* 300 s of points, 50 GB/s, then from t0 on at rate. */
static void slowing(struct gpu_copy_result *g, double t0, double rate)
{
	g->npoints = 300;
	g->points = calloc(g->npoints, sizeof(*g->points));
	for (size_t i = 0; g->points && i < g->npoints; i++)
		g->points[i] = (struct bench_point){.t = 10.0 + i, .gbps = 10.0 + i >= t0 ? rate : 50.0};
}

static void test_trend(void)
{
	struct gpu_copy_report *r = calloc(1, sizeof(*r));
	struct findings f = {};
	const struct finding *x;

	r->runtime = "CUDA";
	r->ngpus = 3;
	r->gpus = calloc(3, sizeof(*r->gpus));
	for (int i = 0; i < 3; i++) {
		snprintf(r->gpus[i].bdf, sizeof(r->gpus[i].bdf), "0000:%02x:00.0", 0x1b + i);
		r->gpus[i].index = i;
		r->gpus[i].copies = 1000;
	}
	slowing(&r->gpus[0], 200, 43);   /* 14 % down in the last minute */
	slowing(&r->gpus[1], 200, 46);   /* 8 %: within the margin */
	slowing(&r->gpus[2], 1e9, 0);    /* steady */
	tap_ok(gpu_copy_findings(r, &f) == 0 && f.n == 1, "one finding of three GPUs");
	x = findings_find(&f, "health.burnin.gpu_bandwidth.0000:1b:00.0");
	tap_ok(x && x->severity == FINDING_WARN && strstr(x->evidence, "43.0 GB/s in the last 60 s, 14 % below the 50.0"),
	       "copies 14 %% slower in the last minute: a warning with both figures (%s)", x ? x->evidence : "none");
	findings_clear(&f);
	r->gpus[0].npoints = 80;         /* an 80 s run, halved: its halves are not a trend */
	for (size_t i = 40; i < 80; i++)
		r->gpus[0].points[i].gbps = 30;
	tap_ok(gpu_copy_findings(r, &f) == 0 && f.n == 0, "an 80 s run is not judged");
	findings_clear(&f);
	gpu_copy_report_free(r);
}

int main(void)
{
	const char *build = getenv("BUILDDIR");
	char lib[4096];
	struct gpu_bench_options opt = {.ops = &gpu_cuda_ops, .bytes = 1 << 20, .reps = 4};

	test_trend();
	snprintf(lib, sizeof(lib), "%s/tests/fakecuda/libcuda-fake.so", build ? build : ".");
	if (access(lib, R_OK) != 0) {
		tap_skip("tests/fakecuda/libcuda-fake.so is not built");
		return tap_done();
	}
	opt.library = lib;
	test_copies(&opt);
	test_failures(&opt);
	return tap_done();
}
