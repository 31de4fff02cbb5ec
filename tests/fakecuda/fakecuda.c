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
#include "../fakegpu/fakegpu.h"

#define EXPORT __attribute__((visibility("default")))

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct fake_ctx *CUcontext;
typedef struct fake_stream *CUstream;
typedef struct fake_event *CUevent;

enum { INVALID_CONTEXT = 201 };        /* the others: fakegpu.h */

struct fake_ctx { int dev; };

static struct fake_board B;
static struct {
	int init;
	struct fake_ctx ctx[FAKE_MAX_DEVICES];
	struct fake_ctx *current;
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

#define CHECK(name) FAKE_CHECK("FAKECUDA_FAIL", name, F.init, NOT_INITIALIZED)

/* At unload (dlclose) or exit, whichever comes first: a destructor, not
 * atexit, which sanitizers run after the library is unmapped. */
__attribute__((destructor)) static void report_leaks(void)
{
	if (!F.init)
		return;
	fake_log("FAKECUDA_LOG", "leak", B.live);
}

CUresult cuInit(unsigned flags)
{
	CUresult r = fake_failing("FAKECUDA_FAIL", "cuInit", OUT_OF_MEMORY);
	const char *devices = getenv("FAKECUDA_DEVICES");

	if (r || flags)
		return r ? r : INVALID_VALUE;
	if (!F.init) {
		fake_board_parse(&B, devices ? devices : "0000:1b:00.0=25/25", getenv("FAKECUDA_PEER"));
		for (int i = 0; i < B.count; i++)
			F.ctx[i].dev = i;
		fake_log("FAKECUDA_LOG", "init", B.count);
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
	*n = B.count;
	return OK;
}

CUresult cuDeviceGet(CUdevice *d, int ordinal)
{
	CHECK("cuDeviceGet");
	if (!fake_device(&B, ordinal))
		return INVALID_DEVICE;
	*d = ordinal;
	return OK;
}

/* As the driver writes it: upper-case hex, "0000:1B:00.0". */
CUresult cuDeviceGetPCIBusId(char *buf, int len, CUdevice d)
{
	CUresult r;

	CHECK("cuDeviceGetPCIBusId");
	r = fake_bus_id(&B, buf, len, d);
	for (char *p = buf; r == OK && *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	return r;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice d)
{
	CHECK("cuDevicePrimaryCtxRetain");
	if (!fake_device(&B, d))
		return INVALID_DEVICE;
	*c = &F.ctx[d];
	return OK;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d)
{
	CHECK("cuDevicePrimaryCtxRelease_v2");
	return fake_device(&B, d) ? OK : INVALID_DEVICE;
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
	return F.current ? fake_alloc(&B, p, n) : INVALID_CONTEXT;
}

CUresult cuMemFreeHost(void *p)
{
	fake_free(&B, p);
	return OK;
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n)
{
	void *m;
	CUresult r;

	CHECK("cuMemAlloc_v2");
	if (!F.current)
		return INVALID_CONTEXT;
	r = fake_alloc(&B, &m, n);
	*p = (CUdeviceptr)(unsigned long)m;
	return r;
}

CUresult cuMemFree_v2(CUdeviceptr p)
{
	fake_free(&B, (void *)(unsigned long)p);
	return OK;
}

CUresult cuStreamCreate(CUstream *s, unsigned flags)
{
	CHECK("cuStreamCreate");
	(void)flags;
	return F.current ? fake_stream_create(&B, s, F.current->dev) : INVALID_CONTEXT;
}

CUresult cuStreamDestroy_v2(CUstream s)
{
	fake_free(&B, s);
	return OK;
}

/* A stream works in its device's context: that one must be current. */
static CUresult copy_on(CUstream s, void *dst, const void *src, size_t n, double gbps)
{
	if (!s)
		return INVALID_VALUE;
	if (!F.current || F.current->dev != s->dev)
		return INVALID_CONTEXT;
	return fake_copy(s, dst, src, n, gbps, getenv("FAKECUDA_CORRUPT"));
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, CUstream s)
{
	CHECK("cuMemcpyHtoDAsync_v2");
	return copy_on(s, (void *)(unsigned long)dst, src, n, s ? B.h2d[s->dev] : 0);
}

CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, CUstream s)
{
	CHECK("cuMemcpyDtoHAsync_v2");
	return copy_on(s, dst, (void *)(unsigned long)src, n, s ? B.d2h[s->dev] : 0);
}

CUresult cuMemcpyPeerAsync(CUdeviceptr dst, CUcontext dctx, CUdeviceptr src, CUcontext sctx, size_t n, CUstream s)
{
	CHECK("cuMemcpyPeerAsync");
	if (!dctx || !sctx || !fake_peer_enabled(&B, sctx->dev, dctx->dev))
		return PEER_NOT_ENABLED;
	return copy_on(s, (void *)(unsigned long)dst, (void *)(unsigned long)src, n, B.peer[sctx->dev][dctx->dev]);
}

CUresult cuDeviceCanAccessPeer(int *can, CUdevice d, CUdevice peer)
{
	CHECK("cuDeviceCanAccessPeer");
	return fake_can_access_peer(&B, can, d, peer);
}

CUresult cuCtxEnablePeerAccess(CUcontext peer, unsigned flags)
{
	CHECK("cuCtxEnablePeerAccess");
	if (!F.current || !peer || flags)
		return INVALID_VALUE;
	return fake_enable_peer(&B, F.current->dev, peer->dev);
}

CUresult cuEventCreate(CUevent *e, unsigned flags)
{
	CHECK("cuEventCreate");
	(void)flags;
	return fake_event_create(&B, e);
}

CUresult cuEventDestroy_v2(CUevent e)
{
	fake_free(&B, e);
	return OK;
}

CUresult cuEventRecord(CUevent e, CUstream s)
{
	CHECK("cuEventRecord");
	return fake_event_record(e, s);
}

CUresult cuEventSynchronize(CUevent e)
{
	CHECK("cuEventSynchronize");
	return fake_event_synchronize(e);
}

CUresult cuEventElapsedTime(float *ms, CUevent a, CUevent b)
{
	CHECK("cuEventElapsedTime");
	return fake_event_elapsed(ms, a, b);
}
