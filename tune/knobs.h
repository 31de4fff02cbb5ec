/* Helpers the knobs and the [expect] checks share, exported for the unit
 * tests: hugepage arithmetic, device classes, IRQ placement. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tune/plan.h"

/* The choices of [thp] enabled, defrag, shmem_enabled (tune/knob-thp.c),
 * which [expect] thp.* audits too. NULL-terminated. */
extern const char *const thp_enabled_choices[];
extern const char *const thp_defrag_choices[];
extern const char *const thp_shmem_choices[];

/* Pages for the index-th of nnodes nodes when total is spread evenly,
 * the remainder going to the lowest nodes: 10 over 4 is 3, 3, 2, 2. */
uint64_t hugepages_share(uint64_t total, size_t nnodes, size_t index);
/* "2M", "1G", "64K" */
void hugepages_size_name(uint64_t kb, char *buf, size_t size);
/* "23.5 GiB", "512 MiB" */
void hugepages_format_bytes(uint64_t bytes, char *buf, size_t size);
/* Bytes a node of memory_bytes keeps outside its hugetlb pools under
 * [hugepages] keep_free ("8G", "15%", NULL for the default max(10 %, 4G)). */
uint64_t hugepages_keep_free(const char *keep_free, uint64_t memory_bytes);

/* [cpu] idle_max_latency_us = e: disable the cpuidle states with a longer
 * exit latency, enable the others, on every online CPU (tune/cpuidle.c). */
int cpuidle_plan(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e);

/* [hugepages] mount = e: a systemd mount unit for hugetlbfs there with
 * pages of size ("1G"; NULL: the profile has no pool, an error)
 * (tune/hugepages-mount.c). */
int hugepages_mount_plan(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e,
			 const char *size);

/* The file [kernel] cmdline writes for the boot loader found under the
 * root (etc/default/grub.d/rigtune.cfg, etc/kernel/cmdline), or NULL. */
const char *kernel_cmdline_file(const struct sysroot *sr);

/* Paths matching pattern (relative to the sysroot; '*', '?', '[...]'
 * within one component, as in "sys/class/net/eth[0-9]/mtu"), sorted; NULL
 * when none matches. A pattern without wildcards matches itself if it
 * exists. 0, -EINVAL (empty pattern), -ENOMEM. */
int tune_glob(const struct sysroot *sr, const char *pattern, char ***ret);
/* "Did you mean" for a name (components joined by sep) under base
 * ("proc/sys", '.' for sysctls; "sys", '/' for sysfs paths): the name with
 * its first missing component replaced by the closest name that
 * directory has, or NULL (none close, or OOM). */
char *tune_suggest_path(const struct sysroot *sr, const char *base, const char *name, char sep);

/* A PCI function as the IRQ knob and [expect] pcie.* see it. */
struct tune_device {
	char bdf[32];
	unsigned class_code;        /* base << 8 | subclass */
	unsigned vendor_id;
	int numa_node;              /* UNKNOWN for -1 */
	const struct pci_device *pci;  /* the probe's record, or NULL */
};

/* Does a device belong to a class of [irq] devices / [expect] pcie.*?
 * gpu: display (0x03xx) or processing accelerator (0x12xx) functions from
 * NVIDIA, AMD or Intel (a BMC's VGA is not a GPU); accel: 0x12xx and
 * co-processors (0x0b40) of any vendor; nic: 0x02xx; nvme: 0x0108;
 * storage: other 0x01xx. */
bool tune_device_in_class(unsigned class_code, unsigned vendor_id, const char *cls);
/* Every PCI function: from the PCI probe, or from sys/bus/pci/devices
 * when the probe found nothing (libpci unavailable). */
int tune_devices(const struct sysroot *sr, const struct host *h, struct tune_device **ret, size_t *n);
/* Canonical "0000:1a:00.0" of a BDF as a profile may write it. */
int tune_canonical_bdf(const char *s, char *buf, size_t size);

/* The CPUs a device's IRQs go to under local-node: the online CPUs of
 * its node, or every online CPU when the node is unknown (-1) or has no
 * online CPU. */
int irq_target_cpus(const struct host *h, int node, struct cpuset **ret);
/* irqbalance moves IRQs by its own rules: the IRQ probe says so, or a
 * process named irqbalance runs (proc/N/comm). */
bool irqbalance_running(const struct sysroot *sr, const struct host *h);
/* What IRQ placement plans from: devices, their IRQs, nodes, online CPUs. */
#define KNOB_IRQ_PROBES (PROBE_BIT(PROBE_PCI) | PROBE_BIT(PROBE_IRQ) | PROBE_BIT(PROBE_NUMA) | PROBE_BIT(PROBE_CPU))
/* Plan IRQ placement for devices (class names and BDFs) under policy
 * ("local-node", "all", "none"); the [irq] knob and [expect] irq.local
 * share it. Errors about the profile go to plan errors at src. */
int irq_plan_devices(const struct knob_ctx *ctx, const struct profile_entry *src, const char *policy,
		     char *const *devices, struct plan *plan);
