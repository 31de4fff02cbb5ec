/* `rigtune topo`: the GPU/NIC affinity matrix (probes/topo.c) as
 * `nvidia-smi topo -m` prints it, with each device's NUMA node and local
 * CPUs; NVMe too with -v. Works on captured trees. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/json.h"
#include "common/util.h"
#include "probes/topo.h"

int cli_topo_build(const struct cli *cli, const struct host *h, bool with_nvme, struct topo *t)
{
	struct sysroot *sr = NULL;
	int r = sysroot_open(cli->sysroot, &sr);

	if (r < 0)
		return log_errno(r, "cannot open sysroot '%s'", cli->sysroot);
	r = topo_build(sr, h, with_nvme, t);
	sysroot_free(sr);
	return r < 0 ? log_errno(r, "topo") : 0;
}

static void print_cpus(const struct cpuset *s, FILE *out)
{
	_cleanup_free_ char *list = s ? cpulist_format(s) : NULL;

	fprintf(out, " %-20s", list && *list ? list : "N/A");
}

static void topo_text(const struct topo *t, FILE *out)
{
	char buf[16];

	fprintf(out, "%-7s", "");
	for (size_t b = 0; b < t->ndevices; b++)
		fprintf(out, " %-6s", t->devices[b].label);
	fprintf(out, " %-20s %s\n", "CPU Affinity", "NUMA Affinity");
	for (size_t a = 0; a < t->ndevices; a++) {
		const struct pci_device *d = t->devices[a].pci;

		fprintf(out, "%-7s", t->devices[a].label);
		for (size_t b = 0; b < t->ndevices; b++)
			fprintf(out, " %-6s", topo_link_name(topo_pair(t, a, b), buf, sizeof(buf)));
		print_cpus(d->local_cpus, out);
		if (d->numa_node >= 0)
			fprintf(out, " %d\n", d->numa_node);
		else
			fputs(" N/A\n", out);
	}
	fputs("\n", out);
	for (size_t a = 0; a < t->ndevices; a++) {
		const struct topo_device *td = &t->devices[a];

		fprintf(out, "%-7s %s", td->label, td->pci->bdf);
		if (td->port)
			fprintf(out, "  %s", td->port);
		if (td->pci->device)
			fprintf(out, "  %s", td->pci->device);
		fputc('\n', out);
	}
	fputs("\nLegend:\n"
	      "  X    = self\n"
	      "  SYS  = through PCIe and the interconnect between NUMA nodes\n"
	      "  NODE = through PCIe and between PCIe host bridges of one NUMA node\n"
	      "  PHB  = through PCIe and a PCIe host bridge (the CPU)\n"
	      "  PXB  = through several PCIe switches, no host bridge\n"
	      "  PIX  = through at most one PCIe switch or bridge\n"
	      "  XGMI = an AMD xGMI link (KFD io_link)\n"
	      "  NV#  = # NVLinks, direct or through NVSwitches (NVML, live host only)\n", out);
}

static void topo_json(const struct topo *t, FILE *out)
{
	struct json j;
	char buf[16];

	json_init(&j, out, false);
	json_document_begin(&j, "topo");
	json_key(&j, "devices");
	json_array_begin(&j);
	for (size_t a = 0; a < t->ndevices; a++) {
		const struct topo_device *td = &t->devices[a];
		_cleanup_free_ char *cpus = td->pci->local_cpus ? cpulist_format(td->pci->local_cpus) : NULL;

		json_object_begin(&j);
		json_kv_string(&j, "bdf", td->pci->bdf);
		json_kv_string(&j, "kind", topo_kind_name(td->kind));
		json_kv_string(&j, "label", td->label);
		json_kv_string(&j, "name", td->pci->device);
		json_kv_string(&j, "port", td->port);
		json_kv_int_opt(&j, "numa_node", td->pci->numa_node);
		json_kv_string(&j, "cpus", cpus);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "matrix");
	json_array_begin(&j);
	for (size_t a = 0; a < t->ndevices; a++)
		for (size_t b = a + 1; b < t->ndevices; b++) {
			json_object_begin(&j);
			json_kv_string(&j, "a", t->devices[a].pci->bdf);
			json_kv_string(&j, "b", t->devices[b].pci->bdf);
			json_kv_string(&j, "link", topo_link_name(topo_pair(t, a, b), buf, sizeof(buf)));
			json_object_end(&j);
		}
	json_array_end(&j);
	json_document_end(&j);
	json_end(&j);
}

int cmd_topo(const struct cli *cli, int argc, char **argv)
{
	struct topo t;
	struct host h;
	int r;

	if (argc > 1)
		return log_error("topo: unexpected argument '%s'", argv[1]);
	r = cli_probe_host(cli, &h);
	if (r)
		return r;
	r = cli_topo_build(cli, &h, cli->verbose > 0, &t);
	if (r) {
		host_release(&h);
		return r;
	}
	if (cli->json)
		topo_json(&t, stdout);
	else if (!t.ndevices)
		fputs("No GPU, accelerator or NIC on this host.\n", stdout);
	else
		topo_text(&t, stdout);
	topo_release(&t);
	host_release(&h);
	return fflush(stdout) == 0 ? EXIT_GOOD : log_error("cannot write output");
}
