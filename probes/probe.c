/* The probe table: every probe in the order it runs (host-wide lookups
 * are in host.c). Later probes may read what earlier ones found. */
#include <errno.h>
#include <string.h>

#include "probes/host.h"

#define NEEDS(id) PROBE_BIT(PROBE_##id)

const struct probe probe_table[] = {
	[PROBE_KERNEL] = {"kernel", 0, kernel_probe_collect, kernel_probe_release},
	[PROBE_CPU] = {"cpu", 0, cpu_probe_collect, cpu_probe_release},
	[PROBE_NUMA] = {"numa", NEEDS(CPU), numa_probe_collect, numa_probe_release},
	[PROBE_THP] = {"thp", NEEDS(KERNEL), thp_probe_collect, thp_probe_release},
	[PROBE_HUGEPAGES] = {"hugepages", 0, hugepages_probe_collect, hugepages_probe_release},
	[PROBE_SYSCTL] = {"sysctl", 0, sysctl_probe_collect, sysctl_probe_release},
	[PROBE_MEMORY] = {"memory", NEEDS(NUMA), memory_probe_collect, memory_probe_release},
	[PROBE_PCI] = {"pci", 0, pci_probe_collect, pci_probe_release},
	[PROBE_LINKS] = {"links", NEEDS(CPU) | NEEDS(NUMA) | NEEDS(PCI), links_probe_collect, links_probe_release},
	[PROBE_IRQ] = {"irq", NEEDS(NUMA) | NEEDS(PCI), irq_probe_collect, irq_probe_release},
	[PROBE_IOMMU] = {"iommu", NEEDS(KERNEL) | NEEDS(PCI), iommu_probe_collect, iommu_probe_release},
};
const size_t probe_table_size = sizeof(probe_table) / sizeof(probe_table[0]);
_Static_assert(sizeof(probe_table) / sizeof(probe_table[0]) == PROBE_COUNT, "one table row per probe_id");

/* A probe only needs probes before it in the table: one pass from the
 * end closes the mask. */
unsigned probe_closure(unsigned mask)
{
	for (size_t i = probe_table_size; i-- > 0;)
		if (mask & PROBE_BIT(i))
			mask |= probe_table[i].needs;
	return mask & PROBE_ALL;
}

static bool skipped(const struct probe_options *opt, const char *name)
{
	for (size_t i = 0; opt->skip && opt->skip[i]; i++)
		if (!strcmp(opt->skip[i], name))
			return true;
	return false;
}

bool probe_runs(const struct probe_options *opt, enum probe_id id)
{
	return (!opt->only || (probe_closure(opt->only) & PROBE_BIT(id))) && !skipped(opt, probe_table[id].name);
}

unsigned probe_wanted_by(const struct probe_options *opt, enum probe_id id)
{
	unsigned by = !opt->only || (opt->only & PROBE_BIT(id)) ? PROBE_BIT(id) : 0;

	for (size_t i = 0; i < probe_table_size; i++)
		if ((probe_table[i].needs & PROBE_BIT(id)) && probe_runs(opt, (enum probe_id)i))
			by |= PROBE_BIT(i);
	return probe_runs(opt, id) ? by : 0;
}

int host_probe(const struct sysroot *sr, const struct probe_options *opt, struct host *h,
	       const char **failed)
{
	static const struct probe_options defaults;

	opt = opt ? opt : &defaults;
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < probe_table_size; i++) {
		int r = probe_runs(opt, (enum probe_id)i) ? probe_table[i].collect(sr, opt, h) : 0;

		if (r < 0) {
			if (failed)
				*failed = probe_table[i].name;
			host_release(h);
			return r;
		}
	}
	return 0;
}

void host_release(struct host *h)
{
	for (size_t i = probe_table_size; i-- > 0;)
		probe_table[i].release(h);
	memset(h, 0, sizeof(*h));
}
