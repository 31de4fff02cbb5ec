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

void xml_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc('?', out);   /* not allowed in XML 1.0 */
			else
				fputc(*s, out);
		}
	}
}

/* A Prometheus label value: backslash, quote and newline escaped. */
void prom_label(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

void prom_header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}
