/* The pure parts of the pci probe, shared with its renderer and its unit
 * tests: PCIe link strings and registers turned into speeds, generations
 * and bandwidth, and the judgement of links along a chain of bridges
 * (downgraded, idle GPU, limiting hop). Nothing here reads a file. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/host.h"

/* Bridges between a device and its root port, at most (a deeper chain,
 * or a loop in a broken dump, is cut there). */
#define PCI_MAX_DEPTH 32

/* A sysfs link speed in GT/s, locale-independent: "8 GT/s" (kernel < 4.17),
 * "8.0 GT/s PCIe", "2.5 GT/s", "64.0 GT/s PCIe". NAN for "Unknown",
 * "Unknown speed", PCI-X bus speeds ("133 MHz PCI-X") and anything else. */
double pci_speed_parse(const char *s);
/* A sysfs link width: "16" -> 16. UNKNOWN for "0" (link down), "255"
 * (the kernel's "not reported"), anything past x32, and garbage. */
int pci_width_parse(const char *s);
/* A LnkCap / LnkSta speed field (an index into LnkCap2's supported-speeds
 * vector: 1 = 2.5 GT/s ... 6 = 64 GT/s, 7 = 128 GT/s): GT/s or NAN. */
double pci_speed_from_code(unsigned code);
/* The highest speed in LnkCap2's supported-speeds vector (bits 7:1), NAN
 * when the vector is empty (a PCIe 2.x device). */
double pci_speed_from_vector(uint32_t lnkcap2);
/* 2.5 -> 1, 5 -> 2, 8 -> 3, 16 -> 4, 32 -> 5, 64 -> 6, 128 -> 7; UNKNOWN. */
int pci_gen_from_speed(double gts);
/* Line-code efficiency: 8b/10b below 8 GT/s, 128b/130b for 8, 16 and
 * 32 GT/s, 1.0 from 64 GT/s (PAM4 has no line code: its FLIT overhead
 * is protocol overhead, like TLP headers, which no generation counts). */
double pci_encoding(double gts);
/* One direction, GB/s (10^9 B): GT/s x width x encoding / 8; NAN unknown. */
double pci_bandwidth_gbps(double gts, int width);

/* A link with every value unknown. */
void pci_link_init(struct pci_link *l);
/* Decode the PCIe capability's link registers as lspci prints them: the
 * maximum speed is LnkCap's field (LnkCap2's highest supported speed only
 * where that field is not a valid speed), the current one LnkSta's. */
void pci_link_from_regs(uint32_t lnkcap, uint16_t lnksta, uint32_t lnkcap2, struct pci_link *l);
/* Generations and bandwidth from the speeds and widths. */
void pci_link_finish(struct pci_link *l);
/* True when some speed or width of the link is known. */
bool pci_link_known(const struct pci_link *l);

/* Extended config space: the most a config file or an lspci dump holds. */
#define PCI_CONFIG_MAX 4096

/* A function as sys/bus/pci/devices/BDF shows it, for code that must
 * look at a device the probe did not see (no libpci, or one that appeared
 * since: watch): class (base << 8 | subclass), vendor (0 unknown), NUMA
 * node (UNKNOWN). Without a class file: -ENOENT; a malformed one -EINVAL. */
struct pci_sysfs_ids {
	unsigned class_code;
	unsigned vendor_id;
	int numa_node;
};
int pci_sysfs_ids(const struct sysroot *sr, const char *bdf, struct pci_sysfs_ids *ret);

/* A device's IRQs as its sysfs directory shows them (dev: a view of it,
 * sysroot_at): *legacy from the `irq` file (INTx; left alone where there
 * is none), *msi from msi_irqs/N, sorted (left alone where that is
 * missing). 0 or -ENOMEM. */
int pci_sysfs_irqs(const struct sysroot *dev, int *legacy, int **msi, size_t *nmsi);

/* A device's link as sysfs shows it at this moment (current and maximum
 * speed and width, bandwidth): a GPU's idle link trains up under load, so
 * a measurement re-reads it while it runs. 0, -ENOENT (no link attributes)
 * or -ENOMEM. */
int pci_link_read_now(const struct sysroot *sr, const char *bdf, struct pci_link *ret);

/* "0000:1a:00.0", 32-bit domains too ("10000:00:01.0"); 0 or -EINVAL. */
int pci_parse_bdf(const char *s, unsigned *domain, unsigned *bus, unsigned *dev, unsigned *func);

struct pci_device *pci_info_find(const struct pci_info *pi, const char *bdf);
/* A display controller (class 03xx) or processing accelerator (12xx) from
 * NVIDIA or AMD: its link drops to 2.5 GT/s when the GPU idles. */
bool pci_is_gpu(const struct pci_device *d);
/* True for the upstream end of a physical link: an endpoint, a switch's
 * upstream port, a PCIe-to-PCI bridge, whose link registers describe the
 * link to the bridge above. False for root ports and switch downstream
 * ports, whose registers describe the link below them. Without config
 * space (the type unknown) the roles alternate down the tree from the
 * root ports: a root port faces down, what hangs below it faces up, a
 * switch's downstream ports face down again. */
bool pci_faces_upstream(const struct pci_info *pi, const struct pci_device *d);
/* What a device is in the tree, for people: "root port", "switch
 * downstream port", "switch upstream port", "endpoint", ... */
const char *pci_port_role(const struct pci_info *pi, const struct pci_device *d);
/* The device at the other end of a downstream-facing port's link (the
 * lowest function under it that faces upstream and has a link), or NULL. */
const struct pci_device *pci_link_partner_below(const struct pci_info *pi, const struct pci_device *port);
/* A root or switch downstream port whose link is down with nothing
 * below it: an empty slot (lspci: LnkSta width x0), not a fault. */
bool pci_empty_slot(const struct pci_info *pi, const struct pci_device *port);
/* The capability of the link a device faces upstream with: the lower of
 * its own and its parent's maxima (its own where the parent's is unknown). */
void pci_hop_capability(const struct pci_info *pi, const struct pci_device *d, double *speed, int *width);

/* With every device's link and parent known: downgraded, idle_downgrade
 * and limiting_hop for every device. 0 or -ENOMEM.
 *
 * downgraded: for the upstream end of a link (see pci_faces_upstream),
 * the link runs below the device's own maximum speed or width, as lspci's
 * "(downgraded)" mark; for a root or downstream port, the link below it
 * runs below what both the port and the device under it support (a port
 * with nothing under it is never downgraded, as in lspci).
 *
 * idle_downgrade: a GPU (pci_is_gpu) at 2.5 GT/s with every lane its slot
 * gives it (see pci_hop_capability), capable of more: power saving, not a
 * fault; the port above it shares the mark.
 *
 * limiting_hop: the BDF of the upstream end (a root port, a switch port)
 * of the first hop, walking from the device towards its root port, whose
 * link trained below what both of its ends support — the slot, riser,
 * cable or switch to look at. Idle GPU links are not counted. Where no
 * hop trained low but the device itself is downgraded, it is the port the
 * device hangs from when that port is less capable than the device (a
 * Gen5 card in a Gen4 slot). NULL when nothing limits the device. */
int pci_judge_links(struct pci_info *pi);
