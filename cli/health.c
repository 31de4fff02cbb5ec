/* Health under load on the command line (see cli/health.h). Reads no
 * files: the sampler does, through the verifier. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/health.h"
#include "common/util.h"
#include "verify/gpu-burnin.h"

int cli_parse_duration(const char *s, double *ret)
{
	double total = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		char *end;
		double v = strtod(p, &end);

		if (end == p || !(v >= 0) || isinf(v))
			return -EINVAL;
		switch (*end) {
		case 'h': v *= 3600; end++; break;
		case 'm': v *= 60; end++; break;
		case 's': end++; break;
		case '\0': break;
		default: return -EINVAL;
		}
		total += v;
		p = end;
	}
	if (!(total > 0) || total > 7 * 24 * 3600.0)
		return -EINVAL;
	*ret = total;
	return 0;
}

static bool stop_requested(void *ctx)
{
	sigset_t pending;

	(void)ctx;
	return sigpending(&pending) == 0 && (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM));
}

static void show_progress(void *ctx, const struct bench_progress *p)
{
	struct cli_health *h = ctx;
	char clock[32] = "", temp[32] = "";

	if (!h->tty && p->elapsed_s < h->next_line_s && p->elapsed_s < p->total_s)
		return;
	h->next_line_s = (floor(p->elapsed_s / 60) + 1) * 60;
	if (!isnan(p->clock_mhz))
		snprintf(clock, sizeof(clock), "  clock %.0f MHz", p->clock_mhz);
	if (!isnan(p->temp_c))
		snprintf(temp, sizeof(temp), "  hottest %.1f °C", p->temp_c);
	fprintf(stderr, "%sburn-in %d:%02d / %d:%02d  triad %.1f GB/s%s%s%s", h->tty ? "\r\033[K" : "",
		(int)p->elapsed_s / 60, (int)p->elapsed_s % 60, (int)p->total_s / 60, (int)p->total_s % 60,
		p->gbps, clock, temp, h->tty ? "" : "\n");
}

void cli_health_begin(const struct cli *cli, struct cli_health *h, struct bench_options *opt)
{
	const char *test_root = secure_getenv("RIGTUNE_HEALTH_SYSROOT");

	if (!h->off)
		opt->health_root = test_root && *test_root ? test_root : cli->sysroot;
	opt->burnin_seconds = h->burnin_s;
	if (h->burnin_s <= 0)
		return;
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	h->masked = pthread_sigmask(SIG_BLOCK, &stop, &h->saved_mask) == 0;
	h->tty = isatty(STDERR_FILENO);
	h->next_line_s = 60;
	opt->stop = stop_requested;
	opt->progress = show_progress;
	opt->ctx = h;
	fprintf(stderr, "burn-in for %d:%02d after the measurement (Ctrl-C stops it with a partial report)\n",
		(int)h->burnin_s / 60, (int)h->burnin_s % 60);
}

void cli_health_end(struct cli_health *h)
{
	if (h->burnin_s > 0 && h->tty)
		fputs("\r\033[K", stderr);
	if (h->masked) {
		sigset_t stop;
		struct timespec zero = {};

		/* a Ctrl-C that ended the burn-in is spent, not delivered */
		sigemptyset(&stop);
		sigaddset(&stop, SIGINT);
		sigaddset(&stop, SIGTERM);
		while (sigtimedwait(&stop, NULL, &zero) > 0)
			;
		pthread_sigmask(SIG_SETMASK, &h->saved_mask, NULL);
		h->masked = false;
	}
}

/* ---- text ---- */

static void print_curve(FILE *out, const char *what, const double *v, size_t n, size_t stride,
			const char *unit)
{
	double lo, med, hi;

	if (doubles_min_median_max(v, n, stride, &lo, &med, &hi) == 0)
		fprintf(out, "  %-28s min %7.1f  median %7.1f  max %7.1f %s\n", what, lo, med, hi, unit);
}

static void print_temps(const struct health_record *h, FILE *out)
{
	for (size_t k = 0; k < h->src.ntemps; k++) {
		const struct health_temp *s = &h->src.temps[k];
		double limit = !isnan(s->max_c) ? s->max_c : s->crit_c;
		double lo, med, hi;

		if (doubles_min_median_max(h->temp + k, h->n, h->src.ntemps, &lo, &med, &hi) != 0)
			continue;
		fprintf(out, "  %-28s min %7.1f  median %7.1f  max %7.1f °C", s->id, lo, med, hi);
		/* time within 10 °C of the limit: how close the cooling runs */
		if (!isnan(limit))
			fprintf(out, "  (limit %.0f °C; %.0f s within 10 °C of it)", limit,
				health_time_at_or_above(h, k, limit - 10));
		fputc('\n', out);
	}
}

static void print_counters(const struct health_record *h, FILE *out)
{
	size_t moved = 0, unread = 0;

	for (size_t i = 0; i < h->src.ncounters; i++) {
		if (h->before[i] == HEALTH_UNREAD || h->after[i] == HEALTH_UNREAD) {
			unread++;
			continue;
		}
		if (h->after[i] == h->before[i])
			continue;
		fprintf(out, "  %-28s %llu -> %llu (%s)\n", h->src.counters[i].id,
			(unsigned long long)h->before[i], (unsigned long long)h->after[i],
			h->src.counters[i].subject);
		moved++;
	}
	fprintf(out, "  error counters: %zu watched, %zu moved", h->src.ncounters, moved);
	if (unread)
		fprintf(out, ", %zu unreadable", unread);
	fprintf(out, "; %zu PCIe links watched\n", h->src.nlinks);
}

static void print_burnin(const struct bench_report *r, FILE *out)
{
	const struct bench_point *p = r->burnin;
	size_t n = r->nburnin;
	double w, first, last, lo, med, hi;
	_cleanup_free_ double *g = calloc(n ? n : 1, sizeof(double));

	fprintf(out, "\nBurn-in: %.0f s of host triad%s", r->burnin_elapsed_s,
		r->burnin_interrupted ? " (interrupted: a partial report)" : "");
	fprintf(out, " of %.0f s asked, %zu points\n", r->burnin_seconds, n);
	if (!n || !g)
		return;
	for (size_t i = 0; i < n; i++)
		g[i] = p[i].gbps;
	if (doubles_min_median_max(g, n, 1, &lo, &med, &hi) == 0)
		fprintf(out, "  %-28s min %7.1f  median %7.1f  max %7.1f GB/s\n", "triad", lo, med, hi);
	health_first_last(p, n, &first, &last, &w);
	fprintf(out, "  first %.0f s: %.1f GB/s; last %.0f s: %.1f GB/s\n", w, first, w, last);
}

/* Watched: each XID that came (at most a few lines); not supported: the
 * "not here" lines say so. */
static void print_xids(const struct health_record *h, FILE *out)
{
	if (h->src.xid_watch != HEALTH_XID_WATCHED)
		return;
	fprintf(out, "  GPU XID events: %zu during the run\n", h->nxids + h->xids_lost);
	for (size_t i = 0; i < h->nxids && i < 10; i++)
		fprintf(out, "    %6.1f s  GPU %s  XID %llu\n", h->xids[i].t, h->xids[i].bdf, h->xids[i].xid);
	if (h->nxids + h->xids_lost > 10)
		fprintf(out, "    ... and %zu more (all in --json)\n", h->nxids + h->xids_lost - 10);
}

static void print_gpu_copies(const struct gpu_copy_report *g, FILE *out)
{
	if (!g) {
		fprintf(out, "  GPU copies: off (--no-gpu)\n");
		return;
	}
	if (!g->ngpus) {
		fprintf(out, "  GPU copies: %s; carried on with the CPU only\n", g->error ? g->error : "none");
		return;
	}
	fprintf(out, "  GPU copies (%s, %s, %.0f MiB each, both directions at once):\n", g->runtime, g->library,
		g->bytes / 1048576.0);
	for (size_t i = 0; i < g->ngpus; i++) {
		const struct gpu_copy_result *x = &g->gpus[i];
		double w, first, last;

		health_first_last(x->points, x->npoints, &first, &last, &w);
		fprintf(out, "    GPU%d %s: %llu copies", x->index, x->bdf, (unsigned long long)x->copies);
		if (x->npoints)
			fprintf(out, "; first %.0f s: %.1f GB/s; last %.0f s: %.1f GB/s", w, first, w, last);
		if (x->error)
			fprintf(out, "; copy error: %s", x->error);
		fputc('\n', out);
	}
}

void cli_health_print(const struct bench_report *r, FILE *out)
{
	const struct health_record *h = r->health;

	if (r->burnin_seconds > 0) {
		print_burnin(r, out);
		print_gpu_copies(r->gpu_copies, out);
	}
	if (!h) {
		fprintf(out, "\nHealth: not sampled%s%s.\n", r->health_error ? ": " : " (--no-health)",
			r->health_error ? r->health_error : "");
		return;
	}
	fprintf(out, "\nHealth during the run (%zu samples over %.0f s, every %.2f s):\n", h->n, h->duration_s,
		h->interval_s);
	print_curve(out, "CPU clock, lowest core", h->clock, h->n, 3, "MHz");
	print_curve(out, "CPU clock, median core", h->clock + 1, h->n, 3, "MHz");
	print_curve(out, "CPU clock, highest core", h->clock + 2, h->n, 3, "MHz");
	if (!isnan(h->src.base_mhz) || !isnan(h->src.max_mhz))
		fprintf(out, "  %-28s base %.0f MHz, boost %.0f MHz\n", "", h->src.base_mhz, h->src.max_mhz);
	print_temps(h, out);
	for (size_t k = 0; k < h->src.npower; k++)
		print_curve(out, h->src.power[k].id, h->power + k, h->n, h->src.npower, "W");
	print_counters(h, out);
	print_xids(h, out);
	for (char **m = h->src.missing; m && *m; m++)
		fprintf(out, "  not here: %s\n", *m);
}

void cli_findings_print(const struct findings *f, FILE *out)
{
	if (!f->n)
		return;
	fprintf(out, "\nFindings:\n");
	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->v[i];

		fprintf(out, "  %-4s  %s: %s [%s]\n", finding_severity_name(x->severity), x->subject, x->evidence,
			x->id);
		if (x->fix)
			fprintf(out, "        fix: %s\n", x->fix);
	}
}

bool cli_findings_fail(const struct findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].severity == FINDING_FAIL)
			return true;
	return false;
}
