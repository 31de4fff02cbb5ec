/* Placement advice (`rigtune plan`) from the affinity matrix: GPUs
 * grouped by the NUMA node they hang from, each group bound to that
 * node's CPUs and memory, the GPUs named by their index in PCI order
 * (CUDA_DEVICE_ORDER=PCI_BUS_ID: CUDA's default order, fastest first,
 * differs from nvidia-smi's), and each GPU's closest NIC for
 * NCCL_IB_HCA. A host without GPUs gets one group per node. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tune/gpu-placement.h"

static struct placement_group *group_for(struct placement *p, int node)
{
	struct placement_group *g;

	for (size_t i = 0; i < p->ngroups; i++)
		if (p->groups[i].node == node)
			return &p->groups[i];
	g = reallocarray(p->groups, p->ngroups + 1, sizeof(*g));
	if (!g)
		return NULL;
	p->groups = g;
	g = &g[p->ngroups++];
	*g = (struct placement_group){.node = node};
	return g;
}

/* The group's CPUs: its node's, else the union of its GPUs' local CPUs. */
static int group_add_cpus(const struct host *h, struct placement_group *g, const struct pci_device *d)
{
	const struct numa_node *n = g->node >= 0 ? host_node(h, g->node) : NULL;

	if (n && n->cpus && cpuset_count(n->cpus)) {
		if (g->cpus)
			return 0;
		g->cpus = cpuset_dup(n->cpus);
		return g->cpus ? 0 : -ENOMEM;
	}
	if (!d->local_cpus)
		return 0;
	if (!g->cpus)
		return (g->cpus = cpuset_dup(d->local_cpus)) ? 0 : -ENOMEM;
	return cpuset_or(&g->cpus, d->local_cpus);
}

static int add_gpu(const struct host *h, const struct topo *t, struct placement *p, size_t device)
{
	const struct pci_device *d = t->devices[device].pci;
	struct placement_group *g = group_for(p, d->numa_node >= 0 ? d->numa_node : UNKNOWN);
	struct placement_gpu *pg = &p->gpus[p->ngpus];
	size_t *gpus;

	if (!g)
		return -ENOMEM;
	*pg = (struct placement_gpu){.device = device, .nic = topo_closest_nic(t, device)};
	if (pg->nic >= 0)
		pg->nic_link = topo_pair(t, device, (size_t)pg->nic)->link;
	gpus = reallocarray(g->gpus, g->ngpus + 1, sizeof(*gpus));
	if (!gpus)
		return -ENOMEM;
	g->gpus = gpus;
	g->gpus[g->ngpus++] = p->ngpus++;
	return group_add_cpus(h, g, d);
}

/* Comma-separated indexes of the group's GPUs from one vendor; NULL
 * (and 0) when the group has none. */
static int visible_list(const struct topo *t, const struct placement *p, const struct placement_group *g,
			unsigned vendor, char **ret)
{
	_cleanup_(strbuf_release) struct strbuf sb = {0};
	int r = 0;

	for (size_t i = 0; i < g->ngpus && r >= 0; i++) {
		const struct topo_device *td = &t->devices[p->gpus[g->gpus[i]].device];

		if (td->pci->vendor_id == vendor)
			r = strbuf_printf(&sb, "%s%d", sb.len ? "," : "", td->vendor_index);
	}
	if (r < 0)
		return r;
	if (!sb.len)
		return 0;
	*ret = strbuf_steal(&sb);
	return *ret ? 0 : -ENOMEM;
}

/* The closest RDMA ports of the group's GPUs, each once. */
static int hca_list(const struct topo *t, const struct placement *p, const struct placement_group *g, char **ret)
{
	_cleanup_strv_ char **ports = NULL;

	for (size_t i = 0; i < g->ngpus; i++) {
		int nic = p->gpus[g->gpus[i]].nic;
		const struct topo_device *n = nic >= 0 ? &t->devices[nic] : NULL;

		if (n && n->rdma && !strv_contains(ports, n->port) && strv_extend(&ports, n->port) < 0)
			return -ENOMEM;
	}
	if (!ports)
		return 0;
	*ret = strv_join(ports, ",");
	return *ret ? 0 : -ENOMEM;
}

static int cmp_group(const void *a, const void *b)
{
	unsigned x = (unsigned)((const struct placement_group *)a)->node; /* UNKNOWN sorts last */
	unsigned y = (unsigned)((const struct placement_group *)b)->node;

	return (x > y) - (x < y);
}

static int gpu_groups(const struct host *h, const struct topo *t, struct placement *p)
{
	int r = 0;

	p->gpus = calloc(t->ndevices ? t->ndevices : 1, sizeof(*p->gpus));
	if (!p->gpus)
		return -ENOMEM;
	for (size_t i = 0; i < t->ndevices && r >= 0; i++)
		if (t->devices[i].kind == TOPO_GPU && t->devices[i].vendor_index >= 0)
			r = add_gpu(h, t, p, i);
	if (r < 0 || !p->ngroups)
		return r;
	qsort(p->groups, p->ngroups, sizeof(*p->groups), cmp_group);
	for (size_t i = 0; i < p->ngroups && r >= 0; i++) {
		struct placement_group *g = &p->groups[i];

		r = visible_list(t, p, g, 0x10de, &g->cuda_visible);
		if (r >= 0)
			r = visible_list(t, p, g, 0x1002, &g->hip_visible);
		if (r >= 0)
			r = hca_list(t, p, g, &g->ib_hcas);
	}
	return r;
}

/* No GPU: one instance per node that has CPUs, its memory bound. */
static int node_groups(const struct host *h, struct placement *p)
{
	p->cpu_only = true;
	for (size_t i = 0; i < h->numa.nnodes; i++) {
		const struct numa_node *n = &h->numa.nodes[i];
		struct placement_group *g;

		if (!n->cpus || !cpuset_count(n->cpus))
			continue;
		g = group_for(p, n->id);
		if (!g || !(g->cpus = cpuset_dup(n->cpus)))
			return -ENOMEM;
	}
	return 0;
}

int placement_build(const struct host *h, const struct topo *t, struct placement *ret)
{
	struct placement p = {0};
	int r = gpu_groups(h, t, &p);

	if (r >= 0 && !p.ngpus)
		r = node_groups(h, &p);
	if (r < 0) {
		placement_release(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void placement_release(struct placement *p)
{
	for (size_t i = 0; i < p->ngroups; i++) {
		struct placement_group *g = &p->groups[i];

		free(g->cpus);
		free(g->gpus);
		free(g->cuda_visible);
		free(g->hip_visible);
		free(g->ib_hcas);
	}
	free(p->groups);
	free(p->gpus);
	*p = (struct placement){0};
}
