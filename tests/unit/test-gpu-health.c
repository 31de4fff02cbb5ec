/* GPU health (probes/gpu-health.c) and its findings (tune/findings-gpu.c):
 * NVIDIA through the fake NVML on the live root, healthy, sick (each fault
 * of FAKENVML_HEALTH=sick a finding of the right severity) and an older
 * driver without the health calls (everything unknown, nothing judged);
 * AMD from amdgpu's RAS and replay files in a tree written here. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "probes/host.h"
#include "probes/links.h"
#include "tune/findings-gpu.h"
#include "tap.h"

static int live_health(const char *lib, struct host *h)
{
	struct probe_options opt = {.nvml_library = lib};
	struct sysroot *sr = NULL;
	int r;

	memset(h, 0, sizeof(*h));
	if (sysroot_open("/", &sr) < 0)
		return -1;
	r = links_probe_collect(sr, &opt, h);
	sysroot_free(sr);
	return r;
}

static const struct finding *find(const struct findings *f, const char *id)
{
	return findings_find(f, id);
}

static void check_sick(const char *lib)
{
	static const struct {
		const char *id;
		enum finding_severity sev;
	} want[] = {
		{"gpu.ecc.0000:52:00.0", FINDING_FAIL},
		{"gpu.row_remap.0000:52:00.0", FINDING_WARN},
		{"gpu.throttle.0000:9d:00.0", FINDING_WARN},
		{"gpu.pcie_replay.0000:9d:00.0", FINDING_WARN},
		{"gpu.power_limit.0000:9d:00.0", FINDING_WARN},
		{"gpu.fabric.0000:c3:00.0", FINDING_FAIL},
		{"gpu.ecc_mode.0000:d1:00.0", FINDING_WARN},
		{"gpu.persistence.0000:d1:00.0", FINDING_WARN},
		{"gpu.row_remap.0000:df:00.0", FINDING_FAIL},
	};
	struct findings f = {0};
	struct host h;

	setenv("FAKENVML_HEALTH", "sick", 1);
	tap_ok(live_health(lib, &h) == 0, "sick board: probe runs");
	tap_is_int(h.gpu_health.ngpus, 8, "sick board: 8 GPUs' health");
	tap_ok(gpu_health_findings(&h, &f) == 0, "sick board: findings");
	tap_is_int(f.n, ARRAY_SIZE(want), "sick board: one finding per fault, nothing else");
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct finding *x = find(&f, want[i].id);

		tap_ok(x && x->severity == want[i].sev, "%s is %s (%s)", want[i].id,
		       finding_severity_name(want[i].sev), x ? x->evidence : "missing");
	}
	tap_is_int(h.gpu_health.gpus[2].ecc_uncorrected_total, 5, "GPU 2: aggregate uncorrected count read");
	tap_is_int(h.gpu_health.gpus[4].throttle_reasons, 0x48, "GPU 4: throttle mask read");
	tap_is_int(h.gpu_health.gpus[4].power_limit_mw, 500000, "GPU 4: power limit in mW");
	tap_ok(find(&f, "gpu.power_limit.0000:9d:00.0") &&
	       !strcmp(find(&f, "gpu.power_limit.0000:9d:00.0")->fix, "nvidia-smi -i 0000:9d:00.0 -pl 700"),
	       "power limit fix names the GPU and the default");
	findings_clear(&f);
	links_probe_release(&h);
	unsetenv("FAKENVML_HEALTH");
}

static void check_nvidia(const char *lib)
{
	struct findings f = {0};
	struct host h;

	tap_ok(live_health(lib, &h) == 0 && h.gpu_health.ngpus == 8, "healthy board: 8 GPUs");
	tap_ok(h.gpu_health.gpus[0].persistence == 1 && h.gpu_health.gpus[0].ecc_enabled == 1 &&
	       h.gpu_health.gpus[0].ecc_uncorrected == 0 && h.gpu_health.gpus[0].fabric_state == 3 &&
	       h.gpu_health.gpus[0].throttle_reasons == 1, "healthy board: values read");
	tap_ok(gpu_health_findings(&h, &f) == 0 && f.n == 0, "healthy board: no finding (an idle GPU is not throttled)");
	findings_clear(&f);
	links_probe_release(&h);
	check_sick(lib);
	setenv("FAKENVML_OLD_DRIVER", "1", 1);
	tap_ok(live_health(lib, &h) == 0 && h.gpu_health.ngpus == 8, "older driver: the GPUs are listed");
	tap_ok(h.gpu_health.gpus[0].persistence < 0 && h.gpu_health.gpus[0].ecc_uncorrected < 0 &&
	       h.gpu_health.gpus[0].fabric_state < 0 && h.gpu_health.gpus[0].pcie_replays < 0,
	       "older driver: every value unknown");
	tap_ok(gpu_health_findings(&h, &f) == 0 && f.n == 0, "older driver: nothing judged on unknowns");
	findings_clear(&f);
	links_probe_release(&h);
	unsetenv("FAKENVML_OLD_DRIVER");
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	fp = fopen(path, "w");
	if (!fp)
		abort();
	fputs(text, fp);
	fclose(fp);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void check_amd(void)
{
	char root[] = "/tmp/rigtune-test-gpu-health.XXXXXX";
	struct pci_device gpus[2] = {0};
	struct findings f = {0};
	struct sysroot *sr = NULL;
	struct host h = {0};

	if (!mkdtemp(root))
		abort();
	put(root, "sys/bus/pci/devices/0000:03:00.0/ras/umc_err_count", "ue: 2\nce: 5\n");
	put(root, "sys/bus/pci/devices/0000:03:00.0/ras/gfx_err_count", "ue: 0\nce: 1\n");
	put(root, "sys/bus/pci/devices/0000:03:00.0/ras/sdma_err_count", "ue: 0\nce: 0\n");
	put(root, "sys/bus/pci/devices/0000:03:00.0/ras/features", "feature mask: 0x3fff\n");
	put(root, "sys/bus/pci/devices/0000:03:00.0/pcie_replay_count", "120\n");
	put(root, "sys/bus/pci/devices/0000:23:00.0/ras/umc_err_count", "ue: 0\nce: 0\n");
	put(root, "sys/bus/pci/devices/0000:23:00.0/pcie_replay_count", "0\n");
	for (int i = 0; i < 2; i++) {
		snprintf(gpus[i].bdf, sizeof(gpus[i].bdf), "0000:%02x:00.0", i ? 0x23 : 0x03);
		gpus[i].vendor_id = 0x1002;
		gpus[i].class_code = 0x1200;
	}
	h.pci.devices = gpus;
	h.pci.ndevices = 2;
	tap_ok(sysroot_open(root, &sr) == 0 && amdgpu_health_collect(sr, &h) == 0, "AMD tree: health read");
	tap_is_int(h.gpu_health.ngpus, 2, "AMD tree: both GPUs");
	if (h.gpu_health.ngpus == 2) {
		const struct gpu_health *g = &h.gpu_health.gpus[0];

		tap_ok(g->ecc_uncorrected == 2 && g->ecc_corrected == 6, "GPU 03: RAS ue summed 2, ce 6 over blocks");
		tap_ok(strv_length(g->ras_blocks) == 2 && !strcmp(g->ras_blocks[0], "gfx: 0 uncorrected, 1 corrected") &&
		       !strcmp(g->ras_blocks[1], "umc: 2 uncorrected, 5 corrected"),
		       "GPU 03: the blocks with errors named, the clean one left out");
		tap_is_int(g->pcie_replays, 120, "GPU 03: PCIe replays");
		tap_is_str(g->source, "amdgpu", "source is amdgpu");
	}
	tap_ok(gpu_health_findings(&h, &f) == 0 && f.n == 2, "AMD tree: two findings, none for the clean GPU");
	tap_ok(find(&f, "gpu.ecc.0000:03:00.0") && find(&f, "gpu.ecc.0000:03:00.0")->severity == FINDING_FAIL &&
	       strstr(find(&f, "gpu.ecc.0000:03:00.0")->evidence, "umc: 2 uncorrected"),
	       "uncorrected RAS errors fail, naming the block");
	tap_ok(find(&f, "gpu.pcie_replay.0000:03:00.0") &&
	       find(&f, "gpu.pcie_replay.0000:03:00.0")->severity == FINDING_WARN, "120 replays warn");
	findings_clear(&f);
	gpu_health_release(&h.gpu_health);
	sysroot_free(sr);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const char *build = getenv("BUILDDIR");
	char lib[4096];

	snprintf(lib, sizeof(lib), "%s/tests/fakenvml/libnvidia-ml-fake.so", build ? build : ".");
	if (access(lib, R_OK) == 0)
		check_nvidia(lib);
	else
		tap_skip("tests/fakenvml/libnvidia-ml-fake.so is not built");
	check_amd();
	return tap_done();
}
