/* The findings collectors: what is wrong with the hardware or the running
 * kernel, found with no profile line asking (tune/finding.h is the type).
 * One collector per kind, one file each (tune/findings-*.c), all listed
 * in one table in tune/findings.c; GPU health and the burn-in add their
 * own producers of the same struct. audit_add_findings() is the one place
 * where findings become checks, waivers applied: audit, report and verify
 * all go through it. Reads the probed host only; prints nothing. */
#pragma once
#include "common/sysroot.h"
#include "probes/host.h"
#include "tune/audit.h"
#include "tune/finding.h"
#include "tune/profile.h"

struct findings_ctx {
	const struct sysroot *sr;
	const struct host *host;
	const struct profile *profile;  /* NULL: judged on the hardware alone */
};

struct findings_collector {
	const char *name;
	int (*collect)(const struct findings_ctx *ctx, struct findings *f);
};

extern const struct findings_collector findings_table[];
extern const size_t findings_table_size;

/* Every collector of the table, in order, appending to f. 0 or -ENOMEM. */
int findings_collect(const struct sysroot *sr, const struct host *h, const struct profile *p,
		     struct findings *f);

/* Each finding as a check: fail, warn or info by its severity; a finding
 * the profile waives ([expect] waive = ID, ID-glob, ...) becomes an info
 * check whose source is the waiver's file:line; a waiver that matches no
 * finding is a warn check of its own ("waive.ID"). Pass every finding of
 * a run at once (unmatched waivers are judged against f). 0 or -ENOMEM. */
int audit_add_findings(struct audit *a, const struct findings *f, const struct profile *p);

/* The collectors (tune/findings-*.c). */
int findings_pcie(const struct findings_ctx *ctx, struct findings *f);
int findings_irq(const struct findings_ctx *ctx, struct findings *f);
int findings_memory(const struct findings_ctx *ctx, struct findings *f);
int findings_links(const struct findings_ctx *ctx, struct findings *f);
int findings_kernel(const struct findings_ctx *ctx, struct findings *f);
int findings_platform(const struct findings_ctx *ctx, struct findings *f);
/* GPU health (NVML, amdgpu RAS) as findings (findings-gpu.c). */
int findings_gpu_health(const struct findings_ctx *ctx, struct findings *f);
