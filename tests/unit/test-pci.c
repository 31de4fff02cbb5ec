/* The pci probe: sysfs link strings of every kernel format,
 * LnkCap/LnkSta/LnkCap2 decoding, generation and bandwidth arithmetic,
 * BDF parsing, the judgement of links on synthetic chains (a NIC trained
 * low behind its root port, an HGX switch with a limited port and an idle
 * GPU, a Gen5 card in a Gen4 slot, a broken loop), and a captured tree's
 * config files as libpci reads them. */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/sysroot.h"
#include "probes/host.h"
#include "probes/pci.h"
#include "tap.h"

#define near(a, b) (fabs((a) - (b)) < 0.001)

static void test_speed_strings(void)
{
	static const struct {
		const char *s;
		double gts;
	} cases[] = {
		{"2.5 GT/s", 2.5}, {"5 GT/s", 5}, {"8 GT/s", 8}, {"16 GT/s", 16},      /* kernel < 4.17 */
		{"2.5 GT/s PCIe", 2.5}, {"5.0 GT/s PCIe", 5}, {"8.0 GT/s PCIe", 8},   /* kernel >= 5.x */
		{"16.0 GT/s PCIe", 16}, {"32.0 GT/s PCIe", 32}, {"64.0 GT/s PCIe", 64},
		{"5.0 GT/s", 5}, {"  8 GT/s", 8}, {"8.0GT/s", 8},
		{"Unknown", NAN}, {"Unknown speed", NAN}, {"", NAN}, {"GT/s", NAN}, {"8", NAN},
		{"133 MHz PCI-X", NAN}, {"0 GT/s", NAN}, {"-8 GT/s", NAN}, {"99999999 GT/s", NAN},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double got = pci_speed_parse(cases[i].s);

		tap_ok(isnan(cases[i].gts) ? isnan(got) : near(got, cases[i].gts), "speed '%s' -> %g (got %g)",
		       cases[i].s, cases[i].gts, got);
	}
	tap_ok(isnan(pci_speed_parse(NULL)), "a missing speed file is unknown");
}

static void test_width_strings(void)
{
	tap_is_int(pci_width_parse("16"), 16, "width '16'");
	tap_is_int(pci_width_parse("1"), 1, "width '1'");
	tap_is_int(pci_width_parse("32"), 32, "width '32'");
	tap_is_int(pci_width_parse("0"), UNKNOWN, "width '0' (link down) is unknown");
	tap_is_int(pci_width_parse("255"), UNKNOWN, "width '255' (not reported) is unknown");
	tap_is_int(pci_width_parse("x16"), UNKNOWN, "width 'x16' is not the kernel's format");
	tap_is_int(pci_width_parse("-1"), UNKNOWN, "width '-1'");
	tap_is_int(pci_width_parse(""), UNKNOWN, "width ''");
	tap_is_int(pci_width_parse(NULL), UNKNOWN, "a missing width file is unknown");
}

static void test_generations_and_bandwidth(void)
{
	static const double speeds[] = {2.5, 5, 8, 16, 32, 64, 128};

	for (int i = 0; i < 7; i++) {
		tap_is_int(pci_gen_from_speed(speeds[i]), i + 1, "generation of a speed");
		tap_ok(near(pci_speed_from_code((unsigned)i + 1), speeds[i]), "LnkCap code %d is %g GT/s", i + 1,
		       speeds[i]);
	}
	tap_is_int(pci_gen_from_speed(20), UNKNOWN, "20 GT/s is no PCIe generation");
	tap_is_int(pci_gen_from_speed(NAN), UNKNOWN, "an unknown speed has no generation");
	tap_ok(isnan(pci_speed_from_code(0)) && isnan(pci_speed_from_code(8)), "codes 0 and 8 are no speed");
	tap_ok(near(pci_bandwidth_gbps(2.5, 1), 0.25), "Gen1 x1 = 0.25 GB/s (8b/10b)");
	tap_ok(near(pci_bandwidth_gbps(5, 4), 2.0), "Gen2 x4 = 2.0 GB/s (8b/10b)");
	tap_ok(near(pci_bandwidth_gbps(8, 16), 15.753846), "Gen3 x16 = 15.754 GB/s (128b/130b, as hwloc)");
	tap_ok(near(pci_bandwidth_gbps(16, 4), 7.876923), "Gen4 x4 = 7.877 GB/s");
	tap_ok(near(pci_bandwidth_gbps(32, 16), 63.015385), "Gen5 x16 = 63.015 GB/s");
	tap_ok(near(pci_bandwidth_gbps(64, 16), 128.0), "Gen6 x16 = 128 GB/s (PAM4: no line code)");
	tap_ok(isnan(pci_bandwidth_gbps(NAN, 16)) && isnan(pci_bandwidth_gbps(8, UNKNOWN)),
	       "bandwidth of an unknown speed or width is unknown");
}

static void test_registers(void)
{
	struct pci_link l;

	pci_link_init(&l);
	/* NVMe of cap-phy32: LnkCap 32 GT/s x2, LnkSta 16 GT/s x2 */
	pci_link_from_regs(0x00000025, 0x0024, 0x0000003e, &l);
	pci_link_finish(&l);
	tap_ok(near(l.max_speed_gts, 32) && l.max_width == 2 && near(l.speed_gts, 16) && l.width == 2,
	       "LnkCap 32 GT/s x2, LnkSta 16 GT/s x2");
	tap_is_int(l.max_gen, 5, "max generation 5");
	tap_is_int(l.gen, 4, "current generation 4");
	/* Thunderbolt bridge of cap-exp-lnkcap2: LnkCap 2.5 GT/s, LnkCap2 2.5-8 */
	pci_link_from_regs(0x00000041, 0x0041, 0x0000000e, &l);
	tap_ok(near(l.max_speed_gts, 2.5), "LnkCap's field wins over LnkCap2's vector, as lspci shows it (got %g)",
	       l.max_speed_gts);
	pci_link_from_regs(0x00000100, 0x0000, 0x0000007e, &l);
	tap_ok(near(l.max_speed_gts, 64), "a reserved LnkCap speed falls back to LnkCap2's highest (got %g)",
	       l.max_speed_gts);
	tap_is_int(l.max_width, 16, "LnkCap width x16");
	tap_ok(isnan(l.speed_gts) && l.width == UNKNOWN, "LnkSta 0 (link down): speed and width unknown");
	tap_ok(isnan(pci_speed_from_vector(0)), "an empty LnkCap2 vector (PCIe 2.x) has no speed");
	tap_ok(near(pci_speed_from_vector(0x1e), 16), "LnkCap2 2.5-16 GT/s: 16");
}

static void test_bdf(void)
{
	unsigned dom, bus, dev, fn;

	tap_ok(pci_parse_bdf("0000:1a:00.0", &dom, &bus, &dev, &fn) == 0 && dom == 0 && bus == 0x1a && dev == 0 &&
		       fn == 0, "0000:1a:00.0");
	tap_ok(pci_parse_bdf("10000:e1:1f.7", &dom, &bus, &dev, &fn) == 0 && dom == 0x10000 && bus == 0xe1 &&
		       dev == 0x1f && fn == 7, "a 32-bit domain (VMD): 10000:e1:1f.7");
	tap_ok(pci_parse_bdf("pci0000:17", &dom, &bus, &dev, &fn) < 0, "a host bridge directory is no BDF");
	tap_ok(pci_parse_bdf("0000:1a:00.8", &dom, &bus, &dev, &fn) < 0, "function 8 is no BDF");
	tap_ok(pci_parse_bdf("0000:1a:20.0", &dom, &bus, &dev, &fn) < 0, "device 0x20 is no BDF");
	tap_ok(pci_parse_bdf("0000:1a:00.0:pcie001", &dom, &bus, &dev, &fn) < 0, "a port service is no BDF");
	tap_ok(pci_parse_bdf("00:1a:00.0", &dom, &bus, &dev, &fn) < 0, "a 2-digit domain is no BDF");
}

/* ---- synthetic trees ---- */

struct tree {
	struct pci_device dev[16];
	struct pci_info pi;
};

static struct pci_device *add(struct tree *t, const char *bdf, const char *parent, int type, unsigned vendor,
			      unsigned cls, double speed, int width, double max, int max_width)
{
	struct pci_device *d = &t->dev[t->pi.ndevices++];

	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->parent = parent ? strdup(parent) : NULL;
	d->pcie_type = type;
	d->vendor_id = vendor;
	d->class_code = cls;
	d->is_bridge = cls == 0x0604;
	pci_link_init(&d->link);
	d->link.speed_gts = speed;
	d->link.width = width;
	d->link.max_speed_gts = max;
	d->link.max_width = max_width;
	d->has_link = pci_link_known(&d->link);
	pci_link_finish(&d->link);
	t->pi.devices = t->dev;
	return d;
}

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->pi.ndevices; i++) {
		free(t->dev[i].parent);
		free(t->dev[i].limiting_hop);
	}
}

static const struct pci_device *get(struct tree *t, const char *bdf)
{
	return pci_info_find(&t->pi, bdf);
}

enum { EP = 0, RP = 4, UP = 5, DP = 6, NONE = -1 };

static void test_degraded_nic(void)
{
	struct tree t = {0};

	add(&t, "0000:40:01.1", NULL, RP, 0x1022, 0x0604, 16, 8, 32, 16);
	add(&t, "0000:41:00.0", "0000:40:01.1", EP, 0x15b3, 0x0200, 16, 8, 32, 16);
	tap_is_int(pci_judge_links(&t.pi), 0, "judge the Genoa NIC");
	tap_ok(get(&t, "0000:41:00.0")->link.downgraded, "a NIC at Gen4 x8 of Gen5 x16 is downgraded");
	tap_is_str(get(&t, "0000:41:00.0")->limiting_hop, "0000:40:01.1", "limited at its root port");
	tap_ok(get(&t, "0000:40:01.1")->link.downgraded, "the root port's link is below what both ends support");
	tap_is_str(get(&t, "0000:40:01.1")->limiting_hop, NULL, "nothing limits the root port itself");
	tap_is_str(pci_port_role(&t.pi, get(&t, "0000:40:01.1")), "root port", "role of a root port");
	tree_free(&t);
}

/* RP - USP - {DSP1 - GPU1 (trained Gen4 x16), DSP2 - GPU2 (idle),
 * DSP3 - GPU3 (fine), DSP4 - NIC (fine)}. */
static void hgx(struct tree *t, int type_rp, int type_up, int type_dp, int type_ep)
{
	add(t, "0000:18:00.0", NULL, type_rp, 0x8086, 0x0604, 32, 16, 32, 16);
	add(t, "0000:19:00.0", "0000:18:00.0", type_up, 0x1000, 0x0604, 32, 16, 32, 16);
	add(t, "0000:1a:00.0", "0000:19:00.0", type_dp, 0x1000, 0x0604, 16, 16, 32, 16);
	add(t, "0000:1a:01.0", "0000:19:00.0", type_dp, 0x1000, 0x0604, 2.5, 16, 32, 16);
	add(t, "0000:1a:02.0", "0000:19:00.0", type_dp, 0x1000, 0x0604, 32, 16, 32, 16);
	add(t, "0000:1a:03.0", "0000:19:00.0", type_dp, 0x1000, 0x0604, 32, 16, 32, 16);
	add(t, "0000:1b:00.0", "0000:1a:00.0", type_ep, 0x10de, 0x0302, 16, 16, 32, 16);
	add(t, "0000:1c:00.0", "0000:1a:01.0", type_ep, 0x10de, 0x0302, 2.5, 16, 32, 16);
	add(t, "0000:1d:00.0", "0000:1a:02.0", type_ep, 0x10de, 0x0302, 32, 16, 32, 16);
	add(t, "0000:1e:00.0", "0000:1a:03.0", type_ep, 0x15b3, 0x0207, 32, 16, 32, 16);
}

static void test_hgx(const char *what, int rp, int up, int dp, int ep)
{
	struct tree t = {0};

	hgx(&t, rp, up, dp, ep);
	tap_is_int(pci_judge_links(&t.pi), 0, "judge the HGX tree");
	tap_ok(get(&t, "0000:1b:00.0")->link.downgraded && !get(&t, "0000:1b:00.0")->link.idle_downgrade,
	       "%s: GPU1 at Gen4 x16 is downgraded, not idle", what);
	tap_is_str(get(&t, "0000:1b:00.0")->limiting_hop, "0000:1a:00.0", "GPU1 limited at its switch port");
	tap_ok(get(&t, "0000:1c:00.0")->link.downgraded && get(&t, "0000:1c:00.0")->link.idle_downgrade,
	       "%s: GPU2 at 2.5 GT/s x16 is an idle downgrade", what);
	tap_is_str(get(&t, "0000:1c:00.0")->limiting_hop, NULL, "an idle GPU has no limiting hop");
	tap_ok(get(&t, "0000:1a:01.0")->link.idle_downgrade, "%s: the port above the idle GPU is idle too", what);
	tap_ok(!get(&t, "0000:1d:00.0")->link.downgraded, "%s: GPU3 at full speed", what);
	tap_is_str(get(&t, "0000:1d:00.0")->limiting_hop, NULL, "GPU3 has no limiting hop");
	tap_ok(!get(&t, "0000:19:00.0")->link.downgraded, "%s: the switch uplink is fine", what);
	tap_is_str(pci_port_role(&t.pi, get(&t, "0000:1a:00.0")), "switch downstream port", "role of a DSP");
	tap_is_str(pci_port_role(&t.pi, get(&t, "0000:19:00.0")), "switch upstream port", "role of a USP");
	tree_free(&t);
}

static void test_uplink_and_slot(void)
{
	struct tree t = {0};

	/* The switch's uplink trained at Gen4; the GPU's own link is fine. */
	hgx(&t, RP, UP, DP, EP);
	t.dev[0].link.speed_gts = t.dev[1].link.speed_gts = 16;
	pci_link_finish(&t.dev[0].link);
	pci_link_finish(&t.dev[1].link);
	tap_is_int(pci_judge_links(&t.pi), 0, "judge a narrow uplink");
	tap_ok(get(&t, "0000:19:00.0")->link.downgraded, "the switch's uplink at Gen4 is downgraded");
	tap_ok(!get(&t, "0000:1d:00.0")->link.downgraded, "GPU3's own link is not");
	tap_is_str(get(&t, "0000:1d:00.0")->limiting_hop, "0000:18:00.0", "GPU3's path is limited at the root port");
	tap_is_str(get(&t, "0000:1b:00.0")->limiting_hop, "0000:1a:00.0", "GPU1: the first hop from the device");
	tree_free(&t);

	/* A Gen5 card in a Gen4 slot: trained as well as the slot allows. */
	memset(&t, 0, sizeof(t));
	add(&t, "0000:00:01.1", NULL, RP, 0x1022, 0x0604, 16, 16, 16, 16);
	add(&t, "0000:01:00.0", "0000:00:01.1", EP, 0x15b3, 0x0200, 16, 16, 32, 16);
	tap_is_int(pci_judge_links(&t.pi), 0, "judge a Gen5 card in a Gen4 slot");
	tap_ok(get(&t, "0000:01:00.0")->link.downgraded, "the card runs below its maximum");
	tap_ok(!get(&t, "0000:00:01.1")->link.downgraded, "the slot runs at what both ends support");
	tap_is_str(get(&t, "0000:01:00.0")->limiting_hop, "0000:00:01.1", "the slot is the limit");
	tree_free(&t);
}

static void test_not_idle(void)
{
	struct tree t = {0};

	add(&t, "0000:c0:01.1", NULL, RP, 0x1022, 0x0604, 2.5, 8, 32, 16);
	add(&t, "0000:c1:00.0", "0000:c0:01.1", EP, 0x1002, 0x1200, 2.5, 8, 32, 16);
	add(&t, "0000:c0:01.2", NULL, RP, 0x1022, 0x0604, 2.5, 16, 32, 16);
	add(&t, "0000:c2:00.0", "0000:c0:01.2", EP, 0x1002, 0x1200, 2.5, 16, 32, 16);
	add(&t, "0000:c0:01.3", NULL, RP, 0x1022, 0x0604, 2.5, 16, 32, 16);
	add(&t, "0000:c3:00.0", "0000:c0:01.3", EP, 0x15b3, 0x0200, 2.5, 16, 32, 16);
	tap_is_int(pci_judge_links(&t.pi), 0, "judge AMD accelerators and a NIC at 2.5 GT/s");
	tap_ok(!get(&t, "0000:c1:00.0")->link.idle_downgrade, "a GPU at x8 of x16 is not idle: width lost");
	tap_is_str(get(&t, "0000:c1:00.0")->limiting_hop, "0000:c0:01.1", "and it is limited at its port");
	tap_ok(get(&t, "0000:c2:00.0")->link.idle_downgrade, "an MI300X (class 12xx) at 2.5 GT/s x16 is idle");
	tap_ok(!get(&t, "0000:c3:00.0")->link.idle_downgrade && get(&t, "0000:c3:00.0")->link.downgraded,
	       "a NIC at 2.5 GT/s is never idle: downgraded");
	tree_free(&t);
}

static void test_overdriven_and_loop(void)
{
	struct tree t = {0};

	add(&t, "0000:00:01.0", NULL, RP, 0x8086, 0x0604, 8, 4, 5, 4);
	add(&t, "0000:01:00.0", "0000:00:01.0", EP, 0x8086, 0x0200, 8, 4, 5, 4);
	tap_is_int(pci_judge_links(&t.pi), 0, "judge an overdriven link");
	tap_ok(!get(&t, "0000:01:00.0")->link.downgraded, "above its maximum is not downgraded (lspci: overdriven)");
	tree_free(&t);

	/* A broken capture whose parents form a loop must not hang. */
	memset(&t, 0, sizeof(t));
	add(&t, "0000:01:00.0", "0000:02:00.0", NONE, 0x8086, 0x0604, 2.5, 1, 8, 4);
	add(&t, "0000:02:00.0", "0000:01:00.0", NONE, 0x8086, 0x0604, 2.5, 1, 8, 4);
	tap_is_int(pci_judge_links(&t.pi), 0, "a parent loop ends");
	tree_free(&t);
}

/* ---- a captured tree ------------------------------------------------------ */

static void mkdirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

static char *tree_path(const char *root, const char *bdf, const char *name)
{
	char *path = NULL;

	if (asprintf(&path, "%s/sys/bus/pci/devices/%s/%s", root, bdf, name) < 0)
		abort();
	mkdirs(path);
	return path;
}

static void put_bytes(const char *root, const char *bdf, const char *name, const void *data, size_t len)
{
	char *path = tree_path(root, bdf, name);
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		abort();
	free(path);
}

static void put_text(const char *root, const char *bdf, const char *name, const char *text)
{
	put_bytes(root, bdf, name, text, strlen(text));
}

static void put_le(unsigned char *cfg, size_t at, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		cfg[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int probe_tree(const char *root, unsigned only, struct host *h)
{
	struct probe_options opt = {.only = only};
	struct sysroot *sr = NULL;
	int r = sysroot_open(root, &sr);

	if (r == 0)
		r = host_probe(sr, &opt, h, NULL);
	sysroot_free(sr);
	return r;
}

/* A tree's config files are what libpci reads (as its caches): every byte
 * as the file holds it, a zero register at the very end of the last
 * extended capability included; a byte past a short file reads as 0xff,
 * so a 64-byte file (a non-root capture) finds no capability and the
 * sysfs link attributes fill in; a config that is a FIFO is not read. */
static void test_tree_config(void)
{
	static unsigned char cfg[PCI_CONFIG_MAX];
	char root[] = "/tmp/test-pci-XXXXXX", *fifo;
	const struct pci_device *a, *b, *c;
	struct host h;

	if (!mkdtemp(root))
		abort();
	put_le(cfg, 0x00, 0x15938086, 4);           /* vendor, device */
	put_le(cfg, 0x06, 0x0010, 2);               /* status: a capability list */
	put_le(cfg, 0x08, 0x02000001, 4);           /* Ethernet, revision 1 */
	put_le(cfg, 0x34, 0x40, 1);
	put_le(cfg, 0x40, 0x0010, 2);               /* PCIe, last capability */
	put_le(cfg, 0x42, 0x0002, 2);               /* version 2, endpoint */
	put_le(cfg, 0x44, 0x00000001, 4);           /* DevCap: 256-byte payload */
	put_le(cfg, 0x48, 0x2000, 2);               /* DevCtl: 128 payload, 512 read */
	put_le(cfg, 0x4c, 0x00000104, 4);           /* LnkCap: 16 GT/s x16 */
	put_le(cfg, 0x52, 0x0083, 2);               /* LnkSta: 8 GT/s x8 */
	put_le(cfg, 0x6c, 0x0000001e, 4);           /* LnkCap2: 2.5-16 GT/s */
	put_le(cfg, 0x100, 0xff810001, 4);          /* AER, all zero; next at 0xff8: */
	put_le(cfg, 0xff8, 0x0001000d, 4);          /* ACS, control (0xffe) zero */
	put_bytes(root, "0000:01:00.0", "config", cfg, sizeof(cfg));
	put_text(root, "0000:01:00.0", "irq", "0\n");
	put_text(root, "0000:01:00.0", "msi_irqs/41", "msix\n");
	put_text(root, "0000:01:00.0", "msi_irqs/40", "msix\n");
	put_bytes(root, "0000:02:00.0", "config", cfg, 64);
	put_text(root, "0000:02:00.0", "current_link_speed", "2.5 GT/s PCIe\n");
	put_text(root, "0000:02:00.0", "current_link_width", "1\n");
	put_text(root, "0000:02:00.0", "max_link_speed", "8.0 GT/s PCIe\n");
	put_text(root, "0000:02:00.0", "max_link_width", "4\n");
	put_text(root, "0000:02:00.0", "irq", "19\n");
	fifo = tree_path(root, "0000:03:00.0", "config");
	if (mkfifo(fifo, 0644) < 0)
		abort();
	free(fifo);
	put_text(root, "0000:03:00.0", "vendor", "0x10de\n");
	put_text(root, "0000:03:00.0", "device", "0x2335\n");
	put_text(root, "0000:03:00.0", "class", "0x030200\n");
	/* 8 bytes: vendor and device, no whole 16-byte line: libpci gets
	 * none of it (its class would read 0xffff), sysfs fills in */
	put_bytes(root, "0000:04:00.0", "config", cfg, 8);
	put_text(root, "0000:04:00.0", "class", "0x020000\n");
	put_text(root, "0000:04:00.0", "vendor", "0x8086\n");
	/* a stray directory whose name starts like a device's is no device
	 * to libpci's dump method, and must not lend one its files */
	put_text(root, "0000:01:00.0.bak", "class", "0x010000\n");
	put_text(root, "0000:01:00.0.bak", "numa_node", "1\n");
	put_text(root, "0:1:0.0", "class", "0x010000\n");

	tap_is_int(probe_tree(root, PROBE_BIT(PROBE_PCI), &h), 0, "tree: the pci probe runs");
	a = pci_info_find(&h.pci, "0000:01:00.0");
	b = pci_info_find(&h.pci, "0000:02:00.0");
	c = pci_info_find(&h.pci, "0000:03:00.0");
	tap_ok(a && b && c && h.pci.ndevices == 4, "tree: four devices, no stray directory among them");
	{
		const struct pci_device *d = pci_info_find(&h.pci, "0000:04:00.0");

		tap_ok(d && d->class_code == 0x0200 && d->vendor_id == 0x8086,
		       "an 8-byte config: class and vendor from sysfs, not 0xffff");
	}
	if (a && b && c) {
		tap_ok(a->vendor_id == 0x8086 && a->device_id == 0x1593 && a->class_code == 0x0200,
		       "config: vendor, device and class (not the stray 0000:01:00.0.bak's)");
		tap_ok(a->numa_node == UNKNOWN, "and its own numa_node (none), not the stray directory's");
		tap_is_int(a->pcie_type, 0, "config: a PCIe endpoint");
		tap_ok(near(a->link.speed_gts, 8) && a->link.width == 8, "config: trained at 8 GT/s x8");
		tap_ok(near(a->link.max_speed_gts, 16) && a->link.max_width == 16, "config: capable of 16 GT/s x16");
		tap_is_str(a->link.source, "config", "config: the link's source");
		tap_ok(a->mps == 128 && a->mps_max == 256 && a->mrrs == 512, "config: payload and read request sizes");
		tap_is_int(a->acs, 0, "config: ACS control, zero in the file's last bytes, reads as off");
		tap_ok(!a->irqs_read, "only the pci probe asked: no IRQ files read");
		tap_is_int(b->vendor_id, 0x8086, "64-byte config: vendor from it");
		tap_is_int(b->pcie_type, UNKNOWN, "64-byte config: no capability past its end");
		tap_is_int(b->acs, UNKNOWN, "64-byte config: no ACS");
		tap_ok(near(b->link.speed_gts, 2.5) && b->link.width == 1 && near(b->link.max_speed_gts, 8) &&
		       b->link.max_width == 4, "64-byte config: the link from sysfs");
		tap_is_str(b->link.source, "sysfs", "64-byte config: the link's source");
		tap_ok(c->vendor_id == 0x10de && c->device_id == 0x2335 && c->class_code == 0x0302,
		       "a FIFO config is not read: ids and class from sysfs");
	}
	host_release(&h);

	tap_is_int(probe_tree(root, PROBE_BIT(PROBE_IRQ), &h), 0, "tree: the irq probe runs");
	a = pci_info_find(&h.pci, "0000:01:00.0");
	b = pci_info_find(&h.pci, "0000:02:00.0");
	tap_ok(a && a->irqs_read && a->nmsi == 2 && a->msi_irqs[0] == 40 && a->msi_irqs[1] == 41 && !a->legacy_irq,
	       "with the irq probe: MSI vectors read with the device, sorted");
	tap_ok(b && b->irqs_read && b->nmsi == 0 && b->legacy_irq == 19, "with the irq probe: an INTx line");
	host_release(&h);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	test_speed_strings();
	test_width_strings();
	test_generations_and_bandwidth();
	test_registers();
	test_bdf();
	test_degraded_nic();
	test_hgx("config types", RP, UP, DP, EP);
	test_hgx("sysfs only (types unknown)", NONE, NONE, NONE, NONE);
	test_uplink_and_slot();
	test_not_idle();
	test_overdriven_and_loop();
	test_tree_config();
	return tap_done();
}
