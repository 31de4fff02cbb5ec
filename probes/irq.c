/* IRQs: which exist and what they serve (proc/interrupts), which PCI device
 * owns each (sys/bus/pci/devices/BDF/msi_irqs/N, the device's `irq` file
 * for legacy INTx, the BDF in an MSI chip name), where each may and does
 * run (proc/irq/N/{smp_affinity_list,effective_affinity_list,node}),
 * whether the kernel manages it, whether it runs off its device's NUMA
 * node (the device's numa_node, h->numa's CPUs), and whether irqbalance
 * runs (proc/PID/comm).
 *
 * Managed IRQs (multi-queue drivers: nvme, virtio-blk, some NICs) are
 * spread over the CPUs by the kernel, which refuses to move them (a write
 * to smp_affinity fails with EIO since Linux 4.8). Nothing in procfs says
 * "managed", so without writing:
 *  1. sys/kernel/debug/irq/irqs/N (CONFIG_GENERIC_IRQ_DEBUGFS, root, debugfs
 *     mounted) lists IRQD_AFFINITY_MANAGED in its state: authoritative.
 *  2. Recent kernels create proc/irq/N/smp_affinity{,_list} without write
 *     permission (0444) when user space may not set the affinity
 *     (irq_can_set_affinity_usr(): managed, per-CPU or no-balancing IRQs,
 *     chips that cannot move). Seen on 6.18 (virtio-blk's queue IRQ 0444,
 *     its config IRQ 0644); which release started it is not pinned down
 *     here, and older kernels show 0644 for managed IRQs too. A read-only
 *     file is called managed only for a PCI device's MSI/MSI-X vector
 *     (where managed is by far the usual reason), and only when the modes
 *     mean something: on the live host, or in a captured tree where some
 *     IRQ's file is writable (a capture that made every file read-only
 *     says nothing).
 *  3. nvme's I/O queue vectors ("nvmeNqM", M >= 1: pci_alloc_irq_vectors
 *     with PCI_IRQ_AFFINITY since 4.8) where debugfs is not there to ask;
 *     the admin queue (q0), or q0 and q1 sharing one vector, are not.
 * So `managed` true is reliable; false means "not known to be managed": on
 * an older kernel without debugfs a managed IRQ reads as false, and the
 * write that tries to move it fails with EIO. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "probes/host.h"
#include "probes/pci.h"

#define PCI_DIR "sys/bus/pci/devices"

static void irq_entries_free(struct irq_info *info)
{
	for (size_t i = 0; i < info->nirqs; i++) {
		struct irq_entry *e = &info->irqs[i];

		free(e->device);
		free(e->name);
		free(e->chip);
		free(e->driver);
		free(e->affinity);
		free(e->effective);
	}
	free(info->irqs);
	info->irqs = NULL;
	info->nirqs = 0;
}

static void irq_devices_free(struct irq_info *info)
{
	for (size_t i = 0; i < info->ndevices; i++) {
		free(info->devices[i].bdf);
		free(info->devices[i].driver);
		free(info->devices[i].msi);
	}
	free(info->devices);
}

/* A device as the PCI probe read it (on a tree, a live host; not from a
 * --pci-dump, whose devices may be another machine's): its node and
 * driver, and, where the irq probe was to run, its IRQs, read through
 * the view it read the rest through. On a large machine these are
 * thousands of reads that need not be made twice. */
static int from_pci(const struct pci_device *pd, struct irq_device *d)
{
	d->node = pd->numa_node;
	d->driver = pd->driver ? strdup(pd->driver) : NULL;
	if (pd->driver && !d->driver)
		return -ENOMEM;
	if (!pd->irqs_read)
		return 0;
	d->legacy = pd->legacy_irq;
	if (pd->nmsi && !(d->msi = calloc(pd->nmsi, sizeof(*d->msi))))
		return -ENOMEM;
	if (pd->nmsi)
		memcpy(d->msi, pd->msi_irqs, pd->nmsi * sizeof(*d->msi));
	d->nmsi = pd->nmsi;
	return 0;
}

/* The device's own directory, for what the PCI probe did not read. */
static int read_pci_dev(const struct sysroot *sr, const struct pci_info *pi, const char *bdf,
			struct irq_device *d)
{
	const struct pci_device *pd = pi ? pci_info_find(pi, bdf) : NULL;
	struct sysroot dev;
	int64_t v;
	int r = 0;

	d->node = UNKNOWN;
	if (!(d->bdf = strdup(bdf)))
		return -ENOMEM;
	if (pd && ((r = from_pci(pd, d)) < 0 || pd->irqs_read))
		return r;
	r = sysroot_at(sr, &dev, PCI_DIR "/%s", bdf);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	if (!pd && sr_read_s64(&dev, &v, "numa_node") == 0 && v >= 0 && v < INT_MAX)
		d->node = (int)v;
	r = pd ? 0 : sr_readlink(&dev, &d->driver, true, "driver");
	if (r != -ENOMEM)
		r = pci_sysfs_irqs(&dev, &d->legacy, &d->msi, &d->nmsi);
	sysroot_at_release(&dev);
	return r == -ENOMEM ? r : 0;
}

static int cmp_device_bdf(const void *a, const void *b)
{
	return strcasecmp(((const struct irq_device *)a)->bdf, ((const struct irq_device *)b)->bdf);
}

/* Which device an MSI vector belongs to. */
struct irq_owner {
	int irq;
	const struct irq_device *dev;
};

/* Every device's vectors sorted by number: each IRQ looks its device up,
 * and a scan of every device per IRQ was quadratic in machine size. */
struct irq_owners {
	struct irq_owner *v;
	size_t n;
};

static int cmp_owner(const void *a, const void *b)
{
	const struct irq_owner *x = a, *y = b;

	if (x->irq != y->irq)
		return x->irq < y->irq ? -1 : 1;
	return (x->dev > y->dev) - (x->dev < y->dev); /* devices in BDF order */
}

static int index_owners(const struct irq_info *info, struct irq_owners *o)
{
	size_t n = 0;

	for (size_t i = 0; i < info->ndevices; i++)
		n += info->devices[i].nmsi;
	o->v = calloc(n + 1, sizeof(*o->v));
	if (!o->v)
		return -ENOMEM;
	for (size_t i = 0; i < info->ndevices; i++)
		for (size_t k = 0; k < info->devices[i].nmsi; k++)
			o->v[o->n++] = (struct irq_owner){info->devices[i].msi[k], &info->devices[i]};
	qsort(o->v, o->n, sizeof(*o->v), cmp_owner);
	return 0;
}

static int read_pci(const struct sysroot *sr, const struct pci_info *pi, struct irq_info *p)
{
	_cleanup_strv_ char **names = NULL;
	int r;

	r = sr_list(sr, "", &names, PCI_DIR);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	p->devices = calloc(strv_length(names) + 1, sizeof(*p->devices));
	if (!p->devices)
		return -ENOMEM;
	for (size_t i = 0; names[i]; i++) {
		r = read_pci_dev(sr, pi, names[i], &p->devices[p->ndevices++]);
		if (r < 0)
			return r;
	}
	qsort(p->devices, p->ndevices, sizeof(*p->devices), cmp_device_bdf);
	return 0;
}

static const struct irq_device *pci_by_bdf(const struct irq_info *p, const char *bdf)
{
	struct irq_device key = {.bdf = (char *)bdf};

	return bdf && p->ndevices ? bsearch(&key, p->devices, p->ndevices, sizeof(*p->devices), cmp_device_bdf) : NULL;
}

static const struct irq_device *pci_by_msi(const struct irq_owners *o, int irq)
{
	size_t lo = 0, hi = o->n;

	/* The first owner of irq: the device with the lowest BDF, as a scan
	 * of the devices in order found it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->v[mid].irq < irq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < o->n && o->v[lo].irq == irq ? o->v[lo].dev : NULL;
}

/* A legacy INTx line may be shared: the one bound device without MSI
 * vectors whose `irq` it is, or among several the one whose driver names
 * an action; otherwise nobody. */
static const struct irq_device *pci_by_legacy(const struct irq_info *p, int irq, const char *actions)
{
	const struct irq_device *found = NULL;
	int n = 0;

	if (irq <= 0)
		return NULL;
	for (size_t i = 0; i < p->ndevices; i++) {
		const struct irq_device *d = &p->devices[i];

		if (d->legacy != irq || d->nmsi || !d->driver)
			continue;
		if (actions && strstr(actions, d->driver))
			return d;
		found = d;
		n++;
	}
	return n == 1 ? found : NULL;
}

/* "0000:41:00.0" inside an irq chip name ("IR-PCI-MSIX-0000:41:00.0"). */
static bool bdf_in_chip(const char *chip, char *out, size_t size)
{
	for (const char *s = chip; *s; s++) {
		unsigned dom, bus, dev, fn;
		int n = 0;

		if (s != chip && s[-1] != '-')
			continue;
		if (sscanf(s, "%8x:%2x:%2x.%1u%n", &dom, &bus, &dev, &fn, &n) == 4 && n >= 12 && !isalnum((unsigned char)s[n])) {
			snprintf(out, size, "%04x:%02x:%02x.%u", dom, bus, dev, fn);
			return true;
		}
	}
	return false;
}

/* Columns between the chip and the action names: a hardware IRQ number,
 * "5-edge", "-fasteoi", "Level", "Edge". */
static bool is_hwirq_or_flow(const char *w)
{
	static const char *const flows[] = {"edge", "level", "fasteoi", "simple", "percpu"};
	const char *p = w;

	while (isdigit((unsigned char)*p))
		p++;
	if (!*p && p != w)
		return true;
	if (*p == '-' && (p != w || p[1]))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(flows); i++)
		if (!strcasecmp(w, flows[i]))
			return true;
	return false;
}

static int count_cpu_columns(const char *header)
{
	_cleanup_strv_ char **words = NULL;
	int n = 0;

	if (strv_split(header, " \t", &words) < 0)
		return -ENOMEM;
	for (size_t i = 0; words[i]; i++)
		n += startswith(words[i], "CPU");
	return n;
}

/* Past "N:" and the per-CPU counts; NULL for rows that are not a numbered
 * IRQ (NMI, LOC, ERR...). */
static char *row_rest(char *line, int ncpus, int *irq)
{
	char *p = line + strspn(line, " \t"), *end;
	long v;

	errno = 0;
	v = strtol(p, &end, 10);
	if (end == p || *end != ':' || errno || v < 0 || v > INT_MAX)
		return NULL;
	*irq = (int)v;
	p = end + 1;
	/* A column a time by hand: 1,024 CPUs x 1,000 IRQs are a million
	 * columns, and two strspn calls each were a tenth of the probe. */
	for (int i = 0; i < ncpus; i++) {
		char *q = p, *digit;

		while (*q == ' ' || *q == '\t')
			q++;
		for (digit = q; *digit >= '0' && *digit <= '9';)
			digit++;
		if (digit == q || (*digit && !isspace((unsigned char)*digit)))
			break;
		p = digit;
	}
	return p;
}

static int parse_row_columns(const char *rest, struct irq_entry *e)
{
	_cleanup_strv_ char **words = NULL;
	size_t i = 1;
	int r;

	r = strv_split(rest, " \t", &words);
	if (r < 0)
		return r;
	if (!words[0])
		return 0;
	if (!(e->chip = strdup(words[0])))
		return -ENOMEM;
	while (words[i] && is_hwirq_or_flow(words[i]))
		i++;
	if (words[i] && !(e->name = strv_join(words + i, " ")))
		return -ENOMEM;
	return 0;
}

static int add_entry(struct irq_info *info, size_t *cap, int irq, struct irq_entry **ret)
{
	if (info->nirqs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct irq_entry *v = realloc(info->irqs, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		info->irqs = v;
		*cap = ncap;
	}
	*ret = &info->irqs[info->nirqs++];
	**ret = (struct irq_entry){.irq = irq, .node = UNKNOWN, .device_node = UNKNOWN, .affinity_writable = -1};
	return 0;
}

/* proc/interrupts, a line at a time (sr_read_lines): the header, whose
 * CPU columns every row has, then the rows. */
struct interrupts_reader {
	struct irq_info *info;
	size_t cap;                 /* of info->irqs */
	int ncpus;                  /* -1 before the header */
};

static int interrupts_line(char *line, void *arg)
{
	struct interrupts_reader *p = arg;
	struct irq_entry *e;
	char *rest;
	int irq, r;

	if (!*line)
		return 0;
	if (p->ncpus < 0) {
		p->ncpus = count_cpu_columns(line);
		return p->ncpus < 0 ? p->ncpus : 0;
	}
	if (!(rest = row_rest(line, p->ncpus, &irq)))
		return 0;
	if ((r = add_entry(p->info, &p->cap, irq, &e)) < 0 || (r = parse_row_columns(rest, e)) < 0)
		return r;
	return 0;
}

static int attach_device(const struct irq_info *p, const struct irq_owners *o, struct irq_entry *e)
{
	const struct irq_device *d = pci_by_msi(o, e->irq);
	char bdf[32];

	if (!d && e->chip && bdf_in_chip(e->chip, bdf, sizeof(bdf))) {
		d = pci_by_bdf(p, bdf);
		if (!d)
			return (e->device = strdup(bdf)) ? 0 : -ENOMEM;
	}
	if (!d)
		d = pci_by_legacy(p, e->irq, e->name);
	if (!d)
		return 0;
	e->device_node = d->node;
	if (!(e->device = strdup(d->bdf)) || (d->driver && !(e->driver = strdup(d->driver))))
		return -ENOMEM;
	return 0;
}

/* The affinity files' mode: 1 writable, 0 read-only, -1 unknown. */
static int affinity_mode(const struct sysroot *dir)
{
	struct stat st;

	if (sr_stat(dir, &st, "smp_affinity") < 0)
		return -1;
	return (st.st_mode & 0222) != 0;
}

/* 1 managed, 0 not, -1 unknown; irqs: a view of debugfs' irq/irqs, or
 * NULL where there is none. */
static int debugfs_managed(const struct sysroot *irqs, int irq)
{
	_cleanup_free_ char *text = NULL;

	if (!irqs || sr_read_file(irqs, &text, NULL, "%d", irq) < 0)
		return -1;
	return strstr(text, "IRQD_AFFINITY_MANAGED") != NULL;
}

/* proc/irq/N, through a view of it: one resolution for its four files. */
static int read_affinity(const struct sysroot *sr, struct irq_entry *e)
{
	struct sysroot dir;
	int64_t node;
	int r;

	r = sysroot_at(sr, &dir, "proc/irq/%d", e->irq);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	r = sr_read_cpulist(&dir, &e->affinity, "smp_affinity_list");
	if (r < 0 && r != -ENOMEM)
		r = sr_read_cpumask(&dir, &e->affinity, "smp_affinity");
	if (r != -ENOMEM) {
		r = sr_read_cpulist(&dir, &e->effective, "effective_affinity_list");
		if (r < 0 && r != -ENOMEM)
			r = sr_read_cpumask(&dir, &e->effective, "effective_affinity");
	}
	if (r != -ENOMEM) {
		if (sr_read_s64(&dir, &node, "node") == 0 && node >= 0 && node < INT_MAX)
			e->node = (int)node;
		e->affinity_writable = affinity_mode(&dir);
		r = 0;
	}
	sysroot_at_release(&dir);
	return r;
}

/* nvme's I/O queue vectors ("nvme0q1"...; q0 is the admin queue) have
 * been allocated with PCI_IRQ_AFFINITY, hence managed, since Linux 4.8. */
static bool nvme_io_queue(const struct irq_entry *e)
{
	unsigned ctrl, queue;
	int n = 0;

	if (!e->driver || strcmp(e->driver, "nvme") || !e->name)
		return false;
	return sscanf(e->name, "nvme%uq%u%n", &ctrl, &queue, &n) == 2 && !e->name[n] && queue > 0;
}

static void decide_managed(const struct sysroot *sr, struct irq_info *info)
{
	struct sysroot irqs;
	bool have_irqs = sysroot_at(sr, &irqs, "sys/kernel/debug/irq/irqs") == 0;

	info->mode_trusted = sr->live;
	for (size_t i = 0; i < info->nirqs && !info->mode_trusted; i++)
		info->mode_trusted = info->irqs[i].affinity_writable == 1;
	for (size_t i = 0; i < info->nirqs; i++) {
		struct irq_entry *e = &info->irqs[i];
		int dbg = debugfs_managed(have_irqs ? &irqs : NULL, e->irq);

		if (dbg >= 0) {
			e->managed = dbg == 1;
			e->managed_source = e->managed ? "debugfs" : NULL;
		} else if (info->mode_trusted && e->affinity_writable == 0 && e->device && e->chip &&
			   strstr(e->chip, "MSI")) {
			e->managed = true;
			e->managed_source = "read-only smp_affinity";
		} else if (nvme_io_queue(e)) {
			e->managed = true;
			e->managed_source = "nvme I/O queue";
		}
	}
	if (have_irqs)
		sysroot_at_release(&irqs);
}

/* Effective CPUs outside the device's node; with only the allowed set
 * known, none of it on the node (an all-CPU mask is not remote). */
static void decide_remote(const struct host *h, struct irq_entry *e)
{
	const struct numa_node *n = e->device_node >= 0 ? host_node(h, e->device_node) : NULL;
	bool effective = e->effective && cpuset_count(e->effective) > 0;

	if (!n || !n->cpus || !cpuset_count(n->cpus))
		return;
	if (effective)
		e->remote = !cpuset_subset(e->effective, n->cpus);
	else if (e->affinity && cpuset_count(e->affinity))
		e->remote = !cpuset_intersects(e->affinity, n->cpus);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* proc/PID/comm of every process; nothing else of a process is read. */
int irq_irqbalance_running(const struct sysroot *sr, bool *ret)
{
	_cleanup_strv_ char **names = NULL;
	int r;

	*ret = false;
	r = sr_list(sr, "", &names, "proc");
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; names[i] && !*ret; i++) {
		_cleanup_free_ char *comm = NULL;

		if (!all_digits(names[i]))
			continue;
		if (sr_read_string(sr, &comm, "proc/%s/comm", names[i]) == 0)
			*ret = !strcmp(comm, "irqbalance");
	}
	return 0;
}

int irq_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	struct irq_info *info = &h->irq;
	struct interrupts_reader reader = {.info = info, .ncpus = -1};
	struct irq_owners owners = {0};
	int r;

	r = irq_irqbalance_running(sr, &info->irqbalance_running);
	if (r >= 0)
		r = read_pci(sr, opt->pci_dump || !h->pci.method ? NULL : &h->pci, info);
	if (r < 0)
		return r;
	r = sr_read_lines(sr, interrupts_line, &reader, "proc/interrupts");
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		irq_entries_free(info); /* unreadable: no IRQs, as without the file */
		return 0;
	}
	r = index_owners(info, &owners);
	for (size_t i = 0; r >= 0 && i < info->nirqs; i++) {
		r = attach_device(info, &owners, &info->irqs[i]);
		if (r >= 0)
			r = read_affinity(sr, &info->irqs[i]);
	}
	free(owners.v);
	if (r < 0)
		return r;
	decide_managed(sr, info);
	for (size_t i = 0; i < info->nirqs; i++)
		decide_remote(h, &info->irqs[i]);
	return 0;
}

void irq_probe_release(struct host *h)
{
	irq_entries_free(&h->irq);
	irq_devices_free(&h->irq);
	memset(&h->irq, 0, sizeof(h->irq));
}

const int *host_device_irqs(const struct host *h, const char *bdf, size_t *n)
{
	const struct irq_device *d = pci_by_bdf(&h->irq, bdf);

	*n = d ? (d->nmsi ? d->nmsi : d->legacy > 0) : 0;
	return !d ? NULL : d->nmsi ? d->msi : &d->legacy;
}
