/* What every report format says the same way: a check's section, the
 * verdict, a check's source; and the escaping the XML, HTML and
 * Prometheus formats share (see report.h). */
#include <stdio.h>
#include <string.h>

#include "cli/report.h"
#include "common/escape.h"
#include "common/util.h"

const char *report_section(const struct check *c, char *buf, size_t size)
{
	size_t n = strcspn(c->id, ".");

	snprintf(buf, size, "%.*s", (int)n, c->id);
	return buf;
}

const char *report_verdict(const struct report *r)
{
	return r->audit->counts[CHECK_ERROR] ? "ERROR" : r->audit->counts[CHECK_FAIL] ? "FAIL" : "PASS";
}

const char *report_source(const struct check *c, char *buf, size_t size)
{
	const char *base;

	if (!c->file) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	base = strrchr(c->file, '/') ? strrchr(c->file, '/') + 1 : c->file;
	snprintf(buf, size, "%s:%d", base, c->line);
	return buf;
}

void prom_header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

const char *T(struct tstr *t, const char *s)
{
	char *e = s ? escape_dup(escape_text, s) : NULL;

	if (!e || t->n == ARRAY_SIZE(t->s)) {
		free(e);
		return s ? "?" : "";
	}
	return t->s[t->n++] = e;
}

void tstr_release(struct tstr *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	t->n = 0;
}
