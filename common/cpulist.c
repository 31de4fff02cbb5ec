/* CPU sets and the kernel's cpulist and cpumask syntaxes (see cpulist.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cpulist.h"
#include "common/util.h"

#define CPU_LIMIT (1u << 22)

struct cpuset *cpuset_new(size_t nbits)
{
	size_t words = (nbits + 63) / 64;
	struct cpuset *s;

	if (words == 0)
		words = 1;
	s = calloc(1, sizeof(*s) + words * sizeof(uint64_t));
	if (s)
		s->nbits = words * 64;
	return s;
}

struct cpuset *cpuset_dup(const struct cpuset *s)
{
	struct cpuset *d = cpuset_new(s->nbits);

	if (d)
		memcpy(d->bits, s->bits, s->nbits / 8);
	return d;
}

static int cpuset_reserve(struct cpuset **s, size_t nbits)
{
	struct cpuset *n;

	if (nbits <= (*s)->nbits)
		return 0;
	/* Doubling: a range set bit by bit ("0-4194303") grows in 17 steps,
	 * not 65,536 copies of an ever larger set. */
	n = cpuset_new(nbits > 2 * (*s)->nbits ? nbits : 2 * (*s)->nbits);
	if (!n)
		return -ENOMEM;
	memcpy(n->bits, (*s)->bits, (*s)->nbits / 8);
	free(*s);
	*s = n;
	return 0;
}

int cpuset_set(struct cpuset **s, unsigned cpu)
{
	if (cpu >= CPU_LIMIT)
		return -ERANGE;
	if (cpuset_reserve(s, (size_t)cpu + 1) < 0)
		return -ENOMEM;
	(*s)->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
	return 0;
}

bool cpuset_isset(const struct cpuset *s, unsigned cpu)
{
	return cpu < s->nbits && (s->bits[cpu / 64] >> (cpu % 64) & 1);
}

size_t cpuset_count(const struct cpuset *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nbits / 64; i++)
		n += (size_t)__builtin_popcountll(s->bits[i]);
	return n;
}

int cpuset_next(const struct cpuset *s, int after)
{
	size_t start = (size_t)(after + 1);

	for (size_t w = start / 64; w < s->nbits / 64; w++) {
		uint64_t bits = s->bits[w];

		if (w == start / 64)
			bits &= ~UINT64_C(0) << (start % 64);
		if (bits)
			return (int)(w * 64 + (size_t)__builtin_ctzll(bits));
	}
	return -1;
}

int cpuset_first(const struct cpuset *s)
{
	return cpuset_next(s, -1);
}

int cpuset_last(const struct cpuset *s)
{
	for (size_t w = s->nbits / 64; w-- > 0;)
		if (s->bits[w])
			return (int)(w * 64 + 63 - (size_t)__builtin_clzll(s->bits[w]));
	return -1;
}

static uint64_t word_of(const struct cpuset *s, size_t w)
{
	return w < s->nbits / 64 ? s->bits[w] : 0;
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	size_t words = (a->nbits > b->nbits ? a->nbits : b->nbits) / 64;

	for (size_t w = 0; w < words; w++)
		if (word_of(a, w) != word_of(b, w))
			return false;
	return true;
}

bool cpuset_intersects(const struct cpuset *a, const struct cpuset *b)
{
	size_t words = (a->nbits < b->nbits ? a->nbits : b->nbits) / 64;

	for (size_t w = 0; w < words; w++)
		if (a->bits[w] & b->bits[w])
			return true;
	return false;
}

bool cpuset_subset(const struct cpuset *a, const struct cpuset *of)
{
	for (size_t w = 0; w < a->nbits / 64; w++)
		if (a->bits[w] & ~word_of(of, w))
			return false;
	return true;
}

int cpuset_and(struct cpuset **a, const struct cpuset *b)
{
	for (size_t w = 0; w < (*a)->nbits / 64; w++)
		(*a)->bits[w] &= word_of(b, w);
	return 0;
}

int cpuset_or(struct cpuset **a, const struct cpuset *b)
{
	if (cpuset_reserve(a, b->nbits) < 0)
		return -ENOMEM;
	for (size_t w = 0; w < b->nbits / 64; w++)
		(*a)->bits[w] |= b->bits[w];
	return 0;
}

static int parse_cpu_number(const char **p, unsigned *ret)
{
	unsigned long v;
	char *end;

	while (isspace((unsigned char)**p))
		(*p)++;
	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v >= CPU_LIMIT)
		return -ERANGE;
	*p = end;
	while (isspace((unsigned char)**p))
		(*p)++;
	*ret = (unsigned)v;
	return 0;
}

/* One cpulist item: "N", "A-B" or "A-B:used/group" (kernel 4.15+). */
static int parse_range(const char **p, struct cpuset **s)
{
	unsigned a, b, used = 0, group = 0;
	int r;

	r = parse_cpu_number(p, &a);
	if (r < 0)
		return r;
	b = a;
	if (**p == '-') {
		(*p)++;
		r = parse_cpu_number(p, &b);
		if (r < 0)
			return r;
		if (b < a)
			return -EINVAL;
	}
	if (**p == ':') {
		(*p)++;
		if (parse_cpu_number(p, &used) < 0 || **p != '/')
			return -EINVAL;
		(*p)++;
		if (parse_cpu_number(p, &group) < 0 || group == 0 || used > group)
			return -EINVAL;
	}
	for (unsigned c = a; c <= b; c++)
		if (!group || (c - a) % group < used)
			if (cpuset_set(s, c) < 0)
				return -ENOMEM;
	return 0;
}

int cpulist_parse(const char *text, struct cpuset **ret)
{
	struct cpuset *s = cpuset_new(64);
	const char *p = text;
	int r;

	if (!s)
		return -ENOMEM;
	while (isspace((unsigned char)*p))
		p++;
	while (*p) {
		r = parse_range(&p, &s);
		if (r < 0) {
			free(s);
			return r;
		}
		if (*p == ',')
			p++;
		else if (*p) {
			free(s);
			return -EINVAL;
		}
	}
	*ret = s;
	return 0;
}

int cpumask_parse(const char *text, struct cpuset **ret)
{
	size_t n = strlen(text), nibble = 0;
	struct cpuset *s;

	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	if (n == 0)
		return -EINVAL;
	s = cpuset_new(n * 4);
	if (!s)
		return -ENOMEM;
	for (size_t i = n; i-- > 0;) {
		char c = text[i];
		int v;

		if (c == ',')
			continue;
		if (!isxdigit((unsigned char)c)) {
			free(s);
			return -EINVAL;
		}
		v = isdigit((unsigned char)c) ? c - '0' : (tolower((unsigned char)c) - 'a' + 10);
		for (int b = 0; b < 4; b++)
			if (v >> b & 1)
				s->bits[(nibble * 4 + (size_t)b) / 64] |= UINT64_C(1) << ((nibble * 4 + (size_t)b) % 64);
		nibble++;
	}
	*ret = s;
	return 0;
}

char *cpulist_format(const struct cpuset *s)
{
	struct strbuf sb = {0};
	int cpu = cpuset_first(s);

	while (cpu >= 0) {
		int end = cpu;

		while (cpuset_isset(s, (unsigned)end + 1))
			end++;
		if (strbuf_printf(&sb, sb.len ? ",%d" : "%d", cpu) < 0 ||
		    (end > cpu && strbuf_printf(&sb, "-%d", end) < 0)) {
			strbuf_release(&sb);
			return NULL;
		}
		cpu = cpuset_next(s, end);
	}
	return strbuf_steal(&sb);
}

char *cpumask_format(const struct cpuset *s, size_t nwords)
{
	struct strbuf sb = {0};
	int last = cpuset_last(s);
	size_t need = last < 0 ? 1 : (size_t)last / 32 + 1;

	if (nwords < need)
		nwords = need;
	for (size_t w = nwords; w-- > 0;) {
		uint32_t v = (uint32_t)(word_of(s, w / 2) >> (w % 2 * 32));

		if (strbuf_printf(&sb, "%08x%s", v, w ? "," : "") < 0) {
			strbuf_release(&sb);
			return NULL;
		}
	}
	return strbuf_steal(&sb);
}
