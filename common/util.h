/* Small helpers shared by every part of rigtune: cleanup attributes,
 * string vectors, a growable string, number parsing. */
#pragma once
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_strv_ _cleanup_(strv_freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p) { free(*(void **)p); }
void closep(int *fd);
struct _IO_FILE;
void fclosep(struct _IO_FILE **f);

/* Steal a pointer: return it and leave NULL behind. */
#define TAKE_PTR(p) ({ __typeof__(p) t_ = (p); (p) = NULL; t_; })
/* Steal a file descriptor: return it and leave -1 behind. */
#define TAKE_FD(fd) ({ int t_ = (fd); (fd) = -1; t_; })

char **strv_free(char **v);
static inline void strv_freep(char ***v) { strv_free(*v); }
size_t strv_length(char *const *v);
int strv_push(char ***v, char *s);           /* takes s; -ENOMEM */
int strv_extend(char ***v, const char *s);   /* copies s */
bool strv_contains(char *const *v, const char *s);
/* Split on any of seps, dropping empty fields. */
int strv_split(const char *s, const char *seps, char ***ret);
char *strv_join(char *const *v, const char *sep);

/* A growable NUL-terminated string; functions return 0 or -ENOMEM. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
int strbuf_add(struct strbuf *sb, const char *s, size_t n);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
char *strbuf_steal(struct strbuf *sb);       /* "" when empty; NULL on OOM */
void strbuf_release(struct strbuf *sb);

char *strstrip(char *s);                     /* in place; returns s past leading space */
bool startswith(const char *s, const char *prefix);
bool endswith(const char *s, const char *suffix);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Push a formatted string; -ENOMEM. */
int strv_pushf(char ***v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whole-string decimal parsing with range checks: -EINVAL, -ERANGE. */
int parse_u64(const char *s, uint64_t *ret);
int parse_s64(const char *s, int64_t *ret);
int parse_int(const char *s, int *ret);
int parse_double(const char *s, double *ret);
int parse_bool(const char *s, bool *ret);    /* 1/0, yes/no, true/false, on/off */

/* write(2) all of s, retrying short writes and EINTR: 0 or -errno. */
int fd_write_all(int fd, const char *s, size_t n);

/* Lowest, median and highest of n doubles spaced stride apart, NANs left
 * out: 0, -ENOENT when every one is NAN (or n is 0), -ENOMEM. */
int doubles_min_median_max(const double *v, size_t n, size_t stride, double *min, double *median,
			   double *max);
