/* What every report format says the same way: a check's section, the
 * verdict, a check's source; and the escaping the XML, HTML and
 * Prometheus formats share (see report.h). */
#include <stdio.h>
#include <string.h>

#include "cli/report.h"

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
