/* The profile schema's generic part: finding a key in a section's
 * declared rows (tune/sections.c lists them), checking a value against
 * its row's type and range, and the typed parsers every section shares.
 * No section's keys are declared here. Reads no files. */
#include <errno.h>
#include <stdio.h>

#include "common/suggest.h"
#include "common/util.h"
#include "probes/pci.h"
#include "tune/profile.h"
#include "tune/schema.h"

const char *const schema_device_classes[] = {"gpu", "nic", "nvme", "accel", "storage", NULL};

const char *schema_sections_hint(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; schema_section_at(i) && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? ", " : "", schema_section_at(i)->name);
	return buf;
}

bool schema_section_known(const char *section)
{
	return schema_section_find(section) != NULL;
}

/* At most 64 bytes, so a message never carries terminal escapes. */
char *schema_quote(const char *s)
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

int schema_fail(char **msg, const char *fmt, ...)
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

/* "unknown key 'x' in [s]" with the closest key, or the list of keys. */
static int unknown_key(const struct schema_section *s, const char *key, char **msg)
{
	_cleanup_free_ char *q = schema_quote(key);
	_cleanup_strv_ char **exact = NULL;
	struct strbuf keys = {0};
	const char *best;
	int r = 0;

	if (!q)
		return -ENOMEM;
	for (const struct schema_key *k = s->keys; k->name && r >= 0; k++) {
		if (!k->match)
			r = strv_extend(&exact, k->name);
		if (r >= 0)
			r = strbuf_printf(&keys, "%s%s", k == s->keys ? "" : ", ", k->name);
	}
	best = suggest_closest(key, exact);
	if (r >= 0 && best)
		r = schema_fail(msg, "unknown key '%s' in [%s]; did you mean '%s'?", q, s->name, best);
	else if (r >= 0)
		r = schema_fail(msg, "unknown key '%s' in [%s] (valid keys: %s)", q, s->name, keys.buf);
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

const struct schema_key *schema_key_find(const struct schema_section *s, const char *key)
{
	_cleanup_free_ char *msg = NULL;
	const struct schema_key *k;

	return key_find(s, key, &k, &msg) < 0 ? NULL : k;
}

int schema_check_key(const char *section, const char *key, char **ret_msg)
{
	const struct schema_section *s = schema_section_find(section);
	const struct schema_key *k;

	if (!s) {
		_cleanup_free_ char *q = schema_quote(section);

		char hint[256];

		return q ? schema_fail(ret_msg, "unknown section [%s] (valid: %s)", q,
				       schema_sections_hint(hint, sizeof(hint))) : -ENOMEM;
	}
	if (!*key)
		return schema_fail(ret_msg, "[%s] a key is missing before '='", section);
	return key_find(s, key, &k, ret_msg);
}

/* ---- numbers and keys written as patterns ---- */

int schema_parse_count(const char *s, uint64_t *ret)
{
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	return parse_u64(s, ret);
}

int schema_parse_percent(const char *s, unsigned *ret)
{
	size_t n = strspn(s, "0123456789");
	uint64_t v;

	if (n == 0 || n > 3 || s[n] != '%' || s[n + 1])
		return -EINVAL;
	if (parse_u64(strndupa(s, n), &v) < 0)
		return -EINVAL;
	if (v > 100)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

int schema_parse_size(const char *s, uint64_t *ret_bytes)
{
	static const char units[] = "KMGT";
	size_t n = strspn(s, "0123456789");
	const char *u = n ? strchr(units, s[n] & ~0x20) : NULL;
	uint64_t v;

	if (!u || !s[n] || (s[n + 1] && strcmp(s + n + 1, "B") && strcmp(s + n + 1, "iB")) || n > 12)
		return -EINVAL;
	if (parse_u64(strndupa(s, n), &v) < 0)
		return -EINVAL;
	if (v > UINT64_MAX >> (10 * (u - units + 1)))
		return -ERANGE;
	*ret_bytes = v << (10 * (u - units + 1));
	return 0;
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
	if (*rest && parse_node_suffix(rest, &node) < 0)
		return -EDOM;
	*ret_size_kb = kb;
	*ret_node = node;
	return 0;
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

/* ---- values ---- */

/* The PCI probe's parser, with the domain optional. */
int schema_parse_bdf(const char *s, unsigned *ret_domain, unsigned *ret_bus, unsigned *ret_dev,
		     unsigned *ret_fn)
{
	char full[32];

	if (strchr(s, ':') != strrchr(s, ':'))
		return pci_parse_bdf(s, ret_domain, ret_bus, ret_dev, ret_fn);
	if (strlen(s) > 16)
		return -EINVAL;
	snprintf(full, sizeof(full), "0000:%s", s);
	return pci_parse_bdf(full, ret_domain, ret_bus, ret_dev, ret_fn);
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
	return schema_fail(msg, "[%s] %s: %s", c->section, c->qkey, why);
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
	if (r == -EINVAL && k->type == V_PAGES)
		return bad_value(c, msg, "'%s' is not a whole number of pages (%llu to %llu) nor a share of "
				 "memory (50%%)", c->qval, lo, hi);
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
	enum schema_type t = c->key->type;
	_cleanup_strv_ char **items = NULL;
	unsigned d[4];
	int r;

	r = t == V_TOKENS ? strv_split(c->value, " \t", &items) : schema_split_list(c->value, &items);
	if (r < 0)
		return r;
	if (strlen(c->value) > SCHEMA_STRING_MAX)
		return bad_value(c, msg, "the value is longer than %d bytes", SCHEMA_STRING_MAX);
	for (size_t i = 0; items[i]; i++) {
		_cleanup_free_ char *q = schema_quote(items[i]);

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

/* A count of pages or a size, else a share of memory "50%". */
static int check_share(const struct vctx *c, char **msg)
{
	unsigned pct;
	uint64_t bytes;
	int r = schema_parse_percent(c->value, &pct);

	if (r == -ERANGE)
		return bad_value(c, msg, "'%s' is more than 100%%", c->qval);
	if (r == 0)
		return 0;
	if (c->key->type == V_PAGES)
		return check_count(c, msg);
	if (schema_parse_size(c->value, &bytes) < 0)
		return bad_value(c, msg, "'%s' is not a size (8G, 512M) or a share of memory (15%%)", c->qval);
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
	case V_PAGES:
	case V_SIZE_SHARE:
		return check_share(c, msg);
	}
	return -EINVAL;
}

int schema_check_value(const char *section, const char *key, const char *value, char **ret_msg)
{
	const struct schema_section *s = schema_section_find(section);
	struct vctx c = {.section = section, .value = value};
	const struct schema_key *k;
	int r;

	if (!s)
		return schema_check_key(section, key, ret_msg);
	r = key_find(s, key, &k, ret_msg);
	if (r < 0)
		return r;
	c.key = k;
	c.qkey = schema_quote(key);
	c.qval = schema_quote(value);
	if (c.qkey && c.qval)
		r = check_typed(&c, ret_msg);
	else
		r = -ENOMEM;
	free(c.qkey);
	free(c.qval);
	return r;
}

int schema_check_profile(const struct profile *p, const struct profile_entry **ret_at, char **ret_msg)
{
	for (size_t i = 0; schema_section_at(i); i++) {
		const struct schema_section *s = schema_section_at(i);
		int r = s->rule ? s->rule(p, ret_at, ret_msg) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}
