/* The profile schema: which sections and keys a profile may set and what
 * values each takes, as one table row per section (tune/schema.c).
 * profile_load checks every line against it; the engine uses the parsers
 * below so that a key means the same thing everywhere. Messages are
 * malloc'd, carry no file:line (the caller adds it) and quote the
 * offending text with control characters escaped. */
#pragma once
#include <stdbool.h>
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

/* Known section names, NULL-terminated, in the order `show` prints them. */
extern const char *const schema_section_names[];
bool schema_section_known(const char *section);
/* "profile, thp, hugepages, ..." for messages; static. */
const char *schema_sections_hint(void);

/* Is key valid in section? 0, or -EINVAL with *ret_msg, e.g.
 * "unknown key 'enabeld' in [thp]; did you mean 'enabled'?". -ENOMEM. */
int schema_check_key(const char *section, const char *key, char **ret_msg);
/* Is value valid for section/key (the key already checked)? 0, or -EINVAL
 * with *ret_msg, e.g. "[thp] enabled: 'sometimes' is not one of always,
 * madvise, never". -ENOMEM. */
int schema_check_value(const char *section, const char *key, const char *value, char **ret_msg);
/* Rules across keys, on a merged profile: one [hugepages] pool given twice
 * (2M and 2048kB) or both as a total and per node; [irq] devices without a
 * policy or the reverse; a token both in [expect] kernel_cmdline and
 * kernel_cmdline_absent. 0, or -EINVAL with *ret_at (the later entry) and
 * *ret_msg. -ENOMEM. */
int schema_check_profile(const struct profile *p, const struct profile_entry **ret_at, char **ret_msg);

/* Parsers for the engine; each returns 0 or -EINVAL (-ERANGE for numbers
 * out of range) and sets its out-parameters only on success. */

/* [hugepages] key "2M", "1G", "2048kB", "1G.node1": page size in kB and
 * node, -1 for a total spread over the nodes. */
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
/* A plain decimal "700", "0.8", ".5" (no exponent, sign, nan or inf). */
int schema_parse_decimal(const char *s, double *ret);
/* Split a list on commas and white space ([irq] devices, [profile]
 * include); [expect] kernel_cmdline splits on white space only, with
 * strv_split(value, " \t"). -ENOMEM. */
int schema_split_list(const char *value, char ***ret);
