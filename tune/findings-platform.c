/* Platform findings: a virtual machine (info, "platform.virtualization":
 * the hypervisor owns NUMA placement, IRQs and PCIe links), and a GPU or
 * NIC whose numa_node is -1 on a host with several nodes (warn,
 * "platform.numa_node.BDF": the firmware's ACPI tables give no locality,
 * so nothing can place its IRQs or memory on its node). */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/findings.h"
#include "tune/knobs.h"

static int virtual_machine(const struct host *h, struct findings *f)
{
	const char *v = h->kernel.virtualization;

	if (!v)
		return 0;
	return findings_add(f, FINDING_INFO, "platform.virtualization", "platform", NULL,
			    "a virtual machine (%s, %s): host tuning and the hardware findings belong to the "
			    "hypervisor", v, h->kernel.virt_source ? h->kernel.virt_source : "detected");
}

static int unknown_node(const struct pci_device *d, struct findings *f)
{
	_cleanup_free_ char *id = xasprintf("platform.numa_node.%s", d->bdf), *subject = finding_device_subject(d);

	if (!id || !subject)
		return -ENOMEM;
	return findings_add(f, FINDING_WARN, id, subject, "update the BIOS (its ACPI _PXM for the slot); "
			    "check NUMA settings such as NPS or SNC",
			    "numa_node is -1 on a host with NUMA nodes: its IRQs and buffers cannot be placed "
			    "near it");
}

int findings_platform(const struct findings_ctx *ctx, struct findings *f)
{
	const struct host *h = ctx->host;
	int r = virtual_machine(h, f);

	for (size_t i = 0; r == 0 && h->numa.nnodes > 1 && i < h->pci.ndevices; i++) {
		const struct pci_device *d = &h->pci.devices[i];

		if (d->numa_node < 0 && (tune_device_in_class(d->class_code, d->vendor_id, "gpu") ||
					 tune_device_in_class(d->class_code, d->vendor_id, "nic")))
			r = unknown_node(d, f);
	}
	return r;
}
