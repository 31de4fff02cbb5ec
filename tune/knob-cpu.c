/* [cpu]: cpufreq on every online CPU, sys/devices/system/cpu/cpuN/cpufreq/
 * {scaling_governor, energy_performance_preference}, and boost through
 * cpufreq/boost, intel_pstate/no_turbo (inverted) or amd-pstate's per-CPU
 * cpufreq/boost. A host without cpufreq (most VMs) skips with the reason.
 * The EPP is written before the governor: with the performance governor
 * amd-pstate and intel_pstate refuse any other EPP (EBUSY), and revert,
 * which runs backwards, then restores the governor before the EPP. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/knobs.h"

#define CPU_DIR "sys/devices/system/cpu"

/* A value the driver lists as unavailable is refused before writing. */
static int check_available(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			   const char *label, int cpu, const char *list_file, bool *ok)
{
	_cleanup_free_ char *text = NULL, *joined = NULL;
	_cleanup_strv_ char **words = NULL;

	*ok = true;
	if (sr_read_string(ctx->sr, &text, CPU_DIR "/cpu%d/cpufreq/%s", cpu, list_file) < 0)
		return 0;
	if (strv_split(text, " \t", &words) < 0)
		return -ENOMEM;
	/* intel_pstate also takes a raw EPP number, 0-255 */
	if (!words[0] || strv_contains(words, e->value) || strspn(e->value, "0123456789") == strlen(e->value))
		return 0;
	*ok = false;
	joined = strv_join(words, ", ");
	if (!joined)
		return -ENOMEM;
	return plan_error(plan, e, label, "[cpu] %s: '%s' is not available on this host (%s lists %s)",
			  e->key, e->value, list_file, joined);
}

/* One action per online CPU for cpuN/cpufreq/FILE. */
static int plan_per_cpu(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			const char *file, const char *value, const char *hint)
{
	_cleanup_free_ char *label = xasprintf("cpu.%s", e->key);

	if (!label)
		return -ENOMEM;
	cpuset_foreach(cpu, ctx->host->cpu.online) {
		_cleanup_free_ char *path = xasprintf(CPU_DIR "/cpu%d/cpufreq/%s", cpu, file);
		char target[32];
		struct action *a;
		int r;

		snprintf(target, sizeof(target), "cpu%d", cpu);
		a = path ? plan_add(plan, e, label, target) : NULL;
		if (!a || action_set_hint(a, "%s", hint) < 0)
			return -ENOMEM;
		r = plan_set_file(ctx, a, path, value);
		if (r == -ENOENT)
			r = action_set_reason(a, ACTION_SKIP, "cpu%d has no cpufreq/%s", cpu, file);
		else if (r < 0)
			return plan_file_error(plan, e, label, path, r);
		if (r < 0)
			return r;
	}
	return 0;
}

static int plan_skip(struct plan *plan, const struct profile_entry *e, const char *why)
{
	_cleanup_free_ char *label = xasprintf("cpu.%s", e->key);
	struct action *a = label ? plan_add(plan, e, label, NULL) : NULL;

	return a ? action_set_reason(a, ACTION_SKIP, "%s", why) : -ENOMEM;
}

static int plan_cpufreq(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			const char *file, const char *list_file, const char *hint)
{
	int first = cpuset_first(ctx->host->cpu.online);
	_cleanup_free_ char *label = xasprintf("cpu.%s", e->key);
	bool ok;
	int r;

	if (!label)
		return -ENOMEM;
	if (first < 0 || !sr_exists(ctx->sr, CPU_DIR "/cpu%d/cpufreq", first))
		return plan_skip(plan, e, "no cpufreq on this host (a virtual machine, or no cpufreq driver loaded)");
	if (!sr_exists(ctx->sr, CPU_DIR "/cpu%d/cpufreq/%s", first, file))
		return plan_skip(plan, e, !strcmp(file, "energy_performance_preference")
			? "no energy_performance_preference (it needs amd-pstate or intel_pstate in active mode)"
			: "the cpufreq driver has no scaling_governor");
	r = check_available(ctx, plan, e, label, first, list_file, &ok);
	if (r < 0 || !ok)
		return r;
	return plan_per_cpu(ctx, plan, e, file, e->value, hint);
}

/* Boost: one global file (acpi-cpufreq, amd-pstate passive), or
 * intel_pstate's no_turbo (inverted), or amd-pstate's per-CPU boost. */
static int plan_boost(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e)
{
	int first = cpuset_first(ctx->host->cpu.online);
	const char *path = NULL, *value;
	struct action *a;
	bool on;
	int r;

	if (parse_bool(e->value, &on) < 0)
		return plan_error(plan, e, "cpu.boost", "[cpu] boost: '%s' is not a boolean", e->value);
	if (sr_exists(ctx->sr, CPU_DIR "/cpufreq/boost")) {
		path = CPU_DIR "/cpufreq/boost";
		value = on ? "1" : "0";
	} else if (sr_exists(ctx->sr, CPU_DIR "/intel_pstate/no_turbo")) {
		path = CPU_DIR "/intel_pstate/no_turbo";
		value = on ? "0" : "1";
	} else if (first >= 0 && sr_exists(ctx->sr, CPU_DIR "/cpu%d/cpufreq/boost", first)) {
		return plan_per_cpu(ctx, plan, e, "boost", on ? "1" : "0", "echo 1 > /sys/devices/system/cpu/cpuN/cpufreq/boost");
	} else {
		return plan_skip(plan, e, "no boost control on this host (cpufreq/boost, intel_pstate/no_turbo)");
	}
	a = plan_add(plan, e, "cpu.boost", NULL);
	if (!a || action_set_hint(a, "echo %s > /%s", value, path) < 0)
		return -ENOMEM;
	r = plan_set_file(ctx, a, path, value);
	return r < 0 ? plan_file_error(plan, e, "cpu.boost", path, r) : 0;
}

static int plan_cpu(const struct knob_ctx *ctx, struct plan *plan)
{
	const struct profile *p = ctx->profile;
	const struct profile_entry *epp = profile_get(p, "cpu", "energy_performance_preference");
	const struct profile_entry *gov = profile_get(p, "cpu", "governor");
	const struct profile_entry *boost = profile_get(p, "cpu", "boost");
	const struct profile_entry *idle = profile_get(p, "cpu", "idle_max_latency_us");
	_cleanup_free_ char *epp_hint = NULL, *gov_hint = NULL;
	int r = 0;

	if (epp) {
		epp_hint = xasprintf("echo %s | tee /sys/devices/system/cpu/cpu*/cpufreq/"
				     "energy_performance_preference", epp->value);
		r = epp_hint ? plan_cpufreq(ctx, plan, epp, "energy_performance_preference",
					    "energy_performance_available_preferences", epp_hint) : -ENOMEM;
	}
	if (r >= 0 && gov) {
		gov_hint = xasprintf("cpupower frequency-set -g %s", gov->value);
		r = gov_hint ? plan_cpufreq(ctx, plan, gov, "scaling_governor", "scaling_available_governors",
					    gov_hint) : -ENOMEM;
	}
	if (r >= 0 && boost)
		r = plan_boost(ctx, plan, boost);
	if (r >= 0 && idle)
		r = cpuidle_plan(ctx, plan, idle);
	return r < 0 ? r : 0;
}

static const struct schema_key cpu_keys[] = {
	{SCHEMA_TEXT("governor", V_WORD, 15), .doc = "cpufreq scaling_governor on every CPU"},
	{SCHEMA_TEXT("energy_performance_preference", V_WORD, 32), .doc = "cpufreq EPP on every CPU"},
	{SCHEMA_BOOL("boost"), .doc = "cpufreq/boost (or intel_pstate/no_turbo, inverted)"},
	{SCHEMA_COUNT("idle_max_latency_us", 0, 1000000), .doc = "cpuidle states with a longer exit "
	 "latency disabled on every CPU, shallower ones enabled"},
	{0},
};

const struct knob knob_cpu = {
	.section = {.name = "cpu", .doc = "cpufreq on every CPU", .keys = cpu_keys},
	.order = 40,
	.probes = PROBE_BIT(PROBE_CPU),
	.plan = plan_cpu,
};
