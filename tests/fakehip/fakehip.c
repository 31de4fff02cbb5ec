/* A fake libamdhip64 (the HIP runtime) for rigtune bench --gpu's tests:
 * the calls rigtune makes, for GPUs that copy at a given bandwidth, in
 * virtual time as tests/fakecuda does (a stream's clock advances by
 * bytes / rate; events take their stream's clock). Copies really copy.
 * Environment:
 *   FAKEHIP_DEVICES=BDF=H2D/D2H,...  GPUs and their rates in GB/s
 *                                    (default: one GPU 0000:03:00.0 at 50/50)
 *   FAKEHIP_PEER=A-B=RATE,...        device indexes with peer access, GB/s
 *   FAKEHIP_FAIL=SYMBOL[:CODE]       that call fails (CODE, default 2: out of memory)
 *   FAKEHIP_LOG=FILE                 append "leak N" at exit
 * hipHostMalloc without hipHostMallocNumaUser is refused (rigtune sets
 * the node itself), as is a copy on a stream of another device. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_DEVICES 16
#define NUMA_USER 0x20000000

typedef int hipError_t;
typedef struct fake_stream *hipStream_t;
typedef struct fake_event *hipEvent_t;

enum { OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, NOT_INITIALIZED = 3, INVALID_DEVICE = 101,
       PEER_NOT_ENABLED = 705, INVALID_HANDLE = 400, PEER_UNSUPPORTED = 217 };

struct fake_stream { int dev; double clock; };
struct fake_event { double clock; int recorded; };

static struct {
	int init, count, current;
	char bdf[MAX_DEVICES][16];
	double h2d[MAX_DEVICES], d2h[MAX_DEVICES], peer[MAX_DEVICES][MAX_DEVICES];
	unsigned peers[MAX_DEVICES];
	long live;
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

static hipError_t failing(const char *name)
{
	const char *f = getenv("FAKEHIP_FAIL");
	size_t n = strlen(name);

	if (!f || strncmp(f, name, n) || (f[n] && f[n] != ':'))
		return OK;
	return f[n] == ':' ? atoi(f + n + 1) : OUT_OF_MEMORY;
}

#define CHECK(name)                             \
	do {                                    \
		hipError_t r_ = failing(name);  \
		if (r_)                         \
			return r_;              \
		if (!F.init)                    \
			return NOT_INITIALIZED; \
	} while (0)

static void report_leaks(void)
{
	const char *path = getenv("FAKEHIP_LOG");
	FILE *f = path ? fopen(path, "a") : NULL;

	if (f) {
		fprintf(f, "leak %ld\n", F.live);
		fclose(f);
	}
}

static void parse(void)
{
	const char *env = getenv("FAKEHIP_DEVICES");
	char *copy = strdup(env ? env : "0000:03:00.0=50/50"), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t && F.count < MAX_DEVICES; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');

		if (!eq)
			continue;
		*eq = '\0';
		snprintf(F.bdf[F.count], sizeof(F.bdf[0]), "%s", t);
		F.h2d[F.count] = atof(eq + 1);
		F.d2h[F.count] = strchr(eq + 1, '/') ? atof(strchr(eq + 1, '/') + 1) : F.h2d[F.count];
		F.count++;
	}
	free(copy);
	env = getenv("FAKEHIP_PEER");
	copy = strdup(env ? env : "");
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int a, b;
		double rate;

		if (sscanf(t, "%d-%d=%lf", &a, &b, &rate) == 3 && a >= 0 && b >= 0 && a < MAX_DEVICES && b < MAX_DEVICES)
			F.peer[a][b] = F.peer[b][a] = rate;
	}
	free(copy);
}

hipError_t hipInit(unsigned flags)
{
	hipError_t r = failing("hipInit");

	if (r || flags)
		return r ? r : INVALID_VALUE;
	if (!F.init) {
		parse();
		atexit(report_leaks);
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
	*n = F.count;
	return OK;
}

hipError_t hipDeviceGetPCIBusId(char *buf, int len, int dev)
{
	CHECK("hipDeviceGetPCIBusId");
	if (dev < 0 || dev >= F.count || len < 13)
		return INVALID_VALUE;
	snprintf(buf, (size_t)len, "%s", F.bdf[dev]);
	return OK;
}

hipError_t hipSetDevice(int dev)
{
	CHECK("hipSetDevice");
	if (dev < 0 || dev >= F.count)
		return INVALID_DEVICE;
	F.current = dev;
	return OK;
}

static hipError_t alloc(void **p, size_t n)
{
	*p = malloc(n ? n : 1);
	if (!*p)
		return OUT_OF_MEMORY;
	F.live++;
	return OK;
}

hipError_t hipHostMalloc(void **p, size_t n, unsigned flags)
{
	CHECK("hipHostMalloc");
	return flags & NUMA_USER ? alloc(p, n) : INVALID_VALUE;
}

hipError_t hipHostFree(void *p)
{
	free(p);
	F.live--;
	return OK;
}

hipError_t hipMalloc(void **p, size_t n)
{
	CHECK("hipMalloc");
	return alloc(p, n);
}

hipError_t hipFree(void *p)
{
	free(p);
	F.live--;
	return OK;
}

hipError_t hipStreamCreateWithFlags(hipStream_t *s, unsigned flags)
{
	CHECK("hipStreamCreateWithFlags");
	(void)flags;
	*s = calloc(1, sizeof(**s));
	if (!*s)
		return OUT_OF_MEMORY;
	(*s)->dev = F.current;
	F.live++;
	return OK;
}

hipError_t hipStreamDestroy(hipStream_t s)
{
	free(s);
	F.live--;
	return OK;
}

hipError_t hipMemcpyAsync(void *dst, const void *src, size_t n, int kind, hipStream_t s)
{
	CHECK("hipMemcpyAsync");
	if (!s || (kind != 1 && kind != 2) || s->dev != F.current)
		return INVALID_VALUE;
	memcpy(dst, src, n);
	s->clock += n / ((kind == 1 ? F.h2d : F.d2h)[s->dev] * 1e9);
	return OK;
}

hipError_t hipDeviceCanAccessPeer(int *can, int dev, int peer)
{
	CHECK("hipDeviceCanAccessPeer");
	if (dev < 0 || dev >= F.count || peer < 0 || peer >= F.count)
		return INVALID_DEVICE;
	*can = F.peer[dev][peer] > 0;
	return OK;
}

hipError_t hipDeviceEnablePeerAccess(int peer, unsigned flags)
{
	CHECK("hipDeviceEnablePeerAccess");
	if (peer < 0 || peer >= F.count || flags)
		return INVALID_VALUE;
	if (!(F.peer[F.current][peer] > 0))
		return PEER_UNSUPPORTED;
	F.peers[F.current] |= 1u << peer;
	return OK;
}

hipError_t hipMemcpyPeerAsync(void *dst, int dst_dev, const void *src, int src_dev, size_t n, hipStream_t s)
{
	CHECK("hipMemcpyPeerAsync");
	if (!s || src_dev < 0 || src_dev >= F.count || dst_dev < 0 || dst_dev >= F.count)
		return INVALID_VALUE;
	if (!(F.peers[src_dev] & (1u << dst_dev)))
		return PEER_NOT_ENABLED;
	memcpy(dst, src, n);
	s->clock += n / (F.peer[src_dev][dst_dev] * 1e9);
	return OK;
}

hipError_t hipEventCreate(hipEvent_t *e)
{
	CHECK("hipEventCreate");
	*e = calloc(1, sizeof(**e));
	if (!*e)
		return OUT_OF_MEMORY;
	F.live++;
	return OK;
}

hipError_t hipEventDestroy(hipEvent_t e)
{
	free(e);
	F.live--;
	return OK;
}

hipError_t hipEventRecord(hipEvent_t e, hipStream_t s)
{
	CHECK("hipEventRecord");
	if (!e || !s)
		return INVALID_HANDLE;
	e->clock = s->clock;
	e->recorded = 1;
	return OK;
}

hipError_t hipEventSynchronize(hipEvent_t e)
{
	CHECK("hipEventSynchronize");
	return e && e->recorded ? OK : INVALID_HANDLE;
}

hipError_t hipEventElapsedTime(float *ms, hipEvent_t a, hipEvent_t b)
{
	CHECK("hipEventElapsedTime");
	if (!a || !b || !a->recorded || !b->recorded)
		return INVALID_HANDLE;
	*ms = (float)((b->clock - a->clock) * 1e3);
	return OK;
}
