/* Host<->GPU and GPU<->GPU bandwidth (rigtune bench --gpu), through a
 * vendor runtime loaded at run time (verify/gpu-cuda.c), each figure set
 * against the theoretical rate of the GPU's PCIe link from the probe,
 * with the link re-read while the copies run. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/sysroot.h"
#include "probes/host.h"

/* A runtime's few calls, as one table (a backend is a file and a row).
 * Each returns the runtime's own status, 0 on success. Handles are the
 * runtime's, opaque here; device memory is an integer address. */
struct gpu_runtime;
struct gpu_ops {
	const char *name;               /* "CUDA" */
	const char *library;            /* "libcuda.so.1" */
	const char *env;                /* "RIGTUNE_CUDA_LIBRARY" */
	size_t state_size;          /* the backend's struct gpu_runtime, whose first
				       member is the dlopen handle */
	const char *(*bind)(struct gpu_runtime *rt);   /* NULL, or the missing symbol */
	int (*init)(struct gpu_runtime *rt);
	int (*count)(struct gpu_runtime *rt, int *n);
	int (*bus_id)(struct gpu_runtime *rt, int dev, char *buf, int len);
	int (*open)(struct gpu_runtime *rt, int dev);  /* retain a context */
	void (*close)(struct gpu_runtime *rt, int dev);
	int (*select)(struct gpu_runtime *rt, int dev);
	int (*host_alloc)(struct gpu_runtime *rt, void **p, size_t n);
	void (*host_free)(struct gpu_runtime *rt, void *p);
	int (*dev_alloc)(struct gpu_runtime *rt, unsigned long long *p, size_t n);
	void (*dev_free)(struct gpu_runtime *rt, unsigned long long p);
	int (*stream_create)(struct gpu_runtime *rt, void **s);
	void (*stream_destroy)(struct gpu_runtime *rt, void *s);
	int (*to_device)(struct gpu_runtime *rt, unsigned long long dst, const void *src, size_t n, void *s);
	int (*to_host)(struct gpu_runtime *rt, void *dst, unsigned long long src, size_t n, void *s);
	int (*can_peer)(struct gpu_runtime *rt, int dev, int peer, int *can);
	int (*enable_peer)(struct gpu_runtime *rt, int dev, int peer); /* dev is current */
	int (*peer_copy)(struct gpu_runtime *rt, int dst_dev, unsigned long long dst, int src_dev,
			 unsigned long long src, size_t n, void *s);
	int (*event_create)(struct gpu_runtime *rt, void **e);
	void (*event_destroy)(struct gpu_runtime *rt, void *e);
	int (*event_record)(struct gpu_runtime *rt, void *e, void *s);
	int (*event_sync)(struct gpu_runtime *rt, void *e);
	int (*elapsed_ms)(struct gpu_runtime *rt, float *ms, void *start, void *stop);
	const char *(*error)(struct gpu_runtime *rt, int code);
};

extern const struct gpu_ops gpu_cuda_ops;   /* verify/gpu-cuda.c */
extern const struct gpu_ops gpu_hip_ops;    /* verify/gpu-hip.c */

/* One figure: bytes moved in a time, against a theoretical rate. */
struct gpu_rate {
	double gbps;                /* NAN: not measured */
	double fraction;            /* of the link's theoretical rate; NAN unknown */
};

struct gpu_result {
	char bdf[32];               /* sysfs form "0000:1b:00.0" */
	int index;                  /* the runtime's device index */
	int numa_node;              /* where its pinned host memory lives; UNKNOWN */
	double link_gbps;           /* theoretical, one direction: the link's capability */
	char link[48];              /* "Gen5 x16", or "" unknown */
	char under_load[48];        /* the link re-read during the copies, or "" */
	bool link_low;              /* trained below its capability while copying */
	struct gpu_rate h2d, d2h, bidir, h2d_all, d2h_all;
	bool data_checked;          /* a round trip ran */
	bool data_ok;               /* ... and what went there came back */
};

struct gpu_peer_result {
	int a, b;                   /* indexes in gpu_report.gpus */
	double gbps;                /* a -> b */
};

struct gpu_report {
	const char *runtime;        /* "CUDA" */
	char *library;              /* what was loaded */
	size_t bytes;               /* per copy */
	int reps;
	struct gpu_result *gpus;
	size_t ngpus;
	struct gpu_peer_result *peers;
	size_t npeers;
	char *error;                /* why the run stopped, or NULL */
};

struct gpu_bench_options {
	const struct gpu_ops *ops;  /* NULL: the first runtime whose library loads
				       (CUDA, then HIP) */
	const char *library;        /* with ops: NULL is $env, else ops->library */
	size_t bytes;               /* per copy; 0: 64 MiB */
	int reps;                   /* 0: 8 */
};

/* Measure every GPU the runtime reports. h: the probed host (links,
 * nodes); sr: where to re-read link status during the copies. 0 with
 * *ret set (ret->error says why a run stopped early, e.g. no runtime),
 * or -ENOMEM. */
int gpu_bench_run(const struct sysroot *sr, const struct host *h, const struct gpu_bench_options *opt,
		  struct gpu_report **ret);
void gpu_report_free(struct gpu_report *r);
/* Host-to-device below min (a share of the link, NAN: no threshold); a
 * GPU whose link is unknown is never below. */
bool gpu_result_low(const struct gpu_result *g, double min);

/* The same runtime and GPUs driven step by step, for the copies that run
 * beside a burn-in (verify/gpu-burnin.c). gpu_run_open loads the runtime
 * and sets up every GPU as gpu_bench_run does: 0 with *ret set (not ready
 * when its report's error says why), or -ENOMEM. */
struct gpu_run;
int gpu_run_open(const struct sysroot *sr, const struct host *h, const struct gpu_bench_options *opt,
		 struct gpu_run **ret);
/* A runtime loaded and every GPU set up. */
bool gpu_run_ready(const struct gpu_run *run);
/* GPUs (bdf, index), bytes and reps per copy batch, error. */
const struct gpu_report *gpu_run_report(const struct gpu_run *run);
/* Queue reps copies each way on GPU dev (its context made current in
 * the calling thread); then wait for them: bytes moved both ways and the
 * milliseconds the slower direction took. -EIO: the runtime failed, its
 * message in gpu_run_take_error. */
int gpu_run_issue(struct gpu_run *run, int dev);
int gpu_run_collect(struct gpu_run *run, int dev, double *bytes, double *ms);
char *gpu_run_take_error(struct gpu_run *run);
/* Free the GPUs, unload the runtime; the report is the caller's. */
struct gpu_report *gpu_run_close(struct gpu_run *run);
