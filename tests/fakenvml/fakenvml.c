/* A fake libnvidia-ml for rigtune's NVLink tests: the few NVML calls
 * rigtune makes, answered for an HGX H100 board: 8 GPUs with 18 NVLinks
 * each to 4 NVSwitches (5 + 4 + 4 + 5 links), link 7 of GPU 3 down.
 * Bus ids are upper case with 8-digit domains, as real NVML writes them.
 * Environment:
 *   FAKENVML_GPUS=N        report N GPUs (default 8)
 *   FAKENVML_INIT_ERROR=R  nvmlInit_v2 returns R (9: driver not loaded)
 *   FAKENVML_NO_NVLINK=1   every NVLink query answers NOT_SUPPORTED (PCIe cards)
 *   FAKENVML_LOG=FILE      append "init" / "shutdown" / "misuse" lines
 *   FAKENVML_HEALTH=sick   GPU health faults: GPU 2 has 3 uncorrected ECC
 *                          errors (5 over its life) and a row remap pending,
 *                          GPU 4 hardware slowdown + thermal throttling, 250
 *                          PCIe replays and a 500 W limit (default 700 W),
 *                          GPU 5 an NVSwitch fabric still registering, GPU 6
 *                          persistence and ECC off, GPU 7 a failed row remap.
 *                          Otherwise every GPU is healthy (idle).
 *   FAKENVML_OLD_DRIVER=1  the health calls are missing (an older driver)
 *   FAKENVML_SENSORS=FILE  lines "GPU TEMP_C ECC_CE ECC_UE REPLAYS", read at
 *                          every call, so a test rewrites it between the
 *                          sampler's reads; a GPU not listed reads 35 °C
 *                          and the counters above. Thresholds: slowdown
 *                          87 °C, shutdown 92 °C.
 *   FAKENVML_XIDS=FILE     lines "GPU XID": an XID critical-error event each,
 *                          delivered once by nvmlEventSetWait_v2 to an event
 *                          set that GPU is registered in (a test appends
 *                          lines while the sampler runs); no new line: the
 *                          wait times out at once
 *   FAKENVML_EVENTS=unsupported  nvmlDeviceRegisterEvents answers NOT_SUPPORTED
 *                          (FAKENVML_LOG gets "events" / "events freed")
 * Calls before init or after shutdown answer UNINITIALIZED and log "misuse". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_TIMEOUT = 10,
};

typedef struct {
	char busIdLegacy[16];
	unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
	char busId[32];
} nvmlPciInfo_t;

struct nvmlDevice_st {
	unsigned index;
};
typedef struct nvmlDevice_st *nvmlDevice_t;

/* The NVML API this library provides, as nvml.h declares it. */
EXPORT nvmlReturn_t nvmlInit_v2(void);
EXPORT nvmlReturn_t nvmlShutdown(void);
EXPORT const char *nvmlErrorString(nvmlReturn_t r);
EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count);
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *dev);
EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t dev, nvmlPciInfo_t *pci);
EXPORT nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t dev, unsigned int link, int *active);
EXPORT nvmlReturn_t nvmlDeviceGetNvLinkVersion(nvmlDevice_t dev, unsigned int link, unsigned int *version);
EXPORT nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo_v2(nvmlDevice_t dev, unsigned int link, nvmlPciInfo_t *pci);

#define LINKS 18
#define INACTIVE_GPU 3
#define INACTIVE_LINK 7

static const unsigned gpu_bus[] = {0x1b, 0x43, 0x52, 0x61, 0x9d, 0xc3, 0xd1, 0xdf};
static const unsigned switch_bus[] = {0x05, 0x06, 0x07, 0x08};
static struct nvmlDevice_st devices[8] = {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}};
static int initialized;

static void log_line(const char *what)
{
	const char *path = getenv("FAKENVML_LOG");
	FILE *f = path ? fopen(path, "a") : NULL;

	if (f) {
		fprintf(f, "%s\n", what);
		fclose(f);
	}
}

static int ready(void)
{
	if (!initialized)
		log_line("misuse");
	return initialized;
}

static unsigned gpu_count(void)
{
	const char *s = getenv("FAKENVML_GPUS");
	unsigned n = s ? (unsigned)atoi(s) : 8;

	return n > 8 ? 8 : n;
}

static void fill_pci(nvmlPciInfo_t *p, unsigned bus, unsigned id)
{
	memset(p, 0, sizeof(*p));
	p->bus = bus;
	p->pciDeviceId = id;
	snprintf(p->busIdLegacy, sizeof(p->busIdLegacy), "0000:%02X:00.0", bus);
	snprintf(p->busId, sizeof(p->busId), "00000000:%02X:00.0", bus);
}

static nvmlReturn_t link_check(nvmlDevice_t dev, unsigned link)
{
	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	if (!dev || dev->index >= gpu_count() || link >= LINKS)
		return NVML_ERROR_INVALID_ARGUMENT;
	return getenv("FAKENVML_NO_NVLINK") ? NVML_ERROR_NOT_SUPPORTED : NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlInit_v2(void)
{
	const char *err = getenv("FAKENVML_INIT_ERROR");

	if (err && atoi(err))
		return atoi(err);
	initialized++;
	log_line("init");
	return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlShutdown(void)
{
	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	initialized--;
	log_line("shutdown");
	return NVML_SUCCESS;
}

EXPORT const char *nvmlErrorString(nvmlReturn_t r)
{
	switch (r) {
	case NVML_SUCCESS: return "Success";
	case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
	case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
	case 9: return "Driver Not Loaded";
	case NVML_ERROR_TIMEOUT: return "Timeout";
	default: return "Unknown Error";
	}
}

EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	*count = gpu_count();
	return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *dev)
{
	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	if (index >= gpu_count())
		return NVML_ERROR_INVALID_ARGUMENT;
	*dev = &devices[index];
	return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t dev, nvmlPciInfo_t *pci)
{
	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	if (!dev || dev->index >= gpu_count())
		return NVML_ERROR_INVALID_ARGUMENT;
	fill_pci(pci, gpu_bus[dev->index], 0x233010de);   /* H100 SXM5 */
	return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t dev, unsigned int link, int *active)
{
	nvmlReturn_t r = link_check(dev, link);

	if (r == NVML_SUCCESS)
		*active = !(dev->index == INACTIVE_GPU && link == INACTIVE_LINK);
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetNvLinkVersion(nvmlDevice_t dev, unsigned int link, unsigned int *version)
{
	nvmlReturn_t r = link_check(dev, link);

	if (r == NVML_SUCCESS)
		*version = 4;
	return r;
}

/* Links 0-4 to switch 0, 5-8 to 1, 9-12 to 2, 13-17 to 3. */
EXPORT nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo_v2(nvmlDevice_t dev, unsigned int link, nvmlPciInfo_t *pci)
{
	nvmlReturn_t r = link_check(dev, link);
	unsigned sw = link < 5 ? 0 : link < 9 ? 1 : link < 13 ? 2 : 3;

	if (r != NVML_SUCCESS)
		return r;
	if (dev->index == INACTIVE_GPU && link == INACTIVE_LINK)
		return NVML_ERROR_NOT_SUPPORTED;
	fill_pci(pci, switch_bus[sw], 0x22a310de);          /* NVSwitch */
	return NVML_SUCCESS;
}

/* ---- health ------------------------------------------------------------ */

typedef struct {
	unsigned char clusterUuid[16];
	nvmlReturn_t status;
	unsigned int cliqueId;
	unsigned char state;
} nvmlGpuFabricInfo_t;

EXPORT nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t dev, int *mode);
EXPORT nvmlReturn_t nvmlDeviceGetEccMode(nvmlDevice_t dev, int *current, int *pending);
EXPORT nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t dev, int type, int counter, unsigned long long *count);
EXPORT nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t dev, int cause, unsigned int *count,
					      unsigned long long *addresses);
EXPORT nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t dev, int *pending);
EXPORT nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t dev, unsigned int *corr, unsigned int *unc,
					      unsigned int *pending, unsigned int *failed);
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t dev, unsigned long long *reasons);
EXPORT nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t dev, unsigned int *value);
EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t dev, unsigned int *limit);
EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementDefaultLimit(nvmlDevice_t dev, unsigned int *limit);
EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t dev, unsigned int *current, unsigned int *pending);
EXPORT nvmlReturn_t nvmlDeviceGetGpuFabricInfo(nvmlDevice_t dev, nvmlGpuFabricInfo_t *info);

/* The GPU with this fault under FAKENVML_HEALTH=sick, else none. */
static int sick(nvmlDevice_t dev, unsigned gpu)
{
	const char *h = getenv("FAKENVML_HEALTH");

	return h && !strcmp(h, "sick") && dev->index == gpu;
}

static nvmlReturn_t health_check(nvmlDevice_t dev)
{
	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	if (!dev || dev->index >= gpu_count())
		return NVML_ERROR_INVALID_ARGUMENT;
	return getenv("FAKENVML_OLD_DRIVER") ? NVML_ERROR_NOT_SUPPORTED : NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t dev, int *mode)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS)
		*mode = !sick(dev, 6);
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetEccMode(nvmlDevice_t dev, int *current, int *pending)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS)
		*current = *pending = !sick(dev, 6);
	return r;
}

enum { SENSOR_TEMP, SENSOR_CE, SENSOR_UE, SENSOR_REPLAYS, NSENSORS };

/* This GPU's line of $FAKENVML_SENSORS into v[NSENSORS]; 0 when none. */
static int sensors(nvmlDevice_t dev, unsigned long long v[NSENSORS])
{
	const char *path = getenv("FAKENVML_SENSORS");
	unsigned gpu;
	int found = 0;
	FILE *f;

	if (!path || !(f = fopen(path, "re")))
		return 0;
	while (!found && fscanf(f, "%u %llu %llu %llu %llu", &gpu, &v[0], &v[1], &v[2], &v[3]) == 5)
		found = gpu == dev->index;
	fclose(f);
	return found;
}

/* type 1 uncorrected, 0 corrected; counter 0 volatile, 1 aggregate */
EXPORT nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t dev, int type, int counter, unsigned long long *count)
{
	nvmlReturn_t r = health_check(dev);
	unsigned long long v[NSENSORS];

	if (r == NVML_SUCCESS && sensors(dev, v))
		*count = v[type == 1 ? SENSOR_UE : SENSOR_CE];
	else if (r == NVML_SUCCESS)
		*count = sick(dev, 2) && type == 1 ? (counter ? 5 : 3) : 0;
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t dev, int sensor, unsigned int *temp);
EXPORT nvmlReturn_t nvmlDeviceGetTemperatureThreshold(nvmlDevice_t dev, int type, unsigned int *temp);

/* sensor 0: the GPU die */
EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t dev, int sensor, unsigned int *temp)
{
	nvmlReturn_t r = health_check(dev);
	unsigned long long v[NSENSORS];

	if (r == NVML_SUCCESS && sensor != 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (r == NVML_SUCCESS)
		*temp = sensors(dev, v) ? (unsigned)v[SENSOR_TEMP] : 35;
	return r;
}

/* type 0 shutdown, 1 slowdown; others not modelled */
EXPORT nvmlReturn_t nvmlDeviceGetTemperatureThreshold(nvmlDevice_t dev, int type, unsigned int *temp)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS && type > 1)
		return NVML_ERROR_NOT_SUPPORTED;
	if (r == NVML_SUCCESS)
		*temp = type == 0 ? 92 : 87;
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t dev, int cause, unsigned int *count,
					      unsigned long long *addresses)
{
	nvmlReturn_t r = health_check(dev);

	(void)cause;
	if (r != NVML_SUCCESS)
		return r;
	if (!count || !addresses)
		return NVML_ERROR_INVALID_ARGUMENT;
	*count = 0;
	return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t dev, int *pending)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS)
		*pending = 0;
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t dev, unsigned int *corr, unsigned int *unc,
					      unsigned int *pending, unsigned int *failed)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS) {
		*corr = 0;
		*unc = sick(dev, 2) || sick(dev, 7);
		*pending = sick(dev, 2);
		*failed = sick(dev, 7);
	}
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t dev, unsigned long long *reasons)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS)
		*reasons = sick(dev, 4) ? 0x48 : 0x1;   /* hw slowdown + hw thermal; else GPU idle */
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t dev, unsigned int *value)
{
	nvmlReturn_t r = health_check(dev);
	unsigned long long v[NSENSORS];

	if (r == NVML_SUCCESS && sensors(dev, v))
		*value = (unsigned)v[SENSOR_REPLAYS];
	else if (r == NVML_SUCCESS)
		*value = sick(dev, 4) ? 250 : 0;
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t dev, unsigned int *limit)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS)
		*limit = sick(dev, 4) ? 500000 : 700000;
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementDefaultLimit(nvmlDevice_t dev, unsigned int *limit)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS)
		*limit = 700000;
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t dev, unsigned int *current, unsigned int *pending)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS)
		*current = *pending = 0;
	return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetGpuFabricInfo(nvmlDevice_t dev, nvmlGpuFabricInfo_t *info)
{
	nvmlReturn_t r = health_check(dev);

	if (r == NVML_SUCCESS) {
		memset(info, 0, sizeof(*info));
		info->state = sick(dev, 5) ? 2 : 3;    /* in progress; completed */
		info->status = NVML_SUCCESS;
	}
	return r;
}

/* ---- events: XIDs from $FAKENVML_XIDS ---- */

#define XID_CRITICAL_ERROR 0x8ULL

struct nvmlEventSet_st {
	unsigned gpus;          /* bit per registered GPU */
	long offset;            /* how far into $FAKENVML_XIDS it has read */
};
typedef struct nvmlEventSet_st *nvmlEventSet_t;
typedef struct {
	nvmlDevice_t device;
	unsigned long long eventType, eventData;
	unsigned int gpuInstanceId, computeInstanceId;
} nvmlEventData_t;

EXPORT nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set);
EXPORT nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t dev, unsigned long long types, nvmlEventSet_t set);
EXPORT nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms);
EXPORT nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set);

EXPORT nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set)
{
	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	if (!set || !(*set = calloc(1, sizeof(**set))))
		return NVML_ERROR_INVALID_ARGUMENT;
	log_line("events");
	return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t dev, unsigned long long types, nvmlEventSet_t set)
{
	const char *ev = getenv("FAKENVML_EVENTS");

	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	if (!dev || dev->index >= gpu_count() || !set)
		return NVML_ERROR_INVALID_ARGUMENT;
	if ((ev && !strcmp(ev, "unsupported")) || (types & ~XID_CRITICAL_ERROR))
		return NVML_ERROR_NOT_SUPPORTED;
	set->gpus |= 1u << dev->index;
	return NVML_SUCCESS;
}

/* The next line for a registered GPU, or a timeout (at once: virtual). */
EXPORT nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms)
{
	const char *path = getenv("FAKENVML_XIDS");
	nvmlReturn_t r = NVML_ERROR_TIMEOUT;
	unsigned gpu;
	unsigned long long xid;
	FILE *f;

	(void)timeoutms;
	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	if (!set || !data)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!path || !(f = fopen(path, "re")))
		return NVML_ERROR_TIMEOUT;
	fseek(f, set->offset, SEEK_SET);
	while (r == NVML_ERROR_TIMEOUT && fscanf(f, "%u %llu ", &gpu, &xid) == 2) {
		set->offset = ftell(f);
		if (gpu < gpu_count() && (set->gpus & (1u << gpu))) {
			memset(data, 0, sizeof(*data));
			data->device = &devices[gpu];
			data->eventType = XID_CRITICAL_ERROR;
			data->eventData = xid;
			data->gpuInstanceId = data->computeInstanceId = 0xffffffffu;
			r = NVML_SUCCESS;
		}
	}
	fclose(f);
	return r;
}

EXPORT nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set)
{
	if (!ready())
		return NVML_ERROR_UNINITIALIZED;
	free(set);
	log_line("events freed");
	return NVML_SUCCESS;
}
