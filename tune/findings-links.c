/* GPU interconnect findings, from the links probe: an AMD xGMI hive with
 * a pair of GPUs not linked (KFD io_links, amdgpu xgmi attributes) fails
 * per missing pair ("xgmi.link.A-B"); an NVIDIA GPU with fewer active
 * NVLink links than its peers (NVML, live host) fails ("nvlink.links.BDF"). */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/findings.h"

static int xgmi_missing(const struct links_info *l, struct findings *f)
{
	for (size_t i = 0; l->xgmi_missing && l->xgmi_missing[i]; i++) {
		const char *pair = l->xgmi_missing[i], *sep = strstr(pair, "<->");
		_cleanup_free_ char *id = sep ? xasprintf("xgmi.link.%.*s-%s", (int)(sep - pair), pair, sep + 3)
					      : xasprintf("xgmi.link.%s", pair);
		int r;

		if (!id)
			return -ENOMEM;
		r = findings_add(f, FINDING_FAIL, id, pair, "check the xGMI bridge or cabling between the two "
				 "GPUs; dmesg | grep -i xgmi; rocm-smi --showtopo",
				 "the two GPUs are in one hive but have no xGMI link either way: the hive is "
				 "incomplete and their traffic goes over PCIe");
		if (r < 0)
			return r;
	}
	return 0;
}

static void count_links(const struct links_info *l, const char *gpu, int *active, int *total)
{
	*active = *total = 0;
	for (size_t k = 0; k < l->nnvlink; k++)
		if (!strcmp(l->nvlink[k].gpu, gpu)) {
			(*total)++;
			*active += l->nvlink[k].active;
		}
}

static int nvlink_down(const struct findings_ctx *ctx, const struct links_info *l, struct findings *f)
{
	int most = 0, active, total;

	for (size_t i = 0; i < l->nnvlink; i++) {
		count_links(l, l->nvlink[i].gpu, &active, &total);
		most = active > most ? active : most;
	}
	for (size_t i = 0; most && i < l->nnvlink; i++) {
		const struct pci_device *d = host_pci_device(ctx->host, l->nvlink[i].gpu);
		_cleanup_free_ char *id = NULL, *subject = NULL;
		bool first = true;

		for (size_t k = 0; k < i; k++)
			first &= strcmp(l->nvlink[k].gpu, l->nvlink[i].gpu) != 0;
		count_links(l, l->nvlink[i].gpu, &active, &total);
		if (!first || active >= most)
			continue;
		id = xasprintf("nvlink.links.%s", l->nvlink[i].gpu);
		subject = d ? finding_device_subject(d) : strdup(l->nvlink[i].gpu);
		if (!id || !subject ||
		    findings_add(f, FINDING_FAIL, id, subject, "nvidia-smi nvlink --status; check the NVLink "
				 "bridges, NVSwitch trays and nvidia-fabricmanager",
				 "%d of %d NVLink links active; other GPUs have %d", active, total, most) < 0)
			return -ENOMEM;
	}
	return 0;
}

int findings_links(const struct findings_ctx *ctx, struct findings *f)
{
	const struct links_info *l = &ctx->host->links;
	int r = xgmi_missing(l, f);

	return r < 0 ? r : nvlink_down(ctx, l, f);
}
