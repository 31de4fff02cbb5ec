/* The "IOMMU and PCIe settings" block of `rigtune probe` and its JSON
 * member "iommu": the IOMMU mode and groups, ACS on the switch downstream
 * ports (P2P between GPUs wants it off, passthrough wants it on), a Max
 * Payload Size that differs from a port on a GPU's or NIC's path, and,
 * for functions bound to vfio-pci, whether each is ready for passthrough. */
#include <stdio.h>

#include "cli/render.h"
#include "common/json.h"
#include "common/util.h"
#include "tune/knobs.h"

static bool gpu_or_nic(const struct pci_device *d)
{
	return tune_device_in_class(d->class_code, d->vendor_id, "gpu") ||
	       tune_device_in_class(d->class_code, d->vendor_id, "nic");
}

static void render_acs(const struct host *h, FILE *out)
{
	size_t on, off;

	pci_acs_count(h, &on, &off);
	if (on + off == 0)
		text_field(out, "ACS", "no switch port with a readable ACS capability");
	else
		text_field(out, "ACS", "P2P redirect on at %zu, off at %zu switch downstream port(s)", on, off);
}

void render_iommu_text(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct iommu_info *io = &h->iommu;

	text_heading(cli, out, "IOMMU and PCIe settings");
	if (io->mode)
		text_field(out, "IOMMU", "%s (%s), %zu unit(s), %d group(s)", io->mode, io->source,
			   strv_length(io->units), io->ngroups);
	else
		text_field(out, "IOMMU", "unknown (no /sys/kernel/iommu_groups)");
	render_acs(h, out);
	for (size_t i = 0; i < h->pci.ndevices; i++) {
		const struct pci_device *d = &h->pci.devices[i], *p;
		char why[192];

		if (gpu_or_nic(d) && (p = pci_mps_mismatch(h, d)))
			text_attention(cli, out, "%s: Max Payload Size %d, but %d at %s on its path", d->bdf, d->mps,
				       p->mps, p->bdf);
		if (d->driver && !strcmp(d->driver, "vfio-pci") && d->func == 0) {
			if (iommu_passthrough_ready(h, d, why, sizeof(why)))
				text_field(out, "Passthrough", "%s", why);
			else
				text_attention(cli, out, "passthrough of %s: %s", d->bdf, why);
		}
	}
	fputc('\n', out);
}

void render_iommu_json(const struct host *h, struct json *j)
{
	const struct iommu_info *io = &h->iommu;

	json_key(j, "iommu");
	json_object_begin(j);
	json_kv_string(j, "mode", io->mode);
	json_kv_string(j, "source", io->source);
	json_kv_int_opt(j, "groups", io->ngroups);
	json_key(j, "units");
	json_array_begin(j);
	for (size_t i = 0; io->units && io->units[i]; i++)
		json_string(j, io->units[i]);
	json_array_end(j);
	json_object_end(j);
}
