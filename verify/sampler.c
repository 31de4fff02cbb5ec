/* The health sampler (see health.h): one thread of its own, woken every
 * interval, reading through its own sysroot so that it shares nothing
 * with the timed worker threads but the lock around its record. Error
 * counters are read before and after (they only grow); link state once a
 * second too, as a link that retrains and recovers between the first and
 * last read would otherwise go unseen. On the live host, NVIDIA GPUs join
 * through one NVML session (probes/gpu-sensors.c), read by this thread
 * (and before it starts and after it ends, never alongside it): their
 * XID events are drained at every sample. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sysroot.h"
#include "common/util.h"
#include "verify/health.h"

struct health_sampler {
	struct sysroot *sr;
	struct health_record *rec;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool quit;
	int err;                        /* the thread's -errno (out of memory) */
	uint64_t *energy_last, *energy_now;
	double energy_t;
	struct health_link_state *links_now;
	struct gpu_sensors *gpus;       /* NULL: no NVIDIA GPU (or not the live host) */
	size_t cap;
};

static double now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int reserve_sample(struct health_sampler *s)
{
	struct health_record *r = s->rec;
	size_t cap = s->cap ? 2 * s->cap : 256;
	double *t, *clock, *temp, *power;

	if (r->n < s->cap)
		return 0;
	t = reallocarray(r->t, cap, sizeof(double));
	if (t)
		r->t = t;
	clock = reallocarray(r->clock, cap * 3, sizeof(double));
	if (clock)
		r->clock = clock;
	temp = reallocarray(r->temp, cap * (r->src.ntemps + 1), sizeof(double));
	if (temp)
		r->temp = temp;
	power = reallocarray(r->power, cap * (r->src.npower + 1), sizeof(double));
	if (power)
		r->power = power;
	if (!t || !clock || !temp || !power)
		return -ENOMEM;
	s->cap = cap;
	return 0;
}

/* Note a link whose state differs from the first read, once. */
static void watch_links(struct health_sampler *s, double t)
{
	struct health_record *r = s->rec;

	health_read_links(s->sr, &r->src, s->links_now);
	for (size_t i = 0; i < r->src.nlinks; i++) {
		const struct health_link_state *a = &r->link_before[i], *b = &s->links_now[i];

		if (isnan(r->link_changed_at[i]) && (a->gts != b->gts || a->width != b->width)) {
			r->link_changed[i] = *b;
			r->link_changed_at[i] = t;
		}
	}
}

void health_record_thin(struct health_record *r)
{
	size_t nt = r->src.ntemps, np = r->src.npower;

	for (size_t i = 0; 2 * i < r->n; i++) {
		r->t[i] = r->t[2 * i];
		memmove(&r->clock[i * 3], &r->clock[2 * i * 3], 3 * sizeof(double));
		memmove(&r->temp[i * nt], &r->temp[2 * i * nt], nt * sizeof(double));
		memmove(&r->power[i * np], &r->power[2 * i * np], np * sizeof(double));
	}
	r->n = (r->n + 1) / 2;
	r->interval_s *= 2;
}

static int take_sample(struct health_sampler *s, bool slow)
{
	struct health_record *r = s->rec;
	double now = now_monotonic(), t = now - r->started;
	double *clock, *power;
	int ret;

	if (r->n >= HEALTH_MAX_SAMPLES)
		health_record_thin(r);
	ret = reserve_sample(s);

	if (ret < 0)
		return ret;
	clock = &r->clock[r->n * 3];
	if (health_read_clocks(s->sr, &r->src, &clock[0], &clock[1], &clock[2]) < 0)
		clock[0] = clock[1] = clock[2] = NAN;
	health_read_temps(s->sr, &r->src, &r->temp[r->n * r->src.ntemps]);
	gpu_sensors_read_temps(s->gpus, &r->temp[r->n * r->src.ntemps]);
	power = &r->power[r->n * r->src.npower];
	health_read_energy(s->sr, &r->src, s->energy_now);
	for (size_t i = 0; i < r->src.npower; i++) {
		uint64_t e = s->energy_now[i];

		power[i] = health_power_watts(s->energy_last[i], e, r->src.power[i].range_uj, now - s->energy_t);
		s->energy_last[i] = e;
	}
	s->energy_t = now;
	if (slow)
		watch_links(s, t);
	r->t[r->n++] = t;
	return gpu_sensors_read_xids(s->gpus, t, &r->xids, &r->nxids, HEALTH_MAX_XIDS, &r->xids_lost);
}

static void *sampler_main(void *arg)
{
	struct health_sampler *s = arg;
	struct timespec next;
	unsigned tick = 0;

	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&s->lock);
	while (!s->quit && s->err == 0) {
		/* once a second, whatever the interval (it doubles as the record thins) */
		long per_second = lround(1.0 / s->rec->interval_s), ns;

		s->err = take_sample(s, per_second <= 1 || ++tick % per_second == 0);
		ns = (long)(s->rec->interval_s * 1e9);
		next.tv_nsec += ns % 1000000000L;
		next.tv_sec += ns / 1000000000L + next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		while (!s->quit && pthread_cond_timedwait(&s->wake, &s->lock, &next) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&s->lock);
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &next) == 0)
		s->rec->cpu_s = next.tv_sec + next.tv_nsec * 1e-9;
	return NULL;
}

static int alloc_arrays(struct health_sampler *s)
{
	struct health_record *r = s->rec;
	size_t nc = r->src.ncounters + 1, nl = r->src.nlinks + 1, np = r->src.npower + 1;

	r->before = calloc(nc, sizeof(uint64_t));
	r->after = calloc(nc, sizeof(uint64_t));
	s->energy_now = calloc(np, sizeof(uint64_t));
	s->energy_last = calloc(np, sizeof(uint64_t));
	r->link_before = calloc(nl, sizeof(*r->link_before));
	r->link_after = calloc(nl, sizeof(*r->link_after));
	r->link_changed = calloc(nl, sizeof(*r->link_changed));
	r->link_changed_at = calloc(nl, sizeof(double));
	s->links_now = calloc(nl, sizeof(*s->links_now));
	if (!r->before || !r->after || !s->energy_now || !s->energy_last || !r->link_before ||
	    !r->link_after || !r->link_changed || !r->link_changed_at || !s->links_now)
		return -ENOMEM;
	for (size_t i = 0; i < r->src.nlinks; i++)
		r->link_changed_at[i] = NAN;
	return 0;
}

static void sampler_free(struct health_sampler *s)
{
	health_record_free(s->rec);
	gpu_sensors_close(s->gpus);
	sysroot_free(s->sr);
	free(s->energy_last);
	free(s->energy_now);
	free(s->links_now);
	free(s);
}

/* The "before" reads: counters, links, energy; then the thread. */
static int sampler_begin(struct health_sampler *s)
{
	struct health_record *r = s->rec;
	int ret = alloc_arrays(s);

	if (ret < 0)
		return ret;
	r->started = s->energy_t = now_monotonic();
	health_read_counters(s->sr, &r->src, r->before);
	gpu_sensors_read_counters(s->gpus, r->before);
	memcpy(r->after, r->before, r->src.ncounters * sizeof(uint64_t));
	health_read_links(s->sr, &r->src, r->link_before);
	health_read_energy(s->sr, &r->src, s->energy_last);
	pthread_mutex_init(&s->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	ret = -pthread_create(&s->thread, NULL, sampler_main, s);
	if (ret < 0) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
	}
	return ret;
}

int health_sampler_start(const char *root, double interval_s, const int *cpus, size_t n,
			 struct health_sampler **ret)
{
	struct health_sampler *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->rec = calloc(1, sizeof(*s->rec));
	if (!s->rec) {
		free(s);
		return -ENOMEM;
	}
	*s->rec = (struct health_record) {
		.root = strdup(root), .interval_s = interval_s > 0 ? interval_s : 0.25,
		.load_from = NAN, .load_to = NAN,
	};
	r = s->rec->root ? sysroot_open(root, &s->sr) : -ENOMEM;
	if (r >= 0)
		r = health_discover(s->sr, &s->rec->src);
	if (r >= 0 && n)
		health_sources_keep_cpus(&s->rec->src, cpus, n);
	if (r >= 0 && s->sr->live)
		r = gpu_sensors_open(NULL, &s->rec->src, &s->gpus);
	if (r >= 0)
		r = sampler_begin(s);
	if (r < 0) {
		sampler_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

double health_sampler_started(const struct health_sampler *s)
{
	return s->rec->started;
}

void health_sampler_mark_load(struct health_sampler *s, double from, double to)
{
	s->rec->load_from = from;
	s->rec->load_to = to;
}

void health_sampler_latest(struct health_sampler *s, double *clock_mhz, double *temp_c)
{
	const struct health_record *r = s->rec;

	*clock_mhz = *temp_c = NAN;
	pthread_mutex_lock(&s->lock);
	if (r->n) {
		const double *t = &r->temp[(r->n - 1) * r->src.ntemps];

		*clock_mhz = r->clock[(r->n - 1) * 3 + 1];
		for (size_t k = 0; k < r->src.ntemps; k++)
			if (!isnan(t[k]) && (isnan(*temp_c) || t[k] > *temp_c))
				*temp_c = t[k];
	}
	pthread_mutex_unlock(&s->lock);
}

int health_sampler_stop(struct health_sampler *s, struct health_record **ret)
{
	struct health_record *r = s->rec;
	int err;

	pthread_mutex_lock(&s->lock);
	s->quit = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	err = s->err;
	r->duration_s = now_monotonic() - r->started;
	health_read_counters(s->sr, &r->src, r->after);
	gpu_sensors_read_counters(s->gpus, r->after);
	if (err >= 0)
		err = gpu_sensors_read_xids(s->gpus, r->duration_s, &r->xids, &r->nxids, HEALTH_MAX_XIDS,
					    &r->xids_lost);
	watch_links(s, r->duration_s);
	memcpy(r->link_after, s->links_now, r->src.nlinks * sizeof(*r->link_after));
	if (err >= 0)
		*ret = TAKE_PTR(s->rec);
	sampler_free(s);
	return err;
}

struct health_record *health_record_free(struct health_record *r)
{
	if (!r)
		return NULL;
	health_sources_release(&r->src);
	free(r->root);
	free(r->t);
	free(r->clock);
	free(r->temp);
	free(r->power);
	free(r->before);
	free(r->after);
	free(r->link_before);
	free(r->link_after);
	free(r->link_changed);
	free(r->link_changed_at);
	free(r->xids);
	free(r);
	return NULL;
}
