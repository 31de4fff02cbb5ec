/* [verify]: the GB/s targets of `rigtune verify` (and the GPUs' share of
 * their links), one row per key (type,
 * range, doc), and the plain struct the verifier takes. Reads no files. */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/verify-targets.h"

#define MAX_GBPS 100000     /* no memory system comes near 100 TB/s */

static const struct schema_key verify_keys[] = {
	{SCHEMA_DECIMAL("triad_gbps", 0, MAX_GBPS), .id = BENCH_TARGET_TRIAD, .doc = "whole host"},
	{SCHEMA_DECIMAL("node_triad_gbps", 0, MAX_GBPS), .id = BENCH_TARGET_NODE_TRIAD,
	 .doc = "each node alone"},
	{SCHEMA_DECIMAL("read_gbps", 0, MAX_GBPS), .id = BENCH_TARGET_READ, .doc = "whole host, read"},
	{SCHEMA_DECIMAL("write_gbps", 0, MAX_GBPS), .id = BENCH_TARGET_WRITE, .doc = "whole host, write"},
	{SCHEMA_DECIMAL("copy_gbps", 0, MAX_GBPS), .id = BENCH_TARGET_COPY, .doc = "whole host, copy"},
	{SCHEMA_DECIMAL("peak_fraction", 0, 1), .id = BENCH_TARGET_PEAK_FRACTION,
	 .doc = "of the theoretical SMBIOS peak"},
	{SCHEMA_DECIMAL("gpu_h2d_fraction", 0, 1), .id = BENCH_TARGET_GPU_H2D_FRACTION,
	 .doc = "each GPU's host-to-device rate (bench --gpu) of its PCIe link's"},
	{0},
};

const struct schema_section verify_section = {
	.name = "verify",
	.doc = "targets for `rigtune verify`, GB/s (10^9 B/s)",
	.keys = verify_keys,
};

const char *bench_target_key(enum bench_target t)
{
	for (const struct schema_key *k = verify_keys; k->name; k++)
		if (k->id == (int)t)
			return k->name;
	return "?";
}

void bench_targets_init(struct bench_targets *t)
{
	for (int i = 0; i < BENCH_NTARGETS; i++) {
		t->value[i] = NAN;
		t->file[i] = NULL;
		t->line[i] = 0;
	}
}

int bench_targets_set(struct bench_targets *t, const char *key, const char *value)
{
	const struct schema_key *k = schema_key_find(&verify_section, key);
	double v;

	if (!k)
		return -ENOENT;
	if (schema_parse_decimal(value, &v) < 0)
		return -EINVAL;
	if (!(v > k->dmin && v <= k->dmax))
		return -ERANGE;
	t->value[k->id] = v;
	return 0;
}

static char *set_error(const struct profile_entry *e, int r)
{
	struct strbuf known = {0};
	char *msg;

	for (int i = 0; i < BENCH_NTARGETS; i++)
		if (strbuf_printf(&known, "%s%s", i ? ", " : "", bench_target_key(i)) < 0)
			break;
	if (r == -ENOENT)
		msg = xasprintf("%s:%d: [verify] %s: unknown key (known: %s)", e->file, e->line, e->key,
				known.buf ? known.buf : "");
	else if (r == -EINVAL)
		msg = xasprintf("%s:%d: [verify] %s: '%s' is not a number", e->file, e->line, e->key, e->value);
	else
		msg = xasprintf("%s:%d: [verify] %s: '%s' is out of range (%s)", e->file, e->line, e->key,
				e->value, schema_key_find(&verify_section, e->key)->dmax > 1
						  ? "GB/s above 0, at most 100000" : "a fraction above 0, at most 1");
	strbuf_release(&known);
	return msg;
}

int bench_targets_from_profile(const struct profile *p, struct bench_targets *ret, char **error)
{
	struct bench_targets t;

	bench_targets_init(&t);
	for (const struct profile_entry *e = NULL; (e = profile_next(p, "verify", e));) {
		int r = bench_targets_set(&t, e->key, e->value);

		if (r < 0) {
			if (error)
				*error = set_error(e, r);
			return r == -ENOENT || r == -ERANGE ? -EINVAL : r;
		}
		r = schema_key_find(&verify_section, e->key)->id;
		t.file[r] = e->file;
		t.line[r] = e->line;
	}
	*ret = t;
	return 0;
}
