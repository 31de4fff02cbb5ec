/* PCI device names (probes/pci-names.c): the pci.ids reader on a small
 * file written here (vendors, devices, first of two equal entries,
 * subsystem lines and "S" blocks that must not be read as devices, CRLF,
 * blank and comment lines inside a block, a class known only by its base
 * class), only the wanted devices named, and the reader against libpci
 * itself on the system's pci.ids for 25,000 vendor/device/class triples,
 * by a search per vendor (few vendors) and in one pass (many). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>

#include "config.h"
#include "probes/pci-names.h"
#include "tap.h"

static const char ids_text[] =
	"# pci.ids, abridged\n"
	"\n"
	"10de  NVIDIA Corporation\n"
	"\t2330  GH100 [H100 SXM5 80GB]\n"
	"\t\t10de 16c1  H100 SXM5 80GB\n"
	"  \n"
	"  # a blank line and an indented comment do not end the block\n"
	"\t2331  GH100 [H100 PCIe] \n"
	"15b3  Mellanox Technologies\r\n"
	"\t1021  MT2910 Family [ConnectX-7]\r\n"
	"\t1021  a second entry for the same id\r\n"
	"\t\t1021  not a device: a subsystem line\r\n"
	"15b4  Vendor Without Devices\n"
	"C 02  Network controller\n"
	"\t00  Ethernet controller\n"
	"\t\t00  not a subclass: a prog-if\n"
	"\t07  Infiniband controller\n"
	"C 06  Bridge\n"
	"\t04  PCI bridge\n"
	"S 1234  generic subsystem block\n"
	"\t2330  not a device of 10de\n"
	"X 77  a block libpci does not know\n"
	"\t0000  nor this\n";

struct dev_spec {
	unsigned vendor, device, class_code;
};

static void fill(struct pci_info *pi, const struct dev_spec *s, size_t n)
{
	pi->devices = calloc(n, sizeof(*pi->devices));
	pi->ndevices = n;
	for (size_t i = 0; i < n; i++) {
		pi->devices[i].vendor_id = s[i].vendor;
		pi->devices[i].device_id = s[i].device;
		pi->devices[i].class_code = s[i].class_code;
	}
}

static void release(struct pci_info *pi)
{
	for (size_t i = 0; i < pi->ndevices; i++) {
		free(pi->devices[i].vendor);
		free(pi->devices[i].device);
		free(pi->devices[i].class_name);
	}
	free(pi->devices);
	memset(pi, 0, sizeof(*pi));
}

static bool only_nics(const struct pci_device *d)
{
	return d->class_code >> 8 == 0x02;
}

static void test_small_file(const char *path)
{
	static const struct dev_spec specs[] = {
		{0x10de, 0x2330, 0x0302}, {0x10de, 0x2331, 0x0302}, {0x15b3, 0x1021, 0x0207},
		{0x15b4, 0x0001, 0x0200}, {0x1234, 0x2330, 0x0680}, {0xffff, 0xffff, 0x0604},
		{0x10de, 0x16c1, 0x0201},
	};
	struct pci_info pi = {0};

	fill(&pi, specs, sizeof(specs) / sizeof(specs[0]));
	tap_is_int(pci_names_from_ids(&pi, NULL, path), 0, "read the small pci.ids");
	tap_is_str(pi.devices[0].vendor, "NVIDIA Corporation", "a vendor");
	tap_is_str(pi.devices[0].device, "GH100 [H100 SXM5 80GB]", "a device");
	tap_is_str(pi.devices[1].device, "GH100 [H100 PCIe]", "one trailing blank stripped, as libpci does");
	tap_is_str(pi.devices[2].vendor, "Mellanox Technologies", "a CRLF line");
	tap_is_str(pi.devices[2].device, "MT2910 Family [ConnectX-7]", "the first of two equal entries");
	tap_is_str(pi.devices[2].class_name, "Infiniband controller", "a subclass");
	tap_is_str(pi.devices[3].vendor, "Vendor Without Devices", "a vendor with no devices listed");
	tap_is_str(pi.devices[3].device, NULL, "a device pci.ids lacks has no name");
	tap_is_str(pi.devices[4].vendor, NULL, "an unknown vendor has no name");
	tap_is_str(pi.devices[4].device, NULL, "a device of an \"S\" block is no vendor's device");
	tap_is_str(pi.devices[4].class_name, "Bridge [0680]", "a base class only: libpci's \"Bridge [0680]\"");
	tap_is_str(pi.devices[5].vendor, NULL, "no vendor name for an unreadable id (ffff)");
	tap_is_str(pi.devices[5].class_name, "PCI bridge", "the class of a device without ids");
	tap_is_str(pi.devices[6].device, NULL, "a subsystem line is not a device");
	tap_is_str(pi.devices[0].class_name, NULL, "a class pci.ids lacks has no name");
	release(&pi);

	fill(&pi, specs, sizeof(specs) / sizeof(specs[0]));
	tap_is_int(pci_names_from_ids(&pi, only_nics, path), 0, "names for NICs only");
	tap_ok(!pi.devices[0].vendor && !pi.devices[0].device && !pi.devices[0].class_name,
	       "a device not wanted gets no names");
	tap_is_str(pi.devices[3].vendor, "Vendor Without Devices", "a wanted device gets its names");
	release(&pi);

	fill(&pi, specs, 1);
	tap_is_int(pci_names_from_ids(&pi, NULL, "/nonexistent/pci.ids"), 0, "no pci.ids is no error");
	tap_ok(!pi.devices[0].vendor && !pi.devices[0].class_name, "and names nothing");
	release(&pi);
}

static const char *libpci_name(struct pci_access *a, char *buf, int flags, ...)
{
	va_list ap;
	int x, y;

	va_start(ap, flags);
	x = va_arg(ap, int);
	y = va_arg(ap, int);
	va_end(ap);
	return pci_lookup_name(a, buf, 256, flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, x, y);
}

static bool same(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* Each vendor with a sweep of device ids, and every class code below
 * 0x1400. */
static void test_against_libpci(const char *what, const unsigned *vendors, size_t nvendors, unsigned step)
{
	struct pci_access *a;
	struct pci_info pi = {0};
	size_t n = 0, differ = 0;
	struct dev_spec *specs = calloc(nvendors * (0x10000 / step + 1), sizeof(*specs));

	if (access(PCI_IDS_PATH, R_OK) < 0) {
		tap_skip("no " PCI_IDS_PATH);
		free(specs);
		return;
	}
	for (size_t v = 0; v < nvendors; v++)
		for (unsigned d = 0; d < 0x10000; d += step)
			specs[n] = (struct dev_spec){vendors[v], d, (unsigned)(n % 0x1400)}, n++;
	fill(&pi, specs, n);
	tap_is_int(pci_names_from_ids(&pi, NULL, PCI_IDS_PATH), 0, "read " PCI_IDS_PATH);
	a = pci_alloc();
	pci_set_name_list_path(a, (char *)PCI_IDS_PATH, 0);
	pci_init(a);
	for (size_t i = 0; i < n; i++) {
		const struct pci_device *d = &pi.devices[i];
		char b1[256], b2[256], b3[256];
		const char *v = libpci_name(a, b1, PCI_LOOKUP_VENDOR, (int)d->vendor_id, 0);
		const char *dv = libpci_name(a, b2, PCI_LOOKUP_DEVICE, (int)d->vendor_id, (int)d->device_id);
		const char *c = libpci_name(a, b3, PCI_LOOKUP_CLASS, (int)d->class_code, 0);

		if (!same(v, d->vendor) || !same(dv, d->device) || !same(c, d->class_name)) {
			if (differ++ < 5)
				printf("# %04x:%04x class %04x: libpci '%s' '%s' '%s', rigtune '%s' '%s' '%s'\n",
				       d->vendor_id, d->device_id, d->class_code, v, dv, c, d->vendor, d->device,
				       d->class_name);
		}
	}
	printf("# %s: %zu devices\n", what, n);
	tap_is_int(differ, 0, "names as libpci gives them, vendor, device and class");
	pci_cleanup(a);
	release(&pi);
	free(specs);
}

/* Every vendor pci.ids lists, 50 at a time (each found by its own
 * binary search), named as libpci names it; but ffff, which rigtune
 * reads as "no device", never names. */
static void test_every_vendor(void)
{
	FILE *f = fopen(PCI_IDS_PATH, "r");
	struct pci_access *a;
	unsigned *v = NULL;
	size_t n = 0, differ = 0;
	char line[512];

	if (!f) {
		tap_skip("no " PCI_IDS_PATH);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned id;
		char c;

		if (sscanf(line, "%4x%c", &id, &c) == 2 && (c == ' ' || c == '\t') && line[0] != '\t' && id != 0xffff &&
		    (v = reallocarray(v, n + 1, sizeof(*v))))
			v[n++] = id;
	}
	fclose(f);
	a = pci_alloc();
	pci_set_name_list_path(a, (char *)PCI_IDS_PATH, 0);
	pci_init(a);
	for (size_t i = 0; i < n; i += 50) {
		struct dev_spec specs[50];
		struct pci_info pi = {0};
		size_t k = n - i < 50 ? n - i : 50;

		for (size_t j = 0; j < k; j++)
			specs[j] = (struct dev_spec){v[i + j], 0xffff, 0x0200};
		fill(&pi, specs, k);
		if (pci_names_from_ids(&pi, NULL, PCI_IDS_PATH) < 0)
			differ++;
		for (size_t j = 0; j < k; j++) {
			char buf[256];
			const char *want = libpci_name(a, buf, PCI_LOOKUP_VENDOR, (int)specs[j].vendor, 0);

			if (!same(want, pi.devices[j].vendor) && differ++ < 5)
				printf("# vendor %04x: libpci '%s', rigtune '%s'\n", specs[j].vendor, want,
				       pi.devices[j].vendor);
		}
		release(&pi);
	}
	tap_ok(n > 1000, "pci.ids lists %zu vendors", n);
	tap_is_int(differ, 0, "every vendor found by its binary search, named as libpci names it");
	pci_cleanup(a);
	free(v);
}

int main(void)
{
	char path[] = "/tmp/rigtune-pci-ids-XXXXXX";
	int fd = mkstemp(path);

	tap_ok(fd >= 0 && write(fd, ids_text, sizeof(ids_text) - 1) == (ssize_t)sizeof(ids_text) - 1,
	       "write a small pci.ids");
	if (fd >= 0)
		close(fd);
	test_small_file(path);
	unlink(path);
	{
		/* The vendors of the rigs rigtune is for and an unlikely one:
		 * few enough for a search per vendor. */
		static const unsigned rigs[] = {0x8086, 0x10de, 0x1002, 0x1022, 0x15b3, 0x144d, 0x14e4, 0x1af4,
						0x1d0f, 0x0001};
		unsigned many[80];

		test_against_libpci("10 vendors, one search each", rigs, sizeof(rigs) / sizeof(rigs[0]), 97);
		for (size_t i = 0; i < 80; i++)
			many[i] = 0x1000 + 53 * (unsigned)i; /* too many to search for: one pass */
		test_against_libpci("80 vendors, one pass", many, 80, 257);
	}
	test_every_vendor();
	return tap_done();
}
