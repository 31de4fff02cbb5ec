/* The rig's audit: the profile's checks (tune/audit.c), then every
 * hardware finding (tune/findings.h) as a check, the profile's waivers
 * applied. What `rigtune audit`, `report` and `verify` judge a rig by.
 * Reads through the probed host and the plan only. */
#include <errno.h>

#include "common/util.h"
#include "tune/findings.h"
#include "tune/rig-audit.h"

int rig_audit_findings(const struct sysroot *sr, const struct host *h, const struct profile *p,
		       const struct findings *extra, struct audit *a)
{
	struct findings f = {0};
	int r = findings_collect(sr, h, p, &f);

	for (size_t i = 0; r >= 0 && extra && i < extra->n; i++) {
		const struct finding *x = &extra->v[i];

		r = findings_add(&f, x->severity, x->id, x->subject, x->fix, "%s", x->evidence);
	}
	if (r >= 0)
		r = audit_add_findings(a, &f, p);
	findings_clear(&f);
	return r;
}

int rig_audit(const struct sysroot *sr, const struct host *h, const struct profile *p,
	      const struct findings *extra, struct audit **ret)
{
	_cleanup_(audit_freep) struct audit *a = NULL;
	int r = audit_run(sr, h, p, &a);

	if (r >= 0)
		r = rig_audit_findings(sr, h, p, extra, a);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(a);
	return 0;
}
