/* "Did you mean" (common/suggest.c), the share and size parsers of
 * [hugepages] (tune/schema.c), the keep_free floor (tune/knob-hugepages.c)
 * and the durable-file allow-list (common/durable.c). */
#include <errno.h>
#include <stdint.h>

#include "common/durable.h"
#include "common/suggest.h"
#include "tap.h"
#include "tune/knobs.h"
#include "tune/schema.h"

static void test_suggest(void)
{
	char *names[] = {"swappiness", "dirty_ratio", "max_map_count", NULL};

	tap_is_int((int)edit_distance("swapiness", "swappiness"), 1, "one letter missing: distance 1");
	tap_is_int((int)edit_distance("", "abc"), 3, "from nothing: the length");
	tap_is_str(suggest_closest("swapiness", names), "swappiness", "swapiness -> swappiness");
	tap_is_str(suggest_closest("max_map_cont", names), "max_map_count", "max_map_cont -> max_map_count");
	tap_ok(suggest_closest("zone_reclaim_mode", names) == NULL, "nothing close: no suggestion");
	tap_ok(suggest_closest("ab", (char *[]){"xy", NULL}) == NULL, "two edits of two letters is no typo");
}

static void test_parsers(void)
{
	unsigned pct = 0;
	uint64_t bytes = 0;

	tap_ok(schema_parse_percent("50%", &pct) == 0 && pct == 50, "50%% is 50");
	tap_is_int(schema_parse_percent("101%", &pct), -ERANGE, "101%% is out of range");
	tap_is_int(schema_parse_percent("50", &pct), -EINVAL, "50 without %% is no share");
	tap_is_int(schema_parse_percent("5.5%", &pct), -EINVAL, "a decimal share is refused");
	tap_ok(schema_parse_size("8G", &bytes) == 0 && bytes == 8ULL << 30, "8G is 8 GiB");
	tap_ok(schema_parse_size("512MiB", &bytes) == 0 && bytes == 512ULL << 20, "512MiB");
	tap_ok(schema_parse_size("4096k", &bytes) == 0 && bytes == 4ULL << 20, "4096k");
	tap_is_int(schema_parse_size("8", &bytes), -EINVAL, "a size needs a unit");
	tap_is_int(schema_parse_size("8X", &bytes), -EINVAL, "an unknown unit");
	tap_is_int(schema_parse_size("99999999999T", &bytes), -ERANGE, "beyond 64 bits");
}

static void test_keep_free(void)
{
	const uint64_t gib = 1ULL << 30;

	tap_ok(hugepages_keep_free(NULL, 24 * gib) == 4 * gib, "default on 24 GiB: the 4 GiB minimum");
	tap_ok(hugepages_keep_free(NULL, 1536 * gib) == 1536 * gib / 100 * 10, "default on 1.5 TiB: 10 %%");
	tap_ok(hugepages_keep_free("15%", 100 * gib) == 15 * gib, "keep_free = 15%%");
	tap_ok(hugepages_keep_free("8G", 100 * gib) == 8 * gib, "keep_free = 8G");
}

static void test_durable_paths(void)
{
	tap_ok(sr_durable_path_allowed("etc/default/grub.d/rigtune.cfg"), "GRUB snippet allowed");
	tap_ok(sr_durable_path_allowed("etc/kernel/cmdline"), "systemd-boot cmdline allowed");
	tap_ok(sr_durable_path_allowed("etc/systemd/system/dev-hugepages1G.mount"), "a mount unit allowed");
	tap_ok(sr_durable_path_allowed("var/lib/rigtune/originals/etc_kernel_cmdline"), "a saved original allowed");
	tap_ok(!sr_durable_path_allowed("etc/default/grub"), "/etc/default/grub itself refused");
	tap_ok(!sr_durable_path_allowed("etc/systemd/system/evil.service"), "a service unit refused");
	tap_ok(!sr_durable_path_allowed("etc/systemd/system/a/b.mount"), "a unit in a subdirectory refused");
	tap_ok(!sr_durable_path_allowed("var/lib/rigtune/originals/../journal"), "'..' refused");
	tap_ok(!sr_durable_path_allowed("var/lib/rigtune/originals/.hidden"), "a hidden name refused");
	tap_ok(!sr_durable_path_allowed("etc/passwd"), "anything else refused");
}

int main(void)
{
	test_suggest();
	test_parsers();
	test_keep_free();
	test_durable_paths();
	return tap_done();
}
