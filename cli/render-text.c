/* Text helpers every renderer shares (see render.h): headings, fields,
 * attention lines, byte sizes, values made safe to print. */
#include <ctype.h>
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

/* A value as printed: white space as one space, other control
 * characters (C0, DEL, C1: escape sequences) and invalid UTF-8 as '?', as
 * escape_text does, cut at VIS_MAX bytes; kernel files, profiles and the
 * journal never reach the terminal raw. */
const char *vis(char *buf, const char *s)
{
	size_t n = 0, len;
	uint32_t cp;

	for (; s && *s && n < VIS_MAX - 8; s += len ? len : 1) {
		unsigned char c = (unsigned char)*s;

		len = utf8_decode(s, &cp);
		if (isspace(c) && n && buf[n - 1] == ' ')
			continue;
		if (isspace(c))
			buf[n++] = ' ';
		else if (!len || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			buf[n++] = '?';
		else
			for (size_t i = 0; i < len; i++)
				buf[n++] = s[i];
	}
	if (s && *s) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}
