/* The profile schema: every section and key a profile may hold, the type
 * and range of its value, one table per section (see schema.h). The
 * comment above each row is its documentation. Reads no files. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/profile.h"
#include "tune/schema.h"

enum value_type {
	V_CHOICE,       /* one of choices */
	V_BOOL,         /* 1/0, yes/no, true/false, on/off */
	V_COUNT,        /* decimal digits, min <= x <= max */
	V_WIDTH,        /* a PCIe link width: 1, 2, 4, 8, 16 or 32 */
	V_DECIMAL,      /* plain decimal, dmin < x <= dmax */
	V_WORD,         /* [a-z0-9_-]+, at most max bytes */
	V_NAME,         /* [A-Za-z0-9_.-]+, at most max bytes */
	V_STRING,       /* text without control characters, at most max bytes */
	V_KTEXT,        /* V_STRING written to a kernel file: no " #" either */
	V_TOKENS,       /* kernel command line tokens separated by white space */
	V_DEVICES,      /* device classes or PCI addresses, comma/space separated */
	V_FILES,        /* profile names or paths, comma/space separated */
};

struct schema_key;
/* For keys given as a pattern: 1 the key is this row's, 0 it is not,
 * -EINVAL it is but malformed (*msg says why), -ENOMEM. */
typedef int (*key_match_fn)(const struct schema_key *k, const char *key, char **msg);

struct schema_key {
	const char *name;       /* the key, or its pattern as shown in hints */
	key_match_fn match;     /* NULL: name matches exactly */
	enum value_type type;
	const char *const *choices;
	uint64_t min, max;      /* V_COUNT range; byte limit of words and strings */
	double dmin, dmax;      /* V_DECIMAL range */
};

struct schema_section {
	const char *name;
	const struct schema_key *keys;
};

#define CHOICE(n, c) {.name = n, .type = V_CHOICE, .choices = c}
#define BOOL(n) {.name = n, .type = V_BOOL}
#define COUNT(n, lo, hi) {.name = n, .type = V_COUNT, .min = lo, .max = hi}
#define DECIMAL(n, lo, hi) {.name = n, .type = V_DECIMAL, .dmin = lo, .dmax = hi}
#define TEXT(n, t, len) {.name = n, .type = t, .max = len}
#define PATTERN(n, fn, t) {.name = n, .match = fn, .type = t}

const char *const schema_device_classes[] = {"gpu", "nic", "nvme", "accel", "storage", NULL};

static const char *const thp_enabled[] = {"always", "madvise", "never", NULL};
static const char *const thp_defrag[] = {"always", "defer", "defer+madvise", "madvise", "never", NULL};
static const char *const thp_shmem[] = {"always", "within_size", "advise", "never", "deny", "force", NULL};
static const char *const thp_size_enabled[] = {"always", "inherit", "madvise", "never", NULL};
static const char *const irq_policies[] = {"local-node", "all", "none", NULL};
static const char *const dimm_types[] = {"DDR3", "DDR4", "DDR5", "LPDDR4", "LPDDR5", "HBM2", "HBM3", NULL};
static const char *const virt_kinds[] = {"none", "any", "kvm", "qemu", "xen", "vmware", "microsoft",
					 "oracle", "amazon", "powervm", "zvm", "bhyve", "parallels", NULL};

static int match_thp_size(const struct schema_key *k, const char *key, char **msg);
static int match_hugepages(const struct schema_key *k, const char *key, char **msg);
static int match_sysctl(const struct schema_key *k, const char *key, char **msg);
static int match_sysfs(const struct schema_key *k, const char *key, char **msg);
static int match_pcie(const struct schema_key *k, const char *key, char **msg);

static const struct schema_key profile_keys[] = {
	/* one line, shown by `rigtune profiles` */
	TEXT("description", V_STRING, 256),
	/* profiles merged first, in order (later wins, this file last); a
	 * relative name resolves against this file's directory, then the
	 * search path; a file already merged is not merged again */
	TEXT("include", V_FILES, 0),
	{0},
};

/* /sys/kernel/mm/transparent_hugepage/ */
static const struct schema_key thp_keys[] = {
	CHOICE("enabled", thp_enabled),
	CHOICE("defrag", thp_defrag),
	CHOICE("shmem_enabled", thp_shmem),
	/* khugepaged/defrag */
	BOOL("khugepaged_defrag"),
	/* hugepages-<N>kB/enabled, mTHP sizes (N a power of two) */
	{.name = "hugepages-<N>kB", .match = match_thp_size, .type = V_CHOICE, .choices = thp_size_enabled},
	{0},
};

/* hugetlb pools: "1G = 64" total pages spread evenly over the nodes with
 * memory, "1G.node1 = 48" pages on one node; never both for one size */
static const struct schema_key hugepages_keys[] = {
	{.name = "<size>, <size>.node<N>", .match = match_hugepages, .type = V_COUNT,
	 .min = 0, .max = SCHEMA_HUGEPAGES_MAX},
	{0},
};

/* /proc/sys/<name with dots as slashes> */
static const struct schema_key sysctl_keys[] = {
	{.name = "<name>", .match = match_sysctl, .type = V_KTEXT, .max = SCHEMA_STRING_MAX},
	{0},
};

/* cpufreq on every CPU; boost is cpufreq/boost */
static const struct schema_key cpu_keys[] = {
	TEXT("governor", V_WORD, 15),
	TEXT("energy_performance_preference", V_WORD, 32),
	BOOL("boost"),
	{0},
};

/* policy local-node: the IRQs of the devices go to CPUs of the device's
 * NUMA node; all: back to every online CPU; none: left alone */
static const struct schema_key irq_keys[] = {
	CHOICE("policy", irq_policies),
	TEXT("devices", V_DEVICES, 0),
	{0},
};

/* explicit files under /sys */
static const struct schema_key sysfs_keys[] = {
	{.name = "/sys/<path>", .match = match_sysfs, .type = V_KTEXT, .max = SCHEMA_STRING_MAX},
	{0},
};

/* audited, never written */
static const struct schema_key expect_keys[] = {
	COUNT("numa_nodes", 1, SCHEMA_NODE_MAX + 1),
	COUNT("sockets", 1, 64),
	COUNT("cores", 1, 1 << 20),                 /* physical cores, all sockets */
	COUNT("threads", 1, 1 << 20),               /* logical CPUs */
	BOOL("smt"),
	TEXT("cpu_vendor", V_NAME, 64),             /* cpuinfo vendor_id: AuthenticAMD */
	TEXT("cpu_model", V_STRING, 256),           /* a substring of the model name */
	COUNT("memory_channels", 1, 1024),          /* DIMM channels populated */
	COUNT("memory_gb_min", 1, 1ULL << 24),      /* GiB the kernel sees, all nodes */
	COUNT("memory_mts_min", 1, 100000),         /* configured DIMM speed, MT/s */
	CHOICE("dimm_type", dimm_types),
	{.name = "pcie.<class>.gen", .match = match_pcie, .type = V_COUNT, .min = 1, .max = 6},
	{.name = "pcie.<class>.width", .match = match_pcie, .type = V_WIDTH, .min = 1, .max = 32},
	{.name = "pcie.<class>.count", .match = match_pcie, .type = V_COUNT, .min = 0, .max = 4096},
	TEXT("kernel_cmdline", V_TOKENS, 0),        /* each token present */
	TEXT("kernel_cmdline_absent", V_TOKENS, 0), /* none present */
	CHOICE("virtualization", virt_kinds),
	BOOL("xgmi.complete"),                      /* every AMD GPU pair of a hive linked */
	COUNT("nvlink.active_min", 0, 64),          /* active NVLink links per NVIDIA GPU */
	BOOL("irq.local"),                          /* [irq] devices' IRQs on their node */
	CHOICE("thp.enabled", thp_enabled),
	CHOICE("thp.defrag", thp_defrag),
	CHOICE("thp.shmem_enabled", thp_shmem),
	{0},
};

/* targets for `rigtune verify`, GB/s (10^9 B/s) */
static const struct schema_key verify_keys[] = {
	DECIMAL("triad_gbps", 0, 100000),           /* whole host */
	DECIMAL("node_triad_gbps", 0, 100000),      /* each node alone */
	DECIMAL("read_gbps", 0, 100000),
	DECIMAL("write_gbps", 0, 100000),
	DECIMAL("copy_gbps", 0, 100000),
	DECIMAL("peak_fraction", 0, 1),             /* of the theoretical SMBIOS peak */
	{0},
};

static const struct schema_section sections[] = {
	{"profile", profile_keys},
	{"thp", thp_keys},
	{"hugepages", hugepages_keys},
	{"sysctl", sysctl_keys},
	{"cpu", cpu_keys},
	{"irq", irq_keys},
	{"sysfs", sysfs_keys},
	{"expect", expect_keys},
	{"verify", verify_keys},
};

const char *const schema_section_names[] = {"profile", "thp", "hugepages", "sysctl", "cpu",
					    "irq", "sysfs", "expect", "verify", NULL};

const char *schema_sections_hint(void)
{
	return "profile, thp, hugepages, sysctl, cpu, irq, sysfs, expect, verify";
}

static const struct schema_section *section_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		if (!strcmp(sections[i].name, name))
			return &sections[i];
	return NULL;
}

bool schema_section_known(const char *section)
{
	return section_find(section) != NULL;
}

/* Text from a profile for a message: at most 64 bytes, control and
 * non-ASCII bytes as \xNN, so a message never carries terminal escapes. */
static char *quote(const char *s)
{
	struct strbuf sb = {0};
	size_t i;

	for (i = 0; s[i] && i < 64; i++) {
		unsigned char c = (unsigned char)s[i];
		int r = c >= 0x20 && c < 0x7f ? strbuf_add(&sb, s + i, 1) : strbuf_printf(&sb, "\\x%02x", c);

		if (r < 0) {
			strbuf_release(&sb);
			return NULL;
		}
	}
	if (s[i] && strbuf_puts(&sb, "...") < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_steal(&sb);
}

__attribute__((format(printf, 2, 3)))
static int fail(char **msg, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		*msg = NULL;
		return -ENOMEM;
	}
	return -EINVAL;
}

/* Edit distance, for "did you mean"; short strings only. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[65], cur[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}

/* "unknown key 'x' in [s]" with the closest key, or the list of keys. */
static int unknown_key(const struct schema_section *s, const char *key, char **msg)
{
	_cleanup_free_ char *q = quote(key);
	struct strbuf keys = {0};
	const char *best = NULL;
	size_t best_d = 3;
	int r = 0;

	if (!q)
		return -ENOMEM;
	for (const struct schema_key *k = s->keys; k->name && r >= 0; k++) {
		size_t d = k->match ? SIZE_MAX : edit_distance(key, k->name);

		if (d < best_d && d <= strlen(k->name) / 3) {
			best = k->name;
			best_d = d;
		}
		r = strbuf_printf(&keys, "%s%s", k == s->keys ? "" : ", ", k->name);
	}
	if (r >= 0 && best)
		r = fail(msg, "unknown key '%s' in [%s]; did you mean '%s'?", q, s->name, best);
	else if (r >= 0)
		r = fail(msg, "unknown key '%s' in [%s] (valid keys: %s)", q, s->name, keys.buf);
	strbuf_release(&keys);
	return r;
}

static int key_find(const struct schema_section *s, const char *key, const struct schema_key **ret,
		    char **msg)
{
	for (const struct schema_key *k = s->keys; k->name; k++)
		if (!k->match && !strcmp(k->name, key)) {
			*ret = k;
			return 0;
		}
	for (const struct schema_key *k = s->keys; k->name; k++) {
		int r = k->match ? k->match(k, key, msg) : 0;

		if (r < 0)
			return r;
		if (r > 0) {
			*ret = k;
			return 0;
		}
	}
	return unknown_key(s, key, msg);
}

int schema_check_key(const char *section, const char *key, char **ret_msg)
{
	const struct schema_section *s = section_find(section);
	const struct schema_key *k;

	if (!s) {
		_cleanup_free_ char *q = quote(section);

		return q ? fail(ret_msg, "unknown section [%s] (valid: %s)", q, schema_sections_hint())
			 : -ENOMEM;
	}
	if (!*key)
		return fail(ret_msg, "[%s] a key is missing before '='", section);
	return key_find(s, key, &k, ret_msg);
}

/* ---- numbers and keys written as patterns ---- */

int schema_parse_count(const char *s, uint64_t *ret)
{
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	return parse_u64(s, ret);
}

int schema_parse_decimal(const char *s, double *ret)
{
	size_t intpart = strspn(s, "0123456789"), frac = 0;

	if (s[intpart] == '.')
		frac = strspn(s + intpart + 1, "0123456789");
	if (intpart + frac == 0 || intpart > 20 || strlen(s) != intpart + (s[intpart] == '.') + frac)
		return -EINVAL;
	return parse_double(s, ret);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* "2M", "1G", "2048kB", "64K": a page size in kB; *end is left on what
 * follows. -EINVAL not a size, -ERANGE not a power of two from 4 kB to
 * 16 GB. No leading zeros, so that one size has few spellings. */
static int parse_page_size(const char *s, uint64_t *ret_kb, const char **end)
{
	size_t n = strspn(s, "0123456789");
	uint64_t v = 0, mult;
	char digits[16];

	if (n == 0 || s[0] == '0')
		return -EINVAL;
	if (n >= sizeof(digits))
		return -ERANGE;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (parse_u64(digits, &v) < 0)
		return -EINVAL;
	switch (s[n]) {
	case 'k': case 'K': mult = 1; break;
	case 'm': case 'M': mult = 1024; break;
	case 'g': case 'G': mult = 1024 * 1024; break;
	default: return -EINVAL;
	}
	n++;
	if (s[n] == 'B' || s[n] == 'b')
		n++;
	if (v > (1ULL << 40) / mult)
		return -ERANGE;
	v *= mult;
	if (!is_pow2(v) || v < 4 || v > 16 * 1024 * 1024)
		return -ERANGE;
	*ret_kb = v;
	*end = s + n;
	return 0;
}

/* ".node<N>", N 0-1023 without leading zeros; -EINVAL, -ERANGE. */
static int parse_node_suffix(const char *s, int *ret)
{
	uint64_t node;
	int r;

	if (!startswith(s, ".node") || (s[5] == '0' && s[6]))
		return -EINVAL;
	r = schema_parse_count(s + 5, &node);
	if (r < 0)
		return r;
	if (node > SCHEMA_NODE_MAX)
		return -ERANGE;
	*ret = (int)node;
	return 0;
}

int schema_parse_hugepages_key(const char *key, uint64_t *ret_size_kb, int *ret_node)
{
	const char *rest;
	uint64_t kb;
	int node = -1, r;

	r = parse_page_size(key, &kb, &rest);
	if (r < 0)
		return r;
	if (*rest) {
		r = parse_node_suffix(rest, &node);
		if (r < 0)
			return r;
	}
	*ret_size_kb = kb;
	*ret_node = node;
	return 0;
}

static int match_hugepages(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;
	const char *rest;
	uint64_t kb;
	int node, r;

	if (*key < '0' || *key > '9')
		return 0;
	r = parse_page_size(key, &kb, &rest);
	if (r >= 0 && *rest)
		r = parse_node_suffix(rest, &node) < 0 ? -EDOM : 0;
	if (r == 0)
		return 1;
	q = quote(key);
	if (!q)
		return -ENOMEM;
	if (r == -ERANGE)
		return fail(msg, "[hugepages] %s: the page size must be a power of two from 4K to 16G", q);
	if (r == -EDOM)
		return fail(msg, "[hugepages] %s: expected .node<N> after the size, N from 0 to %d",
			    q, SCHEMA_NODE_MAX);
	return fail(msg, "[hugepages] %s: expected a page size such as 2M or 1G, "
		    "optionally followed by .node<N>", q);
}

int schema_parse_thp_size_key(const char *key, uint64_t *ret_size_kb)
{
	const char *p = key + strlen("hugepages-"), *end;
	uint64_t kb;
	int r;

	if (!startswith(key, "hugepages-"))
		return -EINVAL;
	r = parse_page_size(p, &kb, &end);
	if (r < 0)
		return r;
	/* exactly as sysfs spells it: hugepages-64kB */
	if (*end || strcmp(end - 2, "kB"))
		return -EINVAL;
	*ret_size_kb = kb;
	return 0;
}

static int match_thp_size(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;
	uint64_t kb;

	if (!startswith(key, "hugepages-"))
		return 0;
	if (schema_parse_thp_size_key(key, &kb) == 0)
		return 1;
	q = quote(key);
	return q ? fail(msg, "[thp] %s: expected hugepages-<N>kB, N a power of two, as in "
			"/sys/kernel/mm/transparent_hugepage/", q) : -ENOMEM;
}

/* Dotted names such as vm.swappiness or net.ipv4.conf.eth0.rp_filter:
 * two parts or more, none empty. */
static bool sysctl_name_valid(const char *key)
{
	const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
	size_t n = strlen(key);

	return n > 0 && n <= 255 && strspn(key, ok) == n && key[0] != '.' && key[n - 1] != '.' &&
	       !strstr(key, "..") && strchr(key, '.');
}

static int match_sysctl(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;

	if (sysctl_name_valid(key))
		return 1;
	q = quote(key);
	return q ? fail(msg, "[sysctl] '%s' is not a sysctl name (dotted parts of letters, digits, "
			"'_' and '-', such as vm.swappiness)", q) : -ENOMEM;
}

/* An absolute path under /sys: printable ASCII without spaces or '\',
 * no empty, "." or ".." component. */
static bool sysfs_path_valid(const char *key)
{
	const char *p = key + strlen("/sys/");
	size_t n = strlen(key);

	if (!startswith(key, "/sys/") || n > 4095 || !*p)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] <= 0x20 || (unsigned char)key[i] >= 0x7f || key[i] == '\\')
			return false;
	while (*p) {
		size_t c = strcspn(p, "/");

		if (c == 0 || (c == 1 && p[0] == '.') || (c == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += c;
		if (*p == '/' && !*++p)
			return false;   /* a trailing slash */
	}
	return true;
}

static int match_sysfs(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;

	if (*key != '/')
		return 0;
	if (sysfs_path_valid(key))
		return 1;
	q = quote(key);
	return q ? fail(msg, "[sysfs] '%s' is not a plain path under /sys/ (no '..', '.', '//', "
			"trailing '/', spaces or control characters)", q) : -ENOMEM;
}

int schema_parse_pcie_key(const char *key, const char **ret_class, const char **ret_attr)
{
	static const char *const attrs[] = {"gen", "width", "count"};
	const char *dot;

	if (!startswith(key, "pcie."))
		return -EINVAL;
	key += 5;
	dot = strchr(key, '.');
	if (!dot)
		return -EINVAL;
	for (size_t c = 0; schema_device_classes[c]; c++) {
		if (strlen(schema_device_classes[c]) != (size_t)(dot - key) ||
		    strncmp(schema_device_classes[c], key, dot - key))
			continue;
		for (size_t a = 0; a < ARRAY_SIZE(attrs); a++)
			if (!strcmp(dot + 1, attrs[a])) {
				*ret_class = schema_device_classes[c];
				*ret_attr = attrs[a];
				return 0;
			}
	}
	return -EINVAL;
}

/* Rows "pcie.<class>.gen" etc.: the row whose attribute the key names. */
static int match_pcie(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;
	const char *cls, *attr;

	if (!startswith(key, "pcie."))
		return 0;
	if (schema_parse_pcie_key(key, &cls, &attr) == 0)
		return endswith(k->name, attr);
	if (strcmp(k->name, "pcie.<class>.gen"))
		return 0;       /* report it once, from the first pcie row */
	q = quote(key);
	return q ? fail(msg, "[expect] %s: expected pcie.<class>.gen, .width or .count with <class> "
			"one of gpu, nic, nvme, accel, storage", q) : -ENOMEM;
}

/* ---- values ---- */

/* An exact hex field of width lo..hi digits; returns the bytes consumed. */
static size_t hex_field(const char *s, size_t lo, size_t hi, unsigned *ret)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	if (n < lo || n > hi)
		return 0;
	*ret = (unsigned)strtoul(s, NULL, 16);
	return n;
}

int schema_parse_bdf(const char *s, unsigned *ret_domain, unsigned *ret_bus, unsigned *ret_dev,
		     unsigned *ret_fn)
{
	unsigned dom = 0, bus, dev, fn;
	size_t n = hex_field(s, 4, 8, &dom);

	if (n && s[n] == ':')
		s += n + 1;
	else
		dom = 0;
	n = hex_field(s, 2, 2, &bus);
	if (!n || s[n] != ':')
		return -EINVAL;
	s += n + 1;
	n = hex_field(s, 2, 2, &dev);
	if (!n || s[n] != '.' || dev > 0x1f)
		return -EINVAL;
	s += n + 1;
	if (s[0] < '0' || s[0] > '7' || s[1])
		return -EINVAL;
	fn = (unsigned)(s[0] - '0');
	*ret_domain = dom;
	*ret_bus = bus;
	*ret_dev = dev;
	*ret_fn = fn;
	return 0;
}

int schema_split_list(const char *value, char ***ret)
{
	return strv_split(value, ", \t", ret);
}

struct vctx {
	const char *section;
	const struct schema_key *key;
	const char *value;
	char *qkey, *qval;      /* quoted for messages */
};

__attribute__((format(printf, 3, 4)))
static int bad_value(const struct vctx *c, char **msg, const char *fmt, ...)
{
	_cleanup_free_ char *why = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&why, fmt, ap);
	va_end(ap);
	if (r < 0) {
		why = NULL;
		return -ENOMEM;
	}
	return fail(msg, "[%s] %s: %s", c->section, c->qkey, why);
}

static int check_choice(const struct vctx *c, char **msg)
{
	_cleanup_free_ char *list = NULL;

	for (size_t i = 0; c->key->choices[i]; i++)
		if (!strcmp(c->key->choices[i], c->value))
			return 0;
	list = strv_join((char **)c->key->choices, ", ");
	if (!list)
		return -ENOMEM;
	return bad_value(c, msg, "'%s' is not one of %s", c->qval, list);
}

static int check_count(const struct vctx *c, char **msg)
{
	const struct schema_key *k = c->key;
	unsigned long long lo = k->min, hi = k->max;
	uint64_t v;
	int r = schema_parse_count(c->value, &v);

	if (r == -EINVAL && c->value[0] == '-')
		return bad_value(c, msg, "'%s' is negative; expected %llu to %llu", c->qval, lo, hi);
	if (r == -EINVAL)
		return bad_value(c, msg, "'%s' is not a whole number (%llu to %llu)", c->qval, lo, hi);
	if (r < 0 || v < k->min || v > k->max)
		return bad_value(c, msg, "'%s' is out of range (%llu to %llu)", c->qval, lo, hi);
	if (k->type == V_WIDTH && !(is_pow2(v) && v <= 32))
		return bad_value(c, msg, "'%s' is not a PCIe link width (1, 2, 4, 8, 16 or 32)", c->qval);
	return 0;
}

static int check_decimal(const struct vctx *c, char **msg)
{
	double v;

	if (schema_parse_decimal(c->value, &v) < 0)
		return bad_value(c, msg, "'%s' is not a decimal number such as 700 or 0.8", c->qval);
	if (!(v > c->key->dmin && v <= c->key->dmax))
		return bad_value(c, msg, "'%s' is out of range (more than %g, at most %g)", c->qval,
				 c->key->dmin, c->key->dmax);
	return 0;
}

static int check_word(const struct vctx *c, char **msg)
{
	const char *lower = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	const char *name = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
	const char *ok = c->key->type == V_WORD ? lower : name;
	size_t n = strlen(c->value);

	if (n == 0 || strspn(c->value, ok) != n)
		return bad_value(c, msg, "'%s' is not a single word (%s)", c->qval,
				 c->key->type == V_WORD ? "lowercase letters, digits, '_', '-'"
							: "letters, digits, '_', '-', '.'");
	if (n > c->key->max)
		return bad_value(c, msg, "'%s' is longer than %llu bytes", c->qval,
				 (unsigned long long)c->key->max);
	return 0;
}

static bool has_control(const char *s, bool ascii_only)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f || (ascii_only && ch > 0x7f))
			return true;
	}
	return false;
}

static int check_string(const struct vctx *c, char **msg)
{
	size_t max = c->key->max ? c->key->max : SCHEMA_STRING_MAX;

	if (strlen(c->value) > max)
		return bad_value(c, msg, "the value is longer than %zu bytes", max);
	if (has_control(c->value, false))
		return bad_value(c, msg, "'%s' holds a control character", c->qval);
	/* "1 # why" would be written as is: only ';' starts a comment there */
	if (c->key->type == V_KTEXT && (strstr(c->value, " #") || strstr(c->value, "\t#")))
		return bad_value(c, msg, "'%s': '#' starts a comment only at the start of a line; "
				 "after a value, use ';'", c->qval);
	return 0;
}

/* Lists: kernel command line tokens, devices, included files. */
static int check_list(const struct vctx *c, char **msg)
{
	enum value_type t = c->key->type;
	_cleanup_strv_ char **items = NULL;
	unsigned d[4];
	int r;

	r = t == V_TOKENS ? strv_split(c->value, " \t", &items) : schema_split_list(c->value, &items);
	if (r < 0)
		return r;
	if (strlen(c->value) > SCHEMA_STRING_MAX)
		return bad_value(c, msg, "the value is longer than %d bytes", SCHEMA_STRING_MAX);
	for (size_t i = 0; items[i]; i++) {
		_cleanup_free_ char *q = quote(items[i]);

		if (!q)
			return -ENOMEM;
		if (t == V_TOKENS && (has_control(items[i], true) || strchr(items[i], '"')))
			return bad_value(c, msg, "'%s' is not a plain kernel parameter (printable ASCII, "
					 "no quotes)", q);
		if (t == V_DEVICES && !strv_contains((char **)schema_device_classes, items[i]) &&
		    schema_parse_bdf(items[i], &d[0], &d[1], &d[2], &d[3]) < 0)
			return bad_value(c, msg, "'%s' is not a device class (gpu, nic, nvme, accel, "
					 "storage) or a PCI address (0000:1a:00.0)", q);
		if (t == V_FILES && (has_control(items[i], false) || strlen(items[i]) > 4095))
			return bad_value(c, msg, "'%s' is not a file name", q);
	}
	return 0;
}

static int check_typed(const struct vctx *c, char **msg)
{
	bool b;

	switch (c->key->type) {
	case V_CHOICE:
		return check_choice(c, msg);
	case V_BOOL:
		if (parse_bool(c->value, &b) < 0)
			return bad_value(c, msg, "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)",
					 c->qval);
		return 0;
	case V_COUNT:
	case V_WIDTH:
		return check_count(c, msg);
	case V_DECIMAL:
		return check_decimal(c, msg);
	case V_WORD:
	case V_NAME:
		return check_word(c, msg);
	case V_STRING:
	case V_KTEXT:
		return check_string(c, msg);
	case V_TOKENS:
	case V_DEVICES:
	case V_FILES:
		return check_list(c, msg);
	}
	return -EINVAL;
}

int schema_check_value(const char *section, const char *key, const char *value, char **ret_msg)
{
	const struct schema_section *s = section_find(section);
	struct vctx c = {.section = section, .value = value};
	const struct schema_key *k;
	int r;

	if (!s)
		return schema_check_key(section, key, ret_msg);
	r = key_find(s, key, &k, ret_msg);
	if (r < 0)
		return r;
	c.key = k;
	c.qkey = quote(key);
	c.qval = quote(value);
	if (c.qkey && c.qval)
		r = check_typed(&c, ret_msg);
	else
		r = -ENOMEM;
	free(c.qkey);
	free(c.qval);
	return r;
}

/* ---- rules across keys ---- */

struct pool {
	uint64_t kb;
	int node;               /* -1: the total */
	size_t idx;             /* entry index */
};

static int pool_cmp(const void *a, const void *b)
{
	const struct pool *x = a, *y = b;

	if (x->kb != y->kb)
		return x->kb < y->kb ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Two entries naming one pool (2M and 2048kB), or a total and per-node
 * counts for one size. Sorted by size then node, so totals come first. */
static int check_hugepages(const struct profile *p, const struct profile_entry **at, char **msg)
{
	_cleanup_free_ struct pool *pools = calloc(p->nentries + 1, sizeof(*pools));
	size_t n = 0;

	if (!pools)
		return -ENOMEM;
	for (size_t i = 0; i < p->nentries; i++)
		if (!strcmp(p->entries[i].section, "hugepages") &&
		    schema_parse_hugepages_key(p->entries[i].key, &pools[n].kb, &pools[n].node) == 0)
			pools[n++].idx = i;
	qsort(pools, n, sizeof(*pools), pool_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct pool *a = &pools[i - 1], *b = &pools[i];
		const struct profile_entry *first, *later;

		if (a->kb != b->kb || (a->node != b->node && a->node != -1))
			continue;
		first = &p->entries[a->idx < b->idx ? a->idx : b->idx];
		later = &p->entries[a->idx < b->idx ? b->idx : a->idx];
		*at = later;
		if (a->node == b->node)
			return fail(msg, "[hugepages] %s: the same pool as %s (%s:%d)", later->key,
				    first->key, first->file, first->line);
		return fail(msg, "[hugepages] %s: %s (%s:%d) sets this size too; give a total or "
			    "per-node counts, not both", later->key, first->key, first->file, first->line);
	}
	return 0;
}

static const struct profile_entry *entry_in(const struct profile *p, const char *section,
					    const char *key)
{
	for (size_t i = 0; i < p->nentries; i++)
		if (!strcmp(p->entries[i].section, section) && !strcmp(p->entries[i].key, key))
			return &p->entries[i];
	return NULL;
}

static int check_irq(const struct profile *p, const struct profile_entry **at, char **msg)
{
	const struct profile_entry *policy = entry_in(p, "irq", "policy");
	const struct profile_entry *devices = entry_in(p, "irq", "devices");

	if (devices && !policy) {
		*at = devices;
		return fail(msg, "[irq] devices: no policy says what to do with them "
			    "(policy = local-node)");
	}
	if (policy && !devices && strcmp(policy->value, "none")) {
		*at = policy;
		return fail(msg, "[irq] policy = %s: no devices to apply it to (devices = nic, nvme, "
			    "gpu, or PCI addresses)", policy->value);
	}
	return 0;
}

static int check_cmdline(const struct profile *p, const struct profile_entry **at, char **msg)
{
	const struct profile_entry *want = entry_in(p, "expect", "kernel_cmdline");
	const struct profile_entry *absent = entry_in(p, "expect", "kernel_cmdline_absent");
	_cleanup_strv_ char **a = NULL, **b = NULL;

	if (!want || !absent)
		return 0;
	if (strv_split(want->value, " \t", &a) < 0 || strv_split(absent->value, " \t", &b) < 0)
		return -ENOMEM;
	for (size_t i = 0; a[i]; i++) {
		const struct profile_entry *first = want < absent ? want : absent;

		if (!strv_contains(b, a[i]))
			continue;
		*at = want < absent ? absent : want;
		return fail(msg, "[expect] %s: '%s' is also in %s (%s:%d)", (*at)->key, a[i],
			    first->key, first->file, first->line);
	}
	return 0;
}

int schema_check_profile(const struct profile *p, const struct profile_entry **ret_at, char **ret_msg)
{
	int (*const checks[])(const struct profile *, const struct profile_entry **, char **) = {
		check_hugepages, check_irq, check_cmdline,
	};

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		int r = checks[i](p, ret_at, ret_msg);

		if (r < 0)
			return r;
	}
	return 0;
}
