/* Host<->GPU copies during a burn-in: one thread for all the GPUs of the
 * runtime. Copies are asynchronous, so one thread keeps every GPU's copy
 * engines busy: it queues a batch each way on every GPU, then waits for
 * them all; one CPU stays off the bandwidth kernels, and a runtime whose
 * current context is per thread (CUDA) sees one thread select each GPU in
 * turn. Batches add up into a point of about a second per GPU. A GPU
 * whose copy fails stops there; the others go on. Reads no files. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tune/finding.h"
#include "verify/engine.h"
#include "verify/gpu-bench.h"
#include "verify/gpu-burnin.h"

#define POINT_SECONDS 1.0

struct copy_acc {
	double bytes, ms;           /* since the last point */
	bool stopped;
};

struct gpu_copier {
	struct gpu_run *run;
	struct gpu_copy_report *r;
	struct copy_acc *acc;
	double origin;
	atomic_bool stop;
	pthread_t thread;
	bool started;
	int error;                  /* -ENOMEM in the thread */
};

/* The points due: every GPU that moved data since the last one. */
static int flush_points(struct gpu_copier *c, double now)
{
	for (size_t i = 0; i < c->r->ngpus; i++) {
		struct copy_acc *a = &c->acc[i];
		int r;

		if (!(a->ms > 0))
			continue;
		r = bench_points_append(&c->r->gpus[i].points, &c->r->gpus[i].npoints, now - c->origin,
					a->bytes / (a->ms * 1e-3) / 1e9);
		if (r < 0)
			return r;
		a->bytes = a->ms = 0;
	}
	return 0;
}

/* The runtime's message without its "GPU0 0000:1b:00.0: " (the
 * report names the GPU). */
static void gpu_failed(struct gpu_copier *c, size_t i)
{
	struct gpu_copy_result *g = &c->r->gpus[i];
	char *e = gpu_run_take_error(c->run), prefix[48];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "GPU%d %s: ", g->index, g->bdf);

	c->acc[i].stopped = true;
	if (e && !strncmp(e, prefix, n))
		memmove(e, e + n, strlen(e + n) + 1);
	free(g->error);
	g->error = e ? e : strdup("unknown error");
}

/* One batch each way on every GPU still going; false when none is. */
static bool copy_batch(struct gpu_copier *c)
{
	bool any = false;

	for (size_t i = 0; i < c->r->ngpus; i++)
		if (!c->acc[i].stopped && gpu_run_issue(c->run, (int)i) < 0)
			gpu_failed(c, i);
	for (size_t i = 0; i < c->r->ngpus; i++) {
		double bytes, ms;

		if (c->acc[i].stopped)
			continue;
		if (gpu_run_collect(c->run, (int)i, &bytes, &ms) < 0) {
			gpu_failed(c, i);
			continue;
		}
		c->acc[i].bytes += bytes;
		c->acc[i].ms += ms;
		c->r->gpus[i].copies += 2 * (uint64_t)gpu_run_report(c->run)->reps;
		any = true;
	}
	return any;
}

static void *copier_main(void *arg)
{
	struct gpu_copier *c = arg;
	double last = engine_now();

	while (!atomic_load(&c->stop) && copy_batch(c)) {
		double now = engine_now();

		if (now - last >= POINT_SECONDS) {
			if ((c->error = flush_points(c, now)) < 0)
				return NULL;
			last = now;
		}
	}
	c->error = flush_points(c, engine_now());
	return NULL;
}

static int fill_report(struct gpu_copier *c)
{
	const struct gpu_report *g = gpu_run_report(c->run);

	c->r->runtime = g->runtime;
	c->r->bytes = g->bytes;
	if (g->library && !(c->r->library = strdup(g->library)))
		return -ENOMEM;
	if (!gpu_run_ready(c->run)) {
		c->r->setup_failed = g->ngpus > 0;
		c->r->error = gpu_run_take_error(c->run);
		return 0;
	}
	c->r->gpus = calloc(g->ngpus, sizeof(*c->r->gpus));
	c->acc = calloc(g->ngpus, sizeof(*c->acc));
	if (!c->r->gpus || !c->acc)
		return -ENOMEM;
	c->r->ngpus = g->ngpus;
	for (size_t i = 0; i < g->ngpus; i++) {
		memcpy(c->r->gpus[i].bdf, g->gpus[i].bdf, sizeof(c->r->gpus[i].bdf));
		c->r->gpus[i].index = g->gpus[i].index;
	}
	return 0;
}

int gpu_copier_start(const struct host *h, const struct gpu_bench_options *opt, double origin,
		     struct gpu_copier **ret)
{
	struct gpu_copier *c = calloc(1, sizeof(*c));
	int r;

	if (!c || !(c->r = calloc(1, sizeof(*c->r)))) {
		free(c);
		return -ENOMEM;
	}
	c->origin = origin;
	atomic_init(&c->stop, false);
	r = gpu_run_open(NULL, h, opt, &c->run);
	if (r >= 0)
		r = fill_report(c);
	if (r >= 0 && c->r->ngpus) {
		r = -pthread_create(&c->thread, NULL, copier_main, c);
		c->started = r == 0;
	}
	if (r < 0) {
		gpu_copy_report_free(gpu_copier_stop(c));
		return r;
	}
	*ret = c;
	return 0;
}

struct gpu_copy_report *gpu_copier_stop(struct gpu_copier *c)
{
	struct gpu_copy_report *r;

	if (!c)
		return NULL;
	atomic_store(&c->stop, true);
	if (c->started)
		pthread_join(c->thread, NULL);
	gpu_report_free(gpu_run_close(c->run));
	r = c->r;
	if (c->error < 0) {
		gpu_copy_report_free(r);
		r = NULL;
	}
	free(c->acc);
	free(c);
	return r;
}

void gpu_copy_report_free(struct gpu_copy_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ngpus; i++) {
		free(r->gpus[i].points);
		free(r->gpus[i].error);
	}
	free(r->gpus);
	free(r->library);
	free(r->error);
	free(r);
}

/* ---- findings ---- */

static int find_copy_trouble(const struct gpu_copy_result *g, struct findings *out)
{
	_cleanup_free_ char *id = NULL, *subject = xasprintf("GPU%d %s", g->index, g->bdf);
	double first, last, w;

	if (!subject)
		return -ENOMEM;
	if (g->error) {
		id = xasprintf("health.burnin.gpu_copy.%s", g->bdf);
		return id ? findings_add(out, FINDING_FAIL, id, subject,
					 "reseat the GPU and check its power cables; look for XID errors in the "
					 "kernel log (dmesg)",
					 "a host<->GPU copy failed during the burn-in after %llu copies: %s",
					 (unsigned long long)g->copies, g->error)
			  : -ENOMEM;
	}
	if (!health_bandwidth_drop(g->points, g->npoints, &first, &last, &w))
		return 0;
	id = xasprintf("health.burnin.gpu_bandwidth.%s", g->bdf);
	return id ? findings_add(out, FINDING_WARN, id, subject,
				 "look at the GPU's temperature and the PCIe link of the same run: a drop "
				 "under sustained load is usually throttling or a link that trained down",
				 "host<->GPU copies %.1f GB/s in the last %.0f s, %.0f %% below the %.1f GB/s "
				 "of the first %.0f s", last, w, (1 - last / first) * 100, first, w)
		  : -ENOMEM;
}

int gpu_copy_findings(const struct gpu_copy_report *r, struct findings *out)
{
	int ret = 0;

	if (!r)
		return 0;
	if (r->setup_failed)
		ret = findings_add(out, FINDING_FAIL, "health.burnin.gpu_copy", r->runtime,
				   "run rigtune bench --gpu to see the GPU alone",
				   "the host<->GPU copies of the burn-in could not start: %s",
				   r->error ? r->error : "unknown error");
	for (size_t i = 0; ret >= 0 && i < r->ngpus; i++)
		ret = find_copy_trouble(&r->gpus[i], out);
	return ret;
}
