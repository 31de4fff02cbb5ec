/* Profiles: INI files read through inih with our own line reader (inih
 * r55 gives its handler no line number, and splits long lines silently),
 * includes merged first, every line checked against tune/schema.c. Reads
 * the profile files only, and refuses what is not a small regular text
 * file before reading it. Never prints. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "config.h"
#include "tune/profile.h"
#include "tune/schema.h"

#define PROFILE_SIZE_MAX (1024 * 1024)
/* All files of one profile together, includes too: many 1 MiB includes
 * must not add up to an unbounded read. */
#define PROFILE_TOTAL_MAX (4 * 1024 * 1024)
#define INCLUDE_DEPTH_MAX 16

struct file_id {
	dev_t dev;
	ino_t ino;
};

/* Where an include is written: its file and line. */
struct site {
	const char *file;
	int line;
};

struct loader {
	bool check_owner;
	const struct profile_search *search;
	char **dirs;                    /* the search path, found when a name
					   is first looked for (a profile given
					   by path, with no include, needs none) */
	struct profile *p;
	size_t entries_cap;
	size_t *index, index_cap;       /* (section, key) hash -> entry + 1 */
	struct profile_error *err;
	const char *stack[INCLUDE_DEPTH_MAX + 1];       /* files being read */
	struct file_id stack_id[INCLUDE_DEPTH_MAX + 1];
	int depth;
	struct file_id *done;           /* files read, merged at most once */
	size_t ndone;
	size_t total;                   /* bytes read so far, all files */
};

/* One file being parsed. Its own settings wait in own[] until its
 * includes are merged, so that this file wins over them. */
struct parse {
	struct loader *l;
	const char *path;
	const char *data;
	size_t size, pos;
	int line;
	int error;                      /* first failure, -errno */
	struct profile_entry *own;
	size_t nown, own_cap;
	char *description;
	bool description_set;
};

static int load_file(struct loader *l, const char *path, int fd, const struct stat *st,
		     const struct site *from);

/* ---- errors ---- */

/* Record the first error (at file:line, line 0 for the file itself),
 * taking msg. Returns r, or -ENOMEM when msg is NULL. */
static int fail_take(struct loader *l, int r, const char *file, int line, char *msg)
{
	struct profile_error *e = l->err;

	if (!msg)
		return -ENOMEM;
	if (e->message) {
		free(msg);
		return r;
	}
	e->file = strdup(file);
	if (!e->file) {
		free(msg);
		return -ENOMEM;
	}
	e->line = line;
	e->message = msg;
	return r;
}

__attribute__((format(printf, 5, 6)))
static int fail_at(struct loader *l, int r, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	return fail_take(l, r, file, line, n < 0 ? NULL : msg);
}

/* A problem with a file as a whole: at the include that names it, or
 * about the file itself (line 0) when it is the top-level one. */
__attribute__((format(printf, 5, 6)))
static int fail_file(struct loader *l, int r, const char *path, const struct site *from,
		     const char *fmt, ...)
{
	va_list ap;
	char *what;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (!from)
		return fail_take(l, r, path, 0, what);
	r = fail_at(l, r, from->file, from->line, "%s: %s", path, what);
	free(what);
	return r;
}

/* ---- merged settings: entries in first-seen order, a hash on top ---- */

static size_t entry_hash(const char *section, const char *key)
{
	size_t h = 14695981039346656037ULL;

	for (const char *s = section; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ '[') * 1099511628211ULL;
	for (const char *s = key; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of (section, key), or of the empty slot where it would go. */
static size_t index_slot(const struct loader *l, const char *section, const char *key)
{
	size_t mask = l->index_cap - 1, i = entry_hash(section, key) & mask;

	for (;; i = (i + 1) & mask) {
		const struct profile_entry *e;

		if (!l->index[i])
			return i;
		e = &l->p->entries[l->index[i] - 1];
		if (!strcmp(e->section, section) && !strcmp(e->key, key))
			return i;
	}
}

static int index_grow(struct loader *l)
{
	size_t cap = l->index_cap ? l->index_cap * 2 : 64;
	size_t *old = l->index, old_cap = l->index_cap;

	l->index = calloc(cap, sizeof(size_t));
	if (!l->index) {
		l->index = old;
		return -ENOMEM;
	}
	l->index_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i]) {
			const struct profile_entry *e = &l->p->entries[old[i] - 1];

			l->index[index_slot(l, e->section, e->key)] = old[i];
		}
	free(old);
	return 0;
}

/* Merge one setting, taking its strings; a NULL value unsets (an empty
 * value in the file). Later wins; the first position is kept. */
static int entry_merge(struct loader *l, struct profile_entry *src)
{
	struct profile *p = l->p;
	size_t slot;

	if (2 * (p->nentries + 1) > l->index_cap && index_grow(l) < 0)
		return -ENOMEM;
	slot = index_slot(l, src->section, src->key);
	if (l->index[slot]) {
		struct profile_entry *e = &p->entries[l->index[slot] - 1];

		free(src->section);
		free(src->key);
		free(e->value);
		e->value = src->value;
		e->file = src->file;
		e->line = src->line;
		return 0;
	}
	if (p->nentries == l->entries_cap) {
		size_t cap = l->entries_cap ? l->entries_cap * 2 : 16;
		struct profile_entry *n = realloc(p->entries, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->entries = n;
		l->entries_cap = cap;
	}
	p->entries[p->nentries++] = *src;
	l->index[slot] = p->nentries;
	return 0;
}

static void entry_release(struct profile_entry *e)
{
	free(e->section);
	free(e->key);
	free(e->value);
}

/* Drop the settings an empty value unset. */
static void entries_compact(struct profile *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nentries; i++) {
		if (p->entries[i].value)
			p->entries[n++] = p->entries[i];
		else
			entry_release(&p->entries[i]);
	}
	p->nentries = n;
}

/* ---- the line reader handed to inih ---- */

/* Length of the UTF-8 sequence at s (n bytes available), 0 when it is not
 * valid: no overlong forms, surrogates, or code points past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 :
		     s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

__attribute__((format(printf, 3, 4)))
static void parse_fail(struct parse *ps, int r, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	ps->error = fail_take(ps->l, r, ps->path, ps->line, n < 0 ? NULL : msg);
}

/* NUL bytes, bad UTF-8, control characters (tab aside), overlong lines. */
static bool line_valid(struct parse *ps, const char *s, size_t len, int bufsize)
{
	const char *nul = memchr(s, '\0', len);

	if (nul) {
		parse_fail(ps, -EINVAL, "NUL byte at column %zu", (size_t)(nul - s) + 1);
		return false;
	}
	for (size_t i = 0, n; i < len; i += n) {
		unsigned char c = (unsigned char)s[i];

		n = utf8_seq((const unsigned char *)s + i, len - i);
		if (n == 0) {
			parse_fail(ps, -EINVAL, "invalid UTF-8 (byte 0x%02x) at column %zu", c, i + 1);
			return false;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			parse_fail(ps, -EINVAL, "control character 0x%02x at column %zu", c, i + 1);
			return false;
		}
	}
	/* inih needs room for "\r\n\0"; it would split a longer line in two */
	if (len + 3 > (size_t)bufsize) {
		parse_fail(ps, -EINVAL, "line is %zu bytes long, longer than the %d bytes inih reads",
			   len, bufsize - 3);
		return false;
	}
	return true;
}

/* inih's find_chars_or_comment(): the first of chars, or of an inline
 * comment (';' after white space). */
static char *find_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = *s == ' ' || *s == '\t';
		s++;
	}
	return s;
}

/* "[name]" with nothing but a comment after it, and a known name. */
static bool header_valid(struct parse *ps, char *s)
{
	char *end = find_or_comment(s + 1, "]"), *rest = end + 1;

	if (*end != ']') {
		parse_fail(ps, -EINVAL, "'[' without a closing ']'");
		return false;
	}
	rest += strspn(rest, " \t");
	if (*rest && *rest != ';') {
		parse_fail(ps, -EINVAL, "text after the section header [%.*s]; one setting per line",
			   (int)(end - s - 1), s + 1);
		return false;
	}
	*end = '\0';
	if (!schema_section_known(s + 1)) {
		char hint[256];

		parse_fail(ps, -EINVAL, "unknown section [%.50s] (valid: %s)", s + 1,
			   schema_sections_hint(hint, sizeof(hint)));
		return false;
	}
	*end = ']';
	return true;
}

/* "key = value": inih splits at the first '=' or ':', and sysfs paths
 * hold ':' (0000:1a:00.0), so ':' in the key travels as \1 (never in a
 * valid line) and the handler turns it back. */
static bool setting_valid(struct parse *ps, char *s)
{
	char *eq = find_or_comment(s, "=");

	if (*eq != '=') {
		parse_fail(ps, -EINVAL, "expected 'key = value'%s",
			   strchr(s, ':') ? " (':' does not separate a key from its value)" : "");
		return false;
	}
	for (char *c = s; c < eq; c++)
		if (*c == ':')
			*c = '\1';
	return true;
}

/* inih's reader: one line per call, as fgets would give it, after our
 * checks. Leading white space is dropped, so inih never takes an indented
 * line for the continuation of the previous value. */
static char *read_line(char *buf, int bufsize, void *user)
{
	struct parse *ps = user;
	const char *s = ps->data + ps->pos, *nl;
	size_t len, skip;

	if (ps->error || ps->pos >= ps->size)
		return NULL;
	nl = memchr(s, '\n', ps->size - ps->pos);
	len = nl ? (size_t)(nl - s) : ps->size - ps->pos;
	ps->pos += len + (nl != NULL);
	ps->line++;
	if (len && s[len - 1] == '\r')
		len--;
	if (ps->line == 1 && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3, len -= 3;
	if (!line_valid(ps, s, len, bufsize))
		return NULL;
	skip = strspn(s, " \t");
	skip = skip > len ? len : skip;
	memcpy(buf, s + skip, len - skip);
	buf[len - skip] = '\0';
	if (!*buf || *buf == ';' || *buf == '#')
		return buf;
	if (*buf == '[' ? !header_valid(ps, buf) : !setting_valid(ps, buf))
		return NULL;
	return buf;
}

/* ---- the handler: check, then keep or include ---- */

static int own_push(struct parse *ps, const char *section, char *key, const char *value)
{
	struct profile_entry e = {.section = strdup(section), .key = key,
				  .value = *value ? strdup(value) : NULL,
				  .file = (char *)ps->path, .line = ps->line};

	if (!e.section || (*value && !e.value))
		goto oom;
	if (ps->nown == ps->own_cap) {
		size_t cap = ps->own_cap ? ps->own_cap * 2 : 16;
		struct profile_entry *n = realloc(ps->own, cap * sizeof(*n));

		if (!n)
			goto oom;
		ps->own = n;
		ps->own_cap = cap;
	}
	ps->own[ps->nown++] = e;
	return 0;
oom:
	entry_release(&e);
	return -ENOMEM;
}

static int description_set(struct parse *ps, const char *value)
{
	char *d = *value ? strdup(value) : NULL;

	if (*value && !d)
		return -ENOMEM;
	free(ps->description);
	ps->description = d;
	ps->description_set = true;
	return 0;
}

static int include_one(struct parse *ps, const char *name);

static int include_all(struct parse *ps, const char *value)
{
	_cleanup_strv_ char **names = NULL;
	int r = schema_split_list(value, &names);

	for (size_t i = 0; r >= 0 && names[i]; i++)
		r = include_one(ps, names[i]);
	return r;
}

/* Check one setting and keep it (taking key), include, or describe. */
static int setting_take(struct parse *ps, const char *section, char *key, const char *value)
{
	char *msg = NULL;
	int r;

	if (!*section)
		r = fail_at(ps->l, -EINVAL, ps->path, ps->line,
			    "'%.64s' comes before any [section]", key);
	else if ((r = schema_check_key(section, key, &msg)) < 0 ||
		 (*value && (r = schema_check_value(section, key, value, &msg)) < 0))
		r = fail_take(ps->l, r, ps->path, ps->line, msg);
	else if (strcmp(section, "profile"))
		return own_push(ps, section, key, value);
	else if (!strcmp(key, "include"))
		r = include_all(ps, value);
	else
		r = description_set(ps, value);
	free(key);
	return r;
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	char *key = strdup(name);
	int r = -ENOMEM;

	if (key) {
		for (char *c = key; *c; c++)
			if (*c == '\1')
				*c = ':';
		r = setting_take(ps, section, key, value);
	}
	if (r < 0 && !ps->error)
		ps->error = r;
	return r >= 0;
}

/* ---- finding, opening and reading files ---- */

/* dir/name, or name alone when dir is "" */
static char *path_join(const char *dir, const char *name)
{
	return *dir ? xasprintf("%s%s%s", dir, endswith(dir, "/") ? "" : "/", name) : strdup(name);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup("");
	return slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
}

/* Directories to look in for a name without a directory part, or a
 * relative include: the including file's directory (for an include),
 * then the search path. */
static int search_dirs(const struct profile_search *search, char ***ret);

static int where_to_look(struct loader *l, const char *includer, char ***ret)
{
	_cleanup_strv_ char **dirs = calloc(1, sizeof(char *));
	int r;

	if (!dirs)
		return -ENOMEM;
	if (!l->dirs && (r = search_dirs(l->search, &l->dirs)) < 0)
		return r;
	/* A bare name on the command line is looked up in the profile
	 * directories only, never in the current directory (where anyone
	 * may have put a file, or a directory, of that name); an include
	 * is looked up next to its includer first. */
	r = includer ? strv_push(&dirs, dir_of(includer)) : 0;
	for (size_t i = 0; r == 0 && l->dirs[i]; i++)
		if (!strv_contains(dirs, l->dirs[i]))
			r = strv_extend(&dirs, l->dirs[i]);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(dirs);
	return 0;
}

static int not_found(struct loader *l, const char *name, char *const *dirs, const struct site *from)
{
	struct strbuf sb = {0};
	int r = 0;

	for (size_t i = 0; dirs && dirs[i] && r >= 0; i++)
		r = strbuf_printf(&sb, "%s%s", i ? ", " : " (looked in ", *dirs[i] ? dirs[i] : ".");
	if (r >= 0 && dirs)
		r = strbuf_puts(&sb, ")");
	if (r >= 0 && from)
		r = fail_at(l, -ENOENT, from->file, from->line, "include '%s' not found%s", name,
			    sb.buf ? sb.buf : "");
	else if (r >= 0)
		r = fail_at(l, -ENOENT, name, 0, "no such profile%s", sb.buf ? sb.buf : "");
	strbuf_release(&sb);
	return r;
}

/* 1: path exists (what it is, open_checked() tells), 0: it does not. */
static int exists(struct loader *l, const char *path, const struct site *from)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return fail_file(l, -errno, path, from, "%s", strerror(errno));
}

/* The file a name stands for: an absolute name, or a top-level one with
 * a '/', is itself; others are looked for in where_to_look(), each
 * directory tried with the name as given, then with ".ini" added. */
static int profile_find(struct loader *l, const char *name, const struct site *from, char **ret)
{
	_cleanup_strv_ char **dirs = NULL;
	bool add_ini = !endswith(name, ".ini");
	int r;

	if (!*name)
		return not_found(l, name, NULL, from);
	if (name[0] == '/' || (!from && strchr(name, '/'))) {
		r = exists(l, name, from);
		if (r == 0)
			return not_found(l, name, NULL, from);
		return r < 0 ? r : (*ret = strdup(name)) ? 0 : -ENOMEM;
	}
	r = where_to_look(l, from ? from->file : NULL, &dirs);
	for (size_t i = 0; r >= 0 && dirs[i]; i++)
		for (int ini = 0; ini <= add_ini; ini++) {
			_cleanup_free_ char *base = ini ? xasprintf("%s.ini", name) : strdup(name);
			_cleanup_free_ char *path = base ? path_join(dirs[i], base) : NULL;

			if (!path)
				return -ENOMEM;
			r = exists(l, path, from);
			if (r != 0) {
				if (r > 0)
					*ret = TAKE_PTR(path);
				return r < 0 ? r : 0;
			}
		}
	return r < 0 ? r : not_found(l, name, dirs, from);
}

static const char *file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" : S_ISCHR(mode) ?
	       "a character device" : S_ISBLK(mode) ? "a block device" : S_ISSOCK(mode) ?
	       "a socket" : "not a regular file";
}

/* As sshd's StrictModes: root's file in a directory only root can change. */
static int owner_check(struct loader *l, const char *path, const struct stat *st,
		       const struct site *from)
{
	_cleanup_free_ char *real = NULL, *dir = NULL;
	struct stat dst;

	if (st->st_uid != 0)
		return fail_file(l, -EPERM, path, from, "is owned by uid %u, not root; refusing "
				 "(chown root)", (unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return fail_file(l, -EPERM, path, from,
				 "is writable by group/others; refusing (chmod go-w)");
	real = realpath(path, NULL);
	dir = real ? dir_of(real) : NULL;
	if (!dir)
		return real ? -ENOMEM : fail_file(l, -errno, path, from, "%s", strerror(errno));
	/* Every directory up to "/": whoever can rename one of them can
	 * put another file in the profile's place. */
	for (;;) {
		char *up;

		if (stat(dir, &dst) < 0)
			return fail_file(l, -errno, path, from, "%s: %s", dir, strerror(errno));
		if (dst.st_uid != 0)
			return fail_file(l, -EPERM, path, from, "its directory %s is owned by uid %u, not "
					 "root; refusing", dir, (unsigned)dst.st_uid);
		if ((dst.st_mode & (S_IWGRP | S_IWOTH)) && !(dst.st_mode & S_ISVTX))
			return fail_file(l, -EPERM, path, from, "its directory %s is writable by "
					 "group/others; refusing (chmod go-w %s)", dir, dir);
		if (!strcmp(dir, "/"))
			return 0;
		up = dir_of(dir);
		if (!up)
			return -ENOMEM;
		free(dir);
		dir = up;
	}
}

/* Open a profile for reading, refusing what is not a regular file before
 * opening it (opening a device can have effects) and again after (it may
 * have been swapped); fills st from the open file. */
static int open_checked(struct loader *l, const char *path, const struct site *from, int *ret_fd,
			struct stat *st)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (stat(path, st) < 0)
		return fail_file(l, -errno, path, from, "%s", strerror(errno));
	if (!S_ISREG(st->st_mode))
		return fail_file(l, -EINVAL, path, from, "is %s, not a regular file; refusing to "
				 "read it", file_kind(st->st_mode));
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fail_file(l, -errno, path, from, "%s", strerror(errno));
	if (fstat(fd, st) < 0)
		return fail_file(l, -errno, path, from, "%s", strerror(errno));
	if (!S_ISREG(st->st_mode))
		return fail_file(l, -EINVAL, path, from, "is %s, not a regular file; refusing to "
				 "read it", file_kind(st->st_mode));
	if (st->st_size > PROFILE_SIZE_MAX)
		return fail_file(l, -EINVAL, path, from, "is larger than 1 MiB; refusing to read it");
	if (l->check_owner && (r = owner_check(l, path, st, from)) < 0)
		return r;
	*ret_fd = fd;
	fd = -1;
	return 0;
}

/* The whole file, NUL-terminated; -EFBIG past 1 MiB (files in /proc
 * report a size of 0, so the limit holds while reading too). */
static int read_all(int fd, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > PROFILE_SIZE_MAX)
				return -EFBIG;
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > PROFILE_SIZE_MAX)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_size = len;
	return 0;
}

/* ---- one file, and its includes ---- */

static bool same_file(struct file_id a, const struct stat *st)
{
	return a.dev == st->st_dev && a.ino == st->st_ino;
}

static int include_loop(struct loader *l, const char *path, int from_depth, const struct site *from)
{
	struct strbuf chain = {0};
	int r = 0;

	for (int i = from_depth; i < l->depth && r >= 0; i++)
		r = strbuf_printf(&chain, "%s -> ", l->stack[i]);
	if (r >= 0)
		r = fail_at(l, -ELOOP, from->file, from->line, "include loop: %s%s", chain.buf, path);
	strbuf_release(&chain);
	return r;
}

static int include_one(struct parse *ps, const char *name)
{
	struct loader *l = ps->l;
	const struct site from = {ps->path, ps->line};
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int fd, r;

	r = profile_find(l, name, &from, &path);
	if (r < 0)
		return r;
	r = open_checked(l, path, &from, &fd, &st);
	if (r < 0)
		return r;
	for (int i = 0; i < l->depth; i++)
		if (same_file(l->stack_id[i], &st)) {
			close(fd);
			return include_loop(l, path, i, &from);
		}
	for (size_t i = 0; i < l->ndone; i++)
		if (same_file(l->done[i], &st)) {
			close(fd);
			return 0;       /* merged already */
		}
	if (l->depth > INCLUDE_DEPTH_MAX) {
		close(fd);
		return fail_at(l, -ELOOP, from.file, from.line, "includes nested deeper than %d",
			       INCLUDE_DEPTH_MAX);
	}
	return load_file(l, path, fd, &st, &from);
}

/* The file's own settings over what its includes merged. */
static int merge_own(struct loader *l, struct parse *ps)
{
	for (size_t i = 0; i < ps->nown; i++) {
		int r = entry_merge(l, &ps->own[i]);

		if (r < 0)
			return r;
		memset(&ps->own[i], 0, sizeof(ps->own[i]));
	}
	if (ps->description_set) {
		free(l->p->description);
		l->p->description = TAKE_PTR(ps->description);
	}
	return 0;
}

static void parse_release(struct parse *ps)
{
	for (size_t i = 0; i < ps->nown; i++)
		entry_release(&ps->own[i]);
	free(ps->own);
	free(ps->description);
}

/* Note the file as read and on the include stack; ps->path points into
 * p->files, which the entries borrow. */
static int file_enter(struct loader *l, struct parse *ps, const char *path, const struct stat *st)
{
	/* room for every file on the stack to move to done[] */
	struct file_id *d = realloc(l->done, (l->ndone + (size_t)l->depth + 1) * sizeof(*d));

	if (!d)
		return -ENOMEM;
	l->done = d;
	if (strv_extend(&l->p->files, path) < 0)
		return -ENOMEM;
	ps->path = l->p->files[strv_length(l->p->files) - 1];
	l->stack[l->depth] = ps->path;
	l->stack_id[l->depth] = (struct file_id){st->st_dev, st->st_ino};
	l->depth++;
	return 0;
}

static void file_leave(struct loader *l)
{
	l->done[l->ndone++] = l->stack_id[--l->depth];
}

/* Read, parse (including what it includes, depth first) and merge one
 * file; takes fd. */
static int load_file(struct loader *l, const char *path, int fd, const struct stat *st,
		     const struct site *from)
{
	_cleanup_free_ char *data = NULL;
	struct parse ps = {.l = l};
	int r;

	r = read_all(fd, &data, &ps.size);
	close(fd);
	if (r == -EFBIG)
		return fail_file(l, -EINVAL, path, from, "is larger than 1 MiB; refusing to read it");
	if (r < 0)
		return r == -ENOMEM ? r : fail_file(l, r, path, from, "%s", strerror(-r));
	l->total += ps.size;
	if (l->total > PROFILE_TOTAL_MAX)
		return fail_file(l, -EINVAL, path, from, "brings the profile and its includes past 4 MiB "
				 "together; refusing to read it");
	r = file_enter(l, &ps, path, st);
	if (r < 0)
		return r;
	ps.data = data;
	r = ini_parse_stream(read_line, &ps, on_setting, &ps);
	file_leave(l);
	if (ps.error)
		r = ps.error;
	else if (r > 0)     /* inih saw what read_line let through */
		r = fail_at(l, -EINVAL, ps.path, r, "syntax error");
	else if (r < 0)
		r = -ENOMEM;
	else
		r = merge_own(l, &ps);
	parse_release(&ps);
	return r;
}

/* ---- the API ---- */

/* The source tree's profiles/ when this binary runs from its meson build
 * directory (BUILD/cli/rigtune, BUILD/meson-info/meson-info.json naming
 * the source), or NULL: found at run time, so that no build-tree path is
 * compiled into an installed binary. */
static char *source_profiledir(void)
{
	_cleanup_free_ char *exe = NULL, *info = NULL, *text = NULL;
	const char *key = "\"source\": \"", *at, *end;
	char *dir, *slash;
	size_t len = 0;
	struct stat st;
	FILE *f;

	exe = realpath("/proc/self/exe", NULL);
	for (int up = 0; exe && up < 2; up++)
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
	info = exe ? xasprintf("%s/meson-info/meson-info.json", exe) : NULL;
	f = info ? fopen(info, "re") : NULL;
	if (!f)
		return NULL;
	if (getdelim(&text, &len, '\0', f) < 0)
		free(TAKE_PTR(text));
	fclose(f);
	at = text ? strstr(text, key) : NULL;
	end = at ? strchr(at + strlen(key), '"') : NULL;
	if (!end || memchr(at, '\\', (size_t)(end - at)))
		return NULL;
	at += strlen(key);
	dir = xasprintf("%.*s/profiles", (int)(end - at), at);
	if (dir && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		free(TAKE_PTR(dir));
	return dir;
}

/* search->dirs; else $RIGTUNE_PROFILE_PATH (colon-separated, for tests and
 * private setups); else SYSCONF_PROFILEDIR then the shipped directory:
 * PROFILEDIR once installed, the source tree's profiles/ when running
 * from a build directory. */
static int search_dirs(const struct profile_search *search, char ***ret)
{
	const char *env = secure_getenv("RIGTUNE_PROFILE_PATH");
	char **dirs = calloc(1, sizeof(char *));
	int r = dirs ? 0 : -ENOMEM;

	if (r == 0 && search && search->dirs)
		for (size_t i = 0; r == 0 && search->dirs[i]; i++)
			r = strv_extend(&dirs, search->dirs[i]);
	else if (r == 0 && env)
		/* An empty element is the current directory, as in $PATH:
		 * asked for, never implied. */
		for (const char *p = env; r == 0; p += strcspn(p, ":") + 1) {
			r = strv_push(&dirs, strndup(p, strcspn(p, ":")));
			if (!p[strcspn(p, ":")])
				break;
		}
	else if (r == 0) {
		_cleanup_free_ char *src = source_profiledir();

		r = strv_extend(&dirs, SYSCONF_PROFILEDIR);
		if (r == 0)
			r = strv_extend(&dirs, src ? src : PROFILEDIR);
	}
	if (r < 0) {
		strv_free(dirs);
		return r;
	}
	*ret = dirs;
	return 0;
}

static int profile_finish(struct loader *l, const char *path)
{
	struct profile *p = l->p;
	const struct profile_entry *at = NULL;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *msg = NULL;
	int r;

	entries_compact(p);
	r = schema_check_profile(p, &at, &msg);
	if (r < 0)
		return at ? fail_take(l, r, at->file, at->line, msg) : r;
	p->path = strdup(path);
	p->name = endswith(base, ".ini") ? strndup(base, strlen(base) - 4) : strdup(base);
	return p->path && p->name ? 0 : -ENOMEM;
}

int profile_load(const char *name_or_path, const struct profile_search *search,
		 struct profile **ret, struct profile_error *err)
{
	struct profile_error unused = {0};
	struct loader l = {.err = err ? err : &unused, .check_owner = search && search->check_owner,
			   .search = search};
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int fd, r;

	*l.err = (struct profile_error){0};
	l.p = calloc(1, sizeof(*l.p));
	r = l.p ? profile_find(&l, name_or_path, NULL, &path) : -ENOMEM;
	if (r == 0)
		r = open_checked(&l, path, NULL, &fd, &st);
	if (r == 0)
		r = load_file(&l, path, fd, &st, NULL);
	if (r == 0)
		r = profile_finish(&l, path);
	strv_free(l.dirs);
	free(l.index);
	free(l.done);
	profile_error_release(&unused);
	if (r < 0) {
		profile_free(l.p);
		return r;
	}
	*ret = l.p;
	return 0;
}

struct profile *profile_free(struct profile *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->nentries; i++)
		entry_release(&p->entries[i]);  /* file points into p->files */
	free(p->entries);
	free(p->path);
	free(p->name);
	free(p->description);
	strv_free(p->files);
	free(p);
	return NULL;
}

void profile_error_release(struct profile_error *err)
{
	if (!err)
		return;
	free(err->file);
	free(err->message);
	*err = (struct profile_error){0};
}

const struct profile_entry *profile_next(const struct profile *p, const char *section,
					 const struct profile_entry *after)
{
	size_t i = after ? (size_t)(after - p->entries) + 1 : 0;

	for (; i < p->nentries; i++)
		if (!strcmp(p->entries[i].section, section))
			return &p->entries[i];
	return NULL;
}

const struct profile_entry *profile_get(const struct profile *p, const char *section,
					const char *key)
{
	for (const struct profile_entry *e = NULL; (e = profile_next(p, section, e));)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.ini regular files of one directory, sorted, appended to v. */
static int list_dir(const char *dir, char ***v)
{
	_cleanup_free_ char *real = realpath(dir, NULL);
	_cleanup_strv_ char **names = calloc(1, sizeof(char *));
	DIR *d = real ? opendir(real) : NULL;
	struct dirent *de;
	int r = names ? 0 : -ENOMEM;

	if (!d)
		return r;       /* a missing directory lists nothing */
	while (r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (de->d_name[0] == '.' || !endswith(de->d_name, ".ini"))
			continue;
		path = path_join(real, de->d_name);
		if (!path)
			r = -ENOMEM;
		else if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			r = strv_push(&names, TAKE_PTR(path));
	}
	closedir(d);
	if (r < 0)
		return r;
	qsort(names, strv_length(names), sizeof(char *), name_cmp);
	for (size_t i = 0; r == 0 && names[i]; i++)
		r = strv_extend(v, names[i]);
	return r;
}

int profile_list(const struct profile_search *search, char ***ret)
{
	_cleanup_strv_ char **dirs = NULL;
	char **v = calloc(1, sizeof(char *));
	int r = v ? search_dirs(search, &dirs) : -ENOMEM;

	for (size_t i = 0; r == 0 && dirs[i]; i++)
		r = list_dir(dirs[i], &v);
	if (r < 0) {
		strv_free(v);
		return r;
	}
	*ret = v;
	return 0;
}
