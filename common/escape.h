/* One escaping function per output format, used by every writer of that
 * format: values come from the kernel, captured trees, profiles and the
 * journal, and may hold any byte. Invalid UTF-8 (a stray byte, an
 * overlong form, a surrogate, a sequence cut short) becomes U+FFFD in
 * JSON, XML/HTML and Prometheus, '?' on a terminal. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (1-4) and its code point, or 0
 * when s does not start one. */
size_t utf8_decode(const char *s, uint32_t *cp);

/* A JSON string's content (no quotes). */
void escape_json(FILE *out, const char *s);
/* XML 1.0 and HTML text and attribute values: & < > " ' as entities;
 * characters XML 1.0 does not allow (C0 controls but tab and newline)
 * as U+FFFD. */
void escape_xml(FILE *out, const char *s);
/* A Prometheus label value: \ " and newline escaped, other controls as
 * U+FFFD. */
void escape_prom_label(FILE *out, const char *s);
/* Text for a terminal: C0 and C1 controls (newline and tab too) and DEL
 * (escape sequences) and invalid UTF-8 as '?'. */
void escape_text(FILE *out, const char *s);
/* What escape writes for s, as a new string (s NULL: ""; NULL on OOM). */
char *escape_dup(void (*escape)(FILE *, const char *), const char *s);
