/* libFuzzer harness for the kernel's CPU set syntaxes (common/cpulist.c):
 * cpulist ("0-7,16-23", node cpulist, isolcpus) and cpumask
 * ("ffff,00ff00ff", cpumap, smp_affinity). Whatever parses must survive
 * the round trip through both formats unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct cpuset *s)
{
	struct cpuset *a = NULL, *b = NULL;
	char *list = cpulist_format(s), *mask = cpumask_format(s, 0);

	if (!list || !mask)
		abort();
	if (cpulist_parse(list, &a) != 0 || !cpuset_equal(s, a))
		abort();
	if (cpumask_parse(mask, &b) != 0 || !cpuset_equal(s, b))
		abort();
	if (cpuset_count(s) && (cpuset_first(s) < 0 || !cpuset_isset(s, (unsigned)cpuset_last(s))))
		abort();
	free(a);
	free(b);
	free(list);
	free(mask);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct cpuset *s = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cpulist_parse(text, &s) == 0) {
		round_trip(s);
		free(s);
		s = NULL;
	}
	if (cpumask_parse(text, &s) == 0) {
		round_trip(s);
		free(s);
	}
	free(text);
	return 0;
}
