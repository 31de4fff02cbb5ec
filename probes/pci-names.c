/* Names of PCI functions, for the devices that are printed. libpci parses
 * all of pci.ids (1.3 MB, some 40,000 entries) into a hash on its first
 * lookup, which cost more than the rest of a probe; udev's hwdb.bin is a
 * memory-mapped trie built from the same file, so it is asked first
 * (keys "pci:v0000VVVVd0000DDDD", ID_VENDOR_FROM_DATABASE and
 * ID_MODEL_FROM_DATABASE). Without it, one pass over pci.ids collects
 * just the wanted entries and stops once it has them all. The lines are
 * read by libpci's rules (lib/names-parse.c): a vendor "vvvv  name", its
 * devices "\tdddd  name", classes "C cc  name" with subclasses
 * "\tss  name"; deeper lines and other blocks are skipped. Reads
 * /etc/udev/hwdb.bin or /usr/lib/udev/hwdb.bin (through libudev), or
 * PCI_IDS_PATH; never the sysroot: names belong to this rigtune's
 * databases, as lspci's do. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "config.h"
#include "probes/pci-names.h"

enum id_kind { ID_VENDOR = 1, ID_DEVICE, ID_CLASS, ID_SUBCLASS };

static uint64_t id_key(enum id_kind kind, unsigned id1, unsigned id2)
{
	return (uint64_t)kind << 32 | (uint64_t)(id1 & 0xffff) << 16 | (id2 & 0xffff);
}

/* One wanted entry of pci.ids and, once found, its name in the file. */
struct id_entry {
	uint64_t key;
	const char *name;
	size_t len;
};

struct id_table {
	struct id_entry *v;
	size_t n, found;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct id_entry *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static struct id_entry *id_find(const struct id_table *t, uint64_t key)
{
	struct id_entry k = {.key = key};

	return t->n ? bsearch(&k, t->v, t->n, sizeof(*t->v), cmp_entry) : NULL;
}

static bool wants(const struct pci_device *d, pci_names_wanted *wanted)
{
	return (!wanted || wanted(d)) && !d->vendor && !d->device && !d->class_name;
}

/* The keys the wanted devices need, sorted, without repeats. */
static int id_table_build(const struct pci_info *pi, pci_names_wanted *wanted, struct id_table *t)
{
	size_t n = 0;

	t->v = calloc(4 * pi->ndevices + 1, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	for (size_t i = 0; i < pi->ndevices; i++) {
		const struct pci_device *d = &pi->devices[i];

		if (!wants(d, wanted))
			continue;
		t->v[n++].key = id_key(ID_VENDOR, d->vendor_id, 0);
		t->v[n++].key = id_key(ID_DEVICE, d->vendor_id, d->device_id);
		t->v[n++].key = id_key(ID_CLASS, d->class_code >> 8, 0);
		t->v[n++].key = id_key(ID_SUBCLASS, d->class_code >> 8, d->class_code & 0xff);
	}
	qsort(t->v, n, sizeof(*t->v), cmp_entry);
	t->n = 0;
	for (size_t i = 0; i < n; i++)
		if (!t->n || t->v[t->n - 1].key != t->v[i].key)
			t->v[t->n++] = t->v[i];
	return 0;
}

/* Exactly digits hex digits followed by a blank, as libpci's id_hex(). */
static int hex_id(const char *p, const char *end, int digits)
{
	unsigned v = 0;

	if (end - p <= digits || (p[digits] != ' ' && p[digits] != '\t'))
		return -1;
	for (int i = 0; i < digits; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return -1;
		v = v * 16 + (unsigned)(isdigit((unsigned char)p[i]) ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
	}
	return (int)v;
}

static void id_record(struct id_table *t, uint64_t key, const char *p, const char *end)
{
	struct id_entry *e = id_find(t, key);

	if (!e || e->name)
		return; /* libpci keeps the first of two equal entries */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--; /* libpci strips one trailing blank */
	if (p == end)
		return;
	e->name = p;
	e->len = (size_t)(end - p);
	t->found++;
}

/* The state of the pass: the block (vendor or class) the line is in. */
struct id_block {
	enum id_kind kind;      /* ID_VENDOR, ID_CLASS, or 0: a block to skip */
	unsigned id;
};

static void id_line(struct id_table *t, struct id_block *b, const char *p, const char *end)
{
	const char *q = p;
	int id;

	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q == end || *q == '#')
		return; /* blank lines and comments, indented or not */
	if (*p != '\t') {
		b->kind = 0;
		if (p[0] == 'C' && end - p > 2 && p[1] == ' ' && (id = hex_id(p + 2, end, 2)) >= 0)
			*b = (struct id_block){ID_CLASS, (unsigned)id};
		else if ((id = hex_id(p, end, 4)) >= 0)
			*b = (struct id_block){ID_VENDOR, (unsigned)id};
		else
			return; /* "S" (generic subsystems) and blocks libpci does not know */
		if (id_find(t, id_key(b->kind, b->id, 0)))
			id_record(t, id_key(b->kind, b->id, 0), p + 5, end); /* "vvvv " or "C cc " */
		else
			b->kind = 0; /* nothing wanted inside: every device wants its vendor */
		return;
	}
	if (!b->kind || (end - p > 1 && p[1] == '\t'))
		return; /* subsystems, prog-ifs */
	p++;
	if (b->kind == ID_VENDOR && (id = hex_id(p, end, 4)) >= 0)
		id_record(t, id_key(ID_DEVICE, b->id, (unsigned)id), p + 5, end);
	else if (b->kind == ID_CLASS && (id = hex_id(p, end, 2)) >= 0)
		id_record(t, id_key(ID_SUBCLASS, b->id, (unsigned)id), p + 3, end);
}

/* A line that starts a block: no tab, no blank line, no comment. */
static bool top_level(const char *s, const char *e)
{
	return s < e && *s != '\t' && *s != ' ' && *s != '#';
}

/* The lines from s on, until every wanted entry is found, or with
 * one_block until the block that s starts ends or `want` entries of it
 * are found (Intel's block alone is 8,500 lines). */
static void id_scan_lines(struct id_table *t, const char *s, const char *end, bool one_block, size_t want)
{
	struct id_block b = {0};
	size_t from = t->found;

	for (bool first = true; s < end && t->found < t->n && (!one_block || t->found - from < want);
	     first = false) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *e = nl ? nl : end;

		if (one_block && !first && top_level(s, e))
			return;
		id_line(t, &b, s, e > s && e[-1] == '\r' ? e - 1 : e);
		s = nl ? nl + 1 : end;
	}
}

static const char *next_line(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));

	return nl ? nl + 1 : end;
}

/* The vendor id of a line "vvvv  name", or -1. */
static int vendor_of(const char *s, const char *end)
{
	return top_level(s, end) ? hex_id(s, end, 4) : -1;
}

/* Stretches of pci.ids already walked: from `from` to `line` there is no
 * vendor line, and `line` is one (vendor id). A binary search that lands
 * inside a big vendor block walks to the block's end; searches for
 * several vendors land in the same blocks again and again. */
struct vendor_walks {
	struct {
		const char *from, *line;
		int id;
	} v[64];
	size_t n;
};

/* The first vendor line at or after s, before end, or NULL. */
static const char *vendor_line_from(struct vendor_walks *w, const char *s, const char *end, int *id)
{
	const char *start = s;

	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].from <= s && s <= w->v[i].line) {
			*id = w->v[i].id;
			return w->v[i].line < end ? w->v[i].line : NULL;
		}
	for (; s < end; s = next_line(s, end))
		if ((*id = vendor_of(s, end)) >= 0) {
			if (w->n < ARRAY_SIZE(w->v))
				w->v[w->n++] = (typeof(w->v[0])){start, s, *id};
			return s;
		}
	return NULL;
}

/* Vendor v's line, by binary search over [s, end): pci.ids lists the
 * vendors in order of their ids, as its export writes them. */
static const char *find_vendor(struct vendor_walks *w, const char *s, const char *end, unsigned v)
{
	const char *lo = s, *hi = end;

	while (lo < hi) {
		const char *mid = lo + (hi - lo) / 2, *l;
		int id;

		while (mid > lo && mid[-1] != '\n')
			mid--; /* the start of its line: lo <= mid < hi */
		l = vendor_line_from(w, mid, hi, &id);
		if (!l)
			hi = mid;
		else if ((unsigned)id == v)
			return l;
		else if ((unsigned)id < v)
			lo = next_line(l, hi);
		else
			hi = mid;
	}
	return NULL;
}

/* The first class line ("C 00  ..."): the classes close the file, after
 * the last vendor; walk back to that vendor. NULL: no classes at the end. */
static const char *find_classes(const char *s, const char *end)
{
	const char *first = NULL, *e = end;

	while (e > s) {
		const char *l = e - 1;

		while (l > s && l[-1] != '\n')
			l--;
		if (vendor_of(l, e) >= 0)
			break;
		if (l[0] == 'C' && e - l > 2 && l[1] == ' ')
			first = l;
		e = l;
	}
	return first;
}

/* Beyond this many vendors, one pass beats a search per vendor. */
#define SEARCH_VENDORS 64

/* pci.ids lists some 2,500 vendors in order, then the classes: with a
 * few vendors wanted, a binary search for each vendor's block and a
 * walk back from the end to the classes skip the rest of the 1.3 MB. */
/* The entries of vendor v's block wanted: the vendor and its devices
 * (the table is sorted: devices after vendors, each kind by id). */
static size_t block_wants(const struct id_table *t, unsigned v)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		unsigned kind = (unsigned)(t->v[i].key >> 32), id1 = (unsigned)(t->v[i].key >> 16) & 0xffff;

		n += (kind == ID_VENDOR || kind == ID_DEVICE) && id1 == v;
	}
	return n;
}

static size_t id_vendors(const struct id_table *t)
{
	size_t vendors = 0;

	for (size_t i = 0; i < t->n; i++)
		vendors += t->v[i].key >> 32 == ID_VENDOR;
	return vendors;
}

static void id_scan(struct id_table *t, const char *s, size_t size)
{
	const char *end = s + size, *classes = find_classes(s, end), *p;
	struct vendor_walks walks = {.n = 0};

	if (id_vendors(t) > SEARCH_VENDORS || !classes) {
		id_scan_lines(t, s, end, false, 0);
		return;
	}
	for (size_t i = 0; i < t->n; i++) {
		unsigned v = (unsigned)(t->v[i].key >> 16) & 0xffff;

		if (t->v[i].key >> 32 == ID_VENDOR && (p = find_vendor(&walks, s, classes, v)))
			id_scan_lines(t, p, classes, true, block_wants(t, v));
	}
	id_scan_lines(t, classes, end, false, 0);
}

/* The name pci.ids gives key, or NULL in *ret. 0 or -ENOMEM. */
static int id_name(const struct id_table *t, uint64_t key, char **ret)
{
	const struct id_entry *e = id_find(t, key);

	*ret = e && e->name ? strndup(e->name, e->len) : NULL;
	return e && e->name && !*ret ? -ENOMEM : 0;
}

static int id_apply(const struct id_table *t, struct pci_device *d)
{
	unsigned base = d->class_code >> 8;
	_cleanup_free_ char *cls = NULL;

	if ((d->vendor_id != 0xffff && id_name(t, id_key(ID_VENDOR, d->vendor_id, 0), &d->vendor) < 0) ||
	    (d->device_id != 0xffff && id_name(t, id_key(ID_DEVICE, d->vendor_id, d->device_id), &d->device) < 0) ||
	    id_name(t, id_key(ID_SUBCLASS, base, d->class_code & 0xff), &d->class_name) < 0 ||
	    (!d->class_name && id_name(t, id_key(ID_CLASS, base, 0), &cls) < 0))
		return -ENOMEM;
	if (cls && !(d->class_name = xasprintf("%s [%04x]", cls, d->class_code)))
		return -ENOMEM;
	return 0;
}

/* The whole file in memory: mapped, or NULL when it cannot be read.
 * Populated up front (one fault, not 300) when it will be read through;
 * a search touches a few dozen of its pages. */
static const char *ids_map(const char *path, bool whole, size_t *size)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		close(fd);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | (whole ? MAP_POPULATE : 0), fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	*size = (size_t)st.st_size;
	return m;
}

int pci_names_from_ids(struct pci_info *pi, pci_names_wanted *wanted, const char *ids_path)
{
	struct id_table t = {0};
	const char *ids;
	size_t size = 0;
	int r = id_table_build(pi, wanted, &t);

	if (r < 0 || !t.n || !(ids = ids_map(ids_path, id_vendors(&t) > SEARCH_VENDORS, &size))) {
		free(t.v);
		return r;
	}
	id_scan(&t, ids, size);
	for (size_t i = 0; r >= 0 && i < pi->ndevices; i++)
		if (wants(&pi->devices[i], wanted))
			r = id_apply(&t, &pi->devices[i]);
	munmap((void *)ids, size);
	free(t.v);
	return r;
}

/* ---- udev's hwdb ---- */

static int hwdb_get(struct udev_hwdb *hwdb, const char *modalias, const char *key, char **ret)
{
	struct udev_list_entry *e = udev_hwdb_get_properties_list_entry(hwdb, modalias, 0);

	for (; e; e = udev_list_entry_get_next(e))
		if (!strcmp(udev_list_entry_get_name(e), key)) {
			const char *v = udev_list_entry_get_value(e);

			if (!v || !*v)
				return 0;
			*ret = strdup(v);
			return *ret ? 1 : -ENOMEM;
		}
	return 0;
}

static int hwdb_apply(struct udev_hwdb *hwdb, struct pci_device *d)
{
	char dev[32], cls[80];
	_cleanup_free_ char *base = NULL;
	int r = 0;

	/* Without subsystem ids, so that no subsystem's model name shadows
	 * the device's, as with libpci's device lookup. */
	snprintf(dev, sizeof(dev), "pci:v%08Xd%08X", d->vendor_id, d->device_id);
	snprintf(cls, sizeof(cls), "pci:v%08Xd%08Xsv00000000sd00000000bc%02Xsc%02Xi%02X", d->vendor_id,
		 d->device_id, d->class_code >> 8, d->class_code & 0xff, d->prog_if);
	if (d->vendor_id != 0xffff)
		r = hwdb_get(hwdb, dev, "ID_VENDOR_FROM_DATABASE", &d->vendor);
	if (r >= 0 && d->device_id != 0xffff)
		r = hwdb_get(hwdb, dev, "ID_MODEL_FROM_DATABASE", &d->device);
	if (r >= 0)
		r = hwdb_get(hwdb, cls, "ID_PCI_SUBCLASS_FROM_DATABASE", &d->class_name);
	if (r == 0 && (r = hwdb_get(hwdb, cls, "ID_PCI_CLASS_FROM_DATABASE", &base)) > 0 &&
	    !(d->class_name = xasprintf("%s [%04x]", base, d->class_code)))
		r = -ENOMEM;
	return r < 0 ? r : 0;
}

int pci_names_lookup(struct pci_info *pi, pci_names_wanted *wanted)
{
	struct udev *udev = udev_new();
	struct udev_hwdb *hwdb = udev ? udev_hwdb_new(udev) : NULL;
	int r = 0;

	if (!hwdb) {
		udev_unref(udev);
		return pci_names_from_ids(pi, wanted, PCI_IDS_PATH);
	}
	for (size_t i = 0; r >= 0 && i < pi->ndevices; i++)
		if (wants(&pi->devices[i], wanted))
			r = hwdb_apply(hwdb, &pi->devices[i]);
	udev_hwdb_unref(hwdb);
	udev_unref(udev);
	return r;
}
