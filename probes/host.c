/* Lookups in the host model that probes and everything above share. */
#include <string.h>

#include "probes/host.h"
#include "probes/pci.h"

const struct numa_node *host_node(const struct host *h, int id)
{
	for (size_t i = 0; i < h->numa.nnodes; i++)
		if (h->numa.nodes[i].id == id)
			return &h->numa.nodes[i];
	return NULL;
}

const struct pci_device *host_pci_device(const struct host *h, const char *bdf)
{
	return pci_info_find(&h->pci, bdf); /* a binary search: IRQs look their devices up */
}
