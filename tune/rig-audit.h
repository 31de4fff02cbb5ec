/* The rig's audit: profile checks plus hardware findings (rig-audit.c). */
#pragma once
#include "tune/audit.h"
#include "tune/finding.h"

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
