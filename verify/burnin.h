/* Internal to verify/: the burn-in loop behind bench_run (burnin.c). */
#pragma once

struct engine;
struct bench_options;
struct bench_report;
struct health_sampler;

/* Run the host triad until opt->burnin_seconds have passed or opt->stop
 * says so; points are timed from origin (CLOCK_MONOTONIC seconds). */
int burnin_run(struct engine *e, const struct bench_options *opt, struct health_sampler *hs,
	       double origin, struct bench_report *r);
