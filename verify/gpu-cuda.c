/* The CUDA driver API (libcuda.so.1, loaded with dlopen: no build-time
 * dependency) as a gpu_ops row: primary contexts, pinned host memory,
 * asynchronous copies on non-blocking streams, events for timing, peer
 * access. Versioned symbols (_v2) are the ones the driver exports for
 * 64-bit sizes. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/dlsym.h"
#include "common/util.h"
#include "verify/gpu-bench.h"

#define CUDA_MAX_DEVICES 64
#define CU_STREAM_NON_BLOCKING 0x1
#define CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED 704

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef void *CUcontext;
typedef void *CUstream;
typedef void *CUevent;

struct gpu_runtime {
	void *dl;               /* first: see gpu_ops.state_size */
	CUcontext ctx[CUDA_MAX_DEVICES];
	CUresult (*init)(unsigned);
	CUresult (*error_string)(CUresult, const char **);
	CUresult (*count)(int *);
	CUresult (*get)(CUdevice *, int);
	CUresult (*bus_id)(char *, int, CUdevice);
	CUresult (*retain)(CUcontext *, CUdevice);
	CUresult (*release)(CUdevice);
	CUresult (*set_current)(CUcontext);
	CUresult (*host_alloc)(void **, size_t, unsigned);
	CUresult (*host_free)(void *);
	CUresult (*dev_alloc)(CUdeviceptr *, size_t);
	CUresult (*dev_free)(CUdeviceptr);
	CUresult (*stream_create)(CUstream *, unsigned);
	CUresult (*stream_destroy)(CUstream);
	CUresult (*htod)(CUdeviceptr, const void *, size_t, CUstream);
	CUresult (*dtoh)(void *, CUdeviceptr, size_t, CUstream);
	CUresult (*peer_copy)(CUdeviceptr, CUcontext, CUdeviceptr, CUcontext, size_t, CUstream);
	CUresult (*can_peer)(int *, CUdevice, CUdevice);
	CUresult (*enable_peer)(CUcontext, unsigned);
	CUresult (*event_create)(CUevent *, unsigned);
	CUresult (*event_destroy)(CUevent);
	CUresult (*event_record)(CUevent, CUstream);
	CUresult (*event_sync)(CUevent);
	CUresult (*elapsed)(float *, CUevent, CUevent);
};

static const char *cuda_bind(struct gpu_runtime *rt)
{
	static const struct dl_symbol syms[] = {
		{"cuInit", offsetof(struct gpu_runtime, init)},
		{"cuDeviceGetCount", offsetof(struct gpu_runtime, count)},
		{"cuDeviceGet", offsetof(struct gpu_runtime, get)},
		{"cuDeviceGetPCIBusId", offsetof(struct gpu_runtime, bus_id)},
		{"cuDevicePrimaryCtxRetain", offsetof(struct gpu_runtime, retain)},
		{"cuDevicePrimaryCtxRelease_v2", offsetof(struct gpu_runtime, release)},
		{"cuCtxSetCurrent", offsetof(struct gpu_runtime, set_current)},
		{"cuMemHostAlloc", offsetof(struct gpu_runtime, host_alloc)},
		{"cuMemFreeHost", offsetof(struct gpu_runtime, host_free)},
		{"cuMemAlloc_v2", offsetof(struct gpu_runtime, dev_alloc)},
		{"cuMemFree_v2", offsetof(struct gpu_runtime, dev_free)},
		{"cuStreamCreate", offsetof(struct gpu_runtime, stream_create)},
		{"cuStreamDestroy_v2", offsetof(struct gpu_runtime, stream_destroy)},
		{"cuMemcpyHtoDAsync_v2", offsetof(struct gpu_runtime, htod)},
		{"cuMemcpyDtoHAsync_v2", offsetof(struct gpu_runtime, dtoh)},
		{"cuMemcpyPeerAsync", offsetof(struct gpu_runtime, peer_copy)},
		{"cuDeviceCanAccessPeer", offsetof(struct gpu_runtime, can_peer)},
		{"cuCtxEnablePeerAccess", offsetof(struct gpu_runtime, enable_peer)},
		{"cuEventCreate", offsetof(struct gpu_runtime, event_create)},
		{"cuEventDestroy_v2", offsetof(struct gpu_runtime, event_destroy)},
		{"cuEventRecord", offsetof(struct gpu_runtime, event_record)},
		{"cuEventSynchronize", offsetof(struct gpu_runtime, event_sync)},
		{"cuEventElapsedTime", offsetof(struct gpu_runtime, elapsed)},
	};
	static const struct dl_symbol optional[] = {
		{"cuGetErrorString", offsetof(struct gpu_runtime, error_string)},
	};

	dl_bind_optional(rt->dl, rt, optional, ARRAY_SIZE(optional));
	return dl_bind(rt->dl, rt, syms, ARRAY_SIZE(syms));
}

static int cuda_init(struct gpu_runtime *rt)
{
	return rt->init(0);
}

static int cuda_count(struct gpu_runtime *rt, int *n)
{
	int r = rt->count(n);

	if (r == 0 && *n > CUDA_MAX_DEVICES)
		*n = CUDA_MAX_DEVICES;
	return r;
}

static int cuda_bus_id(struct gpu_runtime *rt, int dev, char *buf, int len)
{
	CUdevice d;
	int r = rt->get(&d, dev);

	return r ? r : rt->bus_id(buf, len, d);
}

static int cuda_open(struct gpu_runtime *rt, int dev)
{
	CUdevice d;
	int r = rt->get(&d, dev);

	return r ? r : rt->retain(&rt->ctx[dev], d);
}

static void cuda_close(struct gpu_runtime *rt, int dev)
{
	if (rt->ctx[dev])
		(void)rt->release(dev);
	rt->ctx[dev] = NULL;
}

static int cuda_select(struct gpu_runtime *rt, int dev)
{
	return rt->set_current(rt->ctx[dev]);
}

static int cuda_host_alloc(struct gpu_runtime *rt, void **p, size_t n)
{
	return rt->host_alloc(p, n, 0);
}

static void cuda_host_free(struct gpu_runtime *rt, void *p)
{
	(void)rt->host_free(p);
}

static int cuda_dev_alloc(struct gpu_runtime *rt, unsigned long long *p, size_t n)
{
	return rt->dev_alloc(p, n);
}

static void cuda_dev_free(struct gpu_runtime *rt, unsigned long long p)
{
	(void)rt->dev_free(p);
}

static int cuda_stream_create(struct gpu_runtime *rt, void **s)
{
	return rt->stream_create(s, CU_STREAM_NON_BLOCKING);
}

static void cuda_stream_destroy(struct gpu_runtime *rt, void *s)
{
	(void)rt->stream_destroy(s);
}

static int cuda_to_device(struct gpu_runtime *rt, unsigned long long dst, const void *src, size_t n, void *s)
{
	return rt->htod(dst, src, n, s);
}

static int cuda_to_host(struct gpu_runtime *rt, void *dst, unsigned long long src, size_t n, void *s)
{
	return rt->dtoh(dst, src, n, s);
}

static int cuda_can_peer(struct gpu_runtime *rt, int dev, int peer, int *can)
{
	return rt->can_peer(can, dev, peer);
}

static int cuda_enable_peer(struct gpu_runtime *rt, int dev, int peer)
{
	int r = rt->enable_peer(rt->ctx[peer], 0);

	(void)dev;
	return r == CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED ? 0 : r;
}

static int cuda_peer_copy(struct gpu_runtime *rt, int dst_dev, unsigned long long dst, int src_dev,
			  unsigned long long src, size_t n, void *s)
{
	return rt->peer_copy(dst, rt->ctx[dst_dev], src, rt->ctx[src_dev], n, s);
}

static int cuda_event_create(struct gpu_runtime *rt, void **e)
{
	return rt->event_create(e, 0);
}

static void cuda_event_destroy(struct gpu_runtime *rt, void *e)
{
	(void)rt->event_destroy(e);
}

static int cuda_event_record(struct gpu_runtime *rt, void *e, void *s)
{
	return rt->event_record(e, s);
}

static int cuda_event_sync(struct gpu_runtime *rt, void *e)
{
	return rt->event_sync(e);
}

static int cuda_elapsed_ms(struct gpu_runtime *rt, float *ms, void *start, void *stop)
{
	return rt->elapsed(ms, start, stop);
}

static const char *cuda_error(struct gpu_runtime *rt, int code)
{
	const char *s = NULL;

	if (rt->error_string && rt->error_string(code, &s) == 0 && s)
		return s;
	return NULL;
}

const struct gpu_ops gpu_cuda_ops = {
	.name = "CUDA", .library = "libcuda.so.1", .env = "RIGTUNE_CUDA_LIBRARY",
	.state_size = sizeof(struct gpu_runtime), .bind = cuda_bind, .init = cuda_init, .count = cuda_count, .bus_id = cuda_bus_id,
	.open = cuda_open, .close = cuda_close, .select = cuda_select,
	.host_alloc = cuda_host_alloc, .host_free = cuda_host_free,
	.dev_alloc = cuda_dev_alloc, .dev_free = cuda_dev_free,
	.stream_create = cuda_stream_create, .stream_destroy = cuda_stream_destroy,
	.to_device = cuda_to_device, .to_host = cuda_to_host,
	.can_peer = cuda_can_peer, .enable_peer = cuda_enable_peer, .peer_copy = cuda_peer_copy,
	.event_create = cuda_event_create, .event_destroy = cuda_event_destroy,
	.event_record = cuda_event_record, .event_sync = cuda_event_sync, .elapsed_ms = cuda_elapsed_ms,
	.error = cuda_error,
};

