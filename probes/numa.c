/* NUMA: sys/devices/system/node/nodeN/{cpulist|cpumap, meminfo, distance,
 * hugepages/hugepages-<N>kB/...}. A host without node directories (kernels
 * built without NUMA) is one implicit node holding every CPU and
 * proc/meminfo's memory. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "probes/host.h"

#define NODE_DIR "sys/devices/system/node"

int hugepage_pools_read(const struct sysroot *sr, const char *dir, struct hugepage_pool **ret, size_t *n)
{
	_cleanup_strv_ char **names = NULL;
	struct hugepage_pool *pools;
	size_t count = 0;
	int r;

	r = sr_list(sr, "hugepages-", &names, "%s", dir);
	if (r < 0)
		return r;
	pools = calloc(strv_length(names) + 1, sizeof(*pools));
	if (!pools)
		return -ENOMEM;
	for (size_t i = 0; names[i]; i++) {
		struct hugepage_pool *p = &pools[count];
		const char *name = names[i];

		if (sscanf(name, "hugepages-%lukB", &p->size_kb) != 1)
			continue;
		if (sr_read_s64(sr, &p->total, "%s/%s/nr_hugepages", dir, name) < 0)
			p->total = UNKNOWN;
		if (sr_read_s64(sr, &p->free, "%s/%s/free_hugepages", dir, name) < 0)
			p->free = UNKNOWN;
		if (sr_read_s64(sr, &p->surplus, "%s/%s/surplus_hugepages", dir, name) < 0)
			p->surplus = UNKNOWN;
		if (sr_read_s64(sr, &p->reserved, "%s/%s/resv_hugepages", dir, name) < 0)
			p->reserved = UNKNOWN;
		count++;
	}
	/* Names sort as strings; pools read best smallest first. */
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0 && pools[j].size_kb < pools[j - 1].size_kb; j--) {
			struct hugepage_pool t = pools[j];

			pools[j] = pools[j - 1];
			pools[j - 1] = t;
		}
	*ret = pools;
	*n = count;
	return 0;
}

/* A meminfo figure in bytes; UNKNOWN when absurd (kb * 1024 would
 * overflow: a hand-made tree, never a kernel). */
static int64_t kb_to_bytes(uint64_t kb)
{
	return kb <= (uint64_t)INT64_MAX / 1024 ? (int64_t)(kb * 1024) : UNKNOWN;
}

static int read_distances(const struct sysroot *sr, struct numa_node *node)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_ char **words = NULL;
	size_t n;
	int r;

	if (sr_read_string(sr, &text, NODE_DIR "/node%d/distance", node->id) < 0)
		return 0;
	r = strv_split(text, " \t", &words);
	if (r < 0)
		return r;
	n = strv_length(words);
	node->distances = calloc(n + 1, sizeof(int));
	if (!node->distances)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (parse_int(words[i], &node->distances[i]) < 0) {
			free(node->distances);
			node->distances = NULL;
			return 0;
		}
	node->ndistances = n;
	return 0;
}

static int read_node(const struct sysroot *sr, struct numa_node *node)
{
	uint64_t kb;
	char dir[64];
	int r;

	if (sr_read_cpulist(sr, &node->cpus, NODE_DIR "/node%d/cpulist", node->id) < 0 &&
	    sr_read_cpumask(sr, &node->cpus, NODE_DIR "/node%d/cpumap", node->id) < 0)
		node->cpus = cpuset_new(64);
	if (!node->cpus)
		return -ENOMEM;
	node->memory_bytes = node->memory_free_bytes = UNKNOWN;
	if (sr_read_keyval(sr, "MemTotal", &kb, NODE_DIR "/node%d/meminfo", node->id) == 0)
		node->memory_bytes = kb_to_bytes(kb);
	if (sr_read_keyval(sr, "MemFree", &kb, NODE_DIR "/node%d/meminfo", node->id) == 0)
		node->memory_free_bytes = kb_to_bytes(kb);
	r = read_distances(sr, node);
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), NODE_DIR "/node%d/hugepages", node->id);
	r = hugepage_pools_read(sr, dir, &node->hugepages, &node->nhugepages);
	return r == -ENOMEM ? r : 0;
}

static int node_socket(const struct sysroot *sr, const struct numa_node *node)
{
	int64_t pkg;
	int cpu = cpuset_first(node->cpus);

	if (cpu < 0 || sr_read_s64(sr, &pkg, "sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu) < 0)
		return UNKNOWN;
	return (int)pkg;
}

/* No node directory: one node with every online CPU and all memory. */
static int implicit_node(const struct sysroot *sr, struct host *h)
{
	struct numa_node *node = calloc(1, sizeof(*node));
	uint64_t kb;

	if (!node)
		return -ENOMEM;
	h->numa.nodes = node;
	h->numa.nnodes = 1;
	node->memory_bytes = node->memory_free_bytes = UNKNOWN;
	node->cpus = cpuset_dup(h->cpu.online);
	if (!node->cpus)
		return -ENOMEM;
	node->socket = node_socket(sr, node);
	if (sr_read_keyval(sr, "MemTotal", &kb, "proc/meminfo") == 0)
		node->memory_bytes = kb_to_bytes(kb);
	if (sr_read_keyval(sr, "MemFree", &kb, "proc/meminfo") == 0)
		node->memory_free_bytes = kb_to_bytes(kb);
	return 0;
}

int numa_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	_cleanup_free_ int *ids = NULL;
	size_t n = 0;
	int r;

	r = sr_list_ids(sr, "node", &ids, &n, NODE_DIR);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || n == 0)
		return implicit_node(sr, h);
	h->numa.from_sysfs = true;
	h->numa.nodes = calloc(n, sizeof(*h->numa.nodes));
	if (!h->numa.nodes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		h->numa.nodes[i].id = ids[i];
		h->numa.nnodes = i + 1;
		r = read_node(sr, &h->numa.nodes[i]);
		if (r < 0)
			return r;
		/* An offline CPU runs nothing: a node's CPUs are its online ones. */
		if (cpuset_count(h->cpu.online))
			cpuset_and(&h->numa.nodes[i].cpus, h->cpu.online);
		h->numa.nodes[i].socket = node_socket(sr, &h->numa.nodes[i]);
	}
	/* One node holds all the memory. Its own meminfo can lag behind (memory
	 * initialized lazily, as on this project's VMs: 12.5 of 24 GiB), so
	 * take proc/meminfo's total, as hwloc does. */
	if (n == 1) {
		uint64_t kb;

		if (sr_read_keyval(sr, "MemTotal", &kb, "proc/meminfo") == 0)
			h->numa.nodes[0].memory_bytes = kb_to_bytes(kb);
	}
	return 0;
}

void numa_probe_release(struct host *h)
{
	for (size_t i = 0; i < h->numa.nnodes; i++) {
		free(h->numa.nodes[i].cpus);
		free(h->numa.nodes[i].distances);
		free(h->numa.nodes[i].hugepages);
	}
	free(h->numa.nodes);
}
