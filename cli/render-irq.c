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

/* g: one device's IRQs. */
static int sum_device(const struct irq_entry *const *g, size_t n, struct irq_device_sum *s)
{
	memset(s, 0, sizeof(*s));
	s->cpus = cpuset_new(64);
	s->remote_cpus = cpuset_new(64);
	if (!s->cpus || !s->remote_cpus)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct irq_entry *e = g[i];
		const struct cpuset *cpus = irq_cpus(e);

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

/* g: one device's IRQs, the first of them in probe order first. */
static void render_device(const struct cli *cli, const struct host *h, const struct irq_entry *const *g, size_t n,
			  FILE *out)
{
	const struct irq_entry *first = g[0];
	struct irq_device_sum s;
	_cleanup_free_ char *cpus = NULL;
	char nodes[64], remote_nodes[64], managed[96] = "";

	if (sum_device(g, n, &s) < 0 || !(cpus = cpulist_format(s.cpus)))
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

/* By device, then probe order. */
static int cmp_by_device(const void *a, const void *b)
{
	const struct irq_entry *x = *(const struct irq_entry *const *)a, *y = *(const struct irq_entry *const *)b;
	int d = strcmp(x->device, y->device);

	return d ? d : (x > y) - (x < y);
}

/* The IRQs tied to a device, grouped by device in BDF order. */
static const struct irq_entry **by_device(const struct irq_info *info, size_t *n)
{
	const struct irq_entry **v = calloc(info->nirqs + 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < info->nirqs; i++)
		if (info->irqs[i].device)
			v[(*n)++] = &info->irqs[i];
	qsort(v, *n, sizeof(*v), cmp_by_device);
	return v;
}

void render_irq_text(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct irq_info *info = &h->irq;
	_cleanup_free_ const struct irq_entry **g = NULL;
	size_t n = 0;
	int other = 0;

	text_heading(cli, out, "IRQs");
	if (!info->nirqs) {
		text_field(out, "IRQs:", "none found (no /proc/interrupts)");
		return;
	}
	g = by_device(info, &n);
	for (size_t i = 0, j; g && i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(g[j]->device, g[i]->device); j++)
			;
		render_device(cli, h, g + i, j - i, out);
	}
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
