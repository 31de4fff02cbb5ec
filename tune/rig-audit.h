/* The rig's audit: profile checks plus hardware findings (rig-audit.c). */
#pragma once
#include "tune/audit.h"
#include "tune/finding.h"

/* What the findings' collectors (and recommend, which picks the profile
 * audit checks when none is named) read: audit probes these besides the
 * profile's own. */
#define RIG_AUDIT_PROBES (PROBE_BIT(PROBE_KERNEL) | PROBE_BIT(PROBE_CPU) | PROBE_BIT(PROBE_NUMA) | \
			  PROBE_BIT(PROBE_THP) | PROBE_BIT(PROBE_MEMORY) | PROBE_BIT(PROBE_PCI) | \
			  PROBE_BIT(PROBE_LINKS) | PROBE_BIT(PROBE_IRQ) | PROBE_BIT(PROBE_IOMMU))

/* audit_run's checks for p (none when p is NULL), then every finding of
 * the collectors and of extra (GPU health, a burn-in; may be NULL) as
 * checks, p's waivers applied. 0 or -ENOMEM. */
int rig_audit(const struct sysroot *sr, const struct host *h, const struct profile *p,
	      const struct findings *extra, struct audit **ret);
/* Only the findings (the collectors' and extra's), appended to a, p's
 * waivers applied: for verify, which measures rather than audits the
 * profile's settings. 0 or -ENOMEM. */
int rig_audit_findings(const struct sysroot *sr, const struct host *h, const struct profile *p,
		       const struct findings *extra, struct audit *a);
