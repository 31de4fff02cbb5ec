/* The GPU/NIC affinity matrix (as `nvidia-smi topo -m` prints it, vendor
 * neutral and offline): which devices count, and the path between every
 * pair, computed from a probed host (PCI tree, NUMA nodes, KFD xGMI links,
 * NVML NVLinks). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "probes/host.h"

enum topo_kind {
	TOPO_GPU,       /* display controller (03xx) or processing accelerator (12xx) */
	TOPO_ACCEL,     /* co-processor (0b40): NEC Vector Engines and the like */
	TOPO_NIC,       /* Ethernet (0200) or InfiniBand (0207) function */
	TOPO_NVME,      /* NVMe controller (0108), with -v only */
};

/* Closest first: a lower value is a better path. */
enum topo_link {
	TOPO_SELF,      /* X */
	TOPO_NV,        /* NV<n>: n NVLinks, direct or through NVSwitches */
	TOPO_XGMI,      /* a KFD XGMI io_link between the two GPUs */
	TOPO_PIX,       /* at most one PCIe switch (or bridge) between */
	TOPO_PXB,       /* several switches, no host bridge */
	TOPO_PHB,       /* through one PCIe host bridge */
	TOPO_NODE,      /* between host bridges of one NUMA node */
	TOPO_SYS,       /* across NUMA nodes (the SMP interconnect) */
};

struct topo_device {
	const struct pci_device *pci;   /* in the host it was built from */
	enum topo_kind kind;
	char label[16];                 /* "GPU0", "NIC1", "NVMe0": index per kind, PCI order */
	int vendor_index;               /* NVIDIA or AMD GPU: its index among that vendor's
					   GPUs in PCI order (CUDA/HIP_VISIBLE_DEVICES with
					   PCI_BUS_ID order); UNKNOWN otherwise */
	char *port;                     /* NIC: RDMA device ("mlx5_0") or interface name; NULL */
	bool rdma;                      /* port is an RDMA device (for NCCL_IB_HCA) */
};

struct topo_pair {
	enum topo_link link;
	int nvlinks;                    /* TOPO_NV: how many */
};

struct topo {
	struct topo_device *devices;    /* by kind (GPUs first), each kind in PCI order */
	size_t ndevices;
	struct topo_pair *pairs;        /* ndevices x ndevices, symmetric */
};

/* The devices of h (GPUs, accelerators, NICs, and NVMe when with_nvme)
 * and the path between every pair. NIC port names come from
 * sys/bus/pci/devices/BDF/{infiniband,net}/ through sr (NULL: none).
 * 0 or -ENOMEM; *t is set only on success. */
int topo_build(const struct sysroot *sr, const struct host *h, bool with_nvme, struct topo *t);
void topo_release(struct topo *t);

const struct topo_pair *topo_pair(const struct topo *t, size_t a, size_t b);
/* "X", "NV18", "XGMI", "PIX", ...: into buf. */
const char *topo_link_name(const struct topo_pair *p, char *buf, size_t size);
const char *topo_kind_name(enum topo_kind k);  /* "gpu", "accel", "nic", "nvme" */
/* The NIC closest to device i (the best path; an RDMA port wins a tie,
 * then PCI order): its index, or -1 when there is no NIC. */
int topo_closest_nic(const struct topo *t, size_t i);
/* The PCIe part of the path alone (PIX .. SYS): what NVLink or xGMI does
 * not replace, e.g. between a GPU and a NIC. */
enum topo_link topo_pci_path(const struct host *h, const struct pci_device *a, const struct pci_device *b);
