/* Global hugetlb pools: sys/kernel/mm/hugepages/hugepages-<N>kB/... and the
 * default size (Hugepagesize in proc/meminfo). Per-node pools are read by
 * the NUMA probe with the same reader. */
#include <errno.h>

#include "probes/host.h"

int hugepages_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	int r;

	(void)sr_read_keyval(sr, "Hugepagesize", &h->hugepages.default_size_kb, "proc/meminfo");
	r = hugepage_pools_read(sr, "sys/kernel/mm/hugepages", &h->hugepages.pools, &h->hugepages.npools);
	return r == -ENOMEM ? r : 0;
}

void hugepages_probe_release(struct host *h)
{
	free(h->hugepages.pools);
}
