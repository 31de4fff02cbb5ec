/* The GPU/NIC affinity matrix, from what the probes found: the PCI tree
 * (each device's bridges, root port first, and the host bridge it hangs
 * from), the devices' NUMA nodes, KFD xGMI io_links and NVML's NVLinks.
 * The only files read here are the NIC port names under
 * sys/bus/pci/devices/BDF/{infiniband,net}/, for NCCL_IB_HCA, and each
 * candidate's `physfn` link: an SR-IOV virtual function (a NIC's VFs
 * for containers, a GPU's for vGPU guests) shares its physical
 * function's link and placement and is handed to a guest, so the matrix
 * and the visible-device numbering keep only physical functions.
 *
 * A PCIe switch is one upstream port and its downstream ports: a path
 * through a switch crosses three bridges but one switch, and PIX/PXB
 * count switches (as nvidia-smi and hwloc do), so each downstream port is
 * counted as the switch it belongs to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "probes/pci.h"
#include "probes/topo.h"

static const char *const kind_names[] = {
	[TOPO_GPU] = "gpu", [TOPO_ACCEL] = "accel", [TOPO_NIC] = "nic", [TOPO_NVME] = "nvme",
};
static const char *const kind_labels[] = {
	[TOPO_GPU] = "GPU", [TOPO_ACCEL] = "ACC", [TOPO_NIC] = "NIC", [TOPO_NVME] = "NVMe",
};

const char *topo_kind_name(enum topo_kind k)
{
	return kind_names[k];
}

/* The kind of a PCI function, or -1 when the matrix leaves it out. */
static int device_kind(const struct pci_device *d, bool with_nvme)
{
	unsigned base = d->class_code >> 8;

	if (d->is_bridge)
		return -1;
	if (base == 0x03 || base == 0x12)
		return TOPO_GPU;
	if (d->class_code == 0x0b40)
		return TOPO_ACCEL;
	if (d->class_code == 0x0200 || d->class_code == 0x0207)
		return TOPO_NIC;
	if (with_nvme && d->class_code == 0x0108 && d->prog_if == 0x02)
		return TOPO_NVME;
	return -1;
}

/* ---- the PCIe path between two devices ---------------------------------- */

/* The host bridge a device hangs from, as its root bus: the bus of its
 * root port, or its own bus for a device on a root bus. */
static unsigned root_bus(const struct pci_device *d, const struct pci_info *pi)
{
	const struct pci_device *rp = d->upstream && d->upstream[0] ? pci_info_find(pi, d->upstream[0]) : NULL;

	return rp ? rp->bus : d->bus;
}

static bool same_node(const struct host *h, const struct pci_device *a, const struct pci_device *b)
{
	if (a->numa_node >= 0 && b->numa_node >= 0)
		return a->numa_node == b->numa_node;
	/* No node (old kernels, some captured trees): the local CPUs say
	 * the same where both are known. */
	if (a->local_cpus && b->local_cpus && cpuset_count(a->local_cpus) && cpuset_count(b->local_cpus))
		return cpuset_equal(a->local_cpus, b->local_cpus);
	return h->numa.nnodes <= 1; /* one node or none: the same */
}

/* The switch a bridge belongs to: a switch's downstream port counts as
 * its upstream port; a root port, an upstream port or a PCI bridge as
 * itself. */
static const char *switch_of(const struct pci_info *pi, const char *bdf)
{
	const struct pci_device *d = pci_info_find(pi, bdf);

	if (d && d->parent && !pci_faces_upstream(pi, d))
		return d->parent;
	return bdf;
}

/* Distinct switches among bridges chain[from..to). */
static int add_switches(const struct pci_info *pi, char *const *chain, size_t from, size_t to,
			const char **seen, int n)
{
	for (size_t i = from; i < to; i++) {
		const char *s = switch_of(pi, chain[i]);
		int k = 0;

		while (k < n && strcmp(seen[k], s))
			k++;
		if (k == n)
			seen[n++] = s;
	}
	return n;
}

enum topo_link topo_pci_path(const struct host *h, const struct pci_device *a, const struct pci_device *b)
{
	const struct pci_info *pi = &h->pci;
	size_t na = strv_length(a->upstream), nb = strv_length(b->upstream), common = 0;
	const char *seen[2 * PCI_MAX_DEPTH + 1];
	int n;

	if (a == b)
		return TOPO_SELF;
	if (a->domain != b->domain || root_bus(a, pi) != root_bus(b, pi))
		return same_node(h, a, b) ? TOPO_NODE : TOPO_SYS;
	while (common < na && common < nb && !strcmp(a->upstream[common], b->upstream[common]))
		common++;
	if (!common)
		return TOPO_PHB; /* different root ports: up through the host bridge */
	/* The lowest common bridge, and every bridge below it on both sides. */
	n = add_switches(pi, a->upstream, common - 1, na, seen, 0);
	n = add_switches(pi, b->upstream, common, nb, seen, n);
	return n <= 1 ? TOPO_PIX : TOPO_PXB;
}

/* ---- NVLink and xGMI ------------------------------------------------------ */

static bool nvml_gpu(const struct links_info *l, const char *bdf)
{
	for (size_t i = 0; i < l->nnvlink; i++)
		if (!strcmp(l->nvlink[i].gpu, bdf))
			return true;
	return false;
}

/* Active NVLinks from gpu to peer (peer NULL: to anything that is not an
 * NVML GPU, i.e. an NVSwitch). */
static int nvlinks_to(const struct links_info *l, const char *gpu, const char *peer)
{
	int n = 0;

	for (size_t i = 0; i < l->nnvlink; i++) {
		const struct nvlink_link *v = &l->nvlink[i];

		if (!v->active || !v->remote || strcmp(v->gpu, gpu))
			continue;
		if (peer ? !strcmp(v->remote, peer) : !nvml_gpu(l, v->remote))
			n++;
	}
	return n;
}

/* Direct links, else what both reach through the NVSwitches (every GPU
 * on a switch fabric reaches every other over all its links). */
static int nvlinks_between(const struct links_info *l, const char *a, const char *b)
{
	int direct = nvlinks_to(l, a, b), sa, sb;

	if (direct)
		return direct;
	sa = nvlinks_to(l, a, NULL);
	sb = nvlinks_to(l, b, NULL);
	return sa < sb ? sa : sb;
}

/* KFD names partitions "BDF#k": the device is the part before '#'. */
static bool same_gpu(const char *kfd_name, const char *bdf)
{
	size_t n = strcspn(kfd_name, "#");

	return strlen(bdf) == n && !strncmp(kfd_name, bdf, n);
}

static bool xgmi_linked(const struct links_info *l, const char *a, const char *b)
{
	for (size_t i = 0; i < l->nxgmi; i++) {
		const struct xgmi_link *x = &l->xgmi[i];

		if ((same_gpu(x->from, a) && same_gpu(x->to, b)) || (same_gpu(x->from, b) && same_gpu(x->to, a)))
			return true;
	}
	return false;
}

static struct topo_pair pair_between(const struct host *h, const struct topo_device *a,
				     const struct topo_device *b)
{
	struct topo_pair p = {.link = topo_pci_path(h, a->pci, b->pci)};
	int nv;

	if (p.link == TOPO_SELF || a->kind != TOPO_GPU || b->kind != TOPO_GPU)
		return p;
	nv = nvlinks_between(&h->links, a->pci->bdf, b->pci->bdf);
	if (nv > 0)
		return (struct topo_pair){.link = TOPO_NV, .nvlinks = nv};
	if (xgmi_linked(&h->links, a->pci->bdf, b->pci->bdf))
		return (struct topo_pair){.link = TOPO_XGMI};
	return p;
}

/* ---- building the matrix -------------------------------------------------- */

/* The RDMA device of a NIC ("mlx5_0"), else its first network interface. */
static int nic_port(const struct sysroot *sr, const char *bdf, char **ret, bool *rdma)
{
	static const char *const dirs[] = {"infiniband", "net"};

	for (size_t i = 0; sr && i < ARRAY_SIZE(dirs); i++) {
		_cleanup_strv_ char **names = NULL;
		int r = sr_list(sr, "", &names, "sys/bus/pci/devices/%s/%s", bdf, dirs[i]);

		if (r == -ENOMEM)
			return r;
		if (r >= 0 && names[0]) {
			*ret = strdup(names[0]);
			*rdma = i == 0;
			return *ret ? 0 : -ENOMEM;
		}
	}
	return 0;
}

static bool virtual_function(const struct sysroot *sr, const struct pci_device *d)
{
	return sr && sr_exists(sr, "sys/bus/pci/devices/%s/physfn", d->bdf);
}

/* The kind of a device in the matrix, or -1. */
static int matrix_kind(const struct sysroot *sr, const struct pci_device *d, bool with_nvme)
{
	int kind = device_kind(d, with_nvme);

	return kind >= 0 && virtual_function(sr, d) ? -1 : kind;
}

static int vendor_index(const struct sysroot *sr, const struct pci_info *pi, const struct pci_device *d,
			bool with_nvme)
{
	int n = 0;

	if (d->vendor_id != 0x10de && d->vendor_id != 0x1002)
		return UNKNOWN;
	for (const struct pci_device *x = pi->devices; x < d; x++)
		if (x->vendor_id == d->vendor_id && matrix_kind(sr, x, with_nvme) == TOPO_GPU)
			n++;
	return n;
}

/* Devices grouped by kind (GPUs first, as nvidia-smi lists them), each
 * kind in PCI order. */
static int add_devices(const struct sysroot *sr, const struct host *h, bool with_nvme, struct topo *t)
{
	t->devices = calloc(h->pci.ndevices ? h->pci.ndevices : 1, sizeof(*t->devices));
	if (!t->devices)
		return -ENOMEM;
	for (int kind = 0; kind < (int)ARRAY_SIZE(kind_names); kind++) {
		int count = 0;

		for (size_t i = 0; i < h->pci.ndevices; i++) {
			const struct pci_device *d = &h->pci.devices[i];
			struct topo_device *td = &t->devices[t->ndevices];

			if (matrix_kind(sr, d, with_nvme) != kind)
				continue;
			*td = (struct topo_device){.pci = d, .kind = (enum topo_kind)kind, .vendor_index = UNKNOWN};
			snprintf(td->label, sizeof(td->label), "%s%d", kind_labels[kind], count++);
			t->ndevices++;
			if (kind == TOPO_GPU)
				td->vendor_index = vendor_index(sr, &h->pci, d, with_nvme);
			if (kind == TOPO_NIC && nic_port(sr, d->bdf, &td->port, &td->rdma) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int topo_build(const struct sysroot *sr, const struct host *h, bool with_nvme, struct topo *ret)
{
	struct topo t = {0};
	size_t n;

	if (add_devices(sr, h, with_nvme, &t) < 0)
		goto oom;
	n = t.ndevices;
	t.pairs = calloc(n ? n * n : 1, sizeof(*t.pairs));
	if (!t.pairs)
		goto oom;
	for (size_t a = 0; a < n; a++)
		for (size_t b = a; b < n; b++)
			t.pairs[a * n + b] = t.pairs[b * n + a] = pair_between(h, &t.devices[a], &t.devices[b]);
	*ret = t;
	return 0;
oom:
	topo_release(&t);
	return -ENOMEM;
}

void topo_release(struct topo *t)
{
	for (size_t i = 0; t->devices && i < t->ndevices; i++)
		free(t->devices[i].port);
	free(t->devices);
	free(t->pairs);
	*t = (struct topo){0};
}

const struct topo_pair *topo_pair(const struct topo *t, size_t a, size_t b)
{
	return &t->pairs[a * t->ndevices + b];
}

int topo_closest_nic(const struct topo *t, size_t i)
{
	int best = -1;

	for (size_t k = 0; k < t->ndevices; k++) {
		const struct topo_device *n = &t->devices[k];

		if (n->kind != TOPO_NIC || k == i)
			continue;
		if (best < 0 || topo_pair(t, i, k)->link < topo_pair(t, i, (size_t)best)->link ||
		    (topo_pair(t, i, k)->link == topo_pair(t, i, (size_t)best)->link && n->rdma &&
		     !t->devices[best].rdma))
			best = (int)k;
	}
	return best;
}

const char *topo_link_name(const struct topo_pair *p, char *buf, size_t size)
{
	static const char *const names[] = {
		[TOPO_SELF] = "X", [TOPO_NV] = "NV", [TOPO_XGMI] = "XGMI", [TOPO_PIX] = "PIX",
		[TOPO_PXB] = "PXB", [TOPO_PHB] = "PHB", [TOPO_NODE] = "NODE", [TOPO_SYS] = "SYS",
	};

	if (p->link == TOPO_NV)
		snprintf(buf, size, "NV%d", p->nvlinks);
	else
		snprintf(buf, size, "%s", names[p->link]);
	return buf;
}
