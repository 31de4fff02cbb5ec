/* The HIP runtime (libamdhip64.so, loaded with dlopen: no build-time
 * dependency) as a gpu_ops row. HIP has no contexts to hold: a device is
 * made current with hipSetDevice. Pinned host memory is asked with
 * hipHostMallocNumaUser, so that it follows the NUMA policy the engine
 * set (the GPU's node) rather than HIP's own choice. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dlsym.h"
#include "common/util.h"
#include "verify/gpu-bench.h"

#define HIP_STREAM_NON_BLOCKING 0x1
#define HIP_HOST_MALLOC_NUMA_USER 0x20000000
#define HIP_MEMCPY_HOST_TO_DEVICE 1
#define HIP_MEMCPY_DEVICE_TO_HOST 2
#define HIP_ERROR_PEER_ACCESS_ALREADY_ENABLED 704

typedef int hipError_t;
typedef void *hipStream_t;
typedef void *hipEvent_t;

struct gpu_runtime {
	void *dl;               /* first: see gpu_ops.state_size */
	hipError_t (*init)(unsigned);
	const char *(*error_string)(hipError_t);
	hipError_t (*count)(int *);
	hipError_t (*bus_id)(char *, int, int);
	hipError_t (*set_device)(int);
	hipError_t (*host_alloc)(void **, size_t, unsigned);
	hipError_t (*host_free)(void *);
	hipError_t (*dev_alloc)(void **, size_t);
	hipError_t (*dev_free)(void *);
	hipError_t (*stream_create)(hipStream_t *, unsigned);
	hipError_t (*stream_destroy)(hipStream_t);
	hipError_t (*copy)(void *, const void *, size_t, int, hipStream_t);
	hipError_t (*can_peer)(int *, int, int);
	hipError_t (*enable_peer)(int, unsigned);
	hipError_t (*peer_copy)(void *, int, const void *, int, size_t, hipStream_t);
	hipError_t (*event_create)(hipEvent_t *);
	hipError_t (*event_destroy)(hipEvent_t);
	hipError_t (*event_record)(hipEvent_t, hipStream_t);
	hipError_t (*event_sync)(hipEvent_t);
	hipError_t (*elapsed)(float *, hipEvent_t, hipEvent_t);
};

static const char *hip_bind(struct gpu_runtime *rt)
{
	static const struct dl_symbol syms[] = {
		{"hipInit", offsetof(struct gpu_runtime, init)},
		{"hipGetDeviceCount", offsetof(struct gpu_runtime, count)},
		{"hipDeviceGetPCIBusId", offsetof(struct gpu_runtime, bus_id)},
		{"hipSetDevice", offsetof(struct gpu_runtime, set_device)},
		{"hipHostMalloc", offsetof(struct gpu_runtime, host_alloc)},
		{"hipHostFree", offsetof(struct gpu_runtime, host_free)},
		{"hipMalloc", offsetof(struct gpu_runtime, dev_alloc)},
		{"hipFree", offsetof(struct gpu_runtime, dev_free)},
		{"hipStreamCreateWithFlags", offsetof(struct gpu_runtime, stream_create)},
		{"hipStreamDestroy", offsetof(struct gpu_runtime, stream_destroy)},
		{"hipMemcpyAsync", offsetof(struct gpu_runtime, copy)},
		{"hipDeviceCanAccessPeer", offsetof(struct gpu_runtime, can_peer)},
		{"hipDeviceEnablePeerAccess", offsetof(struct gpu_runtime, enable_peer)},
		{"hipMemcpyPeerAsync", offsetof(struct gpu_runtime, peer_copy)},
		{"hipEventCreate", offsetof(struct gpu_runtime, event_create)},
		{"hipEventDestroy", offsetof(struct gpu_runtime, event_destroy)},
		{"hipEventRecord", offsetof(struct gpu_runtime, event_record)},
		{"hipEventSynchronize", offsetof(struct gpu_runtime, event_sync)},
		{"hipEventElapsedTime", offsetof(struct gpu_runtime, elapsed)},
	};
	static const struct dl_symbol optional[] = {
		{"hipGetErrorString", offsetof(struct gpu_runtime, error_string)},
	};

	dl_bind_optional(rt->dl, rt, optional, ARRAY_SIZE(optional));
	return dl_bind(rt->dl, rt, syms, ARRAY_SIZE(syms));
}

static int hip_init(struct gpu_runtime *rt)
{
	return rt->init(0);
}

static int hip_count(struct gpu_runtime *rt, int *n)
{
	return rt->count(n);
}

static int hip_bus_id(struct gpu_runtime *rt, int dev, char *buf, int len)
{
	return rt->bus_id(buf, len, dev);
}

static int hip_open(struct gpu_runtime *rt, int dev)
{
	return rt->set_device(dev);
}

static void hip_close(struct gpu_runtime *rt, int dev)
{
	(void)rt, (void)dev;
}

static int hip_select(struct gpu_runtime *rt, int dev)
{
	return rt->set_device(dev);
}

static int hip_host_alloc(struct gpu_runtime *rt, void **p, size_t n)
{
	return rt->host_alloc(p, n, HIP_HOST_MALLOC_NUMA_USER);
}

static void hip_host_free(struct gpu_runtime *rt, void *p)
{
	(void)rt->host_free(p);
}

static int hip_dev_alloc(struct gpu_runtime *rt, unsigned long long *p, size_t n)
{
	void *d = NULL;
	int r = rt->dev_alloc(&d, n);

	if (!r)
		*p = (unsigned long long)(uintptr_t)d;
	return r;
}

static void hip_dev_free(struct gpu_runtime *rt, unsigned long long p)
{
	(void)rt->dev_free((void *)(uintptr_t)p);
}

static int hip_stream_create(struct gpu_runtime *rt, void **s)
{
	return rt->stream_create(s, HIP_STREAM_NON_BLOCKING);
}

static void hip_stream_destroy(struct gpu_runtime *rt, void *s)
{
	(void)rt->stream_destroy(s);
}

static int hip_to_device(struct gpu_runtime *rt, unsigned long long dst, const void *src, size_t n, void *s)
{
	return rt->copy((void *)(uintptr_t)dst, src, n, HIP_MEMCPY_HOST_TO_DEVICE, s);
}

static int hip_to_host(struct gpu_runtime *rt, void *dst, unsigned long long src, size_t n, void *s)
{
	return rt->copy(dst, (const void *)(uintptr_t)src, n, HIP_MEMCPY_DEVICE_TO_HOST, s);
}

static int hip_can_peer(struct gpu_runtime *rt, int dev, int peer, int *can)
{
	return rt->can_peer(can, dev, peer);
}

static int hip_enable_peer(struct gpu_runtime *rt, int dev, int peer)
{
	int r = rt->enable_peer(peer, 0);

	(void)dev;
	return r == HIP_ERROR_PEER_ACCESS_ALREADY_ENABLED ? 0 : r;
}

static int hip_peer_copy(struct gpu_runtime *rt, int dst_dev, unsigned long long dst, int src_dev,
			 unsigned long long src, size_t n, void *s)
{
	return rt->peer_copy((void *)(uintptr_t)dst, dst_dev, (const void *)(uintptr_t)src, src_dev, n, s);
}

static int hip_event_create(struct gpu_runtime *rt, void **e)
{
	return rt->event_create(e);
}

static void hip_event_destroy(struct gpu_runtime *rt, void *e)
{
	(void)rt->event_destroy(e);
}

static int hip_event_record(struct gpu_runtime *rt, void *e, void *s)
{
	return rt->event_record(e, s);
}

static int hip_event_sync(struct gpu_runtime *rt, void *e)
{
	return rt->event_sync(e);
}

static int hip_elapsed_ms(struct gpu_runtime *rt, float *ms, void *start, void *stop)
{
	return rt->elapsed(ms, start, stop);
}

static const char *hip_error(struct gpu_runtime *rt, int code)
{
	return rt->error_string ? rt->error_string(code) : NULL;
}

const struct gpu_ops gpu_hip_ops = {
	.name = "HIP", .library = "libamdhip64.so", .env = "RIGTUNE_HIP_LIBRARY",
	.state_size = sizeof(struct gpu_runtime), .bind = hip_bind, .init = hip_init, .count = hip_count, .bus_id = hip_bus_id,
	.open = hip_open, .close = hip_close, .select = hip_select,
	.host_alloc = hip_host_alloc, .host_free = hip_host_free,
	.dev_alloc = hip_dev_alloc, .dev_free = hip_dev_free,
	.stream_create = hip_stream_create, .stream_destroy = hip_stream_destroy,
	.to_device = hip_to_device, .to_host = hip_to_host,
	.can_peer = hip_can_peer, .enable_peer = hip_enable_peer, .peer_copy = hip_peer_copy,
	.event_create = hip_event_create, .event_destroy = hip_event_destroy,
	.event_record = hip_event_record, .event_sync = hip_event_sync, .elapsed_ms = hip_elapsed_ms,
	.error = hip_error,
};
