/* A fake libamdhip64 (the HIP runtime) for rigtune bench --gpu's tests:
 * the calls rigtune makes, for GPUs that copy at a given bandwidth, in
 * virtual time (tests/fakegpu/fakegpu.h: a stream's clock advances by
 * bytes / rate; events take their stream's clock). Copies really copy.
 * Environment:
 *   FAKEHIP_DEVICES=BDF=H2D/D2H,...  GPUs and their rates in GB/s
 *                                    (default: one GPU 0000:03:00.0 at 50/50)
 *   FAKEHIP_PEER=A-B=RATE,...        device indexes with peer access, GB/s
 *   FAKEHIP_FAIL=SYMBOL[:CODE]       that call fails (CODE, default 2: out of memory)
 *   FAKEHIP_LOG=FILE                 append "leak N" at exit
 * hipHostMalloc without hipHostMallocNumaUser is refused (rigtune sets
 * the node itself), as is a copy on a stream of another device. */
#include "../fakegpu/fakegpu.h"

#define EXPORT __attribute__((visibility("default")))
#define NUMA_USER 0x20000000

typedef int hipError_t;
typedef struct fake_stream *hipStream_t;
typedef struct fake_event *hipEvent_t;

static struct fake_board B;
static struct {
	int init, current;
} F;

EXPORT hipError_t hipInit(unsigned flags);
EXPORT const char *hipGetErrorString(hipError_t r);
EXPORT hipError_t hipGetDeviceCount(int *n);
EXPORT hipError_t hipDeviceGetPCIBusId(char *buf, int len, int dev);
EXPORT hipError_t hipSetDevice(int dev);
EXPORT hipError_t hipHostMalloc(void **p, size_t n, unsigned flags);
EXPORT hipError_t hipHostFree(void *p);
EXPORT hipError_t hipMalloc(void **p, size_t n);
EXPORT hipError_t hipFree(void *p);
EXPORT hipError_t hipStreamCreateWithFlags(hipStream_t *s, unsigned flags);
EXPORT hipError_t hipStreamDestroy(hipStream_t s);
EXPORT hipError_t hipMemcpyAsync(void *dst, const void *src, size_t n, int kind, hipStream_t s);
EXPORT hipError_t hipDeviceCanAccessPeer(int *can, int dev, int peer);
EXPORT hipError_t hipDeviceEnablePeerAccess(int peer, unsigned flags);
EXPORT hipError_t hipMemcpyPeerAsync(void *dst, int dst_dev, const void *src, int src_dev, size_t n, hipStream_t s);
EXPORT hipError_t hipEventCreate(hipEvent_t *e);
EXPORT hipError_t hipEventDestroy(hipEvent_t e);
EXPORT hipError_t hipEventRecord(hipEvent_t e, hipStream_t s);
EXPORT hipError_t hipEventSynchronize(hipEvent_t e);
EXPORT hipError_t hipEventElapsedTime(float *ms, hipEvent_t a, hipEvent_t b);

#define CHECK(name) FAKE_CHECK("FAKEHIP_FAIL", name, F.init, NOT_INITIALIZED)

/* At unload (dlclose) or exit, whichever comes first: a destructor, not
 * atexit, which sanitizers run after the library is unmapped. */
__attribute__((destructor)) static void report_leaks(void)
{
	if (!F.init)
		return;
	fake_log("FAKEHIP_LOG", "leak", B.live);
}

hipError_t hipInit(unsigned flags)
{
	hipError_t r = fake_failing("FAKEHIP_FAIL", "hipInit", OUT_OF_MEMORY);
	const char *devices = getenv("FAKEHIP_DEVICES");

	if (r || flags)
		return r ? r : INVALID_VALUE;
	if (!F.init) {
		fake_board_parse(&B, devices ? devices : "0000:03:00.0=50/50", getenv("FAKEHIP_PEER"));
	}
	F.init = 1;
	return OK;
}

const char *hipGetErrorString(hipError_t r)
{
	switch (r) {
	case OUT_OF_MEMORY: return "hipErrorOutOfMemory";
	case 100: return "hipErrorNoDevice";
	default: return "hipErrorUnknown";
	}
}

hipError_t hipGetDeviceCount(int *n)
{
	CHECK("hipGetDeviceCount");
	*n = B.count;
	return OK;
}

hipError_t hipDeviceGetPCIBusId(char *buf, int len, int dev)
{
	CHECK("hipDeviceGetPCIBusId");
	return fake_bus_id(&B, buf, len, dev);
}

hipError_t hipSetDevice(int dev)
{
	CHECK("hipSetDevice");
	if (!fake_device(&B, dev))
		return INVALID_DEVICE;
	F.current = dev;
	return OK;
}

hipError_t hipHostMalloc(void **p, size_t n, unsigned flags)
{
	CHECK("hipHostMalloc");
	return flags & NUMA_USER ? fake_alloc(&B, p, n) : INVALID_VALUE;
}

hipError_t hipHostFree(void *p)
{
	fake_free(&B, p);
	return OK;
}

hipError_t hipMalloc(void **p, size_t n)
{
	CHECK("hipMalloc");
	return fake_alloc(&B, p, n);
}

hipError_t hipFree(void *p)
{
	fake_free(&B, p);
	return OK;
}

hipError_t hipStreamCreateWithFlags(hipStream_t *s, unsigned flags)
{
	CHECK("hipStreamCreateWithFlags");
	(void)flags;
	return fake_stream_create(&B, s, F.current);
}

hipError_t hipStreamDestroy(hipStream_t s)
{
	fake_free(&B, s);
	return OK;
}

/* kind 1: host to device, 2: device to host, on the current device. */
hipError_t hipMemcpyAsync(void *dst, const void *src, size_t n, int kind, hipStream_t s)
{
	CHECK("hipMemcpyAsync");
	if (!s || (kind != 1 && kind != 2) || s->dev != F.current)
		return INVALID_VALUE;
	return fake_copy(s, dst, src, n, (kind == 1 ? B.h2d : B.d2h)[s->dev], false);
}

hipError_t hipDeviceCanAccessPeer(int *can, int dev, int peer)
{
	CHECK("hipDeviceCanAccessPeer");
	return fake_can_access_peer(&B, can, dev, peer);
}

hipError_t hipDeviceEnablePeerAccess(int peer, unsigned flags)
{
	CHECK("hipDeviceEnablePeerAccess");
	if (!fake_device(&B, peer) || flags)
		return INVALID_VALUE;
	return fake_enable_peer(&B, F.current, peer);
}

hipError_t hipMemcpyPeerAsync(void *dst, int dst_dev, const void *src, int src_dev, size_t n, hipStream_t s)
{
	CHECK("hipMemcpyPeerAsync");
	if (!s || !fake_device(&B, src_dev) || !fake_device(&B, dst_dev))
		return INVALID_VALUE;
	if (!fake_peer_enabled(&B, src_dev, dst_dev))
		return PEER_NOT_ENABLED;
	return fake_copy(s, dst, src, n, B.peer[src_dev][dst_dev], false);
}

hipError_t hipEventCreate(hipEvent_t *e)
{
	CHECK("hipEventCreate");
	return fake_event_create(&B, e);
}

hipError_t hipEventDestroy(hipEvent_t e)
{
	fake_free(&B, e);
	return OK;
}

hipError_t hipEventRecord(hipEvent_t e, hipStream_t s)
{
	CHECK("hipEventRecord");
	return fake_event_record(e, s);
}

hipError_t hipEventSynchronize(hipEvent_t e)
{
	CHECK("hipEventSynchronize");
	return fake_event_synchronize(e);
}

hipError_t hipEventElapsedTime(float *ms, hipEvent_t a, hipEvent_t b)
{
	CHECK("hipEventElapsedTime");
	return fake_event_elapsed(ms, a, b);
}
