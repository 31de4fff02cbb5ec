/* The affinity matrix (probes/topo.c) and the placement built on it
 * (tune/gpu-placement.c) on a host written here: two nested PCIe
 * switches (PIX, PXB), two root ports of one host bridge (PHB), host
 * bridges on one node (NODE) and across nodes (SYS), NVLinks direct and
 * through NVSwitches (NV#, which only a live host's NVML gives), an xGMI
 * pair; once with the PCIe port types known (config space), once without
 * (sysfs only: port roles alternate down the tree). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "probes/host.h"
#include "probes/pci.h"
#include "probes/topo.h"
#include "tune/gpu-placement.h"
#include "tap.h"

enum { RP = 4, UP = 5, DOWN = 6, EP = 0 };

struct spec {
	const char *bdf;
	unsigned class_code, vendor;
	int type, node;
	const char *up[6];          /* root port first */
};

/* bus 00 (node 0): root port 00:01.0 -> switch 01 -> { 02:00.0 -> switch 03
 * -> { 04:00.0 -> GPU 05, 04:01.0 -> GPU 06 }, 02:01.0 -> NIC 07 };
 * root port 00:02.0 -> NIC 08. bus 80 (node 0): GPU 81. bus c0 (node 1):
 * AMD GPUs c1 and c2 on two root ports. */
static const struct spec specs[] = {
	{"0000:00:01.0", 0x0604, 0x8086, RP, 0, {NULL}},
	{"0000:00:02.0", 0x0604, 0x8086, RP, 0, {NULL}},
	{"0000:01:00.0", 0x0604, 0x1000, UP, 0, {"0000:00:01.0"}},
	{"0000:02:00.0", 0x0604, 0x1000, DOWN, 0, {"0000:00:01.0", "0000:01:00.0"}},
	{"0000:02:01.0", 0x0604, 0x1000, DOWN, 0, {"0000:00:01.0", "0000:01:00.0"}},
	{"0000:03:00.0", 0x0604, 0x1000, UP, 0, {"0000:00:01.0", "0000:01:00.0", "0000:02:00.0"}},
	{"0000:04:00.0", 0x0604, 0x1000, DOWN, 0, {"0000:00:01.0", "0000:01:00.0", "0000:02:00.0", "0000:03:00.0"}},
	{"0000:04:01.0", 0x0604, 0x1000, DOWN, 0, {"0000:00:01.0", "0000:01:00.0", "0000:02:00.0", "0000:03:00.0"}},
	{"0000:05:00.0", 0x0302, 0x10de, EP, 0,
	 {"0000:00:01.0", "0000:01:00.0", "0000:02:00.0", "0000:03:00.0", "0000:04:00.0"}},
	{"0000:06:00.0", 0x0302, 0x10de, EP, 0,
	 {"0000:00:01.0", "0000:01:00.0", "0000:02:00.0", "0000:03:00.0", "0000:04:01.0"}},
	{"0000:07:00.0", 0x0207, 0x15b3, EP, 0, {"0000:00:01.0", "0000:01:00.0", "0000:02:01.0"}},
	{"0000:08:00.0", 0x0200, 0x8086, EP, 0, {"0000:00:02.0"}},
	{"0000:80:01.0", 0x0604, 0x8086, RP, 0, {NULL}},
	{"0000:81:00.0", 0x0302, 0x10de, EP, 0, {"0000:80:01.0"}},
	{"0000:c0:01.0", 0x0604, 0x1022, RP, 1, {NULL}},
	{"0000:c0:02.0", 0x0604, 0x1022, RP, 1, {NULL}},
	{"0000:c1:00.0", 0x1200, 0x1002, EP, 1, {"0000:c0:01.0"}},
	{"0000:c2:00.0", 0x1200, 0x1002, EP, 1, {"0000:c0:02.0"}},
};

static void add_nvlinks(struct links_info *l, const char *gpu, const char *remote, int n)
{
	for (int i = 0; i < n; i++) {
		l->nvlink = reallocarray(l->nvlink, l->nnvlink + 1, sizeof(*l->nvlink));
		l->nvlink[l->nnvlink++] = (struct nvlink_link){
			.gpu = strdup(gpu), .link = i, .active = true, .remote = strdup(remote)};
	}
}

static void host_build(struct host *h, bool types_known)
{
	memset(h, 0, sizeof(*h));
	h->pci.ndevices = ARRAY_SIZE(specs);
	h->pci.devices = calloc(h->pci.ndevices, sizeof(*h->pci.devices));
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		struct pci_device *d = &h->pci.devices[i];
		const struct spec *s = &specs[i];
		size_t n = 0;

		snprintf(d->bdf, sizeof(d->bdf), "%s", s->bdf);
		pci_parse_bdf(s->bdf, &d->domain, &d->bus, &d->dev, &d->func);
		d->class_code = s->class_code;
		d->vendor_id = s->vendor;
		d->is_bridge = s->class_code == 0x0604;
		d->pcie_type = types_known ? s->type : UNKNOWN;
		d->numa_node = s->node;
		cpulist_parse(s->node ? "8-15" : "0-7", &d->local_cpus);
		while (n < ARRAY_SIZE(s->up) && s->up[n])
			strv_extend(&d->upstream, s->up[n++]);
		d->parent = n ? strdup(s->up[n - 1]) : NULL;
	}
	h->numa.nnodes = 2;
	h->numa.nodes = calloc(2, sizeof(*h->numa.nodes));
	for (int n = 0; n < 2; n++) {
		h->numa.nodes[n].id = n;
		cpulist_parse(n ? "8-15" : "0-7", &h->numa.nodes[n].cpus);
	}
	add_nvlinks(&h->links, "0000:05:00.0", "0000:06:00.0", 2);
	add_nvlinks(&h->links, "0000:06:00.0", "0000:05:00.0", 2);
	add_nvlinks(&h->links, "0000:05:00.0", "0000:ff:00.0", 4); /* an NVSwitch */
	add_nvlinks(&h->links, "0000:81:00.0", "0000:ff:00.0", 6);
	h->links.nxgmi = 1;
	h->links.xgmi = calloc(1, sizeof(*h->links.xgmi));
	h->links.xgmi[0] = (struct xgmi_link){.from = strdup("0000:c2:00.0#1"), .to = strdup("0000:c1:00.0"), .type = 11};
}

static void host_free(struct host *h)
{
	for (size_t i = 0; i < h->pci.ndevices; i++) {
		free(h->pci.devices[i].local_cpus);
		strv_free(h->pci.devices[i].upstream);
		free(h->pci.devices[i].parent);
	}
	free(h->pci.devices);
	for (size_t n = 0; n < h->numa.nnodes; n++)
		free(h->numa.nodes[n].cpus);
	free(h->numa.nodes);
	for (size_t i = 0; i < h->links.nnvlink; i++) {
		free(h->links.nvlink[i].gpu);
		free(h->links.nvlink[i].remote);
	}
	free(h->links.nvlink);
	free(h->links.xgmi[0].from);
	free(h->links.xgmi[0].to);
	free(h->links.xgmi);
}

static ssize_t index_of(const struct topo *t, const char *bdf)
{
	for (size_t i = 0; i < t->ndevices; i++)
		if (!strcmp(t->devices[i].pci->bdf, bdf))
			return (ssize_t)i;
	return -1;
}

static const char *link_of(const struct topo *t, const char *a, const char *b, char *buf)
{
	ssize_t x = index_of(t, a), y = index_of(t, b);

	return x < 0 || y < 0 ? "(absent)" : topo_link_name(topo_pair(t, (size_t)x, (size_t)y), buf, 16);
}

static void check_matrix(const struct host *h, const struct topo *t, const char *how)
{
	static const struct { const char *a, *b, *link, *why; } want[] = {
		{"0000:05:00.0", "0000:05:00.0", "X", "a device with itself"},
		{"0000:05:00.0", "0000:06:00.0", "NV2", "two direct NVLinks"},
		{"0000:05:00.0", "0000:81:00.0", "NV4", "NVSwitch: the fewer links of the two GPUs"},
		{"0000:06:00.0", "0000:81:00.0", "NODE", "no NVLink to the switch, other host bridge, same node"},
		{"0000:05:00.0", "0000:07:00.0", "PXB", "GPU behind two switches, NIC behind the first"},
		{"0000:07:00.0", "0000:05:00.0", "PXB", "symmetric"},
		{"0000:05:00.0", "0000:08:00.0", "PHB", "other root port of the host bridge"},
		{"0000:05:00.0", "0000:c1:00.0", "SYS", "across nodes"},
		{"0000:c1:00.0", "0000:c2:00.0", "XGMI", "a KFD xGMI link (from a partition's node)"},
		{"0000:07:00.0", "0000:08:00.0", "PHB", "two NICs on two root ports"},
	};
	char buf[16];

	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		tap_ok(!strcmp(link_of(t, want[i].a, want[i].b, buf), want[i].link), "%s: %s %s is %s (%s), got %s",
		       how, want[i].a, want[i].b, want[i].link, want[i].why, buf);
	tap_is_int(topo_pci_path(h, t->devices[index_of(t, "0000:05:00.0")].pci,
				 t->devices[index_of(t, "0000:06:00.0")].pci),
		   TOPO_PIX, "the PCIe path under NVLink: GPUs on one switch's two ports are PIX (one switch)");
}

static void check_devices(const struct topo *t)
{
	static const char *const order[] = {"GPU0", "GPU1", "GPU2", "GPU3", "GPU4", "NIC0", "NIC1"};

	tap_is_int(t->ndevices, 7, "5 GPUs and 2 NICs, no bridge");
	for (size_t i = 0; i < ARRAY_SIZE(order) && i < t->ndevices; i++)
		tap_is_str(t->devices[i].label, order[i], "GPUs first, then NICs, each in PCI order");
	tap_is_int(t->devices[index_of(t, "0000:81:00.0")].vendor_index, 2, "third NVIDIA GPU: CUDA index 2");
	tap_is_int(t->devices[index_of(t, "0000:c1:00.0")].vendor_index, 0, "first AMD GPU: HIP index 0");
}

static void check_placement(const struct host *h, struct topo *t)
{
	struct placement p;
	ssize_t nic0 = index_of(t, "0000:07:00.0"), nic1 = index_of(t, "0000:08:00.0");

	t->devices[nic0].port = strdup("mlx5_0");
	t->devices[nic0].rdma = true;
	t->devices[nic1].port = strdup("eno1");
	tap_ok(placement_build(h, t, &p) == 0, "placement builds");
	tap_is_int(p.ngroups, 2, "two groups: node 0 (NVIDIA), node 1 (AMD)");
	tap_is_int(p.groups[0].node, 0, "node 0 first");
	tap_is_str(p.groups[0].cuda_visible, "0,1,2", "node 0: CUDA_VISIBLE_DEVICES in PCI order");
	tap_is_str(p.groups[0].hip_visible, NULL, "node 0: no AMD GPU");
	tap_is_str(p.groups[0].ib_hcas, "mlx5_0", "node 0: NCCL_IB_HCA is the RDMA port (GPU 81 ties NODE/NODE: RDMA wins)");
	tap_is_str(p.groups[1].hip_visible, "0,1", "node 1: HIP_VISIBLE_DEVICES");
	tap_is_str(p.groups[1].ib_hcas, "mlx5_0", "node 1: SYS to both NICs: the RDMA port");
	tap_is_int(p.gpus[0].nic, nic0, "GPU 05's closest NIC is the one behind its outer switch (PXB beats PHB)");
	tap_is_int(p.gpus[0].nic_link, TOPO_PXB, "... over PXB");
	tap_ok(cpuset_count(p.groups[1].cpus) == 8 && cpuset_isset(p.groups[1].cpus, 8), "node 1's CPUs are 8-15");
	placement_release(&p);
}

int main(void)
{
	for (int known = 1; known >= 0; known--) {
		const char *how = known ? "port types from config space" : "port types unknown (sysfs only)";
		struct host h;
		struct topo t;

		host_build(&h, known);
		tap_ok(topo_build(NULL, &h, false, &t) == 0, "%s: topo builds", how);
		check_matrix(&h, &t, how);
		if (known) {
			check_devices(&t);
			check_placement(&h, &t);
		}
		topo_release(&t);
		host_free(&h);
	}
	return tap_done();
}
