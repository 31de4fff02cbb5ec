/* What the fake CUDA (tests/fakecuda) and fake HIP (tests/fakehip) share:
 * a board of GPUs with given copy rates and peer links, read from the
 * environment; virtual time (a stream's clock advances by bytes / rate,
 * an event takes its stream's clock, so measured rates are exact);
 * failure injection by call name; a count of live allocations. Static
 * functions: each fake library includes its own copy. */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_DEVICES 16

struct fake_stream {
	int dev;
	double clock;           /* seconds of virtual time */
};

struct fake_event {
	double clock;
	int recorded;
};

struct fake_board {
	int count;
	char bdf[FAKE_MAX_DEVICES][16];
	double h2d[FAKE_MAX_DEVICES], d2h[FAKE_MAX_DEVICES];    /* GB/s */
	double peer[FAKE_MAX_DEVICES][FAKE_MAX_DEVICES];        /* GB/s, 0: no peer access */
	long live;              /* allocations, streams and events not freed */
};

/* ENV=SYMBOL[:CODE] names this call: CODE (default dflt), else 0. */
static int fake_failing(const char *env, const char *name, int dflt)
{
	const char *f = getenv(env);
	size_t n = strlen(name);

	if (!f || strncmp(f, name, n) || (f[n] && f[n] != ':'))
		return 0;
	return f[n] == ':' ? atoi(f + n + 1) : dflt;
}

/* The start of every call: a failure asked for by ENV, or "not
 * initialised" (not_init) before init. */
#define FAKE_CHECK(env, name, init, not_init)            \
	do {                                             \
		int r_ = fake_failing(env, name, 2);     \
		if (r_)                                  \
			return r_;                       \
		if (!(init))                             \
			return not_init;                 \
	} while (0)

/* devices: "BDF=H2D/D2H,..." (GB/s); peers: "A-B=RATE,..." (indexes). */
static void fake_board_parse(struct fake_board *b, const char *devices, const char *peers)
{
	char *copy = strdup(devices), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t && b->count < FAKE_MAX_DEVICES; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');

		if (!eq)
			continue;
		*eq = '\0';
		snprintf(b->bdf[b->count], sizeof(b->bdf[0]), "%s", t);
		b->h2d[b->count] = atof(eq + 1);
		b->d2h[b->count] = strchr(eq + 1, '/') ? atof(strchr(eq + 1, '/') + 1) : b->h2d[b->count];
		b->count++;
	}
	free(copy);
	copy = strdup(peers ? peers : "");
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int x, y;
		double rate;

		if (sscanf(t, "%d-%d=%lf", &x, &y, &rate) == 3 && x >= 0 && y >= 0 && x < FAKE_MAX_DEVICES &&
		    y < FAKE_MAX_DEVICES)
			b->peer[x][y] = b->peer[y][x] = rate;
	}
	free(copy);
}

static void *fake_alloc(struct fake_board *b, size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (p)
		b->live++;
	return p;
}

static void fake_free(struct fake_board *b, void *p)
{
	free(p);
	b->live--;
}

/* Copy n bytes at gbps on stream s: its clock moves on. -1: no rate. */
static int fake_advance(struct fake_stream *s, size_t n, double gbps)
{
	if (!s || !(gbps > 0))
		return -1;
	s->clock += n / (gbps * 1e9);
	return 0;
}

static int fake_event_record(struct fake_event *e, const struct fake_stream *s)
{
	if (!e || !s)
		return -1;
	e->clock = s->clock;
	e->recorded = 1;
	return 0;
}

static int fake_event_elapsed(float *ms, const struct fake_event *a, const struct fake_event *b)
{
	if (!a || !b || !a->recorded || !b->recorded)
		return -1;
	*ms = (float)((b->clock - a->clock) * 1e3);
	return 0;
}

/* Append "WHAT N" to the file ENV names, if any. */
static void fake_log(const char *env, const char *what, long n)
{
	const char *path = getenv(env);
	FILE *f = path ? fopen(path, "a") : NULL;

	if (f) {
		fprintf(f, "%s %ld\n", what, n);
		fclose(f);
	}
}
