/* GPU health as findings (tune/finding.h), from what probes/gpu-health.c
 * read (NVML, amdgpu sysfs): uncorrected ECC errors, retired pages and
 * remapped rows, hardware throttling, PCIe replays, a lowered power limit,
 * persistence mode off, MIG and ECC changes waiting for a reset, an
 * NVSwitch fabric that did not come up. Reads no files. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "tune/finding.h"
#include "tune/findings.h"
#include "tune/findings-gpu.h"

#define REPLAYS_WARN 100      /* a few replays happen; hundreds mean a marginal link */

/* NVML clock-event reasons that mean the hardware slowed the GPU down. */
static const struct {
	uint64_t bit;
	const char *name;
} slowdowns[] = {
	{0x8, "hardware slowdown"},
	{0x20, "software thermal slowdown"},
	{0x40, "hardware thermal slowdown"},
	{0x80, "hardware power brake"},
};

struct gpu_ctx {
	struct findings *f;
	const struct gpu_health *g;
	const char *subject;
	bool nvidia;
};

static int add(const struct gpu_ctx *c, enum finding_severity sev, const char *topic, const char *fix,
	       const char *evidence)
{
	char id[96];

	snprintf(id, sizeof(id), "gpu.%s.%s", topic, c->g->bdf);
	return findings_add(c->f, sev, id, c->subject, fix, "%s", evidence);
}

static int ecc_findings(const struct gpu_ctx *c)
{
	const struct gpu_health *g = c->g;
	_cleanup_free_ char *blocks = g->ras_blocks ? strv_join(g->ras_blocks, "; ") : NULL;
	_cleanup_free_ char *ev = NULL;
	int r = 0;

	if (g->ecc_uncorrected > 0) {
		ev = xasprintf("%" PRId64 " uncorrected memory errors since the driver loaded%s%s%s",
			       g->ecc_uncorrected, blocks ? " (" : "", blocks ? blocks : "", blocks ? ")" : "");
		r = ev ? add(c, FINDING_FAIL, "ecc", c->nvidia ? "drain the GPU, reset it (nvidia-smi -r) and watch "
					  "for Xid 48/63/64 in dmesg; RMA it if errors return"
					  : "drain the GPU, look for amdgpu RAS messages in dmesg; RMA it if errors return",
			       ev) : -ENOMEM;
	} else if (g->ecc_uncorrected_total > 0) {
		ev = xasprintf("%" PRId64 " uncorrected memory errors over the GPU's life, none since the driver loaded",
			       g->ecc_uncorrected_total);
		r = ev ? add(c, FINDING_WARN, "ecc", "watch it: recurring errors mean the card needs service", ev)
		       : -ENOMEM;
	}
	if (r >= 0 && g->ecc_enabled == 0) {
		_cleanup_free_ char *fix = xasprintf("nvidia-smi -i %s -e 1, then reboot", g->bdf);

		r = fix ? add(c, FINDING_WARN, "ecc_mode", fix, "ECC is off: memory errors go unnoticed") : -ENOMEM;
	}
	if (r >= 0 && g->ecc_enabled >= 0 && g->ecc_pending >= 0 && g->ecc_pending != g->ecc_enabled)
		r = add(c, FINDING_INFO, "ecc_pending", "reboot to apply",
			g->ecc_pending ? "ECC turns on at the next reboot" : "ECC turns off at the next reboot");
	return r;
}

static int memory_repair_findings(const struct gpu_ctx *c)
{
	const struct gpu_health *g = c->g;
	_cleanup_free_ char *ev = NULL;
	int r = 0;

	if (g->remap_failed == 1)
		r = add(c, FINDING_FAIL, "row_remap", "the GPU's memory cannot repair itself: RMA it",
			"a row remapping failed");
	else if (g->remap_pending == 1)
		r = add(c, FINDING_WARN, "row_remap", "reset the GPU (nvidia-smi -r) or reboot to apply it",
			"a row remapping is pending");
	if (r >= 0 && (g->retired_dbe > 0 || g->retired_sbe > 0 || g->retired_pending == 1)) {
		ev = xasprintf("%" PRId64 " pages retired for double-bit errors, %" PRId64 " for repeated single-bit "
			       "errors%s", g->retired_dbe > 0 ? g->retired_dbe : 0, g->retired_sbe > 0 ? g->retired_sbe : 0,
			       g->retired_pending == 1 ? "; a retirement is pending" : "");
		r = ev ? add(c, g->retired_pending == 1 ? FINDING_WARN : FINDING_INFO, "retired_pages",
			     g->retired_pending == 1 ? "reset the GPU or reboot to retire the pages" : NULL, ev)
		       : -ENOMEM;
	}
	return r;
}

static int throttle_findings(const struct gpu_ctx *c)
{
	_cleanup_(strbuf_release) struct strbuf sb = {0};
	int r = 0;

	if (c->g->throttle_reasons < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(slowdowns) && r >= 0; i++)
		if ((uint64_t)c->g->throttle_reasons & slowdowns[i].bit)
			r = strbuf_printf(&sb, "%s%s", sb.len ? ", " : "", slowdowns[i].name);
	if (r < 0)
		return r;
	if (!sb.len)
		return 0;
	r = strbuf_puts(&sb, ": the clocks are held down");
	return r < 0 ? r : add(c, FINDING_WARN, "throttle", "check cooling, airflow and the power feeds", sb.buf);
}

static int link_power_findings(const struct gpu_ctx *c)
{
	const struct gpu_health *g = c->g;
	_cleanup_free_ char *ev = NULL, *fix = NULL;
	int r = 0;

	if (g->pcie_replays > 0) {
		ev = xasprintf("PCIe replay counter at %" PRId64, g->pcie_replays);
		r = ev ? add(c, g->pcie_replays >= REPLAYS_WARN ? FINDING_WARN : FINDING_INFO, "pcie_replay",
			     "reseat the card, check the riser and slot (a marginal link retries)", ev) : -ENOMEM;
	}
	if (r >= 0 && g->power_limit_mw > 0 && g->power_default_mw > 0 && g->power_limit_mw < g->power_default_mw) {
		free(ev);
		ev = xasprintf("power limit %" PRId64 " W, below the default %" PRId64 " W",
			       g->power_limit_mw / 1000, g->power_default_mw / 1000);
		fix = xasprintf("nvidia-smi -i %s -pl %" PRId64, g->bdf, g->power_default_mw / 1000);
		r = ev && fix ? add(c, FINDING_WARN, "power_limit", fix, ev) : -ENOMEM;
	}
	return r;
}

static int mode_findings(const struct gpu_ctx *c)
{
	const struct gpu_health *g = c->g;
	int r = 0;

	if (g->persistence == 0)
		r = add(c, FINDING_WARN, "persistence", "systemctl enable --now nvidia-persistenced",
			"persistence mode is off: the driver tears down and re-initialises the GPU between jobs");
	if (r >= 0 && g->mig_enabled >= 0 && g->mig_pending >= 0 && g->mig_pending != g->mig_enabled)
		r = add(c, FINDING_INFO, "mig", "reset the GPU to apply",
			g->mig_pending ? "MIG turns on at the next GPU reset" : "MIG turns off at the next GPU reset");
	else if (r >= 0 && g->mig_enabled == 1)
		r = add(c, FINDING_INFO, "mig", NULL, "MIG is on: the GPU is split into instances");
	return r;
}

static int fabric_findings(const struct gpu_ctx *c)
{
	const struct gpu_health *g = c->g;
	_cleanup_free_ char *ev = NULL;

	if (g->fabric_state == 1 || g->fabric_state == 2)
		return add(c, FINDING_FAIL, "fabric", "systemctl enable --now nvidia-fabricmanager",
			   g->fabric_state == 1 ? "NVSwitch fabric registration has not started: CUDA cannot use the GPU"
						: "NVSwitch fabric registration is still in progress");
	if (g->fabric_state == 3 && g->fabric_status > 0) {
		ev = xasprintf("NVSwitch fabric registration failed (NVML status %d)", g->fabric_status);
		return ev ? add(c, FINDING_FAIL, "fabric", "check nvidia-fabricmanager's log", ev) : -ENOMEM;
	}
	return 0;
}

int gpu_health_findings(const struct host *h, struct findings *f)
{
	for (size_t i = 0; i < h->gpu_health.ngpus; i++) {
		const struct gpu_health *g = &h->gpu_health.gpus[i];
		const struct pci_device *d = host_pci_device(h, g->bdf);
		_cleanup_free_ char *subject = xasprintf("%s%s%s", g->bdf, d && d->device ? " " : "",
							 d && d->device ? d->device : "");
		struct gpu_ctx c = {.f = f, .g = g, .subject = subject, .nvidia = !strcmp(g->source, "nvml")};
		int r;

		if (!subject)
			return -ENOMEM;
		if ((r = ecc_findings(&c)) < 0 || (r = memory_repair_findings(&c)) < 0 ||
		    (r = throttle_findings(&c)) < 0 || (r = link_power_findings(&c)) < 0 ||
		    (r = mode_findings(&c)) < 0 || (r = fabric_findings(&c)) < 0)
			return r;
	}
	return 0;
}

int findings_gpu_health(const struct findings_ctx *ctx, struct findings *f)
{
	return gpu_health_findings(ctx->host, f);
}
