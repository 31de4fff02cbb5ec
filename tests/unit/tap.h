/* Minimal TAP producer for rigtune's C unit tests: meson runs them with
 * protocol 'tap' and tests/run counts every "ok"/"not ok" line. */
#pragma once
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline __attribute__((format(printf, 2, 3))) void tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static inline void tap_skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap_n, why);
}

#define tap_is_int(got, want, what)                                          \
	do {                                                                 \
		long long g_ = (got), w_ = (want);                           \
		tap_ok(g_ == w_, "%s (got %lld, want %lld)", what, g_, w_);  \
	} while (0)

#define tap_is_str(got, want, what)                                          \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		tap_ok(g_ && w_ ? !strcmp(g_, w_) : g_ == w_,                \
		       "%s (got '%s', want '%s')", what, g_ ? g_ : "(null)", \
		       w_ ? w_ : "(null)");                                  \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
