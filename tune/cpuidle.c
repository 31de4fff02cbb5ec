/* [cpu] idle_max_latency_us (planned by tune/knob-cpu.c): C-states whose exit latency is above the
 * limit are disabled on every online CPU, shallower ones enabled, through
 * sys/devices/system/cpu/cpuN/cpuidle/stateK/{latency,disable} (latency in
 * microseconds, admin-guide/pm/cpuidle.rst). A deep C-state costs a core
 * tens to hundreds of microseconds to wake, paid on every token when
 * decode threads idle between steps. Each file is one action, so apply
 * journals it and audit checks it. A host without cpuidle (no driver, or
 * a VM without haltpoll) skips with the reason. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/knobs.h"
#include "tune/schema.h"

#define CPU_DIR "sys/devices/system/cpu"
#define LABEL "cpu.idle_max_latency_us"

static int plan_state(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e, int cpu,
		      int state, uint64_t limit)
{
	_cleanup_free_ char *path = xasprintf(CPU_DIR "/cpu%d/cpuidle/state%d/disable", cpu, state);
	_cleanup_free_ char *name = NULL, *label = xasprintf("cpu.idle.state%d", state);
	uint64_t latency;
	char target[32];
	struct action *a;
	int r;

	if (!path || !label)
		return -ENOMEM;
	if (sr_read_u64(ctx->sr, &latency, CPU_DIR "/cpu%d/cpuidle/state%d/latency", cpu, state) < 0)
		return 0;
	(void)sr_read_string(ctx->sr, &name, CPU_DIR "/cpu%d/cpuidle/state%d/name", cpu, state);
	snprintf(target, sizeof(target), "cpu%d", cpu);
	a = plan_add(plan, e, label, target);
	if (!a || action_set_hint(a, "state%d is %s, %llu us to wake: cpupower idle-set -D %llu", state,
				  name ? name : "unnamed", (unsigned long long)latency,
				  (unsigned long long)limit) < 0)
		return -ENOMEM;
	r = plan_set_file(ctx, a, path, latency > limit ? "1" : "0");
	if (r == -ENOENT)
		return action_set_reason(a, ACTION_SKIP, "cpu%d state%d has no disable file", cpu, state);
	return r < 0 ? plan_file_error(plan, e, label, path, r) : 0;
}

/* One state on every online CPU, so that output groups it. */
static int plan_state_all_cpus(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			       int state, uint64_t limit)
{
	cpuset_foreach(cpu, ctx->host->cpu.online) {
		int r = plan_state(ctx, plan, e, cpu, state, limit);

		if (r < 0)
			return r;
	}
	return 0;
}

int cpuidle_plan(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e)
{
	int first = cpuset_first(ctx->host->cpu.online);
	_cleanup_free_ int *states = NULL;
	size_t n = 0;
	uint64_t limit;
	struct action *a;

	if (schema_parse_count(e->value, &limit) < 0)
		return plan_error(plan, e, LABEL, "[cpu] idle_max_latency_us: '%s' is not a number of "
				  "microseconds", e->value);
	/* every CPU has the states of the one cpuidle driver */
	if (first >= 0 && sr_list_ids(ctx->sr, "state", &states, &n, CPU_DIR "/cpu%d/cpuidle", first) == -ENOMEM)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int r = plan_state_all_cpus(ctx, plan, e, states[i], limit);

		if (r < 0)
			return r;
	}
	if (n > 0)
		return 0;
	a = plan_add(plan, e, LABEL, NULL);
	return a ? action_set_reason(a, ACTION_SKIP, "no cpuidle states on this host (no cpuidle driver; "
				     "a VM without haltpoll)") : -ENOMEM;
}
