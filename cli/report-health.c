/* rigtune report: health under load. HTML: line charts (inline SVG, no
 * script) of the burn-in's bandwidth, the CPU clocks against base and
 * boost, and every temperature sensor against its limit, over time.
 * Prometheus: the error counters, the hottest reading of each sensor, the
 * clock range and the burn-in's first and last windows, the GPUs' copies
 * beside it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"
#include "common/escape.h"
#include "common/util.h"
#include "verify/gpu-burnin.h"

#define CHART_W 900
#define CHART_H 220
#define PLOT_X 60             /* left margin: the value axis */
#define PLOT_W (CHART_W - PLOT_X - 180)  /* right margin: the legend */
#define PLOT_H (CHART_H - 50)
#define MAX_POINTS 600        /* per polyline; longer series are thinned evenly */

static const char *const palette[] = {"#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f",
				      "#ad1457", "#5d4037", "#455a64"};

struct series {
	const char *label;
	const double *y;        /* y[i * stride], NAN gaps */
	size_t stride;
	const char *dash;       /* stroke-dasharray or NULL */
};

struct chart {
	const char *title, *unit;
	const double *x;        /* seconds, x[i * xstride] */
	size_t xstride, n;
	double xmax;
	struct series s[10];
	size_t ns;
	struct limit {          /* a dashed horizontal line: base clock, a sensor's limit */
		double v;
		const char *label, *color;
	} limit[10];
	size_t nlimits;
};

static bool range_of(const struct chart *c, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t k = 0; k < c->ns; k++)
		for (size_t i = 0; i < c->n; i++) {
			double v = c->s[k].y[i * c->s[k].stride];

			if (!isnan(v)) {
				*lo = fmin(*lo, v);
				*hi = fmax(*hi, v);
			}
		}
	for (size_t l = 0; l < c->nlimits; l++) {
		*lo = fmin(*lo, c->limit[l].v);
		*hi = fmax(*hi, c->limit[l].v);
	}
	if (*lo > *hi)
		return false;
	/* a flat line sits in the middle of a band of ±5 % */
	double pad = (*hi - *lo) * 0.08 + fabs(*hi) * 0.02 + 1e-9;
	*lo = fmax(0, *lo - pad);
	*hi += pad;
	return true;
}

static void polyline(FILE *out, const struct chart *c, const struct series *s, const char *color,
		     double lo, double hi)
{
	size_t step = c->n > MAX_POINTS ? (c->n + MAX_POINTS - 1) / MAX_POINTS : 1;
	bool open = false;

	for (size_t i = 0; i < c->n; i += step) {
		double v = s->y[i * s->stride], t = c->x[i * c->xstride];

		if (isnan(v)) {
			if (open)
				fputs("\"/>\n", out);
			open = false;
			continue;
		}
		if (!open)
			fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s%s%s points=\"",
				color, s->dash ? " stroke-dasharray=\"" : "", s->dash ? s->dash : "",
				s->dash ? "\"" : "");
		open = true;
		fprintf(out, "%.1f,%.1f ", PLOT_X + t / c->xmax * PLOT_W,
			20 + PLOT_H - (v - lo) / (hi - lo) * PLOT_H);
	}
	if (open)
		fputs("\"/>\n", out);
}

static void axes(FILE *out, const struct chart *c, double lo, double hi)
{
	fprintf(out, "<rect x=\"%d\" y=\"20\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#bbb\"/>\n",
		PLOT_X, PLOT_W, PLOT_H);
	fprintf(out, "<text class=\"title\" x=\"%d\" y=\"14\">", PLOT_X);
	escape_xml(out, c->title);
	fputs("</text>\n", out);
	for (int k = 0; k <= 4; k++) {
		double v = lo + (hi - lo) * k / 4;
		double y = 20 + PLOT_H - (double)PLOT_H * k / 4;

		fprintf(out, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%.*f</text>\n", PLOT_X - 4, y + 4,
			hi - lo < 10 ? 1 : 0, v);
		fprintf(out, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%.*f s</text>\n",
			PLOT_X + (double)PLOT_W * k / 4, 20 + PLOT_H + 16, c->xmax < 40 ? 1 : 0, c->xmax * k / 4);
	}
	fprintf(out, "<text x=\"4\" y=\"34\">%s</text>\n", c->unit);
}

static void legend(FILE *out, const char *label, const char *color, const char *dash, int row)
{
	int y = 30 + row * 18;

	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>",
		PLOT_X + PLOT_W + 10, y, PLOT_X + PLOT_W + 30, y, color, dash ? " stroke-dasharray=\"" : "",
		dash ? dash : "", dash ? "\"" : "");
	fprintf(out, "<text x=\"%d\" y=\"%d\">", PLOT_X + PLOT_W + 36, y + 4);
	escape_xml(out, label);
	fputs("</text>\n", out);
}

static void svg_line_chart(FILE *out, const struct chart *c)
{
	double lo, hi;
	int row = 0;

	if (c->n == 0 || c->xmax <= 0 || !range_of(c, &lo, &hi))
		return;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" "
		     "aria-label=\"", CHART_W, CHART_H);
	escape_xml(out, c->title);
	fputs("\">\n", out);
	axes(out, c, lo, hi);
	for (size_t l = 0; l < c->nlimits; l++) {
		const struct limit *m = &c->limit[l];
		double y = 20 + PLOT_H - (m->v - lo) / (hi - lo) * PLOT_H;

		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
			     "stroke-dasharray=\"6 4\"/>\n", PLOT_X, y, PLOT_X + PLOT_W, y, m->color);
		legend(out, m->label, m->color, "6 4", row++);
	}
	for (size_t k = 0; k < c->ns; k++) {
		const char *color = palette[k % ARRAY_SIZE(palette)];

		polyline(out, c, &c->s[k], color, lo, hi);
		legend(out, c->s[k].label, color, c->s[k].dash, row++);
	}
	fputs("</svg>\n", out);
}

/* On the health charts' time axis (since the sampler started) when there
 * is one, so a dip lines up with the clock and the temperature. */
static void chart_bandwidth(const struct bench_report *b, FILE *out)
{
	struct chart c = { .title = "Burn-in: host triad bandwidth over time", .unit = "GB/s" };

	if (!b->nburnin)
		return;
	c.x = &b->burnin[0].t;
	c.xstride = sizeof(*b->burnin) / sizeof(double);
	c.n = b->nburnin;
	c.xmax = b->health ? fmax(b->health->duration_s, b->burnin[b->nburnin - 1].t) : b->burnin[b->nburnin - 1].t;
	c.s[c.ns++] = (struct series) { "triad", &b->burnin[0].gbps, c.xstride, NULL };
	svg_line_chart(out, &c);
}

static void chart_clock(const struct health_record *h, FILE *out)
{
	struct chart c = { .title = "CPU clock over time (lowest, median, highest core)", .unit = "MHz",
			   .x = h->t, .xstride = 1, .n = h->n, .xmax = h->duration_s };

	if (!isnan(h->src.base_mhz))
		c.limit[c.nlimits++] = (struct limit) { h->src.base_mhz, "base", "#777" };

	c.s[c.ns++] = (struct series) { "highest core", h->clock + 2, 3, "2 2" };
	c.s[c.ns++] = (struct series) { "median core", h->clock + 1, 3, NULL };
	c.s[c.ns++] = (struct series) { "lowest core", h->clock, 3, "2 2" };
	svg_line_chart(out, &c);
}

/* The chip of a sensor id: "k10temp" of "k10temp@0000:00:18.3/Tccd1". */
static size_t chip_len(const char *id)
{
	return strcspn(id, "@/");
}

/* The hottest reading of a chip's sensors per sample, and their lowest limit (NAN none). */
static void hottest_of_chip(const struct health_record *h, const char *chip, size_t len, double *out,
			    double *limit)
{
	*limit = NAN;
	for (size_t i = 0; i < h->n; i++)
		out[i] = NAN;
	for (size_t k = 0; k < h->src.ntemps; k++) {
		const struct health_temp *s = &h->src.temps[k];
		double l = !isnan(s->max_c) ? s->max_c : s->crit_c;

		if (chip_len(s->id) != len || strncmp(s->id, chip, len))
			continue;
		if (!isnan(l) && (isnan(*limit) || l < *limit))
			*limit = l;
		for (size_t i = 0; i < h->n; i++) {
			double v = h->temp[i * h->src.ntemps + k];

			if (!isnan(v) && (isnan(out[i]) || v > out[i]))
				out[i] = v;
		}
	}
}

/* One line per kind of chip (k10temp, spd5118, nvme...): the hottest of
 * its sensors at each sample, so a rig with 50 sensors stays readable;
 * each chip's lowest limit dashed in its colour. The JSON has them all. */
static void chart_temps(const struct health_record *h, FILE *out)
{
	struct chart c = { .title = "Temperatures over time (hottest sensor of each kind)", .unit = "°C",
			   .x = h->t, .xstride = 1, .n = h->n, .xmax = h->duration_s };
	_cleanup_free_ double *v = calloc(ARRAY_SIZE(c.s) * (h->n + 1), sizeof(double));
	char names[ARRAY_SIZE(c.s)][48], limits[ARRAY_SIZE(c.s)][64];

	for (size_t k = 0; v && k < h->src.ntemps && c.ns < ARRAY_SIZE(c.s); k++) {
		const char *id = h->src.temps[k].id;
		size_t len = chip_len(id), g;
		double limit;

		for (g = 0; g < c.ns && (strlen(names[g]) != len || strncmp(names[g], id, len)); g++)
			;
		if (g < c.ns)
			continue;       /* this chip has its line already */
		snprintf(names[g], sizeof(names[g]), "%.*s", (int)len, id);
		hottest_of_chip(h, id, len, v + g * (h->n + 1), &limit);
		c.s[c.ns++] = (struct series) { names[g], v + g * (h->n + 1), 1, NULL };
		if (!isnan(limit)) {
			snprintf(limits[g], sizeof(limits[g]), "%.40s limit", names[g]);
			c.limit[c.nlimits++] = (struct limit) { limit, limits[g], palette[g % ARRAY_SIZE(palette)] };
		}
	}
	if (c.ns)
		svg_line_chart(out, &c);
}

static void html_gpu_copies(const struct gpu_copy_report *g, FILE *out)
{
	if (!g || !g->ngpus) {
		fputs("<p>GPU copies: ", out);
		escape_xml(out, !g ? "off (--no-gpu)" : g->error ? g->error : "none");
		fputs("</p>\n", out);
		return;
	}
	fprintf(out, "<p>Host&#8596;GPU copies beside the burn-in (%s, %.0f MiB each, both directions at once):</p>\n"
		     "<table><tr><th>GPU</th><th>copies</th><th>first window GB/s</th><th>last window GB/s</th>"
		     "<th>error</th></tr>\n", g->runtime, g->bytes / 1048576.0);
	for (size_t i = 0; i < g->ngpus; i++) {
		const struct gpu_copy_result *x = &g->gpus[i];
		double w, first, last;

		health_first_last(x->points, x->npoints, &first, &last, &w);
		fprintf(out, "<tr><td>GPU%d %s</td><td>%llu</td>", x->index, x->bdf, (unsigned long long)x->copies);
		if (x->npoints)
			fprintf(out, "<td>%.1f</td><td>%.1f</td>", first, last);
		else
			fputs("<td></td><td></td>", out);
		fputs("<td>", out);
		escape_xml(out, x->error ? x->error : "");
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

void report_html_health(const struct report *r, FILE *out)
{
	const struct bench_report *b = r->bench;
	const struct health_record *h = b ? b->health : NULL;

	if (!b)
		return;
	fputs("<h2>Health under load</h2>\n", out);
	if (b->nburnin) {
		fprintf(out, "<p>Burn-in: %.0f s of %.0f s asked%s.</p>\n", b->burnin_elapsed_s, b->burnin_seconds,
			b->burnin_interrupted ? ", interrupted (a partial report)" : "");
		chart_bandwidth(b, out);
	}
	if (b->burnin_seconds > 0)
		html_gpu_copies(b->gpu_copies, out);
	if (!h) {
		fputs("<p>Not sampled: ", out);
		escape_xml(out, b->health_error ? b->health_error : "--no-health");
		fputs("</p>\n", out);
		return;
	}
	chart_clock(h, out);
	chart_temps(h, out);
	fprintf(out, "<p>%zu samples every %.2f s; %zu error counters and %zu PCIe links watched "
		     "(the findings are among the checks above).</p>\n", h->n, h->interval_s, h->src.ncounters,
		h->src.nlinks);
	if (h->src.missing) {
		fputs("<p>Not on this host:</p><ul>\n", out);
		for (char **m = h->src.missing; *m; m++) {
			fputs("<li>", out);
			escape_xml(out, *m);
			fputs("</li>\n", out);
		}
		fputs("</ul>\n", out);
	}
}

/* ---- Prometheus ---- */

static void prom_counters(const struct health_record *h, FILE *out)
{
	prom_header(out, "rigtune_health_errors", "gauge",
		    "Error counter at the end of the run (EDAC per controller and DIMM, PCIe AER, machine checks).");
	for (size_t i = 0; i < h->src.ncounters; i++) {
		const struct health_counter *c = &h->src.counters[i];

		if (h->after[i] == HEALTH_UNREAD)
			continue;
		fputs("rigtune_health_errors{counter=\"", out);
		escape_prom_label(out, c->id);
		fprintf(out, "\",kind=\"%s\"} %llu\n", c->kind == HEALTH_UNCORRECTED ? "uncorrected" : "corrected",
			(unsigned long long)h->after[i]);
	}
	prom_header(out, "rigtune_health_errors_during_run", "gauge", "How much each error counter moved during the run.");
	for (size_t i = 0; i < h->src.ncounters; i++) {
		if (h->after[i] == HEALTH_UNREAD || h->before[i] == HEALTH_UNREAD)
			continue;
		fputs("rigtune_health_errors_during_run{counter=\"", out);
		escape_prom_label(out, h->src.counters[i].id);
		fprintf(out, "\"} %llu\n", (unsigned long long)(h->after[i] - h->before[i]));
	}
}

static void prom_sensors(const struct health_record *h, FILE *out)
{
	double lo, med, hi;

	prom_header(out, "rigtune_health_temperature_max_celsius", "gauge", "Hottest reading of each sensor during the run.");
	for (size_t k = 0; k < h->src.ntemps; k++)
		if (doubles_min_median_max(h->temp + k, h->n, h->src.ntemps, &lo, &med, &hi) == 0) {
			fputs("rigtune_health_temperature_max_celsius{sensor=\"", out);
			escape_prom_label(out, h->src.temps[k].id);
			fprintf(out, "\"} %.1f\n", hi);
		}
	if (doubles_min_median_max(h->clock + 1, h->n, 3, &lo, &med, &hi) != 0)
		return;
	prom_header(out, "rigtune_health_cpu_clock_mhz", "gauge", "Median-core CPU clock during the run.");
	fprintf(out, "rigtune_health_cpu_clock_mhz{stat=\"min\"} %.0f\nrigtune_health_cpu_clock_mhz{stat=\"median\"} %.0f\n"
		     "rigtune_health_cpu_clock_mhz{stat=\"max\"} %.0f\n", lo, med, hi);
}

/* Each GPU's copies beside the burn-in: first and last window, and
 * whether a copy failed. */
static void prom_gpu_copies(const struct gpu_copy_report *g, FILE *out)
{
	prom_header(out, "rigtune_burnin_gpu_copy_gbps", "gauge",
		    "Host<->GPU copies beside the burn-in, both directions at once, first and last window.");
	for (size_t i = 0; i < g->ngpus; i++) {
		double w, first, last;

		health_first_last(g->gpus[i].points, g->gpus[i].npoints, &first, &last, &w);
		if (g->gpus[i].npoints)
			fprintf(out, "rigtune_burnin_gpu_copy_gbps{gpu=\"%s\",window=\"first\"} %.3f\n"
				     "rigtune_burnin_gpu_copy_gbps{gpu=\"%s\",window=\"last\"} %.3f\n",
				g->gpus[i].bdf, first, g->gpus[i].bdf, last);
	}
	prom_header(out, "rigtune_burnin_gpu_copy_errors", "gauge", "1 when a host<->GPU copy failed during the burn-in.");
	for (size_t i = 0; i < g->ngpus; i++)
		fprintf(out, "rigtune_burnin_gpu_copy_errors{gpu=\"%s\"} %d\n", g->gpus[i].bdf, !!g->gpus[i].error);
}

void report_prometheus_health(const struct report *r, FILE *out)
{
	const struct bench_report *b = r->bench;
	double w, first, last;

	if (!b)
		return;
	if (b->health) {
		prom_counters(b->health, out);
		prom_sensors(b->health, out);
	}
	if (b->gpu_copies && b->gpu_copies->ngpus)
		prom_gpu_copies(b->gpu_copies, out);
	if (!b->nburnin)
		return;
	health_first_last(b->burnin, b->nburnin, &first, &last, &w);
	prom_header(out, "rigtune_burnin_triad_gbps", "gauge",
		    "Host triad in the burn-in's first and last window (a minute, or half of a shorter run).");
	fprintf(out, "rigtune_burnin_triad_gbps{window=\"first\"} %.3f\nrigtune_burnin_triad_gbps{window=\"last\"} %.3f\n",
		first, last);
}
