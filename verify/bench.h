/* The memory-bandwidth verifier: STREAM-style kernels (read, write, copy,
 * triad) run by one pinned thread per listed CPU, over memory first-touched
 * on each thread's own NUMA node, timed as best of N passes; plus idle
 * latency by pointer chasing. Reads no kernel files: the caller describes
 * the topology (struct bench_topology), usually from struct host. Returns
 * -errno, never prints, keeps no global state. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tune/verify-targets.h"
#include "tune/finding.h"
#include "verify/health.h"

struct json;
struct host;
struct gpu_copy_report;

enum bench_kernel {
	BENCH_READ,     /* s += b[i]            8 bytes per element */
	BENCH_WRITE,    /* a[i] = v             8 */
	BENCH_COPY,     /* a[i] = b[i]          16 */
	BENCH_TRIAD,    /* a[i] = b[i] + s*c[i] 24 */
	BENCH_NKERNELS,
};
#define BENCH_KERNELS_ALL ((1u << BENCH_NKERNELS) - 1)

enum bench_isa {
	BENCH_ISA_AUTO = -1,   /* the best this CPU runs */
	BENCH_ISA_SCALAR,      /* portable C, plain stores */
	BENCH_ISA_SSE2,
	BENCH_ISA_AVX2,
	BENCH_ISA_AVX512,
	BENCH_NISAS,
};

enum bench_scope {
	BENCH_SCOPE_HOST = 1 << 0,     /* every thread, each on its own node's memory */
	BENCH_SCOPE_NODES = 1 << 1,    /* each node alone: its CPUs, its memory */
	BENCH_SCOPE_MATRIX = 1 << 2,   /* read: CPUs of node i, memory of node j (i != j) */
	BENCH_SCOPE_LATENCY = 1 << 3,  /* idle latency per node pair */
};
#define BENCH_SCOPES_ALL 0xfu

/* ---- kernels ---- */

const char *bench_kernel_name(enum bench_kernel k);
int bench_kernel_from_name(const char *name);          /* the kernel, or -EINVAL */
/* "read,copy" -> bitmask of 1 << kernel; -EINVAL names the bad word in *bad
 * (may be NULL; a pointer into a copy the caller frees). */
int bench_kernels_parse(const char *list, unsigned *ret, char **bad);
/* STREAM byte counting: 8, 8, 16, 24 bytes per element; no write-allocate. */
unsigned bench_kernel_bytes_per_element(enum bench_kernel k);
uint64_t bench_kernel_bytes(enum bench_kernel k, uint64_t elements);

const char *bench_isa_name(enum bench_isa isa);        /* "avx512", "avx2", "sse2", "scalar" */
bool bench_isa_supported(enum bench_isa isa);          /* this binary and this CPU */
enum bench_isa bench_isa_best(void);

/* One ISA's kernels. Any alignment and length work (heads and tails are
 * done in scalar code); the stores of write, copy and triad are
 * non-temporal where nt_stores says so. */
struct bench_kernels {
	enum bench_isa isa;
	bool nt_stores;
	double (*read)(const double *b, size_t n);
	void (*write)(double *a, double v, size_t n);
	void (*copy)(double *restrict a, const double *restrict b, size_t n);
	void (*triad)(double *restrict a, const double *restrict b, const double *restrict c,
		      double s, size_t n);
};
/* NULL when the ISA is not supported here. */
const struct bench_kernels *bench_kernels_get(enum bench_isa isa);

/* ---- pure helpers (statistics, names) ---- */

struct bench_stats {
	size_t n;
	double best, median, worst, mean;  /* seconds */
	double spread;                      /* (worst - best) / best */
};
/* times: seconds per pass, any order; -EINVAL when n is 0 or a time <= 0. */
int bench_stats_compute(const double *times, size_t n, struct bench_stats *ret);

/* "host" (cpu_node < 0), "node0" (equal nodes), "node0->node1". */
int bench_scope_name(int cpu_node, int mem_node, char *buf, size_t len);
/* Inverse of bench_scope_name: -EINVAL on anything else. */
int bench_scope_parse(const char *name, int *cpu_node, int *mem_node);

/* ---- topology (filled by the caller) ---- */

struct bench_cpu {
	int cpu;
	int llc;          /* id of its last-level cache (e.g. first CPU sharing it), -1 unknown */
};

struct bench_node {
	int id;
	struct bench_cpu *cpus;     /* the CPUs a thread may run on: one per core, usually */
	size_t ncpus;               /* 0: a memory-only node, not measured */
	int64_t free_bytes;         /* free memory, -1 unknown; arrays are kept to half of it */
};

struct bench_topology {
	struct bench_node *nodes;
	size_t nnodes;
	uint64_t llc_bytes;         /* every last-level cache of these nodes together; 0 unknown */
	uint64_t llc_instance_bytes;/* one last-level cache (what one core can hit); 0 unknown */
	double peak_gbps;           /* theoretical peak, NAN unknown */
	const char *peak_unknown_reason;  /* why peak_gbps is NAN ("no DMI"), or NULL */
	const char *virtualization; /* "kvm" ... or NULL on bare metal */
};

/* Threads picked for a run: round robin over nodes, and within a node over
 * its last-level caches, so N threads spread as evenly as the CPUs allow.
 * threads <= 0 means every listed CPU. Fills ret[] (capacity: sum of ncpus)
 * and returns how many, or -EINVAL (no CPU at all). */
struct bench_placement {
	int cpu;
	int node;       /* index into topology.nodes */
};
int bench_select_cpus(const struct bench_topology *t, int threads, struct bench_placement *ret);

/* ---- a run ---- */

/* Where a burn-in stands, for a progress line. */
struct bench_progress {
	double elapsed_s, total_s;
	double gbps;                /* the latest pass */
	double clock_mhz;           /* median CPU clock of the latest sample, NAN unknown */
	double temp_c;              /* hottest sensor of the latest sample, NAN unknown */
};

struct bench_options {
	unsigned kernels;           /* bitmask; 0: all */
	unsigned scopes;            /* bitmask of enum bench_scope; 0: all */
	int threads;                /* 0: one per listed CPU */
	uint64_t array_bytes;       /* bytes per array, all threads together; 0: 4x LLC */
	int isa;                    /* enum bench_isa; BENCH_ISA_AUTO */
	bool quick;                 /* shorter jobs, no matrix, local latency only */
	int min_passes;             /* 0: 10 */
	double min_seconds;         /* 0: per-scope defaults, see bench.c */
	uint64_t latency_hops;      /* 0: default */
	/* health (verify/health.h): sampled under this root while the
	   kernels run, from a thread of its own; NULL: not sampled */
	const char *health_root;
	double health_interval_s;   /* 0: 0.25 s */
	/* burn-in: after the measurement, the host triad keeps running this
	   long (0: no burn-in); stop is polled between passes (true ends it
	   early, a partial report follows); progress is called after each */
	double burnin_seconds;
	/* with a burn-in: host<->GPU copies beside it on every GPU of the
	   first runtime that loads (verify/gpu-burnin.c), the GPUs' NUMA
	   nodes from this host; NULL: none (--no-gpu) */
	const struct host *burnin_gpu_host;
	bool (*stop)(void *ctx);
	void (*progress)(void *ctx, const struct bench_progress *p);
	void *ctx;
	/* Called before each measurement ("triad on node1"), with how many
	 * bandwidth measurements are done and planned; NULL: none. */
	void (*on_measure)(void *data, const char *what, size_t done, size_t total);
	void *on_measure_data;
};

struct bench_result {
	enum bench_kernel kernel;
	int cpu_node, mem_node;     /* node ids; -1 for the host scope */
	char scope[40];
	int threads;
	uint64_t bytes;             /* counted per pass */
	int passes;                 /* timed passes (after the warm-up) */
	double best_s, median_s, mean_s, worst_s, spread;
	double gbps;                /* bytes / best_s / 1e9 */
	double median_gbps;
	double mean_gbps;           /* bytes * passes / time of all passes: sustained */
};

struct bench_latency {
	int cpu_node, mem_node;
	char scope[40];
	uint64_t buffer_bytes;
	uint64_t hops;
	double ns;                  /* per dependent load */
};

struct bench_report {
	enum bench_isa isa;
	bool nt_stores;
	int threads;
	char *cpus;                 /* cpulist of the CPUs used */
	uint64_t array_bytes;       /* per array, all threads together */
	uint64_t llc_bytes;
	struct bench_result *results;
	size_t nresults;
	struct bench_latency *latency;
	size_t nlatency;
	double peak_gbps;           /* NAN unknown */
	char *peak_unknown_reason;
	double efficiency;          /* host triad (or best host kernel) / peak; NAN unknown */
	bool trustworthy;
	char **reasons;             /* why not trustworthy; NULL-terminated, may be NULL */
	char **warnings;            /* other remarks */
	struct health_record *health;   /* NULL: not sampled (see health_error) */
	char *health_error;         /* why not sampled, or NULL */
	struct findings findings;   /* drawn from health and the burn-in */
	double burnin_seconds;      /* asked for; 0: no burn-in */
	double burnin_elapsed_s;    /* how long it ran */
	bool burnin_interrupted;    /* stopped early (Ctrl-C) */
	struct bench_point *burnin; /* host triad over time */
	size_t nburnin;
	struct gpu_copy_report *gpu_copies; /* beside the burn-in; NULL: not asked */
	double setup_s;             /* starting the threads, mapping and first-touching the arrays */
	double elapsed_s;
};

/* Measure. On failure, *error (may be NULL) gets what failed in words,
 * e.g. "cannot pin a thread to CPU 5" (malloc'd), and -errno is returned. */
int bench_run(const struct bench_topology *t, const struct bench_options *opt,
	      struct bench_report **ret, char **error);
struct bench_report *bench_report_free(struct bench_report *r);

/* The host-scope result of a kernel, or of one node (cpu = mem = id); NULL. */
const struct bench_result *bench_report_find(const struct bench_report *r, enum bench_kernel k,
					     int cpu_node, int mem_node);
/* The host result the efficiency is about: triad, else the fastest host
 * kernel; NULL when no host scope was measured. */
const struct bench_result *bench_report_headline(const struct bench_report *r);
/* Fill efficiency, trustworthy and reasons from results and peak (done by
 * bench_run; exposed for tests and for reports built from parts). */
int bench_report_assess(struct bench_report *r, const char *virtualization);

/* The members of the "bench" object: threads, nt_stores, isa, results,
 * peak_gbps, efficiency, latency, trustworthy, reasons, warnings. */
void bench_report_json(const struct bench_report *r, struct json *j);

/* ---- targets (the profile's [verify] section) ---- */

enum bench_check_status {
	BENCH_CHECK_PASS,
	BENCH_CHECK_FAIL,
	BENCH_CHECK_SKIP,       /* nothing to compare with (peak unknown, not measured) */
};

struct bench_check {
	enum bench_target target;
	char *name;             /* "triad_gbps", "node_triad_gbps[node1]" */
	char *what;             /* "host triad", "node1 triad" */
	double measured;        /* GB/s (peak_fraction: the fraction); NAN unknown */
	double expected;        /* the target, same unit */
	double ratio;           /* measured / expected; NAN unknown */
	enum bench_check_status status;
	char *message;          /* one sentence in plain words */
	const char *file;       /* where the target was set (borrowed) */
	int line;
};

const char *bench_check_status_name(enum bench_check_status s);  /* "pass", "fail", "skip" */
/* A measurement against a target: pass at or above it, skip when either is
 * unknown (NAN). */
enum bench_check_status bench_compare(double measured, double expected);
/* One check per set target (node_triad_gbps: one per measured node, or the
 * host on a single-node host). */
int bench_targets_check(const struct bench_report *r, const struct bench_targets *t,
			struct bench_check **ret, size_t *n);
void bench_checks_free(struct bench_check *c, size_t n);
/* gpu_h2d_fraction, when set: one check per GPU of a GPU run (bench
 * --gpu) appended to *checks; a run that could not measure fails the
 * target. 0 or -ENOMEM (the checks so far stay in *checks). */
struct gpu_report;
int gpu_targets_check(const struct gpu_report *g, const struct bench_targets *t, struct bench_check **checks,
		      size_t *n);
/* The final sentence: whether the host reaches its targets, and what
 * fraction of its theoretical peak it reaches (or that the peak is unknown). */
char *bench_verdict(const struct bench_report *r, const struct bench_check *c, size_t n);
/* The members of a "verify" object: checks, passed, failed, skipped,
 * result ("pass"/"fail"), verdict. */
void bench_checks_json(const struct bench_check *c, size_t n, const char *verdict, struct json *j);
