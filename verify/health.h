/* Health under load: a sampler thread that reads clocks, temperatures and
 * power a few times a second (PCIe link state once a second, error
 * counters before and after) while the verifier runs, never in the timed threads; the
 * record it leaves; the findings drawn from it and from the burn-in's
 * bandwidth over time. Reads through probes/health.c; never prints. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/health.h"

struct findings;
struct json;

/* One bandwidth measurement of a burn-in: host triad, sustained (all
 * passes of about a second), t seconds after the sampler started. */
struct bench_point {
	double t;
	double gbps;
};

struct health_record {
	char *root;                     /* where it read, for messages */
	struct health_sources src;
	double interval_s;
	double started;                 /* CLOCK_MONOTONIC seconds at the first sample */
	double load_from, load_to;      /* when the kernels ran, seconds since started; NAN unknown */
	double duration_s;
	double cpu_s;                   /* CPU time the sampler thread used: its cost */
	size_t n;                       /* samples */
	double *t;                      /* [n] seconds since started */
	double *clock;                  /* [n][3] min, median, max MHz; NAN unread */
	double *temp;                   /* [n][src.ntemps] °C; NAN unread */
	double *power;                  /* [n][src.npower] W over the last interval; NAN first/unread */
	uint64_t *before, *after;       /* [src.ncounters], HEALTH_UNREAD unread */
	struct health_link_state *link_before, *link_after;
	struct health_link_state *link_changed; /* [src.nlinks] first state unlike link_before */
	double *link_changed_at;        /* [src.nlinks] seconds; NAN never changed */
	struct health_xid *xids;        /* GPU XID events in the order they came (src.xid_watch) */
	size_t nxids;
	size_t xids_lost;               /* past HEALTH_MAX_XIDS: counted only */
};

struct health_sampler;

/* A record keeps at most this many samples (an hour at 4 a second): past
 * it, every other sample goes and the interval doubles, so a day-long
 * burn-in stays a few MiB with its whole curve. */
#define HEALTH_MAX_SAMPLES 14400
#define HEALTH_MAX_XIDS 1000
/* Drop every other sample (keeping the first) and double interval_s. */
void health_record_thin(struct health_record *r);

/* Discover the sources under root and start sampling every interval_s,
 * the clocks of the n CPUs listed only (n 0: every CPU). -errno (cannot
 * open the root, no memory, no thread). */
int health_sampler_start(const char *root, double interval_s, const int *cpus, size_t n,
			 struct health_sampler **ret);
/* The time base of the record, for marking when the kernels ran. */
double health_sampler_started(const struct health_sampler *s);
/* When the kernels ran, in CLOCK_MONOTONIC seconds since the start (the
 * findings about clocks look at those samples only). */
void health_sampler_mark_load(struct health_sampler *s, double from, double to);
/* The median CPU clock and the hottest temperature of the latest sample
 * (NAN unknown), taken under the sampler's lock. */
void health_sampler_latest(struct health_sampler *s, double *clock_mhz, double *temp_c);
/* Stop, read the counters and links a last time, hand over the record. */
int health_sampler_stop(struct health_sampler *s, struct health_record **ret);
struct health_record *health_record_free(struct health_record *r);

/* Append a point to an array of *n. -ENOMEM. */
int bench_points_append(struct bench_point **p, size_t *n, double t, double gbps);
/* Seconds a sensor spent at or above limit (each sample counts for the
 * time up to the next one). */
double health_time_at_or_above(const struct health_record *r, size_t sensor, double limit);
/* Mean GB/s of the points in [from, to) seconds; NAN when none. */
double health_window_gbps(const struct bench_point *p, size_t n, double from, double to);
/* The length of the "first minute" and "last minute" windows: 60 s, or
 * half of a run shorter than two minutes, so that the two never overlap. */
double health_window_length(const struct bench_point *p, size_t n);
/* Both windows' mean GB/s and their length (NAN without points). */
void health_first_last(const struct bench_point *p, size_t n, double *first, double *last, double *window);
/* Does the last window fall more than 10 % below the first (runs of
 * 90 s and more)? Then *first, *last (GB/s) and *window (s) are set. */
bool health_bandwidth_drop(const struct bench_point *bw, size_t n, double *first, double *last, double *window);

/* Findings (ids "health.*"): clocks below base under load, a temperature
 * at its limit, error counters that moved, links that retrained or
 * trained down, GPU XID events (a hardware fault fails, any other warns), and (with a burn-in) the last minute's bandwidth more than
 * 10 % below the first minute's (burn-ins of 90 s and more). r may be NULL (not sampled): the
 * burn-in's finding only. -ENOMEM. */
int health_findings(const struct health_record *r, const struct bench_point *bw, size_t nbw,
		    struct findings *out);

/* The members of a "health" object (sources, samples, counters, links). */
void health_record_json(const struct health_record *r, struct json *j);
/* A JSON array of findings. */
void health_findings_json(const struct findings *f, struct json *j);
