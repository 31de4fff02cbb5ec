/* The IRQ probe on trees written here: /proc/interrupts chip-name variants
 * (IR-PCI-MSIX-<BDF>, old PCI-MSI-edge, ITS-MSI with a separate trigger
 * column, GICv3, shared IO-APIC lines, rows without an action), IRQ to
 * device through msi_irqs, the chip name and legacy `irq` files; each
 * device's IRQs as [irq] places them; remote
 * IRQs flagged against the device's node, numa_node -1 never flagged;
 * managed IRQs from read-only smp_affinity and nvme I/O queues; a capture
 * whose files are all read-only; irqbalance from proc/PID/comm. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "probes/host.h"
#include "tap.h"

#define PCI "sys/bus/pci/devices"

static void mkdirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

static void put(const char *root, const char *rel, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(const char *root, const char *rel, const char *fmt, ...)
{
	char *path = NULL;
	va_list ap;
	FILE *f;

	if (asprintf(&path, "%s/%s", root, rel) < 0)
		abort();
	mkdirs(path);
	f = fopen(path, "w");
	if (!f)
		abort();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	free(path);
}

static void chmod_rel(const char *root, const char *rel, mode_t mode)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s", root, rel) < 0 || chmod(path, mode) < 0)
		abort();
	free(path);
}

static void pci_dev(const char *root, const char *bdf, int node, const char *driver, int legacy, const int *msi)
{
	char rel[256], *path = NULL, *target = NULL;

	snprintf(rel, sizeof(rel), PCI "/%s/numa_node", bdf);
	put(root, rel, "%d\n", node);
	snprintf(rel, sizeof(rel), PCI "/%s/irq", bdf);
	put(root, rel, "%d\n", legacy);
	for (; msi && *msi; msi++) {
		snprintf(rel, sizeof(rel), PCI "/%s/msi_irqs/%d", bdf, *msi);
		put(root, rel, "msix\n");
	}
	if (driver) {
		if (asprintf(&path, "%s/" PCI "/%s/driver", root, bdf) < 0 ||
		    asprintf(&target, "../../../bus/pci/drivers/%s", driver) < 0 || symlink(target, path) < 0)
			abort();
		free(path);
		free(target);
	}
}

/* proc/irq/N: a cpulist (or, with a leading "mask:", a hex mask), the
 * effective list (NULL: no file) and the node. */
static void irq_dir(const char *root, int irq, const char *affinity, const char *effective, int node)
{
	char rel[128];

	if (startswith(affinity, "mask:")) {
		snprintf(rel, sizeof(rel), "proc/irq/%d/smp_affinity", irq);
		put(root, rel, "%s\n", affinity + 5);
	} else {
		snprintf(rel, sizeof(rel), "proc/irq/%d/smp_affinity_list", irq);
		put(root, rel, "%s\n", affinity);
		snprintf(rel, sizeof(rel), "proc/irq/%d/smp_affinity", irq);
		put(root, rel, "ff\n");
	}
	if (effective) {
		snprintf(rel, sizeof(rel), "proc/irq/%d/effective_affinity_list", irq);
		put(root, rel, "%s\n", effective);
	}
	snprintf(rel, sizeof(rel), "proc/irq/%d/node", irq);
	put(root, rel, "%d\n", node);
}

static const char interrupts[] =
	"           CPU0       CPU1       CPU2       CPU3       CPU4       CPU5       CPU6       CPU7\n"
	"  0:         40          0          0          0          0          0          0          0  IR-IO-APIC    2-edge      timer\n"
	" 11:       1234       5678          0          0          0          0          0          0     GICv3  27 Level     arch_timer\n"
	" 16:          0          0          3          0          0          0          0          0   IO-APIC   16-fasteoi   ehci_hcd:usb1, i801_smbus\n"
	" 17:          0          0          0          9          0          0          0          0   IO-APIC   17-fasteoi   snd_hda_intel:card0\n"
	" 24:          5          0          0          0          0          0          0          0   PCI-MSI-edge      eth0\n"
	" 30:          0          0          0          0          0        100          0          0  IR-PCI-MSIX-0000:41:00.0    0-edge      mlx5_comp0@pci:0000:41:00.0\n"
	" 31:          0        100          0          0          0          0          0          0  IR-PCI-MSIX-0000:41:00.0    1-edge      mlx5_comp1@pci:0000:41:00.0\n"
	" 32:          0          0          0          0          0          0          7          0  PCI-MSIX-0000:42:00.0    0-edge      virtio3-input.0\n"
	" 40:          1          0          0          0          0          0          0          0   ITS-MSI 524288 Edge      nvme0q0\n"
	" 41:         10          0          0          0          0          0          0          0   ITS-MSI 524289 Edge      nvme0q1\n"
	" 42:          0          0          0          0         20          0          0          0  IR-PCI-MSI 1048576-edge      qat_0\n"
	" 43:          0          0          0          0          0          0          0          0  IR-PCI-MSI 1048577-edge\n"
	" 44:          0          0          0          0          0          0          0          0  IR-PCI-MSI 2097152-edge      ixgbe-tx\n"
	" 45:          0          0          0          0          0          0          0          0  IR-PCI-MSI 2097153-edge      ixgbe-rx\n"
	"NMI:         17         17         17         17         17         17         17         17   Non-maskable interrupts\n"
	"LOC:    1000000    1000000    1000000    1000000    1000000    1000000    1000000    1000000   Local timer interrupts\n"
	"ERR:          0\n";

static void write_tree(const char *root)
{
	static const int eth[] = {24, 0}, mlx[] = {30, 31, 0}, nvme[] = {40, 41, 0}, qat[] = {42, 43, 0},
			 ixgbe[] = {44, 45, 0};

	put(root, "proc/interrupts", "%s", interrupts);
	put(root, "proc/1/comm", "systemd\n");
	put(root, "proc/812/comm", "irqbalance\n");
	put(root, "proc/self/comm", "irqbalance\n");
	pci_dev(root, "0000:00:1d.0", 0, "ehci-pci", 16, NULL);
	pci_dev(root, "0000:00:1f.3", 0, "i801_smbus", 16, NULL);
	pci_dev(root, "0000:00:1b.0", 0, "snd_hda_intel", 17, NULL);
	pci_dev(root, "0000:00:1c.0", 0, NULL, 17, NULL);          /* unbound, same line */
	pci_dev(root, "0000:01:00.0", 0, "e1000e", 11, eth);
	pci_dev(root, "0000:41:00.0", 0, "mlx5_core", 0, mlx);
	pci_dev(root, "0000:42:00.0", -1, "virtio-pci", 0, NULL);  /* no msi_irqs: the chip names it */
	pci_dev(root, "0000:c1:00.0", 1, "nvme", 0, nvme);
	pci_dev(root, "0000:81:00.0", 1, "qat_4xxx", 0, qat);
	pci_dev(root, "0000:82:00.0", 0, "ixgbe", 0, ixgbe);
	irq_dir(root, 0, "0", "0", -1);
	irq_dir(root, 11, "0-7", "0", -1);
	irq_dir(root, 16, "0-7", "2", -1);
	irq_dir(root, 17, "0-7", "3", -1);
	irq_dir(root, 24, "0-7", "0", 0);
	irq_dir(root, 30, "0-7", "5", 0);     /* mlx5 on node 0, runs on node 1: remote */
	irq_dir(root, 31, "0-7", "1", 0);
	irq_dir(root, 32, "0-7", "6", -1);    /* device node -1: never remote */
	irq_dir(root, 40, "0-7", "0", 1);
	irq_dir(root, 41, "0-1", "0", 1);     /* nvme q1, node 1 device, CPU 0: managed spread */
	irq_dir(root, 42, "4-5", "4", 1);
	irq_dir(root, 43, "4-5", "5", 1);
	irq_dir(root, 44, "4-7", NULL, 0);    /* no effective file: the mask alone */
	irq_dir(root, 45, "mask:0000000f", NULL, 0);
	chmod_rel(root, "proc/irq/42/smp_affinity", 0444);
	chmod_rel(root, "proc/irq/0/smp_affinity", 0444);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void two_nodes(struct host *h)
{
	h->numa.nodes = calloc(2, sizeof(*h->numa.nodes));
	h->numa.nnodes = 2;
	h->numa.from_sysfs = true;
	h->numa.nodes[0].id = 0;
	h->numa.nodes[1].id = 1;
	cpulist_parse("0-3", &h->numa.nodes[0].cpus);
	cpulist_parse("4-7", &h->numa.nodes[1].cpus);
}

static void free_nodes(struct host *h)
{
	for (size_t i = 0; i < h->numa.nnodes; i++)
		free(h->numa.nodes[i].cpus);
	free(h->numa.nodes);
}

/* The irq probe alone, or (with_pci) after the pci probe, which then
 * reads each device's IRQ files with the rest of the device. */
static int probe_with(const char *root, struct host *h, bool with_pci)
{
	static const struct probe_options opt;
	struct sysroot *sr = NULL;
	int r;

	memset(h, 0, sizeof(*h));
	two_nodes(h);
	r = sysroot_open(root, &sr);
	if (r == 0 && with_pci)
		r = pci_probe_collect(sr, &opt, h);
	if (r == 0)
		r = irq_probe_collect(sr, &opt, h);
	sysroot_free(sr);
	return r;
}

static int probe(const char *root, struct host *h)
{
	return probe_with(root, h, false);
}

static const struct irq_entry *find(const struct host *h, int irq)
{
	for (size_t i = 0; i < h->irq.nirqs; i++)
		if (h->irq.irqs[i].irq == irq)
			return &h->irq.irqs[i];
	return NULL;
}

static char *cpus(const struct cpuset *s)
{
	static char buf[64];
	char *t = s ? cpulist_format(s) : NULL;

	snprintf(buf, sizeof(buf), "%s", t ? t : "(none)");
	free(t);
	return buf;
}

#define DEVICE_IS(h, irq, want) tap_is_str(find(h, irq) ? find(h, irq)->device : "(missing)", want, "IRQ " #irq ": device")

/* What [irq] places for a device: its MSI vectors, else its INTx line. */
static void test_device_irqs(const struct host *h)
{
	size_t n = 0;
	const int *v = host_device_irqs(h, "0000:41:00.0", &n);

	tap_ok(n == 2 && v[0] == 30 && v[1] == 31, "mlx5: its two MSI vectors, in order");
	v = host_device_irqs(h, "0000:00:1b.0", &n);
	tap_ok(n == 1 && v[0] == 17, "snd_hda_intel: no MSI, its legacy line 17");
	host_device_irqs(h, "0000:42:00.0", &n);
	tap_is_int((int)n, 0, "virtio with neither: no IRQs");
	host_device_irqs(h, "0000:99:00.0", &n);
	tap_is_int((int)n, 0, "a device the host lacks: no IRQs");
}

static void test_mapping(const struct host *h)
{
	tap_is_int(h->irq.nirqs, 14, "14 numbered IRQs; NMI, LOC and ERR left out");
	DEVICE_IS(h, 0, NULL);
	DEVICE_IS(h, 11, NULL);
	DEVICE_IS(h, 16, "0000:00:1f.3");
	DEVICE_IS(h, 17, "0000:00:1b.0");
	DEVICE_IS(h, 24, "0000:01:00.0");
	DEVICE_IS(h, 30, "0000:41:00.0");
	DEVICE_IS(h, 32, "0000:42:00.0");
	DEVICE_IS(h, 41, "0000:c1:00.0");
	tap_is_str(find(h, 0)->chip, "IR-IO-APIC", "IR-IO-APIC chip");
	tap_is_str(find(h, 0)->name, "timer", "action after '2-edge'");
	tap_is_str(find(h, 11)->chip, "GICv3", "GICv3 chip");
	tap_is_str(find(h, 11)->name, "arch_timer", "action after a hwirq and 'Level' column");
	tap_is_str(find(h, 16)->name, "ehci_hcd:usb1, i801_smbus", "a shared line keeps every action");
	tap_is_str(find(h, 24)->chip, "PCI-MSI-edge", "old kernels' chip-and-flow column");
	tap_is_str(find(h, 24)->name, "eth0", "its action");
	tap_is_str(find(h, 30)->name, "mlx5_comp0@pci:0000:41:00.0", "an action with a colon and an @");
	tap_is_str(find(h, 40)->name, "nvme0q0", "action after 'ITS-MSI 524288 Edge'");
	tap_ok(find(h, 43)->name == NULL, "a row without an action has no name");
	tap_is_str(find(h, 30)->driver, "mlx5_core", "driver from the device's driver link");
	tap_is_int(find(h, 30)->device_node, 0, "device node from numa_node");
	tap_is_int(find(h, 32)->device_node, UNKNOWN, "numa_node -1 is unknown");
	tap_is_str(cpus(find(h, 30)->effective), "5", "effective_affinity_list");
	tap_is_str(cpus(find(h, 45)->affinity), "0-3", "a hex smp_affinity when there is no list");
	tap_is_int(find(h, 40)->node, 1, "proc/irq/N/node");
	tap_is_int(find(h, 0)->node, UNKNOWN, "node -1 is unknown");
}

static void test_remote_and_managed(const struct host *h)
{
	tap_ok(find(h, 30)->remote, "mlx5 IRQ on CPU 5 (node 1), device on node 0: remote");
	tap_ok(!find(h, 31)->remote, "mlx5 IRQ on CPU 1 (node 0): local");
	tap_ok(!find(h, 32)->remote, "device numa_node -1: never remote");
	tap_ok(find(h, 44)->remote, "no effective list, allowed CPUs 4-7 only, device on node 0: remote");
	tap_ok(!find(h, 45)->remote, "no effective list, allowed CPUs 0-3: local");
	tap_ok(find(h, 42)->managed, "read-only smp_affinity of a PCI MSI vector: managed");
	tap_is_str(find(h, 42)->managed_source, "read-only smp_affinity", "and says why");
	tap_ok(!find(h, 43)->managed, "its writable sibling: not managed");
	tap_ok(!find(h, 0)->managed, "a read-only timer IRQ of no device: not called managed");
	tap_is_int(find(h, 0)->affinity_writable, 0, "but its affinity is reported read-only");
	tap_ok(find(h, 41)->managed && find(h, 41)->remote, "nvme0q1: managed (and spread off-node by the kernel)");
	tap_ok(!find(h, 40)->managed, "nvme0q0, the admin queue: not managed");
	tap_ok(h->irq.mode_trusted, "modes are trusted where some IRQ's file is writable");
	tap_ok(h->irq.irqbalance_running, "irqbalance found by its comm");
}

/* A capture that made every file read-only says nothing about managed. */
static void test_read_only_capture(const char *root)
{
	static const char *const irqs[] = {"0", "11", "16", "17", "24", "30", "31", "32", "40", "41", "42", "43", "44", "45"};
	struct host h;
	char rel[64];

	for (size_t i = 0; i < ARRAY_SIZE(irqs); i++) {
		snprintf(rel, sizeof(rel), "proc/irq/%s/smp_affinity", irqs[i]);
		chmod_rel(root, rel, 0444);
	}
	put(root, "proc/812/comm", "sshd\n");
	probe(root, &h);
	tap_ok(!h.irq.mode_trusted, "all read-only: modes not trusted");
	tap_ok(!find(&h, 42)->managed && !find(&h, 43)->managed, "so no IRQ is called managed from its mode");
	tap_ok(find(&h, 41)->managed, "nvme I/O queues still are");
	tap_ok(!h.irq.irqbalance_running, "no irqbalance process");
	irq_probe_release(&h);
	free_nodes(&h);
}

int main(void)
{
	char root[] = "/tmp/test-irq-XXXXXX";
	struct host h;

	if (!mkdtemp(root))
		abort();
	write_tree(root);
	tap_is_int(probe(root, &h), 0, "probe succeeds");
	test_mapping(&h);
	test_device_irqs(&h);
	test_remote_and_managed(&h);
	irq_probe_release(&h);
	tap_is_int(h.irq.nirqs, 0, "release empties the list");
	free_nodes(&h);

	/* the same answers where the pci probe read the devices' IRQ files */
	tap_is_int(probe_with(root, &h, true), 0, "probe after the pci probe succeeds");
	tap_ok(h.pci.ndevices == 10 && h.pci.devices[0].irqs_read, "the pci probe read the devices' IRQs");
	test_mapping(&h);
	test_device_irqs(&h);
	test_remote_and_managed(&h);
	irq_probe_release(&h);
	pci_probe_release(&h);
	free_nodes(&h);
	test_read_only_capture(root);

	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (!mkdtemp(strcpy(root, "/tmp/test-irq-XXXXXX")))
		abort();
	tap_is_int(probe(root, &h), 0, "an empty tree: no error");
	tap_is_int(h.irq.nirqs, 0, "an empty tree: no IRQs");
	irq_probe_release(&h);
	free_nodes(&h);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
