/* Vendor, device and class names of PCI functions, looked up only for the
 * devices that are printed (see probes/pci-names.c). */
#pragma once
#include <stdbool.h>

#include "probes/host.h"

/* Which devices get names; NULL: every device. */
typedef bool pci_names_wanted(const struct pci_device *d);

/* Names for the wanted devices that have none: from udev's hardware
 * database (hwdb.bin) when there is one, else from pci.ids (PCI_IDS_PATH).
 * A name neither knows stays NULL; a class known only by its base class
 * reads "Bridge [0680]", as libpci writes it. 0 or -ENOMEM. */
int pci_names_lookup(struct pci_info *pi, pci_names_wanted *wanted);
/* The same from one pci.ids file only (the unit tests give their own). */
int pci_names_from_ids(struct pci_info *pi, pci_names_wanted *wanted, const char *ids_path);
