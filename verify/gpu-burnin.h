/* Host<->GPU copies kept running beside a burn-in (verify/gpu-burnin.c):
 * what they measured per GPU, and the findings drawn from it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/health.h"

struct findings;
struct gpu_bench_options;
struct host;

struct gpu_copy_result {
	char bdf[32];               /* "0000:1b:00.0" */
	int index;                  /* the runtime's device index */
	uint64_t copies;            /* host-to-device and device-to-host, each of gpu_copy_report.bytes */
	struct bench_point *points; /* both directions at once, GB/s, about a second each */
	size_t npoints;
	char *error;                /* the copy that failed (its GPU stopped there), or NULL */
};

struct gpu_copy_report {
	const char *runtime;        /* "CUDA", "HIP"; NULL: none loaded */
	char *library;
	size_t bytes;               /* per copy */
	struct gpu_copy_result *gpus;
	size_t ngpus;
	char *error;                /* why no copies ran (no runtime, no GPU, set-up failed), or NULL */
	bool setup_failed;          /* a runtime with GPUs that could not be set up: a fault */
};

struct gpu_copier;

/* Load the first GPU runtime (opt: as for bench --gpu), set up every GPU
 * and start one thread that keeps copies in flight on all of them, timed
 * from origin (CLOCK_MONOTONIC seconds). No runtime is not an error: *ret
 * then runs nothing and its report says why. -ENOMEM, -errno (no thread). */
int gpu_copier_start(const struct host *h, const struct gpu_bench_options *opt, double origin,
		     struct gpu_copier **ret);
/* Stop the copies (within one batch), free the GPUs, hand over the report. */
struct gpu_copy_report *gpu_copier_stop(struct gpu_copier *c);
void gpu_copy_report_free(struct gpu_copy_report *r);

/* Findings: a GPU whose copies failed, or could not start (fail); a
 * GPU's copy rate in the last minute more than 10 % below the first
 * (warn, runs of 90 s and more). -ENOMEM. */
int gpu_copy_findings(const struct gpu_copy_report *r, struct findings *out);
