/* Idle memory latency by pointer chasing: one cache line per element, the
 * lines linked in one random cycle (Sattolo's shuffle) over a buffer far
 * larger than a last-level cache, so every load misses and depends on the
 * one before. A worker of the memory node maps and links the buffer; a
 * worker of the CPU node follows it. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "verify/engine.h"

#define LINE 64

/* xorshift64*: small, fast and good enough to shuffle. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

int latency_build_cycle(size_t lines, uint64_t seed, uint32_t **ret)
{
	uint32_t *p;
	uint64_t s = seed ? seed : 0x9E3779B97F4A7C15ULL;

	if (lines < 2 || lines > UINT32_MAX)
		return -EINVAL;
	p = malloc(lines * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < lines; i++)
		p[i] = (uint32_t)i;
	/* Sattolo: j < i strictly, which leaves a single cycle */
	for (size_t i = lines - 1; i > 0; i--) {
		size_t j = next_random(&s) % i;
		uint32_t t = p[i];

		p[i] = p[j];
		p[j] = t;
	}
	*ret = p;
	return 0;
}

static void build(struct worker *w)
{
	struct job *j = &w->e->job;
	char *buf;
	int r;

	r = engine_map(w->e, w->node, j->lines * LINE, &j->buf, &j->buf_len);
	if (r < 0) {
		j->err = r;
		return;
	}
	buf = j->buf;
	for (size_t i = 0; i < j->lines; i++)
		*(void **)(buf + i * LINE) = buf + (size_t)j->perm[i] * LINE;
}

static void chase(struct worker *w)
{
	struct job *j = &w->e->job;
	void **p = j->buf;
	uint64_t warm = j->hops / 8, n = j->hops / 8 * 8;
	double t0, t1;

	for (uint64_t h = 0; h < warm; h++)
		p = *p;
	t0 = engine_now();
	for (uint64_t h = 0; h < n; h += 8) {
		p = *p; p = *p; p = *p; p = *p;
		p = *p; p = *p; p = *p; p = *p;
	}
	t1 = engine_now();
	/* keep the chain alive */
	__asm__ __volatile__("" : : "r"(p) : "memory");
	j->ns = n ? (t1 - t0) * 1e9 / n : 0;
}

static void latency_job(struct worker *w)
{
	if (w->e->job.type == JOB_LATENCY_BUILD)
		build(w);
	else
		chase(w);
}

/* The first worker of node, as the only participant of the next job. */
static int plan_one(struct engine *e, int node, enum job_type type)
{
	struct job *j = &e->job;

	for (size_t i = 0; i < e->nw; i++)
		e->w[i].part = -1;
	j->nparts = 0;
	for (size_t i = 0; i < e->nw; i++)
		if (e->w[i].node == node) {
			e->w[i].part = 0;
			j->parts[0] = &e->w[i];
			j->nparts = 1;
			j->type = type;
			j->run = latency_job;
			j->err = 0;
			return 0;
		}
	return -ENOENT;
}

int engine_latency_map(struct engine *e, int mem_node, const uint32_t *perm, size_t lines)
{
	int r = plan_one(e, mem_node, JOB_LATENCY_BUILD);

	if (r < 0)
		return r;
	e->job.perm = perm;
	e->job.lines = lines;
	e->job.buf = NULL;
	engine_dispatch(e);
	return e->job.err;
}

int engine_latency_chase(struct engine *e, int cpu_node, uint64_t hops, double *ns)
{
	int r = plan_one(e, cpu_node, JOB_LATENCY_CHASE);

	if (r < 0)
		return r;
	if (!e->job.buf)
		return -EINVAL;
	e->job.hops = hops;
	engine_dispatch(e);
	*ns = e->job.ns;
	return 0;
}

void engine_latency_unmap(struct engine *e)
{
	if (e->job.buf)
		munmap(e->job.buf, e->job.buf_len);
	e->job.buf = NULL;
}
