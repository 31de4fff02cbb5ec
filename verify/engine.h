/* Internal to verify/: the worker threads and jobs behind bench_run
 * (engine.c), and the latency jobs they run (latency.c). */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/bench.h"
#include "verify/numa-lib.h"

struct engine;

/* One contiguous piece of work: a = f(b, c) over n elements. */
struct segment {
	double *a;
	const double *b, *c;
	size_t n;
};

struct spin_barrier {
	unsigned count __attribute__((aligned(64)));
	unsigned gen __attribute__((aligned(64)));
	unsigned n;
};

struct worker {
	struct engine *e;
	pthread_t thread;
	bool started;
	int index;
	int cpu;
	int node;               /* index into the topology's nodes */
	size_t n;               /* elements per array */
	double *a, *b, *c;
	void *map;
	size_t map_len;
	int err;                /* setup failed: -errno */
	const char *what;       /* and what failed */
	/* the current job */
	int part;               /* participant number, -1 not taking part */
	struct segment *segs;
	size_t nsegs, segcap;
	double t0, t1;          /* this pass */
	double sum;             /* what read saw, so it cannot be optimized away */
} __attribute__((aligned(64)));

enum job_type {
	JOB_KERNEL,
	JOB_LATENCY_BUILD,      /* map and link a random cycle on the worker's node */
	JOB_LATENCY_CHASE,      /* follow it */
};

struct job {
	enum job_type type;
	void (*run)(struct worker *w);  /* what each participant does; set by
					   whoever plans the job */
	struct worker **parts;
	int nparts;
	struct spin_barrier spin;
	/* kernels */
	enum bench_kernel kernel;
	int warmup, min_passes;
	double min_seconds;
	double *times;
	int ntimes;
	bool stop;
	/* latency */
	const uint32_t *perm;   /* line i links to line perm[i] */
	size_t lines;
	void *buf;
	size_t buf_len;
	uint64_t hops;
	double ns;
	int err;
};

struct engine {
	const struct bench_topology *topo;
	const struct bench_kernels *kernels;
	bool numa;              /* libnuma loaded, numa_available(): bind memory to nodes */
	struct numa_lib numa_lib;
	bool no_thp;            /* madvise(MADV_HUGEPAGE) failed */
	int mbind_failed;       /* errno of a failed mbind, 0 */
	struct worker *w;
	size_t nw;
	pthread_mutex_t lock;
	pthread_cond_t go_cv, done_cv;
	unsigned gen;
	size_t nstarted, ndone;
	bool quit;
	struct job job;
	const struct bench_options *opt;  /* for its progress callback */
	size_t jobs_done, jobs_total;
};

double engine_now(void);
void spin_barrier_wait(struct spin_barrier *b);
int engine_map(struct engine *e, int node, size_t len, void **ret, size_t *map_len);

/* Start n workers at the placements, each with arrays of `elements`. */
int engine_start(struct engine *e, const struct bench_placement *pl, size_t n,
		 size_t elements, char **error);
void engine_stop(struct engine *e);
void engine_dispatch(struct engine *e);
void engine_wait(struct engine *e);

/* Choose the participants and their work, then run a kernel over them. */
int engine_plan_local(struct engine *e, int node);
int engine_plan_remote_read(struct engine *e, int cpu_node, int mem_node);
int engine_run_kernel(struct engine *e, enum bench_kernel k, int min_passes, double min_seconds,
		      struct bench_stats *stats, uint64_t *elements);

/* Idle latency from the CPUs of cpu_node to memory of mem_node (indices). */
int latency_build_cycle(size_t lines, uint64_t seed, uint32_t **ret);
int engine_latency_map(struct engine *e, int mem_node, const uint32_t *perm, size_t lines);
int engine_latency_chase(struct engine *e, int cpu_node, uint64_t hops, double *ns);
void engine_latency_unmap(struct engine *e);
