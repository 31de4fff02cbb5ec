/* The pci probe: every PCI function, its PCIe link, and the bridges above
 * it. libpci enumerates — its sysfs method on the live /sys/bus/pci, its
 * dump method on a captured tree's list of devices, each with its config
 * file (read through the sysroot layer) as its cache, or on an
 * `lspci -x/-xxx/-xxxx` dump (--pci-dump) — and reads config space (the
 * PCIe capability's LnkCap, LnkSta, LnkCap2, and bridges' bus numbers).
 * Through the sysroot layer, per device, in one view of its directory:
 * BDF/{config (a tree's),driver,iommu_group,numa_node,local_cpulist,
 * local_cpus,current_link_speed,current_link_width,max_link_speed,
 * max_link_width}, vendor, device and class where libpci could not read
 * them, and irq and msi_irqs/ where the irq probe runs; then
 * sys/bus/pci/devices/BDF -> its real path under sys/devices (the bridges
 * above it).
 * Config space wins over the sysfs link attributes when readable (root on
 * a live host, a dump, a tree with full config files): it is what lspci
 * shows. A broken tree or dump never ends the process: pci.error says
 * why, and the devices read so far, if any, stay. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <pci/pci.h>

#include "common/util.h"
#include "config.h"
#include "probes/host.h"
#include "probes/pci.h"

/* ---- link arithmetic ---------------------------------------------------- */

static const double pci_speeds[] = {2.5, 5.0, 8.0, 16.0, 32.0, 64.0, 128.0}; /* Gen1..7 */

double pci_speed_parse(const char *s)
{
	double v = 0, scale = 1;
	int digits = 0;

	if (!s)
		return NAN;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; isdigit((unsigned char)*s) && digits < 6; s++, digits++)
		v = v * 10 + (*s - '0');
	if (!digits)
		return NAN;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++) {
			scale /= 10;
			v += (*s - '0') * scale;
		}
	while (*s == ' ')
		s++;
	/* Past 1,024 GT/s is no PCIe speed (PCIe 7 runs 128): a hostile
	 * tree's "777777 GT/s" would show as petabytes per second. */
	if (!startswith(s, "GT/s") || v <= 0 || v > 1024)
		return NAN;
	return v;
}

int pci_width_parse(const char *s)
{
	int w;

	if (!s || parse_int(s, &w) < 0 || w < 1 || w > 32)
		return UNKNOWN;
	return w;
}

double pci_speed_from_code(unsigned code)
{
	return code >= 1 && code <= ARRAY_SIZE(pci_speeds) ? pci_speeds[code - 1] : NAN;
}

double pci_speed_from_vector(uint32_t lnkcap2)
{
	unsigned v = PCI_EXP_LNKCAP2_SPEED(lnkcap2);

	for (int b = (int)ARRAY_SIZE(pci_speeds) - 1; b >= 0; b--)
		if (v & (1u << b))
			return pci_speeds[b];
	return NAN;
}

int pci_gen_from_speed(double gts)
{
	for (size_t i = 0; i < ARRAY_SIZE(pci_speeds); i++)
		if (fabs(gts - pci_speeds[i]) < 0.01)
			return (int)i + 1;
	return UNKNOWN;
}

double pci_encoding(double gts)
{
	if (!(gts > 0))
		return NAN;
	if (gts < 8)
		return 8.0 / 10;
	if (gts < 64)
		return 128.0 / 130;
	return 1.0;
}

double pci_bandwidth_gbps(double gts, int width)
{
	if (!(gts > 0) || width <= 0)
		return NAN;
	return gts * width * pci_encoding(gts) / 8;
}

void pci_link_init(struct pci_link *l)
{
	*l = (struct pci_link){
		.speed_gts = NAN, .max_speed_gts = NAN, .bandwidth_gbps = NAN,
		.gen = UNKNOWN, .max_gen = UNKNOWN, .width = UNKNOWN, .max_width = UNKNOWN,
	};
}

static int width_field(unsigned w)
{
	return w >= 1 && w <= 32 ? (int)w : UNKNOWN;
}

void pci_link_from_regs(uint32_t lnkcap, uint16_t lnksta, uint32_t lnkcap2, struct pci_link *l)
{
	/* lspci's LnkCap line shows the field, and so do we: some ports list
	 * faster speeds in LnkCap2 than they claim in LnkCap (Thunderbolt
	 * bridges: LnkCap 2.5 GT/s, LnkCap2 2.5-8 GT/s), where the vector
	 * would report a downgrade lspci does not. */
	l->max_speed_gts = pci_speed_from_code(lnkcap & PCI_EXP_LNKCAP_SPEED);
	if (isnan(l->max_speed_gts))
		l->max_speed_gts = pci_speed_from_vector(lnkcap2);
	l->max_width = width_field((lnkcap & PCI_EXP_LNKCAP_WIDTH) >> 4);
	l->speed_gts = pci_speed_from_code(lnksta & PCI_EXP_LNKSTA_SPEED);
	l->width = width_field((lnksta & PCI_EXP_LNKSTA_WIDTH) >> 4);
}

void pci_link_finish(struct pci_link *l)
{
	l->gen = pci_gen_from_speed(l->speed_gts);
	l->max_gen = pci_gen_from_speed(l->max_speed_gts);
	l->bandwidth_gbps = pci_bandwidth_gbps(l->speed_gts, l->width);
}

bool pci_link_known(const struct pci_link *l)
{
	return !isnan(l->speed_gts) || !isnan(l->max_speed_gts) || l->width > 0 || l->max_width > 0;
}

static bool hex_byte(const char *s, unsigned *ret)
{
	if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
		return false;
	*ret = (unsigned)strtoul((char[]){s[0], s[1], 0}, NULL, 16);
	return true;
}

int pci_parse_bdf(const char *s, unsigned *domain, unsigned *bus, unsigned *dev, unsigned *func)
{
	unsigned long dom;
	unsigned b, d;
	char *end;

	if (!s || !isxdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	dom = strtoul(s, &end, 16);
	if (errno || end - s < 4 || end - s > 8 || *end != ':')
		return -EINVAL;
	s = end + 1;
	if (!hex_byte(s, &b) || s[2] != ':' || !hex_byte(s + 3, &d) || d > 0x1f || s[5] != '.' ||
	    s[6] < '0' || s[6] > '7' || s[7])
		return -EINVAL;
	*domain = (unsigned)dom;
	*bus = b;
	*dev = d;
	*func = (unsigned)(s[6] - '0');
	return 0;
}

/* ---- links along the tree ---------------------------------------------- */

struct pci_address {
	unsigned domain, bus, dev, func;
};

static int cmp_pci_address(const struct pci_address *a, const struct pci_address *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	return (a->func > b->func) - (a->func < b->func);
}

#define ADDRESS_OF(d) (&(struct pci_address){(unsigned)(d)->domain, (d)->bus, (d)->dev, (d)->func})

/* Devices by address: sorting the list, and finding one in it. */
static int cmp_device(const void *a, const void *b)
{
	return cmp_pci_address(ADDRESS_OF((const struct pci_device *)a), ADDRESS_OF((const struct pci_device *)b));
}

/* The probe leaves the list sorted by address, so a lookup is a binary
 * search: judging links and matching IRQs look up every device's
 * parents, which a scan made quadratic in the number of devices. A list
 * still being built (or built by hand in a test) may be out of order:
 * what the search misses, a scan finds. */
struct pci_device *pci_info_find(const struct pci_info *pi, const char *bdf)
{
	struct pci_device key, *d;

	if (!bdf || !pi->ndevices || pci_parse_bdf(bdf, &key.domain, &key.bus, &key.dev, &key.func) < 0)
		return NULL;
	d = bsearch(&key, pi->devices, pi->ndevices, sizeof(*pi->devices), cmp_device);
	if (d && !strcmp(d->bdf, bdf))
		return d;
	for (size_t i = 0; i < pi->ndevices; i++)
		if (!strcmp(pi->devices[i].bdf, bdf))
			return &pi->devices[i];
	return NULL;
}

static const struct pci_device *parent_of(const struct pci_info *pi, const struct pci_device *d)
{
	return d->parent ? pci_info_find(pi, d->parent) : NULL;
}

bool pci_is_gpu(const struct pci_device *d)
{
	unsigned base = d->class_code >> 8;

	return (base == 0x03 || base == 0x12) && (d->vendor_id == 0x10de || d->vendor_id == 0x1002);
}

static bool type_faces_upstream(int type)
{
	return type == PCI_EXP_TYPE_ENDPOINT || type == PCI_EXP_TYPE_LEG_END ||
	       type == PCI_EXP_TYPE_UPSTREAM || type == PCI_EXP_TYPE_PCI_BRIDGE;
}

bool pci_faces_upstream(const struct pci_info *pi, const struct pci_device *d)
{
	bool flip = false;

	for (int depth = 0; d && depth <= PCI_MAX_DEPTH; depth++) {
		const struct pci_device *p;

		if (d->pcie_type >= 0)
			return type_faces_upstream(d->pcie_type) != flip;
		p = parent_of(pi, d);
		if (!p)
			return !d->is_bridge != flip;
		d = p;
		flip = !flip;
	}
	return false;
}

const char *pci_port_role(const struct pci_info *pi, const struct pci_device *d)
{
	static const char *const types[] = {
		[PCI_EXP_TYPE_ENDPOINT] = "endpoint",
		[PCI_EXP_TYPE_LEG_END] = "legacy endpoint",
		[PCI_EXP_TYPE_ROOT_PORT] = "root port",
		[PCI_EXP_TYPE_UPSTREAM] = "switch upstream port",
		[PCI_EXP_TYPE_DOWNSTREAM] = "switch downstream port",
		[PCI_EXP_TYPE_PCI_BRIDGE] = "PCIe-to-PCI bridge",
		[PCI_EXP_TYPE_PCIE_BRIDGE] = "PCI-to-PCIe bridge",
		[PCI_EXP_TYPE_ROOT_INT_EP] = "integrated endpoint",
		[PCI_EXP_TYPE_ROOT_EC] = "event collector",
	};

	if (d->pcie_type >= 0 && (size_t)d->pcie_type < ARRAY_SIZE(types) && types[d->pcie_type])
		return types[d->pcie_type];
	if (!d->is_bridge)
		return "device";
	if (!d->parent)
		return "root port";
	return pci_faces_upstream(pi, d) ? "switch upstream port" : "switch downstream port";
}

const struct pci_device *pci_link_partner_below(const struct pci_info *pi, const struct pci_device *port)
{
	for (size_t i = 0; i < pi->ndevices; i++) {
		const struct pci_device *c = &pi->devices[i];

		if (c->parent && !strcmp(c->parent, port->bdf) && c->has_link && pci_faces_upstream(pi, c))
			return c;
	}
	return NULL;
}

bool pci_empty_slot(const struct pci_info *pi, const struct pci_device *port)
{
	if (!port->has_link || !port->is_bridge || port->link.width > 0 || pci_faces_upstream(pi, port))
		return false;
	for (size_t i = 0; i < pi->ndevices; i++)
		if (pi->devices[i].parent && !strcmp(pi->devices[i].parent, port->bdf))
			return false;
	return true;
}

static int min_width(int a, int b)
{
	if (a <= 0)
		return b;
	if (b <= 0)
		return a;
	return a < b ? a : b;
}

void pci_hop_capability(const struct pci_info *pi, const struct pci_device *d, double *speed, int *width)
{
	const struct pci_device *p = parent_of(pi, d);

	*speed = d->link.max_speed_gts;
	*width = d->link.max_width;
	if (p && p->has_link) {
		*speed = fmin(*speed, p->link.max_speed_gts); /* fmin ignores a NAN */
		*width = min_width(*width, p->link.max_width);
	}
}

/* Below a capability, in speed or width; unknown values never are. */
static bool link_below(double speed, int width, double cap_speed, int cap_width)
{
	return speed < cap_speed - 0.01 || (width > 0 && cap_width > 0 && width < cap_width);
}

/* An idle GPU keeps every lane its slot gives it (x8 in a slot wired
 * x8 for an x16 card) and drops only the speed. */
static void judge_upstream_end(const struct pci_info *pi, struct pci_device *d)
{
	struct pci_link *l = &d->link;
	double cap_speed;
	int cap_width;

	if (!d->has_link || !pci_faces_upstream(pi, d))
		return;
	pci_hop_capability(pi, d, &cap_speed, &cap_width);
	l->downgraded = link_below(l->speed_gts, l->width, l->max_speed_gts, l->max_width);
	l->idle_downgrade = l->downgraded && pci_is_gpu(d) && l->gen == 1 && l->width > 0 &&
			    l->width == cap_width;
}

static void judge_port(const struct pci_info *pi, struct pci_device *port)
{
	struct pci_link *l = &port->link;
	const struct pci_device *c;

	if (!port->has_link || pci_faces_upstream(pi, port))
		return;
	c = pci_link_partner_below(pi, port);
	if (!c)
		return;
	l->downgraded = link_below(l->speed_gts, l->width, fmin(l->max_speed_gts, c->link.max_speed_gts),
				   min_width(l->max_width, c->link.max_width));
	l->idle_downgrade = l->downgraded && c->link.idle_downgrade;
}

/* The first hop from d towards its root port that trained below what both
 * of its ends support; its upstream end. */
static const struct pci_device *faulty_hop(const struct pci_info *pi, const struct pci_device *d)
{
	const struct pci_device *x = d, *p;

	for (int depth = 0; depth < PCI_MAX_DEPTH && (p = parent_of(pi, x)); depth++, x = p) {
		double cap_speed;
		int cap_width;

		if (!x->has_link || x->link.idle_downgrade || !pci_faces_upstream(pi, x))
			continue;
		pci_hop_capability(pi, x, &cap_speed, &cap_width);
		if (link_below(x->link.speed_gts, x->link.width, cap_speed, cap_width))
			return p;
	}
	return NULL;
}

static const struct pci_device *limiting_hop(const struct pci_info *pi, const struct pci_device *d)
{
	const struct pci_device *hop = faulty_hop(pi, d), *p;

	if (hop)
		return hop;
	if (!d->link.downgraded || d->link.idle_downgrade || !pci_faces_upstream(pi, d))
		return NULL;
	/* Trained as well as both ends allow, yet below the device's own
	 * maximum: the port it hangs from is the less capable end. */
	p = parent_of(pi, d);
	if (!p || !p->has_link)
		return p;
	return link_below(p->link.max_speed_gts, p->link.max_width, d->link.max_speed_gts, d->link.max_width)
		       ? p : NULL;
}

int pci_judge_links(struct pci_info *pi)
{
	for (size_t i = 0; i < pi->ndevices; i++) {
		pi->devices[i].link.downgraded = pi->devices[i].link.idle_downgrade = false;
		judge_upstream_end(pi, &pi->devices[i]);
	}
	for (size_t i = 0; i < pi->ndevices; i++)
		judge_port(pi, &pi->devices[i]);
	for (size_t i = 0; i < pi->ndevices; i++) {
		struct pci_device *d = &pi->devices[i];
		const struct pci_device *hop = limiting_hop(pi, d);

		free(d->limiting_hop);
		d->limiting_hop = NULL;
		if (hop && !(d->limiting_hop = strdup(hop->bdf)))
			return -ENOMEM;
	}
	return 0;
}

/* ---- libpci, without exit() --------------------------------------------- */

struct pci_session {
	struct pci_access *a;
	jmp_buf jump;
	char error[256];    /* what libpci's error hook said */
};

/* libpci reports errors through hooks that get no context and must not
 * return (the default one exits), and struct pci_access has no pointer
 * for its user (aux belongs to the access method). So the hooks find the
 * session through this thread-local pointer, set by pci_guarded() only
 * while one libpci call runs on this thread, and cleared after it. */
static _Thread_local struct pci_session *pci_current;

static void __attribute__((noreturn, format(printf, 1, 2))) pci_hook_error(char *msg, ...)
{
	struct pci_session *s = pci_current;
	va_list ap;

	if (!s)
		abort(); /* a libpci call outside pci_guarded(): a bug in this file */
	va_start(ap, msg);
	vsnprintf(s->error, sizeof(s->error), msg, ap);
	va_end(ap);
	longjmp(s->jump, 1);
}

/* Warnings ("Cannot open .../config" on a tree without config files) and
 * debug messages: the library never prints, and what they say shows as
 * unknown values. */
static void __attribute__((format(printf, 1, 2))) pci_hook_ignore(char *msg, ...)
{
}

typedef void pci_step(struct pci_session *s, void *arg);

/* Run one libpci step; an error inside it comes back here as -EIO, with
 * the message in s->error. The step leaves its results in *arg, never in
 * locals of this frame, so nothing is lost across the longjmp. A step
 * cut short may leak what libpci allocated in it. */
static int pci_guarded(struct pci_session *s, pci_step *step, void *arg)
{
	pci_current = s;
	if (setjmp(s->jump)) {
		pci_current = NULL;
		return -EIO;
	}
	step(s, arg);
	pci_current = NULL;
	return 0;
}

struct pci_open_args {
	unsigned method;
	const char *param, *value;
};

static void step_open(struct pci_session *s, void *arg)
{
	const struct pci_open_args *o = arg;

	s->a->method = o->method;
	pci_set_param(s->a, (char *)o->param, (char *)o->value); /* copied */
	pci_init(s->a);
	pci_scan_bus(s->a);
}

static void step_cleanup(struct pci_session *s, void *arg)
{
	pci_cleanup(s->a);
}

/* What libpci read of one device. */
struct pci_raw {
	struct pci_dev *pd;
	bool ident, cls;             /* vendor/device and class were read */
	unsigned vendor, device, class_code, prog_if;
	bool bridge_hdr;             /* type 1 header */
	unsigned secondary;          /* bus below a bridge */
	int exp_flags;               /* PCIe capability flags, -1 none */
	uint32_t lnkcap, lnkcap2, devcap;
	uint16_t lnksta, devctl;
	int acs_ctrl;                /* ACS Control, -1 no ACS capability */
};

static void step_ident(struct pci_session *s, void *arg)
{
	struct pci_raw *r = arg;
	int known = pci_fill_info(r->pd, PCI_FILL_IDENT | PCI_FILL_CLASS);

	if (r->pd->vendor_id == 0xffff && (known & PCI_FILL_IDENT))
		return;     /* nobody answered: no config bytes (a tree's dump) */
	if (known & PCI_FILL_IDENT) {
		r->vendor = r->pd->vendor_id;
		r->device = r->pd->device_id;
		r->ident = true;
	}
	if (known & PCI_FILL_CLASS) {
		r->class_code = r->pd->device_class;
		r->cls = true;
	}
	if (pci_fill_info(r->pd, PCI_FILL_CLASS_EXT) & PCI_FILL_CLASS_EXT)
		r->prog_if = r->pd->prog_if;
}

/* Config space: unreadable bytes read as 0xff (a 64-byte sysfs config
 * file as non-root, a short dump), which finds no capability. */
static void step_config(struct pci_session *s, void *arg)
{
	struct pci_raw *r = arg;
	struct pci_dev *pd = r->pd;
	struct pci_cap *cap;
	uint16_t flags;

	if ((pci_read_byte(pd, PCI_HEADER_TYPE) & 0x7f) == PCI_HEADER_TYPE_BRIDGE) {
		r->bridge_hdr = true;
		r->secondary = pci_read_byte(pd, PCI_SECONDARY_BUS);
	}
	if (!(pci_fill_info(pd, PCI_FILL_CAPS) & PCI_FILL_CAPS))
		return;
	cap = pci_find_cap(pd, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	if (!cap || (flags = pci_read_word(pd, (int)cap->addr + PCI_EXP_FLAGS)) == 0xffff)
		return;
	r->lnkcap = pci_read_long(pd, (int)cap->addr + PCI_EXP_LNKCAP);
	r->lnksta = pci_read_word(pd, (int)cap->addr + PCI_EXP_LNKSTA);
	r->devcap = pci_read_long(pd, (int)cap->addr + PCI_EXP_DEVCAP);
	r->devctl = pci_read_word(pd, (int)cap->addr + PCI_EXP_DEVCTL);
	if ((flags & PCI_EXP_FLAGS_VERS) >= 2)
		r->lnkcap2 = pci_read_long(pd, (int)cap->addr + PCI_EXP_LNKCAP2);
	r->exp_flags = flags;
	/* ACS sits in extended config space (root only, or a full dump) */
	if ((pci_fill_info(pd, PCI_FILL_EXT_CAPS) & PCI_FILL_EXT_CAPS) &&
	    (cap = pci_find_cap(pd, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED)))
		r->acs_ctrl = pci_read_word(pd, (int)cap->addr + PCI_ACS_CTRL);
}

/* ---- collecting ---------------------------------------------------------- */

/* A captured tree's sys/bus/pci/devices entry, by the address libpci
 * reads from its name. */
struct tree_entry {
	struct pci_address a;
	const char *name;
	bool canonical;          /* "%04x:%02x:%02x.%u" of a */
};

struct pci_ctx {
	const struct sysroot *sr;
	const struct probe_options *opt;
	struct pci_session *s;
	struct pci_info *pi;
	size_t allocated;        /* of pi->devices */
	struct pci_raw *raw;     /* per device libpci enumerated: pi->devices[0..nraw) */
	size_t nraw;
	bool tree;               /* a captured tree: config files are libpci's caches */
	char **names;            /* sys/bus/pci/devices, listed once (not on a --pci-dump) */
	struct tree_entry *entries; /* names by address */
	size_t nentries;
	bool want_irqs;          /* the irq probe runs: read each device's IRQs */
};

static struct pci_device *pci_append(struct pci_ctx *c)
{
	struct pci_info *pi = c->pi;
	struct pci_device *d;

	if (pi->ndevices == c->allocated) {
		size_t n = c->allocated ? 2 * c->allocated : 32;

		d = reallocarray(pi->devices, n, sizeof(*d));
		if (!d)
			return NULL;
		pi->devices = d;
		c->allocated = n;
	}
	d = &pi->devices[pi->ndevices++];
	memset(d, 0, sizeof(*d));
	d->vendor_id = d->device_id = 0xffff;     /* PCI's "nobody here": unknown */
	d->numa_node = UNKNOWN;
	d->pcie_type = UNKNOWN;
	d->mps = d->mps_max = d->mrrs = d->acs = d->iommu_group = UNKNOWN;
	pci_link_init(&d->link);
	return d;
}

static void pci_set_address(struct pci_device *d, unsigned domain, unsigned bus, unsigned dev, unsigned func)
{
	d->domain = domain;
	d->bus = bus;
	d->dev = dev;
	d->func = func;
	snprintf(d->bdf, sizeof(d->bdf), "%04x:%02x:%02x.%u", domain, bus, dev, func);
}

static bool is_bridge_class(unsigned class_code)
{
	return class_code == 0x0604 || class_code == 0x0609; /* PCI-to-PCI, semi-transparent */
}

static void pci_apply_raw(const struct pci_ctx *c, struct pci_device *d, const struct pci_raw *r)
{
	if (r->ident) {
		d->vendor_id = r->vendor;
		d->device_id = r->device;
	}
	if (r->cls) {
		d->class_code = r->class_code;
		d->prog_if = r->prog_if;
	}
	d->is_bridge = r->bridge_hdr || (r->cls && is_bridge_class(r->class_code));
	if (r->exp_flags < 0)
		return;
	d->pcie_type = (r->exp_flags & PCI_EXP_FLAGS_TYPE) >> 4;
	if (r->devctl != 0xffff) {
		d->mps = 128 << ((r->devctl & PCI_EXP_DEVCTL_PAYLOAD) >> 5);
		d->mrrs = 128 << ((r->devctl & PCI_EXP_DEVCTL_READRQ) >> 12);
	}
	if (r->devcap != 0xffffffff)
		d->mps_max = 128 << (r->devcap & PCI_EXP_DEVCAP_PAYLOAD);
	if (r->acs_ctrl >= 0 && r->acs_ctrl != 0xffff)
		d->acs = (r->acs_ctrl & (PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED)) != 0;
	/* Root-complex integrated endpoints and event collectors have no
	 * link; neither has a device whose capability reads as all ones. */
	if (d->pcie_type == PCI_EXP_TYPE_ROOT_INT_EP || d->pcie_type == PCI_EXP_TYPE_ROOT_EC ||
	    r->lnkcap == 0xffffffff)
		return;
	pci_link_from_regs(r->lnkcap, r->lnksta, r->lnkcap2 == 0xffffffff ? 0 : r->lnkcap2, &d->link);
	d->link.source = c->opt->pci_dump ? "dump" : "config";
}

/* The functions below read a device's directory through a view of it
 * (sysroot_at): its path is resolved once, not once per file. */

/* Vendor, device and class from sysfs (libpci could not read them, or a
 * bridge only the device's path names). */
static void sysfs_read_ident(const struct sysroot *dev, struct pci_device *d, bool need_class)
{
	uint64_t v;

	if (d->vendor_id == 0xffff && sr_read_hex(dev, &v, "vendor") == 0 && v < 0xffff)
		d->vendor_id = (unsigned)v;
	if (d->device_id == 0xffff && sr_read_hex(dev, &v, "device") == 0 && v < 0xffff)
		d->device_id = (unsigned)v;
	if (need_class && sr_read_hex(dev, &v, "class") == 0 && v <= 0xffffff) {
		d->class_code = (unsigned)(v >> 8);
		d->prog_if = (unsigned)(v & 0xff);
		d->is_bridge = d->is_bridge || is_bridge_class(d->class_code);
	}
}

int pci_sysfs_ids(const struct sysroot *sr, const char *bdf, struct pci_sysfs_ids *ret)
{
	struct sysroot dev;
	uint64_t cls, vendor;
	int64_t node;
	int r = sysroot_at(sr, &dev, "sys/bus/pci/devices/%s", bdf);

	if (r < 0)
		return r;
	r = sr_read_hex(&dev, &cls, "class");
	if (r == 0 && cls > 0xffffff)
		r = -EINVAL;
	if (r == 0) {
		if (sr_read_hex(&dev, &vendor, "vendor") < 0 || vendor > 0xffff)
			vendor = 0;
		if (sr_read_s64(&dev, &node, "numa_node") < 0 || node < 0 || node > INT_MAX)
			node = UNKNOWN;
		*ret = (struct pci_sysfs_ids){.class_code = (unsigned)(cls >> 8), .vendor_id = (unsigned)vendor,
					      .numa_node = (int)node};
	}
	sysroot_at_release(&dev);
	return r;
}

static void sysfs_read_link(const struct sysroot *dev, struct pci_link *l)
{
	_cleanup_free_ char *cs = NULL, *ms = NULL, *cw = NULL, *mw = NULL;
	struct pci_link s;

	/* Config space, when it was readable, wins value by value: with all
	 * four from it, the four files would only cost four opens. */
	if (!isnan(l->speed_gts) && !isnan(l->max_speed_gts) && l->width > 0 && l->max_width > 0)
		return;
	(void)sr_read_string(dev, &cs, "current_link_speed");
	(void)sr_read_string(dev, &ms, "max_link_speed");
	(void)sr_read_string(dev, &cw, "current_link_width");
	(void)sr_read_string(dev, &mw, "max_link_width");
	pci_link_init(&s);
	s.speed_gts = pci_speed_parse(cs);
	s.max_speed_gts = pci_speed_parse(ms);
	s.width = pci_width_parse(cw);
	s.max_width = pci_width_parse(mw);
	if (!pci_link_known(&s))
		return;
	/* Config space, when it was readable, wins value by value. */
	if (!l->source)
		l->source = "sysfs";
	if (isnan(l->speed_gts))
		l->speed_gts = s.speed_gts;
	if (isnan(l->max_speed_gts))
		l->max_speed_gts = s.max_speed_gts;
	if (l->width < 0)
		l->width = s.width;
	if (l->max_width < 0)
		l->max_width = s.max_width;
}

int pci_link_read_now(const struct sysroot *sr, const char *bdf, struct pci_link *ret)
{
	struct sysroot dev;
	struct pci_link l;
	int r = sysroot_at(sr, &dev, "sys/bus/pci/devices/%s", bdf);

	if (r < 0)
		return r == -ENOMEM ? r : -ENOENT;
	pci_link_init(&l);
	sysfs_read_link(&dev, &l);
	sysroot_at_release(&dev);
	if (!pci_link_known(&l))
		return -ENOENT;
	pci_link_finish(&l);
	*ret = l;
	return 0;
}

static int sysfs_read_attrs(const struct sysroot *dev, struct pci_device *d)
{
	_cleanup_free_ char *group = NULL;
	int64_t node;
	int r;

	r = sr_readlink(dev, &d->driver, true, "driver");
	if (r == -ENOMEM)
		return r;
	if (sr_readlink(dev, &group, true, "iommu_group") == 0)
		(void)parse_int(group, &d->iommu_group);
	if (sr_read_s64(dev, &node, "numa_node") == 0 && node >= 0 && node < INT_MAX)
		d->numa_node = (int)node;
	r = sr_read_cpulist(dev, &d->local_cpus, "local_cpulist");
	if (r < 0 && r != -ENOMEM)
		r = sr_read_cpumask(dev, &d->local_cpus, "local_cpus");
	if (r == -ENOMEM)
		return r;
	sysfs_read_link(dev, &d->link);
	return 0;
}

/* A view of the sysfs directory of a device libpci found: 1 when there
 * is one, 0 when not (with a dump, only where the sysroot holds the same
 * device: a dump may come from another machine). */
static int pci_sysfs_dir(const struct pci_ctx *c, const struct pci_device *d, struct sysroot *ret)
{
	uint64_t v, dv;
	int r = sysroot_at(c->sr, ret, "sys/bus/pci/devices/%s", d->bdf);

	if (r < 0)
		return r == -ENOMEM ? r : 0;
	if (c->opt->pci_dump && (sr_read_hex(ret, &v, "vendor") < 0 || v != d->vendor_id ||
				 sr_read_hex(ret, &dv, "device") < 0 || dv != d->device_id)) {
		sysroot_at_release(ret);
		return 0;
	}
	return 1;
}

static void strv_pop(char **v)
{
	size_t n = strv_length(v);

	if (n) {
		free(v[n - 1]);
		v[n - 1] = NULL;
	}
}

static void strv_reverse(char **v)
{
	for (size_t i = 0, n = strv_length(v); n && i < n / 2; i++) {
		char *t = v[i];

		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
}

/* The PCI functions above a device from its real path under sys/devices
 * ("../../../devices/pci0000:40/0000:40:01.1/0000:41:00.0"): BDFs, root
 * port first, and their directories. 1 when the path was there, 0 when
 * the entry is no symlink (some captured trees copy directories). bus
 * is a view of sys/bus/pci/devices. */
static int sysfs_chain(const struct sysroot *bus, const char *bdf, char ***ret_bdfs, char ***ret_dirs)
{
	_cleanup_free_ char *target = NULL;
	_cleanup_strv_ char **parts = NULL, **path = NULL, **bdfs = NULL, **dirs = NULL;
	unsigned x;
	int r = sr_readlink(bus, &target, false, "%s", bdf);

	if (r < 0)
		return r == -ENOMEM ? r : 0;
	if (strv_split(target, "/", &parts) < 0 ||
	    (target[0] != '/' && strv_split("sys/bus/pci/devices", "/", &path) < 0))
		return -ENOMEM;
	for (size_t i = 0; parts[i]; i++) {
		if (!strcmp(parts[i], "."))
			continue;
		if (!strcmp(parts[i], "..")) {
			strv_pop(path);
			continue;
		}
		if (strv_extend(&path, parts[i]) < 0)
			return -ENOMEM;
		if (pci_parse_bdf(parts[i], &x, &x, &x, &x) < 0 || !strcmp(parts[i], bdf) ||
		    strv_length(bdfs) >= PCI_MAX_DEPTH)
			continue;
		if (strv_extend(&bdfs, parts[i]) < 0 || strv_push(&dirs, strv_join(path, "/")) < 0)
			return -ENOMEM;
	}
	*ret_bdfs = TAKE_PTR(bdfs);
	*ret_dirs = TAKE_PTR(dirs);
	return 1;
}

/* Everything else about device idx: what sysfs says where dev (a view
 * of its directory) is set. Names come later, for the devices printed
 * (probes/pci-names.c). */
static int pci_describe(struct pci_ctx *c, size_t idx, const struct sysroot *dev, bool need_class)
{
	struct pci_device *d = &c->pi->devices[idx];

	if (!dev)
		return 0;
	sysfs_read_ident(dev, d, need_class);
	return sysfs_read_attrs(dev, d);
}

/* A bridge the device's path names that libpci did not list (a captured
 * tree missing its sys/bus/pci/devices entry): described from its own
 * directory, so that every upstream BDF is a device of the list. */
static int pci_add_from_path(struct pci_ctx *c, const char *bdf, const char *dir, char *const *above,
			     size_t nabove)
{
	unsigned dom, bus, dev, func;
	struct pci_device *d;
	struct sysroot view;
	bool have_view;
	size_t idx;
	int r;

	if (pci_parse_bdf(bdf, &dom, &bus, &dev, &func) < 0)
		return 0;
	d = pci_append(c);
	if (!d)
		return -ENOMEM;
	pci_set_address(d, dom, bus, dev, func);
	idx = (size_t)(d - c->pi->devices);
	r = sysroot_at(c->sr, &view, "%s", dir);
	if (r == -ENOMEM)
		return r;
	have_view = r == 0;
	r = pci_describe(c, idx, have_view ? &view : NULL, true);
	if (have_view)
		sysroot_at_release(&view);
	for (size_t k = 0; r >= 0 && k < nabove; k++)
		r = strv_extend(&c->pi->devices[idx].upstream, above[k]);
	return r < 0 ? r : 0;
}

static int sysfs_upstream(struct pci_ctx *c, const struct sysroot *bus, size_t idx)
{
	_cleanup_strv_ char **bdfs = NULL, **dirs = NULL;
	char bdf[sizeof(c->pi->devices[idx].bdf)];
	int r, found;

	memcpy(bdf, c->pi->devices[idx].bdf, sizeof(bdf));
	found = sysfs_chain(bus, bdf, &bdfs, &dirs);
	if (found <= 0)
		return found;
	for (size_t k = 0; bdfs && bdfs[k]; k++) {
		if (pci_info_find(c->pi, bdfs[k]))
			continue;
		r = pci_add_from_path(c, bdfs[k], dirs[k], bdfs, k);
		if (r < 0)
			return r;
	}
	c->pi->devices[idx].upstream = TAKE_PTR(bdfs); /* the array may have moved */
	return 1;
}

/* The bridge whose secondary bus is the device's bus, from config space.
 * Bus numbers strictly fall going up, so a broken dump cannot loop. */
static ssize_t bridge_above(const struct pci_ctx *c, size_t idx)
{
	const struct pci_device *d = &c->pi->devices[idx];

	for (size_t j = 0; j < c->nraw; j++) {
		const struct pci_device *b = &c->pi->devices[j];

		if (c->raw[j].bridge_hdr && b->domain == d->domain && c->raw[j].secondary == d->bus &&
		    b->bus < d->bus)
			return (ssize_t)j;
	}
	return -1;
}

static int bus_upstream(struct pci_ctx *c, size_t idx)
{
	_cleanup_strv_ char **chain = NULL;
	ssize_t cur = (ssize_t)idx;

	for (int depth = 0; depth < PCI_MAX_DEPTH && (cur = bridge_above(c, (size_t)cur)) >= 0; depth++)
		if (strv_extend(&chain, c->pi->devices[cur].bdf) < 0)
			return -ENOMEM;
	strv_reverse(chain); /* root port first */
	c->pi->devices[idx].upstream = TAKE_PTR(chain);
	return 0;
}

/* ---- a captured tree ----------------------------------------------------- */

/* On a captured tree libpci must not open files itself: its sysfs method
 * follows a `config` symlink out of the tree and blocks on a FIFO. So its
 * dump method gets a dump that only lists the tree's devices (an lspci
 * dump with no bytes, in a memfd), and each device's config file, read
 * through the sysroot layer, becomes that device's cache
 * (pci_setup_cache) while libpci reads it: every byte of the file's
 * whole 16-byte lines reads as it is, a byte past them as 0xff, as from
 * an lspci dump of the file. A device whose config cannot be read
 * (missing, a FIFO, a device node) gets no cache: it reads as 0xff, and
 * sysfs attributes fill in. */
static int cmp_entry_address(const struct tree_entry *x, const struct tree_entry *y)
{
	return cmp_pci_address(&x->a, &y->a);
}

/* By address; of two names of one address, the canonical one first. */
static int cmp_entry(const void *a, const void *b)
{
	const struct tree_entry *x = a, *y = b;
	int r = cmp_entry_address(x, y);

	if (r)
		return r;
	if (x->canonical != y->canonical)
		return x->canonical ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The names libpci's dump method takes for a device, and nothing else:
 * exactly "BB:DD.F", "DDDD:BB:DD.F" or "DDDDD:BB:DD.F" in hex digits
 * (dump_init checks the form, then sscanf's it). "0000:1a:00.0.bak" or
 * "0:1a:0.0" is no device there, so it must not lend a device its
 * directory. */
static bool dump_device_name(const char *name, struct tree_entry *e)
{
	static const char *const forms[] = {"##:##.#", "####:##:##.#", "#####:##:##.#"};
	char canonical[32];
	int func = -1;
	bool ok = false;

	for (size_t f = 0; f < ARRAY_SIZE(forms) && !ok; f++) {
		size_t i = 0;

		for (; forms[f][i] && name[i]; i++)
			if (forms[f][i] == '#' ? !isxdigit((unsigned char)name[i]) : forms[f][i] != name[i])
				break;
		if (forms[f][i] || name[i])
			continue;
		e->a.domain = 0;
		ok = f == 0 ? sscanf(name, "%x:%x.%d", &e->a.bus, &e->a.dev, &func) == 3
			    : sscanf(name, "%x:%x:%x.%d", &e->a.domain, &e->a.bus, &e->a.dev, &func) == 4;
	}
	if (!ok || func < 0)
		return false;
	e->a.func = (unsigned)func;
	e->name = name;
	snprintf(canonical, sizeof(canonical), "%04x:%02x:%02x.%u", e->a.domain, e->a.bus, e->a.dev, e->a.func);
	e->canonical = !strcmp(name, canonical);
	return true;
}

/* c->names: the tree's sys/bus/pci/devices as sysfs_check_entries
 * listed it, or NULL where it could not. */
static int tree_dump_open(struct pci_ctx *c, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	struct strbuf sb = {0};
	int r = c->names ? 0 : sr_list(c->sr, "", &c->names, "sys/bus/pci/devices");

	if (r < 0)
		return r;
	c->entries = calloc(strv_length(c->names) + 1, sizeof(*c->entries));
	if (!c->entries)
		return -ENOMEM;
	for (size_t i = 0; c->names[i] && r >= 0; i++) {
		if (c->names[i][0] == '.')
			continue;
		r = strbuf_printf(&sb, "%s device\n", c->names[i]);
		if (dump_device_name(c->names[i], &c->entries[c->nentries]))
			c->nentries++;
	}
	qsort(c->entries, c->nentries, sizeof(*c->entries), cmp_entry);
	fd = r < 0 ? -1 : memfd_create("rigtune-pci-dump", MFD_CLOEXEC);
	if (r >= 0 && fd < 0)
		r = -errno;
	for (size_t off = 0; r >= 0 && off < sb.len;) {
		ssize_t n = write(fd, sb.buf + off, sb.len - off);

		if (n < 0 && errno != EINTR)
			r = -errno;
		off += n > 0 ? (size_t)n : 0;
	}
	strbuf_release(&sb);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The tree's name of the device libpci found at pd's address (the
 * canonical one, where two names have it). */
static const char *tree_name(const struct pci_ctx *c, const struct pci_dev *pd)
{
	struct tree_entry key = {.a = *ADDRESS_OF(pd)};
	size_t lo = 0, hi = c->nentries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_entry_address(&c->entries[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nentries && !cmp_entry_address(&c->entries[lo], &key) ? c->entries[lo].name : NULL;
}

/* The config file in dev (a view of the device's directory) as pd's
 * cache; *ret holds it until libpci has read it. Whole 16-byte lines
 * only, as lspci dumps them: a file of 8 bytes gives vendor and device
 * but a class of 0xffff, which would hide the class sysfs knows. */
static int tree_config(const struct sysroot *dev, struct pci_dev *pd, char **ret)
{
	size_t len = 0;
	int r = sr_read_head(dev, PCI_CONFIG_MAX, ret, &len, "config");

	if (r == -ENOMEM)
		return r;
	len &= ~(size_t)15;
	if (r == 0 && len)
		pci_setup_cache(pd, (u8 *)*ret, (int)len);
	return 0;
}

int pci_sysfs_irqs(const struct sysroot *dev, int *legacy, int **msi, size_t *nmsi)
{
	int64_t v;

	if (sr_read_s64(dev, &v, "irq") == 0 && v > 0 && v < INT_MAX)
		*legacy = (int)v;
	return sr_list_ids(dev, "", msi, nmsi, "msi_irqs") == -ENOMEM ? -ENOMEM : 0;
}

/* The device's IRQs for the irq probe, through the view the rest of the
 * device is read through. */
static int sysfs_read_irqs(const struct sysroot *dev, struct pci_device *d)
{
	int r = pci_sysfs_irqs(dev, &d->legacy_irq, &d->msi_irqs, &d->nmsi);

	d->irqs_read = r == 0;
	return r;
}

/* ---- one device ---------------------------------------------------------- */

/* What libpci reads of device pd, then what its sysfs directory says,
 * through one view of it: its path is resolved once, not once per file. */
static int pci_read_device(struct pci_ctx *c, struct pci_dev *pd)
{
	struct pci_raw *raw = &c->raw[c->nraw];
	_cleanup_free_ char *cfg = NULL;
	struct pci_device *d = pci_append(c);
	struct sysroot dev;
	size_t idx;
	int have = 0, r = 0;

	if (!d)
		return -ENOMEM;
	idx = (size_t)(d - c->pi->devices);
	pci_set_address(d, (unsigned)pd->domain, pd->bus, pd->dev, pd->func);
	*raw = (struct pci_raw){.pd = pd, .exp_flags = -1, .acs_ctrl = -1};
	if (c->tree) {
		const char *name = tree_name(c, pd);

		r = name ? sysroot_at(c->sr, &dev, "sys/bus/pci/devices/%s", name) : -ENOENT;
		if (r == -ENOMEM)
			return r;
		have = r == 0;
		r = have ? tree_config(&dev, pd, &cfg) : 0;
	}
	if (r >= 0) {
		(void)pci_guarded(c->s, step_ident, raw); /* a device libpci cannot read keeps what it got */
		(void)pci_guarded(c->s, step_config, raw);
		pci_setup_cache(pd, NULL, 0);
		pci_apply_raw(c, d, raw);
		c->nraw++;
	}
	if (r >= 0 && !c->tree)
		r = have = pci_sysfs_dir(c, d, &dev);
	if (r >= 0 && have)
		r = pci_describe(c, idx, &dev, !raw->cls);
	if (r >= 0 && have && c->want_irqs)
		r = sysfs_read_irqs(&dev, d);
	if (have > 0)
		sysroot_at_release(&dev);
	return r < 0 ? r : 0;
}

static int cmp_pci_dev(const void *a, const void *b)
{
	const struct pci_dev *x = *(struct pci_dev *const *)a, *y = *(struct pci_dev *const *)b;

	return cmp_pci_address(ADDRESS_OF(x), ADDRESS_OF(y));
}

/* Every function libpci found, sorted, each with what config space and
 * its sysfs directory say. */
static int pci_enumerate(struct pci_ctx *c)
{
	_cleanup_free_ struct pci_dev **pds = NULL;
	size_t n = 0;

	for (struct pci_dev *pd = c->s->a->devices; pd; pd = pd->next)
		n++;
	if (!n)
		return 0;
	pds = calloc(n, sizeof(*pds));
	c->raw = calloc(n, sizeof(*c->raw));
	if (!pds || !c->raw)
		return -ENOMEM;
	n = 0;
	for (struct pci_dev *pd = c->s->a->devices; pd; pd = pd->next)
		pds[n++] = pd;
	qsort(pds, n, sizeof(*pds), cmp_pci_dev);
	for (size_t i = 0; i < n; i++) {
		int r;

		/* A dump that lists one address twice is not one machine's:
		 * keep the first, and say so. */
		if (i && cmp_pci_dev(&pds[i - 1], &pds[i]) == 0) {
			if (!c->pi->error &&
			    !(c->pi->error = xasprintf("%s: %04x:%02x:%02x.%d is listed twice; the second is left out",
						       c->opt->pci_dump ? c->opt->pci_dump : "sys/bus/pci/devices",
						       (unsigned)pds[i]->domain, pds[i]->bus, pds[i]->dev, pds[i]->func)))
				return -ENOMEM;
			continue;
		}
		r = pci_read_device(c, pds[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The upstream chains of what libpci listed. */
static int pci_upstream_all(struct pci_ctx *c)
{
	struct sysroot bus;
	bool have_bus = !c->opt->pci_dump && sysroot_at(c->sr, &bus, "sys/bus/pci/devices") == 0;
	int r = 0;

	for (size_t i = 0; i < c->nraw && r >= 0; i++) {
		r = have_bus ? sysfs_upstream(c, &bus, i) : 0;
		if (r == 0)
			r = bus_upstream(c, i);
	}
	if (have_bus)
		sysroot_at_release(&bus);
	return r < 0 ? r : 0;
}

static int pci_finish(struct pci_info *pi)
{
	if (pi->ndevices)
		qsort(pi->devices, pi->ndevices, sizeof(*pi->devices), cmp_device);
	for (size_t i = 0; i < pi->ndevices; i++) {
		struct pci_device *d = &pi->devices[i];

		d->has_link = pci_link_known(&d->link);
		pci_link_finish(&d->link);
		size_t n = strv_length(d->upstream);

		if (n && !(d->parent = strdup(d->upstream[n - 1])))
			return -ENOMEM;
	}
	return pci_judge_links(pi);
}

static int pci_session_open(struct pci_ctx *c)
{
	struct pci_open_args o = {PCI_ACCESS_DUMP, "dump.name", c->opt->pci_dump};
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int dump_fd = -1;
	int r;

	if (!c->opt->pci_dump && c->sr->live) {
		o = (struct pci_open_args){PCI_ACCESS_SYS_BUS_PCI, "sysfs.path", "/sys/bus/pci"};
	} else if (!c->opt->pci_dump) {
		c->tree = true;
		r = tree_dump_open(c, &dump_fd);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return (c->pi->error = xasprintf("sys/bus/pci/devices: %s", strerror(-r))) ? -EIO : -ENOMEM;
		path = xasprintf("/proc/self/fd/%d", dump_fd);
		if (!path)
			return -ENOMEM;
		o.value = path;
	}
	c->s->a->error = pci_hook_error;
	c->s->a->warning = pci_hook_ignore;
	c->s->a->debug = pci_hook_ignore;
	r = pci_guarded(c->s, step_open, &o);
	if (r < 0 && !(c->pi->error = strdup(c->s->error)))
		return -ENOMEM;
	return r;
}

/* libpci's sysfs scan stops at the first entry it cannot parse, leaking
 * what it opened: find such an entry first (by libpci's own rule), and
 * name it. The rule is libpci's sscanf, not pci_parse_bdf: this predicts
 * where libpci gives up, so it must accept what libpci accepts ("0:1a:0.0",
 * trailing text after the function), which pci_parse_bdf rightly refuses
 * as an address a user wrote. A "loose" flag there would be this sscanf
 * again, inside the parser every other caller relies on being strict. */
static int sysfs_check_entries(struct pci_ctx *c)
{
	unsigned dom, bus, dev;
	int func, r = sr_list(c->sr, "", &c->names, "sys/bus/pci/devices");

	if (r < 0)
		return r == -ENOMEM ? r : 0; /* libpci says what is wrong */
	for (size_t i = 0; c->names[i]; i++) {
		if (c->names[i][0] == '.' ||
		    (sscanf(c->names[i], "%x:%x:%x.%d", &dom, &bus, &dev, &func) == 4 && dom <= 0x7fffffff))
			continue;
		c->pi->error = xasprintf("sys/bus/pci/devices/%s: not a PCI address", c->names[i]);
		return c->pi->error ? -EIO : -ENOMEM;
	}
	return 0;
}

int pci_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	struct pci_session s = {0};
	struct pci_ctx c = {.sr = sr, .opt = opt, .s = &s, .pi = &h->pci,
			    .want_irqs = !opt->pci_dump && probe_runs(opt, PROBE_IRQ)};
	int r;

	h->pci.method = opt->pci_dump ? "dump" : "sysfs";
	if (!opt->pci_dump && !sr_exists(sr, "sys/bus/pci/devices"))
		return 0; /* no PCI here (a VM without it, a partial tree) */
	r = opt->pci_dump ? 0 : sysfs_check_entries(&c);
	if (r < 0) {
		strv_free(c.names);
		return r == -EIO ? 0 : r;
	}
	s.a = pci_alloc();
	if (!s.a) {
		strv_free(c.names);
		return -ENOMEM;
	}
	r = pci_session_open(&c);
	if (r == -EIO && s.a->devices)
		r = 0; /* keep the devices read before the error (a truncated dump) */
	if (r >= 0)
		r = pci_enumerate(&c);
	if (r >= 0)
		r = pci_upstream_all(&c);
	(void)pci_guarded(&s, step_cleanup, NULL);
	free(c.raw);
	free(c.entries);
	strv_free(c.names);
	if (r == -EIO)
		return 0; /* libpci could not start: h->pci.error says why */
	if (r < 0)
		return r;
	if (opt->pci_dump && !h->pci.ndevices && !h->pci.error &&
	    !(h->pci.error = xasprintf("%s: no PCI device in it (not the output of lspci -x, -xxx or -xxxx?)",
				       opt->pci_dump)))
		return -ENOMEM;
	return pci_finish(&h->pci);
}

void pci_probe_release(struct host *h)
{
	for (size_t i = 0; i < h->pci.ndevices; i++) {
		struct pci_device *d = &h->pci.devices[i];

		free(d->class_name);
		free(d->vendor);
		free(d->device);
		free(d->driver);
		free(d->local_cpus);
		strv_free(d->upstream);
		free(d->limiting_hop);
		free(d->parent);
		free(d->msi_irqs);
	}
	free(h->pci.devices);
	free(h->pci.error);
	memset(&h->pci, 0, sizeof(h->pci));
}
