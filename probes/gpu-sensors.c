/* NVIDIA GPUs in the health sampler: NVML loaded once for the run (see
 * probes/nvlink.c for which library), each GPU's temperature with its
 * slowdown and shutdown thresholds, and its counters that only move when
 * something is wrong: volatile ECC corrected / uncorrected and the PCIe
 * replay counter. XID events: one NVML event set with every GPU's XID
 * critical errors registered at open, drained by the sampler's thread
 * with a wait of a millisecond (events queue in the driver meanwhile). */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dlsym.h"
#include "common/util.h"
#include "probes/health.h"
#include "probes/nvml.h"

enum { TEMPERATURE_GPU = 0, THRESHOLD_SHUTDOWN = 0, THRESHOLD_SLOWDOWN = 1 };
enum { ECC_CORRECTED = 0, ECC_UNCORRECTED = 1, ECC_VOLATILE = 0 };
/* The counters of one GPU, in the order they are appended. */
enum { GPU_ECC_CE, GPU_ECC_UE, GPU_REPLAY, GPU_NCOUNTERS };

#define XID_WAIT_MS 1
#define XIDS_PER_READ 64        /* a storm of events does not hold the sampler up */

struct nvml_events {
	nvmlReturn_t (*create)(nvmlEventSet_t *);
	nvmlReturn_t (*enroll)(nvmlDevice_t, unsigned long long, nvmlEventSet_t);
	nvmlReturn_t (*wait)(nvmlEventSet_t, nvmlEventData_t *, unsigned int);
	nvmlReturn_t (*free)(nvmlEventSet_t);
};

struct gpu_sensors {
	struct nvml n;
	struct nvml_events ev;
	nvmlEventSet_t events;          /* NULL: XIDs not watched */
	nvmlDevice_t *dev;
	char (*bdf)[16];
	size_t ngpus;
	size_t temp0, counter0;         /* where the GPUs' entries start in the sources */
};

static double threshold(const struct nvml *n, nvmlDevice_t dev, int which)
{
	unsigned c;

	if (!n->temp_threshold || n->temp_threshold(dev, which, &c) != NVML_SUCCESS || c == 0)
		return NAN;
	return c;
}

static int add_temp(struct health_sources *s, const struct nvml *n, nvmlDevice_t dev, const char *bdf)
{
	struct health_temp *t = reallocarray(s->temps, s->ntemps + 1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	s->temps = t;
	t[s->ntemps] = (struct health_temp) {
		.id = xasprintf("nvml/%s", bdf),
		.crit_c = threshold(n, dev, THRESHOLD_SHUTDOWN),
		.max_c = threshold(n, dev, THRESHOLD_SLOWDOWN),
	};
	if (!t[s->ntemps].id)
		return -ENOMEM;
	s->ntemps++;
	return 0;
}

static int add_counters(struct health_sources *s, const char *bdf)
{
	static const struct {
		const char *id, *what;
		enum health_counter_kind kind;
	} kinds[GPU_NCOUNTERS] = {
		[GPU_ECC_CE] = {"ecc.ce", "corrected ECC errors", HEALTH_CORRECTED},
		[GPU_ECC_UE] = {"ecc.ue", "uncorrected ECC errors", HEALTH_UNCORRECTED},
		[GPU_REPLAY] = {"pcie_replay", "PCIe replays", HEALTH_CORRECTED},
	};
	struct health_counter *c = reallocarray(s->counters, s->ncounters + GPU_NCOUNTERS, sizeof(*c));

	if (!c)
		return -ENOMEM;
	s->counters = c;
	for (size_t k = 0; k < GPU_NCOUNTERS; k++) {
		struct health_counter *v = &c[s->ncounters];

		*v = (struct health_counter) {
			.id = xasprintf("nvml.%s.%s", bdf, kinds[k].id),
			.subject = xasprintf("GPU %s (%s)", bdf, kinds[k].what),
			.kind = kinds[k].kind,
		};
		if (!v->id || !v->subject) {
			free(v->id);
			free(v->subject);
			return -ENOMEM;
		}
		s->ncounters++;
	}
	return 0;
}

/* "00000000:1B:00.0" as sysfs writes it. */
static void bdf_of(const nvmlPciInfo_t *pci, char bdf[16])
{
	snprintf(bdf, 16, "%04x:%02x:%02x.0", pci->domain & 0xffff, pci->bus & 0xff, pci->device & 0x1f);
}

static int add_gpus(struct gpu_sensors *g, struct health_sources *s)
{
	unsigned count;

	if (g->n.count(&count) != NVML_SUCCESS || count == 0)
		return 0;
	g->dev = calloc(count, sizeof(*g->dev));
	g->bdf = calloc(count, sizeof(*g->bdf));
	if (!g->dev || !g->bdf)
		return -ENOMEM;
	g->temp0 = s->ntemps;
	g->counter0 = s->ncounters;
	for (unsigned i = 0; i < count; i++) {
		nvmlPciInfo_t pci = {0};
		char bdf[16];
		nvmlDevice_t dev;

		if (g->n.handle(i, &dev) != NVML_SUCCESS || g->n.pci_info(dev, &pci) != NVML_SUCCESS)
			continue;
		bdf_of(&pci, bdf);
		if (add_temp(s, &g->n, dev, bdf) < 0 || add_counters(s, bdf) < 0)
			return -ENOMEM;
		memcpy(g->bdf[g->ngpus], bdf, sizeof(bdf));
		g->dev[g->ngpus++] = dev;
	}
	return 0;
}

/* One event set for every GPU's XIDs. A driver (or an older library)
 * without events leaves s->xid_watch UNSUPPORTED and says so. */
static int watch_xids(struct gpu_sensors *g, struct health_sources *s)
{
	static const struct dl_symbol syms[] = {
		{"nvmlEventSetCreate", offsetof(struct nvml_events, create)},
		{"nvmlDeviceRegisterEvents", offsetof(struct nvml_events, enroll)},
		{"nvmlEventSetWait_v2", offsetof(struct nvml_events, wait)},
		{"nvmlEventSetFree", offsetof(struct nvml_events, free)},
	};
	size_t watched = 0;

	s->xid_watch = HEALTH_XID_UNSUPPORTED;
	if (!dl_bind(g->n.dl, &g->ev, syms, ARRAY_SIZE(syms)) && g->ev.create(&g->events) == NVML_SUCCESS) {
		for (size_t i = 0; i < g->ngpus; i++)
			watched += g->ev.enroll(g->dev[i], nvmlEventTypeXidCriticalError, g->events) == NVML_SUCCESS;
		if (!watched) {
			g->ev.free(g->events);
			g->events = NULL;
		}
	}
	if (watched)
		s->xid_watch = HEALTH_XID_WATCHED;
	return watched ? 0 : strv_extend(&s->missing, "XID events: not supported by this driver");
}

int gpu_sensors_open(const char *library, struct health_sources *s, struct gpu_sensors **ret)
{
	const char *lib = library ? library : nvml_library_name(NULL);
	struct gpu_sensors *g = calloc(1, sizeof(*g));
	int r;

	*ret = NULL;
	if (!g)
		return -ENOMEM;
	g->n.dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!g->n.dl || nvml_bind(&g->n) || g->n.init() != NVML_SUCCESS) {
		if (g->n.dl)
			dlclose(g->n.dl);
		free(g);
		return 0;
	}
	r = add_gpus(g, s);
	if (r >= 0 && g->ngpus)
		r = watch_xids(g, s);
	if (r < 0 || g->ngpus == 0) {
		gpu_sensors_close(g);
		return r;
	}
	*ret = g;
	return 0;
}

void gpu_sensors_read_temps(const struct gpu_sensors *g, double *out)
{
	for (size_t i = 0; g && i < g->ngpus; i++) {
		unsigned c;

		if (g->n.temperature && g->n.temperature(g->dev[i], TEMPERATURE_GPU, &c) == NVML_SUCCESS)
			out[g->temp0 + i] = c;
		else
			out[g->temp0 + i] = NAN;
	}
}

static uint64_t read_ecc(const struct nvml *n, nvmlDevice_t dev, int type)
{
	unsigned long long v;

	if (!n->ecc_errors || n->ecc_errors(dev, type, ECC_VOLATILE, &v) != NVML_SUCCESS)
		return HEALTH_UNREAD;
	return v;
}

void gpu_sensors_read_counters(const struct gpu_sensors *g, uint64_t *out)
{
	for (size_t i = 0; g && i < g->ngpus; i++) {
		uint64_t *v = &out[g->counter0 + i * GPU_NCOUNTERS];
		unsigned replays;

		v[GPU_ECC_CE] = read_ecc(&g->n, g->dev[i], ECC_CORRECTED);
		v[GPU_ECC_UE] = read_ecc(&g->n, g->dev[i], ECC_UNCORRECTED);
		v[GPU_REPLAY] = HEALTH_UNREAD;
		if (g->n.replays && g->n.replays(g->dev[i], &replays) == NVML_SUCCESS)
			v[GPU_REPLAY] = replays;
	}
}

static const char *bdf_of_handle(const struct gpu_sensors *g, nvmlDevice_t dev)
{
	for (size_t i = 0; i < g->ngpus; i++)
		if (g->dev[i] == dev)
			return g->bdf[i];
	return "unknown";
}

int gpu_sensors_read_xids(const struct gpu_sensors *g, double t, struct health_xid **xids, size_t *n,
			  size_t max, size_t *lost)
{
	nvmlEventData_t e;

	for (int k = 0; g && g->events && k < XIDS_PER_READ; k++) {
		struct health_xid *x;

		memset(&e, 0, sizeof(e));
		if (g->ev.wait(g->events, &e, XID_WAIT_MS) != NVML_SUCCESS)
			break;
		if (!(e.eventType & nvmlEventTypeXidCriticalError))
			continue;
		if (*n >= max) {
			++*lost;
			continue;
		}
		x = reallocarray(*xids, *n + 1, sizeof(*x));
		if (!x)
			return -ENOMEM;
		*xids = x;
		x[*n] = (struct health_xid){.t = t, .xid = e.eventData};
		snprintf(x[*n].bdf, sizeof(x[*n].bdf), "%s", bdf_of_handle(g, e.device));
		++*n;
	}
	return 0;
}

struct gpu_sensors *gpu_sensors_close(struct gpu_sensors *g)
{
	if (!g)
		return NULL;
	if (g->events)
		g->ev.free(g->events);
	g->n.shutdown();
	dlclose(g->n.dl);
	free(g->bdf);
	free(g->dev);
	free(g);
	return NULL;
}
