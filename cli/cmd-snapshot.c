/* `rigtune snapshot -o FILE.tar.gz`: every /sys and /proc file rigtune
 * reads (traced while probing, and the health sampler's sources) plus what
 * apply reads and writes (the tunable trees below), so the tarball
 * unpacked is a valid --sysroot. */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "common/snapshot.h"
#include "common/util.h"
#include "probes/health.h"

/* Trees apply touches, and how deep to take them. */
static const struct {
	const char *dir;
	int depth;
} tunable_trees[] = {
	{"sys/kernel/mm/transparent_hugepage", 2},
	{"sys/kernel/mm/hugepages", 2},
	{"proc/sys/vm", 1},
	{"proc/sys/kernel", 1},
	{"proc/irq", 2},
	{"sys/devices/system/cpu/cpufreq", 2},
	{"sys/devices/system/cpu/intel_pstate", 1},
	{"sys/module/pcie_aspm/parameters", 1},
	/* what hwloc's lstopo reads too, so a snapshot is also its fixture */
	{"sys/bus/cpu/devices", 1},
};

/* Add DIR's entries to the trace down to DEPTH (listing traces DIR). */
static void trace_tree(const struct sysroot *sr, const char *dir, int depth)
{
	_cleanup_strv_ char **names = NULL;

	if (depth <= 0 || sr_list(sr, "", &names, "%s", dir) < 0)
		return;
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);

		if (!path)
			return;
		(void)strv_extend(sr->trace, path);
		trace_tree(sr, path, depth - 1);
	}
}

/* Per-CPU cpufreq knobs (governor, EPP) on every CPU. */
static void trace_cpufreq(const struct sysroot *sr)
{
	_cleanup_free_ int *cpus = NULL;
	size_t n = 0;

	if (sr_list_ids(sr, "cpu", &cpus, &n, "sys/devices/system/cpu") < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *dir = xasprintf("sys/devices/system/cpu/cpu%d/cpufreq", cpus[i]);

		if (dir)
			trace_tree(sr, dir, 1);
	}
}

/* Each CPU's topology and caches (lstopo reads them all; rigtune only
 * what it needs). */
static void trace_cpu_topology(const struct sysroot *sr)
{
	_cleanup_free_ int *cpus = NULL;
	size_t n = 0;

	if (sr_list_ids(sr, "cpu", &cpus, &n, "sys/devices/system/cpu") < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *topo = xasprintf("sys/devices/system/cpu/cpu%d/topology", cpus[i]);
		_cleanup_free_ char *cache = xasprintf("sys/devices/system/cpu/cpu%d/cache", cpus[i]);
		_cleanup_free_ char *online = xasprintf("sys/devices/system/cpu/cpu%d/online", cpus[i]);

		if (!topo || !cache || !online)
			return;
		trace_tree(sr, topo, 1);
		trace_tree(sr, cache, 2);
		if (sr_exists(sr, "%s", online))
			(void)strv_extend(sr->trace, online);
	}
}

/* What libpci reads in each device directory (it does not go through the
 * path layer, so list it here). */
static void trace_pci(const struct sysroot *sr)
{
	static const char *const files[] = {
		"vendor", "device", "class", "subsystem_vendor", "subsystem_device", "revision",
		"irq", "numa_node", "local_cpulist", "local_cpus", "enable", "resource", "config",
		"current_link_speed", "current_link_width", "max_link_speed", "max_link_width",
		"driver", "label", "modalias", "msi_irqs", "xgmi_hive_info", "xgmi_device_id",
		"xgmi_physical_id", "xgmi_num_links", "physfn", "iommu_group",
	};
	_cleanup_strv_ char **devs = NULL;

	if (sr_list(sr, "", &devs, "sys/bus/pci/devices") < 0)
		return;
	for (size_t i = 0; devs[i]; i++)
		for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
			_cleanup_free_ char *path = xasprintf("sys/bus/pci/devices/%s/%s", devs[i], files[f]);

			if (path && sr_exists(sr, "%s", path)) {
				(void)strv_extend(sr->trace, path);
				if (!strcmp(files[f], "msi_irqs"))
					trace_tree(sr, path, 1);
			}
		}
}

/* What the health sampler reads (probes/health.c: hwmon, powercap, EDAC,
 * AER, link state, the MCE line), read once, so a captured tree replays a
 * burn-in's sources. */
static void trace_health(const struct sysroot *sr)
{
	struct health_sources s;
	_cleanup_free_ double *temps = NULL;
	_cleanup_free_ uint64_t *counters = NULL, *energy = NULL;
	_cleanup_free_ struct health_link_state *links = NULL;
	double lo, med, hi;

	if (health_discover(sr, &s) < 0)
		return;
	temps = calloc(s.ntemps + 1, sizeof(*temps));
	counters = calloc(s.ncounters + 1, sizeof(*counters));
	energy = calloc(s.npower + 1, sizeof(*energy));
	links = calloc(s.nlinks + 1, sizeof(*links));
	if (temps && counters && energy && links) {
		health_read_clocks(sr, &s, &lo, &med, &hi);
		health_read_temps(sr, &s, temps);
		health_read_counters(sr, &s, counters);
		health_read_energy(sr, &s, energy);
		health_read_links(sr, &s, links);
	}
	health_sources_release(&s);
}

int cmd_snapshot(const struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"include-serials", no_argument, NULL, 'S'},
		{},
	};
	bool include_serials = false;
	_cleanup_strv_ char **trace = calloc(1, sizeof(char *));
	struct snapshot_stats stats;
	struct sysroot *sr = NULL;
	const char *output = NULL, *failed = NULL;
	struct probe_options opt = {0};
	struct host h;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
		if (c == 'S')
			include_serials = true;
		else if (c == 'o')
			output = optarg;
		else
			return log_error("snapshot: usage: rigtune snapshot -o FILE.tar.gz [--include-serials]");
	}
	if (!output || optind < argc)
		return log_error("snapshot: usage: rigtune snapshot -o FILE.tar.gz [--include-serials]");
	if (!trace)
		return log_errno(-ENOMEM, "snapshot");
	r = sysroot_open(cli->sysroot, &sr);
	if (r < 0)
		return log_errno(r, "cannot open sysroot '%s'", cli->sysroot);
	sr->trace = &trace;
	r = host_probe(sr, &opt, &h, &failed);
	if (r == 0) {
		host_release(&h);
		for (size_t i = 0; i < ARRAY_SIZE(tunable_trees); i++)
			trace_tree(sr, tunable_trees[i].dir, tunable_trees[i].depth);
		trace_cpufreq(sr);
		trace_cpu_topology(sr);
		trace_pci(sr);
		trace_health(sr);
		sr->trace = NULL;
		r = snapshot_write(sr, trace, output, include_serials, &stats);
	}
	sysroot_free(sr);
	if (r < 0)
		return log_errno(r, "snapshot: cannot write '%s'", output);
	printf("%s: %zu files, %zu links, %zu directories (%zu unreadable or absent paths left out)\n", output,
	       stats.files, stats.links, stats.dirs, stats.skipped);
	return EXIT_GOOD;
}
