/* The section declarations: every knob file is in the table, in write
 * order, with its keys documented; the sections a profile may hold and
 * the message that lists them follow from the declarations; every
 * [expect] row carries its check; [verify] parses into the plain struct. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "tap.h"
#include "tune/audit.h"
#include "tune/plan.h"
#include "tune/schema.h"
#include "tune/verify-targets.h"

static void test_knob_table(void)
{
	const char *want[] = {"thp", "hugepages", "sysctl", "cpu", "irq", "sysfs"};
	size_t n = 0;

	for (; knob_at(n); n++) {
		const struct knob *k = knob_at(n);

		tap_ok(n >= sizeof(want) / sizeof(want[0]) || !strcmp(k->section.name, want[n]),
		       "knob %zu in write order: %s", n, k->section.name);
		tap_ok(k->plan || k->plan_entry, "[%s] has a plan hook", k->section.name);
		tap_ok(n == 0 || knob_at(n - 1)->order < k->order, "[%s] order %d is unique and ascending",
		       k->section.name, k->order);
	}
	tap_ok(n >= 6, "every knob file is in the table (%zu)", n);
}

static void test_sections(void)
{
	char hint[256];
	size_t n = 0;

	for (; schema_section_at(n); n++) {
		const struct schema_section *s = schema_section_at(n);

		tap_ok(s->doc && *s->doc && s->keys && s->keys[0].name, "[%s] is documented and has keys", s->name);
		for (const struct schema_key *k = s->keys; k->name; k++)
			tap_ok(k->doc && *k->doc, "[%s] %s has a doc line", s->name, k->name);
		tap_ok(schema_section_find(s->name) == s, "[%s] is found by name", s->name);
	}
	tap_is_str(schema_section_at(0)->name, "profile", "[profile] first");
	tap_is_str(schema_section_at(n - 2)->name, "expect", "[expect] after the knobs");
	tap_is_str(schema_section_at(n - 1)->name, "verify", "[verify] last");
	tap_is_str(schema_sections_hint(hint, sizeof(hint)),
		   "profile, thp, hugepages, sysctl, cpu, irq, sysfs, kernel, expect, verify", "the sections hint");
	tap_ok(!schema_section_known("sysctls"), "an unknown section is unknown");
}

static void test_expect_rows(void)
{
	for (const struct schema_key *k = expect_section.keys; k->name; k++)
		tap_ok(k->check && k->hint, "[expect] %s has a check and a hint", k->name);
	tap_ok(schema_key_find(&expect_section, "pcie.nic.width") &&
	       !strcmp(schema_key_find(&expect_section, "pcie.nic.width")->name, "pcie.<class>.width"),
	       "pcie.nic.width finds the width row");
	tap_ok(!schema_key_find(&expect_section, "pcie.fpga.width"), "pcie.fpga.width finds no row");
}

static void test_verify_targets(void)
{
	struct bench_targets t;

	bench_targets_init(&t);
	tap_is_int(bench_targets_set(&t, "copy_gbps", "300.5"), 0, "copy_gbps = 300.5");
	tap_ok(t.value[BENCH_TARGET_COPY] == 300.5 && isnan(t.value[BENCH_TARGET_READ]),
	       "the value lands in its own slot only");
	tap_is_int(bench_targets_set(&t, "copy_gbps", "1e3"), -EINVAL, "1e3: the schema's decimal rule");
	tap_is_int(bench_targets_set(&t, "peak_fraction", "1.5"), -ERANGE, "peak_fraction 1.5: the row's range");
	for (int i = 0; i < BENCH_NTARGETS; i++)
		tap_ok(schema_key_find(&verify_section, bench_target_key(i)) != NULL, "target %d has a row: %s", i,
		       bench_target_key(i));
}

int main(void)
{
	test_knob_table();
	test_sections();
	test_expect_rows();
	test_verify_targets();
	return tap_done();
}
