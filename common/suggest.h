/* "Did you mean": the closest of a list of names to a misspelt one, by
 * edit distance (insertions, deletions, substitutions). */
#pragma once
#include <stddef.h>

/* Levenshtein distance; SIZE_MAX for strings over 64 bytes. */
size_t edit_distance(const char *a, const char *b);
/* The name of names (NULL-terminated) closest to word, when it is near
 * enough to be a typo: at most 2 edits, and at most a third of its
 * length. NULL when none is. */
const char *suggest_closest(const char *word, char *const *names);
