/* `rigtune probe`: the host, in text or JSON (schema 1). */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/render.h"
#include "common/util.h"
#include "config.h"
#include "probes/pci-names.h"

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Probe the host, then name the PCI devices named() picks (NULL: all). */
static int probe_named(const struct cli *cli, struct host *h, pci_names_wanted *named)
{
	struct probe_options opt = {.pci_dump = cli->pci_dump};
	struct sysroot *sr = NULL;
	const char *failed = NULL;
	double start;
	int r;

	r = sysroot_open(cli->sysroot, &sr);
	if (r < 0)
		return log_errno(r, "cannot open sysroot '%s'", cli->sysroot);
	start = now_seconds();
	r = host_probe(sr, &opt, h, &failed);
	sysroot_free(sr);
	if (r < 0)
		return log_errno(r, "%s probe failed on '%s'", failed ? failed : "a", cli->sysroot);
	r = pci_names_lookup(&h->pci, named);
	if (r < 0) {
		host_release(h);
		return log_errno(r, "PCI device names");
	}
	log_debug(cli, "probed '%s' in %.1f ms (%zu PCI devices, %zu IRQs)", cli->sysroot,
		  (now_seconds() - start) * 1e3, h->pci.ndevices, h->irq.nirqs);
	return 0;
}

int cli_probe_host(const struct cli *cli, struct host *h)
{
	return probe_named(cli, h, NULL);
}

void render_host_text(const struct cli *cli, const struct host *h, FILE *out)
{
	render_system_text(cli, h, out);
	render_memory_text(cli, h, out);
	render_pci_text(cli, h, out);
	render_iommu_text(cli, h, out);
	render_links_text(cli, h, out);
	render_gpu_health_text(cli, h, out);
	render_irq_text(cli, h, out);
}

void render_host_json(const struct host *h, struct json *j)
{
	render_system_json(h, j);
	render_pci_json(h, j);
	render_iommu_json(h, j);
	render_links_json(h, j);
	render_gpu_health_json(h, j);
	render_irq_json(h, j);
	render_sysctl_json(h, j);
}

void render_probe_json(const struct host *h, FILE *out)
{
	struct json j;

	json_init(&j, out, false);
	json_document_begin(&j, NULL);
	json_kv_string(&j, "rigtune_version", RIGTUNE_VERSION);
	render_host_json(h, &j);
	json_document_end(&j);
	json_end(&j);
}

int cmd_probe(const struct cli *cli, int argc, char **argv)
{
	struct host h;
	int r;

	if (argc > 1)
		return log_error("probe: unexpected argument '%s'", argv[1]);
	/* The text lists some devices; only those need names. */
	r = probe_named(cli, &h, cli->json || cli->verbose ? NULL : render_pci_listed);
	if (r)
		return r;
	if (cli->json)
		render_probe_json(&h, stdout);
	else
		render_host_text(cli, &h, stdout);
	host_release(&h);
	return fflush(stdout) == 0 ? EXIT_GOOD : log_error("cannot write output");
}
