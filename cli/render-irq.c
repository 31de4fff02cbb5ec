/* Text and JSON for the IRQ probe: per PCI device, how many IRQs it has and
 * where they run; an attention line for a device whose IRQs run on
 * another NUMA node's CPUs; irqbalance. */
#include <string.h>

#include "cli/render.h"
#include "common/util.h"

/* What an IRQ runs on: its effective CPUs, else the CPUs it may use. */
static const struct cpuset *irq_cpus(const struct irq_entry *e)
{
	if (e->effective && cpuset_count(e->effective))
		return e->effective;
	return e->affinity;
}

/* "node 1", "nodes 0,1", or "" without NUMA information. */
static void format_nodes(const struct host *h, const struct cpuset *cpus, char *buf, size_t size)
{
	struct strbuf sb = {0};
	int n = 0;

	for (size_t i = 0; cpus && h->numa.from_sysfs && i < h->numa.nnodes; i++)
		if (h->numa.nodes[i].cpus && cpuset_intersects(cpus, h->numa.nodes[i].cpus)) {
			strbuf_printf(&sb, "%s%d", n ? "," : "", h->numa.nodes[i].id);
			n++;
		}
	snprintf(buf, size, "%s%s", n == 0 ? "" : n == 1 ? "node " : "nodes ", sb.buf ? sb.buf : "");
	strbuf_release(&sb);
}

static const char *device_label(const struct host *h, const struct irq_entry *e)
{
	const struct pci_device *d = host_pci_device(h, e->device);

	if (d && d->driver)
		return d->driver;
	return e->driver ? e->driver : "no driver";
}

/* What one device's IRQs add up to. */
struct irq_device_sum {
	int n, managed, remote, managed_remote;
	struct cpuset *cpus, *remote_cpus;
};

static int sum_device(const struct host *h, const char *bdf, struct irq_device_sum *s)
{
	memset(s, 0, sizeof(*s));
	s->cpus = cpuset_new(64);
	s->remote_cpus = cpuset_new(64);
	if (!s->cpus || !s->remote_cpus)
		return -ENOMEM;
	for (size_t i = 0; i < h->irq.nirqs; i++) {
		const struct irq_entry *e = &h->irq.irqs[i];
		const struct cpuset *cpus = irq_cpus(e);

		if (!e->device || strcmp(e->device, bdf))
			continue;
		s->n++;
		s->managed += e->managed;
		if (cpus && cpuset_or(&s->cpus, cpus) < 0)
			return -ENOMEM;
		if (e->remote && e->managed)
			s->managed_remote++;
		if (!e->remote || e->managed)
			continue;
		s->remote++;
		if (cpus && cpuset_or(&s->remote_cpus, cpus) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void render_device(const struct cli *cli, const struct host *h, const struct irq_entry *first, FILE *out)
{
	struct irq_device_sum s;
	_cleanup_free_ char *cpus = NULL;
	char nodes[64], remote_nodes[64], managed[96] = "";

	if (sum_device(h, first->device, &s) < 0 || !(cpus = cpulist_format(s.cpus)))
		goto out;
	format_nodes(h, s.cpus, nodes, sizeof(nodes));
	if (s.managed_remote)
		snprintf(managed, sizeof(managed), ", %d managed (%d spread to other nodes by the kernel)", s.managed,
			 s.managed_remote);
	else if (s.managed)
		snprintf(managed, sizeof(managed), ", %d managed", s.managed);
	text_field(out, first->device, "%s: %d IRQ%s on CPUs %s%s%s%s%s", device_label(h, first), s.n, s.n == 1 ? "" : "s",
		   *cpus ? cpus : "unknown", *nodes ? " (" : "", nodes, *nodes ? ")" : "", managed);
	if (s.remote) {
		format_nodes(h, s.remote_cpus, remote_nodes, sizeof(remote_nodes));
		if (s.remote == s.n)
			text_attention(cli, out, "%s (%s): %d IRQ%s run on %s CPUs, device is on node %d", first->device,
				       device_label(h, first), s.n, s.n == 1 ? "" : "s",
				       *remote_nodes ? remote_nodes : "other", first->device_node);
		else
			text_attention(cli, out, "%s (%s): %d of %d IRQs run on %s CPUs, device is on node %d",
				       first->device, device_label(h, first), s.remote, s.n,
				       *remote_nodes ? remote_nodes : "other", first->device_node);
	}
out:
	free(s.cpus);
	free(s.remote_cpus);
}

static bool first_of_device(const struct host *h, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (h->irq.irqs[k].device && !strcmp(h->irq.irqs[k].device, h->irq.irqs[i].device))
			return false;
	return true;
}

/* Devices in BDF order: each pass prints the smallest BDF after `after`. */
static const struct irq_entry *next_device(const struct host *h, const char *after)
{
	const struct irq_entry *best = NULL;

	for (size_t i = 0; i < h->irq.nirqs; i++) {
		const struct irq_entry *e = &h->irq.irqs[i];

		if (!e->device || !first_of_device(h, i) || (after && strcmp(e->device, after) <= 0))
			continue;
		if (!best || strcmp(e->device, best->device) < 0)
			best = e;
	}
	return best;
}

void render_irq_text(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct irq_info *info = &h->irq;
	int other = 0;

	text_heading(cli, out, "IRQs");
	if (!info->nirqs) {
		text_field(out, "IRQs:", "none found (no /proc/interrupts)");
		return;
	}
	for (const struct irq_entry *e = next_device(h, NULL); e; e = next_device(h, e->device))
		render_device(cli, h, e, out);
	for (size_t i = 0; i < info->nirqs; i++)
		other += !info->irqs[i].device;
	if (other)
		text_field(out, "Other:", "%d IRQ%s not tied to a PCI device", other, other == 1 ? "" : "s");
	if (!info->mode_trusted)
		text_field(out, "Managed:", "not detectable in this tree (smp_affinity modes not captured)");
	if (info->irqbalance_running)
		text_field(out, "irqbalance:", "running: it moves IRQs on its own and can undo a local-node placement");
	else
		text_field(out, "irqbalance:", "not running");
}

static void json_cpus(struct json *j, const char *key, const struct cpuset *s)
{
	_cleanup_free_ char *list = s ? cpulist_format(s) : NULL;

	json_kv_string(j, key, list);
}

static void json_irq(struct json *j, const struct irq_entry *e)
{
	json_object_begin(j);
	json_kv_int(j, "irq", e->irq);
	json_kv_string(j, "device", e->device);
	json_kv_string(j, "name", e->name);
	json_cpus(j, "affinity", e->affinity);
	json_cpus(j, "effective", e->effective);
	json_kv_bool(j, "managed", e->managed);
	json_kv_int_opt(j, "node", e->node);
	json_kv_bool(j, "remote", e->remote);
	json_kv_string(j, "chip", e->chip);
	json_kv_string(j, "driver", e->driver);
	json_kv_int_opt(j, "device_node", e->device_node);
	json_kv_tristate(j, "affinity_writable", e->affinity_writable);
	json_kv_string(j, "managed_source", e->managed_source);
	json_object_end(j);
}

void render_irq_json(const struct host *h, struct json *j)
{
	json_key(j, "irqs");
	json_array_begin(j);
	for (size_t i = 0; i < h->irq.nirqs; i++)
		json_irq(j, &h->irq.irqs[i]);
	json_array_end(j);
	json_key(j, "irq_info");
	json_object_begin(j);
	json_kv_bool(j, "irqbalance_running", h->irq.irqbalance_running);
	json_kv_bool(j, "managed_detectable", h->irq.mode_trusted);
	json_object_end(j);
}
