/* libFuzzer harness for /proc/interrupts (probes/irq.c): the CPU header,
 * numbered rows, chip, hardware IRQ and flow columns, action names, the
 * BDF inside an MSI chip name; then each IRQ's affinity files and the PCI
 * devices that own them. Parts (0x01-separated): proc/interrupts, then
 * for IRQs 24 and 25 smp_affinity_list, effective_affinity_list, node,
 * then the PCI device's numa_node and irq. */
#include "tests/fuzz/fuzz-tree.h"
#include "common/cpulist.h"
#include "probes/host.h"

#define DEV "sys/bus/pci/devices/0000:41:00.0/"

static const char *const paths[] = {
	"proc/interrupts",
	"proc/irq/24/smp_affinity_list", "proc/irq/24/effective_affinity_list", "proc/irq/24/node",
	"proc/irq/25/smp_affinity_list", "proc/irq/25/effective_affinity_list", "proc/irq/25/node",
	DEV "numa_node", DEV "irq",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_tree_init("interrupts");
	fuzz_puts(DEV "msi_irqs/24", "msix\n");
	fuzz_puts(DEV "msi_irqs/25", "msix\n");
	fuzz_puts("proc/irq/24/smp_affinity", "f\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_options opt = {0};
	struct numa_node nodes[2] = {{.id = 0}, {.id = 1}};
	struct host h = {0};

	fuzz_put_parts(paths, NPATHS, data, size);
	if (cpulist_parse("0-1", &nodes[0].cpus) < 0 || cpulist_parse("2-3", &nodes[1].cpus) < 0)
		abort();
	h.numa.nodes = nodes;
	h.numa.nnodes = 2;
	if (irq_probe_collect(fuzz_sr, &opt, &h) < 0)
		abort();
	for (size_t i = 0; i < h.irq.nirqs; i++)
		if (h.irq.irqs[i].irq < 0 || (h.irq.irqs[i].managed && !h.irq.irqs[i].managed_source))
			abort();
	irq_probe_release(&h);
	free(nodes[0].cpus);
	free(nodes[1].cpus);
	return 0;
}
