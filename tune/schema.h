/* The profile schema: which sections and keys a profile may set and what
 * values each takes. Each section is declared by its own file (a knob in
 * tune/knob-*.c, [expect] in tune/expect.c, [verify] in
 * tune/verify-targets.c) and listed by tune/sections.c; tune/schema.c
 * holds only the generic typed checks and parsers. profile_load checks
 * every line against it; the engine uses the parsers below so that a key
 * means the same thing everywhere. Messages are
 * malloc'd, carry no file:line (the caller adds it) and quote the
 * offending text with control characters escaped. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile;
struct profile_entry;

#define SCHEMA_STRING_MAX 4096          /* bytes of a [sysctl]/[sysfs] value */
#define SCHEMA_HUGEPAGES_MAX (1ULL << 40) /* pages in one pool */
#define SCHEMA_NODE_MAX 1023            /* highest NUMA node (MAX_NUMNODES 1024) */

/* Device classes of [irq] devices and [expect] pcie.<class>.*:
 * gpu (PCI class 0x0300, 0x0302), nic (0x0200, 0x0207), nvme (0x0108),
 * accel (0x1200), storage (other 0x01xx). NULL-terminated. */
extern const char *const schema_device_classes[];

/* ---- declaring a section: each section's own file declares its keys ---- */

enum schema_type {
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
	V_PAGES,        /* V_COUNT, or a share of memory "50%" */
	V_SIZE_SHARE,   /* a size "8G", or a share of memory "15%" */
};

struct schema_key;
struct knob_ctx;
struct audit;

/* For keys given as a pattern: 1 the key is this row's, 0 it is not,
 * -EINVAL it is but malformed (*msg says why, see schema_fail), -ENOMEM. */
typedef int (*schema_match_fn)(const struct schema_key *k, const char *key, char **msg);
/* An [expect] row's check (tune/expect.c): one audit check for e. */
typedef int (*schema_expect_fn)(const struct knob_ctx *ctx, const struct profile_entry *e,
				struct audit *a, const char *hint);

/* One key of a section: its name (or pattern), the type and range of its
 * value and one line of documentation. [expect] rows also carry the
 * check that audits them, the hint shown when it fails and the probes
 * the check reads. */
struct schema_key {
	const char *name;       /* the key, or its pattern as shown in hints */
	schema_match_fn match;  /* NULL: name matches exactly */
	enum schema_type type;
	const char *const *choices;
	uint64_t min, max;      /* V_COUNT range; byte limit of words and strings */
	double dmin, dmax;      /* V_DECIMAL range */
	const char *doc;
	int id;                 /* the section's own number for the key (an enum), or 0 */
	schema_expect_fn check;
	const char *hint;
	unsigned probes;        /* [expect]: the PROBE_BITs check reads */
};

/* Row builders: {SCHEMA_COUNT("sockets", 1, 64), .doc = "..."}. */
#define SCHEMA_CHOICE(n, c) .name = n, .type = V_CHOICE, .choices = c
#define SCHEMA_BOOL(n) .name = n, .type = V_BOOL
#define SCHEMA_COUNT(n, lo, hi) .name = n, .type = V_COUNT, .min = lo, .max = hi
#define SCHEMA_DECIMAL(n, lo, hi) .name = n, .type = V_DECIMAL, .dmin = lo, .dmax = hi
#define SCHEMA_TEXT(n, t, len) .name = n, .type = t, .max = len
#define SCHEMA_PATTERN(n, fn, t) .name = n, .match = fn, .type = t

/* Rules across the keys of a merged profile (a pool given twice): 0, or
 * -EINVAL with *ret_at (the later entry) and *ret_msg; -ENOMEM. */
typedef int (*schema_rule_fn)(const struct profile *p, const struct profile_entry **ret_at, char **ret_msg);

struct schema_section {
	const char *name;
	const char *doc;
	const struct schema_key *keys;  /* ended by a row without name */
	schema_rule_fn rule;            /* or NULL */
};

/* Every section in the order `show` prints them: [profile], the knobs in
 * write order, [expect], [verify] (tune/sections.c); NULL past the end. */
const struct schema_section *schema_section_at(size_t i);
const struct schema_section *schema_section_find(const char *name);
bool schema_section_known(const char *section);
/* "profile, thp, hugepages, ..." for messages, into buf. */
const char *schema_sections_hint(char *buf, size_t size);

/* For match functions: *msg = the formatted text; returns -EINVAL (or
 * -ENOMEM). */
int schema_fail(char **msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text from a profile for a message: at most 64 bytes, control and
 * non-ASCII bytes as \xNN. malloc'd, NULL on OOM. */
char *schema_quote(const char *s);

/* Is key valid in section? 0, or -EINVAL with *ret_msg, e.g.
 * "unknown key 'enabeld' in [thp]; did you mean 'enabled'?". -ENOMEM. */
int schema_check_key(const char *section, const char *key, char **ret_msg);
/* The row of a valid key, or NULL. */
const struct schema_key *schema_key_find(const struct schema_section *s, const char *key);
/* Is value valid for section/key (the key already checked)? 0, or -EINVAL
 * with *ret_msg, e.g. "[thp] enabled: 'sometimes' is not one of always,
 * madvise, never". -ENOMEM. */
int schema_check_value(const char *section, const char *key, const char *value, char **ret_msg);
/* Every section's rule across keys, on a merged profile. 0, or -EINVAL
 * with *ret_at (the later entry) and *ret_msg. -ENOMEM. */
int schema_check_profile(const struct profile *p, const struct profile_entry **ret_at, char **ret_msg);

/* Parsers for the engine; each returns 0 or -EINVAL (-ERANGE for numbers
 * out of range) and sets its out-parameters only on success. */

/* [hugepages] key "2M", "1G", "2048kB", "1G.node1": page size in kB and
 * node, -1 for a total spread over the nodes. -EINVAL not a size, -ERANGE
 * not a power of two from 4K to 16G, -EDOM a bad .node<N> suffix. */
int schema_parse_hugepages_key(const char *key, uint64_t *ret_size_kb, int *ret_node);
/* [thp] key "hugepages-64kB": mTHP size in kB. */
int schema_parse_thp_size_key(const char *key, uint64_t *ret_size_kb);
/* [expect] key "pcie.gpu.width": class ("gpu") and attribute ("width"),
 * pointers into static strings. */
int schema_parse_pcie_key(const char *key, const char **ret_class, const char **ret_attr);
/* A PCI address "0000:1a:00.0" or "1a:00.0" (domain 0). */
int schema_parse_bdf(const char *s, unsigned *ret_domain, unsigned *ret_bus, unsigned *ret_dev,
		     unsigned *ret_fn);
/* Decimal digits only (no sign, space, or base prefix), within uint64_t. */
int schema_parse_count(const char *s, uint64_t *ret);
/* "50%": a whole percentage 0-100 (-ERANGE above). */
int schema_parse_percent(const char *s, unsigned *ret);
/* "8G", "512M", "4096K", "1T" (optionally "GB"/"GiB": powers of 1024). */
int schema_parse_size(const char *s, uint64_t *ret_bytes);
/* A plain decimal "700", "0.8", ".5" (no exponent, sign, nan or inf). */
int schema_parse_decimal(const char *s, double *ret);
/* Split a list on commas and white space ([irq] devices, [profile]
 * include); [expect] kernel_cmdline splits on white space only, with
 * strv_split(value, " \t"). -ENOMEM. */
int schema_split_list(const char *value, char ***ret);
