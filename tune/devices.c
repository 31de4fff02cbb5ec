/* PCI functions as the [irq] knob and [expect] pcie.* see them: the
 * device classes profiles name, and the device list (the PCI probe's, or
 * the PCI probe's pci_sysfs_ids when it has none). */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "probes/pci.h"
#include "tune/knobs.h"
#include "tune/schema.h"

#define VENDOR_NVIDIA 0x10de
#define VENDOR_AMD 0x1002
#define VENDOR_INTEL 0x8086

bool tune_device_in_class(unsigned class_code, unsigned vendor_id, const char *cls)
{
	unsigned base = class_code >> 8;
	bool gpu_vendor = vendor_id == VENDOR_NVIDIA || vendor_id == VENDOR_AMD || vendor_id == VENDOR_INTEL;

	if (!strcmp(cls, "gpu"))
		return (base == 0x03 || base == 0x12) && gpu_vendor;
	if (!strcmp(cls, "accel"))
		return base == 0x12 || class_code == 0x0b40;
	if (!strcmp(cls, "nic"))
		return base == 0x02;
	if (!strcmp(cls, "nvme"))
		return class_code == 0x0108;
	if (!strcmp(cls, "storage"))
		return base == 0x01 && class_code != 0x0108;
	return false;
}

int tune_canonical_bdf(const char *s, char *buf, size_t size)
{
	unsigned dom, bus, dev, fn;

	if (schema_parse_bdf(s, &dom, &bus, &dev, &fn) < 0)
		return -EINVAL;
	snprintf(buf, size, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static int devices_from_probe(const struct host *h, struct tune_device *v)
{
	for (size_t i = 0; i < h->pci.ndevices; i++) {
		const struct pci_device *d = &h->pci.devices[i];

		snprintf(v[i].bdf, sizeof(v[i].bdf), "%s", d->bdf);
		v[i].class_code = d->class_code;
		v[i].vendor_id = d->vendor_id;
		v[i].numa_node = d->numa_node;
		v[i].pci = d;
	}
	return (int)h->pci.ndevices;
}

static int devices_from_sysfs(const struct sysroot *sr, char **names, struct tune_device *v)
{
	size_t n = 0;

	for (size_t i = 0; names[i]; i++) {
		struct tune_device *d = &v[n];
		struct pci_sysfs_ids ids;

		if (tune_canonical_bdf(names[i], d->bdf, sizeof(d->bdf)) < 0 ||
		    pci_sysfs_ids(sr, names[i], &ids) < 0)
			continue;
		d->class_code = ids.class_code;
		d->vendor_id = ids.vendor_id;
		d->numa_node = ids.numa_node;
		n++;
	}
	return (int)n;
}

int tune_devices(const struct sysroot *sr, const struct host *h, struct tune_device **ret, size_t *n)
{
	_cleanup_strv_ char **names = NULL;
	struct tune_device *v;
	size_t cap = h->pci.ndevices;
	int count;

	if (cap == 0 && sr_list(sr, "", &names, "sys/bus/pci/devices") == 0)
		cap = strv_length(names);
	v = calloc(cap + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	count = h->pci.ndevices ? devices_from_probe(h, v) : names ? devices_from_sysfs(sr, names, v) : 0;
	*ret = v;
	*n = (size_t)count;
	return 0;
}
