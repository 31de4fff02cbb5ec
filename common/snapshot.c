/* rigtune snapshot's capture: resolve each path component by component
 * inside the root, keep symlinks as links, and write a pax/ustar archive
 * through zlib. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "common/snapshot.h"
#include "common/util.h"

#define MAX_LINKS 40
#define MAX_CONTENT (1u << 20)

enum entry_type { ENTRY_FILE = '0', ENTRY_LINK = '2', ENTRY_DIR = '5' };

struct entry {
	char *name;
	enum entry_type type;
	char *data;        /* file content or link target */
	size_t size;
	mode_t mode;       /* permission bits: a read-only knob stays read-only */
};

struct capture {
	const struct sysroot *sr;
	bool include_serials;
	struct entry *entries;
	size_t n, cap;
};

static bool is_private(const char *path)
{
	static const char *const private_paths[] = {
		"proc/self", "proc/thread-self", "proc/sys/kernel/hostname",
		"proc/sys/kernel/domainname", "proc/sys/kernel/keys", "proc/sys/kernel/random",
		"proc/keys", "proc/kcore", "proc/kallsyms",
	};

	if (!startswith(path, "sys/") && !startswith(path, "proc/"))
		return true;
	if (path[5] >= '0' && path[5] <= '9' && startswith(path, "proc/"))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(private_paths); i++)
		if (startswith(path, private_paths[i]))
			return true;
	return false;
}

static int add_entry(struct capture *c, const char *name, enum entry_type type, char *data, size_t size,
		     mode_t mode)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct entry *e = realloc(c->entries, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		c->entries = e;
		c->cap = cap;
	}
	c->entries[c->n] = (struct entry){strdup(name), type, data, size, mode & 07777};
	if (!c->entries[c->n].name)
		return -ENOMEM;
	c->n++;
	return 0;
}

/* Join DIR and a link TARGET into a normalized path relative to the root
 * (".." never climbs above it). */
static char *join_normalized(const char *dir, const char *target, const char *rest)
{
	_cleanup_free_ char *joined = xasprintf("%s/%s/%s", target[0] == '/' ? "" : dir, target, rest ? rest : "");
	_cleanup_strv_ char **parts = NULL, **out = NULL;

	if (!joined || strv_split(joined, "/", &parts) < 0)
		return NULL;
	out = calloc(1, sizeof(char *));
	for (size_t i = 0; out && parts[i]; i++) {
		size_t n = strv_length(out);

		if (!strcmp(parts[i], "."))
			continue;
		if (!strcmp(parts[i], "..")) {
			if (n) {
				free(out[n - 1]);
				out[n - 1] = NULL;
			}
			continue;
		}
		if (strv_extend(&out, parts[i]) < 0)
			return NULL;
	}
	return out ? strv_join(out, "/") : NULL;
}

#define DMI_TABLE "sys/firmware/dmi/tables/DMI"

/* sysfs's copies of the SMBIOS serial numbers and UUID. */
static bool is_serial_file(const char *path)
{
	const char *name = strrchr(path, '/');

	return startswith(path, "sys/class/dmi/id/") && name &&
	       (strstr(name, "serial") || !strcmp(name, "/product_uuid") || strstr(name, "asset_tag"));
}

/* Overwrite string number idx (1-based) of the string set at s..end. */
static void blank_string(char *s, const char *end, unsigned idx)
{
	for (unsigned i = 1; idx && s < end && *s; i++) {
		size_t n = strnlen(s, (size_t)(end - s));

		if (i == idx) {
			memset(s, 'X', n);
			return;
		}
		s += n + 1;
	}
}

/* SMBIOS structures that carry serial numbers, UUIDs and asset tags:
 * their strings become X's of the same length (the table keeps its
 * layout, so memory channels and slots still read), the UUID zeros. */
static void scrub_dmi(char *t, size_t len)
{
	static const struct { uint8_t type, off[2]; } fields[] = {
		{1, {0x07, 0}}, {2, {0x07, 0x08}}, {3, {0x07, 0x08}}, {4, {0x20, 0x21}}, {17, {0x18, 0x19}},
	};
	char *end = t + len;

	for (char *p = t; end - p >= 4 && (uint8_t)p[1] >= 4 && (uint8_t)p[1] <= end - p;) {
		uint8_t type = (uint8_t)p[0], flen = (uint8_t)p[1];
		char *strings = p + flen, *next = strings;

		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			for (int k = 0; k < 2 && fields[i].type == type; k++)
				if (fields[i].off[k] && fields[i].off[k] < flen)
					blank_string(strings, end, (uint8_t)p[fields[i].off[k]]);
		if (type == 1 && flen >= 0x18)
			memset(p + 0x08, 0, 16);
		while (next + 1 < end && (next[0] || next[1]))
			next++;
		if (type == 127 || next + 2 > end)
			break;
		p = next + 2;
	}
}

static int capture_file(struct capture *c, const char *path, mode_t mode)
{
	char *data = NULL;
	size_t len = 0;
	int r;

	if (!c->include_serials && is_serial_file(path))
		return -EPERM;          /* left out, counted as skipped */
	r = sr_read_file(c->sr, &data, &len, "%s", path);
	if (r < 0)
		return r;
	if (len > MAX_CONTENT) {
		free(data);
		return -EFBIG;
	}
	if (!c->include_serials && !strcmp(path, DMI_TABLE))
		scrub_dmi(data, len);
	return add_entry(c, path, ENTRY_FILE, data, len, mode);
}

/* Walk PATH one component at a time: record links, follow them inside the
 * root, and capture what the path finally names. */
static int capture_path(struct capture *c, const char *path, struct snapshot_stats *stats)
{
	_cleanup_free_ char *todo = strdup(path);

	for (int links = 0; todo && links < MAX_LINKS; links++) {
		_cleanup_strv_ char **parts = NULL;
		struct strbuf cur = {0};
		bool followed = false;
		struct stat st;

		if (is_private(todo) || strv_split(todo, "/", &parts) < 0)
			return 0;
		for (size_t i = 0; parts[i] && !followed; i++) {
			if (strbuf_printf(&cur, "%s%s", i ? "/" : "", parts[i]) < 0)
				return -ENOMEM;
			if (fstatat(c->sr->dirfd, cur.buf, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				strbuf_release(&cur);
				stats->skipped++;
				return 0;
			}
			if (S_ISLNK(st.st_mode)) {
				char target[4096];
				ssize_t n = readlinkat(c->sr->dirfd, cur.buf, target, sizeof(target) - 1);
				char *dir = cur.buf, *slash = strrchr(cur.buf, '/');

				if (n < 0)
					break;
				target[n] = '\0';
				if (add_entry(c, cur.buf, ENTRY_LINK, strdup(target), (size_t)n, 0777) < 0)
					return -ENOMEM;
				stats->links++;
				if (slash)
					*slash = '\0';
				else
					dir = "";
				free(todo);
				{
					_cleanup_free_ char *tail = strv_join(parts + i + 1, "/");

					todo = tail ? join_normalized(dir, target, tail) : NULL;
				}
				followed = true;
			}
		}
		if (followed) {
			strbuf_release(&cur);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			stats->dirs++;
			add_entry(c, cur.buf, ENTRY_DIR, NULL, 0, 0755);
		} else if (S_ISREG(st.st_mode)) {
			if (capture_file(c, cur.buf, st.st_mode) == 0)
				stats->files++;
			else
				stats->skipped++;
		}
		strbuf_release(&cur);
		return 0;
	}
	return todo ? 0 : -ENOMEM;
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* A NUL-terminated, zero-padded octal field (values always fit: modes,
 * sizes up to 1 MiB, times). */
static void octal(char *field, size_t size, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%0*lo", (int)size - 1, (unsigned long)v);
	memcpy(field, buf + strlen(buf) - (size - 1), size - 1);
	field[size - 1] = '\0';
}

struct tar_header {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8];
	char typeflag, linkname[100], magic[6], version[2], uname[32], gname[32];
	char devmajor[8], devminor[8], prefix[155], pad[12];
};

static int write_block(gzFile gz, const void *data, size_t size)
{
	static const char zeros[512];
	size_t pad = (512 - size % 512) % 512;

	if (size && gzwrite(gz, data, (unsigned)size) != (int)size)
		return -EIO;
	if (pad && gzwrite(gz, zeros, (unsigned)pad) != (int)pad)
		return -EIO;
	return 0;
}

static int write_header(gzFile gz, const char *name, char type, size_t size, const char *link, mode_t mode,
			time_t mtime)
{
	struct tar_header h;
	unsigned sum = 0;

	memset(&h, 0, sizeof(h));
	strncpy(h.name, name, sizeof(h.name) - 1);
	octal(h.mode, sizeof(h.mode), mode);
	octal(h.uid, sizeof(h.uid), 0);
	octal(h.gid, sizeof(h.gid), 0);
	octal(h.size, sizeof(h.size), size);
	octal(h.mtime, sizeof(h.mtime), (uint64_t)mtime);
	h.typeflag = type;
	if (link)
		strncpy(h.linkname, link, sizeof(h.linkname) - 1);
	memcpy(h.magic, "ustar", 6);
	memcpy(h.version, "00", 2);
	strcpy(h.uname, "root");
	strcpy(h.gname, "root");
	memset(h.chksum, ' ', sizeof(h.chksum));
	for (size_t i = 0; i < sizeof(h); i++)
		sum += ((unsigned char *)&h)[i];
	snprintf(h.chksum, sizeof(h.chksum), "%06o", sum);
	return write_block(gz, &h, sizeof(h));
}

/* A pax record "LEN key=value\n", where LEN counts itself. */
static int pax_record(struct strbuf *sb, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3, len = body + 1;

	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	return strbuf_printf(sb, "%zu %s=%s\n", len, key, value);
}

static int write_entry(gzFile gz, const struct entry *e, time_t mtime)
{
	const char *link = e->type == ENTRY_LINK ? e->data : NULL;
	struct strbuf pax = {0};
	int r = 0;

	if (strlen(e->name) >= 100)
		r = pax_record(&pax, "path", e->name);
	if (r == 0 && link && strlen(link) >= 100)
		r = pax_record(&pax, "linkpath", link);
	if (r == 0 && pax.len) {
		r = write_header(gz, "pax_header", 'x', pax.len, NULL, 0644, mtime);
		if (r == 0)
			r = write_block(gz, pax.buf, pax.len);
	}
	strbuf_release(&pax);
	if (r == 0)
		r = write_header(gz, e->name, (char)e->type, e->type == ENTRY_FILE ? e->size : 0, link, e->mode, mtime);
	if (r == 0 && e->type == ENTRY_FILE)
		r = write_block(gz, e->data, e->size);
	return r;
}

static int write_archive(struct capture *c, const char *output)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmpXXXXXX", output);
	time_t now = time(NULL);
	gzFile gz;
	int fd, r = 0;

	if (!tmp)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	/* The archive is readable by others only when everything in it was. */
	{
		mode_t mode = 0644;

		for (size_t i = 0; i < c->n; i++)
			if (c->entries[i].type == ENTRY_FILE && !(c->entries[i].mode & S_IROTH))
				mode = 0600;
		fchmod(fd, mode);
	}
	gz = gzdopen(fd, "wb9");
	if (!gz) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->n && r == 0; i++)
		if (i == 0 || strcmp(c->entries[i].name, c->entries[i - 1].name))
			r = write_entry(gz, &c->entries[i], now);
	if (r == 0)
		r = write_block(gz, (char[1024]){0}, 1024);
	if (gzclose(gz) != Z_OK && r == 0)
		r = -EIO;
	if (r == 0 && rename(tmp, output) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int snapshot_write(const struct sysroot *sr, char *const *paths, const char *output, bool include_serials,
		   struct snapshot_stats *stats)
{
	struct capture c = {.sr = sr, .include_serials = include_serials};
	struct snapshot_stats st = {0};
	int r = 0;

	for (size_t i = 0; paths && paths[i] && r == 0; i++)
		r = capture_path(&c, paths[i], &st);
	if (r == 0) {
		qsort(c.entries, c.n, sizeof(*c.entries), cmp_entries);
		r = write_archive(&c, output);
	}
	for (size_t i = 0; i < c.n; i++) {
		free(c.entries[i].name);
		free(c.entries[i].data);
	}
	free(c.entries);
	if (r == 0 && stats)
		*stats = st;
	return r;
}
