/* Boot configuration findings, from proc/cmdline: a transparent_hugepage=
 * that contradicts the profile's [thp] enabled (the kernel starts with it;
 * apply's write lasts only until the next boot) fails
 * ("kernel.cmdline.transparent_hugepage"); numa=off on a host with more
 * than one socket hides its NUMA topology ("kernel.cmdline.numa"). */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/findings.h"

static int thp_override(const struct findings_ctx *ctx, struct findings *f)
{
	const struct profile_entry *want = ctx->profile ? profile_get(ctx->profile, "thp", "enabled") : NULL;
	const char *boot = ctx->host->thp.cmdline_override;

	if (!want || !boot || !strcmp(want->value, boot))
		return 0;
	return findings_add(f, FINDING_FAIL, "kernel.cmdline.transparent_hugepage", "kernel command line",
			    "set transparent_hugepage= to the profile's value in GRUB_CMDLINE_LINUX "
			    "(/etc/default/grub), run update-grub and reboot; or drop it",
			    "transparent_hugepage=%s at boot, the profile wants %s (%s:%d)", boot, want->value,
			    want->file, want->line);
}

static int numa_off(const struct findings_ctx *ctx, struct findings *f)
{
	_cleanup_free_ char *numa = ctx->host->kernel.cmdline ? cmdline_value(ctx->host->kernel.cmdline, "numa")
							       : NULL;

	if (!numa || strcmp(numa, "off") || ctx->host->cpu.sockets < 2)
		return 0;
	return findings_add(f, FINDING_FAIL, "kernel.cmdline.numa", "kernel command line",
			    "remove numa=off from GRUB_CMDLINE_LINUX, run update-grub and reboot",
			    "numa=off on a %d-socket host: every CPU sees one node, memory is interleaved blindly",
			    ctx->host->cpu.sockets);
}

int findings_kernel(const struct findings_ctx *ctx, struct findings *f)
{
	int r = thp_override(ctx, f);

	return r < 0 ? r : numa_off(ctx, f);
}
