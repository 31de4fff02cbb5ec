/* [irq]: IRQ placement. The IRQs of the selected devices (by class or
 * BDF), as the IRQ probe found them (MSI vectors, else the legacy line), go to
 * proc/irq/N/smp_affinity_list: the online CPUs of the device's NUMA node
 * (policy local-node) or every online CPU (policy all). Managed IRQs
 * (the driver spreads its queues; the kernel refuses writes with EIO) are
 * skipped as what they are. irqbalance, when it runs, moves IRQs back by
 * its own rules: that is reported, with the way out. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/knobs.h"
#include "tune/schema.h"

int irq_target_cpus(const struct host *h, int node, struct cpuset **ret)
{
	const struct numa_node *n = node >= 0 ? host_node(h, node) : NULL;
	struct cpuset *s = cpuset_dup(h->cpu.online);

	if (!s)
		return -ENOMEM;
	if (n && n->cpus && cpuset_intersects(n->cpus, s) && cpuset_and(&s, n->cpus) < 0) {
		free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

bool irqbalance_running(const struct sysroot *sr, const struct host *h)
{
	bool running = false;

	return h->irq.irqbalance_running || (irq_irqbalance_running(sr, &running) == 0 && running);
}

static const struct irq_entry *probed_irq(const struct host *h, int irq)
{
	for (size_t i = 0; i < h->irq.nirqs; i++)
		if (h->irq.irqs[i].irq == irq)
			return &h->irq.irqs[i];
	return NULL;
}

/* Under local-node an IRQ already on some of its node's CPUs is in place:
 * drivers spread their queue IRQs one CPU each, and rigtune keeps that. */
static int accept_subset(struct action *a, const struct cpuset *target, const char *cpus)
{
	_cleanup_(cpuset_freep) struct cpuset *cur = NULL;

	a->wanted = xasprintf("within %s", cpus);
	if (!a->wanted)
		return -ENOMEM;
	if (a->state == ACTION_CHANGE && cpulist_parse(a->current, &cur) == 0 && cpuset_count(cur) > 0 &&
	    cpuset_subset(cur, target))
		a->state = ACTION_IN_PLACE;
	return 0;
}

static int plan_one_irq(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *src,
			const char *label, int irq, const struct cpuset *target, bool local)
{
	_cleanup_free_ char *cpus = cpulist_format(target);
	const struct irq_entry *probed = probed_irq(ctx->host, irq);
	_cleanup_free_ char *path = xasprintf("proc/irq/%d/smp_affinity_list", irq);
	char name[32];
	struct action *a;
	int r;

	snprintf(name, sizeof(name), "irq %d", irq);
	a = path && cpus ? plan_add(plan, src, label, name) : NULL;
	if (!a || action_set_hint(a, "echo %s > /%s", cpus, path) < 0)
		return -ENOMEM;
	a->refusal_is_skip = true;
	r = plan_set_file(ctx, a, path, cpus);
	if (r == -ENOENT)
		return action_set_reason(a, ACTION_SKIP, "no /proc/irq/N/smp_affinity_list (IRQ not requested)");
	if (r < 0)
		return plan_file_error(plan, src, label, path, r);
	if (probed && probed->managed)
		return action_set_reason(a, ACTION_SKIP, "managed IRQ: the kernel spreads the driver's queues "
					 "and refuses affinity changes");
	return local ? accept_subset(a, target, cpus) : 0;
}

static int plan_device(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *src,
		       const struct tune_device *d, bool local)
{
	_cleanup_free_ char *label = xasprintf("irq.%s", d->bdf);
	_cleanup_(cpuset_freep) struct cpuset *set = NULL;
	const int *irqs;
	size_t n = 0;
	int r;

	if (!label)
		return -ENOMEM;
	r = irq_target_cpus(ctx->host, local ? d->numa_node : UNKNOWN, &set);
	if (r < 0)
		return r;
	irqs = host_device_irqs(ctx->host, d->bdf, &n);
	if (n == 0) {
		struct action *a = plan_add(plan, src, label, NULL);

		return a ? action_set_reason(a, ACTION_SKIP, "no IRQs (no driver bound, or MSI not enabled)")
			 : -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		r = plan_one_irq(ctx, plan, src, label, irqs[i], set, local);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Does device d match one of the [irq] devices items? Marks the items
 * that matched. */
static bool selected(const struct tune_device *d, char *const *items, bool *matched)
{
	bool any = false;

	for (size_t i = 0; items[i]; i++) {
		char bdf[32];
		bool m = tune_canonical_bdf(items[i], bdf, sizeof(bdf)) == 0
				 ? !strcmp(bdf, d->bdf)
				 : tune_device_in_class(d->class_code, d->vendor_id, items[i]);

		matched[i] |= m;
		any |= m;
	}
	return any;
}

static int plan_unmatched(struct plan *plan, const struct profile_entry *src, char *const *items,
			  const bool *matched)
{
	for (size_t i = 0; items[i]; i++) {
		_cleanup_free_ char *label = xasprintf("irq.%s", items[i]);
		struct action *a;
		bool bdf = strchr(items[i], ':') != NULL;

		if (matched[i])
			continue;
		a = label ? plan_add(plan, src, label, NULL) : NULL;
		if (!a || action_set_reason(a, ACTION_SKIP, bdf ? "no such PCI device on this host"
							     : "no %s devices on this host", items[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

int irq_plan_devices(const struct knob_ctx *ctx, const struct profile_entry *src, const char *policy,
		     char *const *devices, struct plan *plan)
{
	_cleanup_free_ struct tune_device *devs = NULL;
	_cleanup_free_ bool *matched = calloc(strv_length((char **)devices) + 1, sizeof(bool));
	size_t n = 0;
	int r;

	if (!strcmp(policy, "none"))
		return 0;
	if (!matched)
		return -ENOMEM;
	r = tune_devices(ctx->sr, ctx->host, &devs, &n);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (selected(&devs[i], devices, matched))
			r = plan_device(ctx, plan, src, &devs[i], !strcmp(policy, "local-node"));
	return r < 0 ? r : plan_unmatched(plan, src, devices, matched);
}

static int plan_irq(const struct knob_ctx *ctx, struct plan *plan)
{
	const struct profile_entry *policy = profile_get(ctx->profile, "irq", "policy");
	const struct profile_entry *devices = profile_get(ctx->profile, "irq", "devices");
	_cleanup_strv_ char **items = NULL;
	size_t first = plan->nactions;
	bool writes = false;
	int r;

	if (!policy || !devices)
		return 0;
	r = schema_split_list(devices->value, &items);
	if (r < 0)
		return r;
	r = irq_plan_devices(ctx, devices, policy->value, items, plan);
	if (r < 0)
		return r;
	for (size_t i = first; i < plan->nactions; i++)
		writes |= plan->actions[i].path != NULL;
	if (!writes || !irqbalance_running(ctx->sr, ctx->host))
		return 0;
	return plan_warning(plan, policy, "irq.irqbalance", "irqbalance not running", "irqbalance running",
			    "irqbalance is running and will move these IRQs again by its "
			 "own rules: stop it (systemctl disable --now irqbalance), or keep it off these "
			 "IRQs (IRQBALANCE_BANNED_CPULIST or --banirq in /etc/default/irqbalance)");
}

static int check_irq(const struct profile *p, const struct profile_entry **at, char **msg)
{
	const struct profile_entry *policy = profile_get(p, "irq", "policy");
	const struct profile_entry *devices = profile_get(p, "irq", "devices");

	if (devices && !policy) {
		*at = devices;
		return schema_fail(msg, "[irq] devices: no policy says what to do with them "
			    "(policy = local-node)");
	}
	if (policy && !devices && strcmp(policy->value, "none")) {
		*at = policy;
		return schema_fail(msg, "[irq] policy = %s: no devices to apply it to (devices = nic, nvme, "
			    "gpu, or PCI addresses)", policy->value);
	}
	return 0;
}

static const char *const irq_policies[] = {"local-node", "all", "none", NULL};

static const struct schema_key irq_keys[] = {
	{SCHEMA_CHOICE("policy", irq_policies), .doc = "local-node: the IRQs of the devices go to CPUs of "
	 "the device's NUMA node; all: back to every online CPU; none: left alone"},
	{SCHEMA_TEXT("devices", V_DEVICES, 0), .doc = "device classes (gpu, nic, nvme, accel, storage) or "
	 "PCI addresses"},
	{0},
};

const struct knob knob_irq = {
	.section = {.name = "irq", .doc = "IRQ placement", .keys = irq_keys, .rule = check_irq},
	.order = 50,
	.probes = KNOB_IRQ_PROBES,
	.plan = plan_irq,
};
