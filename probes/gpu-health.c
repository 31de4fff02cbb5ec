/* GPU health. NVIDIA through NVML, in the NVLink probe's session (live
 * host only): persistence mode, ECC mode and error counts, retired pages,
 * remapped rows, clock-event (throttle) reasons, the PCIe replay counter,
 * power limits, MIG mode, NVSwitch fabric state. AMD through amdgpu's
 * attributes, captured trees too:
 *   sys/bus/pci/devices/BDF/ras/<block>_err_count   ("ue: N" / "ce: N")
 *   sys/bus/pci/devices/BDF/pcie_replay_count
 * Each value the GPU or driver does not give stays unknown. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/dlsym.h"
#include "common/util.h"
#include "probes/links.h"
#include "probes/nvml.h"
#include "probes/pci.h"

enum { ECC_CORRECTED = 0, ECC_UNCORRECTED = 1, ECC_VOLATILE = 0, ECC_AGGREGATE = 1 };
enum { RETIRED_MULTIPLE_SBE = 0, RETIRED_DBE = 1 };

static struct gpu_health *health_append(struct gpu_health_info *hi, const char *bdf, const char *source)
{
	struct gpu_health *v = reallocarray(hi->gpus, hi->ngpus + 1, sizeof(*v));

	if (!v)
		return NULL;
	hi->gpus = v;
	v = &v[hi->ngpus];
	*v = (struct gpu_health){
		.source = source,
		.persistence = -1, .ecc_enabled = -1, .ecc_pending = -1, .retired_pending = -1,
		.remap_pending = -1, .remap_failed = -1, .mig_enabled = -1, .mig_pending = -1,
		.ecc_uncorrected = UNKNOWN, .ecc_corrected = UNKNOWN, .ecc_uncorrected_total = UNKNOWN,
		.retired_sbe = UNKNOWN, .retired_dbe = UNKNOWN,
		.remapped_correctable = UNKNOWN, .remapped_uncorrectable = UNKNOWN,
		.throttle_reasons = UNKNOWN, .pcie_replays = UNKNOWN,
		.power_limit_mw = UNKNOWN, .power_default_mw = UNKNOWN,
		.fabric_state = UNKNOWN, .fabric_status = UNKNOWN,
		.bdf = strdup(bdf),
	};
	if (!v->bdf)
		return NULL;
	hi->ngpus++;
	return v;
}

/* ---- NVIDIA ------------------------------------------------------------ */

void nvml_bind_health(struct nvml *n)
{
	static const struct dl_symbol syms[] = {
		{"nvmlDeviceGetPersistenceMode", offsetof(struct nvml, persistence)},
		{"nvmlDeviceGetEccMode", offsetof(struct nvml, ecc_mode)},
		{"nvmlDeviceGetTotalEccErrors", offsetof(struct nvml, ecc_errors)},
		{"nvmlDeviceGetRetiredPages", offsetof(struct nvml, retired_pages)},
		{"nvmlDeviceGetRetiredPagesPendingStatus", offsetof(struct nvml, retired_pending)},
		{"nvmlDeviceGetRemappedRows", offsetof(struct nvml, remapped_rows)},
		{"nvmlDeviceGetCurrentClocksEventReasons", offsetof(struct nvml, throttle)},
		{"nvmlDeviceGetCurrentClocksThrottleReasons", offsetof(struct nvml, throttle)}, /* older name */
		{"nvmlDeviceGetPcieReplayCounter", offsetof(struct nvml, replays)},
		{"nvmlDeviceGetPowerManagementLimit", offsetof(struct nvml, power_limit)},
		{"nvmlDeviceGetPowerManagementDefaultLimit", offsetof(struct nvml, power_default)},
		{"nvmlDeviceGetMigMode", offsetof(struct nvml, mig_mode)},
		{"nvmlDeviceGetGpuFabricInfo", offsetof(struct nvml, fabric)},
		{"nvmlDeviceGetTemperature", offsetof(struct nvml, temperature)},
		{"nvmlDeviceGetTemperatureThreshold", offsetof(struct nvml, temp_threshold)},
	};

	dl_bind_optional(n->dl, n, syms, ARRAY_SIZE(syms));
}

static int64_t ecc_count(const struct nvml *n, nvmlDevice_t dev, int type, int counter)
{
	unsigned long long v;

	return n->ecc_errors && n->ecc_errors(dev, type, counter, &v) == NVML_SUCCESS && v <= INT64_MAX
		       ? (int64_t)v : UNKNOWN;
}

/* How many pages were retired for a cause: a count-only query. */
static int64_t retired_count(const struct nvml *n, nvmlDevice_t dev, int cause)
{
	unsigned long long none[1];
	unsigned count = 0;
	nvmlReturn_t r;

	if (!n->retired_pages)
		return UNKNOWN;
	r = n->retired_pages(dev, cause, &count, none);
	return r == NVML_SUCCESS || r == NVML_ERROR_INSUFFICIENT_SIZE ? (int64_t)count : UNKNOWN;
}

static void nvml_memory_health(const struct nvml *n, nvmlDevice_t dev, struct gpu_health *g)
{
	int cur, pend;
	unsigned corr, unc, pending, failed;

	if (n->ecc_mode && n->ecc_mode(dev, &cur, &pend) == NVML_SUCCESS) {
		g->ecc_enabled = cur == 1;
		g->ecc_pending = pend == 1;
	}
	g->ecc_uncorrected = ecc_count(n, dev, ECC_UNCORRECTED, ECC_VOLATILE);
	g->ecc_corrected = ecc_count(n, dev, ECC_CORRECTED, ECC_VOLATILE);
	g->ecc_uncorrected_total = ecc_count(n, dev, ECC_UNCORRECTED, ECC_AGGREGATE);
	g->retired_sbe = retired_count(n, dev, RETIRED_MULTIPLE_SBE);
	g->retired_dbe = retired_count(n, dev, RETIRED_DBE);
	if (n->retired_pending && n->retired_pending(dev, &cur) == NVML_SUCCESS)
		g->retired_pending = cur == 1;
	if (n->remapped_rows && n->remapped_rows(dev, &corr, &unc, &pending, &failed) == NVML_SUCCESS) {
		g->remapped_correctable = corr;
		g->remapped_uncorrectable = unc;
		g->remap_pending = pending != 0;
		g->remap_failed = failed != 0;
	}
}

int nvml_health_read(const struct nvml *n, nvmlDevice_t dev, const char *bdf, struct gpu_health_info *hi)
{
	struct gpu_health *g = health_append(hi, bdf, "nvml");
	unsigned long long mask;
	unsigned v, w;
	int mode;
	nvmlGpuFabricInfo_t fabric = {0};

	if (!g)
		return -ENOMEM;
	if (n->persistence && n->persistence(dev, &mode) == NVML_SUCCESS)
		g->persistence = mode == 1;
	nvml_memory_health(n, dev, g);
	if (n->throttle && n->throttle(dev, &mask) == NVML_SUCCESS && mask <= INT64_MAX)
		g->throttle_reasons = (int64_t)mask;
	if (n->replays && n->replays(dev, &v) == NVML_SUCCESS)
		g->pcie_replays = v;
	if (n->power_limit && n->power_limit(dev, &v) == NVML_SUCCESS)
		g->power_limit_mw = v;
	if (n->power_default && n->power_default(dev, &v) == NVML_SUCCESS)
		g->power_default_mw = v;
	if (n->mig_mode && n->mig_mode(dev, &v, &w) == NVML_SUCCESS) {
		g->mig_enabled = v == 1;
		g->mig_pending = w == 1;
	}
	if (n->fabric && n->fabric(dev, &fabric) == NVML_SUCCESS && fabric.state <= 3) {
		g->fabric_state = fabric.state;
		g->fabric_status = fabric.status;
	}
	return 0;
}

/* ---- AMD --------------------------------------------------------------- */

/* One RAS block's "ue: N" and "ce: N"; a line for the block when either
 * is non-zero. */
static int read_ras_block(const struct sysroot *sr, struct gpu_health *g, const char *name)
{
	uint64_t ue, ce;
	size_t len = strlen(name) - strlen("_err_count");

	if (sr_read_keyval(sr, "ue", &ue, "sys/bus/pci/devices/%s/ras/%s", g->bdf, name) < 0 ||
	    sr_read_keyval(sr, "ce", &ce, "sys/bus/pci/devices/%s/ras/%s", g->bdf, name) < 0 ||
	    ue > INT64_MAX / 2 || ce > INT64_MAX / 2)
		return 0;
	g->ecc_uncorrected = (g->ecc_uncorrected < 0 ? 0 : g->ecc_uncorrected) + (int64_t)ue;
	g->ecc_corrected = (g->ecc_corrected < 0 ? 0 : g->ecc_corrected) + (int64_t)ce;
	if (!ue && !ce)
		return 0;
	return strv_pushf(&g->ras_blocks, "%.*s: %" PRIu64 " uncorrected, %" PRIu64 " corrected", (int)len, name,
			  ue, ce);
}

static int read_amdgpu(const struct sysroot *sr, const struct pci_device *d, struct gpu_health_info *hi)
{
	_cleanup_strv_ char **blocks = NULL;
	struct gpu_health *g;
	int64_t replays;
	bool have_replays;
	int r;

	have_replays = sr_read_s64(sr, &replays, "sys/bus/pci/devices/%s/pcie_replay_count", d->bdf) == 0;
	r = sr_list(sr, "", &blocks, "sys/bus/pci/devices/%s/ras", d->bdf);
	if (r == -ENOMEM)
		return r;
	if (!have_replays && r < 0)
		return 0; /* amdgpu says nothing about this GPU */
	g = health_append(hi, d->bdf, "amdgpu");
	if (!g)
		return -ENOMEM;
	if (have_replays && replays >= 0)
		g->pcie_replays = replays;
	for (size_t i = 0; blocks && blocks[i]; i++)
		if (endswith(blocks[i], "_err_count") && (r = read_ras_block(sr, g, blocks[i])) < 0)
			return r;
	return 0;
}

int amdgpu_health_collect(const struct sysroot *sr, struct host *h)
{
	for (size_t i = 0; i < h->pci.ndevices; i++) {
		const struct pci_device *d = &h->pci.devices[i];
		int r;

		if (d->vendor_id != 0x1002 || !pci_is_gpu(d))
			continue;
		r = read_amdgpu(sr, d, &h->gpu_health);
		if (r < 0)
			return r;
	}
	return 0;
}

void gpu_health_release(struct gpu_health_info *hi)
{
	for (size_t i = 0; i < hi->ngpus; i++) {
		free(hi->gpus[i].bdf);
		strv_free(hi->gpus[i].ras_blocks);
	}
	free(hi->gpus);
	hi->gpus = NULL;
	hi->ngpus = 0;
}
