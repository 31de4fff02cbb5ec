/* libFuzzer harness for the KFD topology (probes/xgmi.c): "key value"
 * properties of nodes and of their io_links / p2p_links, from which AMD
 * GPUs, their xGMI links and a hive's missing links are worked out.
 * Parts (0x01-separated): nodes 0-3 properties, then io_links/0 of nodes
 * 0-3, io_links/1 of nodes 0-3, p2p_links/0 of nodes 1 and 2. */
#include "tests/fuzz/fuzz-tree.h"
#include "probes/host.h"
#include "probes/links.h"

#define KFD "sys/class/kfd/kfd/topology/nodes/"

static const char *const paths[] = {
	KFD "0/properties", KFD "1/properties", KFD "2/properties", KFD "3/properties",
	KFD "0/io_links/0/properties", KFD "1/io_links/0/properties",
	KFD "2/io_links/0/properties", KFD "3/io_links/0/properties",
	KFD "0/io_links/1/properties", KFD "1/io_links/1/properties",
	KFD "2/io_links/1/properties", KFD "3/io_links/1/properties",
	KFD "1/p2p_links/0/properties", KFD "2/p2p_links/0/properties",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_tree_init("kfd");
	/* amdgpu's side of one GPU the properties may point at. */
	fuzz_puts("sys/bus/pci/devices/0000:0c:00.0/xgmi_hive_info/xgmi_hive_id", "1234\n");
	fuzz_puts("sys/bus/pci/devices/0000:0c:00.0/xgmi_physical_id", "2\n");
	fuzz_puts("sys/bus/pci/devices/0000:0c:00.0/xgmi_num_links", "7\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host h = {0};

	fuzz_put_parts(paths, NPATHS, data, size);
	if (xgmi_collect(fuzz_sr, &h) < 0)
		abort();
	for (size_t i = 0; i < h.links.ngpus; i++)
		if (!h.links.gpus[i].bdf)
			abort();
	for (size_t i = 0; i < h.links.nxgmi; i++)
		if (!h.links.xgmi[i].from || !h.links.xgmi[i].to)
			abort();
	xgmi_release(&h.links);
	return 0;
}
