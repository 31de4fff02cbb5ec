/* The verifier's measurement engine: one worker thread per chosen CPU,
 * pinned before it allocates; each worker maps its own slice of the three
 * arrays, binds it to its node (mbind, when the kernel has NUMA), asks for
 * transparent huge pages and first-touches it. A job (a kernel over a
 * scope) runs on a subset of the workers: they meet at a spinning barrier
 * before each pass, and a pass lasts from the earliest start to the latest
 * end. Reads no kernel files. */
#include <errno.h>
#include <math.h>
#include <numaif.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "verify/bench.h"
#include "verify/engine.h"

#define HUGE_2M (2u << 20)
#define MAX_PASSES 2000
/* Values the arrays hold, so every kernel's output can be checked. */
#define B_VALUE 1.0
#define C_VALUE 2.0
#define SCALAR 3.0
#define WRITE_VALUE 4.0

double engine_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* A generation barrier that spins: the participants are pinned one per
 * CPU, so spinning releases them within a microsecond of each other, and
 * a late start would count in the pass's time. A sleeping waiter (futex)
 * measured worse: waking an idle CPU, or a halted vCPU, takes 30 to 150 us
 * and sometimes milliseconds. After a while the waiter yields at each
 * turn, so that on a busy or shared machine another task can have the CPU
 * rather than preempt a worker elsewhere; the CPU itself never idles. */
#define SPIN_LIMIT 4000

void spin_barrier_wait(struct spin_barrier *b)
{
	unsigned gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->count, 1, __ATOMIC_ACQ_REL) == b->n) {
		__atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	for (unsigned spins = 0; __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) == gen; spins++) {
		cpu_relax();
		if (spins >= SPIN_LIMIT)
			sched_yield();
	}
}

/* Map len bytes for node (an index into the topology), 2 MiB aligned, with
 * huge pages asked for and the pages bound to the node. */
int engine_map(struct engine *e, int node, size_t len, void **ret, size_t *map_len)
{
	size_t total = len + HUGE_2M;
	uintptr_t start;
	void *p;

	p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	start = ((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1);
	/* give back the unaligned head and tail */
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	total -= start - (uintptr_t)p;
	if (total > len)
		munmap((void *)(start + len), total - len);
	if (madvise((void *)start, len, MADV_HUGEPAGE) < 0)
		__atomic_store_n(&e->no_thp, true, __ATOMIC_RELAXED);
	if (e->numa) {
		int id = e->topo->nodes[node].id;
		size_t words = id / (8 * sizeof(unsigned long)) + 1;
		unsigned long mask[words];

		memset(mask, 0, sizeof(mask));
		mask[id / (8 * sizeof(unsigned long))] = 1ul << (id % (8 * sizeof(unsigned long)));
		if (e->numa_lib.mbind((void *)start, len, MPOL_BIND, mask, words * 8 * sizeof(unsigned long) + 1, 0) < 0)
			__atomic_store_n(&e->mbind_failed, errno, __ATOMIC_RELAXED);
	}
	*ret = (void *)start;
	*map_len = len;
	return 0;
}

static int pin_self(int cpu)
{
	cpu_set_t *set = CPU_ALLOC(cpu + 1);
	size_t size = CPU_ALLOC_SIZE(cpu + 1);
	int r;

	if (!set)
		return -ENOMEM;
	CPU_ZERO_S(size, set);
	CPU_SET_S(cpu, size, set);
	r = -pthread_setaffinity_np(pthread_self(), size, set);
	CPU_FREE(set);
	return r;
}

/* A worker's three arrays in one mapping, each starting a little further
 * into its 2 MiB page so the streams do not fall on the same cache sets and
 * DRAM banks at the same time. */
#define STAGGER (4096 + 64 * 3)

static int worker_setup(struct worker *w)
{
	struct engine *e = w->e;
	size_t arr = ((w->n * sizeof(double) + STAGGER * 3 + HUGE_2M - 1) / HUGE_2M) * HUGE_2M;
	char *base;
	int r;

	r = pin_self(w->cpu);
	if (r < 0) {
		w->what = "cannot pin a thread to CPU";
		return r;
	}
	r = engine_map(e, w->node, 3 * arr, &w->map, &w->map_len);
	if (r < 0) {
		w->what = "cannot map memory for CPU";
		return r;
	}
	base = w->map;
	w->a = (double *)(base + 0 * arr + 0 * STAGGER);
	w->b = (double *)(base + 1 * arr + 1 * STAGGER);
	w->c = (double *)(base + 2 * arr + 2 * STAGGER);
	/* first touch, by this thread, on this node */
	for (size_t i = 0; i < w->n; i++) {
		w->a[i] = 0;
		w->b[i] = B_VALUE;
		w->c[i] = C_VALUE;
	}
	return 0;
}

static void run_segments(struct worker *w, enum bench_kernel k)
{
	const struct bench_kernels *kt = w->e->kernels;
	double sum = 0;

	for (size_t s = 0; s < w->nsegs; s++) {
		struct segment *g = &w->segs[s];

		switch (k) {
		case BENCH_READ:
			sum += kt->read(g->b, g->n);
			break;
		case BENCH_WRITE:
			kt->write(g->a, WRITE_VALUE, g->n);
			break;
		case BENCH_COPY:
			kt->copy(g->a, g->b, g->n);
			break;
		case BENCH_TRIAD:
			kt->triad(g->a, g->b, g->c, SCALAR, g->n);
			break;
		default:
			break;
		}
	}
	w->sum = sum;
}

/* The first participant times each pass and decides when to stop. */
static void leader_account(struct engine *e, int pass)
{
	struct job *j = &e->job;
	double t0 = INFINITY, t1 = -INFINITY, total = 0;

	for (int p = 0; p < j->nparts; p++) {
		t0 = fmin(t0, j->parts[p]->t0);
		t1 = fmax(t1, j->parts[p]->t1);
	}
	if (pass >= j->warmup && j->ntimes < MAX_PASSES)
		j->times[j->ntimes++] = t1 - t0;
	for (int i = 0; i < j->ntimes; i++)
		total += j->times[i];
	__atomic_store_n(&j->stop, (j->ntimes >= j->min_passes && total >= j->min_seconds) ||
				   j->ntimes >= MAX_PASSES ||
				   (j->ntimes >= 3 && total >= 10 * j->min_seconds), __ATOMIC_RELEASE);
}

/* Two barriers a pass: all start together, all have ended; the first
 * participant then times the pass and decides, before it reaches the
 * next start, whether there is one. */
static void run_kernel_job(struct worker *w)
{
	struct engine *e = w->e;
	struct job *j = &e->job;

	for (int pass = 0;; pass++) {
		spin_barrier_wait(&j->spin);
		if (__atomic_load_n(&j->stop, __ATOMIC_ACQUIRE))
			break;
		w->t0 = engine_now();
		run_segments(w, j->kernel);
		w->t1 = engine_now();
		spin_barrier_wait(&j->spin);
		if (w->part == 0)
			leader_account(e, pass);
	}
}

/* Blocking hand-off between the main thread and the workers: the main
 * thread sleeps while a job runs, so it takes no CPU from them. */
static void report_done(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	if (++e->ndone == e->nstarted)
		pthread_cond_signal(&e->done_cv);
	pthread_mutex_unlock(&e->lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct engine *e = w->e;
	unsigned gen = 0;

	w->err = worker_setup(w);
	report_done(e);
	for (;;) {
		pthread_mutex_lock(&e->lock);
		while (e->gen == gen)
			pthread_cond_wait(&e->go_cv, &e->lock);
		gen = e->gen;
		pthread_mutex_unlock(&e->lock);
		if (e->quit)
			break;
		if (w->part >= 0 && !w->err) {
			e->job.run(w);
		}
		report_done(e);
	}
	return NULL;
}

void engine_wait(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	while (e->ndone < e->nstarted)
		pthread_cond_wait(&e->done_cv, &e->lock);
	pthread_mutex_unlock(&e->lock);
}

/* Start the current job (e->job) and wait for it. */
void engine_dispatch(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	e->ndone = 0;
	e->gen++;
	pthread_cond_broadcast(&e->go_cv);
	pthread_mutex_unlock(&e->lock);
	if (!e->quit)
		engine_wait(e);
}

static int start_worker(struct engine *e, struct worker *w)
{
	cpu_set_t *set = CPU_ALLOC(w->cpu + 1);
	size_t size = CPU_ALLOC_SIZE(w->cpu + 1);
	pthread_attr_t attr;
	int r;

	if (!set)
		return -ENOMEM;
	CPU_ZERO_S(size, set);
	CPU_SET_S(w->cpu, size, set);
	pthread_attr_init(&attr);
	/* born on its CPU: nothing it touches is placed from elsewhere */
	r = pthread_attr_setaffinity_np(&attr, size, set);
	if (r == 0)
		r = pthread_create(&w->thread, &attr, worker_main, w);
	pthread_attr_destroy(&attr);
	CPU_FREE(set);
	return -r;
}

void engine_stop(struct engine *e)
{
	if (!e->w)
		return;
	e->quit = true;
	if (e->nstarted)
		engine_dispatch(e);
	for (size_t i = 0; i < e->nw; i++) {
		struct worker *w = &e->w[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		if (w->map)
			munmap(w->map, w->map_len);
		free(w->segs);
	}
	free(e->w);
	e->w = NULL;
	free(e->job.parts);
	free(e->job.times);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->go_cv);
	pthread_cond_destroy(&e->done_cv);
	numa_lib_close(&e->numa_lib);
}

int engine_start(struct engine *e, const struct bench_placement *pl, size_t n,
		 size_t elements, char **error)
{
	int r;

	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->go_cv, NULL);
	pthread_cond_init(&e->done_cv, NULL);
	e->nw = n;
	e->w = aligned_alloc(64, ((n * sizeof(struct worker) + 63) / 64) * 64);
	e->job.parts = calloc(n, sizeof(*e->job.parts));
	e->job.times = calloc(MAX_PASSES, sizeof(*e->job.times));
	if (!e->w || !e->job.parts || !e->job.times) {
		free(e->w);
		free(e->job.parts);
		free(e->job.times);
		e->w = NULL;
		e->job.parts = NULL;
		e->job.times = NULL;
		return -ENOMEM;
	}
	e->numa = numa_lib_open(&e->numa_lib);
	memset(e->w, 0, n * sizeof(struct worker));
	for (size_t i = 0; i < n; i++)
		e->w[i] = (struct worker) {
			.e = e, .index = (int)i, .cpu = pl[i].cpu, .node = pl[i].node,
			.n = elements, .part = -1,
		};
	for (size_t i = 0; i < n; i++) {
		r = start_worker(e, &e->w[i]);
		if (r < 0) {
			if (error)
				*error = xasprintf("cannot start a thread on CPU %d", e->w[i].cpu);
			goto fail;
		}
		e->w[i].started = true;
		pthread_mutex_lock(&e->lock);
		e->nstarted++;
		pthread_mutex_unlock(&e->lock);
	}
	engine_wait(e);    /* every worker allocated and touched its arrays */
	for (size_t i = 0; i < n; i++)
		if (e->w[i].err) {
			r = e->w[i].err;
			if (error)
				*error = xasprintf("%s %d", e->w[i].what, e->w[i].cpu);
			goto fail;
		}
	return 0;
fail:
	/* workers that started wait for their first job: release them */
	engine_wait(e);
	engine_stop(e);
	return r;
}

/* Check the kernels wrote what they should have (a, first and last
 * element of every segment) after a job: a wrong value means a broken
 * kernel, and its bandwidth would be meaningless. */
static int check_job_output(struct engine *e)
{
	struct job *j = &e->job;
	double want;

	switch (j->kernel) {
	case BENCH_WRITE:
		want = WRITE_VALUE;
		break;
	case BENCH_COPY:
		want = B_VALUE;
		break;
	case BENCH_TRIAD:
		want = B_VALUE + SCALAR * C_VALUE;
		break;
	default: {
		double sum = 0;
		uint64_t n = 0;

		for (int p = 0; p < j->nparts; p++) {
			sum += j->parts[p]->sum;
			for (size_t s = 0; s < j->parts[p]->nsegs; s++)
				n += j->parts[p]->segs[s].n;
		}
		return sum == (double)n * B_VALUE ? 0 : -EIO;
	}
	}
	for (int p = 0; p < j->nparts; p++)
		for (size_t s = 0; s < j->parts[p]->nsegs; s++) {
			struct segment *g = &j->parts[p]->segs[s];

			if (g->n && (g->a[0] != want || g->a[g->n - 1] != want))
				return -EIO;
		}
	return 0;
}

int engine_run_kernel(struct engine *e, enum bench_kernel k, int min_passes, double min_seconds,
		      struct bench_stats *stats, uint64_t *elements)
{
	struct job *j = &e->job;
	uint64_t n = 0;
	int r;

	j->type = JOB_KERNEL;
	j->run = run_kernel_job;
	j->kernel = k;
	j->min_passes = min_passes;
	j->min_seconds = min_seconds;
	j->warmup = 1;
	j->ntimes = 0;
	j->stop = false;
	j->spin = (struct spin_barrier) { .n = (unsigned)j->nparts };
	for (int p = 0; p < j->nparts; p++)
		for (size_t s = 0; s < j->parts[p]->nsegs; s++)
			n += j->parts[p]->segs[s].n;
	engine_dispatch(e);
	r = check_job_output(e);
	if (r < 0)
		return r;
	r = bench_stats_compute(j->times, j->ntimes, stats);
	if (r < 0)
		return r;
	*elements = n;
	return 0;
}

static int add_segment(struct worker *w, double *a, const double *b, const double *c, size_t n)
{
	if (w->nsegs == w->segcap) {
		size_t cap = w->segcap ? 2 * w->segcap : 4;
		struct segment *s = realloc(w->segs, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		w->segs = s;
		w->segcap = cap;
	}
	w->segs[w->nsegs++] = (struct segment) { .a = a, .b = b, .c = c, .n = n };
	return 0;
}

static void job_reset(struct engine *e)
{
	for (size_t i = 0; i < e->nw; i++) {
		e->w[i].part = -1;
		e->w[i].nsegs = 0;
	}
	e->job.nparts = 0;
}

static void job_add_part(struct engine *e, struct worker *w)
{
	w->part = e->job.nparts;
	e->job.parts[e->job.nparts++] = w;
}

/* Host (node < 0) or one node: every worker there on its own arrays. */
int engine_plan_local(struct engine *e, int node)
{
	job_reset(e);
	for (size_t i = 0; i < e->nw; i++) {
		struct worker *w = &e->w[i];

		if (node >= 0 && w->node != node)
			continue;
		job_add_part(e, w);
		if (add_segment(w, w->a, w->b, w->c, w->n) < 0)
			return -ENOMEM;
	}
	return e->job.nparts ? 0 : -ENOENT;
}

/* Workers of cpu_node read the b arrays of mem_node's workers, split into
 * equal shares on 512-byte boundaries. */
int engine_plan_remote_read(struct engine *e, int cpu_node, int mem_node)
{
	size_t total = 0, readers = 0, r = 0;

	job_reset(e);
	for (size_t i = 0; i < e->nw; i++) {
		if (e->w[i].node == mem_node)
			total += e->w[i].n;
		if (e->w[i].node == cpu_node)
			readers++;
	}
	if (!total || !readers)
		return -ENOENT;
	for (size_t i = 0; i < e->nw; i++) {
		struct worker *w = &e->w[i];
		size_t from, to, pos = 0;

		if (w->node != cpu_node)
			continue;
		from = (total * r / readers) & ~(size_t)63;
		to = r + 1 == readers ? total : (total * (r + 1) / readers) & ~(size_t)63;
		r++;
		job_add_part(e, w);
		for (size_t k = 0; k < e->nw && pos < to; k++) {
			struct worker *m = &e->w[k];
			size_t lo, hi;

			if (m->node != mem_node)
				continue;
			lo = from > pos ? from - pos : 0;
			hi = to - pos < m->n ? to - pos : m->n;
			if (lo < hi && add_segment(w, NULL, m->b + lo, NULL, hi - lo) < 0)
				return -ENOMEM;
			pos += m->n;
		}
	}
	return 0;
}
