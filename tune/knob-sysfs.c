/* [sysfs]: explicit files under /sys ("/sys/module/pcie_aspm/parameters/
 * policy = performance"). Each path is checked against the sysroot
 * layer's rules at plan time ('..' and symlinks that leave sys/ refuse
 * the profile). A choice the file does not list is left to the kernel:
 * some files load a module on demand (block queue/scheduler). */
#include <errno.h>

#include "common/util.h"
#include "tune/plan.h"

static int plan_entry(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e)
{
	const char *path = e->key + strspn(e->key, "/");
	struct action *a;
	int r;

	if (!startswith(path, "sys/"))
		return plan_error(plan, e, e->key, "[sysfs] %s: not a path under /sys", e->key);
	a = plan_add(plan, e, e->key, NULL);
	if (!a || action_set_hint(a, "echo %s > %s", e->value, e->key) < 0)
		return -ENOMEM;
	r = plan_set_file(ctx, a, path, e->value);
	if (r == -ENOENT)
		return action_set_reason(a, ACTION_SKIP, "no %s on this host", e->key);
	return r < 0 ? plan_file_error(plan, e, e->key, path, r) : 0;
}

int sysfs_knob_plan(const struct knob_ctx *ctx, struct plan *plan)
{
	for (const struct profile_entry *e = NULL; (e = profile_next(ctx->profile, "sysfs", e));) {
		int r = plan_entry(ctx, plan, e);

		if (r < 0)
			return r;
	}
	return 0;
}
