/* The CPU probe's per-core and per-CPU facts that bench places threads
 * by, on trees written here: each core's threads (core_cpus_list, else
 * thread_siblings_list) and each CPU's last-level cache named by its first
 * CPU, taken from the highest cache level (L3, or L2 where there is no L3);
 * a tree without sibling lists or caches answers "unknown"; the identity
 * from /proc/cpuinfo's first stanza alone (read without the other CPUs'
 * stanzas, even when it is longer than the head read), every stanza
 * counted where sysfs has no topology. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "probes/host.h"
#include "tap.h"

#define CPU "sys/devices/system/cpu"

static void put(const char *root, const char *rel, const char *text)
{
	char *path = NULL;
	FILE *f;

	if (asprintf(&path, "%s/%s", root, rel) < 0)
		abort();
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	free(path);
}

/* cpuN/cache/indexM/FILE */
static void put_cache(const char *root, int cpu, int index, const char *file, const char *text)
{
	char rel[256];

	snprintf(rel, sizeof(rel), CPU "/cpu%d/cache/index%d/%s", cpu, index, file);
	put(root, rel, text);
}

/* 8 CPUs, 4 cores: threads N and N+4; an L2 per core, and (with_l3) an L3
 * per two cores: {0,1,4,5} and {2,3,6,7}. sibling_file names the list. */
static void write_tree(const char *root, const char *sibling_file, bool with_l3)
{
	put(root, CPU "/online", "0-7\n");
	for (int cpu = 0; cpu < 8; cpu++) {
		char core[16], l3[16];
		int c = cpu % 4;

		snprintf(core, sizeof(core), "%d,%d\n", c, c + 4);
		snprintf(l3, sizeof(l3), "%d-%d,%d-%d\n", c & 2, (c & 2) + 1, (c & 2) + 4, (c & 2) + 5);
		if (sibling_file) {
			char rel[128];

			snprintf(rel, sizeof(rel), CPU "/cpu%d/topology/%s", cpu, sibling_file);
			put(root, rel, core);
			snprintf(rel, sizeof(rel), CPU "/cpu%d/topology/package_cpus_list", cpu);
			put(root, rel, "0-7\n");
		}
		put_cache(root, cpu, 2, "level", "2\n");
		put_cache(root, cpu, 2, "size", "1024K\n");
		put_cache(root, cpu, 2, "shared_cpu_list", core);
		if (with_l3) {
			put_cache(root, cpu, 3, "level", "3\n");
			put_cache(root, cpu, 3, "size", "32768K\n");
			put_cache(root, cpu, 3, "shared_cpu_list", l3);
		}
	}
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void probe_with(const char *sibling_file, bool with_l3, struct host *h, unsigned only)
{
	const struct probe_options opt = {.only = only};
	char root[] = "/tmp/test-cpu-XXXXXX";
	struct sysroot *sr = NULL;

	if (!mkdtemp(root))
		abort();
	write_tree(root, sibling_file, with_l3);
	memset(h, 0, sizeof(*h));
	tap_ok(sysroot_open(root, &sr) == 0 && cpu_probe_collect(sr, &opt, h) == 0, "probe succeeds");
	sysroot_free(sr);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void probe(const char *sibling_file, bool with_l3, struct host *h)
{
	probe_with(sibling_file, with_l3, h, 0);
}

/* Where only the numa probe needs this one (an apply of [hugepages]),
 * only the online CPUs are read; asked for, or needed by another probe
 * that reads more of it, everything. */
static void test_online_only(void)
{
	struct host h;

	probe_with("core_cpus_list", true, &h, PROBE_BIT(PROBE_HUGEPAGES) | PROBE_BIT(PROBE_NUMA));
	tap_ok(h.cpu.online && cpuset_count(h.cpu.online) == 8, "for the numa probe alone: the online CPUs");
	tap_ok(h.cpu.cores == UNKNOWN && !host_core_cpus(&h, 5) && h.cpu.llc_instances == 0,
	       "and no topology or caches read");
	cpu_probe_release(&h);
	probe_with("core_cpus_list", true, &h, PROBE_BIT(PROBE_NUMA) | PROBE_BIT(PROBE_LINKS));
	tap_ok(h.cpu.cores == 4 && h.cpu.llc_instances == 2, "the links probe needs it too: all of it");
	cpu_probe_release(&h);
	probe_with("core_cpus_list", true, &h, PROBE_BIT(PROBE_NUMA) | PROBE_BIT(PROBE_CPU));
	tap_ok(h.cpu.cores == 4 && h.cpu.llc_instances == 2, "asked for: all of it");
	cpu_probe_release(&h);
}

static void test_cores_and_l3(const char *sibling_file)
{
	_cleanup_free_ char *list = NULL;
	struct host h;

	probe(sibling_file, true, &h);
	tap_is_int(h.cpu.cores, 4, "four cores");
	tap_ok(host_core_cpus(&h, 5) != NULL, "CPU 5 has a core (from %s)", sibling_file);
	list = host_core_cpus(&h, 5) ? cpulist_format(host_core_cpus(&h, 5)) : NULL;
	tap_is_str(list, "1,5", "CPU 5 shares its core with CPU 1");
	tap_is_int(host_llc_of(&h, 5), 0, "CPU 5's L3 is the one CPU 0 heads");
	tap_is_int(host_llc_of(&h, 6), 2, "CPU 6's L3 is the one CPU 2 heads");
	tap_is_int(host_llc_of(&h, 3), 2, "CPU 3 shares it");
	tap_is_int(h.cpu.llc_instances, 2, "two L3 instances counted");
	tap_is_int(host_llc_of(&h, 8), UNKNOWN, "a CPU the host lacks: unknown");
	cpu_probe_release(&h);
}

/* A /proc/cpuinfo of ncpus stanzas on 2 packages of ncpus/4 cores, two
 * threads each; the first stanza's flags padded to pad bytes; no sysfs
 * topology, so the probe falls back to counting stanzas. */
static void test_cpuinfo(int ncpus, size_t pad, const char *what)
{
	static const struct probe_options opt;
	char root[] = "/tmp/test-cpu-XXXXXX";
	struct sysroot *sr = NULL;
	struct strbuf sb = {0};
	struct host h;
	bool hv;

	if (!mkdtemp(root))
		abort();
	for (int cpu = 0; cpu < ncpus; cpu++) {
		int core = cpu % (ncpus / 2), pkg = core / (ncpus / 4);

		strbuf_printf(&sb, "processor\t: %d\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
			      "model name\t: AMD EPYC 9654 96-Core Processor\nphysical id\t: %d\ncore id\t\t: %d\n"
			      "flags\t\t: fpu vme hypervisor%s",
			      cpu, pkg, core % (ncpus / 4), cpu ? "" : " avx512f");
		for (size_t i = 0; cpu == 0 && i < pad; i += 8)
			strbuf_puts(&sb, " padflag");
		strbuf_puts(&sb, "\nbugs\t\t: sysret_ss_attrs\n\n");
	}
	put(root, "proc/cpuinfo", sb.buf);
	strbuf_release(&sb);
	memset(&h, 0, sizeof(h));
	tap_ok(sysroot_open(root, &sr) == 0 && cpu_probe_collect(sr, &opt, &h) == 0, "%s: probe succeeds", what);
	tap_is_str(h.cpu.model_name, "AMD EPYC 9654 96-Core Processor", "the model from the first stanza");
	tap_ok(h.cpu.family == 25 && strv_contains(h.cpu.flags, "avx512f"), "%s: family and CPU 0's flags", what);
	tap_is_int(h.cpu.threads, ncpus, "no sysfs topology: every stanza counted");
	tap_is_int(h.cpu.sockets, 2, "and both packages");
	hv = false;
	{
		_cleanup_free_ char *first = NULL;

		hv = cpuinfo_first_stanza(sr, &first) == 0 && strstr(first, " hypervisor") && !strstr(first, "processor\t: 1\n");
	}
	tap_ok(hv, "%s: the first stanza alone, whole", what);
	cpu_probe_release(&h);
	sysroot_free(sr);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	struct host h;

	test_cpuinfo(384, 0, "384 CPUs");
	test_cpuinfo(8, 40000, "a first stanza longer than the head read");

	test_cores_and_l3("core_cpus_list");
	test_cores_and_l3("thread_siblings_list");

	probe("core_cpus_list", false, &h);
	tap_is_int(host_llc_of(&h, 6), 2, "no L3: CPU 6's last-level cache is its core's L2, CPU 2 heads it");
	tap_is_int(host_llc_of(&h, 1), 1, "and CPU 1 heads its own");
	cpu_probe_release(&h);

	probe(NULL, true, &h);
	tap_ok(!host_core_cpus(&h, 1), "no sibling lists: a CPU's core is unknown (bench then takes every thread)");
	tap_is_int(host_llc_of(&h, 1), 0, "its cache is still known");
	cpu_probe_release(&h);
	test_online_only();
	return tap_done();
}
