/* What a health record means (see health.h): its curves summed up, and the
 * findings an integrator acts on. Reads no files. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tune/finding.h"
#include "verify/health.h"

#define BELOW_BASE 0.97         /* cpufreq rounds; 3 % under base is below it */
#define THROTTLED_SHARE 0.25    /* of the samples under load */
#define BANDWIDTH_DROP 0.10
#define MIN_TREND_S 90.0     /* burn-ins shorter than this are not judged */

double health_time_at_or_above(const struct health_record *r, size_t sensor, double limit)
{
	double total = 0;

	for (size_t i = 0; i < r->n; i++) {
		double next = i + 1 < r->n ? r->t[i + 1] : r->duration_s;

		if (r->temp[i * r->src.ntemps + sensor] >= limit && next > r->t[i])
			total += next - r->t[i];
	}
	return total;
}

int bench_points_append(struct bench_point **p, size_t *n, double t, double gbps)
{
	struct bench_point *v = reallocarray(*p, *n + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	*p = v;
	v[(*n)++] = (struct bench_point){.t = t, .gbps = gbps};
	return 0;
}

double health_window_gbps(const struct bench_point *p, size_t n, double from, double to)
{
	double sum = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (p[i].t >= from && p[i].t < to) {
			sum += p[i].gbps;
			k++;
		}
	return k ? sum / k : NAN;
}

double health_window_length(const struct bench_point *p, size_t n)
{
	double span = n ? p[n - 1].t - p[0].t : 0;

	return span >= 120 ? 60 : span / 2;
}

void health_first_last(const struct bench_point *p, size_t n, double *first, double *last, double *window)
{
	double w = health_window_length(p, n);

	*window = w;
	/* A run of one point (a short burn-in on a slow machine: a GPU's
	 * copies flushed once, at the end) has windows of no length: both
	 * are that point, not an empty first window (NaN, printed "nan"). */
	*first = n ? health_window_gbps(p, n, p[0].t, w > 0 ? p[0].t + w : INFINITY) : NAN;
	*last = n ? health_window_gbps(p, n, p[n - 1].t - w, INFINITY) : NAN;
}

/* ---- findings ---- */

static bool under_load(const struct health_record *r, size_t i)
{
	if (isnan(r->load_from))
		return true;
	return r->t[i] >= r->load_from && (isnan(r->load_to) || r->t[i] <= r->load_to);
}

static int find_throttling(const struct health_record *r, struct findings *out)
{
	double base = r->src.base_mhz, lowest = INFINITY, at = 0;
	size_t loaded = 0, below = 0;

	if (isnan(base))
		return 0;
	for (size_t i = 0; i < r->n; i++) {
		double median = r->clock[i * 3 + 1];

		if (isnan(median) || !under_load(r, i))
			continue;
		loaded++;
		if (median < base * BELOW_BASE)
			below++;
		if (median < lowest) {
			lowest = median;
			at = r->t[i];
		}
	}
	if (!loaded || below < 2 || below < loaded * THROTTLED_SHARE)
		return 0;
	return findings_add(out, FINDING_WARN, "health.cpu.clock", "CPU clocks under load",
			    "look for thermal or power throttling: cooling, fan curves, the BIOS power "
			    "limits (cTDP/PPT), the PSU; `rigtune audit` for the governor",
			    "median clock below the %.0f MHz base in %zu of %zu samples under load "
			    "(lowest %.0f MHz at %.1f s)", base, below, loaded, lowest, at);
}

static int find_temperature(const struct health_record *r, size_t k, struct findings *out)
{
	const struct health_temp *s = &r->src.temps[k];
	double lo, med, hi, limit;
	bool crit;
	_cleanup_free_ char *id = NULL;

	if (doubles_min_median_max(r->temp + k, r->n, r->src.ntemps, &lo, &med, &hi) != 0)
		return 0;
	crit = !isnan(s->crit_c) && hi >= s->crit_c;
	if (!crit && (isnan(s->max_c) || hi < s->max_c))
		return 0;
	limit = crit ? s->crit_c : s->max_c;
	id = xasprintf("health.temp.%s", s->id);
	if (!id)
		return -ENOMEM;
	return findings_add(out, crit ? FINDING_FAIL : FINDING_WARN, id, s->id,
			    "check the cooling of this part: airflow, heatsink contact, fan speeds, "
			    "the room's temperature",
			    "reached %.1f °C, at or above its %s limit of %.1f °C for %.1f s of %.0f s",
			    hi, crit ? "critical" : "max", limit, health_time_at_or_above(r, k, limit),
			    r->duration_s);
}

/* An EDAC controller's count is reported only when none of its DIMMs
 * says more (the DIMM names the part to replace). */
static bool dimm_moved(const struct health_record *r, const struct health_counter *mc)
{
	size_t stem = strlen(mc->id) - strlen(".ce");

	for (size_t i = 0; i < r->src.ncounters; i++) {
		const struct health_counter *c = &r->src.counters[i];

		if (c->per_dimm && c->kind == mc->kind && !strncmp(c->id, mc->id, stem) &&
		    r->before[i] != HEALTH_UNREAD && r->after[i] != HEALTH_UNREAD && r->after[i] > r->before[i])
			return true;
	}
	return false;
}

static int find_counter(const struct health_record *r, size_t i, struct findings *out)
{
	const struct health_counter *c = &r->src.counters[i];
	bool ue = c->kind == HEALTH_UNCORRECTED;
	_cleanup_free_ char *id = NULL;

	if (r->before[i] == HEALTH_UNREAD || r->after[i] == HEALTH_UNREAD || r->after[i] <= r->before[i])
		return 0;
	if (startswith(c->id, "edac.") && !c->per_dimm && dimm_moved(r, c))
		return 0;
	id = xasprintf("health.%s", c->id);
	if (!id)
		return -ENOMEM;
	return findings_add(out, ue ? FINDING_FAIL : FINDING_WARN, id, c->subject,
			    startswith(c->id, "edac.")
			    ? (ue ? "replace the DIMM (reseat it first if it is new) and rerun the burn-in"
				  : "watch this DIMM: reseat it, and replace it if the count keeps growing")
			    : startswith(c->id, "aer.")
			    ? "reseat the card and its risers or cables; check the slot's PCIe speed setting "
			      "in the BIOS"
			    : "read the machine-check log (rasdaemon, journalctl -k) for the failing part",
			    "%s errors: %llu before the run, %llu after (+%llu)",
			    ue ? "uncorrected" : "corrected", (unsigned long long)r->before[i],
			    (unsigned long long)r->after[i], (unsigned long long)(r->after[i] - r->before[i]));
}

static int find_link(const struct health_record *r, size_t i, struct findings *out)
{
	const struct health_link_state *a = &r->link_before[i], *b = &r->link_changed[i],
				       *e = &r->link_after[i];
	unsigned cls = r->src.links[i].pci_class;
	bool gpu = (cls >> 8) == 0x03 || (cls >> 8) == 0x12;
	bool down = b->gts < a->gts || b->width < a->width;
	_cleanup_free_ char *id = NULL;

	if (isnan(r->link_changed_at[i]))
		return 0;
	id = xasprintf("health.pcie.link.%s", r->src.links[i].bdf);
	if (!id)
		return -ENOMEM;
	/* a GPU lowers its link speed by itself when idle; its width stays */
	return findings_add(out, gpu && b->width == a->width ? FINDING_INFO : FINDING_WARN, id,
			    r->src.links[i].bdf,
			    "reseat the card, its riser or cable; set the slot's PCIe generation in the BIOS",
			    "link %s during the run: %.1f GT/s x%d at the start, %.1f GT/s x%d at %.0f s, "
			    "%.1f GT/s x%d at the end", down ? "trained down" : "retrained", a->gts, a->width,
			    b->gts, b->width, r->link_changed_at[i], e->gts, e->width);
}

/* XIDs by NVIDIA's Xid catalog (docs.nvidia.com/deploy/xid-errors/: the
 * Xid table, and the catalog for Ampere and newer): those that name a
 * hardware fault fail; any other XID warns (13, 31, 43 and 45 are mostly
 * an application's fault or the driver's cleanup after one). */
static const struct {
	unsigned xid;
	bool fault;
	const char *what;
} xid_kinds[] = {
	{13, false, "graphics engine exception"},
	{31, false, "GPU memory page fault"},
	{43, false, "GPU stopped processing"},
	{45, false, "preemptive cleanup after an earlier error"},
	{48, true, "double-bit ECC error"},
	{63, false, "row remapping or page retirement recorded"},
	{64, true, "row remapping or page retirement failed"},
	{68, false, "video decoder exception"},
	{74, true, "NVLink error"},
	{79, true, "GPU fallen off the bus"},
	{92, false, "high single-bit ECC error rate"},
	{94, true, "contained uncorrectable ECC error"},
	{95, true, "uncontained uncorrectable ECC error"},
};

static int find_xid(const struct health_record *r, size_t i, struct findings *out)
{
	const struct health_xid *x = &r->xids[i];
	const char *what = "not in rigtune's table";
	bool fault = false;
	_cleanup_free_ char *id = NULL, *subject = NULL;
	size_t times = 0;

	for (size_t j = 0; j < r->nxids; j++)
		if (r->xids[j].xid == x->xid && !strcmp(r->xids[j].bdf, x->bdf)) {
			if (j < i)
				return 0;       /* told with its first */
			times++;
		}
	for (size_t k = 0; k < ARRAY_SIZE(xid_kinds); k++)
		if (xid_kinds[k].xid == x->xid) {
			what = xid_kinds[k].what;
			fault = xid_kinds[k].fault;
		}
	id = xasprintf("health.gpu.xid.%s.%llu", x->bdf, x->xid);
	subject = xasprintf("GPU %s", x->bdf);
	if (!id || !subject)
		return -ENOMEM;
	return findings_add(out, fault ? FINDING_FAIL : FINDING_WARN, id, subject,
			    fault ? "a hardware fault by NVIDIA's Xid catalog: reset the GPU and rerun the burn-in; "
				    "if it comes back, reseat the GPU, check its power, PCIe or NVLink, and replace it"
				  : "read the kernel log (dmesg | grep Xid) for the process it names; update the "
				    "driver if it comes back without a faulty application",
			    "XID %llu (%s) %zu time%s during the run, first at %.1f s", x->xid, what, times,
			    times == 1 ? "" : "s", x->t);
}

static int find_xids(const struct health_record *r, struct findings *out)
{
	int ret = 0;

	for (size_t i = 0; ret >= 0 && i < r->nxids; i++)
		ret = find_xid(r, i, out);
	if (ret >= 0 && r->xids_lost)
		ret = findings_add(out, FINDING_WARN, "health.gpu.xid.more", "GPUs", NULL,
				   "%zu more XID events than the %d kept", r->xids_lost, HEALTH_MAX_XIDS);
	return ret;
}

bool health_bandwidth_drop(const struct bench_point *bw, size_t n, double *first, double *last, double *window)
{
	double w, f, l;

	/* a short run's halves are seconds apart: noise, not a trend */
	if (n < 2 || bw[n - 1].t - bw[0].t < MIN_TREND_S)
		return false;
	health_first_last(bw, n, &f, &l, &w);
	if (isnan(f) || isnan(l) || l >= f * (1 - BANDWIDTH_DROP))
		return false;
	*first = f;
	*last = l;
	*window = w;
	return true;
}

static int find_bandwidth_drop(const struct bench_point *bw, size_t n, struct findings *out)
{
	double w, first, last;

	if (!health_bandwidth_drop(bw, n, &first, &last, &w))
		return 0;
	return findings_add(out, FINDING_WARN, "health.burnin.bandwidth", "sustained memory bandwidth",
			    "look at the clock and temperature curves of the same run: a drop under "
			    "sustained load is usually throttling",
			    "host triad %.1f GB/s in the last %.0f s, %.0f %% below the %.1f GB/s of the "
			    "first %.0f s", last, w, (1 - last / first) * 100, first, w);
}

int health_findings(const struct health_record *r, const struct bench_point *bw, size_t nbw,
		    struct findings *out)
{
	int ret = r ? find_throttling(r, out) : 0;

	for (size_t k = 0; r && ret >= 0 && k < r->src.ntemps; k++)
		ret = find_temperature(r, k, out);
	for (size_t i = 0; r && ret >= 0 && i < r->src.ncounters; i++)
		ret = find_counter(r, i, out);
	for (size_t i = 0; r && ret >= 0 && i < r->src.nlinks; i++)
		ret = find_link(r, i, out);
	if (r && ret >= 0)
		ret = find_xids(r, out);
	if (ret >= 0)
		ret = find_bandwidth_drop(bw, nbw, out);
	return ret;
}
