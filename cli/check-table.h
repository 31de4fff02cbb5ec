/* The audit's checks as one aligned text table (status, check, expected,
 * actual, source), for `rigtune audit` and `rigtune report --format text`;
 * each describes its look in a struct check_table. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "tune/audit.h"

struct check_table {
	const char *indent;         /* before each line */
	const char *gap;            /* between columns */
	const char *titles[4];      /* check, expected, actual, source */
	int min[3], max[3];         /* widths of check, expected and actual */
	const char *no_actual;      /* what an unknown actual reads as */
	bool subject_as_actual;     /* a finding's subject in the actual column; else it is blank there
				       (the caller prints subject and actual below the row) */
	bool capitals;              /* the status in capitals */
	bool marked_cuts;           /* values escaped (vis), a cut one ends in "..."; else cut short */
	int width[3];               /* set by check_table_measure */
};

/* Size the columns to the checks (their order does not matter); a
 * finding's actual (a check with a subject) takes no width. */
void check_table_measure(struct check_table *t, const struct check *checks, size_t n);
void check_table_header(const struct check_table *t, FILE *out);
/* One check's row; color and reset around the status ("" for none). */
void check_table_row(const struct check_table *t, const struct check *c, const char *color, const char *reset,
		     FILE *out);
