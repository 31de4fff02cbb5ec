/* "Did you mean" for schema keys, sysctl names and sysfs paths (see
 * suggest.h). Reads no files. */
#include <stdint.h>
#include <string.h>

#include "common/suggest.h"

#define SUGGEST_MAX_LEN 64

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[SUGGEST_MAX_LEN + 1], cur[SUGGEST_MAX_LEN + 1];

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}

const char *suggest_closest(const char *word, char *const *names)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; names && names[i]; i++) {
		size_t d = edit_distance(word, names[i]);

		if (d < best_d && d <= strlen(names[i]) / 3) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}
