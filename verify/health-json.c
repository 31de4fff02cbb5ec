/* The JSON form of a health record and of findings, for bench, verify and
 * report. Samples are columns of one array each, so a long burn-in stays
 * readable and a plotting tool takes them as they are. */
#include <math.h>

#include "common/json.h"
#include "tune/finding.h"
#include "verify/health.h"

static void sources_json(const struct health_record *r, struct json *j)
{
	const struct health_sources *s = &r->src;

	json_key(j, "clock");
	json_object_begin(j);
	json_kv_string(j, "source", s->ncpus ? "cpufreq" : s->clock_from_cpuinfo ? "cpuinfo" : NULL);
	json_kv_double(j, "base_mhz", s->base_mhz);
	json_kv_double(j, "max_mhz", s->max_mhz);
	json_object_end(j);
	json_key(j, "sensors");
	json_array_begin(j);
	for (size_t i = 0; i < s->ntemps; i++) {
		json_object_begin(j);
		json_kv_string(j, "id", s->temps[i].id);
		json_kv_double(j, "crit_c", s->temps[i].crit_c);
		json_kv_double(j, "max_c", s->temps[i].max_c);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "power_domains");
	json_array_begin(j);
	for (size_t i = 0; i < s->npower; i++)
		json_string(j, s->power[i].id);
	json_array_end(j);
	json_key(j, "missing");
	json_array_begin(j);
	for (char **m = s->missing; m && *m; m++)
		json_string(j, *m);
	json_array_end(j);
}

static void column_json(struct json *j, const char *key, const double *v, size_t n, size_t stride)
{
	json_key(j, key);
	json_array_begin(j);
	for (size_t i = 0; i < n; i++)
		json_double(j, v[i * stride]);
	json_array_end(j);
}

static void samples_json(const struct health_record *r, struct json *j)
{
	json_key(j, "samples");
	json_object_begin(j);
	column_json(j, "t", r->t, r->n, 1);
	column_json(j, "clock_min_mhz", r->clock, r->n, 3);
	column_json(j, "clock_median_mhz", r->clock + 1, r->n, 3);
	column_json(j, "clock_max_mhz", r->clock + 2, r->n, 3);
	json_key(j, "temp_c");
	json_object_begin(j);
	for (size_t k = 0; k < r->src.ntemps; k++)
		column_json(j, r->src.temps[k].id, r->temp + k, r->n, r->src.ntemps);
	json_object_end(j);
	json_key(j, "power_w");
	json_object_begin(j);
	for (size_t k = 0; k < r->src.npower; k++)
		column_json(j, r->src.power[k].id, r->power + k, r->n, r->src.npower);
	json_object_end(j);
	json_object_end(j);
}

static void link_state_json(struct json *j, const char *key, const struct health_link_state *s)
{
	json_key(j, key);
	json_object_begin(j);
	json_kv_double(j, "speed_gts", s->gts > 0 ? s->gts : NAN);
	json_kv_int_opt(j, "width", s->width > 0 ? s->width : -1);
	json_object_end(j);
}

static void counters_json(const struct health_record *r, struct json *j)
{
	json_key(j, "counters");
	json_array_begin(j);
	for (size_t i = 0; i < r->src.ncounters; i++) {
		const struct health_counter *c = &r->src.counters[i];

		json_object_begin(j);
		json_kv_string(j, "id", c->id);
		json_kv_string(j, "subject", c->subject);
		json_kv_string(j, "kind", c->kind == HEALTH_UNCORRECTED ? "uncorrected" : "corrected");
		json_kv_uint_known(j, "before", r->before[i], r->before[i] != HEALTH_UNREAD);
		json_kv_uint_known(j, "after", r->after[i], r->after[i] != HEALTH_UNREAD);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "links");
	json_array_begin(j);
	for (size_t i = 0; i < r->src.nlinks; i++) {
		json_object_begin(j);
		json_kv_string(j, "bdf", r->src.links[i].bdf);
		link_state_json(j, "before", &r->link_before[i]);
		link_state_json(j, "after", &r->link_after[i]);
		json_kv_double(j, "changed_at_s", r->link_changed_at[i]);
		json_object_end(j);
	}
	json_array_end(j);
}

/* "xid_events": whether they were watched, and each one that came. */
static void xids_json(const struct health_record *r, struct json *j)
{
	static const char *const watch[] = {
		[HEALTH_XID_NONE] = NULL, [HEALTH_XID_WATCHED] = "watched",
		[HEALTH_XID_UNSUPPORTED] = "not supported",
	};

	json_key(j, "xid_events");
	json_object_begin(j);
	json_kv_string(j, "watch", watch[r->src.xid_watch]);
	json_key(j, "events");
	json_array_begin(j);
	for (size_t i = 0; i < r->nxids; i++) {
		json_object_begin(j);
		json_kv_double(j, "t", r->xids[i].t);
		json_kv_string(j, "bdf", r->xids[i].bdf);
		json_key(j, "xid");
		json_uint(j, r->xids[i].xid);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "lost");
	json_uint(j, r->xids_lost);
	json_object_end(j);
}

void health_record_json(const struct health_record *r, struct json *j)
{
	json_kv_double(j, "interval_s", r->interval_s);
	json_kv_double(j, "duration_s", r->duration_s);
	json_kv_double(j, "sampler_cpu_s", r->cpu_s);
	json_kv_double(j, "load_from_s", r->load_from);
	json_kv_double(j, "load_to_s", r->load_to);
	sources_json(r, j);
	samples_json(r, j);
	counters_json(r, j);
	xids_json(r, j);
}

void health_findings_json(const struct findings *f, struct json *j)
{
	json_array_begin(j);
	for (size_t i = 0; i < f->n; i++) {
		json_object_begin(j);
		json_kv_string(j, "id", f->v[i].id);
		json_kv_string(j, "severity", finding_severity_name(f->v[i].severity));
		json_kv_string(j, "subject", f->v[i].subject);
		json_kv_string(j, "evidence", f->v[i].evidence);
		json_kv_string(j, "fix", f->v[i].fix);
		json_object_end(j);
	}
	json_array_end(j);
}
