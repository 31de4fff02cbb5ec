/* rigtune report: which machine it is. Hostname (live host only), SMBIOS
 * system, board and BIOS, a DIMM table, a GPU table, the kernel, rigtune's
 * version and the time; serial numbers only with --serials. Text, JSON
 * and HTML render the same facts. */
#include <math.h>
#include <string.h>

#include "cli/render.h"
#include "cli/report.h"
#include "common/escape.h"
#include "common/util.h"
#include "config.h"
#include "probes/pci.h"

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void gpu_link(char *buf, size_t size, const struct pci_device *d)  /* buf: 48 bytes */
{
	if (!d->has_link || d->link.gen <= 0 || d->link.width <= 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "Gen%d x%d%s", d->link.gen, d->link.width, d->link.idle_downgrade ? " (idle)" : "");
}

static void dimm_size(char *buf, size_t size, const struct dimm *d)
{
	if (d->size_bytes)
		format_bytes(buf, size, (double)d->size_bytes);
	else
		snprintf(buf, size, "%s", d->populated ? "?" : "empty");
}

void report_machine_text(const struct report *r, FILE *out)
{
	const struct machine_identity *m = &r->host->memory.machine;
	char when[64];
	struct tstr t = {0};

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&r->generated));
	fprintf(out, "\nMachine\n");
	if (r->hostname)
		fprintf(out, "  host:     %s\n", T(&t, r->hostname));
	fprintf(out, "  system:   %s %s%s%s\n", or_dash(T(&t, m->sys_vendor)), or_dash(T(&t, m->product)),
		r->serials && m->sys_serial ? ", serial " : "", r->serials && m->sys_serial ? T(&t, m->sys_serial) : "");
	tstr_release(&t);
	fprintf(out, "  board:    %s %s%s%s\n", or_dash(T(&t, m->board_vendor)), or_dash(T(&t, m->board_name)),
		r->serials && m->board_serial ? ", serial " : "", r->serials && m->board_serial ? T(&t, m->board_serial) : "");
	tstr_release(&t);
	fprintf(out, "  BIOS:     %s %s (%s)\n", or_dash(T(&t, m->bios_vendor)), or_dash(T(&t, m->bios_version)), or_dash(T(&t, m->bios_date)));
	tstr_release(&t);
	fprintf(out, "  kernel:   %s; rigtune %s; %s\n", or_dash(T(&t, r->host->kernel.release)), RIGTUNE_VERSION, when);
	tstr_release(&t);
	if (r->host->memory.ndimms)
		fprintf(out, "  %-20s %-9s %-5s %-6s %-10s %s%s\n", "DIMM slot", "size", "type", "rated", "configured",
			"part number", r->serials ? " / serial" : "");
	for (size_t i = 0; i < r->host->memory.ndimms; i++) {
		const struct dimm *d = &r->host->memory.dimms[i];
		char size[32];

		dimm_size(size, sizeof(size), d);
		fprintf(out, "  %-20s %-9s %-5s %-6d %-10d %s%s%s\n", or_dash(T(&t, d->locator)), size, or_dash(T(&t, d->type)),
			d->speed_mts, d->configured_mts, or_dash(T(&t, d->part_number)), r->serials && d->serial ? " / " : "",
			r->serials && d->serial ? T(&t, d->serial) : "");
		tstr_release(&t);
	}
	for (size_t i = 0, n = 0; i < r->host->pci.ndevices; i++) {
		const struct pci_device *d = &r->host->pci.devices[i];
		char link[48];

		if (!pci_is_gpu(d))
			continue;
		if (!n++)
			fprintf(out, "  %-14s %-40s %-14s %-5s %s\n", "GPU", "model", "link", "node", "driver");
		gpu_link(link, sizeof(link), d);
		fprintf(out, "  %-14s %-40.40s %-14s %-5d %s\n", d->bdf, or_dash(T(&t, d->device)), link, d->numa_node,
			or_dash(T(&t, d->driver)));
		tstr_release(&t);
	}
}

static void machine_strings_json(const struct report *r, struct json *j)
{
	const struct machine_identity *m = &r->host->memory.machine;

	json_kv_string(j, "hostname", r->hostname);
	json_kv_string(j, "sys_vendor", m->sys_vendor);
	json_kv_string(j, "product", m->product);
	json_kv_string(j, "board_vendor", m->board_vendor);
	json_kv_string(j, "board_name", m->board_name);
	json_kv_string(j, "bios_vendor", m->bios_vendor);
	json_kv_string(j, "bios_version", m->bios_version);
	json_kv_string(j, "bios_date", m->bios_date);
	if (r->serials) {
		json_kv_string(j, "sys_serial", m->sys_serial);
		json_kv_string(j, "board_serial", m->board_serial);
	}
	json_kv_string(j, "kernel", r->host->kernel.release);
}

void report_machine_json(const struct report *r, struct json *j)
{
	json_key(j, "machine");
	json_object_begin(j);
	machine_strings_json(r, j);
	json_key(j, "dimms");
	json_array_begin(j);
	for (size_t i = 0; i < r->host->memory.ndimms; i++) {
		const struct dimm *d = &r->host->memory.dimms[i];

		json_object_begin(j);
		json_kv_string(j, "slot", d->locator);
		json_kv_int(j, "size_bytes", (int64_t)d->size_bytes);
		json_kv_string(j, "type", d->type);
		json_kv_int_opt(j, "speed_mts", d->speed_mts);
		json_kv_int_opt(j, "configured_mts", d->configured_mts);
		json_kv_string(j, "part_number", d->part_number);
		if (r->serials)
			json_kv_string(j, "serial", d->serial);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "gpus");
	json_array_begin(j);
	for (size_t i = 0; i < r->host->pci.ndevices; i++) {
		const struct pci_device *d = &r->host->pci.devices[i];
		char link[48];

		if (!pci_is_gpu(d))
			continue;
		gpu_link(link, sizeof(link), d);
		json_object_begin(j);
		json_kv_string(j, "bdf", d->bdf);
		json_kv_string(j, "model", d->device);
		json_kv_string(j, "link", link);
		json_kv_int_opt(j, "numa_node", d->numa_node);
		json_kv_string(j, "driver", d->driver);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void html_row(FILE *out, const char *key, const char *a, const char *b)
{
	fputs("<tr><th>", out);
	escape_xml(out, key);
	fputs("</th><td>", out);
	escape_xml(out, or_dash(a));
	fputs(" ", out);
	escape_xml(out, b ? b : "");
	fputs("</td></tr>\n", out);
}

void report_machine_html(const struct report *r, FILE *out)
{
	const struct machine_identity *m = &r->host->memory.machine;

	fputs("<h2>Machine</h2>\n<table>\n", out);
	if (r->hostname)
		html_row(out, "host", r->hostname, NULL);
	html_row(out, "system", m->sys_vendor, m->product);
	html_row(out, "board", m->board_vendor, m->board_name);
	html_row(out, "BIOS", m->bios_vendor, m->bios_version);
	html_row(out, "BIOS date", m->bios_date, NULL);
	if (r->serials) {
		html_row(out, "system serial", m->sys_serial, NULL);
		html_row(out, "board serial", m->board_serial, NULL);
	}
	html_row(out, "rigtune", RIGTUNE_VERSION, NULL);
	fputs("</table>\n", out);
	if (r->host->memory.ndimms)
		fputs("<table><tr><th>DIMM slot</th><th>size</th><th>type</th><th>rated MT/s</th>"
		      "<th>configured MT/s</th><th>part number</th></tr>\n", out);
	for (size_t i = 0; i < r->host->memory.ndimms; i++) {
		const struct dimm *d = &r->host->memory.dimms[i];
		char size[32];

		dimm_size(size, sizeof(size), d);
		fputs("<tr><td>", out);
		escape_xml(out, or_dash(d->locator));
		fprintf(out, "</td><td>%s</td><td>", size);
		escape_xml(out, or_dash(d->type));
		fprintf(out, "</td><td>%d</td><td>%d</td><td>", d->speed_mts, d->configured_mts);
		escape_xml(out, or_dash(d->part_number));
		fputs("</td></tr>\n", out);
	}
	if (r->host->memory.ndimms)
		fputs("</table>\n", out);
}
