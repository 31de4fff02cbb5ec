/* [thp]: transparent hugepages, sys/kernel/mm/transparent_hugepage/
 * {enabled, defrag, shmem_enabled, khugepaged/defrag} and the per-size
 * (mTHP, Linux 6.8+) hugepages-<N>kB/enabled. A transparent_hugepage= on
 * the kernel command line is reported, not silently fought. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/knobs.h"
#include "tune/schema.h"

#define THP_DIR "sys/kernel/mm/transparent_hugepage"

/* The file a [thp] key sets, and the value written ("yes" -> "1"). */
static int thp_target(const struct knob_ctx *ctx, const struct profile_entry *e, char **path,
		      char **value)
{
	uint64_t kb;
	bool b;

	if (!strcmp(e->key, "khugepaged_defrag")) {
		if (parse_bool(e->value, &b) < 0)
			return -EINVAL;
		*path = strdup(THP_DIR "/khugepaged/defrag");
		*value = strdup(b ? "1" : "0");
	} else if (schema_parse_thp_size_key(e->key, &kb) == 0) {
		*path = xasprintf(THP_DIR "/hugepages-%llukB/enabled", (unsigned long long)kb);
		*value = strdup(e->value);
	} else {
		*path = xasprintf(THP_DIR "/%s", e->key);
		*value = strdup(e->value);
	}
	return *path && *value ? 0 : -ENOMEM;
}

/* A choice the file does not offer would be refused by the kernel:
 * refuse the profile before anything is written. */
static int check_offered(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			 const char *label, const char *path, const char *value)
{
	_cleanup_free_ char *sel = NULL, *list = NULL;
	_cleanup_strv_ char **opts = NULL;

	if (sr_read_choice(ctx->sr, &sel, &opts, "%s", path) < 0 || strv_contains(opts, value))
		return 0;
	list = strv_join(opts, ", ");
	if (!list)
		return -ENOMEM;
	return plan_error(plan, e, label, "[thp] %s: this kernel does not offer '%s' (it offers %s)",
			  e->key, value, list);
}

static int plan_missing(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			struct action *a, const char *path)
{
	uint64_t kb;

	if (!sr_exists(ctx->sr, THP_DIR))
		return action_set_reason(a, ACTION_UNSUPPORTED, "no /%s: kernel built without "
					 "transparent hugepages", THP_DIR);
	if (schema_parse_thp_size_key(e->key, &kb) == 0) {
		_cleanup_strv_ char **sizes = NULL;

		if (sr_list(ctx->sr, "hugepages-", &sizes, THP_DIR) < 0 || !sizes[0])
			return action_set_reason(a, ACTION_UNSUPPORTED, "this kernel has no per-size "
						 "THP settings (mTHP, Linux 6.8+)");
		{
			_cleanup_free_ char *list = strv_join(sizes, ", ");

			return list ? plan_error(plan, e, a->label, "[thp] %s: this kernel has no such size "
						 "(it has %s)", e->key, list) : -ENOMEM;
		}
	}
	return action_set_reason(a, ACTION_UNSUPPORTED, "no /%s on this kernel", path);
}

static int plan_entry(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e)
{
	_cleanup_free_ char *path = NULL, *value = NULL, *label = xasprintf("thp.%s", e->key);
	struct action *a;
	int r;

	if (!label)
		return -ENOMEM;
	r = thp_target(ctx, e, &path, &value);
	if (r < 0)
		return r == -EINVAL ? plan_error(plan, e, label, "[thp] %s: not a boolean", e->key) : r;
	a = plan_add(plan, e, label, NULL);
	if (!a)
		return -ENOMEM;
	r = action_set_hint(a, "echo %s > /%s", value, path);
	if (r < 0)
		return r;
	r = plan_set_file(ctx, a, path, value);
	if (r == -ENOENT)
		return plan_missing(ctx, plan, e, a, path);
	if (r < 0)
		return plan_file_error(plan, e, label, path, r);
	return check_offered(ctx, plan, e, label, path, value);
}

/* transparent_hugepage= on the command line sets the boot value of
 * enabled; a runtime write lasts until the next boot. */
static int note_cmdline(const struct knob_ctx *ctx, struct plan *plan)
{
	const struct profile_entry *e = profile_get(ctx->profile, "thp", "enabled");
	const char *cmd = ctx->host->thp.cmdline_override;

	if (!e || !cmd || !strcmp(cmd, e->value))
		return 0;
	return plan_note(plan, e, "thp.enabled", "the kernel command line has transparent_hugepage=%s: "
			 "this sets '%s' until the next boot, then the command line wins again; change it "
			 "in GRUB_CMDLINE_LINUX (/etc/default/grub) to make it stick", cmd, e->value);
}

static int match_thp_size(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;
	uint64_t kb;

	if (!startswith(key, "hugepages-"))
		return 0;
	if (schema_parse_thp_size_key(key, &kb) == 0)
		return 1;
	q = schema_quote(key);
	return q ? schema_fail(msg, "[thp] %s: expected hugepages-<N>kB, N a power of two, as in "
			"/sys/kernel/mm/transparent_hugepage/", q) : -ENOMEM;
}

const char *const thp_enabled_choices[] = {"always", "madvise", "never", NULL};
const char *const thp_defrag_choices[] = {"always", "defer", "defer+madvise", "madvise", "never", NULL};
const char *const thp_shmem_choices[] = {"always", "within_size", "advise", "never", "deny", "force", NULL};
static const char *const thp_size_enabled[] = {"always", "inherit", "madvise", "never", NULL};

static const struct schema_key thp_keys[] = {
	{SCHEMA_CHOICE("enabled", thp_enabled_choices), .doc = "enabled"},
	{SCHEMA_CHOICE("defrag", thp_defrag_choices), .doc = "defrag"},
	{SCHEMA_CHOICE("shmem_enabled", thp_shmem_choices), .doc = "shmem_enabled"},
	{SCHEMA_BOOL("khugepaged_defrag"), .doc = "khugepaged/defrag"},
	{SCHEMA_PATTERN("hugepages-<N>kB", match_thp_size, V_CHOICE), .choices = thp_size_enabled,
	 .doc = "hugepages-<N>kB/enabled, mTHP sizes (N a power of two)"},
	{0},
};

/* First, with hugetlb pools: memory before what uses it. */
const struct knob knob_thp = {
	.section = {.name = "thp", .doc = "/sys/kernel/mm/transparent_hugepage/", .keys = thp_keys},
	.order = 10,
	.probes = PROBE_BIT(PROBE_THP),
	.plan_entry = plan_entry,
	.plan = note_cmdline,
};
