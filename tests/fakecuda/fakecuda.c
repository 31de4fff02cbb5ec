/* A fake libcuda (the driver API) for rigtune bench --gpu's tests: the
 * calls rigtune makes, for GPUs that copy at a given bandwidth. Time is
 * virtual: each stream has a clock that a copy advances by bytes / rate,
 * an event takes its stream's clock, so cuEventElapsedTime gives exactly
 * the configured rate. Copies really copy (rigtune checks the data).
 * Environment:
 *   FAKECUDA_DEVICES=BDF=H2D/D2H,...  GPUs and their rates in GB/s
 *                                     (default: one GPU 0000:1b:00.0 at 25/25)
 *   FAKECUDA_PEER=A-B=RATE,...        device indexes with peer access, GB/s
 *   FAKECUDA_FAIL=SYMBOL[:CODE]       that call fails (CODE, default 2: out of memory)
 *   FAKECUDA_CORRUPT=1                device memory loses its data (a bad copy)
 *   FAKECUDA_LOG=FILE                 append "init" and "leak N" at exit
 * Calls before cuInit answer CUDA_ERROR_NOT_INITIALIZED (3); a copy on a
 * stream whose context is not current answers CUDA_ERROR_INVALID_CONTEXT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_DEVICES 16

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct fake_ctx *CUcontext;
typedef struct fake_stream *CUstream;
typedef struct fake_event *CUevent;

enum { OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, NOT_INITIALIZED = 3, INVALID_DEVICE = 101,
       INVALID_CONTEXT = 201, INVALID_HANDLE = 400, PEER_ACCESS_UNSUPPORTED = 217,
       PEER_NOT_ENABLED = 705 };

struct fake_ctx { int dev; unsigned peers; };
struct fake_stream { int dev; double clock; };
struct fake_event { double clock; int recorded; };

static struct {
	int init, count;
	char bdf[MAX_DEVICES][16];
	double h2d[MAX_DEVICES], d2h[MAX_DEVICES], peer[MAX_DEVICES][MAX_DEVICES];
	struct fake_ctx ctx[MAX_DEVICES];
	struct fake_ctx *current;
	long live;                          /* allocations not freed */
} F;

EXPORT CUresult cuInit(unsigned flags);
EXPORT CUresult cuGetErrorString(CUresult r, const char **s);
EXPORT CUresult cuDeviceGetCount(int *n);
EXPORT CUresult cuDeviceGet(CUdevice *d, int ordinal);
EXPORT CUresult cuDeviceGetPCIBusId(char *buf, int len, CUdevice d);
EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice d);
EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d);
EXPORT CUresult cuCtxSetCurrent(CUcontext c);
EXPORT CUresult cuMemHostAlloc(void **p, size_t n, unsigned flags);
EXPORT CUresult cuMemFreeHost(void *p);
EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n);
EXPORT CUresult cuMemFree_v2(CUdeviceptr p);
EXPORT CUresult cuStreamCreate(CUstream *s, unsigned flags);
EXPORT CUresult cuStreamDestroy_v2(CUstream s);
EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, CUstream s);
EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, CUstream s);
EXPORT CUresult cuMemcpyPeerAsync(CUdeviceptr dst, CUcontext dctx, CUdeviceptr src, CUcontext sctx, size_t n,
				  CUstream s);
EXPORT CUresult cuDeviceCanAccessPeer(int *can, CUdevice d, CUdevice peer);
EXPORT CUresult cuCtxEnablePeerAccess(CUcontext peer, unsigned flags);
EXPORT CUresult cuEventCreate(CUevent *e, unsigned flags);
EXPORT CUresult cuEventDestroy_v2(CUevent e);
EXPORT CUresult cuEventRecord(CUevent e, CUstream s);
EXPORT CUresult cuEventSynchronize(CUevent e);
EXPORT CUresult cuEventElapsedTime(float *ms, CUevent a, CUevent b);

/* FAKECUDA_FAIL names this call: its code, else 0. */
static CUresult failing(const char *name)
{
	const char *f = getenv("FAKECUDA_FAIL");
	size_t n = strlen(name);

	if (!f || strncmp(f, name, n) || (f[n] && f[n] != ':'))
		return OK;
	return f[n] == ':' ? atoi(f + n + 1) : OUT_OF_MEMORY;
}

#define CHECK(name)                                     \
	do {                                            \
		CUresult r_ = failing(name);            \
		if (r_)                                 \
			return r_;                      \
		if (!F.init)                            \
			return NOT_INITIALIZED;         \
	} while (0)

static void log_line(const char *s, long n)
{
	const char *path = getenv("FAKECUDA_LOG");
	FILE *f = path ? fopen(path, "a") : NULL;

	if (f) {
		fprintf(f, "%s %ld\n", s, n);
		fclose(f);
	}
}

static void report_leaks(void)
{
	log_line("leak", F.live);
}

static void parse_devices(void)
{
	const char *env = getenv("FAKECUDA_DEVICES");
	char *copy = strdup(env ? env : "0000:1b:00.0=25/25"), *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok && F.count < MAX_DEVICES; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq = '\0';
		snprintf(F.bdf[F.count], sizeof(F.bdf[0]), "%s", tok);
		F.h2d[F.count] = atof(eq + 1);
		F.d2h[F.count] = strchr(eq + 1, '/') ? atof(strchr(eq + 1, '/') + 1) : F.h2d[F.count];
		F.ctx[F.count].dev = F.count;
		F.count++;
	}
	free(copy);
	env = getenv("FAKECUDA_PEER");
	copy = strdup(env ? env : "");
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int a, b;
		double rate;

		if (sscanf(tok, "%d-%d=%lf", &a, &b, &rate) == 3 && a >= 0 && b >= 0 && a < MAX_DEVICES &&
		    b < MAX_DEVICES)
			F.peer[a][b] = F.peer[b][a] = rate;
	}
	free(copy);
}

CUresult cuInit(unsigned flags)
{
	CUresult r = failing("cuInit");

	if (r || flags)
		return r ? r : INVALID_VALUE;
	if (!F.init) {
		parse_devices();
		atexit(report_leaks);
		log_line("init", F.count);
	}
	F.init = 1;
	return OK;
}

CUresult cuGetErrorString(CUresult r, const char **s)
{
	switch (r) {
	case OUT_OF_MEMORY: *s = "out of memory"; return OK;
	case NOT_INITIALIZED: *s = "initialization error"; return OK;
	case 100: *s = "no CUDA-capable device is detected"; return OK;
	default: *s = NULL; return INVALID_VALUE;
	}
}

CUresult cuDeviceGetCount(int *n)
{
	CHECK("cuDeviceGetCount");
	*n = F.count;
	return OK;
}

CUresult cuDeviceGet(CUdevice *d, int ordinal)
{
	CHECK("cuDeviceGet");
	if (ordinal < 0 || ordinal >= F.count)
		return INVALID_DEVICE;
	*d = ordinal;
	return OK;
}

/* As the driver writes it: upper-case hex, 8-digit domain... but in a
 * 13-byte buffer the short form "0000:1B:00.0". */
CUresult cuDeviceGetPCIBusId(char *buf, int len, CUdevice d)
{
	CHECK("cuDeviceGetPCIBusId");
	if (d < 0 || d >= F.count || len < 13)
		return INVALID_VALUE;
	snprintf(buf, (size_t)len, "%s", F.bdf[d]);
	for (char *p = buf; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	return OK;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice d)
{
	CHECK("cuDevicePrimaryCtxRetain");
	if (d < 0 || d >= F.count)
		return INVALID_DEVICE;
	*c = &F.ctx[d];
	return OK;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d)
{
	CHECK("cuDevicePrimaryCtxRelease_v2");
	return d >= 0 && d < F.count ? OK : INVALID_DEVICE;
}

CUresult cuCtxSetCurrent(CUcontext c)
{
	CHECK("cuCtxSetCurrent");
	F.current = c;
	return OK;
}

CUresult cuMemHostAlloc(void **p, size_t n, unsigned flags)
{
	CHECK("cuMemHostAlloc");
	(void)flags;
	if (!F.current)
		return INVALID_CONTEXT;
	*p = malloc(n ? n : 1);
	if (!*p)
		return OUT_OF_MEMORY;
	F.live++;
	return OK;
}

CUresult cuMemFreeHost(void *p)
{
	free(p);
	F.live--;
	return OK;
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n)
{
	void *m;

	CHECK("cuMemAlloc_v2");
	if (!F.current)
		return INVALID_CONTEXT;
	m = malloc(n ? n : 1);
	if (!m)
		return OUT_OF_MEMORY;
	F.live++;
	*p = (CUdeviceptr)(unsigned long)m;
	return OK;
}

CUresult cuMemFree_v2(CUdeviceptr p)
{
	free((void *)(unsigned long)p);
	F.live--;
	return OK;
}

CUresult cuStreamCreate(CUstream *s, unsigned flags)
{
	CHECK("cuStreamCreate");
	(void)flags;
	if (!F.current)
		return INVALID_CONTEXT;
	*s = calloc(1, sizeof(**s));
	if (!*s)
		return OUT_OF_MEMORY;
	(*s)->dev = F.current->dev;
	F.live++;
	return OK;
}

CUresult cuStreamDestroy_v2(CUstream s)
{
	free(s);
	F.live--;
	return OK;
}

/* A stream works in its device's context: that one must be current. */
static CUresult advance(CUstream s, size_t n, double gbps)
{
	if (!s || gbps <= 0)
		return INVALID_VALUE;
	if (!F.current || F.current->dev != s->dev)
		return INVALID_CONTEXT;
	s->clock += n / (gbps * 1e9);
	return OK;
}

static void copy_bytes(void *dst, const void *src, size_t n)
{
	if (getenv("FAKECUDA_CORRUPT"))
		memset(dst, 0, n);
	else
		memcpy(dst, src, n);
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, CUstream s)
{
	CUresult r;

	CHECK("cuMemcpyHtoDAsync_v2");
	r = advance(s, n, s ? F.h2d[s->dev] : 0);
	if (!r)
		copy_bytes((void *)(unsigned long)dst, src, n);
	return r;
}

CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, CUstream s)
{
	CUresult r;

	CHECK("cuMemcpyDtoHAsync_v2");
	r = advance(s, n, s ? F.d2h[s->dev] : 0);
	if (!r)
		copy_bytes(dst, (void *)(unsigned long)src, n);
	return r;
}

CUresult cuMemcpyPeerAsync(CUdeviceptr dst, CUcontext dctx, CUdeviceptr src, CUcontext sctx, size_t n, CUstream s)
{
	CUresult r;

	CHECK("cuMemcpyPeerAsync");
	if (!dctx || !sctx || !(sctx->peers & (1u << dctx->dev)))
		return PEER_NOT_ENABLED;
	r = advance(s, n, F.peer[sctx->dev][dctx->dev]);
	if (!r)
		copy_bytes((void *)(unsigned long)dst, (void *)(unsigned long)src, n);
	return r;
}

CUresult cuDeviceCanAccessPeer(int *can, CUdevice d, CUdevice peer)
{
	CHECK("cuDeviceCanAccessPeer");
	if (d < 0 || d >= F.count || peer < 0 || peer >= F.count)
		return INVALID_DEVICE;
	*can = F.peer[d][peer] > 0;
	return OK;
}

CUresult cuCtxEnablePeerAccess(CUcontext peer, unsigned flags)
{
	CHECK("cuCtxEnablePeerAccess");
	if (!F.current || !peer || flags)
		return INVALID_VALUE;
	if (!(F.peer[F.current->dev][peer->dev] > 0))
		return PEER_ACCESS_UNSUPPORTED;
	F.current->peers |= 1u << peer->dev;
	return OK;
}

CUresult cuEventCreate(CUevent *e, unsigned flags)
{
	CHECK("cuEventCreate");
	(void)flags;
	*e = calloc(1, sizeof(**e));
	if (!*e)
		return OUT_OF_MEMORY;
	F.live++;
	return OK;
}

CUresult cuEventDestroy_v2(CUevent e)
{
	free(e);
	F.live--;
	return OK;
}

CUresult cuEventRecord(CUevent e, CUstream s)
{
	CHECK("cuEventRecord");
	if (!e || !s)
		return INVALID_HANDLE;
	e->clock = s->clock;
	e->recorded = 1;
	return OK;
}

CUresult cuEventSynchronize(CUevent e)
{
	CHECK("cuEventSynchronize");
	return e && e->recorded ? OK : INVALID_HANDLE;
}

CUresult cuEventElapsedTime(float *ms, CUevent a, CUevent b)
{
	CHECK("cuEventElapsedTime");
	if (!a || !b || !a->recorded || !b->recorded)
		return INVALID_HANDLE;
	*ms = (float)((b->clock - a->clock) * 1e3);
	return OK;
}
