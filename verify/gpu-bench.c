/* rigtune bench --gpu: host<->device bandwidth per GPU with pinned host
 * memory on the GPU's own NUMA node (H2D, D2H, both at once), every GPU
 * at once (GPUs behind one switch share its uplink), and GPU->GPU peer
 * copies where the runtime allows peer access. Timed with the runtime's
 * events; each figure is set against the theoretical rate of the GPU's
 * PCIe link (the lower capability of its two ends, from the probe). While
 * the copies run, the link is re-read (pci_link_read_now: the probes own
 * the PCI reads): an idle link at 2.5 GT/s trains up under load, and only
 * a link still low then is a fault. */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "probes/pci.h"
#include "verify/gpu-bench.h"
#include "verify/numa-lib.h"

#define DEFAULT_BYTES (64u << 20)
#define DEFAULT_REPS 8
#define MAX_CPUS 8192        /* the affinity mask saved around a NUMA binding */

struct gpu_slot {
	void *out, *back;                  /* pinned host buffers */
	unsigned long long dev_a, dev_b;   /* device buffers */
	void *up, *down;                   /* streams: to the device, to the host */
	void *ev[4];                       /* start/stop on up, start/stop on down */
	bool opened;
};

struct gpu_run {
	const struct gpu_ops *ops;
	void *dl;                          /* the runtime's library */
	struct numa_lib numa;              /* to place host buffers, */
	bool has_numa;                     /* when loaded and NUMA is on */
	struct gpu_runtime *rt;
	const struct sysroot *sr;
	const struct host *h;
	struct gpu_report *r;
	struct gpu_slot *slots;
};

static int set_error(struct gpu_report *r, char *msg)
{
	free(r->error);
	r->error = msg;
	return msg ? -EIO : -ENOMEM;
}

/* Stop the run with "GPUi BDF: what: runtime's message". Returns -EIO. */
static int run_fail(struct gpu_run *run, int dev, const char *what, int code)
{
	const char *msg = run->ops->error(run->rt, code);
	char num[32];

	if (!msg) {
		snprintf(num, sizeof(num), "%s error %d", run->ops->name, code);
		msg = num;
	}
	free(run->r->error);
	if (dev >= 0)
		run->r->error = xasprintf("GPU%d %s: %s: %s", dev, run->r->gpus[dev].bdf, what, msg);
	else
		run->r->error = xasprintf("%s: %s", what, msg);
	return run->r->error ? -EIO : -ENOMEM;
}

#define TRY(run, dev, what, call)                                  \
	do {                                                       \
		int c_ = (call);                                   \
		if (c_)                                            \
			return run_fail((run), (dev), (what), c_); \
	} while (0)

/* ---- the link, from the probe and re-read under load ------------------ */

static void describe_link(char *buf, size_t size, double gts, int width)
{
	int gen = pci_gen_from_speed(gts);

	if (gen > 0 && width > 0)
		snprintf(buf, size, "Gen%d x%d", gen, width);
	else if (gts > 0 && width > 0)
		snprintf(buf, size, "%.1f GT/s x%d", gts, width);
	else
		buf[0] = '\0';
}

static void link_capability(const struct host *h, struct gpu_result *g)
{
	const struct pci_device *d = host_pci_device(h, g->bdf);
	double speed;
	int width;

	g->numa_node = d ? d->numa_node : UNKNOWN;
	g->link_gbps = NAN;
	if (!d || !d->has_link)
		return;
	pci_hop_capability(&h->pci, d, &speed, &width);
	g->link_gbps = pci_bandwidth_gbps(speed, width);
	describe_link(g->link, sizeof(g->link), speed, width);
}

/* While copies are in flight: what the link runs at now. */
static void link_under_load(const struct sysroot *sr, struct gpu_result *g)
{
	struct pci_link now;

	if (pci_link_read_now(sr, g->bdf, &now) < 0)
		return;
	describe_link(g->under_load, sizeof(g->under_load), now.speed_gts, now.width);
	g->link_low = g->link_gbps > 0 && now.bandwidth_gbps < g->link_gbps * 0.99;
}

/* GB/s to the MB/s: event times are single floats, finer is noise. */
static double gbps_of(double bytes, float ms)
{
	return ms > 0 ? round(bytes / (ms * 1e-3) / 1e6) / 1e3 : NAN;
}

static struct gpu_rate rate_of(const struct gpu_result *g, double bytes, float ms)
{
	struct gpu_rate x = {.gbps = gbps_of(bytes, ms), .fraction = NAN};

	if (g->link_gbps > 0)
		x.fraction = x.gbps / g->link_gbps;
	return x;
}

/* ---- setting up a GPU ----------------------------------------------------- */

static int bus_id(struct gpu_run *run, int dev)
{
	char buf[64] = "";
	unsigned domain, bus, slot, fn;

	TRY(run, dev, "PCI bus id", run->ops->bus_id(run->rt, dev, buf, sizeof(buf)));
	if (pci_parse_bdf(buf, &domain, &bus, &slot, &fn) < 0)
		return set_error(run->r, xasprintf("GPU%d: PCI bus id '%.*s' is not one", dev, 40, buf));
	snprintf(run->r->gpus[dev].bdf, sizeof(run->r->gpus[dev].bdf), "%04x:%02x:%02x.%x", domain, bus, slot, fn);
	return 0;
}

/* Pinned host memory on the GPU's node: the thread runs there and
 * prefers its memory while the runtime allocates and pins the pages;
 * then it gets its own CPU affinity (a taskset, a cpuset) back. */
static int host_buffers(struct gpu_run *run, int dev, struct gpu_slot *s)
{
	int node = run->r->gpus[dev].numa_node, r;
	bool bind = node >= 0 && run->has_numa && node <= run->numa.max_node();
	size_t size = CPU_ALLOC_SIZE(MAX_CPUS);
	cpu_set_t *saved = bind ? CPU_ALLOC(MAX_CPUS) : NULL;

	if (bind && (!saved || sched_getaffinity(0, size, saved) < 0))
		bind = false; /* cannot put it back: allocate where we are */
	if (bind) {
		run->numa.run_on_node(node);
		run->numa.set_preferred(node);
	}
	r = run->ops->host_alloc(run->rt, &s->out, run->r->bytes);
	if (!r)
		r = run->ops->host_alloc(run->rt, &s->back, run->r->bytes);
	if (bind) {
		run->numa.set_localalloc();
		(void)sched_setaffinity(0, size, saved);
	}
	if (saved)
		CPU_FREE(saved);
	TRY(run, dev, "pinned host memory", r);
	for (size_t i = 0; i < run->r->bytes; i++)
		((unsigned char *)s->out)[i] = (unsigned char)(i * 7 + (size_t)dev);
	return 0;
}

static int setup_gpu(struct gpu_run *run, int dev)
{
	const struct gpu_ops *o = run->ops;
	struct gpu_slot *s = &run->slots[dev];
	int r;

	r = bus_id(run, dev);
	if (r < 0)
		return r;
	run->r->gpus[dev].index = dev;
	run->r->gpus[dev].h2d = run->r->gpus[dev].d2h = run->r->gpus[dev].bidir = (struct gpu_rate){NAN, NAN};
	run->r->gpus[dev].h2d_all = run->r->gpus[dev].d2h_all = run->r->gpus[dev].h2d;
	link_capability(run->h, &run->r->gpus[dev]);
	TRY(run, dev, "context", o->open(run->rt, dev));
	s->opened = true;
	TRY(run, dev, "context", o->select(run->rt, dev));
	r = host_buffers(run, dev, s);
	if (r < 0)
		return r;
	TRY(run, dev, "device memory", o->dev_alloc(run->rt, &s->dev_a, run->r->bytes));
	TRY(run, dev, "device memory", o->dev_alloc(run->rt, &s->dev_b, run->r->bytes));
	TRY(run, dev, "stream", o->stream_create(run->rt, &s->up));
	TRY(run, dev, "stream", o->stream_create(run->rt, &s->down));
	for (size_t i = 0; i < ARRAY_SIZE(s->ev); i++)
		TRY(run, dev, "event", o->event_create(run->rt, &s->ev[i]));
	return 0;
}

static void teardown_gpu(struct gpu_run *run, int dev)
{
	const struct gpu_ops *o = run->ops;
	struct gpu_slot *s = &run->slots[dev];

	if (!s->opened)
		return;
	(void)o->select(run->rt, dev);
	for (size_t i = 0; i < ARRAY_SIZE(s->ev); i++)
		if (s->ev[i])
			o->event_destroy(run->rt, s->ev[i]);
	if (s->up)
		o->stream_destroy(run->rt, s->up);
	if (s->down)
		o->stream_destroy(run->rt, s->down);
	if (s->dev_a)
		o->dev_free(run->rt, s->dev_a);
	if (s->dev_b)
		o->dev_free(run->rt, s->dev_b);
	if (s->out)
		o->host_free(run->rt, s->out);
	if (s->back)
		o->host_free(run->rt, s->back);
	o->close(run->rt, dev);
}

/* ---- copies ------------------------------------------------------------------ */

enum { UP = 1, DOWN = 2 };

/* Queue reps copies in the directions asked, bracketed by events. */
static int issue(struct gpu_run *run, int dev, unsigned dirs)
{
	const struct gpu_ops *o = run->ops;
	struct gpu_slot *s = &run->slots[dev];
	size_t n = run->r->bytes;

	TRY(run, dev, "context", o->select(run->rt, dev));
	if (dirs & UP)
		TRY(run, dev, "event", o->event_record(run->rt, s->ev[0], s->up));
	if (dirs & DOWN)
		TRY(run, dev, "event", o->event_record(run->rt, s->ev[2], s->down));
	for (int i = 0; i < run->r->reps; i++) {
		if (dirs & UP)
			TRY(run, dev, "host-to-device copy", o->to_device(run->rt, s->dev_a, s->out, n, s->up));
		if (dirs & DOWN)
			TRY(run, dev, "device-to-host copy", o->to_host(run->rt, s->back, s->dev_b, n, s->down));
	}
	if (dirs & UP)
		TRY(run, dev, "event", o->event_record(run->rt, s->ev[1], s->up));
	if (dirs & DOWN)
		TRY(run, dev, "event", o->event_record(run->rt, s->ev[3], s->down));
	return 0;
}

/* Wait for the copies; milliseconds each direction took (0: not run). */
static int collect(struct gpu_run *run, int dev, unsigned dirs, float *up_ms, float *down_ms)
{
	const struct gpu_ops *o = run->ops;
	struct gpu_slot *s = &run->slots[dev];

	*up_ms = *down_ms = 0;
	if (dirs & UP) {
		TRY(run, dev, "waiting for copies", o->event_sync(run->rt, s->ev[1]));
		TRY(run, dev, "event timing", o->elapsed_ms(run->rt, up_ms, s->ev[0], s->ev[1]));
	}
	if (dirs & DOWN) {
		TRY(run, dev, "waiting for copies", o->event_sync(run->rt, s->ev[3]));
		TRY(run, dev, "event timing", o->elapsed_ms(run->rt, down_ms, s->ev[2], s->ev[3]));
	}
	return 0;
}

/* What went to the device comes back unchanged: one round trip through
 * dev_a, compared byte for byte. */
static int check_data(struct gpu_run *run, int dev)
{
	const struct gpu_ops *o = run->ops;
	struct gpu_slot *s = &run->slots[dev];

	memset(s->back, 0xff, run->r->bytes);
	TRY(run, dev, "context", o->select(run->rt, dev));
	TRY(run, dev, "host-to-device copy", o->to_device(run->rt, s->dev_a, s->out, run->r->bytes, s->up));
	TRY(run, dev, "event", o->event_record(run->rt, s->ev[0], s->up));
	TRY(run, dev, "waiting for copies", o->event_sync(run->rt, s->ev[0]));
	TRY(run, dev, "device-to-host copy", o->to_host(run->rt, s->back, s->dev_a, run->r->bytes, s->down));
	TRY(run, dev, "event", o->event_record(run->rt, s->ev[2], s->down));
	TRY(run, dev, "waiting for copies", o->event_sync(run->rt, s->ev[2]));
	run->r->gpus[dev].data_checked = true;
	run->r->gpus[dev].data_ok = !memcmp(s->out, s->back, run->r->bytes);
	return 0;
}

static int measure_alone(struct gpu_run *run, int dev)
{
	struct gpu_result *g = &run->r->gpus[dev];
	double bytes = (double)run->r->bytes * run->r->reps;
	float up, down, unused;
	int r;

	if ((r = check_data(run, dev)) < 0 || (r = issue(run, dev, UP)) < 0)
		return r;
	link_under_load(run->sr, g);
	if ((r = collect(run, dev, UP, &up, &unused)) < 0 || (r = issue(run, dev, DOWN)) < 0 ||
	    (r = collect(run, dev, DOWN, &unused, &down)) < 0)
		return r;
	g->h2d = rate_of(g, bytes, up);
	g->d2h = rate_of(g, bytes, down);
	if ((r = issue(run, dev, UP | DOWN)) < 0 || (r = collect(run, dev, UP | DOWN, &up, &down)) < 0)
		return r;
	g->bidir = rate_of(g, 2 * bytes, fmaxf(up, down));
	return 0;
}

/* Every GPU at once, one direction. */
static int measure_all(struct gpu_run *run, unsigned dir)
{
	double bytes = (double)run->r->bytes * run->r->reps;
	int r;

	for (size_t i = 0; i < run->r->ngpus; i++)
		if ((r = issue(run, (int)i, dir)) < 0)
			return r;
	for (size_t i = 0; i < run->r->ngpus; i++) {
		struct gpu_result *g = &run->r->gpus[i];
		float up, down;

		if ((r = collect(run, (int)i, dir, &up, &down)) < 0)
			return r;
		if (dir == UP)
			g->h2d_all = rate_of(g, bytes, up);
		else
			g->d2h_all = rate_of(g, bytes, down);
	}
	return 0;
}

static int measure_peer(struct gpu_run *run, int a, int b)
{
	const struct gpu_ops *o = run->ops;
	struct gpu_slot *sa = &run->slots[a], *sb = &run->slots[b];
	struct gpu_peer_result *p;
	float ms;

	TRY(run, a, "context", o->select(run->rt, a));
	TRY(run, a, "peer access", o->enable_peer(run->rt, a, b));
	TRY(run, a, "event", o->event_record(run->rt, sa->ev[0], sa->up));
	for (int i = 0; i < run->r->reps; i++)
		TRY(run, a, "peer copy", o->peer_copy(run->rt, b, sb->dev_b, a, sa->dev_a, run->r->bytes, sa->up));
	TRY(run, a, "event", o->event_record(run->rt, sa->ev[1], sa->up));
	TRY(run, a, "waiting for copies", o->event_sync(run->rt, sa->ev[1]));
	TRY(run, a, "event timing", o->elapsed_ms(run->rt, &ms, sa->ev[0], sa->ev[1]));
	p = &run->r->peers[run->r->npeers++];
	*p = (struct gpu_peer_result){.a = a, .b = b, .gbps = gbps_of((double)run->r->bytes * run->r->reps, ms)};
	return 0;
}

static int measure_peers(struct gpu_run *run)
{
	size_t n = run->r->ngpus;
	int r;

	run->r->peers = calloc(n > 1 ? n * n : 1, sizeof(*run->r->peers));
	if (!run->r->peers)
		return -ENOMEM;
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++) {
			int can = 0;

			if (a == b)
				continue;
			TRY(run, (int)a, "peer access", run->ops->can_peer(run->rt, (int)a, (int)b, &can));
			if (can && (r = measure_peer(run, (int)a, (int)b)) < 0)
				return r;
		}
	return 0;
}

/* ---- the run ------------------------------------------------------------------ */

/* The runtime up and every GPU it reports set up: contexts, buffers,
 * streams, events. */
static int setup_all(struct gpu_run *run)
{
	int n = 0, r;

	TRY(run, -1, "initialising the runtime", run->ops->init(run->rt));
	TRY(run, -1, "counting GPUs", run->ops->count(run->rt, &n));
	if (n <= 0) {
		run->r->error = xasprintf("%s reports no GPU", run->ops->name);
		return run->r->error ? -EIO : -ENOMEM;
	}
	run->r->gpus = calloc((size_t)n, sizeof(*run->r->gpus));
	run->slots = calloc((size_t)n, sizeof(*run->slots));
	if (!run->r->gpus || !run->slots)
		return -ENOMEM;
	run->r->ngpus = (size_t)n;
	for (int i = 0; i < n; i++)
		if ((r = setup_gpu(run, i)) < 0)
			return r;
	return 0;
}

static int measure(struct gpu_run *run)
{
	int r;

	for (size_t i = 0; i < run->r->ngpus; i++)
		if ((r = measure_alone(run, (int)i)) < 0)
			return r;
	if ((r = measure_all(run, UP)) < 0 || (r = measure_all(run, DOWN)) < 0)
		return r;
	return measure_peers(run);
}

static const struct gpu_ops *const runtimes[] = {&gpu_cuda_ops, &gpu_hip_ops};

static const char *library_name(const struct gpu_bench_options *opt, const struct gpu_ops *ops, bool *chosen)
{
	const char *env = secure_getenv(ops->env);

	*chosen = true;
	if (opt->library && opt->ops)
		return opt->library;
	if (env && *env)
		return env;
	*chosen = !!opt->ops;
	return ops->library;
}

/* Load a runtime's library. -ENOENT: its default library is not here
 * (try the next runtime); -EIO with the error set when a library that was
 * asked for cannot load. */
static int open_library(struct gpu_run *run, const struct gpu_bench_options *opt, const struct gpu_ops *ops)
{
	bool chosen;
	const char *lib = library_name(opt, ops, &chosen);

	run->dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!run->dl && !chosen)
		return -ENOENT;
	if (!run->dl)
		return set_error(run->r, xasprintf("cannot load %s: %s", lib, dlerror()));
	run->ops = ops;
	run->r->runtime = ops->name;
	run->r->library = strdup(lib);
	return run->r->library ? 0 : -ENOMEM;
}

/* The runtime asked for, or the first whose library loads. */
static int load(struct gpu_run *run, const struct gpu_bench_options *opt)
{
	const char *missing;
	int r = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(runtimes) && r == -ENOENT; i++)
		if (!opt->ops || opt->ops == runtimes[i])
			r = open_library(run, opt, runtimes[i]);
	if (r == -ENOENT)
		return set_error(run->r, opt->ops ? xasprintf("%s not found: no %s driver", opt->ops->library,
							     opt->ops->name)
						  : strdup("no GPU runtime: neither libcuda.so.1 (NVIDIA) nor "
							   "libamdhip64.so (ROCm) is installed"));
	if (r < 0)
		return r;
	run->has_numa = numa_lib_open(&run->numa);
	run->rt = calloc(1, run->ops->state_size);
	if (!run->rt)
		return -ENOMEM;
	memcpy(run->rt, &run->dl, sizeof(run->dl)); /* the state's first member */
	missing = run->ops->bind(run->rt);
	if (missing)
		return set_error(run->r, xasprintf("%s lacks %s (driver too old)", run->r->library, missing));
	return 0;
}

int gpu_run_open(const struct sysroot *sr, const struct host *h, const struct gpu_bench_options *opt,
		 struct gpu_run **ret)
{
	struct gpu_run *run = calloc(1, sizeof(*run));
	int r;

	if (!run || !(run->r = calloc(1, sizeof(*run->r)))) {
		free(run);
		return -ENOMEM;
	}
	*run = (struct gpu_run){.ops = opt->ops, .sr = sr, .h = h, .r = run->r};
	run->r->runtime = opt->ops ? opt->ops->name : NULL;
	run->r->bytes = opt->bytes ? opt->bytes : DEFAULT_BYTES;
	run->r->reps = opt->reps > 0 ? opt->reps : DEFAULT_REPS;
	r = load(run, opt);
	if (r >= 0)
		r = setup_all(run);
	if (r == -ENOMEM) {
		gpu_report_free(gpu_run_close(run));
		return r;
	}
	*ret = run;
	return 0;
}

struct gpu_report *gpu_run_close(struct gpu_run *run)
{
	struct gpu_report *r;

	if (!run)
		return NULL;
	for (size_t i = 0; run->slots && i < run->r->ngpus; i++)
		teardown_gpu(run, (int)i);
	free(run->slots);
	free(run->rt);
	if (run->dl)
		dlclose(run->dl);
	numa_lib_close(&run->numa);
	r = run->r;
	free(run);
	return r;
}

const struct gpu_report *gpu_run_report(const struct gpu_run *run)
{
	return run->r;
}

bool gpu_run_ready(const struct gpu_run *run)
{
	return !run->r->error && run->r->ngpus > 0;
}

int gpu_run_issue(struct gpu_run *run, int dev)
{
	return issue(run, dev, UP | DOWN);
}

int gpu_run_collect(struct gpu_run *run, int dev, double *bytes, double *ms)
{
	float up, down;
	int r = collect(run, dev, UP | DOWN, &up, &down);

	if (r < 0)
		return r;
	*bytes = 2.0 * run->r->bytes * run->r->reps;
	*ms = fmaxf(up, down);
	return 0;
}

char *gpu_run_take_error(struct gpu_run *run)
{
	char *e = run->r->error;

	run->r->error = NULL;
	return e;
}

int gpu_bench_run(const struct sysroot *sr, const struct host *h, const struct gpu_bench_options *opt,
		  struct gpu_report **ret)
{
	struct gpu_run *run;
	int r = gpu_run_open(sr, h, opt, &run);

	if (r < 0)
		return r;
	if (gpu_run_ready(run))
		r = measure(run);
	if (r == -ENOMEM) {
		gpu_report_free(gpu_run_close(run));
		return r;
	}
	*ret = gpu_run_close(run);
	return 0;
}

bool gpu_result_low(const struct gpu_result *g, double min)
{
	return !isnan(min) && !isnan(g->h2d.fraction) && g->h2d.fraction < min;
}

void gpu_report_free(struct gpu_report *r)
{
	if (!r)
		return;
	free(r->library);
	free(r->gpus);
	free(r->peers);
	free(r->error);
	free(r);
}
