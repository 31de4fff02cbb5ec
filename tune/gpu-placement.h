/* Placement advice from the affinity matrix: which CPUs and memory an
 * inference server should bind to, which GPUs it should see (in PCI
 * order) and which NIC each GPU should use. Pure: reads nothing. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/cpulist.h"
#include "probes/host.h"
#include "probes/topo.h"

/* One GPU and the NIC closest to it. */
struct placement_gpu {
	size_t device;              /* index in topo.devices */
	int nic;                    /* index in topo.devices, -1: none */
	enum topo_link nic_link;    /* the path to that NIC */
};

/* One instance of a server: a NUMA node and the GPUs local to it (on a
 * host without GPUs, every node with CPUs gets one, as the EPYC guide
 * isolates one instance per node). */
struct placement_group {
	int node;                   /* UNKNOWN: GPUs whose node the kernel does not say */
	struct cpuset *cpus;        /* the node's CPUs, or the GPUs' local CPUs */
	size_t *gpus;               /* indexes in placement.gpus */
	size_t ngpus;
	char *cuda_visible;         /* "0,1,2,3": NVIDIA indexes in PCI order, or NULL */
	char *hip_visible;          /* the same for AMD GPUs, or NULL */
	char *ib_hcas;              /* "mlx5_0,mlx5_1": the GPUs' closest RDMA ports, or NULL */
};

struct placement {
	struct placement_gpu *gpus;
	size_t ngpus;
	struct placement_group *groups;
	size_t ngroups;
	bool cpu_only;              /* no GPU: one group per node */
};

/* 0 or -ENOMEM; *ret is set only on success. */
int placement_build(const struct host *h, const struct topo *t, struct placement *ret);
void placement_release(struct placement *p);
