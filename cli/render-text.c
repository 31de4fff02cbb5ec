/* Text helpers every renderer shares (see render.h): headings, fields,
 * attention lines, byte sizes. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cli/render.h"
#include "common/escape.h"
#include "common/util.h"

void text_heading(const struct cli *cli, FILE *out, const char *title)
{
	fprintf(out, cli->color ? "\n\033[1m%s\033[0m\n" : "\n%s\n", title);
}

/* Text fields carry kernel and tree strings: escape sequences in them
 * never reach the terminal (escape_text). */
static void text_vprint(FILE *out, const char *fmt, va_list ap)
{
	_cleanup_free_ char *s = NULL;

	if (vasprintf(&s, fmt, ap) >= 0)
		escape_text(out, s);
}

void text_field(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	fputs("  ", out);
	escape_text(out, label);
	fprintf(out, "%*s", label && strlen(label) < 18 ? (int)(18 - strlen(label)) : 0, "");
	va_start(ap, fmt);
	text_vprint(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

void text_attention(const struct cli *cli, FILE *out, const char *fmt, ...)
{
	va_list ap;

	fputs(cli->color ? "  \033[1;31m! " : "  ! ", out);
	va_start(ap, fmt);
	text_vprint(out, fmt, ap);
	va_end(ap);
	fputs(cli->color ? "\033[0m\n" : "\n", out);
}

void format_bytes(char *buf, size_t size, double bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	size_t u = 0;

	while (bytes >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		bytes /= 1024;
		u++;
	}
	if (u == 0 || fabs(bytes - round(bytes)) < 0.05)
		snprintf(buf, size, "%.0f %s", bytes, units[u]);
	else
		snprintf(buf, size, "%.1f %s", bytes, units[u]);
}
