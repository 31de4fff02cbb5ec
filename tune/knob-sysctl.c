/* [sysctl]: any key under proc/sys, dotted as sysctl(8) writes them
 * (vm.swappiness -> proc/sys/vm/swappiness). A key this kernel lacks is
 * a profile error, with the closest name the kernel has ("vm.swapiness:
 * did you mean vm.swappiness?"): a typo must not pass as applied. A key
 * written "-name" is optional (systemd-sysctl's convention): skipped
 * quietly where the kernel lacks it, for profiles shared across kernels. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/knobs.h"
#include "tune/schema.h"

static char *sysctl_path(const char *key)
{
	char *path = xasprintf("proc/sys/%s", key);

	for (char *p = path ? path + strlen("proc/sys/") : NULL; p && *p; p++)
		if (*p == '.')
			*p = '/';
	return path;
}

static int unknown_sysctl(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			  const char *name, const char *label)
{
	_cleanup_free_ char *near = tune_suggest_path(ctx->sr, "proc/sys", name, '.');

	if (near)
		return plan_error(plan, e, label, "[sysctl] %s: this kernel has no such sysctl; did you mean "
				  "%s? (write -%s to skip it where it is missing)", name, near, name);
	return plan_error(plan, e, label, "[sysctl] %s: this kernel has no such sysctl (no /proc/sys/...; "
			  "write -%s to skip it where it is missing)", name, name);
}

static int plan_entry(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e)
{
	bool optional = e->key[0] == '-';
	const char *name = e->key + optional;
	_cleanup_free_ char *path = sysctl_path(name), *label = xasprintf("sysctl.%s", name);
	struct action *a;
	int r;

	if (!path || !label)
		return -ENOMEM;
	/* missing, not refused: a symlink out of proc/sys is -EPERM below */
	r = sr_check_writable_path(ctx->sr, path);
	if ((r == -ENOENT || r == -ENOTDIR) && !optional && !sr_exists(ctx->sr, "proc/sys")) {
		/* a captured tree without /proc/sys says nothing of the kernel's names */
		a = plan_add(plan, e, label, NULL);
		return a ? action_set_reason(a, ACTION_UNSUPPORTED, "no /proc/sys here: %s cannot be checked", name)
			 : -ENOMEM;
	}
	if (r == -ENOENT || r == -ENOTDIR)
		return optional ? 0 : unknown_sysctl(ctx, plan, e, name, label);
	a = plan_add(plan, e, label, NULL);
	if (!a)
		return -ENOMEM;
	r = action_set_hint(a, "sysctl -w %s='%s' (and a file in /etc/sysctl.d/ to keep it)", name, e->value);
	if (r < 0)
		return r;
	r = plan_set_file(ctx, a, path, e->value);
	if (r == -ENOENT)
		return action_set_reason(a, ACTION_UNSUPPORTED, "this kernel has no %s (no /%s)", name, path);
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

	if (sysctl_name_valid(key + (*key == '-')))
		return 1;
	q = schema_quote(key);
	return q ? schema_fail(msg, "[sysctl] '%s' is not a sysctl name (dotted parts of letters, digits, "
			"'_' and '-', such as vm.swappiness; a leading '-' makes it optional)", q) : -ENOMEM;
}

static const struct schema_key sysctl_keys[] = {
	{SCHEMA_PATTERN("<name>", match_sysctl, V_KTEXT), .max = SCHEMA_STRING_MAX,
	 .doc = "/proc/sys/<name with dots as slashes>; \"-name\": optional, skipped quietly where "
	 "the kernel lacks it (systemd-sysctl's convention)"},
	{0},
};

const struct knob knob_sysctl = {
	.section = {.name = "sysctl", .doc = "kernel parameters under /proc/sys", .keys = sysctl_keys},
	.order = 30,
	.probes = PROBE_NONE, /* reads proc/sys itself */
	.plan_entry = plan_entry,
};
