/* The journal: field escaping, the line format (and its refusal of
 * anything damaged), saving and loading under a sysroot, and the lock. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tap.h"
#include "tune/journal.h"
#include "tune/lock.h"

static void test_escape_round_trip(void)
{
	static const char *const values[] = {
		"", "never", "a b", "4096\t131072\t6291456", "two\nlines", "back\\slash", "\"quoted\"",
		"\"\"", "caf\xc3\xa9", "\x01\x1b[31m\x7f", "end 3", "-", "0-95,192-287", " lead", "trail ",
	};

	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		_cleanup_free_ char *e = journal_escape(values[i]), *back = NULL;
		bool plain = e && *e && !strpbrk(e, " \t\n");

		tap_ok(plain && journal_unescape(e, &back) == 0 && !strcmp(back, values[i]),
		       "escape round trip %zu ('%s' -> one plain field)", i, e ? e : "(null)");
	}
}

static void test_unescape_refuses(void)
{
	static const char *const bad[] = {"", "a b", "\\x0", "\\x00", "\\q", "\\", "\"", "x\\xg1", "\t"};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *out = NULL;

		tap_ok(journal_unescape(bad[i], &out) == -EINVAL, "unescape refuses malformed field %zu", i);
		free(out);
	}
}

static struct journal *sample(void)
{
	struct journal *j = journal_new("6f1c-boot", "/etc/rigtune/epyc genoa.ini");

	journal_add(j, "thp.enabled", "sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	journal_add(j, "sysctl.net.ipv4.tcp_rmem", "proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456");
	journal_add(j, "sysctl.kernel.core_pattern", "proc/sys/kernel/core_pattern", "");
	return j;
}

static void test_format_parse(void)
{
	_cleanup_(journal_freep) struct journal *j = sample(), *back = NULL;
	_cleanup_free_ char *text = NULL;
	int line = -1;

	tap_is_int(journal_add(j, "thp.enabled", "sys/kernel/mm/transparent_hugepage/enabled", "never"), 0,
		   "a path already journaled keeps its first original");
	tap_ok(journal_format(j, &text) == 0 && startswith(text, "rigtune-journal 1\n") &&
	       endswith(text, "end 3\n"), "format: versioned header, end record with the count");
	tap_ok(journal_parse(text, &back, &line) == 0, "parse what format wrote");
	tap_ok(back && back->nentries == 3 && !strcmp(back->profile, j->profile) &&
	       !strcmp(back->boot_id, "6f1c-boot"), "profile and boot id survive");
	for (size_t i = 0; back && i < 3; i++)
		tap_ok(!strcmp(back->entries[i].original, j->entries[i].original) &&
		       !strcmp(back->entries[i].path, j->entries[i].path) &&
		       !strcmp(back->entries[i].label, j->entries[i].label), "entry %zu survives byte for byte", i);
	tap_is_str(back ? back->entries[0].original : NULL, "madvise", "first original kept over the later one");
}

static void expect_corrupt(const char *text, int want_line, const char *what)
{
	struct journal *j = NULL;
	int line = 0, r = journal_parse(text, &j, &line);

	tap_ok(r == -EBADMSG && j == NULL && line == want_line, "corrupt (%s): -EBADMSG at line %d (got %d, line %d)",
	       what, want_line, r, line);
	journal_free(j);
}

static void test_corrupt(void)
{
	const char *head = "rigtune-journal 1\nboot \"\"\nprofile p.ini\n";
	char buf[512];

	expect_corrupt("", 1, "empty");
	expect_corrupt("rigtune-journal 2\nboot \"\"\nprofile p\nend 0\n", 1, "another version");
	snprintf(buf, sizeof(buf), "%sset a sys/a 1\n", head);
	expect_corrupt(buf, 5, "cut short: no end record");
	snprintf(buf, sizeof(buf), "%sset a sys/a 1\nend 2\n", head);
	expect_corrupt(buf, 5, "end count does not match");
	snprintf(buf, sizeof(buf), "%sset a sys/a 1\nend 1", head);
	expect_corrupt(buf, 5, "last line without its newline");
	snprintf(buf, sizeof(buf), "%sset a sys/a 1\nend 1\nset b sys/b 2\n", head);
	expect_corrupt(buf, 6, "a record after the end");
	snprintf(buf, sizeof(buf), "%sset a sys/a 1\nset b sys/a 2\nend 2\n", head);
	expect_corrupt(buf, 5, "one path twice");
	snprintf(buf, sizeof(buf), "%sset a sys/a\nend 1\n", head);
	expect_corrupt(buf, 4, "a missing field");
	snprintf(buf, sizeof(buf), "%sset a  sys/a 1\nend 1\n", head);
	expect_corrupt(buf, 4, "two spaces");
	snprintf(buf, sizeof(buf), "%sset a sys/a 1 extra\nend 1\n", head);
	expect_corrupt(buf, 4, "an extra field");
	snprintf(buf, sizeof(buf), "%sset a sys/a \\x0\nend 1\n", head);
	expect_corrupt(buf, 4, "a bad escape");
}

static void test_files(void)
{
	char dir[] = "/tmp/test-tune-journal-XXXXXX";
	_cleanup_(journal_freep) struct journal *j = sample(), *back = NULL;
	struct sysroot *sr = NULL;
	struct stat st;
	char path[256];
	int line = 0, fd, fd2;

	if (!mkdtemp(dir) || sysroot_open(dir, &sr) < 0) {
		tap_skip("cannot make a temporary sysroot");
		return;
	}
	tap_is_int(journal_load(sr, &back, &line), -ENOENT, "no journal yet: -ENOENT");
	tap_is_int(journal_save(sr, j), 0, "save creates run/rigtune and the journal");
	snprintf(path, sizeof(path), "%s/run/rigtune/journal.tmp", dir);
	tap_ok(stat(path, &st) < 0, "no temporary file left behind");
	tap_ok(journal_load(sr, &back, &line) == 0 && back->nentries == 3, "load what save wrote");
	back = journal_free(back);
	snprintf(path, sizeof(path), "%s/run/rigtune/journal", dir);
	tap_ok(chmod(path, 0666) == 0 && journal_load(sr, &back, &line) == -EPERM,
	       "a world-writable journal is refused (-EPERM)");
	(void)chmod(path, 0644);
	snprintf(path, sizeof(path), "%s/run/rigtune", dir);
	tap_ok(chmod(path, 0777) == 0 && journal_load(sr, &back, &line) == -EPERM,
	       "a journal in a world-writable directory is refused (-EPERM)");
	(void)chmod(path, 0755);
	if (geteuid() == 0) {
		snprintf(path, sizeof(path), "%s/run/rigtune/journal", dir);
		tap_ok(chown(path, 1000, 1000) == 0 && journal_load(sr, &back, &line) == -EPERM,
		       "as root, a journal owned by uid 1000 is refused (-EPERM)");
		(void)chown(path, 0, 0);
	} else {
		tap_skip("not root: a journal of another owner not tried");
	}
	snprintf(path, sizeof(path), "%s/run/rigtune/journal.tmp", dir);
	tap_ok(mkfifo(path, 0644) == 0 && journal_save(sr, j) == 0 && stat(path, &st) < 0,
	       "a FIFO where the temporary file goes: saved anyway, not blocked, FIFO gone");
	tap_ok(journal_load(sr, &back, &line) == 0 && back->nentries == 3, "load what save wrote");
	tap_is_int(journal_remove(sr), 0, "remove");
	journal_free(back);
	back = NULL;
	tap_is_int(journal_load(sr, &back, &line), -ENOENT, "gone after remove");
	tap_is_int(journal_remove(sr), 0, "removing no journal is fine");

	fd = tune_lock_acquire(sr, 0);
	tap_ok(fd >= 0, "take the lock");
	tap_is_int(tune_lock_acquire(sr, 120), -EBUSY, "a second taker waits, then gets -EBUSY");
	tune_lock_release(fd);
	fd2 = tune_lock_acquire(sr, 0);
	tap_ok(fd2 >= 0, "free again once released");
	tune_lock_release(fd2);
	sysroot_free(sr);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "# cannot remove %s\n", dir);
}

/* Each setting names only the files it writes: an entry labelled thp.*
 * cannot restore kernel/core_pattern. */
static void test_entry_matches(void)
{
	static const struct { const char *label, *path; bool ok; } cases[] = {
		{"thp.enabled", "sys/kernel/mm/transparent_hugepage/enabled", true},
		{"thp.enabled", "proc/sys/kernel/core_pattern", false},
		{"hugepages.1G", "sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages", true},
		{"hugepages.2M", "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", true},
		{"hugepages.1G", "sys/devices/system/node/node1/cpulist", false},
		{"sysctl.vm.swappiness", "proc/sys/vm/swappiness", true},
		{"sysctl.vm.swappiness", "proc/sys/kernel/core_pattern", false},
		{"sysctl.vm.swappiness", "proc/sys/vm/swappiness/x", false},
		{"cpu.governor", "sys/devices/system/cpu/cpu3/cpufreq/scaling_governor", true},
		{"cpu.governor", "sys/kernel/mm/transparent_hugepage/enabled", false},
		{"irq.0000:41:00.0", "proc/irq/120/smp_affinity_list", true},
		{"irq.0000:41:00.0", "proc/sys/kernel/core_pattern", false},
		{"irq.0000:41:00.0", "proc/irq/../sys/kernel/core_pattern", false},
		{"/sys/module/pcie_aspm/parameters/policy", "sys/module/pcie_aspm/parameters/policy", true},
		{"/sys/module/pcie_aspm/parameters/policy", "sys/kernel/mm/transparent_hugepage/enabled", false},
		{"kernel.core_pattern", "proc/sys/kernel/core_pattern", false},
		{"/sys/class/net/*/queues/rx-*/rps_cpus", "sys/class/net/eth0/queues/rx-1/rps_cpus", true},
		{"/sys/class/net/*/queues/rx-*/rps_cpus", "sys/class/net/eth0/queues/tx-1/rps_cpus", false},
		{"/sys/class/net/*/queues/rx-*/rps_cpus", "sys/class/net/a/b/queues/rx-0/rps_cpus", false},
		{"/sys/class/net/*/queues/rx-*/rps_cpus", "sys/class/net/.x/queues/rx-0/rps_cpus", false},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		tap_ok(journal_entry_matches(cases[i].label, cases[i].path) == cases[i].ok, "%s %s: %s",
		       cases[i].label, cases[i].path, cases[i].ok ? "matches" : "refused");
}

/* 200,000 entries: the lookup is a hash, so this takes milliseconds (a
 * linear lookup took minutes; the meson timeout catches a regression). */
static void test_many_entries(void)
{
	_cleanup_(journal_freep) struct journal *j = journal_new("b", "p"), *back = NULL;
	_cleanup_free_ char *text = NULL;
	bool ok = j != NULL;
	char path[96];
	int line = 0;

	for (int i = 0; ok && i < 200000; i++) {
		snprintf(path, sizeof(path), "proc/irq/%d/smp_affinity_list", i);
		ok = journal_add(j, "irq.x", path, "0-3") == 1 && journal_add(j, "irq.x", path, "1") == 0;
	}
	tap_ok(ok && j->nentries == 200000, "200,000 entries added, each once");
	tap_ok(journal_format(j, &text) == 0 && journal_parse(text, &back, &line) == 0 &&
	       back->nentries == 200000, "and parsed back");
	tap_ok(back && journal_find(back, "proc/irq/199999/smp_affinity_list") == &back->entries[199999] &&
	       !journal_find(back, "proc/irq/200000/smp_affinity_list"), "the last one found, no more");
}

int main(void)
{
	test_entry_matches();
	test_many_entries();
	test_escape_round_trip();
	test_unescape_refuses();
	test_format_parse();
	test_corrupt();
	test_files();
	return tap_done();
}
