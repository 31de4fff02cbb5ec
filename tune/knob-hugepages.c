/* [hugepages]: hugetlb pools, per NUMA node through
 * sys/devices/system/node/nodeN/hugepages/hugepages-<N>kB/nr_hugepages
 * (sys/kernel/mm/hugepages/... on a kernel without NUMA). A total is
 * spread evenly over the nodes that have both memory and CPUs, the
 * remainder to the lowest nodes; memory-only nodes (CXL expanders, GPU
 * memory shown as a node) get pages only when named ("1G.node2 = 8").
 * The kernel may give fewer pages than asked: apply reports it.
 * "1G = 50%" asks for that share of each node's memory (MemTotal of
 * nodeN/meminfo, proc/meminfo without NUMA). A plan that would leave a
 * node less than keep_free outside its pools (default max(10 %, 4 GiB))
 * is refused: a pool the kernel fills at boot starves the host. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"
#include "tune/knobs.h"
#include "tune/schema.h"

#define NODE_DIR "sys/devices/system/node"
#define GLOBAL_DIR "sys/kernel/mm/hugepages"
#define GLOBAL_NODE (-1)
#define DEFAULT_KEEP_FREE_PCT 10
#define DEFAULT_KEEP_FREE_MIN (4ULL << 30)

/* What the knob planned for one pool, for the floor check. */
struct planned_pool {
	const struct profile_entry *e;
	int node;               /* GLOBAL_NODE: the pool without NUMA */
	uint64_t kb, pages;
};

/* The state of one plan: the pools asked so far. */
struct hugepages_plan {
	const struct knob_ctx *ctx;
	struct plan *plan;
	struct planned_pool *pools;
	size_t npools;
};

/* How many pages an entry asks for on a node of memory bytes. */
struct amount {
	uint64_t pages;         /* when !percent */
	unsigned percent;
	bool is_percent;
};

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

static uint64_t amount_pages(const struct amount *amt, int64_t memory_bytes, uint64_t kb)
{
	if (!amt->is_percent)
		return amt->pages;
	if (memory_bytes <= 0)
		return 0;
	return (uint64_t)memory_bytes / 100 * amt->percent / (kb * 1024);
}

static int remember_pool(struct hugepages_plan *hp, const struct profile_entry *e, int node, uint64_t kb,
			 uint64_t pages)
{
	struct planned_pool *v = reallocarray(hp->pools, hp->npools + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	hp->pools = v;
	hp->pools[hp->npools++] = (struct planned_pool){.e = e, .node = node, .kb = kb, .pages = pages};
	return 0;
}

/* One action: pages of size kb on node (-1: the global pool). */
static int plan_pool(struct hugepages_plan *hp, const struct profile_entry *e, const char *label, uint64_t kb,
		     int node, uint64_t pages)
{
	_cleanup_free_ char *path = NULL, *target = NULL, *value = xasprintf("%llu", (unsigned long long)pages);
	const struct knob_ctx *ctx = hp->ctx;
	struct plan *plan = hp->plan;
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
	if (r < 0)
		return plan_file_error(plan, e, label, path, r);
	return remember_pool(hp, e, node, kb, pages);
}

/* MemTotal without NUMA: proc/meminfo. */
static int64_t global_memory_bytes(const struct sysroot *sr)
{
	uint64_t kb;

	return sr_read_keyval(sr, "MemTotal", &kb, "proc/meminfo") < 0 ? -1 : (int64_t)(kb * 1024);
}

static int plan_node(struct hugepages_plan *hp, const struct profile_entry *e, const char *label, uint64_t kb,
		     int node, const struct amount *amt)
{
	const struct numa_node *n = host_node(hp->ctx->host, node);
	struct plan *plan = hp->plan;
	char name[32];

	hugepages_size_name(kb, name, sizeof(name));
	if (!hp->ctx->host->numa.from_sysfs || !n)
		return plan_error(plan, e, label, "[hugepages] %s: this host has no NUMA node %d", e->key, node);
	if (n->memory_bytes == 0)
		return plan_error(plan, e, label, "[hugepages] %s: NUMA node %d has no memory", e->key, node);
	if (!pools_have(n->hugepages, n->nhugepages, kb))
		return plan_error(plan, e, label, "[hugepages] %s: NUMA node %d has no %s pool", e->key, node, name);
	return plan_pool(hp, e, label, kb, node, amount_pages(amt, n->memory_bytes, kb));
}

/* A total: spread evenly, or a share of each node's own memory. */
static int plan_total(struct hugepages_plan *hp, const struct profile_entry *e, const char *label, uint64_t kb,
		      const struct amount *amt)
{
	const struct numa_info *numa = &hp->ctx->host->numa;
	struct plan *plan = hp->plan;
	size_t n = 0, k = 0;
	bool any_cpus = false;

	if (!numa->from_sysfs)
		return plan_pool(hp, e, label, kb, GLOBAL_NODE,
				 amount_pages(amt, global_memory_bytes(hp->ctx->sr), kb));
	for (size_t i = 0; i < numa->nnodes; i++)
		any_cpus |= node_for_spreading(&numa->nodes[i]);
	for (size_t i = 0; i < numa->nnodes; i++)
		n += any_cpus ? node_for_spreading(&numa->nodes[i]) : numa->nodes[i].memory_bytes != 0;
	if (n == 0)
		return plan_error(plan, e, label, "[hugepages] %s: no NUMA node has memory", e->key);
	for (size_t i = 0; i < numa->nnodes; i++) {
		const struct numa_node *nd = &numa->nodes[i];
		struct amount share = *amt;
		int r;

		if (any_cpus ? !node_for_spreading(nd) : nd->memory_bytes == 0)
			continue;
		if (!amt->is_percent)
			share.pages = hugepages_share(amt->pages, n, k++);
		r = plan_node(hp, e, label, kb, nd->id, &share);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The kernel command line that reserves the same pages at boot, when
 * memory is not yet fragmented. */
static int set_hints(struct hugepages_plan *hp, size_t first, size_t first_pool, uint64_t kb, int node)
{
	struct plan *plan = hp->plan;
	uint64_t pages = 0;
	char name[32];

	hugepages_size_name(kb, name, sizeof(name));
	for (size_t i = first_pool; i < hp->npools; i++)
		pages += hp->pools[i].pages;
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

static int plan_entry(struct hugepages_plan *hp, const struct profile_entry *e)
{
	_cleanup_free_ char *label = xasprintf("hugepages.%s", e->key), *offered = NULL;
	const struct knob_ctx *ctx = hp->ctx;
	struct plan *plan = hp->plan;
	size_t first = plan->nactions, first_pool = hp->npools;
	struct amount amt = {0};
	uint64_t kb;
	int node, r;

	if (!label)
		return -ENOMEM;
	amt.is_percent = schema_parse_percent(e->value, &amt.percent) == 0;
	if (schema_parse_hugepages_key(e->key, &kb, &node) < 0 ||
	    (!amt.is_percent && schema_parse_count(e->value, &amt.pages) < 0))
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
	r = node >= 0 ? plan_node(hp, e, label, kb, node, &amt) : plan_total(hp, e, label, kb, &amt);
	return r < 0 ? r : set_hints(hp, first, first_pool, kb, node);
}

void hugepages_format_bytes(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= 1ULL << 30)
		snprintf(buf, size, "%.1f GiB", (double)bytes / (1ULL << 30));
	else
		snprintf(buf, size, "%llu MiB", (unsigned long long)(bytes >> 20));
}

uint64_t hugepages_keep_free(const char *keep_free, uint64_t memory_bytes)
{
	uint64_t bytes, floor = memory_bytes / 100 * DEFAULT_KEEP_FREE_PCT;
	unsigned pct;

	if (keep_free && schema_parse_percent(keep_free, &pct) == 0)
		return memory_bytes / 100 * pct;
	if (keep_free && schema_parse_size(keep_free, &bytes) == 0)
		return bytes;
	return floor > DEFAULT_KEEP_FREE_MIN ? floor : DEFAULT_KEEP_FREE_MIN;
}

/* Bytes a node's pools hold once the plan is applied: what the plan asks
 * for, the kernel's current count for the pools it leaves alone. Sets
 * *grown when the plan asks for more than the node has now, *last to the
 * last entry planning there. */
static uint64_t pools_after(const struct hugepages_plan *hp, int node, const struct hugepage_pool *cur,
			    size_t ncur, bool *grown, const struct profile_entry **last)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < ncur; i++) {
		const struct planned_pool *p = NULL;

		for (size_t j = 0; j < hp->npools; j++)
			if (hp->pools[j].node == node && hp->pools[j].kb == cur[i].size_kb)
				p = &hp->pools[j];
		if (p) {
			*grown |= cur[i].total < 0 || p->pages > (uint64_t)cur[i].total;
			*last = p->e;
		}
		bytes += (p ? p->pages : (uint64_t)(cur[i].total > 0 ? cur[i].total : 0)) * cur[i].size_kb * 1024;
	}
	return bytes;
}

static int check_floor(const struct hugepages_plan *hp, int node, int64_t memory, const struct hugepage_pool *cur,
		       size_t ncur)
{
	const struct profile_entry *keep = profile_get(hp->ctx->profile, "hugepages", "keep_free");
	const struct profile_entry *last = NULL;
	char node_name[32], mem_s[32], left_s[32], floor_s[32], pools_s[32];
	uint64_t pools, floor, left;
	bool grown = false;

	if (memory <= 0)
		return 0;
	pools = pools_after(hp, node, cur, ncur, &grown, &last);
	floor = hugepages_keep_free(keep ? keep->value : NULL, (uint64_t)memory);
	left = pools < (uint64_t)memory ? (uint64_t)memory - pools : 0;
	if (!grown || left >= floor)
		return 0;
	snprintf(node_name, sizeof(node_name), node == GLOBAL_NODE ? "the host" : "node%d", node);
	hugepages_format_bytes((uint64_t)memory, mem_s, sizeof(mem_s));
	hugepages_format_bytes(left, left_s, sizeof(left_s));
	hugepages_format_bytes(floor, floor_s, sizeof(floor_s));
	hugepages_format_bytes(pools, pools_s, sizeof(pools_s));
	return plan_error(hp->plan, last, "hugepages.keep_free",
			  "[hugepages] %s = %s: %s would keep %s of its %s outside hugetlb pools "
			  "(%s asked), less than the %s it must keep free (%s)", last->key, last->value,
			  node_name, left_s, mem_s, pools_s, floor_s,
			  keep ? "[hugepages] keep_free" : "max(10 %, 4G); [hugepages] keep_free changes it");
}

/* Refuse a plan that starves a node (or the host, without NUMA). */
static int check_floors(const struct hugepages_plan *hp)
{
	const struct host *h = hp->ctx->host;
	int r = 0;

	if (hp->npools == 0)
		return 0;
	if (!h->numa.from_sysfs)
		return check_floor(hp, GLOBAL_NODE, global_memory_bytes(hp->ctx->sr), h->hugepages.pools,
				   h->hugepages.npools);
	for (size_t i = 0; i < h->numa.nnodes && r >= 0; i++) {
		const struct numa_node *n = &h->numa.nodes[i];

		r = check_floor(hp, n->id, n->memory_bytes, n->hugepages, n->nhugepages);
	}
	return r;
}

/* The mount's page size: the largest pool the profile asks for. */
static int plan_mount(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *mount)
{
	uint64_t best = 0, kb;
	char size[32];
	int node;

	for (const struct profile_entry *e = NULL; (e = profile_next(ctx->profile, "hugepages", e));)
		if (schema_parse_hugepages_key(e->key, &kb, &node) == 0 && kb > best)
			best = kb;
	hugepages_size_name(best, size, sizeof(size));
	return hugepages_mount_plan(ctx, plan, mount, best ? size : NULL);
}

static int plan_hugepages(const struct knob_ctx *ctx, struct plan *plan)
{
	struct hugepages_plan hp = {.ctx = ctx, .plan = plan};
	int r = 0;

	for (const struct profile_entry *e = NULL; r >= 0 && (e = profile_next(ctx->profile, "hugepages", e));)
		if (!strcmp(e->key, "mount"))
			r = plan_mount(ctx, plan, e);
		else if (strcmp(e->key, "keep_free"))
			r = plan_entry(&hp, e);
	if (r >= 0)
		r = check_floors(&hp);
	free(hp.pools);
	return r;
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
	{.name = "keep_free", .type = V_SIZE_SHARE, .doc = "what every node keeps outside the pools, "
	 "\"8G\" or \"15%\" (default max(10 %, 4G)): a plan leaving less is refused"},
	{SCHEMA_TEXT("mount", V_STRING, 200), .doc = "a hugetlbfs mount of the pool's page size there, as "
	 "a systemd mount unit (/dev/hugepages1G -> /etc/systemd/system/dev-hugepages1G.mount)"},
	{SCHEMA_PATTERN("<size>, <size>.node<N>", match_hugepages, V_PAGES), .min = 0,
	 .max = SCHEMA_HUGEPAGES_MAX, .doc = "\"1G = 64\" total pages spread evenly over the nodes with "
	 "memory, \"1G.node1 = 48\" pages on one node; never both for one size; \"1G = 50%\" that share "
	 "of each node's memory"},
	{0},
};

const struct knob knob_hugepages = {
	.section = {.name = "hugepages", .doc = "hugetlb pools", .keys = hugepages_keys,
		    .rule = check_hugepages},
	.order = 20,
	.probes = PROBE_BIT(PROBE_HUGEPAGES) | PROBE_BIT(PROBE_NUMA),
	.plan = plan_hugepages,
};
