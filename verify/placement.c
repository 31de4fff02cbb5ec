/* Which CPUs the verifier's threads run on: N threads spread round robin
 * over the nodes, and within each node over its last-level caches, so that
 * a partial run (--threads) loads every memory controller and every CCD
 * evenly. Pure: works on the caller's topology only. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/util.h"
#include "verify/bench.h"

struct pick {
	size_t index;   /* in the node's cpu list */
	size_t rank;    /* how many CPUs of the same cache come before it */
	int llc;
};

static int cmp_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->llc != y->llc)
		return x->llc < y->llc ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* The node's CPUs in the order threads take them: the first CPU of each
 * cache, then the second of each, and so on. */
static struct pick *node_order(const struct bench_node *nd)
{
	struct pick *p = calloc(nd->ncpus ? nd->ncpus : 1, sizeof(*p));

	if (!p)
		return NULL;
	for (size_t i = 0; i < nd->ncpus; i++) {
		p[i] = (struct pick) { .index = i, .llc = nd->cpus[i].llc };
		for (size_t k = 0; k < i; k++)
			if (nd->cpus[k].llc == nd->cpus[i].llc)
				p[i].rank++;
	}
	qsort(p, nd->ncpus, sizeof(*p), cmp_pick);
	return p;
}

int bench_select_cpus(const struct bench_topology *t, int threads, struct bench_placement *ret)
{
	struct pick **order;
	size_t total = 0, round;
	int n = 0, r = 0;

	for (size_t i = 0; i < t->nnodes; i++)
		total += t->nodes[i].ncpus;
	if (total == 0)
		return -EINVAL;
	if (threads <= 0 || (size_t)threads > total)
		threads = (int)total;
	order = calloc(t->nnodes, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < t->nnodes; i++) {
		order[i] = node_order(&t->nodes[i]);
		if (!order[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (round = 0; n < threads; round++)
		for (size_t i = 0; i < t->nnodes && n < threads; i++) {
			const struct bench_node *nd = &t->nodes[i];

			if (round < nd->ncpus)
				ret[n++] = (struct bench_placement) {
					.cpu = nd->cpus[order[i][round].index].cpu,
					.node = (int)i,
				};
		}
	r = n;
out:
	for (size_t i = 0; i < t->nnodes; i++)
		free(order[i]);
	free(order);
	return r;
}
