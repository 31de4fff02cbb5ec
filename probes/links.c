/* The links probe: GPU-to-GPU and socket-to-socket links. Three parts, one
 * file each: the AMD xGMI hive (probes/xgmi.c, KFD topology), EPYC
 * socket-to-socket xGMI (probes/hsmp.c, /dev/hsmp) and NVIDIA NVLink
 * (probes/nvlink.c, libnvidia-ml). None of them fails for hardware that is
 * absent: an empty list and a note say what is missing and why. GPU health
 * (probes/gpu-health.c) rides along: amdgpu's sysfs here, NVML in the
 * NVLink session. */
#include <string.h>

#include "probes/links.h"

int links_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	int r;

	h->links.sockets = UNKNOWN;
	h->links.cross_socket_distance = UNKNOWN;
	h->links.hsmp_protocol = UNKNOWN;
	h->links.nvlink_gpus = UNKNOWN;
	r = xgmi_collect(sr, h);
	if (r >= 0)
		r = amdgpu_health_collect(sr, h);
	if (r >= 0)
		r = socket_link_collect(sr, h);
	if (r >= 0)
		r = nvlink_collect(sr, opt, h);
	return r < 0 ? r : 0;
}

void links_probe_release(struct host *h)
{
	nvlink_release(&h->links);
	gpu_health_release(&h->gpu_health);
	socket_link_release(&h->links);
	xgmi_release(&h->links);
	memset(&h->links, 0, sizeof(h->links));
}
