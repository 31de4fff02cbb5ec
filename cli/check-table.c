/* The audit's checks as one aligned text table (see check-table.h). */
#include <string.h>

#include "cli/check-table.h"
#include "cli/render.h"
#include "cli/report.h"
#include "common/escape.h"
#include "common/util.h"

/* A finding's subject stands in the actual column where the table shows
 * it there (the report), and takes no room where it does not (audit). */
static const char *field(const struct check_table *t, const struct check *c, int column)
{
	if (column == 2 && c->subject)
		return t->subject_as_actual ? c->subject : NULL;
	return column == 0 ? c->id : column == 1 ? c->expected : c->actual;
}

void check_table_measure(struct check_table *t, const struct check *checks, size_t n)
{
	for (int col = 0; col < 3; col++) {
		t->width[col] = t->min[col];
		for (size_t i = 0; i < n; i++) {
			const char *s = field(t, &checks[i], col);
			int len = s ? (int)strlen(s) : 1;

			len = len < t->max[col] ? len : t->max[col];
			t->width[col] = len > t->width[col] ? len : t->width[col];
		}
	}
}

void check_table_header(const struct check_table *t, FILE *out)
{
	fprintf(out, "%s%-5s", t->indent, "");
	for (int col = 0; col < 3; col++)
		fprintf(out, "%s%-*s", t->gap, t->width[col], t->titles[col]);
	fprintf(out, "%s%s\n", t->gap, t->titles[3]);
}

static void cell(const struct check_table *t, const char *raw, const char *none, int width, FILE *out)
{
	_cleanup_free_ char *e = NULL;
	char v[VIS_MAX];
	const char *s = raw ? raw : none;

	if (t->marked_cuts && raw)
		s = vis(v, raw);
	else if (raw && (e = escape_dup(escape_text, raw)))
		s = e;
	if (t->marked_cuts && (int)strlen(s) > width && width >= 4)
		fprintf(out, "%.*s...", width - 3, s);
	else
		fprintf(out, "%-*.*s", width, t->marked_cuts ? (int)strlen(s) : width, s);
}

void check_table_row(const struct check_table *t, const struct check *c, const char *color, const char *reset,
		     FILE *out)
{
	_cleanup_free_ char *e = NULL;
	char status[8], src[256];

	snprintf(status, sizeof(status), "%s", check_status_name(c->status));
	for (char *p = status; t->capitals && *p; p++)
		*p = (char)(*p - 'a' + 'A');
	fprintf(out, "%s%s%-5s%s", t->indent, color, status, reset);
	fprintf(out, "%s", t->gap);
	cell(t, c->id, "-", t->width[0], out);
	fprintf(out, "%s", t->gap);
	cell(t, c->expected, "-", t->width[1], out);
	fprintf(out, "%s", t->gap);
	if (c->subject)
		cell(t, t->subject_as_actual ? c->subject : "", "", t->width[2], out);
	else
		cell(t, c->actual, t->no_actual, t->width[2], out);
	report_source(c, src, sizeof(src));
	if (!t->marked_cuts && (e = escape_dup(escape_text, src)))
		snprintf(src, sizeof(src), "%s", e);
	fprintf(out, "%s%s\n", t->gap, src);
}
