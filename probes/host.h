/* What rigtune knows about a host: one struct per probe, filled by the
 * probe table in probes/probe.c. Unknown values are explicit: NULL strings,
 * negative integers (UNKNOWN), NAN doubles, tri-states of -1. Probes never
 * fail because a file is missing; a missing file is an unknown value. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cpulist.h"
#include "common/json.h"
#include "common/sysroot.h"

#define UNKNOWN (-1)

struct kernel_info {
	char *release;          /* proc/sys/kernel/osrelease, else proc/version */
	char *cmdline;          /* proc/cmdline, stripped */
	char *virtualization;   /* "kvm", "xen", "vmware", "microsoft", ... or NULL */
	char *virt_source;      /* what told us: "cpuinfo hypervisor flag", "dmi", ... */
	char *dmi_sys_vendor;   /* sys/class/dmi/id/sys_vendor */
	char *dmi_product;      /* sys/class/dmi/id/product_name */
};

struct cpu_info {
	char *vendor;           /* vendor_id: "AuthenticAMD" */
	char *model_name;
	int family, model;      /* UNKNOWN when absent (e.g. aarch64) */
	int sockets, cores, threads;
	int smt;                /* tri-state: threads > cores */
	char *governor;         /* cpu0's scaling_governor, or NULL (VMs) */
	bool governors_differ;  /* some CPU runs another governor */
	char *epp;              /* cpu0's energy_performance_preference */
	int boost;              /* cpufreq/boost tri-state */
	struct cpuset *online;
	char **flags;           /* cpuinfo flags of the first CPU */
	uint64_t llc_bytes;     /* largest cache, summed over its instances; 0 unknown */
	int llc_instances;      /* how many distinct last-level caches */
	struct cpuset **core_cpus;  /* one per core, its hardware threads (core_cpus_list);
				       NULL-terminated, NULL when the tree has no sibling lists */
	int *llc_of;            /* by CPU number: the first CPU sharing its last-level
				   cache, UNKNOWN; nllc_of entries */
	size_t nllc_of;
};

struct hugepage_pool {
	uint64_t size_kb;
	int64_t total, free, surplus, reserved; /* UNKNOWN when absent */
};

struct numa_node {
	int id;
	int socket;             /* physical package of its first CPU; UNKNOWN for
				   memory-only nodes */
	struct cpuset *cpus;    /* empty for memory-only nodes */
	int64_t memory_bytes;   /* MemTotal, UNKNOWN */
	int64_t memory_free_bytes;
	int *distances;         /* indexed like host.numa.nodes; NULL unknown */
	size_t ndistances;
	struct hugepage_pool *hugepages;
	size_t nhugepages;
};

struct numa_info {
	struct numa_node *nodes;
	size_t nnodes;
	bool from_sysfs;        /* false: no node directory, one implicit node */
};

struct thp_size {
	uint64_t size_kb;
	char *enabled;          /* selected choice */
};

struct thp_info {
	char *enabled, *defrag, *shmem_enabled;  /* selected choices or NULL */
	int khugepaged_defrag;  /* UNKNOWN when absent */
	char *cmdline_override; /* value of transparent_hugepage= on the cmdline */
	struct thp_size *sizes;
	size_t nsizes;
};

struct hugepages_info {
	struct hugepage_pool *pools;  /* global pools, sys/kernel/mm/hugepages */
	size_t npools;
	uint64_t default_size_kb;     /* Hugepagesize in meminfo, 0 unknown */
};

struct sysctl_value {
	const char *name;       /* dotted, static string */
	int64_t value;          /* UNKNOWN when missing */
	bool present;
};

struct sysctl_info {
	struct sysctl_value *values;
	size_t nvalues;
};

/* One PCIe link end as seen from a device. Speeds in GT/s, NAN unknown. */
struct pci_link {
	double speed_gts, max_speed_gts;
	int gen, max_gen;           /* UNKNOWN */
	int width, max_width;       /* UNKNOWN */
	double bandwidth_gbps;      /* current, one direction, GB/s */
	bool downgraded;            /* runs below its capability */
	bool idle_downgrade;        /* downgraded, but a GPU in a power state */
	const char *source;         /* "sysfs", "config", "dump" */
};

struct pci_device {
	char bdf[32];               /* "0000:1a:00.0" (32-bit domains too) */
	unsigned domain, bus, dev, func;
	unsigned class_code;        /* 0x0207: base class << 8 | subclass */
	unsigned prog_if;
	char *class_name;           /* names (probes/pci-names.h): NULL when
				       unknown or not looked up */
	unsigned vendor_id, device_id;
	char *vendor, *device;      /* likewise */
	char *driver;
	int numa_node;              /* UNKNOWN for -1 or absent */
	struct cpuset *local_cpus;
	bool is_bridge;
	int pcie_type;              /* PCIe device/port type, UNKNOWN if not PCIe */
	bool has_link;
	struct pci_link link;
	int mps, mps_max, mrrs;     /* Max Payload Size (DevCtl, DevCap) and Max Read
				       Request Size (DevCtl), bytes; UNKNOWN */
	int acs;                    /* ACS P2P Request/Completion Redirect enabled
				       (ACS Control): 1 on, 0 off, UNKNOWN no ACS */
	int iommu_group;            /* sys/bus/pci/devices/BDF/iommu_group, UNKNOWN */
	char **upstream;            /* bridges above: root port first, parent last (DESIGN.md) */
	char *limiting_hop;         /* BDF or NULL */
	char *parent;               /* immediate upstream bridge BDF or NULL */
	bool irqs_read;             /* the two below were read (for the irq probe) */
	int legacy_irq;             /* the `irq` file (INTx), 0 none */
	int *msi_irqs;              /* msi_irqs/N, sorted */
	size_t nmsi;
};

struct pci_info {
	struct pci_device *devices;
	size_t ndevices;
	const char *method;         /* "sysfs", "dump", or NULL when unavailable */
	char *error;                /* why enumeration failed, or NULL */
};

/* One KFD io_link (sys/class/kfd/kfd/topology/nodes/N/io_links/M), one
 * direction: the kernel lists A->B under A and B->A under B. */
struct xgmi_link {
	char *from, *to;            /* GPU BDFs, or "cpuN" for the Nth KFD CPU node */
	int kfd_from, kfd_to;       /* KFD node ids */
	int type;                   /* KFD io_link type: 11 XGMI, 2 PCIe */
	int weight;                 /* UNKNOWN */
	int64_t min_bandwidth_mbs, max_bandwidth_mbs;  /* MB/s, UNKNOWN */
	int links;                  /* physical links (max / min bandwidth), UNKNOWN */
};

/* An AMD Instinct GPU (a KFD node with SIMDs). */
struct xgmi_gpu {
	char *bdf;                  /* from domain + location_id; "BDF#k" for partition k > 0 */
	int kfd_node;
	char *hive_id;              /* "0x..." (xgmi_hive_info/xgmi_hive_id or KFD hive_id), NULL: none */
	char *device_id;            /* xgmi_device_id, "0x...", or NULL */
	int physical_id;            /* xgmi_physical_id, UNKNOWN */
	int num_links;              /* xgmi_num_links summed over peers, UNKNOWN */
	int64_t gfx_target_version; /* 90402 = gfx942 (MI300X), UNKNOWN */
	int simd_count;
	int drm_render_minor;       /* UNKNOWN */
};

struct nvlink_link {
	char *gpu;                  /* BDF of the GPU, sysfs form "0000:1b:00.0" */
	int link;
	bool active;
	int version;                /* as NVML reports it, UNKNOWN */
	char *remote;               /* remote PCI BDF (NVSwitch or GPU) or NULL */
};

/* One EPYC socket-to-socket xGMI link as HSMP reports it. */
struct socket_link {
	int socket;
	int link_id;                /* HSMP link id (bits 15:8 of the request) */
	int64_t bandwidth_mbps;     /* current aggregate traffic, Mbps, UNKNOWN */
};

struct links_info {
	struct xgmi_gpu *gpus;
	size_t ngpus;
	struct xgmi_link *xgmi;     /* XGMI io_links only (type 11) */
	size_t nxgmi;
	char **xgmi_missing;        /* "BDF<->BDF": same hive, no XGMI link either way (NULL-terminated) */
	char *xgmi_note;            /* why the hive is not checked as a full mesh, or NULL */
	int sockets;                /* CPU sockets, UNKNOWN */
	int cross_socket_distance;  /* largest NUMA distance between nodes of different sockets, UNKNOWN */
	const char *socket_link_source;  /* "hsmp" or NULL */
	int hsmp_protocol;          /* HSMP interface version, UNKNOWN */
	struct socket_link *socket_links;
	size_t nsocket_links;
	char *socket_link_note;     /* EPYC socket-to-socket: what can be known */
	struct nvlink_link *nvlink;
	size_t nnvlink;
	int nvlink_gpus;            /* GPUs NVML reported, UNKNOWN when not asked */
	char *nvlink_note;          /* why NVLink is empty, or NULL */
};

/* GPU health, per GPU: NVML on the live host (NVIDIA), amdgpu's sysfs
 * attributes (AMD, captured trees too). Counts are UNKNOWN and tri-states
 * -1 where the GPU or driver does not say. */
struct gpu_health {
	char *bdf;                  /* "0000:1b:00.0" */
	const char *source;         /* "nvml" or "amdgpu" */
	int persistence;            /* persistence mode on (NVIDIA) */
	int ecc_enabled, ecc_pending;              /* ECC mode now / after reboot */
	int64_t ecc_uncorrected, ecc_corrected;    /* since the driver loaded (volatile; AMD RAS ue/ce) */
	int64_t ecc_uncorrected_total;             /* over the GPU's life (aggregate) */
	int64_t retired_sbe, retired_dbe;          /* retired pages: multiple single-bit, double-bit */
	int retired_pending;
	int64_t remapped_correctable, remapped_uncorrectable;  /* rows (Ampere and later) */
	int remap_pending, remap_failed;
	int64_t throttle_reasons;   /* NVML clock-event reasons mask, UNKNOWN */
	int64_t pcie_replays;       /* PCIe replay counter */
	int64_t power_limit_mw, power_default_mw;
	int mig_enabled, mig_pending;
	int fabric_state;           /* NVSwitch fabric: 0 not supported, 1 not started,
				       2 in progress, 3 completed; UNKNOWN */
	int fabric_status;          /* NVML status once completed, 0 success */
	char **ras_blocks;          /* AMD: "umc: 2 uncorrected, 5 corrected" per block with errors */
};

struct gpu_health_info {
	struct gpu_health *gpus;
	size_t ngpus;
};

struct irq_entry {
	int irq;
	char *device;               /* BDF or NULL */
	char *name;                 /* action name from /proc/interrupts */
	struct cpuset *affinity;    /* smp_affinity_list */
	struct cpuset *effective;   /* effective_affinity_list */
	int node;                   /* proc/irq/N/node, UNKNOWN */
	bool managed;
	bool remote;                /* runs outside the device's NUMA node */
	char *chip;                 /* irq chip column: "IR-PCI-MSIX-0000:41:00.0", "IO-APIC" */
	char *driver;               /* the device's driver, or NULL */
	int device_node;            /* the device's numa_node, UNKNOWN */
	int affinity_writable;      /* tri-state: smp_affinity mode allows writes */
	const char *managed_source; /* "debugfs", "read-only smp_affinity", NULL */
};

/* A PCI device and the IRQs sysfs gives it. */
struct irq_device {
	char *bdf;                  /* the sys/bus/pci/devices name */
	char *driver;
	int node;                   /* numa_node, UNKNOWN */
	int *msi;                   /* msi_irqs/N, sorted */
	size_t nmsi;
	int legacy;                 /* the `irq` file, 0 none */
};

struct irq_info {
	struct irq_entry *irqs;
	size_t nirqs;
	struct irq_device *devices; /* every PCI device, IRQs or not, by BDF */
	size_t ndevices;
	bool irqbalance_running;
	bool mode_trusted;          /* smp_affinity modes tell managed IRQs apart */
};

struct dimm {
	char *locator, *bank;
	uint64_t size_bytes;        /* 0: empty slot (or populated, size unknown) */
	char *type;                 /* "DDR5" */
	int speed_mts, configured_mts;   /* UNKNOWN */
	int socket, channel;        /* derived from the locators, UNKNOWN */
	bool populated;             /* a DIMM is installed */
	int data_width;             /* bits, UNKNOWN */
	char *manufacturer, *part_number, *serial;  /* SMBIOS strings, or NULL */
};

/* Which machine it is, from SMBIOS types 0, 1 and 2; NULL where absent. */
struct machine_identity {
	char *bios_vendor, *bios_version, *bios_date;
	char *sys_vendor, *product, *sys_version, *sys_serial;
	char *board_vendor, *board_name, *board_serial;
};

/* One socket's share of the slots, from the DIMMs' derived sockets. */
struct memory_socket {
	int socket;                 /* UNKNOWN: slots without a socket */
	int slots, dimms;           /* slots, and populated ones */
	int channels_total, channels_populated;
	bool channels_known;        /* every slot's channel came from its locators */
	uint64_t bytes;
	int min_mts, max_mts;       /* configured, over populated DIMMs; UNKNOWN */
	double peak_gbps;           /* NAN */
};

struct memory_info {
	struct dimm *dimms;         /* populated and empty slots */
	size_t ndimms;
	int channels_populated;     /* UNKNOWN */
	int channels_total;         /* UNKNOWN */
	double peak_gbps;           /* NAN */
	const char *peak_source;    /* "smbios" or NULL */
	char *unknown_reason;       /* no DMI: why */
	char **warnings;            /* unbalanced population, mixed speeds, ... */
	char *smbios_version;       /* "3.5", or NULL */
	uint64_t total_bytes;       /* sum of populated DIMMs of known size */
	char **skipped;             /* non-DRAM records left out: "NVDIMM_0: NVDIMM-N, 16 GiB" */
	struct memory_socket *sockets;
	size_t nsockets;
	struct machine_identity machine;  /* read from the same SMBIOS table */
};

/* The IOMMU as DMA from devices sees it. */
struct iommu_info {
	const char *mode;           /* "off", "passthrough" (identity: iommu=pt),
				       "translated" (DMA domains), NULL unknown */
	const char *source;         /* what said so: "iommu_groups type",
				       "kernel command line", "no iommu_groups" */
	int ngroups;                /* sys/kernel/iommu_groups entries, UNKNOWN */
	char **units;               /* sys/class/iommu: "dmar0", "ivhd0"; NULL-terminated */
};

struct host {
	struct kernel_info kernel;
	struct cpu_info cpu;
	struct numa_info numa;
	struct memory_info memory;
	struct thp_info thp;
	struct hugepages_info hugepages;
	struct sysctl_info sysctl;
	struct pci_info pci;
	struct links_info links;
	struct gpu_health_info gpu_health;   /* filled by the links probe */
	struct irq_info irq;
	struct iommu_info iommu;
};

/* The probes, in table order (probe_table is indexed by these). */
enum probe_id {
	PROBE_KERNEL,
	PROBE_CPU,
	PROBE_NUMA,
	PROBE_THP,
	PROBE_HUGEPAGES,
	PROBE_SYSCTL,
	PROBE_MEMORY,           /* SMBIOS */
	PROBE_PCI,
	PROBE_LINKS,            /* KFD, HSMP, NVML; GPU health too */
	PROBE_IRQ,
	PROBE_IOMMU,
	PROBE_COUNT,
};

#define PROBE_BIT(id) (1u << (id))
#define PROBE_ALL (PROBE_BIT(PROBE_COUNT) - 1)
/* For a knob or [expect] key that reads nothing from struct host: a
 * declared 0 means "not declared" and runs every probe. */
#define PROBE_NONE PROBE_BIT(PROBE_COUNT)

struct probe_options {
	const char *pci_dump;       /* read config space from an lspci dump */
	const char *nvml_library;   /* dlopen name, default libnvidia-ml.so.1 */
	const char *const *skip;    /* probes not to run, by name (NULL-terminated),
				       their part of struct host left empty; or NULL */
	unsigned only;              /* PROBE_BITs to run (with what they
				       need); 0 runs every probe. The parts
				       of struct host left out stay zero. */
};

/* One probe: collects its part of struct host. Probes run in table order
 * (later probes may use earlier ones: irq uses pci and numa), and needs
 * names the earlier ones it reads. */
struct probe {
	const char *name;
	unsigned needs;
	int (*collect)(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
	void (*release)(struct host *h);
};

extern const struct probe probe_table[];
extern const size_t probe_table_size;

/* The probes mask asks for, with every probe they need. */
unsigned probe_closure(unsigned mask);
/* Whether host_probe runs probe id with these options. */
bool probe_runs(const struct probe_options *opt, enum probe_id id);
/* Why it runs: its own PROBE_BIT where it was asked for (or every probe
 * was), and those of the probes that run and need it; 0 where it does
 * not run. A probe may read less of what only some of them read. */
unsigned probe_wanted_by(const struct probe_options *opt, enum probe_id id);
/* Run the probes opt->only asks for (every probe by default). A probe
 * that fails with anything but a missing file returns its -errno here,
 * with the probe's name in *failed. */
int host_probe(const struct sysroot *sr, const struct probe_options *opt, struct host *h,
	       const char **failed);
void host_release(struct host *h);

/* The probes (one file each under probes/). */
int kernel_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void kernel_probe_release(struct host *h);
int cpu_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void cpu_probe_release(struct host *h);
int numa_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void numa_probe_release(struct host *h);
int thp_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void thp_probe_release(struct host *h);
int hugepages_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void hugepages_probe_release(struct host *h);
int sysctl_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void sysctl_probe_release(struct host *h);
int memory_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void memory_probe_release(struct host *h);
int pci_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void pci_probe_release(struct host *h);
int links_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void links_probe_release(struct host *h);
int irq_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void irq_probe_release(struct host *h);
int iommu_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h);
void iommu_probe_release(struct host *h);

/* Helpers shared by probes. */
/* /proc/cpuinfo's first stanza (the first CPU's lines), read without the
 * kernel writing out every other CPU's. */
int cpuinfo_first_stanza(const struct sysroot *sr, char **ret);
/* Pools of every size under DIR/hugepages-<N>kB (nr, free, surplus, resv). */
int hugepage_pools_read(const struct sysroot *sr, const char *dir, struct hugepage_pool **ret, size_t *n);
/* The value of NAME= on a kernel command line (the last one wins, as in the
 * kernel), malloc'd, or NULL. */
char *cmdline_value(const char *cmdline, const char *name);
/* Is a process named irqbalance running (proc/N/comm)? 0 or -ENOMEM;
 * the IRQ probe's answer, for code holding a host probed without it. */
int irq_irqbalance_running(const struct sysroot *sr, bool *ret);
/* The IRQs of PCI device BDF: its MSI vectors, else its legacy line
 * (*n 0: none, or no such device). Points into h. */
const int *host_device_irqs(const struct host *h, const char *bdf, size_t *n);
/* Lookups used across probes. */
const struct numa_node *host_node(const struct host *h, int id);
const struct pci_device *host_pci_device(const struct host *h, const char *bdf);
/* Ready for passthrough to a VM: the IOMMU on, d alone in its IOMMU group
 * but for functions of its own slot (a GPU's HDMI audio), every one bound
 * to vfio-pci. why: what is missing, or what holds (probes/iommu.c). */
bool iommu_passthrough_ready(const struct host *h, const struct pci_device *d, char *why, size_t size);
/* The first bridge on d's path (root port first) whose Max Payload Size
 * differs from d's, or NULL: a mismatch is a misconfiguration (the kernel's
 * pci=pcie_bus_* policy, firmware), costing bandwidth or risking errors. */
const struct pci_device *pci_mps_mismatch(const struct host *h, const struct pci_device *d);
/* Switch downstream ports with ACS P2P redirect on and off (those without
 * a readable ACS capability left out). */
void pci_acs_count(const struct host *h, size_t *on, size_t *off);
/* The hardware threads of CPU's core, or NULL unknown. */
const struct cpuset *host_core_cpus(const struct host *h, int cpu);
/* CPU's last-level cache, named by the first CPU sharing it; UNKNOWN. */
int host_llc_of(const struct host *h, int cpu);
/* The sysctls probe reports, in output order (also used by snapshot). */
extern const char *const sysctl_probe_names[];
