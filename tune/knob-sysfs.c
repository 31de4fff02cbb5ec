/* [sysfs]: explicit files under /sys ("/sys/module/pcie_aspm/parameters/
 * policy = performance"). Each path is checked against the sysroot
 * layer's rules at plan time ('..' and symlinks that leave sys/ refuse
 * the profile). A choice the file does not list is left to the kernel:
 * some files load a module on demand (block queue/scheduler). */
#include <errno.h>
#include <stdlib.h>

#include "common/util.h"
#include "tune/plan.h"
#include "tune/schema.h"

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
	 .doc = "an explicit file under /sys"},
	{0},
};

/* Last: an explicit file can refine what a knob set. */
const struct knob knob_sysfs = {
	.section = {.name = "sysfs", .doc = "explicit files under /sys", .keys = sysfs_keys},
	.order = 90,
	.plan_entry = plan_entry,
};
