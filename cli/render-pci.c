/* Text and JSON for the pci probe: a line per PCI function that matters
 * (every one with -v), an attention line for each link that runs below
 * what it could, naming the hop to look at, and the "pci" member of the
 * probe document:
 *
 * "pci": {"devices": [...], "method": "sysfs" | "dump", "error": null | "why"}
 * per device, DESIGN.md's keys: bdf, class ("0x0207"), class_name,
 * vendor_id, device_id, vendor, device, driver, numa_node, local_cpus,
 * link, upstream, limiting_hop; and prog_if, port_type ("root_port",
 * "downstream_port", ... from config space, else null), bridge.
 * link: null (no PCIe link known) or speed_gts, gen, width, max_speed_gts,
 * max_gen, max_width, bandwidth_gbps (one direction, GB/s, to 0.01),
 * max_bandwidth_gbps, downgraded (as lspci marks it on an endpoint; for a
 * root or downstream port: below what it and the device under it
 * support), idle (a GPU's power-saving 2.5 GT/s at full width: downgraded
 * stays true, an audit treats it as a warning), empty_slot (a root or
 * downstream port, link down, nothing below it: its width is 0, lspci's
 * x0), source ("config", "dump",
 * "sysfs"). upstream: the bridges above, root port first, parent last.
 * limiting_hop: the upstream end (a root or switch port) of the first hop,
 * from the device up, that trained below what both its ends support, or
 * of the device's own hop when that port is less capable than the device;
 * null when nothing limits it (see probes/pci.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/render.h"
#include "common/util.h"
#include "probes/pci.h"

/* "Gen5 x16"; "20 GT/s x16" off the table; "?" for what is unknown. */
static void format_gen_width(char *buf, size_t size, double gts, int gen, int width)
{
	char speed[24] = "speed ?", w[12] = "x?";

	if (gen > 0)
		snprintf(speed, sizeof(speed), "Gen%d", gen);
	else if (!isnan(gts))
		snprintf(speed, sizeof(speed), "%g GT/s", gts);
	if (width > 0)
		snprintf(w, sizeof(w), "x%d", width);
	snprintf(buf, size, "%s %s", speed, w);
}

static void format_current(char *buf, size_t size, const struct pci_link *l)
{
	format_gen_width(buf, size, l->speed_gts, l->gen, l->width);
}

static void format_max(char *buf, size_t size, const struct pci_link *l)
{
	format_gen_width(buf, size, l->max_speed_gts, l->max_gen, l->max_width);
}

/* What the link of an idle GPU (or the port above it) runs at when busy. */
static void format_capable(char *buf, size_t size, const struct pci_info *pi, const struct pci_device *d)
{
	double speed = d->link.max_speed_gts;
	int width = d->link.max_width;

	if (pci_faces_upstream(pi, d))
		pci_hop_capability(pi, d, &speed, &width);
	format_gen_width(buf, size, speed, pci_gen_from_speed(speed), width);
}

static void format_link(char *buf, size_t size, const struct pci_info *pi, const struct pci_device *d)
{
	const struct pci_link *l = &d->link;
	char cur[48], max[48], rate[64] = "";

	if (!d->has_link) {
		snprintf(buf, size, "no PCIe link");
		return;
	}
	format_current(cur, sizeof(cur), l);
	format_max(max, sizeof(max), l);
	if (pci_empty_slot(pi, d)) {
		snprintf(buf, size, "empty slot (link down; %s capable)", max);
		return;
	}
	if (isnan(l->speed_gts) && l->width <= 0) {
		snprintf(buf, size, "link down (%s capable)", max);
		return;
	}
	if (l->idle_downgrade) {
		format_capable(max, sizeof(max), pi, d);
		snprintf(buf, size, "%g GT/s x%d (idle: GPU power saving; %s capable)", l->speed_gts, l->width, max);
		return;
	}
	if (!isnan(l->speed_gts))
		snprintf(rate, sizeof(rate), " (%g GT/s%s", l->speed_gts, isnan(l->bandwidth_gbps) ? ")" : "");
	if (!isnan(l->bandwidth_gbps))
		snprintf(rate + strlen(rate), sizeof(rate) - strlen(rate), ", %.2f GB/s)", l->bandwidth_gbps);
	snprintf(buf, size, "%s%s%s%s", cur, rate, l->downgraded ? ", below " : "", l->downgraded ? max : "");
}

/* "NVIDIA Corporation" -> "NVIDIA", "Advanced Micro Devices, Inc. [AMD]"
 * -> "AMD", "Mellanox Technologies" -> "Mellanox". */
static void short_vendor(char *buf, size_t size, const char *v)
{
	static const char *const tails[] = {
		" Corporation", " Corp.", " Technologies", " Technology", " Electronics",
		", Inc", " Inc.", " Co.,", " Co ", " Ltd", " GmbH", " Semiconductor",
	};
	const char *lb = strrchr(v, '[');
	size_t n = strlen(v);

	if (lb && n && v[n - 1] == ']') {
		snprintf(buf, size, "%.*s", (int)(v + n - 1 - lb - 1), lb + 1);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
		const char *t = strstr(v, tails[i]);

		if (t && t > v && (size_t)(t - v) < n)
			n = (size_t)(t - v);
	}
	snprintf(buf, size, "%.*s", (int)n, v);
}

/* "MT2910 Family [ConnectX-7]" -> "ConnectX-7": the marketing name after
 * a chip code; a longer name stays ("... Bridge (Low Power) [Alpine Ridge
 * LP 2016]" brackets a code name). */
static void short_device(char *buf, size_t size, const char *d)
{
	const char *lb = strrchr(d, '[');
	size_t n = strlen(d);

	if (lb && lb > d && lb - d <= 16 && n && d[n - 1] == ']')
		snprintf(buf, size, "%.*s", (int)(d + n - 1 - lb - 1), lb + 1);
	else
		snprintf(buf, size, "%s", d);
}

static void format_name(char *buf, size_t size, const struct pci_device *d)
{
	char v[48], dev[96];

	if (!d->vendor) {
		snprintf(buf, size, "[%04x:%04x]", d->vendor_id, d->device_id);
		return;
	}
	short_vendor(v, sizeof(v), d->vendor);
	if (d->device)
		short_device(dev, sizeof(dev), d->device);
	else
		snprintf(dev, sizeof(dev), "[%04x:%04x]", d->vendor_id, d->device_id);
	snprintf(buf, size, "%s %s", v, dev);
}

/* Storage, network, display, co-processors, accelerators; anything with
 * an active link, and anything whose link is short of what it could be. */
bool render_pci_listed(const struct pci_device *d)
{
	unsigned base = d->class_code >> 8;

	if (d->link.downgraded || d->limiting_hop)
		return true;
	if (d->is_bridge)
		return d->has_link && d->link.width > 0;
	return d->has_link || base == 0x01 || base == 0x02 || base == 0x03 || base == 0x0b || base == 0x12;
}

/* "Non-Volatile memory controller" -> "Non-Volatile memory" where the
 * column is too narrow for it. */
static void short_class(char *buf, size_t size, const char *c, size_t column)
{
	size_t n = c ? strlen(c) : 0;

	if (n > column && endswith(c, " controller"))
		n -= strlen(" controller");
	snprintf(buf, size, "%.*s", (int)n, c ? c : "");
}

static void render_device_line(const struct host *h, const struct pci_device *d, FILE *out)
{
	char name[160], link[160], node[12] = "-", cls[64];

	short_class(cls, sizeof(cls), d->class_name, 22);
	format_name(name, sizeof(name), d);
	format_link(link, sizeof(link), &h->pci, d);
	if (d->numa_node >= 0)
		snprintf(node, sizeof(node), "%d", d->numa_node);
	fprintf(out, "  %-12s  %-22.22s  %-38.38s  %-10.10s  %-4s  %s\n", d->bdf, cls, name,
		d->driver ? d->driver : "-", node, link);
}

/* The element of d's chain just below hop (d itself, or a bridge); the
 * chain runs from the root port down to d's parent. */
static const struct pci_device *below_hop(const struct pci_info *pi, const struct pci_device *d, const char *hop)
{
	const struct pci_device *x = d;

	for (size_t k = strv_length(d->upstream); k-- > 0;) {
		if (!strcmp(d->upstream[k], hop))
			return x;
		x = pci_info_find(pi, d->upstream[k]);
		if (!x)
			return NULL;
	}
	return NULL;
}

/* "0000:40:01.1 (root port: the link trained at Gen4 x8, both ends
 * support Gen5 x16)" or "0000:5f:03.0 (switch downstream port, capable
 * of only Gen1 x1)". */
static void format_hop(char *buf, size_t size, const struct pci_info *pi, const struct pci_device *d)
{
	const struct pci_device *hop = pci_info_find(pi, d->limiting_hop);
	const struct pci_device *x = hop ? below_hop(pi, d, hop->bdf) : NULL;
	char cur[48], cap[48];
	double speed;
	int width;

	if (!hop || !x) {
		snprintf(buf, size, "%s", d->limiting_hop);
		return;
	}
	pci_hop_capability(pi, x, &speed, &width);
	format_current(cur, sizeof(cur), &x->link);
	format_gen_width(cap, sizeof(cap), speed, pci_gen_from_speed(speed), width);
	if (x->link.speed_gts < speed - 0.01 || (x->link.width > 0 && width > 0 && x->link.width < width)) {
		snprintf(buf, size, "%s (%s: the link trained at %s, both ends support %s)", hop->bdf,
			 pci_port_role(pi, hop), cur, cap);
		return;
	}
	format_max(cap, sizeof(cap), &hop->link);
	snprintf(buf, size, "%s (%s, capable of only %s)", hop->bdf, pci_port_role(pi, hop), cap);
}

/* One line per device facing up whose link is short (an endpoint, a
 * switch's uplink), and per endpoint whose path is: a port's own
 * downgrade is the same link as the device's below it. */
static void render_limits(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct pci_info *pi = &h->pci;

	for (size_t i = 0; i < pi->ndevices; i++) {
		const struct pci_device *d = &pi->devices[i];
		const struct pci_link *l = &d->link;
		char name[160], cur[48], max[48], hop[256] = "";

		if (l->idle_downgrade || !pci_faces_upstream(pi, d) ||
		    !(l->downgraded || (d->limiting_hop && !d->is_bridge)))
			continue;
		format_name(name, sizeof(name), d);
		format_current(cur, sizeof(cur), l);
		format_max(max, sizeof(max), l);
		if (d->limiting_hop)
			format_hop(hop, sizeof(hop), pi, d);
		if (l->downgraded)
			text_attention(cli, out, "%s %s runs %s, capable of %s%s%s", d->bdf, name, cur, max,
				       *hop ? ": limited at " : "", hop);
		else
			text_attention(cli, out, "%s %s runs %s, but its path is limited at %s", d->bdf, name, cur,
				       hop);
	}
}

void render_pci_text(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct pci_info *pi = &h->pci;
	size_t shown = 0;

	text_heading(cli, out, "PCIe devices");
	if (pi->error)
		text_attention(cli, out, "PCI enumeration %s (%s): %s", pi->ndevices ? "stopped early" : "failed",
			       pi->method ? pi->method : "?", pi->error);
	if (!pi->ndevices) {
		if (!pi->error)
			text_field(out, "Devices:", "none (no PCI bus here)");
		return;
	}
	for (size_t i = 0; i < pi->ndevices; i++)
		shown += cli->verbose || render_pci_listed(&pi->devices[i]);
	text_field(out, "Source:", "%s %s, %zu function%s%s", pi->method,
		   cli->pci_dump ? cli->pci_dump : cli->sysroot, pi->ndevices, pi->ndevices == 1 ? "" : "s",
		   shown < pi->ndevices ? " (host bridges, idle ports and the like hidden: -v lists all)" : "");
	if (shown)
		fprintf(out, "  %-12s  %-22s  %-38s  %-10s  %-4s  %s\n", "BDF", "Class", "Device", "Driver",
			"Node", "Link");
	for (size_t i = 0; i < pi->ndevices; i++)
		if (cli->verbose || render_pci_listed(&pi->devices[i]))
			render_device_line(h, &pi->devices[i], out);
	render_limits(cli, h, out);
}

static void json_hex(struct json *j, const char *key, unsigned v, int digits, bool known)
{
	char buf[16];

	json_key(j, key);
	if (!known) {
		json_null(j);
		return;
	}
	snprintf(buf, sizeof(buf), "0x%0*x", digits, v);
	json_string(j, buf);
}

static double round2(double v)
{
	return round(v * 100) / 100;
}

static void render_link_json(const struct pci_info *pi, const struct pci_device *d, struct json *j)
{
	const struct pci_link *l = &d->link;
	bool empty = pci_empty_slot(pi, d);

	json_key(j, "link");
	if (!d->has_link) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_double(j, "speed_gts", l->speed_gts);
	json_kv_int_opt(j, "gen", l->gen);
	json_kv_int_opt(j, "width", empty ? 0 : l->width);  /* lspci's x0: link down */
	json_kv_double(j, "max_speed_gts", l->max_speed_gts);
	json_kv_int_opt(j, "max_gen", l->max_gen);
	json_kv_int_opt(j, "max_width", l->max_width);
	json_kv_double(j, "bandwidth_gbps", round2(l->bandwidth_gbps));
	json_kv_double(j, "max_bandwidth_gbps", round2(pci_bandwidth_gbps(l->max_speed_gts, l->max_width)));
	json_kv_bool(j, "downgraded", l->downgraded);
	json_kv_bool(j, "idle", l->idle_downgrade);
	json_kv_bool(j, "empty_slot", empty);
	json_kv_string(j, "source", l->source);
	json_object_end(j);
}

static const char *port_type_key(int type)
{
	static const char *const keys[] = {
		"endpoint", "legacy_endpoint", NULL, NULL, "root_port", "upstream_port", "downstream_port",
		"pcie_to_pci_bridge", "pci_to_pcie_bridge", "rc_integrated_endpoint", "rc_event_collector",
	};

	return type >= 0 && (size_t)type < ARRAY_SIZE(keys) ? keys[type] : NULL;
}

static void render_device_json(const struct pci_info *pi, const struct pci_device *d, struct json *j)
{
	_cleanup_free_ char *cpus = d->local_cpus ? cpulist_format(d->local_cpus) : NULL;

	json_object_begin(j);
	json_kv_string(j, "bdf", d->bdf);
	json_hex(j, "class", d->class_code, 4, true);
	json_kv_string(j, "class_name", d->class_name);
	json_hex(j, "prog_if", d->prog_if, 2, true);
	json_hex(j, "vendor_id", d->vendor_id, 4, d->vendor_id != 0xffff);
	json_hex(j, "device_id", d->device_id, 4, d->device_id != 0xffff);
	json_kv_string(j, "vendor", d->vendor);
	json_kv_string(j, "device", d->device);
	json_kv_string(j, "driver", d->driver);
	json_kv_int_opt(j, "numa_node", d->numa_node);
	json_kv_string(j, "local_cpus", cpus);
	json_kv_string(j, "port_type", port_type_key(d->pcie_type));
	json_kv_bool(j, "bridge", d->is_bridge);
	json_kv_int_opt(j, "mps", d->mps);
	json_kv_int_opt(j, "mps_max", d->mps_max);
	json_kv_int_opt(j, "mrrs", d->mrrs);
	json_kv_tristate(j, "acs", d->acs);
	json_kv_int_opt(j, "iommu_group", d->iommu_group);
	render_link_json(pi, d, j);
	json_key(j, "upstream");
	json_array_begin(j);
	for (size_t k = 0; d->upstream && d->upstream[k]; k++)
		json_string(j, d->upstream[k]);
	json_array_end(j);
	json_kv_string(j, "limiting_hop", d->limiting_hop);
	json_object_end(j);
}

void render_pci_json(const struct host *h, struct json *j)
{
	json_key(j, "pci");
	json_object_begin(j);
	json_key(j, "devices");
	json_array_begin(j);
	for (size_t i = 0; i < h->pci.ndevices; i++)
		render_device_json(&h->pci, &h->pci.devices[i], j);
	json_array_end(j);
	json_kv_string(j, "method", h->pci.method);
	json_kv_string(j, "error", h->pci.error);
	json_object_end(j);
}
