/* [hugepages] mount = /dev/hugepages1G (planned by tune/knob-hugepages.c):
 * a systemd mount unit, etc/systemd/system/dev-hugepages1G.mount, that
 * mounts hugetlbfs there with pagesize= the largest pool size the profile
 * reserves (the knob passes it): an engine that maps hugetlbfs needs a mount of the pool's own
 * page size (admin-guide/mm/hugetlbpage.rst; the default /dev/hugepages
 * uses the default 2M size). The unit is a durable file: its original
 * (none) is kept in var/lib/rigtune/originals/, revert removes it. Audit
 * warns while nothing is mounted there (proc/mounts). */
#include <errno.h>
#include <stdio.h>

#include "common/durable.h"
#include "common/util.h"
#include "tune/knobs.h"

#define LABEL "hugepages.mount"

/* "/dev/hugepages1G" -> "dev-hugepages1G.mount" (systemd's path escaping,
 * for paths that need none: letters, digits, '_', '.', '/'). */
static char *unit_name(const char *where)
{
	const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./";
	char *name;

	if (where[0] != '/' || !where[1] || strspn(where, ok) != strlen(where) || strstr(where, "//") ||
	    strstr(where, "/.") || endswith(where, "/") || strlen(where) > 200)
		return NULL;
	name = xasprintf("%s.mount", where + 1);
	for (char *p = name; p && *p; p++)
		if (*p == '/')
			*p = '-';
	return name;
}

static char *unit_text(const char *where, const char *name, const char *size)
{
	return xasprintf("# Written by rigtune ([hugepages] mount); 'rigtune revert' removes it.\n"
			 "# Start it: systemctl daemon-reload && systemctl enable --now %s\n"
			 "[Unit]\n"
			 "Description=hugetlbfs with %s pages for inference engines (rigtune)\n"
			 "DefaultDependencies=no\n"
			 "Before=sysinit.target\n"
			 "ConditionCapability=CAP_SYS_ADMIN\n"
			 "\n"
			 "[Mount]\n"
			 "What=hugetlbfs\n"
			 "Where=%s\n"
			 "Type=hugetlbfs\n"
			 "Options=pagesize=%s\n"
			 "\n"
			 "[Install]\n"
			 "WantedBy=sysinit.target\n", name, size, where, size);
}

/* Is a hugetlbfs mounted at where (proc/mounts)? */
static bool mounted(const struct sysroot *sr, const char *where)
{
	_cleanup_free_ char *text = NULL, *pattern = xasprintf(" %s hugetlbfs ", where);

	return pattern && sr_read_file(sr, &text, NULL, "proc/mounts") == 0 && strstr(text, pattern);
}

int hugepages_mount_plan(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			 const char *size)
{
	_cleanup_free_ char *name = unit_name(e->value), *path = NULL, *text = NULL;
	struct action *a;
	int r;

	if (!name)
		return plan_error(plan, e, LABEL, "[hugepages] mount = %s: expected an absolute path of letters, "
				  "digits, '_' and '.', such as /dev/hugepages1G", e->value);
	if (!size)
		return plan_error(plan, e, LABEL, "[hugepages] mount = %s: no pool to mount (add one, such as "
				  "1G = 50%%)", e->value);
	path = xasprintf(DURABLE_UNIT_DIR "/%s", name);
	text = unit_text(e->value, name, size);
	a = path && text ? plan_add(plan, e, LABEL, NULL) : NULL;
	if (!a || action_set_hint(a, "mount -t hugetlbfs -o pagesize=%s none %s", size, e->value) < 0)
		return -ENOMEM;
	r = plan_set_durable_file(ctx, a, path, text);
	if (r < 0)
		return r == -ENOMEM ? r : plan_error(plan, e, LABEL, "[hugepages] mount: cannot read /%s: %s", path,
						     strerror(-r));
	if (a->state == ACTION_IN_PLACE && !mounted(ctx->sr, e->value))
		return plan_warning(plan, e, "hugepages.mounted", e->value, "not mounted",
				    "%s is not mounted yet: systemctl daemon-reload && systemctl enable --now %s",
				    e->value, name);
	return 0;
}
