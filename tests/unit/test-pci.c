/* The pci probe's pure parts: sysfs link strings of every kernel format,
 * LnkCap/LnkSta/LnkCap2 decoding, generation and bandwidth arithmetic,
 * BDF parsing, and the judgement of links on synthetic chains (a NIC
 * trained low behind its root port, an HGX switch with a limited port and
 * an idle GPU, a Gen5 card in a Gen4 slot, a broken loop). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* An extended capability header at `at`: id, version 1, next. */
static void put_ext_cap(unsigned char *cfg, size_t at, unsigned id, unsigned next)
{
	uint32_t h = id | 1u << 16 | (uint32_t)next << 20;

	for (int i = 0; i < 4; i++)
		cfg[at + (size_t)i] = (unsigned char)(h >> (8 * i));
}

/* The dump of a tree's config file leaves its zero tail out (libpci
 * parses a dump byte by byte), but never a byte a capability needs:
 * left out, it would read as 0xff, not 0. */
static void test_config_dump_length(void)
{
	static unsigned char cfg[PCI_CONFIG_MAX];

	memset(cfg, 0, sizeof(cfg));
	cfg[0] = 0x86;
	tap_is_int((int)pci_config_dump_length(cfg, sizeof(cfg)), 256, "no extended capability: the first 256 bytes");
	tap_is_int((int)pci_config_dump_length(cfg, 64), 64, "a 64-byte config (non-root read): all of it");
	tap_is_int((int)pci_config_dump_length(cfg, 70), 64, "a partial line is left out, as before");
	/* AER at 0x100, the last capability, every status and mask zero: its
	 * registers (0x48 bytes) must read as 0, not as "all errors" */
	put_ext_cap(cfg, 0x100, 0x0001, 0);
	tap_ok(pci_config_dump_length(cfg, sizeof(cfg)) >= 0x100 + 0x48, "a zero AER status at the tail is kept");
	/* ACS at a header ending a 16-byte line, control (+6) zero: the line
	 * rounding alone would cut it */
	put_ext_cap(cfg, 0x100, 0x0001, 0x1fc);
	put_ext_cap(cfg, 0x1fc, 0x000d, 0);
	tap_ok(pci_config_dump_length(cfg, sizeof(cfg)) >= 0x1fc + 8, "ACS control after the last non-zero byte is kept");
	tap_is_int((int)pci_config_dump_length(cfg, sizeof(cfg)) % 16, 0, "whole 16-byte lines");
	/* a non-zero byte far out is kept, whatever the chain says */
	cfg[0xe01] = 1;
	tap_is_int((int)pci_config_dump_length(cfg, sizeof(cfg)), 0xe10, "up to the last non-zero byte's line");
	cfg[0xe01] = 0;
	/* a chain that loops ends, and keeps what it visited */
	put_ext_cap(cfg, 0x1fc, 0x000d, 0x100);
	tap_is_int((int)pci_config_dump_length(cfg, sizeof(cfg)), 0x300, "a looping chain ends");
	/* a chain pointing past a short file: nothing past the file */
	tap_is_int((int)pci_config_dump_length(cfg, 0x200), 0x200, "never more than the file");
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
	test_config_dump_length();
	return tap_done();
}
