/* The burn-in: after the measurement, the host triad keeps every worker
 * busy for the asked time, one job of about a second after another, each
 * leaving a point of sustained bandwidth; the caller's stop hook is polled
 * between jobs, so Ctrl-C ends it within a second with what was measured.
 * Where a GPU runtime is present, host<->GPU copies run beside it for as
 * long (verify/gpu-burnin.c) and stop with it. Reads no files. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "verify/bench.h"
#include "verify/burnin.h"
#include "verify/engine.h"
#include "verify/gpu-bench.h"
#include "verify/gpu-burnin.h"

#define JOB_SECONDS 1.0

static int run_triad(struct engine *e, const struct bench_options *opt, struct health_sampler *hs,
		     double origin, struct bench_report *r)
{
	double start = engine_now(), elapsed = 0;
	int ret = 0;

	while (ret >= 0 && elapsed < opt->burnin_seconds) {
		struct bench_progress pr = { .total_s = opt->burnin_seconds, .clock_mhz = NAN, .temp_c = NAN };
		struct bench_stats st;
		uint64_t elements;
		double left = opt->burnin_seconds - elapsed;

		if (opt->stop && opt->stop(opt->ctx)) {
			r->burnin_interrupted = true;
			break;
		}
		ret = engine_plan_local(e, -1);
		if (ret >= 0)
			ret = engine_run_kernel(e, BENCH_TRIAD, 1, left < JOB_SECONDS ? left : JOB_SECONDS,
						&st, &elements);
		if (ret < 0)
			break;
		pr.gbps = bench_kernel_bytes(BENCH_TRIAD, elements) / st.mean / 1e9;
		ret = bench_points_append(&r->burnin, &r->nburnin, engine_now() - origin, pr.gbps);
		elapsed = engine_now() - start;
		if (ret >= 0 && opt->progress) {
			pr.elapsed_s = elapsed;
			if (hs)
				health_sampler_latest(hs, &pr.clock_mhz, &pr.temp_c);
			opt->progress(opt->ctx, &pr);
		}
	}
	r->burnin_elapsed_s = engine_now() - start;
	return ret;
}

int burnin_run(struct engine *e, const struct bench_options *opt, struct health_sampler *hs,
	       double origin, struct bench_report *r)
{
	struct gpu_bench_options gpu = {};
	struct gpu_copier *copier = NULL;
	int ret = 0;

	r->burnin_seconds = opt->burnin_seconds;
	if (opt->burnin_gpu_host)
		ret = gpu_copier_start(opt->burnin_gpu_host, &gpu, origin, &copier);
	if (ret >= 0)
		ret = run_triad(e, opt, hs, origin, r);
	if (copier) {
		r->gpu_copies = gpu_copier_stop(copier);
		if (!r->gpu_copies && ret >= 0)
			ret = -ENOMEM;
	}
	return ret;
}
