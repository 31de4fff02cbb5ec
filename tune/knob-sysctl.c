/* [sysctl]: any key under proc/sys, dotted as sysctl(8) writes them
 * (vm.swappiness -> proc/sys/vm/swappiness). A key this kernel lacks is
 * unsupported, reported and skipped: profiles are shared across kernels. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/plan.h"

static char *sysctl_path(const char *key)
{
	char *path = xasprintf("proc/sys/%s", key);

	for (char *p = path ? path + strlen("proc/sys/") : NULL; p && *p; p++)
		if (*p == '.')
			*p = '/';
	return path;
}

static int plan_entry(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e)
{
	_cleanup_free_ char *path = sysctl_path(e->key), *label = xasprintf("sysctl.%s", e->key);
	struct action *a;
	int r;

	if (!path || !label)
		return -ENOMEM;
	a = plan_add(plan, e, label, NULL);
	if (!a)
		return -ENOMEM;
	r = action_set_hint(a, "sysctl -w %s='%s' (and a file in /etc/sysctl.d/ to keep it)", e->key, e->value);
	if (r < 0)
		return r;
	r = plan_set_file(ctx, a, path, e->value);
	if (r == -ENOENT)
		return action_set_reason(a, ACTION_UNSUPPORTED, "this kernel has no %s (no /%s)", e->key, path);
	return r < 0 ? plan_file_error(plan, e, label, path, r) : 0;
}

int sysctl_knob_plan(const struct knob_ctx *ctx, struct plan *plan)
{
	for (const struct profile_entry *e = NULL; (e = profile_next(ctx->profile, "sysctl", e));) {
		int r = plan_entry(ctx, plan, e);

		if (r < 0)
			return r;
	}
	return 0;
}
