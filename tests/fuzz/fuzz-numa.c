/* libFuzzer harness for the NUMA probe's files (probes/numa.c): distance
 * rows, node meminfo, node cpulist and cpumap, the socket of a node's
 * first CPU; then the socket-link probe (probes/hsmp.c), which walks the
 * distance rows by node index whatever their length. Parts
 * (0x01-separated), for nodes 0, 1 and 3: distance, meminfo, cpulist,
 * cpumap; then cpu0's and cpu2's physical_package_id. */
#include "tests/fuzz/fuzz-tree.h"
#include "common/cpulist.h"
#include "probes/host.h"
#include "probes/links.h"

#define NODE "sys/devices/system/node/"
#define CPU "sys/devices/system/cpu/"

static const char *const paths[] = {
	NODE "node0/distance", NODE "node0/meminfo", NODE "node0/cpulist", NODE "node0/cpumap",
	NODE "node1/distance", NODE "node1/meminfo", NODE "node1/cpulist", NODE "node1/cpumap",
	NODE "node3/distance", NODE "node3/meminfo", NODE "node3/cpulist", NODE "node3/cpumap",
	CPU "cpu0/topology/physical_package_id", CPU "cpu2/topology/physical_package_id",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_tree_init("numa");
	/* Three nodes whatever their files say (node 2 absent: ids are not
	 * indexes). */
	fuzz_mkdirs(NODE "node0/x");
	fuzz_mkdirs(NODE "node1/x");
	fuzz_mkdirs(NODE "node3/x");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_options opt = {0};
	struct host h = {0};
	char vendor[] = "AuthenticAMD";

	fuzz_put_parts(paths, NPATHS, data, size);
	if (cpulist_parse("0-3", &h.cpu.online) < 0)
		abort();
	h.cpu.sockets = 2;
	h.cpu.vendor = vendor;
	if (numa_probe_collect(fuzz_sr, &opt, &h) < 0)
		abort();
	if (h.numa.nnodes != 3)
		abort();
	for (size_t i = 0; i < h.numa.nnodes; i++)
		if (!h.numa.nodes[i].cpus || (h.numa.nodes[i].ndistances && !h.numa.nodes[i].distances))
			abort();
	if (socket_link_collect(fuzz_sr, &h) < 0)
		abort();
	socket_link_release(&h.links);
	numa_probe_release(&h);
	free(h.cpu.online);
	return 0;
}
