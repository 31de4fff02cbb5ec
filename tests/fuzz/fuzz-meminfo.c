/* libFuzzer harness for "Key: value kB" files (common/sysroot.c's
 * sr_read_keyval): proc/meminfo (MemTotal, MemFree, Hugepagesize) and a
 * node's meminfo ("Node 0 MemTotal: ..."), read through the sysroot API
 * and through the probes that use them: numa (a host without node
 * directories is one node with proc/meminfo's memory) and hugepages.
 * Parts (0x01-separated): proc/meminfo, nodeN/meminfo. */
#include <math.h>

#include "tests/fuzz/fuzz-tree.h"
#include "common/cpulist.h"
#include "probes/host.h"

static const char *const paths[] = {
	"proc/meminfo",
	"tmp/node0/meminfo",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_tree_init("meminfo");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"MemTotal", "MemFree", "Hugepagesize", "HugePages_Total", "M", ""};
	struct probe_options opt = {0};
	struct host h = {0};
	uint64_t v;

	fuzz_put_parts(paths, 2, data, size);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int r = sr_read_keyval(fuzz_sr, keys[i], &v, "%s", paths[0]);

		if (r != 0 && r != -ENOENT && r != -EINVAL && r != -ERANGE)
			abort();
		r = sr_read_keyval(fuzz_sr, keys[i], &v, "%s", paths[1]);
		if (r != 0 && r != -ENOENT && r != -EINVAL && r != -ERANGE)
			abort();
	}
	if (cpulist_parse("0-3", &h.cpu.online) < 0)
		abort();
	if (numa_probe_collect(fuzz_sr, &opt, &h) < 0 || hugepages_probe_collect(fuzz_sr, &opt, &h) < 0)
		abort();
	if (h.numa.nnodes != 1 || cpuset_count(h.numa.nodes[0].cpus) != 4)
		abort();
	hugepages_probe_release(&h);
	numa_probe_release(&h);
	free(h.cpu.online);
	return 0;
}
