/* CPU sets and the kernel's cpulist ("0-7,16-23") and cpumask
 * ("ffff,00ff00ff") syntaxes, as found in sysfs and /proc/irq. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct cpuset {
	size_t nbits;          /* capacity, a multiple of 64 */
	uint64_t bits[];
};

struct cpuset *cpuset_new(size_t nbits);
struct cpuset *cpuset_dup(const struct cpuset *s);
static inline void cpuset_freep(struct cpuset **s) { free(*s); }
int cpuset_set(struct cpuset **s, unsigned cpu);   /* grows; -ENOMEM */
bool cpuset_isset(const struct cpuset *s, unsigned cpu);
size_t cpuset_count(const struct cpuset *s);
int cpuset_first(const struct cpuset *s);           /* -1 when empty */
int cpuset_next(const struct cpuset *s, int after); /* -1 at the end */
int cpuset_last(const struct cpuset *s);
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);
bool cpuset_intersects(const struct cpuset *a, const struct cpuset *b);
bool cpuset_subset(const struct cpuset *a, const struct cpuset *of);
int cpuset_and(struct cpuset **a, const struct cpuset *b); /* a &= b */
int cpuset_or(struct cpuset **a, const struct cpuset *b);  /* a |= b */

#define cpuset_foreach(cpu, s) \
	for (int cpu = cpuset_first(s); cpu >= 0; cpu = cpuset_next(s, cpu))

/* "0-3,8,10-11" (white space around allowed; "" is empty). -EINVAL on a bad
 * range or a number past 1<<22. */
int cpulist_parse(const char *text, struct cpuset **ret);
/* Comma-separated 32-bit hex words, most significant first. */
int cpumask_parse(const char *text, struct cpuset **ret);
/* Canonical cpulist, "" for an empty set; NULL on OOM. */
char *cpulist_format(const struct cpuset *s);
/* Kernel-style mask with nwords 32-bit words (0: as many as needed). */
char *cpumask_format(const struct cpuset *s, size_t nwords);
