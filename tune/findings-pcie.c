/* PCIe link findings, from the links the PCI probe read (current_link_*
 * and max_link_* in sys/bus/pci/devices/BDF, or LnkCap/LnkSta) and its
 * judgement of each hop (probes/pci.h). One finding per link, named by its
 * upstream-facing end (the endpoint or switch uplink below the port):
 *   fail  trained below what both ends can do ("pcie.link.BDF", naming
 *         the port above it);
 *   warn  a device whose own link is fine but whose path is limited at a
 *         hop above ("pcie.path.BDF"), or a port that can run only a
 *         lower speed than the card ("pcie.slot.BDF");
 *   info  a card in a slot wired for fewer lanes (x16 in x8: normal on
 *         x8/x8 desktop boards), or an idle GPU's power-saving link.
 * And a warning "pcie.enumeration" when the probe could not enumerate
 * every device (pci.error): what it missed, nothing judged. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "probes/pci.h"
#include "tune/findings.h"

/* "Gen4 x8 (15.75 GB/s)", "16 GT/s x?" */
static void describe(char *buf, size_t size, double gts, int width)
{
	int gen = pci_gen_from_speed(gts);
	double gbps = pci_bandwidth_gbps(gts, width);
	char w[12] = "x?", s[24] = "speed ?";

	if (width > 0)
		snprintf(w, sizeof(w), "x%d", width);
	if (gen > 0)
		snprintf(s, sizeof(s), "Gen%d", gen);
	else if (!isnan(gts))
		snprintf(s, sizeof(s), "%g GT/s", gts);
	snprintf(buf, size, isnan(gbps) ? "%s %s" : "%s %s (%.2f GB/s)", s, w, gbps);
}

static bool below(double speed, int width, double cap_speed, int cap_width)
{
	return speed < cap_speed - 0.01 || (width > 0 && cap_width > 0 && width < cap_width);
}

static int add(struct findings *f, enum finding_severity sev, const char *kind, const struct pci_device *d,
	       const char *fix, const char *evidence)
{
	_cleanup_free_ char *id = xasprintf("pcie.%s.%s", kind, d->bdf), *subject = finding_device_subject(d);

	if (!id || !subject)
		return -ENOMEM;
	return findings_add(f, sev, id, subject, fix, "%s", evidence);
}

static const char *const reseat =
	"reseat the card and check the slot, riser or cable at the port named; BIOS PCIe speed and "
	"bifurcation settings; lspci -vv shows LnkSta against LnkCap";

static int idle_gpu(struct findings *f, const struct pci_device *d, double cap_speed, int cap_width)
{
	char now[64], cap[64], ev[192];

	describe(now, sizeof(now), d->link.speed_gts, d->link.width);
	describe(cap, sizeof(cap), cap_speed, cap_width);
	snprintf(ev, sizeof(ev), "idle at %s: GPU power saving, %s under load", now, cap);
	return add(f, FINDING_INFO, "link", d, NULL, ev);
}

/* A link that trained as well as both ends allow, yet the port above is
 * the less capable end. */
static int slot_limits(struct findings *f, const struct pci_info *pi, const struct pci_device *d, const struct pci_device *port,
		       double cap_speed, int cap_width)
{
	double own = pci_bandwidth_gbps(d->link.max_speed_gts, d->link.max_width);
	double now = pci_bandwidth_gbps(d->link.speed_gts, d->link.width);
	char card[64], slot[64], ev[256];
	bool slow = cap_speed < d->link.max_speed_gts - 0.01;

	if (!slow && !(cap_width > 0 && d->link.max_width > cap_width))
		return 0;
	describe(card, sizeof(card), d->link.max_speed_gts, d->link.max_width);
	describe(slot, sizeof(slot), cap_speed, cap_width);
	snprintf(ev, sizeof(ev), "card %s, %s %s can do %s: costs %.2f GB/s each way", card, pci_port_role(pi, port),
		 port->bdf, slot, isnan(own - now) ? 0.0 : own - now);
	if (slow)
		return add(f, FINDING_WARN, "slot", d, "move the card to a slot (or switch port) of its own "
			   "generation", ev);
	return add(f, FINDING_INFO, "slot", d, "a slot wired for the card's full width gives it the "
		   "bandwidth back; [expect] gpu_link_width_min makes this a failure", ev);
}

static int trained_low(struct findings *f, const struct pci_info *pi, const struct pci_device *d, const struct pci_device *port,
		       double cap_speed, int cap_width)
{
	char now[64], cap[64], ev[320];

	describe(now, sizeof(now), d->link.speed_gts, d->link.width);
	describe(cap, sizeof(cap), cap_speed, cap_width);
	snprintf(ev, sizeof(ev), "trained at %s; both ends can do %s; limiting hop %s (%s)", now, cap, port->bdf,
		 pci_port_role(pi, port));
	return add(f, FINDING_FAIL, "link", d, reseat, ev);
}

static int path_limited(struct findings *f, const struct pci_info *pi, const struct pci_device *d)
{
	const struct pci_device *hop = pci_info_find(pi, d->limiting_hop);
	char ev[256];

	snprintf(ev, sizeof(ev), "its own link is fine, but the path above is limited at %s (%s)",
		 d->limiting_hop, hop ? pci_port_role(pi, hop) : "bridge");
	return add(f, FINDING_WARN, "path", d, reseat, ev);
}

static int judge(struct findings *f, const struct pci_info *pi, const struct pci_device *d)
{
	const struct pci_device *port = d->parent ? pci_info_find(pi, d->parent) : NULL;
	double cap_speed;
	int cap_width;

	if (!d->has_link || !port || !port->has_link || !pci_faces_upstream(pi, d) ||
	    (isnan(d->link.speed_gts) && d->link.width <= 0))
		return 0;
	pci_hop_capability(pi, d, &cap_speed, &cap_width);
	if (d->link.idle_downgrade)
		return idle_gpu(f, d, cap_speed, cap_width);
	if (below(d->link.speed_gts, d->link.width, cap_speed, cap_width))
		return trained_low(f, pi, d, port, cap_speed, cap_width);
	if (!d->is_bridge && d->limiting_hop && strcmp(d->limiting_hop, port->bdf))
		return path_limited(f, pi, d);
	return slot_limits(f, pi, d, port, cap_speed, cap_width);
}

/* The functions of one device share its link: judge it once, on function
 * 0 (a GPU's audio function mirrors, or lags behind, the GPU's link). */
static bool shares_function0_link(const struct host *h, const struct pci_device *d)
{
	size_t n = strlen(d->bdf);
	char f0[32];

	if (n < 2 || n >= sizeof(f0) || d->bdf[n - 2] != '.' || d->bdf[n - 1] == '0')
		return false;
	memcpy(f0, d->bdf, n + 1);
	f0[n - 1] = '0';
	return host_pci_device(h, f0) != NULL;
}

int findings_pcie(const struct findings_ctx *ctx, struct findings *f)
{
	const struct pci_info *pi = &ctx->host->pci;

	/* Without it the audit would pass a rig whose devices nobody saw:
	 * links, IRQ locality and GPU placement all judge PCI devices. */
	if (pi->error) {
		int r = findings_add(f, FINDING_WARN, "pcie.enumeration", "PCI devices",
				     "rigtune probe shows what was read; check sys/bus/pci/devices (or the --pci-dump file)",
				     "PCI enumeration failed (%s): %s; devices it missed were not judged",
				     pi->method ? pi->method : "sysfs", pi->error);

		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < pi->ndevices; i++) {
		const struct pci_device *d = &pi->devices[i];
		int r;

		if (shares_function0_link(ctx->host, d))
			continue;
		r = judge(f, pi, d);
		if (r < 0)
			return r;
	}
	return 0;
}
