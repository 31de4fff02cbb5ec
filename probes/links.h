/* Private to the links probe (probes/links.c): its three parts, one file
 * each. Each fills its members of h->links and returns 0 or -errno
 * (-ENOMEM only: a missing file or library is a note, not an error). */
#pragma once
#include "probes/host.h"

/* probes/xgmi.c: AMD Instinct GPUs and their xGMI hive, from the KFD
 * topology and amdgpu's xgmi attributes. */
int xgmi_collect(const struct sysroot *sr, struct host *h);
void xgmi_release(struct links_info *l);

/* probes/hsmp.c: EPYC socket-to-socket xGMI, through /dev/hsmp on the live
 * host; elsewhere a note with what can be known. */
int socket_link_collect(const struct sysroot *sr, struct host *h);
void socket_link_release(struct links_info *l);

/* probes/nvlink.c: NVIDIA NVLink through libnvidia-ml (dlopen), live host
 * only. */
int nvlink_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void nvlink_release(struct links_info *l);

/* probes/gpu-health.c: AMD GPUs' health from amdgpu's sysfs attributes
 * (the NVIDIA part is read in nvlink_collect's NVML session). */
int amdgpu_health_collect(const struct sysroot *sr, struct host *h);
void gpu_health_release(struct gpu_health_info *hi);
