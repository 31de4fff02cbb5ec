/* rigtune report, HTML: one self-contained page for the rig's owner (no
 * scripts, fonts or images from elsewhere): the verdict, the checks, the
 * topology as inline SVG (sockets, NUMA nodes, PCIe devices with their
 * links, downgrades and the limiting hop in red, GPU links), a
 * bandwidth chart of each scope against its theoretical peak, and the
 * health charts of report-health.c. */
#include <math.h>
#include <string.h>

#include "cli/render.h"
#include "cli/report.h"
#include "common/escape.h"
#include "common/util.h"
#include "config.h"

#define NODE_W 430
#define ROW_H 17
#define RED "#c62828"
#define GREEN "#2e7d32"
#define GREY "#777"

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}"
	"h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ddd}"
	".verdict{padding:1em 1.5em;border-radius:8px;color:#fff;font-size:1.4em;font-weight:600}"
	".PASS{background:#2e7d32}.FAIL{background:#c62828}.ERROR{background:#6a1b9a}"
	"table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #eee;"
	"text-align:left;vertical-align:top}th{background:#f5f5f5}"
	".pass{color:#2e7d32}.fail{color:#c62828;font-weight:600}.skip{color:#888}.error{color:#6a1b9a;"
	"font-weight:600}.warn{color:#b26a00;font-weight:600}.info{color:#1565c0}.hint{color:#555;font-size:.9em}svg text{font:12px monospace}"
	"svg .title{font:bold 13px system-ui,sans-serif}";

static void h(FILE *out, const char *s)
{
	escape_xml(out, s ? s : "");
}

static void html_header(const struct report *r, FILE *out)
{
	const struct audit *a = r->audit;
	const struct host *host = r->host;
	char when[64], counts[160];

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&r->generated));
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rigtune report: ", out);
	h(out, r->profile->name);
	fprintf(out, "</title><style>%s</style></head><body>\n<h1>rigtune report: ", style);
	h(out, r->profile->name);
	fputs("</h1>\n<p>", out);
	h(out, host->cpu.model_name);
	fprintf(out, " &middot; %d sockets, %d cores, %d threads &middot; %zu NUMA nodes &middot; kernel ",
		host->cpu.sockets, host->cpu.cores, host->cpu.threads, host->numa.nnodes);
	h(out, host->kernel.release);
	fprintf(out, " &middot; %s</p>\n<div class=\"verdict %s\">%s: %s</div>\n", when, report_verdict(r),
		report_verdict(r), format_check_counts(counts, sizeof(counts), a));
}

static void html_checks(const struct report *r, FILE *out)
{
	static const enum check_status order[] = {CHECK_FAIL, CHECK_ERROR, CHECK_WARN, CHECK_INFO, CHECK_PASS,
						  CHECK_SKIP};
	const struct audit *a = r->audit;

	fputs("<h2>Checks</h2>\n<table><tr><th>status</th><th>check</th><th>expected</th><th>actual</th>"
	      "<th>source</th></tr>\n", out);
	for (size_t o = 0; o < ARRAY_SIZE(order); o++)
		for (size_t i = 0; i < a->nchecks; i++) {
			const struct check *c = &a->checks[i];
			char src[256];

			if (c->status != order[o])
				continue;
			fprintf(out, "<tr><td class=\"%s\">%s</td><td>", check_status_name(c->status),
				check_status_name(c->status));
			h(out, c->id);
			if (c->note || c->hint || c->subject) {
				fputs("<div class=\"hint\">", out);
				h(out, c->subject ? c->subject : c->note);
				if (c->hint) {
					fputs(c->note ? "<br>fix: " : "fix: ", out);
					h(out, c->hint);
				}
				fputs("</div>", out);
			}
			fputs("</td><td>", out);
			h(out, c->expected ? c->expected : "-");
			fputs("</td><td>", out);
			h(out, c->actual ? c->actual : "unknown");
			fputs("</td><td>", out);
			h(out, report_source(c, src, sizeof(src)));
			fputs("</td></tr>\n", out);
		}
	fputs("</table>\n", out);
}

/* Devices worth drawing: endpoints, not bridges. */
static bool drawn(const struct pci_device *d)
{
	return !d->is_bridge && (d->class_code >> 8) != 0x06;
}

static size_t devices_on_node(const struct host *host, int node)
{
	size_t n = 0;

	for (size_t i = 0; i < host->pci.ndevices; i++)
		if (drawn(&host->pci.devices[i]) && host->pci.devices[i].numa_node == node)
			n += host->pci.devices[i].limiting_hop ? 2 : 1;
	return n;
}

static void svg_device(FILE *out, const struct pci_device *d, int x, int *y)
{
	const struct pci_link *l = &d->link;
	bool bad = d->has_link && l->downgraded && !l->idle_downgrade;
	char link[64] = "no PCIe link";

	if (d->has_link && l->gen > 0)
		snprintf(link, sizeof(link), "Gen%d x%d%s", l->gen, l->width,
			 l->idle_downgrade ? " idle" : bad ? " (downgraded)" : "");
	char class[25];

	snprintf(class, sizeof(class), "%s", d->class_name ? d->class_name : "device");
	fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s ", x, *y, bad ? RED : "#222", d->bdf);
	escape_xml(out, class);
	fprintf(out, " &#183; %s</text>\n", link);
	*y += ROW_H;
	if (d->limiting_hop) {
		fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"%s\">  limited at %s</text>\n", x + 12, *y, RED,
			d->limiting_hop);
		*y += ROW_H;
	}
}

static void svg_node(const struct host *host, const struct numa_node *n, int x, int y, int height, FILE *out)
{
	_cleanup_free_ char *cpus = n ? cpulist_format(n->cpus) : NULL;
	char mem[32] = "?";
	int id = n ? n->id : UNKNOWN, row = y + 52;

	if (n && n->memory_bytes > 0)
		format_bytes(mem, sizeof(mem), (double)n->memory_bytes);
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\" fill=\"#f3f7fb\" stroke=\"#90a4ae\"/>\n",
		x, y, NODE_W, height);
	if (n)
		fprintf(out, "<text class=\"title\" x=\"%d\" y=\"%d\">NUMA node %d &#183; %s</text>\n"
			     "<text x=\"%d\" y=\"%d\" fill=\"" GREY "\">CPUs %.40s</text>\n",
			x + 8, y + 16, n->id, mem, x + 8, y + 31, cpus && *cpus ? cpus : "none");
	else
		fprintf(out, "<text class=\"title\" x=\"%d\" y=\"%d\">devices without a NUMA node</text>\n", x + 8, y + 16);
	for (size_t i = 0; i < host->pci.ndevices; i++)
		if (drawn(&host->pci.devices[i]) && host->pci.devices[i].numa_node == id)
			svg_device(out, &host->pci.devices[i], x + 8, &row);
}

/* One row of the picture: a socket (or the memory-only nodes) and the
 * height its tallest node needs. */
struct socket_row {
	int socket, nodes, height;
};

static int layout_sockets(const struct host *host, struct socket_row *rows, int max, int *width)
{
	int n = 0;

	*width = NODE_W + 40;
	for (size_t i = 0; i < host->numa.nnodes; i++) {
		const struct numa_node *nd = &host->numa.nodes[i];
		int k = 0, need = 70 + (int)devices_on_node(host, nd->id) * ROW_H + 30;

		while (k < n && rows[k].socket != nd->socket)
			k++;
		if (k == n) {
			if (n == max)
				continue;
			rows[n++] = (struct socket_row){nd->socket, 0, 0};
		}
		rows[k].nodes++;
		rows[k].height = rows[k].height > need ? rows[k].height : need;
		if (rows[k].nodes * (NODE_W + 10) + 40 > *width)
			*width = rows[k].nodes * (NODE_W + 10) + 40;
	}
	return n;
}

static void svg_socket(const struct host *host, const struct socket_row *row, int y, int width, FILE *out)
{
	int x = 20;

	fprintf(out, "<rect x=\"10\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"10\" fill=\"none\" stroke=\"#37474f\"/>\n",
		y, width - 20, row->height + 30);
	if (row->socket >= 0)
		fprintf(out, "<text class=\"title\" x=\"20\" y=\"%d\">Socket %d</text>\n", y + 18, row->socket);
	else
		fprintf(out, "<text class=\"title\" x=\"20\" y=\"%d\">Memory-only nodes</text>\n", y + 18);
	for (size_t i = 0; i < host->numa.nnodes; i++)
		if (host->numa.nodes[i].socket == row->socket) {
			svg_node(host, &host->numa.nodes[i], x, y + 26, row->height - 4, out);
			x += NODE_W + 10;
		}
}

/* Sockets stacked, their nodes side by side, devices under their node. */
static void html_topology(const struct report *r, FILE *out)
{
	const struct host *host = r->host;
	struct socket_row rows[64];
	int width, n = layout_sockets(host, rows, 64, &width), y = 10, total = 10;
	size_t unplaced = devices_on_node(host, UNKNOWN);

	for (int k = 0; k < n; k++)
		total += rows[k].height + 30 + 40;
	if (unplaced)
		total += 60 + (int)unplaced * ROW_H;
	fputs("<h2>Topology</h2>\n", out);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" "
		     "aria-label=\"sockets, NUMA nodes and PCIe devices\">\n", width, total);
	for (int k = 0; k < n; k++) {
		if (k > 0)
			fprintf(out, "<line x1=\"60\" y1=\"%d\" x2=\"60\" y2=\"%d\" stroke=\"#555\" stroke-width=\"4\"/>"
				     "<text x=\"72\" y=\"%d\">socket-to-socket link</text>\n", y - 40, y, y - 16);
		svg_socket(host, &rows[k], y, width, out);
		y += rows[k].height + 30 + 40;
	}
	if (unplaced)
		svg_node(host, NULL, 20, y, 50 + (int)unplaced * ROW_H, out);
	fputs("</svg>\n", out);
}

static int gpu_index(const struct links_info *l, const char *bdf)
{
	for (size_t i = 0; i < l->ngpus; i++)
		if (l->gpus[i].bdf && !strcmp(l->gpus[i].bdf, bdf))
			return (int)i;
	return -1;
}

static void gpu_position(size_t i, size_t n, int *x, int *y)
{
	double a = 2 * M_PI * (double)i / (double)n - M_PI / 2;

	*x = 260 + (int)(170 * cos(a));
	*y = 220 + (int)(170 * sin(a));
}

static void svg_gpu_line(const struct links_info *l, const char *from, const char *to, bool missing, FILE *out)
{
	int a = gpu_index(l, from), b = gpu_index(l, to), x1, y1, x2, y2;

	if (a < 0 || b < 0)
		return;
	gpu_position((size_t)a, l->ngpus, &x1, &y1);
	gpu_position((size_t)b, l->ngpus, &x2, &y2);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%d\"%s/>\n", x1, y1,
		x2, y2, missing ? RED : GREEN, missing ? 3 : 1, missing ? " stroke-dasharray=\"6 4\"" : "");
}

/* The xGMI hive as a ring: every link a line, missing links red dashes. */
static void html_gpu_links(const struct report *r, FILE *out)
{
	const struct links_info *l = &r->host->links;

	if (l->ngpus == 0 && l->nnvlink == 0)
		return;
	fputs("<h2>GPU links</h2>\n", out);
	if (l->ngpus > 1) {
		fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"450\" role=\"img\" "
		      "aria-label=\"xGMI hive\">\n", out);
		for (size_t i = 0; i < l->nxgmi; i++)
			if (l->xgmi[i].type == 11)
				svg_gpu_line(l, l->xgmi[i].from, l->xgmi[i].to, false, out);
		for (size_t i = 0; l->xgmi_missing && l->xgmi_missing[i]; i++) {
			_cleanup_free_ char *pair = strdup(l->xgmi_missing[i]);
			char *sep = pair ? strstr(pair, "<->") : NULL;

			if (sep) {
				*sep = '\0';
				svg_gpu_line(l, pair, sep + 3, true, out);
			}
		}
		for (size_t i = 0; i < l->ngpus; i++) {
			int x, y;

			gpu_position(i, l->ngpus, &x, &y);
			fprintf(out, "<circle cx=\"%d\" cy=\"%d\" r=\"24\" fill=\"#eceff1\" stroke=\"#37474f\"/>"
				     "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">GPU %zu</text>"
				     "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"" GREY "\">", x, y, x, y + 4, i,
				x, y + 40);
			h(out, l->gpus[i].bdf);
			fputs("</text>\n", out);
		}
		fputs("</svg>\n", out);
	}
	if (l->nnvlink) {
		size_t up = 0;

		for (size_t i = 0; i < l->nnvlink; i++)
			up += l->nvlink[i].active;
		fprintf(out, "<p>NVLink: %zu of %zu links active.</p>\n<ul>\n", up, l->nnvlink);
		for (size_t i = 0; i < l->nnvlink; i++)
			if (!l->nvlink[i].active) {
				fprintf(out, "<li class=\"fail\">");
				h(out, l->nvlink[i].gpu);
				fprintf(out, ": NVLink %d is down</li>\n", l->nvlink[i].link);
			}
		fputs("</ul>\n", out);
	}
}

/* A node's share of the theoretical peak: its socket's channels split
 * over the socket's nodes; NAN when the DIMMs do not say. */
static double node_peak(const struct host *host, int node_id)
{
	const struct numa_node *n = host_node(host, node_id);
	int siblings = 0;

	if (!n || n->socket < 0)
		return NAN;
	for (size_t i = 0; i < host->numa.nnodes; i++)
		siblings += host->numa.nodes[i].socket == n->socket;
	for (size_t s = 0; s < host->memory.nsockets; s++)
		if (host->memory.sockets[s].socket == n->socket && siblings)
			return host->memory.sockets[s].peak_gbps / siblings;
	return host->numa.nnodes == 1 ? host->memory.peak_gbps : NAN;
}

static void svg_bar(FILE *out, int y, const char *label, double gbps, double peak, double scale)
{
	fprintf(out, "<text x=\"10\" y=\"%d\">%s</text>\n", y + 14, label);
	if (!isnan(peak))
		fprintf(out, "<rect x=\"120\" y=\"%d\" width=\"%.0f\" height=\"20\" fill=\"none\" stroke=\"#90a4ae\" "
			     "stroke-dasharray=\"4 3\"/>\n", y, peak * scale);
	fprintf(out, "<rect x=\"120\" y=\"%d\" width=\"%.0f\" height=\"20\" fill=\"%s\"/>\n", y, gbps * scale,
		!isnan(peak) && gbps < 0.6 * peak ? RED : "#1565c0");
	fprintf(out, "<text x=\"%.0f\" y=\"%d\">%.1f GB/s", 126 + (isnan(peak) ? gbps : fmax(gbps, peak)) * scale,
		y + 14, gbps);
	if (!isnan(peak))
		fprintf(out, " of %.1f (%.0f%%)", peak, 100 * gbps / peak);
	fputs("</text>\n", out);
}

/* Triad per scope (host, then each node) against its theoretical peak. */
static void html_bandwidth(const struct report *r, FILE *out)
{
	const struct bench_report *b = r->bench;
	double top = 1;
	int y = 10, rows = 0;

	fputs("<h2>Memory bandwidth</h2>\n", out);
	if (!b) {
		fputs("<p>", out);
		h(out, r->bench_skipped);
		fputs("</p>\n", out);
		return;
	}
	for (size_t i = 0; i < b->nresults; i++)
		if (b->results[i].kernel == BENCH_TRIAD && b->results[i].cpu_node == b->results[i].mem_node) {
			double peak = b->results[i].cpu_node < 0 ? b->peak_gbps : node_peak(r->host, b->results[i].cpu_node);

			top = fmax(top, fmax(b->results[i].gbps, isnan(peak) ? 0 : peak));
			rows++;
		}
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"%d\" role=\"img\" "
		     "aria-label=\"triad bandwidth per scope against the theoretical peak\">\n", rows * 30 + 20);
	for (size_t i = 0; i < b->nresults; i++) {
		const struct bench_result *res = &b->results[i];

		if (res->kernel != BENCH_TRIAD || res->cpu_node != res->mem_node)
			continue;
		svg_bar(out, y, res->scope, res->gbps,
			res->cpu_node < 0 ? b->peak_gbps : node_peak(r->host, res->cpu_node), 560 / top);
		y += 30;
	}
	fputs("</svg>\n<p>Dashed outline: theoretical peak from the DIMMs (SMBIOS). ", out);
	h(out, r->verdict);
	fputs("</p>\n", out);
}

void report_html(const struct report *r, FILE *out)
{
	html_header(r, out);
	html_checks(r, out);
	report_machine_html(r, out);
	html_topology(r, out);
	html_gpu_links(r, out);
	html_bandwidth(r, out);
	report_html_health(r, out);
	fputs("<p class=\"hint\">Made by rigtune ", out);
	h(out, RIGTUNE_VERSION);
	fputs(".</p>\n</body></html>\n", out);
}
