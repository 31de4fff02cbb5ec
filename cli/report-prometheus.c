/* rigtune report in Prometheus textfile format, for node_exporter's
 * textfile collector (rigtune-audit.timer writes it hourly). Metrics are
 * in base units, and no label carries a value that changes when the host
 * does (a check's status is the sample's value, not a label), so each
 * series lives as long as the check, device or pool it describes.
 * contrib/prometheus/rigtune-rules.yml alerts on them. */
#include <math.h>
#include <string.h>

#include "cli/report.h"
#include "common/escape.h"
#include "common/util.h"

/* name{check="ID",profile="P"} */
static void prom_check_series(FILE *out, const char *name, const struct report *r, const struct check *c)
{
	fprintf(out, "%s{check=\"", name);
	escape_prom_label(out, c->id);
	fputs("\",profile=\"", out);
	escape_prom_label(out, r->profile->name);
	fputs("\"}", out);
}

/* rigtune_check_status's value; numbers are never reused (the findings'
 * warn and info came later). No default, so that a new status is a
 * compiler warning here. */
static int status_value(enum check_status s)
{
	switch (s) {
	case CHECK_PASS:
		return 0;
	case CHECK_SKIP:
		return 1;
	case CHECK_FAIL:
		return 2;
	case CHECK_ERROR:
		return 3;
	case CHECK_WARN:
		return 4;
	case CHECK_INFO:
		return 5;
	}
	return 3;
}

static void prom_checks(const struct report *r, FILE *out)
{
	const struct audit *a = r->audit;

	prom_header(out, "rigtune_check_passed", "gauge",
		    "1 when the check passed (or is a warn or info finding), 0 when it failed or could not run "
		    "(skipped checks are left out).");
	for (size_t i = 0; i < a->nchecks; i++)
		if (a->checks[i].status != CHECK_SKIP) {
			prom_check_series(out, "rigtune_check_passed", r, &a->checks[i]);
			fprintf(out, " %d\n", a->checks[i].status == CHECK_PASS || a->checks[i].status == CHECK_WARN ||
				a->checks[i].status == CHECK_INFO);
		}
	prom_header(out, "rigtune_check_status", "gauge",
		    "A check's outcome: 0 pass, 1 skip, 2 fail, 3 error (could not run), 4 warn, 5 info.");
	for (size_t i = 0; i < a->nchecks; i++) {
		prom_check_series(out, "rigtune_check_status", r, &a->checks[i]);
		fprintf(out, " %d\n", status_value(a->checks[i].status));
	}
	prom_header(out, "rigtune_checks", "gauge", "Number of checks by status (every status, zeros too).");
	for (int s = 0; s < CHECK_STATUS_COUNT; s++) {
		fputs("rigtune_checks{profile=\"", out);
		escape_prom_label(out, r->profile->name);
		fprintf(out, "\",status=\"%s\"} %zu\n", check_status_name(s), a->counts[s]);
	}
}

/* Measured / target for each [verify] target the measurement covers. */
static void prom_targets(const struct report *r, FILE *out)
{
	struct bench_targets t;
	struct bench_check *c = NULL;
	_cleanup_free_ char *error = NULL;
	size_t n = 0;

	if (bench_targets_from_profile(r->profile, &t, &error) < 0 || bench_targets_check(r->bench, &t, &c, &n) < 0)
		return;
	prom_header(out, "rigtune_memory_bandwidth_target_ratio", "gauge",
		    "Measured memory bandwidth over the profile's [verify] target; below 1 misses it.");
	for (size_t i = 0; i < n; i++)
		if (!isnan(c[i].ratio)) {
			fputs("rigtune_memory_bandwidth_target_ratio{target=\"", out);
			escape_prom_label(out, c[i].name);
			fprintf(out, "\"} %.4f\n", c[i].ratio);
		}
	bench_checks_free(c, n);
}

static void prom_bandwidth(const struct report *r, FILE *out)
{
	if (!isnan(r->host->memory.peak_gbps)) {
		prom_header(out, "rigtune_memory_peak_bytes_per_second", "gauge",
			    "Theoretical memory bandwidth from SMBIOS (channels x MT/s x 8 bytes).");
		fprintf(out, "rigtune_memory_peak_bytes_per_second %.0f\n", r->host->memory.peak_gbps * 1e9);
	}
	if (!r->bench)
		return;
	prom_header(out, "rigtune_memory_bandwidth_bytes_per_second", "gauge",
		    "Measured memory bandwidth, best of N passes (STREAM byte counting).");
	for (size_t i = 0; i < r->bench->nresults; i++) {
		const struct bench_result *b = &r->bench->results[i];

		fprintf(out, "rigtune_memory_bandwidth_bytes_per_second{kernel=\"%s\",scope=\"", bench_kernel_name(b->kernel));
		escape_prom_label(out, b->scope);
		fprintf(out, "\"} %.0f\n", b->gbps * 1e9);
	}
	prom_targets(r, out);
}

/* One gauge per linked device: value(d) or skip when it returns < 0. */
static void prom_pcie_gauge(const struct report *r, FILE *out, const char *name, const char *kind,
			    int (*value)(const struct pci_device *d))
{
	for (size_t i = 0; i < r->host->pci.ndevices; i++) {
		const struct pci_device *d = &r->host->pci.devices[i];
		int v = d->has_link ? value(d) : -1;

		if (v < 0)
			continue;
		fprintf(out, "%s{bdf=\"%s\"", name, d->bdf);
		if (kind)
			fprintf(out, ",kind=\"%s\"", kind);
		fprintf(out, "} %d\n", v);
	}
}

static int link_gen(const struct pci_device *d) { return d->link.gen > 0 ? d->link.gen : -1; }
static int link_max_gen(const struct pci_device *d) { return d->link.max_gen > 0 ? d->link.max_gen : -1; }
static int link_width(const struct pci_device *d) { return d->link.width > 0 ? d->link.width : -1; }
static int link_max_width(const struct pci_device *d) { return d->link.max_width > 0 ? d->link.max_width : -1; }
static int link_downgraded(const struct pci_device *d) { return d->link.downgraded && !d->link.idle_downgrade; }

static void prom_pcie(const struct report *r, FILE *out)
{
	prom_header(out, "rigtune_pcie_link_gen", "gauge", "PCIe link generation, current and maximum.");
	prom_pcie_gauge(r, out, "rigtune_pcie_link_gen", "current", link_gen);
	prom_pcie_gauge(r, out, "rigtune_pcie_link_gen", "max", link_max_gen);
	prom_header(out, "rigtune_pcie_link_width", "gauge", "PCIe link width in lanes, current and maximum.");
	prom_pcie_gauge(r, out, "rigtune_pcie_link_width", "current", link_width);
	prom_pcie_gauge(r, out, "rigtune_pcie_link_width", "max", link_max_width);
	prom_header(out, "rigtune_pcie_link_downgraded", "gauge",
		    "1 when the link runs below its capability (not counting idle GPUs).");
	prom_pcie_gauge(r, out, "rigtune_pcie_link_downgraded", NULL, link_downgraded);
}

/* GPU interconnects: xGMI links per AMD GPU and the pairs of one hive
 * with none; NVLink links per NVIDIA GPU, active and not. */
static void prom_gpu_links(const struct report *r, FILE *out)
{
	const struct links_info *l = &r->host->links;
	size_t missing = 0;

	if (l->ngpus) {
		prom_header(out, "rigtune_xgmi_links", "gauge", "xGMI links (KFD io_links of type XGMI) from each AMD GPU.");
		for (size_t g = 0; g < l->ngpus; g++) {
			size_t n = 0;

			for (size_t i = 0; i < l->nxgmi; i++)
				n += l->xgmi[i].from && !strcmp(l->xgmi[i].from, l->gpus[g].bdf);
			fputs("rigtune_xgmi_links{gpu=\"", out);
			escape_prom_label(out, l->gpus[g].bdf);
			fprintf(out, "\"} %zu\n", n);
		}
		for (size_t i = 0; l->xgmi_missing && l->xgmi_missing[i]; i++)
			missing++;
		prom_header(out, "rigtune_xgmi_missing_pairs", "gauge",
			    "GPU pairs of one xGMI hive with no xGMI link between them (0 on a full mesh).");
		fprintf(out, "rigtune_xgmi_missing_pairs %zu\n", missing);
	}
	if (!l->nnvlink)
		return;
	prom_header(out, "rigtune_nvlink_links", "gauge", "NVLink links per NVIDIA GPU, by state (both states always).");
	for (size_t i = 0; i < l->nnvlink; i++) {
		size_t active = 0, total = 0;
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(l->nvlink[k].gpu, l->nvlink[i].gpu);
		if (seen)
			continue;
		for (size_t k = i; k < l->nnvlink; k++)
			if (!strcmp(l->nvlink[k].gpu, l->nvlink[i].gpu)) {
				total++;
				active += l->nvlink[k].active;
			}
		fprintf(out, "rigtune_nvlink_links{gpu=\"%s\",state=\"active\"} %zu\n", l->nvlink[i].gpu, active);
		fprintf(out, "rigtune_nvlink_links{gpu=\"%s\",state=\"inactive\"} %zu\n", l->nvlink[i].gpu, total - active);
	}
}

static void prom_pool(FILE *out, const char *node, const struct hugepage_pool *p)
{
	const char *const state[] = {"total", "free", "surplus", "reserved"};
	const int64_t value[] = {p->total, p->free, p->surplus, p->reserved};

	for (size_t k = 0; k < ARRAY_SIZE(state); k++)
		if (value[k] >= 0)
			fprintf(out, "rigtune_hugepages_pages{node=\"%s\",size_bytes=\"%llu\",state=\"%s\"} %lld\n", node,
				(unsigned long long)p->size_kb * 1024, state[k], (long long)value[k]);
}

/* Hugepage pools: the host's (node="all") and each NUMA node's. */
static void prom_hugepages(const struct report *r, FILE *out)
{
	const struct host *h = r->host;

	prom_header(out, "rigtune_hugepages_pages", "gauge",
		    "Hugepages per pool (page size in bytes; node \"all\" is the host's pool) by state.");
	for (size_t i = 0; i < h->hugepages.npools; i++)
		prom_pool(out, "all", &h->hugepages.pools[i]);
	for (size_t n = 0; n < h->numa.nnodes; n++) {
		char node[16];

		snprintf(node, sizeof(node), "%d", h->numa.nodes[n].id);
		for (size_t i = 0; i < h->numa.nodes[n].nhugepages; i++)
			prom_pool(out, node, &h->numa.nodes[n].hugepages[i]);
	}
}

void report_prometheus(const struct report *r, FILE *out)
{
	prom_checks(r, out);
	prom_bandwidth(r, out);
	prom_pcie(r, out);
	prom_gpu_links(r, out);
	prom_hugepages(r, out);
	report_prometheus_health(r, out);
	prom_header(out, "rigtune_last_run_timestamp_seconds", "gauge", "When this report was made.");
	fprintf(out, "rigtune_last_run_timestamp_seconds %lld\n", (long long)r->generated);
}
