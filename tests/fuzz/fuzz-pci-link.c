/* libFuzzer harness for PCIe links (probes/pci.c, probes/pci.h): sysfs
 * link strings ("16.0 GT/s PCIe", "16"), BDFs, LnkCap/LnkSta/LnkCap2
 * registers, and the judgement of links along a chain of bridges, which
 * must stop on a loop in a broken dump.
 *
 * First byte even: strings, 0x01-separated: current speed, current width,
 * max speed, max width, BDF. Odd: up to 12 devices of 14 bytes each:
 * LnkCap (4), LnkSta (2), LnkCap2 (4), parent index (1, 0xff none: may
 * point anywhere, itself included), class (2), PCIe type (1). */
#include <math.h>

#include "tests/fuzz/fuzz-tree.h"
#include "probes/pci.h"

#define DEV_BYTES 14
#define MAX_DEVS 12

static void check_link(const struct pci_link *l)
{
	if (l->gen != UNKNOWN && (l->gen < 1 || l->gen > 7))
		abort();
	if (l->max_gen != UNKNOWN && (l->max_gen < 1 || l->max_gen > 7))
		abort();
	if (l->width != UNKNOWN && (l->width < 1 || l->width > 32))
		abort();
	if (!isnan(l->bandwidth_gbps) && !(l->bandwidth_gbps > 0 && l->bandwidth_gbps < 1e4))
		abort();
}

static char *part_string(const struct fuzz_part *p, size_t n, size_t i)
{
	return i < n ? fuzz_strndup(p[i].data, p[i].len) : NULL;
}

static void fuzz_strings(const uint8_t *data, size_t size)
{
	struct fuzz_part p[5];
	size_t n = fuzz_split(data, size, p, 5);
	char *s[5];
	struct pci_link l;
	unsigned dom, bus, dev, fn;

	for (size_t i = 0; i < 5; i++)
		s[i] = part_string(p, n, i);
	pci_link_init(&l);
	if (s[0])
		l.speed_gts = pci_speed_parse(s[0]);
	if (s[1])
		l.width = pci_width_parse(s[1]);
	if (s[2])
		l.max_speed_gts = pci_speed_parse(s[2]);
	if (s[3])
		l.max_width = pci_width_parse(s[3]);
	pci_link_finish(&l);
	check_link(&l);
	if (s[4] && pci_parse_bdf(s[4], &dom, &bus, &dev, &fn) == 0 && (bus > 0xff || dev > 0x1f || fn > 7))
		abort();
	for (size_t i = 0; i < 5; i++)
		free(s[i]);
}

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void fuzz_chain(const uint8_t *data, size_t size)
{
	struct pci_device devs[MAX_DEVS];
	struct pci_info pi = {.devices = devs};

	memset(devs, 0, sizeof(devs));
	for (; size >= DEV_BYTES && pi.ndevices < MAX_DEVS; data += DEV_BYTES, size -= DEV_BYTES) {
		struct pci_device *d = &devs[pi.ndevices];
		size_t i = pi.ndevices++;

		snprintf(d->bdf, sizeof(d->bdf), "0000:%02zx:00.0", i);
		d->bus = (unsigned)i;
		d->numa_node = UNKNOWN;
		d->vendor_id = data[12] & 1 ? 0x10de : 0x1002;
		d->class_code = get16(data + 11) & 0x1fff;
		d->pcie_type = data[13] % 12 == 11 ? UNKNOWN : data[13] % 12;
		d->is_bridge = d->pcie_type == 4 || d->pcie_type == 5 || d->pcie_type == 6;
		d->has_link = true;
		pci_link_from_regs(get32(data), get16(data + 4), get32(data + 6), &d->link);
		pci_link_finish(&d->link);
		check_link(&d->link);
		if (data[10] != 0xff) {
			d->parent = malloc(32);
			if (!d->parent)
				abort();
			snprintf(d->parent, 32, "0000:%02x:00.0", data[10] % MAX_DEVS);
		}
	}
	for (size_t i = 0; i < pi.ndevices; i++) {
		double speed;
		int width;

		(void)pci_faces_upstream(&pi, &devs[i]);
		(void)pci_port_role(&pi, &devs[i]);
		(void)pci_link_partner_below(&pi, &devs[i]);
		pci_hop_capability(&pi, &devs[i], &speed, &width);
	}
	if (pci_judge_links(&pi) < 0)
		abort();
	for (size_t i = 0; i < pi.ndevices; i++) {
		if (devs[i].limiting_hop && !pci_info_find(&pi, devs[i].limiting_hop))
			abort();
		free(devs[i].limiting_hop);
		free(devs[i].parent);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		fuzz_chain(data + 1, size - 1);
	else
		fuzz_strings(data + 1, size - 1);
	return 0;
}
