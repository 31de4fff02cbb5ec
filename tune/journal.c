/* The journal of original values (see journal.h): its line format, and
 * its file SYSROOT/run/rigtune/journal, written next to itself and
 * renamed into place so that a crash leaves either the old or the new
 * journal, never half of one. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/durable.h"
#include "common/util.h"
#include "tune/journal.h"

#define JOURNAL_MAGIC "rigtune-journal"

struct journal *journal_new(const char *boot_id, const char *profile)
{
	struct journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->boot_id = strdup(boot_id ? boot_id : "");
	j->profile = strdup(profile ? profile : "");
	if (!j->boot_id || !j->profile)
		return journal_free(j);
	return j;
}

struct journal *journal_free(struct journal *j)
{
	if (!j)
		return NULL;
	for (size_t i = 0; i < j->nentries; i++) {
		free(j->entries[i].label);
		free(j->entries[i].path);
		free(j->entries[i].original);
	}
	free(j->entries);
	free(j->by_path);
	free(j->boot_id);
	free(j->profile);
	free(j);
	return NULL;
}

static size_t path_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;   /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of path in j->by_path: its entry's, or the free one it would take. */
static size_t *path_slot(const struct journal *j, const char *path)
{
	size_t mask = j->nslots - 1;

	for (size_t i = path_hash(path) & mask;; i = (i + 1) & mask) {
		size_t *slot = &j->by_path[i];

		if (!*slot || !strcmp(j->entries[*slot - 1].path, path))
			return slot;
	}
}

/* Keep the table at most half full, so that a lookup is O(1) and a
 * journal of 80,000 entries loads in linear time. */
static int grow_index(struct journal *j)
{
	size_t n = j->nslots ? j->nslots * 2 : 64;
	size_t *old = j->by_path;

	if (j->nslots && 2 * (j->nentries + 1) <= j->nslots)
		return 0;
	j->by_path = calloc(n, sizeof(size_t));
	if (!j->by_path) {
		j->by_path = old;
		return -ENOMEM;
	}
	j->nslots = n;
	for (size_t i = 0; i < j->nentries; i++)
		*path_slot(j, j->entries[i].path) = i + 1;
	free(old);
	return 0;
}

const struct journal_entry *journal_find(const struct journal *j, const char *path)
{
	size_t *slot;

	if (!j->nslots)
		return NULL;
	slot = path_slot(j, path);
	return *slot ? &j->entries[*slot - 1] : NULL;
}

int journal_add(struct journal *j, const char *label, const char *path, const char *original)
{
	struct journal_entry *v, *e;

	if (journal_find(j, path))
		return 0;
	if (grow_index(j) < 0)
		return -ENOMEM;
	if (!(j->nentries & (j->nentries + 1))) {   /* doubling at 2^k - 1 */
		v = reallocarray(j->entries, 2 * j->nentries + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		j->entries = v;
	}
	v = j->entries;
	e = &v[j->nentries];
	e->label = strdup(label);
	e->path = strdup(path);
	e->original = strdup(original);
	if (!e->label || !e->path || !e->original) {
		free(e->label);
		free(e->path);
		free(e->original);
		return -ENOMEM;
	}
	*path_slot(j, e->path) = ++j->nentries;
	return 1;
}

/* ---- text ---- */

static bool plain_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '\\' && c != '"';
}

char *journal_escape(const char *s)
{
	struct strbuf sb = {0};
	int r = 0;

	if (!*s)
		return strdup("\"\"");
	for (; *s && r >= 0; s++)
		r = plain_byte((unsigned char)*s) ? strbuf_add(&sb, s, 1)
						  : strbuf_printf(&sb, "\\x%02x", (unsigned char)*s);
	if (r < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_steal(&sb);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int journal_unescape(const char *field, char **ret)
{
	struct strbuf sb = {0};

	if (!strcmp(field, "\"\"")) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	if (!*field)
		return -EINVAL;
	for (const char *p = field; *p; p++) {
		char c = *p;

		if (c == '\\') {
			int hi = p[1] == 'x' ? hex_digit(p[2]) : -1, lo = hi >= 0 ? hex_digit(p[3]) : -1;

			if (lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			c = (char)(hi << 4 | lo);
			p += 3;
		} else if (!plain_byte((unsigned char)c)) {
			goto bad;
		}
		if (strbuf_add(&sb, &c, 1) < 0) {
			strbuf_release(&sb);
			return -ENOMEM;
		}
	}
	*ret = strbuf_steal(&sb);
	return *ret ? 0 : -ENOMEM;
bad:
	strbuf_release(&sb);
	return -EINVAL;
}

static int add_fields(struct strbuf *sb, const char *word, const char *const *fields, size_t n)
{
	int r = strbuf_puts(sb, word);

	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *f = journal_escape(fields[i]);

		r = f ? strbuf_printf(sb, " %s", f) : -ENOMEM;
	}
	return r < 0 ? r : strbuf_puts(sb, "\n");
}

int journal_format(const struct journal *j, char **ret)
{
	struct strbuf sb = {0};
	int r = strbuf_printf(&sb, "%s %d\n", JOURNAL_MAGIC, JOURNAL_VERSION);

	if (r >= 0)
		r = add_fields(&sb, "boot", (const char *const[]){j->boot_id}, 1);
	if (r >= 0)
		r = add_fields(&sb, "profile", (const char *const[]){j->profile}, 1);
	for (size_t i = 0; i < j->nentries && r >= 0; i++) {
		const struct journal_entry *e = &j->entries[i];

		r = add_fields(&sb, "set", (const char *const[]){e->label, e->path, e->original}, 3);
	}
	if (r >= 0)
		r = strbuf_printf(&sb, "end %zu\n", j->nentries);
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	*ret = strbuf_steal(&sb);
	return *ret ? 0 : -ENOMEM;
}

/* The files each setting writes (the knobs in tune/knob-*.c). A [sysfs]
 * entry's label is its path. */
bool journal_entry_matches(const char *label, const char *path)
{
	static const struct { const char *knob, *under; } trees[] = {
		{"thp.", "sys/kernel/mm/transparent_hugepage/"},
		{"hugepages.", "sys/kernel/mm/hugepages/"},
		{"hugepages.", "sys/devices/system/node/"},
		{"cpu.", "sys/devices/system/cpu/"},
		{"irq.", "proc/irq/"},
	};
	const char *rest;

	if (strstr(path, "/../") || startswith(path, "../") || startswith(path, "/"))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(trees); i++)
		if (startswith(label, trees[i].knob) && startswith(path, trees[i].under) &&
		    (strcmp(trees[i].knob, "hugepages.") || strstr(path, "/hugepages/")))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(trees); i++)
		if (startswith(label, trees[i].knob))
			return false;
	if (startswith(label, "sysctl.")) {
		const char *p = path + strlen("proc/sys/");

		rest = label + strlen("sysctl.");
		if (!startswith(path, "proc/sys/") || strlen(p) != strlen(rest))
			return false;
		for (; *rest; rest++, p++)
			if (*p != (*rest == '.' ? '/' : *rest))
				return false;
		return true;
	}
	/* [sysfs]: the label is the path, or a glob each match was journaled
	 * under (one component per '*', as the plan expanded it). */
	label += strspn(label, "/");
	return startswith(label, "sys/") && fnmatch(label, path, FNM_PATHNAME | FNM_PERIOD) == 0;
}

/* One line's fields, unescaped; the record word is fields[0]. */
static int split_record(const char *line, char ***ret)
{
	_cleanup_strv_ char **raw = NULL, **out = NULL;
	int r;

	if (!*line || strstr(line, "  ") || line[0] == ' ' || line[strlen(line) - 1] == ' ')
		return -EINVAL;
	r = strv_split(line, " ", &raw);
	if (r < 0)
		return r;
	out = calloc(strv_length(raw) + 1, sizeof(char *));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; raw[i]; i++) {
		r = i == 0 ? ((out[0] = strdup(raw[0])) ? 0 : -ENOMEM) : journal_unescape(raw[i], &out[i]);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* Apply one record to j; *ended is set by "end". -EINVAL when malformed. */
static int parse_record(struct journal *j, char **f, int lineno, bool *ended)
{
	size_t n = strv_length(f);
	uint64_t count;

	if (*ended)
		return -EINVAL;
	if (lineno == 1)
		return n == 2 && !strcmp(f[0], JOURNAL_MAGIC) && !strcmp(f[1], "1") ? 0 : -EINVAL;
	if (lineno == 2 && n == 2 && !strcmp(f[0], "boot"))
		return (j->boot_id = strdup(f[1])) ? 0 : -ENOMEM;
	if (lineno == 3 && n == 2 && !strcmp(f[0], "profile"))
		return (j->profile = strdup(f[1])) ? 0 : -ENOMEM;
	if (lineno > 3 && n == 4 && !strcmp(f[0], "set"))
		return journal_add(j, f[1], f[2], f[3]) == 1 ? 0 : -EINVAL;
	if (lineno > 3 && n == 2 && !strcmp(f[0], "end") && parse_u64(f[1], &count) == 0 &&
	    count == j->nentries) {
		*ended = true;
		return 0;
	}
	return -EINVAL;
}

int journal_parse(const char *text, struct journal **ret, int *bad_line)
{
	_cleanup_(journal_freep) struct journal *j = calloc(1, sizeof(*j));
	bool ended = false;
	int lineno = 0, r = 0;

	if (!j)
		return -ENOMEM;
	for (const char *p = text; *p && r >= 0;) {
		const char *nl = strchr(p, '\n');
		_cleanup_free_ char *line = nl ? strndup(p, (size_t)(nl - p)) : NULL;
		_cleanup_strv_ char **f = NULL;

		lineno++;
		if (!nl)
			r = -EINVAL;    /* a last line without its newline: cut short */
		else if (!line)
			return -ENOMEM;
		if (r >= 0)
			r = split_record(line, &f);
		if (r >= 0)
			r = parse_record(j, f, lineno, &ended);
		p = nl ? nl + 1 : p + strlen(p);
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !ended) {
		*bad_line = r < 0 ? lineno : lineno + 1;
		return -EBADMSG;
	}
	*ret = TAKE_PTR(j);
	return 0;
}

/* ---- files ---- */

char *tune_boot_id(const struct sysroot *sr)
{
	char *id = NULL;

	if (sr_read_string(sr, &id, "proc/sys/kernel/random/boot_id") < 0)
		return strdup("");
	return id;
}

char *journal_display_path(const struct sysroot *sr)
{
	if (sr->live)
		return strdup("/" JOURNAL_DIR "/" JOURNAL_NAME);
	return xasprintf("%s%s" JOURNAL_DIR "/" JOURNAL_NAME, sr->root, endswith(sr->root, "/") ? "" : "/");
}

int tune_state_dir_open(const struct sysroot *sr, const char *dir, int *ret_fd)
{
	return sr_dir_open_creating(sr, dir, ret_fd);
}

/* Trusted only as a profile is: owned by us (root on a host), writable by
 * no one else. */
static int owned_by_us(int fd, bool file)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (file && !S_ISREG(st.st_mode))
		return -EPERM;
	return st.st_uid == geteuid() && !(st.st_mode & (S_IWGRP | S_IWOTH)) ? 0 : -EPERM;
}

int journal_load(const struct sysroot *sr, struct journal **ret, int *bad_line)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	size_t len;
	int r;

	*bad_line = 0;
	dfd = sr_open(sr, O_PATH | O_DIRECTORY, JOURNAL_DIR);
	if (dfd < 0)
		return dfd == -ENOTDIR ? -EPERM : dfd;
	fd = sr_open(sr, O_RDONLY | O_NONBLOCK, JOURNAL_DIR "/" JOURNAL_NAME);
	if (fd < 0)
		return fd;
	r = owned_by_us(dfd, false);
	if (r == 0)
		r = owned_by_us(fd, true);
	if (r < 0)
		return r;
	r = sr_read_file(sr, &text, &len, JOURNAL_DIR "/" JOURNAL_NAME);
	if (r < 0)
		return r == -EFBIG ? -EBADMSG : r;
	if (strlen(text) != len)
		return -EBADMSG;       /* NUL bytes */
	return journal_parse(text, ret, bad_line);
}

int journal_save(const struct sysroot *sr, const struct journal *j)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	int r;

	r = journal_format(j, &text);
	if (r < 0)
		return r;
	r = tune_state_dir_open(sr, JOURNAL_DIR, &dfd);
	if (r < 0)
		return r;
	/* A new file, never one that is there: a FIFO would block, a hard
	 * link would carry the journal elsewhere. One left by a killed run
	 * (or planted) is unlinked first, which touches only the name. */
	fd = openat(dfd, JOURNAL_NAME ".tmp", flags, 0644);
	if (fd < 0 && errno == EEXIST && unlinkat(dfd, JOURNAL_NAME ".tmp", 0) == 0)
		fd = openat(dfd, JOURNAL_NAME ".tmp", flags, 0644);
	if (fd < 0)
		return -errno;
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);   /* no spurious EAGAIN */
	r = fd_write_all(fd, text, strlen(text));
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r == 0 && renameat(dfd, JOURNAL_NAME ".tmp", dfd, JOURNAL_NAME) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dfd, JOURNAL_NAME ".tmp", 0);
	return r;
}

int journal_remove(const struct sysroot *sr)
{
	_cleanup_close_ int dfd = sr_open(sr, O_RDONLY | O_DIRECTORY, JOURNAL_DIR);

	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	if (unlinkat(dfd, JOURNAL_NAME, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}
