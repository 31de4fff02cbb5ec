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

/* Keys "2M", "1G.node1": the row of every key that starts with a digit. */
static int match_hugepages(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;
	uint64_t kb;
	int node, r;

	if (*key < '0' || *key > '9')
		return 0;
	r = schema_parse_hugepages_key(key, &kb, &node);
	if (r == 0)
		return 1;
	q = schema_quote(key);
	if (!q)
		return -ENOMEM;
	if (r == -ERANGE)
		return schema_fail(msg, "[hugepages] %s: the page size must be a power of two from 4K to 16G", q);
	if (r == -EDOM)
		return schema_fail(msg, "[hugepages] %s: expected .node<N> after the size, N from 0 to %d",
				   q, SCHEMA_NODE_MAX);
	return schema_fail(msg, "[hugepages] %s: expected a page size such as 2M or 1G, "
			   "optionally followed by .node<N>", q);
}

struct pool {
	uint64_t kb;
	int node;               /* -1: the total */
	size_t idx;             /* entry index */
};

static int pool_cmp(const void *a, const void *b)
{
	const struct pool *x = a, *y = b;

	if (x->kb != y->kb)
		return x->kb < y->kb ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Two entries naming one pool (2M and 2048kB), or a total and per-node
 * counts for one size. Sorted by size then node, so totals come first. */
static int check_hugepages(const struct profile *p, const struct profile_entry **at, char **msg)
{
	_cleanup_free_ struct pool *pools = calloc(p->nentries + 1, sizeof(*pools));
	size_t n = 0;

	if (!pools)
		return -ENOMEM;
	for (size_t i = 0; i < p->nentries; i++)
		if (!strcmp(p->entries[i].section, "hugepages") &&
		    schema_parse_hugepages_key(p->entries[i].key, &pools[n].kb, &pools[n].node) == 0)
			pools[n++].idx = i;
	qsort(pools, n, sizeof(*pools), pool_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct pool *a = &pools[i - 1], *b = &pools[i];
		const struct profile_entry *first, *later;

		if (a->kb != b->kb || (a->node != b->node && a->node != -1))
			continue;
		first = &p->entries[a->idx < b->idx ? a->idx : b->idx];
		later = &p->entries[a->idx < b->idx ? b->idx : a->idx];
		*at = later;
		if (a->node == b->node)
			return schema_fail(msg, "[hugepages] %s: the same pool as %s (%s:%d)", later->key,
				    first->key, first->file, first->line);
		return schema_fail(msg, "[hugepages] %s: %s (%s:%d) sets this size too; give a total or "
			    "per-node counts, not both", later->key, first->key, first->file, first->line);
	}
	return 0;
}

static const struct schema_key hugepages_keys[] = {
	{SCHEMA_PATTERN("<size>, <size>.node<N>", match_hugepages, V_COUNT), .min = 0,
	 .max = SCHEMA_HUGEPAGES_MAX, .doc = "\"1G = 64\" total pages spread evenly over the nodes with "
	 "memory, \"1G.node1 = 48\" pages on one node; never both for one size"},
	{0},
};

const struct knob knob_hugepages = {
	.section = {.name = "hugepages", .doc = "hugetlb pools", .keys = hugepages_keys,
		    .rule = check_hugepages},
	.order = 20,
	.plan_entry = plan_entry,
};
