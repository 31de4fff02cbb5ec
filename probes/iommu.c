/* IOMMU probe: the IOMMU units (sys/class/iommu), the groups the kernel
 * made (sys/kernel/iommu_groups/N) and the mode DMA runs in. The default
 * domain type of a group (iommu_groups/N/type, Linux 5.11+) says it
 * best: "identity" is passthrough (iommu=pt: devices see physical
 * addresses, no translation cost), "DMA"/"DMA-FQ" translated. Without it,
 * proc/cmdline: iommu=pt / iommu=off, amd_iommu=off, intel_iommu=off. No
 * group at all: off. Each PCI device's group is read by the PCI probe. */
#include <errno.h>
#include <stdio.h>

#include <pci/pci.h>

#include "common/util.h"
#include "probes/host.h"

static const char *mode_from_type(const char *type)
{
	if (!strcmp(type, "identity"))
		return "passthrough";
	if (startswith(type, "DMA"))
		return "translated";
	return NULL;
}

static const char *mode_from_cmdline(const char *cmdline)
{
	static const char *const off_keys[] = {"iommu", "amd_iommu", "intel_iommu"};
	_cleanup_free_ char *iommu = cmdline ? cmdline_value(cmdline, "iommu") : NULL;

	for (size_t i = 0; cmdline && i < ARRAY_SIZE(off_keys); i++) {
		_cleanup_free_ char *v = cmdline_value(cmdline, off_keys[i]);

		if (v && !strcmp(v, "off"))
			return "off";
	}
	if (iommu && !strcmp(iommu, "pt"))
		return "passthrough";
	return NULL;
}

int iommu_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	struct iommu_info *io = &h->iommu;
	_cleanup_free_ int *groups = NULL;
	_cleanup_free_ char *type = NULL;
	size_t n = 0;
	int r;

	*io = (struct iommu_info){.ngroups = UNKNOWN};
	r = sr_list(sr, "", &io->units, "sys/class/iommu");
	if (r == -ENOMEM)
		return r;
	r = sr_list_ids(sr, "", &groups, &n, "sys/kernel/iommu_groups");
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;       /* a tree without the directory: unknown */
	io->ngroups = (int)n;
	if (n == 0) {
		io->mode = "off";
		io->source = "no iommu_groups";
		return 0;
	}
	if (sr_read_string(sr, &type, "sys/kernel/iommu_groups/%d/type", groups[0]) == 0 &&
	    (io->mode = mode_from_type(type)))
		io->source = "iommu_groups type";
	else if ((io->mode = mode_from_cmdline(h->kernel.cmdline)))
		io->source = "kernel command line";
	else {
		io->mode = "translated";
		io->source = "iommu_groups";
	}
	return 0;
}

void iommu_probe_release(struct host *h)
{
	strv_free(h->iommu.units);
	h->iommu = (struct iommu_info){0};
}

/* Functions of one slot: the GPU and its HDMI audio, 0000:1b:00.0/.1. */
static bool same_slot(const struct pci_device *a, const struct pci_device *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

bool iommu_passthrough_ready(const struct host *h, const struct pci_device *d, char *why, size_t size)
{
	if (!h->iommu.mode || !strcmp(h->iommu.mode, "off")) {
		snprintf(why, size, "the IOMMU is %s", h->iommu.mode ? "off" : "not known on this tree");
		return false;
	}
	if (d->iommu_group == UNKNOWN) {
		snprintf(why, size, "%s is in no IOMMU group", d->bdf);
		return false;
	}
	for (size_t i = 0; i < h->pci.ndevices; i++) {
		const struct pci_device *o = &h->pci.devices[i];

		if (o->iommu_group != d->iommu_group)
			continue;
		if (!same_slot(o, d)) {
			snprintf(why, size, "%s shares IOMMU group %d with %s", d->bdf, d->iommu_group, o->bdf);
			return false;
		}
		if (!o->driver || strcmp(o->driver, "vfio-pci")) {
			snprintf(why, size, "%s is bound to %s, not vfio-pci", o->bdf, o->driver ? o->driver : "no driver");
			return false;
		}
	}
	snprintf(why, size, "%s alone in IOMMU group %d, on vfio-pci", d->bdf, d->iommu_group);
	return true;
}

const struct pci_device *pci_mps_mismatch(const struct host *h, const struct pci_device *d)
{
	for (size_t i = 0; d->mps != UNKNOWN && d->upstream && d->upstream[i]; i++) {
		const struct pci_device *p = host_pci_device(h, d->upstream[i]);

		if (p && p->mps != UNKNOWN && p->mps != d->mps)
			return p;
	}
	return NULL;
}

void pci_acs_count(const struct host *h, size_t *on, size_t *off)
{
	*on = *off = 0;
	for (size_t i = 0; i < h->pci.ndevices; i++) {
		const struct pci_device *d = &h->pci.devices[i];

		if (d->pcie_type == PCI_EXP_TYPE_DOWNSTREAM && d->acs != UNKNOWN)
			*(d->acs ? on : off) += 1;
	}
}
