/* Planning: hugepage spreading arithmetic, device classes, IRQ CPU
 * selection, value comparison, and a whole plan of tests/trees/small. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tap.h"
#include "tune/knobs.h"
#include "tune/plan.h"

static void test_spread(void)
{
	static const struct {
		uint64_t total;
		size_t nodes;
		uint64_t want[8];
	} cases[] = {
		{10, 4, {3, 3, 2, 2}}, {64, 2, {32, 32}}, {5, 2, {3, 2}}, {0, 3, {0, 0, 0}},
		{1, 8, {1, 0, 0, 0, 0, 0, 0, 0}}, {768, 8, {96, 96, 96, 96, 96, 96, 96, 96}},
		{7, 1, {7}},
	};

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		uint64_t sum = 0;
		bool ok = true;

		for (size_t i = 0; i < cases[c].nodes; i++) {
			uint64_t got = hugepages_share(cases[c].total, cases[c].nodes, i);

			ok &= got == cases[c].want[i];
			sum += got;
		}
		tap_ok(ok && sum == cases[c].total, "%llu pages over %zu nodes: even, remainder to the lowest",
		       (unsigned long long)cases[c].total, cases[c].nodes);
	}
	tap_is_int(hugepages_share(5, 0, 0), 0, "no nodes: nothing");
}

static void test_size_names(void)
{
	char b[32];

	hugepages_size_name(2048, b, sizeof(b));
	tap_is_str(b, "2M", "2048 kB is 2M");
	hugepages_size_name(1048576, b, sizeof(b));
	tap_is_str(b, "1G", "1048576 kB is 1G");
	hugepages_size_name(64, b, sizeof(b));
	tap_is_str(b, "64K", "64 kB is 64K");
}

static void test_classes(void)
{
	tap_ok(tune_device_in_class(0x0302, 0x10de, "gpu"), "NVIDIA 3D controller is a gpu");
	tap_ok(!tune_device_in_class(0x0300, 0x1a03, "gpu"), "the BMC's ASPEED VGA is not a gpu");
	tap_ok(tune_device_in_class(0x1200, 0x1002, "gpu") && tune_device_in_class(0x1200, 0x1002, "accel"),
	       "AMD MI300X (processing accelerator) is a gpu and an accel");
	tap_ok(tune_device_in_class(0x0207, 0x15b3, "nic") && tune_device_in_class(0x0200, 0x8086, "nic"),
	       "Ethernet and InfiniBand are nics");
	tap_ok(tune_device_in_class(0x0108, 0x144d, "nvme") && !tune_device_in_class(0x0108, 0x144d, "storage"),
	       "NVMe is nvme, not other storage");
	tap_ok(tune_device_in_class(0x0106, 0x8086, "storage"), "SATA AHCI is storage");
	tap_ok(!tune_device_in_class(0x0604, 0x1000, "nic"), "a bridge is nothing");
}

static struct cpuset *cpus(const char *list)
{
	struct cpuset *s = NULL;

	return cpulist_parse(list, &s) == 0 ? s : NULL;
}

static char *target(const struct host *h, int node)
{
	_cleanup_(cpuset_freep) struct cpuset *s = NULL;

	return irq_target_cpus(h, node, &s) == 0 ? cpulist_format(s) : NULL;
}

static void test_irq_cpus(void)
{
	struct numa_node nodes[3] = {
		{.id = 0, .cpus = cpus("0-3")}, {.id = 1, .cpus = cpus("4-7")}, {.id = 2, .cpus = cpus("")},
	};
	struct host h = {.numa = {.nodes = nodes, .nnodes = 3}};
	char *s;

	h.cpu.online = cpus("0-7");
	tap_is_str(s = target(&h, 1), "4-7", "node 1's CPUs");
	free(s);
	tap_is_str(s = target(&h, -1), "0-7", "no node (-1): every online CPU");
	free(s);
	tap_is_str(s = target(&h, 2), "0-7", "a node without CPUs: every online CPU");
	free(s);
	tap_is_str(s = target(&h, 9), "0-7", "a node that does not exist: every online CPU");
	free(s);
	free(h.cpu.online);
	h.cpu.online = cpus("0-4,6-7");
	tap_is_str(s = target(&h, 1), "4,6-7", "offline CPU 5 left out");
	free(s);
	free(h.cpu.online);
	h.cpu.online = cpus("0-3");
	tap_is_str(s = target(&h, 1), "0-3", "node with every CPU offline: every online CPU");
	free(s);
	free(h.cpu.online);
	for (size_t i = 0; i < 3; i++)
		free(nodes[i].cpus);
}

static void test_equal(void)
{
	tap_ok(sr_value_equal("never", "never"), "same word");
	tap_ok(sr_value_equal("4096 87380 6291456", "4096\t87380\t6291456"), "tabs and spaces alike");
	tap_ok(sr_value_equal("0-3", "0,1,2,3"), "one CPU list, two spellings");
	tap_ok(!sr_value_equal("1", "0"), "different numbers");
	tap_ok(!sr_value_equal("never", NULL), "unknown current is never equal");
}

static const struct action *find(const struct plan *p, const char *label, const char *tgt)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (!strcmp(p->actions[i].label, label) &&
		    (!tgt || (p->actions[i].target && !strcmp(p->actions[i].target, tgt))))
			return &p->actions[i];
	return NULL;
}

static const char profile_text[] =
	"[thp]\nenabled = never\nhugepages-64kB = inherit\n"
	"[hugepages]\n1G = 5\n2M.node1 = 100\n16G = 1\n"
	"[sysctl]\nvm.swappiness = 1\nvm.swapiness = 3\n-vm.no_such_knob = 3\n"
	"[cpu]\ngovernor = performance\nboost = off\n"
	"[irq]\npolicy = local-node\ndevices = nic, gpu\n";

static int load(const char *dir, struct profile **p)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.ini", dir);
	f = fopen(path, "w");
	if (!f || fputs(profile_text, f) < 0 || fclose(f) != 0)
		return -EIO;
	return profile_load(path, &(struct profile_search){.check_owner = false}, p, NULL);
}

static void check_plan(const struct plan *p)
{
	const struct action *a;

	a = find(p, "thp.enabled", NULL);
	tap_ok(a && a->state == ACTION_CHANGE && !strcmp(a->current, "madvise") && !strcmp(a->desired, "never"),
	       "thp.enabled: madvise (the bracketed choice) -> never");
	a = find(p, "hugepages.1G", "node0");
	tap_ok(a && !strcmp(a->desired, "3") && a->may_fall_short, "1G = 5: node0 gets 3");
	a = find(p, "hugepages.1G", "node1");
	tap_ok(a && !strcmp(a->desired, "2"), "1G = 5: node1 gets 2");
	a = find(p, "hugepages.2M.node1", "node1");
	tap_ok(a && !strcmp(a->path, "sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages"),
	       "2M.node1 writes node1's 2M pool");
	tap_ok(!find(p, "sysctl.vm.no_such_knob", NULL), "an optional sysctl this kernel lacks: no action");
	tap_is_int(plan_count(p, ACTION_CHANGE) > 0, 1, "there are changes");
	a = find(p, "cpu.governor", "cpu3");
	tap_ok(a && a->state == ACTION_CHANGE, "governor planned on every online CPU");
	a = find(p, "cpu.boost", NULL);
	tap_ok(a && !strcmp(a->desired, "0") && !strcmp(a->path, "sys/devices/system/cpu/cpufreq/boost"),
	       "boost = off writes 0 to cpufreq/boost");
	a = find(p, "irq.0000:41:00.0", "irq 120");
	tap_ok(a && !strcmp(a->desired, "2-3"), "the NIC on node 1: IRQ 120 to node 1's CPUs");
	a = find(p, "irq.0000:c1:00.0", "irq 140");
	tap_ok(a && !strcmp(a->desired, "2-3"), "the NVIDIA GPU on node 1 too");
	tap_ok(!find(p, "irq.0000:02:00.0", NULL), "the BMC's VGA is not a gpu: left alone");
	tap_ok(p->nerrors == 2 && strstr(p->errors[0].text, "does not offer 16G") && p->errors[0].src &&
	       p->errors[0].src->line == 7, "16G pages: an error at the profile's line 7");
	tap_ok(p->nerrors == 2 && strstr(p->errors[1].text, "did you mean vm.swappiness?") && p->errors[1].src &&
	       p->errors[1].src->line == 10, "a misspelt sysctl: an error at line 10 naming vm.swappiness");
}

static void test_plan_small_tree(void)
{
	char dir[] = "/tmp/test-tune-plan-XXXXXX", tree[512], cmd[600];
	const char *src = getenv("SRCDIR");
	struct profile *prof = NULL;
	struct sysroot *sr = NULL;
	struct plan *plan = NULL;
	struct host h;

	snprintf(tree, sizeof(tree), "%s/tests/trees/small", src ? src : ".");
	if (!mkdtemp(dir) || load(dir, &prof) < 0 || sysroot_open(tree, &sr) < 0 ||
	    host_probe(sr, NULL, &h, NULL) < 0) {
		tap_skip("no tests/trees/small (set SRCDIR) or no profile");
		profile_free(prof);
		sysroot_free(sr);
		return;
	}
	tap_is_int(plan_build(&(struct knob_ctx){.sr = sr, .host = &h, .profile = prof}, &plan), 0, "plan builds");
	if (plan)
		check_plan(plan);
	plan_free(plan);
	host_release(&h);
	sysroot_free(sr);
	profile_free(prof);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", dir);
}

int main(void)
{
	test_spread();
	test_size_names();
	test_classes();
	test_irq_cpus();
	test_equal();
	test_plan_small_tree();
	return tap_done();
}
