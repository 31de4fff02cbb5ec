/* IRQ locality findings, from the IRQ probe (proc/interrupts,
 * proc/irq/N/effective_affinity_list and smp_affinity_list, the device's
 * numa_node): a device whose non-managed IRQs are served from CPUs of
 * another node than its own fails ("irq.locality.BDF"). Kernel-managed
 * IRQs are spread over every node on purpose and never count. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/findings.h"

/* What an IRQ runs on: its effective CPUs, else the CPUs it may use. */
static const struct cpuset *irq_cpus(const struct irq_entry *e)
{
	return e->effective && cpuset_count(e->effective) ? e->effective : e->affinity;
}

static bool counted(const struct irq_entry *e, const char *bdf)
{
	return e->device && !strcmp(e->device, bdf) && !e->managed && e->device_node >= 0;
}

static int judge_device(const struct findings_ctx *ctx, const struct irq_entry *first, struct findings *f)
{
	const struct irq_info *in = &ctx->host->irq;
	const struct pci_device *d = host_pci_device(ctx->host, first->device);
	_cleanup_(cpuset_freep) struct cpuset *cpus = cpuset_new(64);
	_cleanup_free_ char *id = NULL, *subject = NULL, *list = NULL;
	size_t n = 0, remote = 0;

	if (!cpus)
		return -ENOMEM;
	for (size_t i = 0; i < in->nirqs; i++) {
		const struct irq_entry *e = &in->irqs[i];

		if (!counted(e, first->device))
			continue;
		n++;
		if (e->remote) {
			remote++;
			if (irq_cpus(e) && cpuset_or(&cpus, irq_cpus(e)) < 0)
				return -ENOMEM;
		}
	}
	if (!remote)
		return 0;
	id = xasprintf("irq.locality.%s", first->device);
	subject = d ? finding_device_subject(d) : strdup(first->device);
	list = cpulist_format(cpus);
	if (!id || !subject || !list)
		return -ENOMEM;
	return findings_add(f, FINDING_FAIL, id, subject,
			    in->irqbalance_running ? "stop irqbalance (or ban the device from it), then "
			    "[irq] policy = local-node and rigtune apply"
						    : "[irq] policy = local-node and rigtune apply; or write the "
						      "node's CPUs to /proc/irq/N/smp_affinity_list",
			    "%zu of %zu %s IRQs (%s) served by CPUs %s, outside its node %d", remote, n,
			    first->driver ? first->driver : "device", first->name ? first->name : "-", list,
			    first->device_node);
}

int findings_irq(const struct findings_ctx *ctx, struct findings *f)
{
	const struct irq_info *in = &ctx->host->irq;

	for (size_t i = 0; i < in->nirqs; i++) {
		const struct irq_entry *e = &in->irqs[i];
		bool seen = false;
		int r;

		if (!e->device)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = in->irqs[k].device && !strcmp(in->irqs[k].device, e->device);
		if (seen)
			continue;
		r = judge_device(ctx, e, f);
		if (r < 0)
			return r;
	}
	return 0;
}
