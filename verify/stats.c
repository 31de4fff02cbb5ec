/* Pure helpers of the verifier: best / median / spread of pass times, and
 * the names of measurement scopes ("host", "node0", "node0->node1"). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "verify/bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int bench_stats_compute(const double *times, size_t n, struct bench_stats *ret)
{
	_cleanup_free_ double *sorted = NULL;
	double sum = 0;

	if (n == 0)
		return -EINVAL;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!(times[i] > 0) || !isfinite(times[i]))
			return -EINVAL;
		sorted[i] = times[i];
		sum += times[i];
	}
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	*ret = (struct bench_stats) {
		.n = n,
		.best = sorted[0],
		.worst = sorted[n - 1],
		.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
		.mean = sum / n,
		.spread = (sorted[n - 1] - sorted[0]) / sorted[0],
	};
	return 0;
}

int bench_scope_name(int cpu_node, int mem_node, char *buf, size_t len)
{
	int n;

	if (cpu_node < 0 && mem_node < 0)
		n = snprintf(buf, len, "host");
	else if (cpu_node < 0 || mem_node < 0)
		return -EINVAL;
	else if (cpu_node == mem_node)
		n = snprintf(buf, len, "node%d", cpu_node);
	else
		n = snprintf(buf, len, "node%d->node%d", cpu_node, mem_node);
	return n < 0 || (size_t)n >= len ? -ENOBUFS : 0;
}

/* "node<N>" at s; returns the end or NULL. */
static const char *parse_node(const char *s, int *id)
{
	char *end;
	long v;

	if (strncmp(s, "node", 4) || s[4] < '0' || s[4] > '9')
		return NULL;
	errno = 0;
	v = strtol(s + 4, &end, 10);
	if (errno || v > 1 << 20)
		return NULL;
	*id = (int)v;
	return end;
}

int bench_scope_parse(const char *name, int *cpu_node, int *mem_node)
{
	const char *p;
	int a, b;

	if (!strcmp(name, "host")) {
		*cpu_node = *mem_node = -1;
		return 0;
	}
	p = parse_node(name, &a);
	if (!p)
		return -EINVAL;
	if (*p == '\0') {
		*cpu_node = *mem_node = a;
		return 0;
	}
	if (strncmp(p, "->", 2))
		return -EINVAL;
	p = parse_node(p + 2, &b);
	if (!p || *p)
		return -EINVAL;
	*cpu_node = a;
	*mem_node = b;
	return 0;
}
