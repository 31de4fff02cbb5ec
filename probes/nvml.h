/* NVML as the probes use it (probes/nvlink.c loads it, probes/gpu-health.c
 * reads health through the same session): the few types and calls, as
 * nvml.h declares them. Health calls are optional: an older driver
 * without one leaves its values unknown. */
#pragma once
#include "probes/host.h"

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct {
	char busIdLegacy[16];
	unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
	char busId[32];         /* "00000000:1B:00.0" */
} nvmlPciInfo_t;
typedef struct {
	unsigned char clusterUuid[16];
	nvmlReturn_t status;
	unsigned int cliqueId;
	unsigned char state;    /* nvmlGpuFabricState_t */
} nvmlGpuFabricInfo_t;

/* Events (nvmlEventSetWait_v2 fills the whole struct, MIG ids included). */
typedef struct nvmlEventSet_st *nvmlEventSet_t;
typedef struct {
	nvmlDevice_t device;
	unsigned long long eventType;
	unsigned long long eventData;   /* the XID, for an XID event (999: unknown) */
	unsigned int gpuInstanceId, computeInstanceId;
} nvmlEventData_t;
#define nvmlEventTypeXidCriticalError 0x0000000000000008ULL

#define NVML_SUCCESS 0
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_TIMEOUT 10

struct nvml {
	void *dl;
	nvmlReturn_t (*init)(void);
	nvmlReturn_t (*shutdown)(void);
	const char *(*error_string)(nvmlReturn_t);
	nvmlReturn_t (*count)(unsigned int *);
	nvmlReturn_t (*handle)(unsigned int, nvmlDevice_t *);
	nvmlReturn_t (*pci_info)(nvmlDevice_t, nvmlPciInfo_t *);
	nvmlReturn_t (*state)(nvmlDevice_t, unsigned int, int *);
	nvmlReturn_t (*version)(nvmlDevice_t, unsigned int, unsigned int *);
	nvmlReturn_t (*remote_pci)(nvmlDevice_t, unsigned int, nvmlPciInfo_t *);
	/* health, optional */
	nvmlReturn_t (*persistence)(nvmlDevice_t, int *);
	nvmlReturn_t (*ecc_mode)(nvmlDevice_t, int *, int *);
	nvmlReturn_t (*ecc_errors)(nvmlDevice_t, int, int, unsigned long long *);
	nvmlReturn_t (*retired_pages)(nvmlDevice_t, int, unsigned int *, unsigned long long *);
	nvmlReturn_t (*retired_pending)(nvmlDevice_t, int *);
	nvmlReturn_t (*remapped_rows)(nvmlDevice_t, unsigned int *, unsigned int *, unsigned int *, unsigned int *);
	nvmlReturn_t (*throttle)(nvmlDevice_t, unsigned long long *);
	nvmlReturn_t (*replays)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*power_limit)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*power_default)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*mig_mode)(nvmlDevice_t, unsigned int *, unsigned int *);
	nvmlReturn_t (*fabric)(nvmlDevice_t, nvmlGpuFabricInfo_t *);
	nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned int *);
	nvmlReturn_t (*temp_threshold)(nvmlDevice_t, int, unsigned int *);
};

/* probes/nvlink.c: the library to load (probe_options.nvml_library, else
 * $RIGTUNE_NVML_LIBRARY, else libnvidia-ml.so.1); resolve every symbol,
 * the name of the first one missing or NULL. */
const char *nvml_library_name(const struct probe_options *opt);
const char *nvml_bind(struct nvml *n);

/* probes/gpu-health.c: the optional health calls (NULL where the driver
 * lacks one), and one GPU's health appended to h->gpu_health. */
void nvml_bind_health(struct nvml *n);
int nvml_health_read(const struct nvml *n, nvmlDevice_t dev, const char *bdf, struct gpu_health_info *hi);
