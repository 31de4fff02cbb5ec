/* Profile parsing: line numbers, includes (order, override, relative
 * resolution, loops, depth), hostile files (long lines, NUL, bad UTF-8,
 * FIFOs, devices, huge files, unsafe ownership) and every schema rule.
 * Every fixture is written to a temporary directory here. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tune/profile.h"
#include "tune/schema.h"
#include "tests/unit/tap.h"

static char tmp[64];
static const char *dirs[2];

/* Write dir-relative name (creating subdirectories) with content of n bytes. */
static void put_n(const char *name, const char *content, size_t n)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	for (slash = strchr(path + strlen(tmp) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (!f || fwrite(content, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(2);
	}
	chmod(path, 0644);
}

static void put(const char *name, const char *content)
{
	put_n(name, content, strlen(content));
}

static char *at(const char *name)
{
	static char path[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmp, name);
	return path[i];
}

static struct profile_error err;

/* Load tmp/name with tmp as the search path. */
static int load_opt(const char *name, bool check_owner, struct profile **p)
{
	struct profile_search s = {.dirs = dirs, .check_owner = check_owner};

	profile_error_release(&err);
	*p = NULL;
	return profile_load(name, &s, p, &err);
}

static struct profile *load_ok(const char *name, const char *what)
{
	struct profile *p;
	int r = load_opt(at(name), false, &p);

	tap_ok(r == 0, "%s: loads (%d %s:%d: %s)", what, r, err.file, err.line, err.message);
	return r == 0 ? p : NULL;
}

static const char *value(const struct profile *p, const char *section, const char *key)
{
	const struct profile_entry *e = p ? profile_get(p, section, key) : NULL;

	return e ? e->value : NULL;
}

static int line_of(const struct profile *p, const char *section, const char *key)
{
	const struct profile_entry *e = p ? profile_get(p, section, key) : NULL;

	return e ? e->line : -1;
}

/* Loading content as bad.ini fails with r at line, message holding want. */
static void bad_n(const char *content, size_t n, int want_r, int line, const char *want,
		  const char *what)
{
	struct profile *p = NULL;
	int r;

	put_n("bad.ini", content, n);
	r = load_opt(at("bad.ini"), false, &p);
	tap_ok(r == want_r && err.line == line && err.message && strstr(err.message, want),
	       "%s: refused at line %d with '%s' (got %d, %s:%d: %s)", what, line, want, r,
	       err.file, err.line, err.message);
	profile_free(p);
}

static void bad(const char *content, int line, const char *want, const char *what)
{
	bad_n(content, strlen(content), -EINVAL, line, want, what);
}

static void test_basics(void)
{
	struct profile *p;

	put("basic.ini", "\xef\xbb\xbf; a comment\r\n"
			 "# another\r\n"
			 "[profile]\r\n"
			 "description = Basic rig  ; trailing comment\r\n"
			 "\r\n"
			 "[thp]\r\n"
			 "   enabled   =   never   ; why\r\n"
			 "[sysctl]\r\n"
			 "vm.swappiness = 10\r\n"
			 "vm.swappiness = 1\r\n"
			 "kernel.core_pattern = core;%p\r\n"
			 "[sysfs]\r\n"
			 "/sys/bus/pci/devices/0000:1a:00.0/power/control = on\r\n"
			 "[thp]\r\n"
			 "defrag = madvise\r\n");
	p = load_ok("basic.ini", "BOM, CRLF, comments, indentation");
	tap_is_str(p ? p->name : NULL, "basic", "name is the base name without .ini");
	tap_is_str(p ? p->description : NULL, "Basic rig", "description without its comment");
	tap_is_str(value(p, "thp", "enabled"), "never", "value stripped of space and comment");
	tap_is_int(line_of(p, "thp", "enabled"), 7, "line of an indented key");
	tap_is_str(value(p, "sysctl", "vm.swappiness"), "1", "a duplicate key: the later wins");
	tap_is_int(line_of(p, "sysctl", "vm.swappiness"), 10, "and its line is the later one");
	tap_is_str(value(p, "sysctl", "kernel.core_pattern"), "core;%p", "';' without space is data");
	tap_is_str(value(p, "sysfs", "/sys/bus/pci/devices/0000:1a:00.0/power/control"), "on",
		   "a sysfs key with ':' survives inih's ':' separator");
	tap_is_str(value(p, "thp", "defrag"), "madvise", "a section opened twice");
	tap_is_int(p ? (long long)p->nentries : -1, 5, "five settings, [profile] left out");
	tap_ok(p && !strcmp(p->entries[0].key, "enabled") && !strcmp(p->entries[4].key, "defrag"),
	       "entries in first-seen order");
	tap_ok(p && profile_next(p, "sysctl", NULL) && !strcmp(profile_next(p, "sysctl", NULL)->key,
	       "vm.swappiness") && !profile_next(p, "cpu", NULL), "profile_next walks a section");
	tap_ok(p && p->files[0] && !p->files[1], "one file read");
	profile_free(p);
}

static void test_includes(void)
{
	struct profile *p;

	put("base.ini", "[profile]\ndescription = base\n[thp]\nenabled = madvise\ndefrag = never\n"
			"[sysctl]\nvm.swappiness = 60\nvm.dirty_ratio = 20\n");
	put("extra.ini", "[sysctl]\nvm.swappiness = 30\nkernel.numa_balancing = 0\n");
	put("top.ini", "[thp]\nenabled = never\n[profile]\ninclude = base.ini, extra.ini\n"
		       "[sysctl]\nvm.dirty_ratio =\n");
	p = load_ok("top.ini", "include list");
	tap_is_str(value(p, "thp", "enabled"), "never", "the including file wins, wherever the "
		   "include line stands");
	tap_is_str(value(p, "sysctl", "vm.swappiness"), "30", "a later include wins over an earlier");
	tap_ok(p && profile_get(p, "sysctl", "vm.swappiness") &&
	       strstr(profile_get(p, "sysctl", "vm.swappiness")->file, "extra.ini"),
	       "and says which file it came from");
	tap_is_str(value(p, "thp", "defrag"), "never", "an included key nobody overrides");
	tap_is_str(value(p, "sysctl", "vm.dirty_ratio"), NULL, "an empty value unsets an included key");
	tap_is_str(p ? p->description : NULL, "base", "the description is inherited");
	tap_ok(p && !strcmp(p->entries[0].key, "enabled") && strstr(p->entries[0].file, "top.ini"),
	       "first-seen order starts with the includes, values from the latest file");
	tap_ok(p && strv_length(p->files) == 3 && strstr(p->files[1], "base.ini") &&
	       strstr(p->files[2], "extra.ini"), "files in include order");
	profile_free(p);

	put("twice.ini", "[profile]\ninclude = base.ini\ninclude = extra\n");
	p = load_ok("twice.ini", "two include lines, one without .ini");
	tap_is_str(value(p, "sysctl", "kernel.numa_balancing"), "0", "include lines accumulate");
	profile_free(p);

	/* gpu builds on base; top lists gpu then base: base is merged once */
	put("gpu.ini", "[profile]\ninclude = base.ini\n[thp]\nenabled = always\n");
	put("diamond.ini", "[profile]\ninclude = gpu.ini base.ini\n");
	p = load_ok("diamond.ini", "an include reached twice");
	tap_is_str(value(p, "thp", "enabled"), "always", "a file already merged is not merged again");
	tap_is_int(p ? (long long)strv_length(p->files) : -1, 3, "and is read once");
	profile_free(p);
}

static void test_resolution(void)
{
	struct profile *p;

	put("sub/base.ini", "[cpu]\ngovernor = schedutil\n");
	put("sub/child.ini", "[profile]\ninclude = base.ini\n");
	put("sub/deeper/leaf.ini", "[profile]\ninclude = ../base.ini, extra.ini\n");
	p = load_ok("sub/child.ini", "relative include");
	tap_is_str(value(p, "cpu", "governor"), "schedutil", "resolves against the including "
		   "file's directory before the search path");
	profile_free(p);
	p = load_ok("sub/deeper/leaf.ini", "../ include and search-path include");
	tap_is_str(value(p, "cpu", "governor"), "schedutil", "'../base.ini' from sub/deeper");
	tap_is_str(value(p, "sysctl", "kernel.numa_balancing"), "0", "extra.ini found in the search path");
	profile_free(p);

	tap_is_int(load_opt("top", false, &p), 0, "a bare name is looked up with .ini added");
	tap_ok(p && !strcmp(p->path, at("top.ini")), "in the search path (%s)", p ? p->path : "");
	profile_free(p);
	tap_is_int(load_opt("nope", false, &p), -ENOENT, "an unknown name: -ENOENT");
	tap_ok(err.line == 0 && strstr(err.message, "no such profile") && strstr(err.message, tmp),
	       "saying where it looked (%s)", err.message);
	tap_is_int(load_opt("sub/nothere.ini", false, &p), -ENOENT, "a missing path: -ENOENT");

	setenv("RIGTUNE_PROFILE_PATH", tmp, 1);
	{
		struct profile_search s = {0};

		profile_error_release(&err);
		tap_is_int(profile_load("top.ini", &s, &p, &err), 0, "RIGTUNE_PROFILE_PATH is searched");
		profile_free(p);
	}
}

static void test_include_errors(void)
{
	struct profile *p;
	char chain[64];

	put("loop-a.ini", "[profile]\ninclude = loop-b.ini\n");
	put("loop-b.ini", "; b\n[profile]\ninclude = loop-a.ini\n");
	tap_is_int(load_opt(at("loop-a.ini"), false, &p), -ELOOP, "a loop: -ELOOP");
	tap_ok(err.line == 3 && strstr(err.file, "loop-b.ini") &&
	       strstr(err.message, "loop-a.ini -> ") && strstr(err.message, "loop-b.ini -> "),
	       "at the include line, naming the chain (%s:%d: %s)", err.file, err.line, err.message);
	put("self.ini", "[profile]\ninclude = self.ini\n");
	tap_is_int(load_opt(at("self.ini"), false, &p), -ELOOP, "a file including itself");
	put("lost.ini", "[thp]\nenabled = never\n[profile]\ninclude = base.ini missing.ini\n");
	tap_is_int(load_opt(at("lost.ini"), false, &p), -ENOENT, "a missing include: -ENOENT");
	tap_ok(err.line == 4 && strstr(err.file, "lost.ini") && strstr(err.message, "'missing.ini' not found"),
	       "at the include's line (%s:%d: %s)", err.file, err.line, err.message);
	put("nested-bad.ini", "[profile]\ninclude = sub/broken.ini\n");
	put("sub/broken.ini", "[thp]\n\nenabled = sometimes\n");
	tap_is_int(load_opt(at("nested-bad.ini"), false, &p), -EINVAL, "an error in an include");
	tap_ok(strstr(err.file, "sub/broken.ini") && err.line == 3, "is reported in that file "
	       "(%s:%d)", err.file, err.line);

	/* chain0 includes chain1 ... : 16 levels below the top are fine, 17 are not */
	for (int i = 0; i < 18; i++) {
		char name[32], body[64];

		snprintf(name, sizeof(name), "chain%d.ini", i);
		snprintf(body, sizeof(body), "[profile]\ninclude = chain%d.ini\n", i + 1);
		put(name, i == 17 ? "[cpu]\nboost = 1\n" : body);
	}
	p = load_ok("chain1.ini", "16 nested includes");
	tap_is_str(value(p, "cpu", "boost"), "1", "reach the bottom");
	profile_free(p);
	tap_is_int(load_opt(at("chain0.ini"), false, &p), -ELOOP, "17 nested includes: refused");
	snprintf(chain, sizeof(chain), "chain16.ini");
	tap_ok(err.message && strstr(err.message, "deeper than 16") && strstr(err.file, chain),
	       "at the 17th (%s:%d: %s)", err.file, err.line, err.message);
}

static void test_hostile_files(void)
{
	char line[512], big_line[64];
	char *big;
	struct profile *p;
	size_t n = 1024 * 1024 + 1;

	memset(line, 0, sizeof(line));
	snprintf(line, sizeof(line), "[sysctl]\nkernel.core_pattern = %0175d\n", 0);
	put("len197.ini", line);    /* 22 + 175 = 197 bytes: inih's limit */
	p = load_ok("len197.ini", "a 197-byte line");
	profile_free(p);
	snprintf(line, sizeof(line), "[sysctl]\n\nkernel.core_pattern = %0176d\n", 0);
	bad(line, 3, "198 bytes long", "a 198-byte line");
	bad_n("[profile]\ndescription = a\0b\n", sizeof("[profile]\ndescription = a\0b\n") - 1,
	      -EINVAL, 2, "NUL byte at column 16", "a NUL byte");
	bad("[profile]\ndescription = caf\xe9\n", 2, "invalid UTF-8 (byte 0xe9)", "Latin-1");
	bad("[profile]\ndescription = \xc0\xaf\n", 2, "invalid UTF-8", "overlong '/'");
	bad("[profile]\ndescription = \xed\xa0\x80\n", 2, "invalid UTF-8", "a UTF-16 surrogate");
	bad("[profile]\ndescription = \xf4\x90\x80\x80\n", 2, "invalid UTF-8", "past U+10FFFF");
	bad("[profile]\ndescription = \xe2\x82\n", 2, "invalid UTF-8", "a truncated sequence");
	bad("[profile]\ndescription = a\x1b[31mred\n", 2, "control character 0x1b", "ESC");
	bad("[profile]\ndescription = a\rb\n", 2, "control character 0x0d", "a lone CR");
	put("utf8.ini", "[profile]\ndescription = Caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x9a\x80\n");
	p = load_ok("utf8.ini", "valid UTF-8, up to 4 bytes");
	profile_free(p);

	big = malloc(n);
	memset(big, ';', n);
	big[n - 1] = '\n';
	for (size_t i = 100; i < n; i += 100)
		big[i] = '\n';
	put_n("big.ini", big, n);
	free(big);
	tap_is_int(load_opt(at("big.ini"), false, &p), -EINVAL, "a file over 1 MiB is refused");
	tap_ok(err.line == 0 && strstr(err.message, "larger than 1 MiB"), "%s", err.message);

	mkfifo(at("fifo.ini"), 0644);
	tap_is_int(load_opt(at("fifo.ini"), false, &p), -EINVAL, "a FIFO is refused, not waited on");
	tap_ok(err.message && strstr(err.message, "a FIFO"), "%s", err.message);
	put("inc-fifo.ini", "[profile]\ninclude = fifo.ini\n");
	tap_is_int(load_opt(at("inc-fifo.ini"), false, &p), -EINVAL, "an included FIFO too");
	tap_ok(err.line == 2 && strstr(err.message, "a FIFO"), "at the include (%d: %s)", err.line,
	       err.message);
	put("inc-zero.ini", "[profile]\ninclude = /dev/zero\n");
	tap_is_int(load_opt(at("inc-zero.ini"), false, &p), -EINVAL, "/dev/zero is refused");
	tap_ok(strstr(err.message, "character device") != NULL, "%s", err.message);
	tap_is_int(load_opt(tmp, false, &p), -EINVAL, "a directory is refused");
	snprintf(big_line, sizeof(big_line), "/proc/self/status");
	tap_is_int(load_opt(big_line, false, &p), -EINVAL, "a /proc file is read, size 0 or not, "
		   "and checked like any file");
}

static void test_syntax(void)
{
	bad("[thp]\nenabled never\n", 2, "expected 'key = value'", "no '='");
	bad("[thp]\nenabled: never\n", 2, "':' does not separate", "':' as in Python");
	bad("[thp\nenabled = never\n", 1, "without a closing ']'", "unclosed header");
	bad("[thp] enabled = never\n", 1, "text after the section header", "a setting on a header line");
	bad("enabled = never\n[thp]\n", 1, "comes before any [section]", "a key before any section");
	bad("[nope]\n", 1, "unknown section [nope]", "an empty unknown section");
	bad("[ thp ]\n", 1, "unknown section [ thp ]", "spaces inside brackets");
	bad("[thp]\n= never\n", 2, "a key is missing", "no key");
	bad("[thp]\nenabled ;= never\n", 2, "expected 'key = value'", "'=' after an inline comment");
	bad("[profile]\nname = x\n", 2, "unknown key 'name' in [profile]", "[profile] keys");
}

struct rule {
	const char *section, *key, *value;
	const char *want;       /* NULL: valid; else a substring of the message */
};

static const struct rule rules[] = {
	{"thp", "enabled", "always", NULL}, {"thp", "enabled", "madvise", NULL},
	{"thp", "enabled", "never", NULL}, {"thp", "enabled", "Never", "is not one of always, madvise, never"},
	{"thp", "defrag", "defer+madvise", NULL}, {"thp", "defrag", "defer", NULL},
	{"thp", "defrag", "sometimes", "not one of always, defer, defer+madvise, madvise, never"},
	{"thp", "shmem_enabled", "within_size", NULL}, {"thp", "shmem_enabled", "deny", NULL},
	{"thp", "shmem_enabled", "force", NULL}, {"thp", "shmem_enabled", "inherit", "not one of"},
	{"thp", "khugepaged_defrag", "0", NULL}, {"thp", "khugepaged_defrag", "yes", NULL},
	{"thp", "khugepaged_defrag", "2", "not a boolean"},
	{"thp", "hugepages-64kB", "inherit", NULL}, {"thp", "hugepages-2048kB", "never", NULL},
	{"thp", "hugepages-64kB", "defer", "not one of always, inherit, madvise, never"},
	{"thp", "hugepages-48kB", "never", "expected hugepages-<N>kB"},
	{"thp", "hugepages-64KB", "never", "expected hugepages-<N>kB"},
	{"thp", "hugepages-2M", "never", "expected hugepages-<N>kB"},
	{"thp", "hugepages-064kB", "never", "expected hugepages-<N>kB"},
	{"thp", "use_zero_page", "1", "unknown key 'use_zero_page' in [thp] (valid keys: enabled"},
	{"hugepages", "2M", "0", NULL}, {"hugepages", "1G", "1099511627776", NULL},
	{"hugepages", "1G", "1099511627777", "out of range (0 to 1099511627776)"},
	{"hugepages", "1G", "18446744073709551615", "out of range"},
	{"hugepages", "1G", "18446744073709551616", "out of range"},
	{"hugepages", "1G", "-1", "negative"}, {"hugepages", "1G", "+1", "not a whole number"},
	{"hugepages", "1G", "1 ", "not a whole number"}, {"hugepages", "1G", "1.5", "not a whole number"},
	{"hugepages", "1G", "0x40", "not a whole number"}, {"hugepages", "1G", "64k", "not a whole number"},
	{"hugepages", "2048kB", "1", NULL}, {"hugepages", "64K", "1", NULL}, {"hugepages", "16G", "1", NULL},
	{"hugepages", "1GB", "1", NULL}, {"hugepages", "1G.node0", "1", NULL},
	{"hugepages", "1G.node1023", "1", NULL},
	{"hugepages", "1G.node1024", "1", "N from 0 to 1023"},
	{"hugepages", "1G.node99999", "1", "N from 0 to 1023"},
	{"hugepages", "1G.node01", "1", "N from 0 to 1023"},
	{"hugepages", "1G.node", "1", "N from 0 to 1023"},
	{"hugepages", "1G.nodeX", "1", "N from 0 to 1023"},
	{"hugepages", "1G.node-1", "1", "N from 0 to 1023"},
	{"hugepages", "3M", "1", "power of two"}, {"hugepages", "32G", "1", "power of two"},
	{"hugepages", "2K", "1", "power of two"}, {"hugepages", "99999999999999999999G", "1", "power of two"},
	{"hugepages", "02M", "1", "expected a page size"}, {"hugepages", "2X", "1", "expected a page size"},
	{"hugepages", "huge", "1", "unknown key 'huge' in [hugepages]"},
	{"sysctl", "vm.swappiness", "1", NULL}, {"sysctl", "net.ipv4.conf.eth0.rp_filter", "2", NULL},
	{"sysctl", "net.core.rmem_max", "4096 87380 6291456", NULL},
	{"sysctl", "kernel.sched-x_y.Z9", "1", NULL},
	{"sysctl", "vm", "1", "not a sysctl name"}, {"sysctl", ".vm.x", "1", "not a sysctl name"},
	{"sysctl", "vm.x.", "1", "not a sysctl name"}, {"sysctl", "vm..x", "1", "not a sysctl name"},
	{"sysctl", "vm/swappiness", "1", "not a sysctl name"}, {"sysctl", "vm.swap piness", "1", "not a sysctl name"},
	{"sysctl", "vm.swappiness", "1 # low", "'#' starts a comment"},
	{"sysctl", "vm.swappiness", "a\x01", "control character"},
	{"cpu", "governor", "performance", NULL}, {"cpu", "governor", "perf ormance", "single word"},
	{"cpu", "governor", "verylonggovernor", "longer than 15 bytes"},
	{"cpu", "energy_performance_preference", "balance_performance", NULL},
	{"cpu", "energy_performance_preference", "128", NULL},
	{"cpu", "boost", "on", NULL}, {"cpu", "boost", "enabled", "not a boolean"},
	{"cpu", "turbo", "1", "unknown key 'turbo' in [cpu]"},
	{"irq", "policy", "local-node", NULL}, {"irq", "policy", "all", NULL}, {"irq", "policy", "none", NULL},
	{"irq", "policy", "local_node", "is not one of local-node, all, none"},
	{"irq", "devices", "gpu,nic, nvme accel storage", NULL},
	{"irq", "devices", "0000:1a:00.0, 1a:00.1 10000:00:1f.7", NULL},
	{"irq", "devices", "ssd", "not a device class"}, {"irq", "devices", "1a:00.8", "not a device class"},
	{"irq", "devices", "1a:20.0", "not a device class"}, {"irq", "devices", "1a:0.0", "not a device class"},
	{"irq", "devices", "0000:1a:00.0.1", "not a device class"},
	{"sysfs", "/sys/module/pcie_aspm/parameters/policy", "performance", NULL},
	{"sysfs", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "x", NULL},
	{"sysfs", "/sys/../etc/passwd", "x", "not a plain path under /sys/"},
	{"sysfs", "/sys/kernel/./mm", "x", "not a plain path"}, {"sysfs", "/sys/kernel/mm/", "x", "not a plain path"},
	{"sysfs", "/sys/", "x", "not a plain path"}, {"sysfs", "/sys//x", "x", "not a plain path"},
	{"sysfs", "/proc/sys/vm/swappiness", "1", "not a plain path"},
	{"sysfs", "/sys/a\\b", "1", "not a plain path"}, {"sysfs", "/sys/a b", "1", "not a plain path"},
	{"sysfs", "/sys/caf\xc3\xa9", "1", "not a plain path"},
	{"sysfs", "/sys/kernel/mm/ksm/run", "1 # on", "'#' starts a comment"},
	{"sysfs", "sys/kernel", "1", "unknown key 'sys/kernel' in [sysfs] (valid keys: /sys/<path>)"},
	{"expect", "numa_nodes", "2", NULL}, {"expect", "numa_nodes", "1025", "out of range (1 to 1024)"},
	{"expect", "sockets", "0", "out of range"}, {"expect", "cores", "192", NULL},
	{"expect", "threads", "384", NULL}, {"expect", "smt", "true", NULL},
	{"expect", "cpu_vendor", "AuthenticAMD", NULL}, {"expect", "cpu_vendor", "Authentic AMD", "single word"},
	{"expect", "cpu_model", "AMD EPYC 9654 96-Core Processor", NULL},
	{"expect", "memory_channels", "24", NULL}, {"expect", "memory_gb_min", "1500", NULL},
	{"expect", "memory_mts_min", "4800", NULL}, {"expect", "memory_mts_min", "4800MT/s", "not a whole number"},
	{"expect", "dimm_type", "DDR5", NULL}, {"expect", "dimm_type", "ddr5", "is not one of DDR3"},
	{"expect", "pcie.gpu.gen", "5", NULL}, {"expect", "pcie.nvme.gen", "6", NULL},
	{"expect", "pcie.nic.gen", "0", "out of range (1 to 6)"},
	{"expect", "pcie.gpu.width", "16", NULL}, {"expect", "pcie.accel.width", "32", NULL},
	{"expect", "pcie.gpu.width", "3", "not a PCIe link width"},
	{"expect", "pcie.gpu.width", "64", "out of range"},
	{"expect", "pcie.storage.count", "0", NULL}, {"expect", "pcie.gpu.count", "8", NULL},
	{"expect", "pcie.gpu.speed", "5", "expected pcie.<class>.gen"},
	{"expect", "pcie.gpu", "5", "expected pcie.<class>.gen"},
	{"expect", "kernel_cmdline", "iommu=pt amd_iommu=on isolcpus=1-3,5", NULL},
	{"expect", "kernel_cmdline", "a=\"b c\"", "not a plain kernel parameter"},
	{"expect", "kernel_cmdline_absent", "mitigations=off", NULL},
	{"expect", "virtualization", "none", NULL}, {"expect", "virtualization", "kvm", NULL},
	{"expect", "virtualization", "any", NULL}, {"expect", "virtualization", "KVM", "is not one of none, any"},
	{"expect", "xgmi.complete", "yes", NULL}, {"expect", "nvlink.active_min", "18", NULL},
	{"expect", "nvlink.active_min", "65", "out of range"}, {"expect", "irq.local", "1", NULL},
	{"expect", "thp.enabled", "never", NULL}, {"expect", "thp.defrag", "defer", NULL},
	{"expect", "thp.shmem_enabled", "advise", NULL}, {"expect", "thp.enabled", "off", "is not one of"},
	{"expect", "numa_node", "2", "did you mean 'numa_nodes'"},
	{"verify", "triad_gbps", "700", NULL}, {"verify", "node_triad_gbps", "330.5", NULL},
	{"verify", "read_gbps", ".5", NULL}, {"verify", "copy_gbps", "100000", NULL},
	{"verify", "write_gbps", "100000.1", "out of range"}, {"verify", "copy_gbps", "0", "out of range"},
	{"verify", "copy_gbps", "-1", "not a decimal number"}, {"verify", "copy_gbps", "inf", "not a decimal"},
	{"verify", "copy_gbps", "1e3", "not a decimal"}, {"verify", "copy_gbps", "1.", NULL},
	{"verify", "copy_gbps", ".", "not a decimal"}, {"verify", "copy_gbps", "0x10", "not a decimal"},
	{"verify", "peak_fraction", "0.80", NULL}, {"verify", "peak_fraction", "1", NULL},
	{"verify", "peak_fraction", "1.01", "out of range (more than 0, at most 1)"},
	{"verify", "peak_fraction", "0.0", "out of range"},
	{"profile", "description", "x", NULL}, {"profile", "include", "a.ini, b.ini", NULL},
};

static void test_schema_rules(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct rule *t = &rules[i];
		char *msg = NULL;
		int r = schema_check_value(t->section, t->key, t->value, &msg);

		if (!t->want)
			tap_ok(r == 0, "[%s] %s = %s is valid (%s)", t->section, t->key, t->value, msg);
		else
			tap_ok(r == -EINVAL && msg && strstr(msg, t->want), "[%s] %s = %s: '%s' (got '%s')",
			       t->section, t->key, t->value, t->want, msg);
		free(msg);
	}
}

static void test_schema_parsers(void)
{
	uint64_t kb = 0;
	unsigned d = 9, b = 9, v = 9, f = 9;
	const char *cls = NULL, *attr = NULL;
	int node = 7;

	tap_ok(schema_parse_hugepages_key("2M", &kb, &node) == 0 && kb == 2048 && node == -1, "2M");
	tap_ok(schema_parse_hugepages_key("1G.node3", &kb, &node) == 0 && kb == 1048576 && node == 3,
	       "1G.node3");
	tap_ok(schema_parse_hugepages_key("2048kB", &kb, &node) == 0 && kb == 2048, "2048kB");
	tap_ok(schema_parse_thp_size_key("hugepages-64kB", &kb) == 0 && kb == 64, "hugepages-64kB");
	tap_ok(schema_parse_bdf("0000:1a:00.1", &d, &b, &v, &f) == 0 && d == 0 && b == 0x1a && v == 0 &&
	       f == 1, "0000:1a:00.1");
	tap_ok(schema_parse_bdf("c1:1f.7", &d, &b, &v, &f) == 0 && b == 0xc1 && v == 0x1f && f == 7,
	       "c1:1f.7");
	tap_ok(schema_parse_pcie_key("pcie.nvme.count", &cls, &attr) == 0 && !strcmp(cls, "nvme") &&
	       !strcmp(attr, "count"), "pcie.nvme.count");
	tap_ok(schema_parse_count("18446744073709551615", &kb) == 0 && kb == UINT64_MAX, "2^64-1");
	tap_ok(schema_parse_count("18446744073709551616", &kb) == -ERANGE, "2^64: -ERANGE");
}

static void test_cross_rules(void)
{
	put("base-pool.ini", "[hugepages]\n1G = 16\n");
	bad("[profile]\ninclude = base-pool.ini\n[hugepages]\n1G.node1 = 8\n", 4,
	    "1G (", "a total from an include and per-node counts");
	put("unset-pool.ini", "[profile]\ninclude = base-pool.ini\n[hugepages]\n1G =\n1G.node1 = 8\n");
	{
		struct profile *p = load_ok("unset-pool.ini", "an empty value clears the total first");

		tap_is_str(value(p, "hugepages", "1G.node1"), "8", "then per-node counts are fine");
		profile_free(p);
	}
	bad("[hugepages]\n2M = 1\n; x\n2048K = 2\n", 4, "the same pool as 2M", "one pool, two spellings");
	bad("[hugepages]\n1G.node0 = 1\n1GB.node0 = 2\n", 3, "the same pool", "per node, two spellings");
	bad("[irq]\npolicy = local-node\n", 2, "no devices to apply it to", "a policy without devices");
	bad("[irq]\ndevices = gpu\n", 2, "no policy", "devices without a policy");
	bad("[expect]\nkernel_cmdline_absent = quiet\nkernel_cmdline = iommu=pt quiet\n", 3,
	    "'quiet' is also in kernel_cmdline_absent", "a token both wanted and unwanted");
	{
		struct profile *p;

		put("irq-none.ini", "[irq]\npolicy = none\n");
		p = load_ok("irq-none.ini", "policy = none needs no devices");
		profile_free(p);
	}
}

static void test_ownership(void)
{
	struct profile *p;

	put("owned.ini", "[thp]\nenabled = never\n");
	if (geteuid() != 0) {
		tap_is_int(load_opt(at("owned.ini"), true, &p), -EPERM, "not root: a file not owned "
			   "by root is refused");
		tap_ok(strstr(err.message, "not root") != NULL, "%s", err.message);
		return;
	}
	chmod(tmp, 0755);
	tap_is_int(load_opt(at("owned.ini"), true, &p), 0, "root's 0644 file in root's 0755 directory");
	profile_free(p);
	chmod(at("owned.ini"), 0666);
	tap_is_int(load_opt(at("owned.ini"), true, &p), -EPERM, "a 0666 file is refused");
	tap_ok(err.line == 0 && !strcmp(err.message, "is writable by group/others; refusing "
	       "(chmod go-w)"), "%s: %s", err.file, err.message);
	tap_is_int(load_opt(at("owned.ini"), false, &p), 0, "and loads when not checking");
	profile_free(p);
	chmod(at("owned.ini"), 0620);
	tap_is_int(load_opt(at("owned.ini"), true, &p), -EPERM, "group-writable too");
	chmod(at("owned.ini"), 0644);
	put("inc-owned.ini", "[profile]\n\ninclude = owned.ini\n");
	if (chown(at("owned.ini"), 1000, 1000) < 0)
		tap_ok(0, "chown");
	tap_is_int(load_opt(at("inc-owned.ini"), true, &p), -EPERM, "an include owned by uid 1000");
	tap_ok(err.line == 3 && strstr(err.message, "owned by uid 1000, not root"), "at the include "
	       "(%d: %s)", err.line, err.message);
	if (chown(at("owned.ini"), 0, 0) < 0)
		tap_ok(0, "chown");
	mkdir(at("open-dir"), 0777);
	chmod(at("open-dir"), 0777);
	put("open-dir/x.ini", "[thp]\nenabled = never\n");
	tap_is_int(load_opt(at("open-dir/x.ini"), true, &p), -EPERM, "a file in a 0777 directory");
	tap_ok(strstr(err.message, "directory") && strstr(err.message, "writable by group/others"),
	       "%s", err.message);
	chmod(at("open-dir"), 01777);
	tap_is_int(load_opt(at("open-dir/x.ini"), true, &p), 0, "a sticky one (like /tmp) is fine");
	profile_free(p);
}

static void test_list(void)
{
	char **v = NULL;
	struct profile_search s = {.dirs = dirs};
	size_t n;

	put("sub/.hidden.ini", "");
	tap_is_int(profile_list(&s, &v), 0, "profile_list");
	n = strv_length(v);
	tap_ok(n > 10 && v[0][0] == '/' && strv_contains(v, at("base.ini")) && strcmp(v[0], v[1]) < 0 &&
	       strcmp(v[n - 2], v[n - 1]) < 0, "absolute paths, sorted (%zu, %s)", n, n ? v[0] : "");
	tap_ok(!strv_contains(v, at("fifo.ini")), "FIFOs are not listed");
	strv_free(v);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/test-profile.XXXXXX");
	if (!mkdtemp(tmp))
		return 2;
	dirs[0] = tmp;
	unsetenv("RIGTUNE_PROFILE_PATH");
	test_basics();
	test_includes();
	test_resolution();
	test_include_errors();
	test_hostile_files();
	test_syntax();
	test_schema_rules();
	test_schema_parsers();
	test_cross_rules();
	test_ownership();
	test_list();
	profile_error_release(&err);
	nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
