/* The sysctls that matter on inference boxes, from proc/sys/<a>/<b>. */
#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "probes/host.h"

const char *const sysctl_probe_names[] = {
	"kernel.numa_balancing", "vm.swappiness", "vm.zone_reclaim_mode",
	"vm.overcommit_memory", "vm.max_map_count", "vm.min_free_kbytes",
	NULL,
};

int sysctl_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	size_t n = 0;

	while (sysctl_probe_names[n])
		n++;
	h->sysctl.values = calloc(n, sizeof(*h->sysctl.values));
	if (!h->sysctl.values)
		return -ENOMEM;
	h->sysctl.nvalues = n;
	for (size_t i = 0; i < n; i++) {
		struct sysctl_value *v = &h->sysctl.values[i];
		char path[128];

		v->name = sysctl_probe_names[i];
		snprintf(path, sizeof(path), "proc/sys/%s", v->name);
		for (char *p = path + strlen("proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		v->present = sr_read_s64(sr, &v->value, "%s", path) == 0;
		if (!v->present)
			v->value = UNKNOWN;
	}
	return 0;
}

void sysctl_probe_release(struct host *h)
{
	free(h->sysctl.values);
}
