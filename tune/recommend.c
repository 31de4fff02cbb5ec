/* Picking a shipped profile for a host (see recommend.h). The rules, in
 * order: a virtual machine gets base-inference (the hypervisor owns the
 * hardware); four or more NVIDIA or AMD GPUs a GPU server profile; a
 * 2-socket EPYC 9004/9005 (with a GPU or two, or none) the Genoa profile
 * of its NPS mode; anything else base-inference, with what rigtune saw. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/knobs.h"
#include "tune/recommend.h"

#define PCI_VENDOR_NVIDIA 0x10de
#define PCI_VENDOR_AMD 0x1002
/* An 8-GPU baseboard, or half of one: smaller GPU hosts are workstations
 * that the server profiles' [expect] lines (8 GPUs, NVLink) would fail. */
#define GPU_SERVER_MIN 4

static size_t gpus_of(const struct host *h, unsigned vendor)
{
	size_t n = 0;

	for (size_t i = 0; i < h->pci.ndevices; i++) {
		const struct pci_device *d = &h->pci.devices[i];

		n += d->vendor_id == vendor && tune_device_in_class(d->class_code, d->vendor_id, "gpu");
	}
	return n;
}

/* Nodes with CPUs per socket: NPS on EPYC, SNC on Xeon. */
static int nodes_per_socket(const struct host *h)
{
	int with_cpus = 0;

	for (size_t i = 0; i < h->numa.nnodes; i++)
		with_cpus += h->numa.nodes[i].cpus && cpuset_count(h->numa.nodes[i].cpus) > 0;
	return h->cpu.sockets > 0 && with_cpus % h->cpu.sockets == 0 ? with_cpus / h->cpu.sockets : UNKNOWN;
}

/* EPYC 9004 (Genoa: family 19h, models 10h-1fh) or 9005 (Turin: family
 * 1Ah, models 00h-1fh): 12 DDR5 channels per socket. */
static const char *epyc_generation(const struct cpu_info *c)
{
	if (!c->vendor || strcmp(c->vendor, "AuthenticAMD"))
		return NULL;
	if (c->family == 0x19 && c->model >= 0x10 && c->model <= 0x1f)
		return "EPYC 9004 (Genoa)";
	if (c->family == 0x1a && c->model >= 0x00 && c->model <= 0x1f)
		return "EPYC 9005 (Turin)";
	return NULL;
}

/* A CPU rig, or a host with too few GPUs for the GPU server profiles. */
static int cpu_rig(const struct host *h, size_t gpus, struct recommendation *r)
{
	_cleanup_free_ char *also = gpus ? xasprintf("; %zu GPU%s, too few for the GPU server profiles (8-GPU "
						     "baseboards)", gpus, gpus == 1 ? "" : "s") : strdup("");

	const char *gen = epyc_generation(&h->cpu);
	int nps = nodes_per_socket(h);
	const char *model = h->cpu.model_name ? h->cpu.model_name : "an unknown CPU";

	if (gen && h->cpu.sockets == 2 && (nps == 1 || nps == 4)) {
		r->profile = nps == 4 ? "epyc-genoa-nps4" : "epyc-genoa";
		r->reason = xasprintf("2 x %s (%s), %zu NUMA nodes: NPS%d%s", gen, model, h->numa.nnodes, nps,
				      also ? also : "");
	} else if (gen) {
		r->profile = "base-inference";
		r->reason = xasprintf("%d x %s in NPS%d: the Genoa profiles are for 2 sockets in NPS1 or NPS4%s",
				      h->cpu.sockets, gen, nps, also ? also : "");
	} else {
		r->profile = "base-inference";
		r->reason = xasprintf("%s, %d socket%s, %zu NUMA node%s%s: no shipped profile is closer than the "
				      "base one", model, h->cpu.sockets, h->cpu.sockets == 1 ? "" : "s",
				      h->numa.nnodes, h->numa.nnodes == 1 ? "" : "s", also ? also : "");
	}
	return r->reason ? 0 : -ENOMEM;
}

int recommend_profile(const struct host *h, struct recommendation *ret)
{
	struct recommendation r = {0};
	size_t nvidia = gpus_of(h, PCI_VENDOR_NVIDIA), amd = gpus_of(h, PCI_VENDOR_AMD);

	if (h->kernel.virtualization) {
		r.profile = "base-inference";
		r.reason = xasprintf("a virtual machine (%s): NUMA, IRQs and PCIe belong to the hypervisor",
				     h->kernel.virtualization);
	} else if (nvidia >= GPU_SERVER_MIN && nvidia >= amd) {
		r.profile = "gpu-server-nvidia";
		r.reason = xasprintf("%zu NVIDIA GPUs", nvidia);
	} else if (amd >= GPU_SERVER_MIN || h->links.ngpus >= GPU_SERVER_MIN) {
		r.profile = "gpu-server-amd-instinct";
		r.reason = xasprintf("%zu AMD GPUs%s", amd > h->links.ngpus ? amd : h->links.ngpus,
				     h->links.ngpus ? " in the KFD topology" : "");
	} else {
		return cpu_rig(h, nvidia + amd, ret);
	}
	if (!r.reason)
		return -ENOMEM;
	*ret = r;
	return 0;
}

void recommendation_release(struct recommendation *r)
{
	free(r->reason);
	r->reason = NULL;
}
