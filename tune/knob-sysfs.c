/* [sysfs]: explicit files under /sys ("/sys/module/pcie_aspm/parameters/
 * policy = performance"), or globs of them (every rps_cpus file of every
 * queue of every interface in one line): every matching file is planned,
 * and so journaled, on its own. Each path is checked against the sysroot
 * layer's rules at plan time ('..' and symlinks that leave sys/ refuse
 * the profile). A path that matches nothing is a profile error with the
 * closest name the parent directory has; "-/sys/..." marks it optional,
 * skipped quietly. A choice the file does not list is left to the kernel:
 * some files load a module on demand (block queue/scheduler). */
#include <errno.h>

#include "common/util.h"
#include "tune/knobs.h"
#include "tune/schema.h"

static int no_match(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
		    const char *key)
{
	bool glob = strpbrk(key, "*?[") != NULL;
	_cleanup_free_ char *near = glob ? NULL : tune_suggest_path(ctx->sr, "sys", key + strlen("/sys/"), '/');

	if (glob)
		return plan_error(plan, e, key, "[sysfs] %s: no file on this host matches (write -%s to skip it "
				  "where nothing matches)", key, key);
	if (near)
		return plan_error(plan, e, key, "[sysfs] %s: no such file on this host; did you mean /sys/%s? "
				  "(write -%s to skip it where it is missing)", key, near, key);
	return plan_error(plan, e, key, "[sysfs] %s: no such file on this host (write -%s to skip it "
			  "where it is missing)", key, key);
}

static int plan_file(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
		     const char *key, const char *path)
{
	struct action *a = plan_add(plan, e, key, NULL);
	int r;

	if (!a || action_set_hint(a, "echo %s > /%s", e->value, path) < 0)
		return -ENOMEM;
	r = plan_set_file(ctx, a, path, e->value);
	if (r == -ENOENT)
		return action_set_reason(a, ACTION_SKIP, "no /%s on this host", path);
	return r < 0 ? plan_file_error(plan, e, key, path, r) : 0;
}

static int plan_entry(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e)
{
	bool optional = e->key[0] == '-';
	const char *key = e->key + optional, *pattern = key + strspn(key, "/");
	_cleanup_strv_ char **paths = NULL;
	int r;

	if (!startswith(pattern, "sys/"))
		return plan_error(plan, e, key, "[sysfs] %s: not a path under /sys", key);
	r = tune_glob(ctx->sr, pattern, &paths);
	if (r < 0)
		return r == -ENOMEM ? r : plan_error(plan, e, key, "[sysfs] %s: not a path", key);
	/* a plain path that resolves out of sys/: refused below, not missing */
	if (!paths && !strpbrk(pattern, "*?[") &&
	    (r = sr_check_writable_path(ctx->sr, pattern)) != -ENOENT && r != -ENOTDIR)
		return plan_file(ctx, plan, e, key, pattern);
	if (!paths)
		return optional ? 0 : no_match(ctx, plan, e, key);
	for (size_t i = 0; paths[i]; i++) {
		r = plan_file(ctx, plan, e, key, paths[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* An absolute path under /sys: printable ASCII without spaces or '\',
 * no empty, "." or ".." component. */
static bool sysfs_path_valid(const char *key)
{
	const char *p = key + strlen("/sys/");
	size_t n = strlen(key);

	if (!startswith(key, "/sys/") || n > 4095 || !*p)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] <= 0x20 || (unsigned char)key[i] >= 0x7f || key[i] == '\\')
			return false;
	while (*p) {
		size_t c = strcspn(p, "/");

		if (c == 0 || (c == 1 && p[0] == '.') || (c == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += c;
		if (*p == '/' && !*++p)
			return false;   /* a trailing slash */
	}
	return true;
}

static int match_sysfs(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;

	key += *key == '-';
	if (*key != '/')
		return 0;
	if (sysfs_path_valid(key))
		return 1;
	q = schema_quote(key);
	return q ? schema_fail(msg, "[sysfs] '%s' is not a plain path under /sys/ (no '..', '.', '//', "
			"trailing '/', spaces or control characters)", q) : -ENOMEM;
}

static const struct schema_key sysfs_keys[] = {
	{SCHEMA_PATTERN("/sys/<path>", match_sysfs, V_KTEXT), .max = SCHEMA_STRING_MAX,
	 .doc = "an explicit file under /sys, or a glob of them (each match written); "
	 "\"-/sys/...\": optional, skipped quietly where nothing matches"},
	{0},
};

/* Last: an explicit file can refine what a knob set. */
const struct knob knob_sysfs = {
	.section = {.name = "sysfs", .doc = "explicit files under /sys", .keys = sysfs_keys},
	.order = 90,
	.probes = PROBE_NONE, /* globs and reads sys itself */
	.plan_entry = plan_entry,
};
