/* [sysctl]: any key under proc/sys, dotted as sysctl(8) writes them
 * (vm.swappiness -> proc/sys/vm/swappiness). A key this kernel lacks is
 * unsupported, reported and skipped: profiles are shared across kernels. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/plan.h"
#include "tune/schema.h"

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

/* Dotted names such as vm.swappiness or net.ipv4.conf.eth0.rp_filter:
 * two parts or more, none empty. */
static bool sysctl_name_valid(const char *key)
{
	const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
	size_t n = strlen(key);

	return n > 0 && n <= 255 && strspn(key, ok) == n && key[0] != '.' && key[n - 1] != '.' &&
	       !strstr(key, "..") && strchr(key, '.');
}

static int match_sysctl(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;

	if (sysctl_name_valid(key))
		return 1;
	q = schema_quote(key);
	return q ? schema_fail(msg, "[sysctl] '%s' is not a sysctl name (dotted parts of letters, digits, "
			"'_' and '-', such as vm.swappiness)", q) : -ENOMEM;
}

static const struct schema_key sysctl_keys[] = {
	{SCHEMA_PATTERN("<name>", match_sysctl, V_KTEXT), .max = SCHEMA_STRING_MAX,
	 .doc = "/proc/sys/<name with dots as slashes>"},
	{0},
};

const struct knob knob_sysctl = {
	.section = {.name = "sysctl", .doc = "kernel parameters under /proc/sys", .keys = sysctl_keys},
	.order = 30,
	.plan_entry = plan_entry,
};
