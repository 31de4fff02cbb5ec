/* Which probes apply and audit run for a profile (tune/needs.c and the
 * probe table's dependencies): a boot-time profile of [thp], [sysctl]
 * and [hugepages] reads no PCI, IRQ, SMBIOS or GPU state; [irq] and each
 * [expect] key read what they check, and the probes those need. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tune/plan.h"
#include "tap.h"

#define BIT(id) PROBE_BIT(PROBE_##id)

static unsigned probes_of(const char *dir, const char *text)
{
	char path[256];
	struct profile *p = NULL;
	unsigned mask;
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.ini", dir);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		return ~0u;
	if (profile_load(path, &(struct profile_search){.check_owner = false}, &p, NULL) < 0)
		return ~0u;
	mask = probe_closure(plan_probes(p));
	profile_free(p);
	return mask;
}

static const char *names(unsigned mask, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < probe_table_size; i++)
		if (mask & PROBE_BIT(i))
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", probe_table[i].name);
	return buf;
}

static void is_mask(unsigned got, unsigned want, const char *what)
{
	char g[128], w[128];

	tap_ok(got == want, "%s: probes %s (want %s)", what, names(got, g, sizeof(g)), names(want, w, sizeof(w)));
}

int main(void)
{
	char dir[64] = "/tmp/rigtune-needs-XXXXXX";
	const unsigned boot = BIT(KERNEL) | BIT(THP) | BIT(HUGEPAGES) | BIT(NUMA) | BIT(CPU);
	const unsigned irq = BIT(KERNEL) | BIT(PCI) | BIT(IRQ) | BIT(NUMA) | BIT(CPU);

	if (!mkdtemp(dir))
		return 1;
	is_mask(probes_of(dir, "[thp]\nenabled = never\ndefrag = never\n[hugepages]\n2M = 512\n"
			  "[sysctl]\nvm.swappiness = 1\n"), boot, "[thp] [hugepages] [sysctl]");
	tap_ok(!(boot & (BIT(PCI) | BIT(IRQ) | BIT(MEMORY) | BIT(LINKS))),
	       "a boot-time profile reads no PCI, IRQ, SMBIOS or GPU link");
	is_mask(probes_of(dir, "[sysctl]\nvm.swappiness = 1\n[sysfs]\n/sys/kernel/mm/ksm/run = 0\n"), BIT(KERNEL),
		"[sysctl] [sysfs]: the kernel probe only");
	is_mask(probes_of(dir, "[irq]\npolicy = local-node\ndevices = nic\n"), irq, "[irq]");
	is_mask(probes_of(dir, "[cpu]\ngovernor = performance\n"), BIT(KERNEL) | BIT(CPU), "[cpu]");
	is_mask(probes_of(dir, "[expect]\npcie.gpu.gen = 5\n"), BIT(KERNEL) | BIT(PCI), "[expect] pcie.gpu.gen");
	is_mask(probes_of(dir, "[expect]\nmemory_channels = 24\n"), BIT(KERNEL) | BIT(MEMORY) | BIT(NUMA) | BIT(CPU),
		"[expect] memory_channels: SMBIOS, and the nodes it maps DIMMs to");
	is_mask(probes_of(dir, "[expect]\nnvlink.active_min = 18\n"),
		BIT(KERNEL) | BIT(LINKS) | BIT(PCI) | BIT(NUMA) | BIT(CPU),
		"[expect] nvlink.active_min: GPU links are read for the GPUs PCI finds");
	is_mask(probes_of(dir, "[expect]\nirq.local = yes\n"), irq, "[expect] irq.local: as [irq]");
	is_mask(probes_of(dir, "[expect]\nthp.enabled = never\ncores = 96\n"), BIT(KERNEL) | BIT(THP) | BIT(CPU),
		"[expect] thp.enabled, cores");
	is_mask(probe_closure(BIT(IRQ)), BIT(IRQ) | BIT(PCI) | BIT(NUMA) | BIT(CPU), "the IRQ probe's needs");
	is_mask(probe_closure(PROBE_ALL), PROBE_ALL, "everything");
	{
		struct probe_options opt = {.only = BIT(HUGEPAGES) | BIT(NUMA)};
		static const char *const skip_cpu[] = {"cpu", NULL};

		is_mask(probe_wanted_by(&opt, PROBE_CPU), BIT(NUMA), "[hugepages]: the cpu probe runs for numa alone");
		opt.only = BIT(IRQ);
		is_mask(probe_wanted_by(&opt, PROBE_CPU), BIT(NUMA), "the IRQ probe: cpu for numa alone");
		opt.only = BIT(NUMA) | BIT(LINKS);
		is_mask(probe_wanted_by(&opt, PROBE_CPU), BIT(NUMA) | BIT(LINKS), "links: cpu for links too");
		opt.only = BIT(NUMA) | BIT(CPU);
		is_mask(probe_wanted_by(&opt, PROBE_CPU), BIT(NUMA) | BIT(CPU), "asked for itself");
		opt.only = 0;
		tap_ok(probe_wanted_by(&opt, PROBE_CPU) & BIT(CPU), "every probe: cpu for itself");
		opt.skip = skip_cpu;
		is_mask(probe_wanted_by(&opt, PROBE_CPU), 0, "skipped: for nobody");
	}
	unlink(strcat(dir, "/t.ini"));
	rmdir(dirname(dir));
	return tap_done();
}
