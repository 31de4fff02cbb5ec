/* What the fake CUDA (tests/fakecuda) and fake HIP (tests/fakehip) share:
 * a board of GPUs with given copy rates and peer links, read from the
 * environment; virtual time (a stream's clock advances by bytes / rate,
 * an event takes its stream's clock, so measured rates are exact);
 * failure injection by call name; a count of live allocations; the device
 * model behind each call, answering the error codes both runtimes use.
 * Each fake keeps its vendor API (names, signatures, contexts) in its own
 * file. Static functions: each fake library includes its own copy. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_DEVICES 16

/* The error codes the fakes answer: CUDA's and HIP's agree on these. */
enum { OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, NOT_INITIALIZED = 3, INVALID_DEVICE = 101,
       PEER_UNSUPPORTED = 217, INVALID_HANDLE = 400, PEER_NOT_ENABLED = 705 };

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
	unsigned peers_enabled[FAKE_MAX_DEVICES];               /* bit d: this device may copy to d */
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

static bool fake_device(const struct fake_board *b, int d)
{
	return d >= 0 && d < b->count;
}

/* *p: n bytes that count as live until fake_free. */
static int fake_alloc(struct fake_board *b, void **p, size_t n)
{
	*p = calloc(1, n ? n : 1);
	if (!*p)
		return OUT_OF_MEMORY;
	b->live++;
	return OK;
}

static void fake_free(struct fake_board *b, void *p)
{
	free(p);
	b->live--;
}

/* The device's PCI address as the board names it. */
static int fake_bus_id(const struct fake_board *b, char *buf, int len, int d)
{
	if (!fake_device(b, d) || len < 13)
		return INVALID_VALUE;
	snprintf(buf, (size_t)len, "%s", b->bdf[d]);
	return OK;
}

static int fake_can_access_peer(const struct fake_board *b, int *can, int d, int peer)
{
	if (!fake_device(b, d) || !fake_device(b, peer))
		return INVALID_DEVICE;
	*can = b->peer[d][peer] > 0;
	return OK;
}

/* Let device `from` copy to `to`, where the board has a peer link. */
static int fake_enable_peer(struct fake_board *b, int from, int to)
{
	if (!(b->peer[from][to] > 0))
		return PEER_UNSUPPORTED;
	b->peers_enabled[from] |= 1u << to;
	return OK;
}

static bool fake_peer_enabled(const struct fake_board *b, int from, int to)
{
	return b->peers_enabled[from] & (1u << to);
}

static int fake_stream_create(struct fake_board *b, struct fake_stream **s, int dev)
{
	int r = fake_alloc(b, (void **)s, sizeof(**s));

	if (r == OK)
		(*s)->dev = dev;
	return r;
}

/* Copy n bytes at gbps on stream s: its clock moves on. A copy with no
 * rate (no stream, no link) is refused; corrupt: the data is lost. */
static int fake_copy(struct fake_stream *s, void *dst, const void *src, size_t n, double gbps, bool corrupt)
{
	if (!s || !(gbps > 0))
		return INVALID_VALUE;
	s->clock += n / (gbps * 1e9);
	if (corrupt)
		memset(dst, 0, n);
	else
		memcpy(dst, src, n);
	return OK;
}

static int fake_event_create(struct fake_board *b, struct fake_event **e)
{
	return fake_alloc(b, (void **)e, sizeof(**e));
}

static int fake_event_record(struct fake_event *e, const struct fake_stream *s)
{
	if (!e || !s)
		return INVALID_HANDLE;
	e->clock = s->clock;
	e->recorded = 1;
	return OK;
}

static int fake_event_synchronize(const struct fake_event *e)
{
	return e && e->recorded ? OK : INVALID_HANDLE;
}

static int fake_event_elapsed(float *ms, const struct fake_event *a, const struct fake_event *b)
{
	if (!a || !b || !a->recorded || !b->recorded)
		return INVALID_HANDLE;
	*ms = (float)((b->clock - a->clock) * 1e3);
	return OK;
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
