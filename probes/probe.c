/* The probe table: every probe in the order it runs (host-wide lookups
 * are in host.c). Later probes may read what earlier ones found. */
#include <errno.h>
#include <string.h>

#include "probes/host.h"

const struct probe probe_table[] = {
	{"kernel", kernel_probe_collect, kernel_probe_release},
	{"cpu", cpu_probe_collect, cpu_probe_release},
	{"numa", numa_probe_collect, numa_probe_release},
	{"thp", thp_probe_collect, thp_probe_release},
	{"hugepages", hugepages_probe_collect, hugepages_probe_release},
	{"sysctl", sysctl_probe_collect, sysctl_probe_release},
	{"memory", memory_probe_collect, memory_probe_release},
	{"pci", pci_probe_collect, pci_probe_release},
	{"links", links_probe_collect, links_probe_release},
	{"irq", irq_probe_collect, irq_probe_release},
	{"iommu", iommu_probe_collect, iommu_probe_release},
};
const size_t probe_table_size = sizeof(probe_table) / sizeof(probe_table[0]);

static bool skipped(const struct probe_options *opt, const char *name)
{
	for (size_t i = 0; opt->skip && opt->skip[i]; i++)
		if (!strcmp(opt->skip[i], name))
			return true;
	return false;
}

int host_probe(const struct sysroot *sr, const struct probe_options *opt, struct host *h,
	       const char **failed)
{
	static const struct probe_options defaults;

	opt = opt ? opt : &defaults;
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < probe_table_size; i++) {
		int r = skipped(opt, probe_table[i].name) ? 0 : probe_table[i].collect(sr, opt, h);

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
