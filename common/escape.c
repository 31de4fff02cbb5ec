/* Escaping for JSON, XML/HTML, Prometheus labels and terminal text (see
 * escape.h). Reads no kernel file. */
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"

size_t utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	n = (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (!n)
		return 0;
	c = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;       /* also the NUL of a sequence cut short */
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

#define REPLACEMENT "\xef\xbf\xbd"   /* U+FFFD */

/* Walk s by characters: each valid one is handed to emit, each invalid
 * byte becomes bad. */
#define FOR_EACH_CHAR(s, n, cp)                                                \
	for (const char *p_ = (s); p_ && *p_; p_ += (n) ? (n) : 1)             \
		if (((n) = utf8_decode(p_, &(cp))), 1)

/* Printable ASCII other than '"' and '\\' is written as it is, a run at a
 * time (one fwrite a character was most of `probe --json`'s output time);
 * anything else goes character by character. */
static size_t json_plain_run(const char *s)
{
	size_t n = 0;

	while ((unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x7f && s[n] != '"' && s[n] != '\\')
		n++;
	return n;
}

void escape_json(FILE *out, const char *s)
{
	uint32_t cp;
	size_t n;

	while (s && *s) {
		size_t run = json_plain_run(s);

		if (run) {
			fwrite(s, 1, run, out);
			s += run;
			continue;
		}
		n = utf8_decode(s, &cp);
		if (!n)
			fputs(REPLACEMENT, out);
		else if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (cp == '\r')
			fputs("\\r", out);
		else if (cp < 0x20 || cp == 0x7f)
			fprintf(out, "\\u%04x", (unsigned)cp);
		else
			fwrite(s, 1, n, out);
		s += n ? n : 1;
	}
}

void escape_xml(FILE *out, const char *s)
{
	static const char *const ent[128] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
	};
	uint32_t cp;
	size_t n;

	FOR_EACH_CHAR(s, n, cp) {
		if (!n || (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0xfffe || cp == 0xffff)
			fputs(REPLACEMENT, out);
		else if (cp < 128 && ent[cp])
			fputs(ent[cp], out);
		else
			fwrite(p_, 1, n, out);
	}
}

void escape_prom_label(FILE *out, const char *s)
{
	uint32_t cp;
	size_t n;

	FOR_EACH_CHAR(s, n, cp) {
		if (!n || (cp < 0x20 && cp != '\n') || cp == 0x7f)
			fputs(REPLACEMENT, out);
		else if (cp == '\\' || cp == '"')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", out);
		else
			fwrite(p_, 1, n, out);
	}
}

void escape_text(FILE *out, const char *s)
{
	uint32_t cp;
	size_t n;

	FOR_EACH_CHAR(s, n, cp) {
		if (!n || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fputc('?', out);
		else
			fwrite(p_, 1, n, out);
	}
}

char *escape_dup(void (*escape)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	escape(f, s ? s : "");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
