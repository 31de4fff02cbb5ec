/* [hugepages]: hugetlb pools, per NUMA node through
 * sys/devices/system/node/nodeN/hugepages/hugepages-<N>kB/nr_hugepages
 * (sys/kernel/mm/hugepages/... on a kernel without NUMA). A total is
 * spread evenly over the nodes that have both memory and CPUs, the
 * remainder to the lowest nodes; memory-only nodes (CXL expanders, GPU
 * memory shown as a node) get pages only when named ("1G.node2 = 8").
 * The kernel may give fewer pages than asked: apply reports it. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/knobs.h"
#include "tune/schema.h"

#define NODE_DIR "sys/devices/system/node"
#define GLOBAL_DIR "sys/kernel/mm/hugepages"

uint64_t hugepages_share(uint64_t total, size_t nnodes, size_t index)
{
	if (nnodes == 0)
		return 0;
	return total / nnodes + (index < total % nnodes);
}

void hugepages_size_name(uint64_t kb, char *buf, size_t size)
{
	if (kb >= 1024 * 1024 && kb % (1024 * 1024) == 0)
		snprintf(buf, size, "%lluG", (unsigned long long)(kb / (1024 * 1024)));
	else if (kb >= 1024 && kb % 1024 == 0)
		snprintf(buf, size, "%lluM", (unsigned long long)(kb / 1024));
	else
		snprintf(buf, size, "%lluK", (unsigned long long)kb);
}

static bool pools_have(const struct hugepage_pool *pools, size_t n, uint64_t kb)
{
	for (size_t i = 0; i < n; i++)
		if (pools[i].size_kb == kb)
			return true;
	return false;
}

/* Sizes this kernel offers, for messages: "2M, 1G". */
static char *offered_sizes(const struct host *h)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < h->hugepages.npools; i++) {
		char name[32];

		hugepages_size_name(h->hugepages.pools[i].size_kb, name, sizeof(name));
		if (strbuf_printf(&sb, "%s%s", i ? ", " : "", name) < 0) {
			strbuf_release(&sb);
			return NULL;
		}
	}
	return strbuf_steal(&sb);
}

static bool size_offered(const struct host *h, uint64_t kb)
{
	if (pools_have(h->hugepages.pools, h->hugepages.npools, kb))
		return true;
	for (size_t i = 0; i < h->numa.nnodes; i++)
		if (pools_have(h->numa.nodes[i].hugepages, h->numa.nodes[i].nhugepages, kb))
			return true;
	return false;
}

static bool node_for_spreading(const struct numa_node *n)
{
	return n->memory_bytes != 0 && n->cpus && cpuset_count(n->cpus) > 0;
}

/* One action: pages of size kb on node (-1: the global pool). */
static int plan_pool(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
		     const char *label, uint64_t kb, int node, uint64_t pages)
{
	_cleanup_free_ char *path = NULL, *target = NULL, *value = xasprintf("%llu", (unsigned long long)pages);
	struct action *a;
	int r;

	if (node >= 0) {
		path = xasprintf(NODE_DIR "/node%d/hugepages/hugepages-%llukB/nr_hugepages", node,
				 (unsigned long long)kb);
		target = xasprintf("node%d", node);
	} else {
		path = xasprintf(GLOBAL_DIR "/hugepages-%llukB/nr_hugepages", (unsigned long long)kb);
	}
	if (!value || !path || (node >= 0 && !target))
		return -ENOMEM;
	a = plan_add(plan, e, label, target);
	if (!a)
		return -ENOMEM;
	a->may_fall_short = true;
	r = plan_set_file(ctx, a, path, value);
	return r < 0 ? plan_file_error(plan, e, label, path, r) : 0;
}

static int plan_node(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
		     const char *label, uint64_t kb, int node, uint64_t pages)
{
	const struct numa_node *n = host_node(ctx->host, node);
	char name[32];

	hugepages_size_name(kb, name, sizeof(name));
	if (!ctx->host->numa.from_sysfs || !n)
		return plan_error(plan, e, label, "[hugepages] %s: this host has no NUMA node %d", e->key, node);
	if (n->memory_bytes == 0)
		return plan_error(plan, e, label, "[hugepages] %s: NUMA node %d has no memory", e->key, node);
	if (!pools_have(n->hugepages, n->nhugepages, kb))
		return plan_error(plan, e, label, "[hugepages] %s: NUMA node %d has no %s pool", e->key, node, name);
	return plan_pool(ctx, plan, e, label, kb, node, pages);
}

static int plan_total(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
		      const char *label, uint64_t kb, uint64_t total)
{
	const struct numa_info *numa = &ctx->host->numa;
	size_t n = 0, k = 0;
	bool any_cpus = false;

	if (!numa->from_sysfs)
		return plan_pool(ctx, plan, e, label, kb, -1, total);
	for (size_t i = 0; i < numa->nnodes; i++)
		any_cpus |= node_for_spreading(&numa->nodes[i]);
	for (size_t i = 0; i < numa->nnodes; i++)
		n += any_cpus ? node_for_spreading(&numa->nodes[i]) : numa->nodes[i].memory_bytes != 0;
	if (n == 0)
		return plan_error(plan, e, label, "[hugepages] %s: no NUMA node has memory", e->key);
	for (size_t i = 0; i < numa->nnodes; i++) {
		const struct numa_node *nd = &numa->nodes[i];
		int r;

		if (any_cpus ? !node_for_spreading(nd) : nd->memory_bytes == 0)
			continue;
		r = plan_node(ctx, plan, e, label, kb, nd->id, hugepages_share(total, n, k++));
		if (r < 0)
			return r;
	}
	return 0;
}

/* The kernel command line that reserves the same pages at boot, when
 * memory is not yet fragmented. */
static int set_hints(struct plan *plan, size_t first, uint64_t kb, int node, uint64_t pages)
{
	char name[32];

	hugepages_size_name(kb, name, sizeof(name));
	for (size_t i = first; i < plan->nactions; i++) {
		int r = node >= 0 ? action_set_hint(&plan->actions[i], "hugepagesz=%s hugepages=%d:%llu on the "
						    "kernel command line (Linux 5.19+)", name, node,
						    (unsigned long long)pages)
				  : action_set_hint(&plan->actions[i], "hugepagesz=%s hugepages=%llu on the "
						    "kernel command line", name, (unsigned long long)pages);
		if (r < 0)
			return r;
	}
	return 0;
}

static int plan_entry(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e)
{
	_cleanup_free_ char *label = xasprintf("hugepages.%s", e->key), *offered = NULL;
	size_t first = plan->nactions;
	uint64_t kb, pages;
	int node, r;

	if (!label)
		return -ENOMEM;
	if (schema_parse_hugepages_key(e->key, &kb, &node) < 0 || schema_parse_count(e->value, &pages) < 0)
		return plan_error(plan, e, label, "[hugepages] %s = %s: not a page size and a count", e->key,
				  e->value);
	if (!size_offered(ctx->host, kb)) {
		char name[32];

		hugepages_size_name(kb, name, sizeof(name));
		offered = offered_sizes(ctx->host);
		if (!offered)
			return -ENOMEM;
		return plan_error(plan, e, label, "[hugepages] %s: this kernel does not offer %s pages (%s%s)",
				  e->key, name, *offered ? "it offers " : "no hugetlb pools at all",
				  offered);
	}
	r = node >= 0 ? plan_node(ctx, plan, e, label, kb, node, pages) : plan_total(ctx, plan, e, label, kb, pages);
	return r < 0 ? r : set_hints(plan, first, kb, node, pages);
}

int hugepages_knob_plan(const struct knob_ctx *ctx, struct plan *plan)
{
	for (const struct profile_entry *e = NULL; (e = profile_next(ctx->profile, "hugepages", e));) {
		int r = plan_entry(ctx, plan, e);

		if (r < 0)
			return r;
	}
	return 0;
}
