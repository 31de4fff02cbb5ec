/* libFuzzer harness for a captured tree's PCI config space (probes/pci.c):
 * the whole input is one function's config file, which libpci reads as
 * that device's cache: the header, the capability list, the extended
 * chain (loops, pointers past the end, a short or empty file), under a
 * fixed root port whose secondary bus is the function's. */
#include "tests/fuzz/fuzz-tree.h"
#include "probes/host.h"
#include "probes/pci.h"

#define PORT "sys/bus/pci/devices/0000:00:01.0/"
#define EP "sys/bus/pci/devices/0000:01:00.0/"

static void put_le(uint8_t *cfg, size_t at, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		cfg[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static uint8_t port[256];

	(void)argc, (void)argv;
	fuzz_tree_init("pci-config");
	put_le(port, 0x00, 0x14831022, 4);  /* AMD root port */
	put_le(port, 0x06, 0x0010, 2);      /* a capability list */
	put_le(port, 0x08, 0x06040000, 4);  /* PCI-to-PCI bridge */
	put_le(port, 0x0e, 0x01, 1);        /* type 1 header */
	put_le(port, 0x18, 0x000100, 3);    /* buses 0, 1, 0 */
	put_le(port, 0x34, 0x40, 1);
	put_le(port, 0x40, 0x0010, 2);      /* PCIe, last capability */
	put_le(port, 0x42, 0x0042, 2);      /* version 2, root port */
	put_le(port, 0x4c, 0x00000104, 4);  /* 16 GT/s x16 */
	put_le(port, 0x52, 0x0104, 2);
	fuzz_put(PORT "config", port, sizeof(port));
	fuzz_puts(PORT "numa_node", "0\n");
	fuzz_puts(EP "numa_node", "0\n");
	fuzz_puts(EP "current_link_speed", "8.0 GT/s PCIe\n");
	fuzz_puts(EP "current_link_width", "8\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_options opt = {.only = PROBE_BIT(PROBE_PCI)};
	struct host h = {0};

	fuzz_put(EP "config", data, size);
	if (pci_probe_collect(fuzz_sr, &opt, &h) < 0 || h.pci.ndevices > 2)
		abort();
	for (size_t i = 0; i < h.pci.ndevices; i++) {
		const struct pci_device *d = &h.pci.devices[i];

		if ((d->mps != UNKNOWN && (d->mps < 128 || d->mps > 16384)) ||
		    (d->mrrs != UNKNOWN && (d->mrrs < 128 || d->mrrs > 16384)) ||
		    (d->acs != UNKNOWN && d->acs != 0 && d->acs != 1) ||
		    (d->pcie_type != UNKNOWN && (d->pcie_type < 0 || d->pcie_type > 15)) ||
		    d->link.width < -1 || d->link.max_width < -1)
			abort();
	}
	pci_probe_release(&h);
	return 0;
}
