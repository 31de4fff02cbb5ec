/* Health sources (see health.h). Reads, under sys/devices/system/cpu,
 * cpuN/cpufreq/{scaling_cur_freq,base_frequency,cpuinfo_max_freq} and
 * cpuN/acpi_cppc/nominal_freq; proc/cpuinfo ("cpu MHz") where cpufreq is
 * absent; sys/class/hwmon/hwmonN/tempK_{input,label,crit,max};
 * sys/class/powercap/ZONE/{energy_uj,max_energy_range_uj,name};
 * sys/devices/system/edac/mc/mcN/{ce_count,ue_count} and its dimmK or
 * rankK dimm_{ce,ue}_count and dimm_label; sys/bus/pci/devices/BDF/
 * aer_dev_{correctable,fatal,nonfatal}, current_link_{speed,width} and
 * class; and the MCE line of proc/interrupts. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sysroot.h"
#include "common/util.h"
#include "probes/health.h"

#define CPU_DIR "sys/devices/system/cpu"
#define HWMON_DIR "sys/class/hwmon"
#define POWERCAP_DIR "sys/class/powercap"
#define EDAC_DIR "sys/devices/system/edac/mc"
#define PCI_DIR "sys/bus/pci/devices"

static int grow(void **v, size_t n, size_t size)
{
	void *p;

	/* capacity: 4, then doubling; full when n is 4, 8, 16... */
	if (n != 0 && (n < 4 || (n & (n - 1))))
		return 0;
	p = reallocarray(*v, n ? 2 * n : 4, size);
	if (!p)
		return -ENOMEM;
	*v = p;
	return 0;
}

/* ---- CPU clocks ---- */

static int discover_clocks(const struct sysroot *sr, struct health_sources *s)
{
	_cleanup_free_ int *ids = NULL;
	size_t n = 0;
	uint64_t khz;
	int r;

	s->base_mhz = s->max_mhz = NAN;
	if (sr_list_ids(sr, "cpu", &ids, &n, CPU_DIR) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		if (sr_read_u64(sr, &khz, CPU_DIR "/cpu%d/cpufreq/scaling_cur_freq", ids[i]) < 0)
			continue;
		r = grow((void **)&s->cpus, s->ncpus, sizeof(int));
		if (r < 0)
			return r;
		s->cpus[s->ncpus++] = ids[i];
	}
	if (s->ncpus) {
		int c = s->cpus[0];

		if (sr_read_u64(sr, &khz, CPU_DIR "/cpu%d/cpufreq/base_frequency", c) == 0)
			s->base_mhz = khz / 1000.0;
		else if (sr_read_u64(sr, &khz, CPU_DIR "/cpu%d/acpi_cppc/nominal_freq", c) == 0 && khz)
			s->base_mhz = khz;     /* acpi_cppc speaks MHz */
		if (sr_read_u64(sr, &khz, CPU_DIR "/cpu%d/cpufreq/cpuinfo_max_freq", c) == 0)
			s->max_mhz = khz / 1000.0;
		if (isnan(s->base_mhz))
			return strv_extend(&s->missing, "no base clock (cpufreq base_frequency, acpi_cppc "
					   "nominal_freq): throttling below base cannot be told");
		return 0;
	}
	s->clock_from_cpuinfo = sr_exists(sr, "proc/cpuinfo");
	return strv_extend(&s->missing, s->clock_from_cpuinfo
			   ? "no cpufreq: clocks from /proc/cpuinfo 'cpu MHz' (on a VM the host's nominal "
			     "clock, not what the cores run at); no base clock"
			   : "no cpufreq and no /proc/cpuinfo: no CPU clock");
}

/* "cpu MHz\t\t: 2994.374" lines, one per CPU. */
static int cpuinfo_clocks(const struct sysroot *sr, double **ret, size_t *n)
{
	_cleanup_free_ char *text = NULL;
	double *v = NULL;
	size_t k = 0;
	int r;

	r = sr_read_file(sr, &text, NULL, "proc/cpuinfo");
	if (r < 0)
		return r;
	for (char *p = text; (p = strstr(p, "cpu MHz")); p++) {
		char *colon = strchr(p, ':');
		double mhz;

		if (!colon || sscanf(colon + 1, "%lf", &mhz) != 1)
			continue;
		if (grow((void **)&v, k, sizeof(double)) < 0) {
			free(v);
			return -ENOMEM;
		}
		v[k++] = mhz;
	}
	*ret = v;
	*n = k;
	return 0;
}

int health_read_clocks(const struct sysroot *sr, const struct health_sources *s,
		       double *min, double *median, double *max)
{
	_cleanup_free_ double *v = NULL;
	size_t k = 0;
	uint64_t khz;

	if (s->clock_from_cpuinfo) {
		if (cpuinfo_clocks(sr, &v, &k) < 0)
			k = 0;
	} else if (s->ncpus) {
		v = calloc(s->ncpus, sizeof(double));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < s->ncpus; i++)
			if (sr_read_u64(sr, &khz, CPU_DIR "/cpu%d/cpufreq/scaling_cur_freq", s->cpus[i]) == 0)
				v[k++] = khz / 1000.0;
	}
	return doubles_min_median_max(v, k, 1, min, median, max);
}

/* ---- temperatures ---- */

static double read_millideg(const struct sysroot *sr, const char *path)
{
	int64_t v;

	return sr_read_s64(sr, &v, "%s", path) == 0 ? v / 1000.0 : NAN;
}

static int add_temp(const struct sysroot *sr, struct health_sources *s, const char *hw,
		    const char *chip, const char *input)
{
	_cleanup_free_ char *label = NULL, *base = NULL, *crit = NULL, *max = NULL;
	struct health_temp *t;
	size_t stem = strlen(input) - strlen("_input");
	int r;

	base = xasprintf("%s/%s/%.*s", HWMON_DIR, hw, (int)stem, input);
	if (!base)
		return -ENOMEM;
	crit = xasprintf("%s_crit", base);
	max = xasprintf("%s_max", base);
	r = grow((void **)&s->temps, s->ntemps, sizeof(*s->temps));
	if (r < 0 || !crit || !max)
		return -ENOMEM;
	if (sr_read_string(sr, &label, "%s_label", base) < 0 || !*label) {
		free(label);
		label = strndup(input, stem);
	}
	t = &s->temps[s->ntemps];
	*t = (struct health_temp) {
		.id = xasprintf("%s/%s", chip, label ? label : "?"),
		.input = xasprintf("%s_input", base),
		.crit_c = read_millideg(sr, crit),
		.max_c = read_millideg(sr, max),
	};
	if (!t->id || !t->input) {
		free(t->id);
		free(t->input);
		return -ENOMEM;
	}
	s->ntemps++;
	return 0;
}

/* Two sockets have two k10temp chips, each with its "Tctl": such ids get
 * the chip's device, "k10temp@0000:00:18.3/Tctl", so each stays unique. */
static int disambiguate_temp(const struct sysroot *sr, struct health_temp *t)
{
	_cleanup_free_ char *dev = NULL, *hw = NULL;
	const char *slash = strchr(t->id, '/');
	char *id;

	/* input is "sys/class/hwmon/hwmonN/tempK_input" */
	hw = strndup(t->input, strrchr(t->input, '/') - t->input);
	if (!hw || !slash)
		return -ENOMEM;
	if (sr_readlink(sr, &dev, true, "%s/device", hw) < 0)
		dev = strdup(strrchr(hw, '/') + 1);
	id = dev ? xasprintf("%.*s@%s%s", (int)(slash - t->id), t->id, dev, slash) : NULL;
	if (!id)
		return -ENOMEM;
	free(t->id);
	t->id = id;
	return 0;
}

static int make_temp_ids_unique(const struct sysroot *sr, struct health_sources *s)
{
	_cleanup_free_ bool *dup = calloc(s->ntemps + 1, sizeof(bool));

	if (!dup)
		return -ENOMEM;
	for (size_t i = 0; i < s->ntemps; i++)
		for (size_t j = i + 1; j < s->ntemps; j++)
			if (!strcmp(s->temps[i].id, s->temps[j].id))
				dup[i] = dup[j] = true;
	for (size_t i = 0; i < s->ntemps; i++)
		if (dup[i] && disambiguate_temp(sr, &s->temps[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int discover_temps(const struct sysroot *sr, struct health_sources *s)
{
	_cleanup_strv_ char **chips = NULL;
	int r;

	if (sr_list(sr, "hwmon", &chips, HWMON_DIR) < 0)
		chips = NULL;
	for (char **hw = chips; hw && *hw; hw++) {
		_cleanup_strv_ char **files = NULL;
		_cleanup_free_ char *name = NULL;

		if (sr_read_string(sr, &name, HWMON_DIR "/%s/name", *hw) < 0)
			name = strdup(*hw);
		if (!name || sr_list(sr, "temp", &files, HWMON_DIR "/%s", *hw) < 0)
			continue;
		for (char **f = files; *f; f++)
			if (endswith(*f, "_input") && (r = add_temp(sr, s, *hw, name, *f)) < 0)
				return r;
	}
	if (s->ntemps == 0)
		return strv_extend(&s->missing, "no hwmon temperature sensor (k10temp, coretemp, "
				   "spd5118, nvme)");
	return make_temp_ids_unique(sr, s);
}

void health_read_temps(const struct sysroot *sr, const struct health_sources *s, double *out)
{
	for (size_t i = 0; i < s->ntemps; i++)
		if (s->temps[i].input)  /* NULL: a GPU's, read through NVML */
			out[i] = read_millideg(sr, s->temps[i].input);
}

/* ---- power ---- */

static int discover_power(const struct sysroot *sr, struct health_sources *s)
{
	_cleanup_strv_ char **zones = NULL;

	if (sr_list(sr, "", &zones, POWERCAP_DIR) < 0)
		zones = NULL;
	for (char **z = zones; z && *z; z++) {
		_cleanup_free_ char *name = NULL;
		struct health_power *p;
		uint64_t v;

		if (sr_read_u64(sr, &v, POWERCAP_DIR "/%s/energy_uj", *z) < 0)
			continue;
		if (grow((void **)&s->power, s->npower, sizeof(*s->power)) < 0)
			return -ENOMEM;
		sr_read_string(sr, &name, POWERCAP_DIR "/%s/name", *z);
		p = &s->power[s->npower];
		*p = (struct health_power) {
			.id = xasprintf("%s %s", *z, name ? name : ""),
			.energy = xasprintf(POWERCAP_DIR "/%s/energy_uj", *z),
		};
		if (!p->id || !p->energy) {
			free(p->id);
			free(p->energy);
			return -ENOMEM;
		}
		sr_read_u64(sr, &p->range_uj, POWERCAP_DIR "/%s/max_energy_range_uj", *z);
		s->npower++;
	}
	if (s->npower == 0)
		return strv_extend(&s->missing, "no powercap energy counter (intel-rapl, AMD RAPL): "
				   "no package or DRAM power");
	return 0;
}

void health_read_energy(const struct sysroot *sr, const struct health_sources *s, uint64_t *out)
{
	for (size_t i = 0; i < s->npower; i++)
		if (sr_read_u64(sr, &out[i], "%s", s->power[i].energy) < 0)
			out[i] = HEALTH_UNREAD;
}

double health_power_watts(uint64_t before, uint64_t after, uint64_t range_uj, double dt)
{
	uint64_t d;

	if (before == HEALTH_UNREAD || after == HEALTH_UNREAD || dt <= 0)
		return NAN;
	if (after >= before)
		d = after - before;
	else if (range_uj > before)
		d = range_uj - before + after;  /* wrapped */
	else
		return NAN;
	return d / 1e6 / dt;
}

/* ---- error counters ---- */

static int add_counter(struct health_sources *s, enum health_counter_kind kind, bool per_dimm,
		       const char *key, char *id, char *subject, char *path)
{
	if (!id || !subject || !path || grow((void **)&s->counters, s->ncounters, sizeof(*s->counters)) < 0) {
		free(id);
		free(subject);
		free(path);
		return -ENOMEM;
	}
	s->counters[s->ncounters++] = (struct health_counter) {
		.id = id, .subject = subject, .path = path, .key = key, .kind = kind, .per_dimm = per_dimm,
	};
	return 0;
}

/* dimm* (EDAC with per-DIMM info) or rank* (per-rank) below one controller. */
static int discover_dimms(const struct sysroot *sr, struct health_sources *s, const char *mc,
			  const char *prefix)
{
	_cleanup_strv_ char **dimms = NULL;
	int r = 0;

	if (sr_list(sr, prefix, &dimms, EDAC_DIR "/%s", mc) < 0)
		return 0;
	for (char **d = dimms; *d && r >= 0; d++) {
		_cleanup_free_ char *label = NULL;
		const char *dir = EDAC_DIR;

		if (!sr_exists(sr, "%s/%s/%s/dimm_ce_count", dir, mc, *d))
			continue;
		if (sr_read_string(sr, &label, "%s/%s/%s/dimm_label", dir, mc, *d) < 0 || !*label) {
			free(label);
			label = xasprintf("%s %s", mc, *d);
		}
		r = add_counter(s, HEALTH_CORRECTED, true, NULL, xasprintf("edac.%s.%s.ce", mc, *d),
				xasprintf("DIMM %s (%s %s)", label ? label : "?", mc, *d),
				xasprintf("%s/%s/%s/dimm_ce_count", dir, mc, *d));
		if (r >= 0)
			r = add_counter(s, HEALTH_UNCORRECTED, true, NULL, xasprintf("edac.%s.%s.ue", mc, *d),
					xasprintf("DIMM %s (%s %s)", label ? label : "?", mc, *d),
					xasprintf("%s/%s/%s/dimm_ue_count", dir, mc, *d));
	}
	return r;
}

static int discover_edac(const struct sysroot *sr, struct health_sources *s)
{
	_cleanup_strv_ char **mcs = NULL;
	int r = 0;

	if (sr_list(sr, "mc", &mcs, EDAC_DIR) < 0 || !mcs[0])
		return strv_extend(&s->missing, "no EDAC memory controller: corrected and uncorrected "
				   "memory errors are not counted (no ECC, or no EDAC driver loaded)");
	for (char **mc = mcs; *mc && r >= 0; mc++) {
		if (!sr_exists(sr, EDAC_DIR "/%s/ce_count", *mc))
			continue;
		r = add_counter(s, HEALTH_CORRECTED, false, NULL, xasprintf("edac.%s.ce", *mc),
				xasprintf("memory controller %s", *mc), xasprintf(EDAC_DIR "/%s/ce_count", *mc));
		if (r >= 0)
			r = add_counter(s, HEALTH_UNCORRECTED, false, NULL, xasprintf("edac.%s.ue", *mc),
					xasprintf("memory controller %s", *mc),
					xasprintf(EDAC_DIR "/%s/ue_count", *mc));
		if (r >= 0)
			r = discover_dimms(sr, s, *mc, "dimm");
		if (r >= 0)
			r = discover_dimms(sr, s, *mc, "rank");
	}
	return r;
}

static const struct {
	const char *file, *key, *suffix;
	enum health_counter_kind kind;
} aer_files[] = {
	{"aer_dev_correctable", "TOTAL_ERR_COR", "correctable", HEALTH_CORRECTED},
	{"aer_dev_nonfatal", "TOTAL_ERR_NONFATAL", "nonfatal", HEALTH_UNCORRECTED},
	{"aer_dev_fatal", "TOTAL_ERR_FATAL", "fatal", HEALTH_UNCORRECTED},
};

static int discover_pci_device(const struct sysroot *sr, struct health_sources *s, const char *bdf,
			       bool *any_aer)
{
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(aer_files) && r >= 0; i++) {
		if (!sr_exists(sr, PCI_DIR "/%s/%s", bdf, aer_files[i].file))
			continue;
		*any_aer = true;
		r = add_counter(s, aer_files[i].kind, false, aer_files[i].key,
				xasprintf("aer.%s.%s", bdf, aer_files[i].suffix), xasprintf("PCIe device %s", bdf),
				xasprintf(PCI_DIR "/%s/%s", bdf, aer_files[i].file));
	}
	if (r >= 0 && strlen(bdf) < sizeof(s->links->bdf) &&
	    sr_exists(sr, PCI_DIR "/%s/current_link_speed", bdf)) {
		uint64_t cls;
		struct health_link *l;

		if (grow((void **)&s->links, s->nlinks, sizeof(*s->links)) < 0)
			return -ENOMEM;
		l = &s->links[s->nlinks++];
		*l = (struct health_link) {};
		strcpy(l->bdf, bdf);
		if (sr_read_hex(sr, &cls, PCI_DIR "/%s/class", bdf) == 0)
			l->pci_class = (unsigned)(cls >> 8);
	}
	return r;
}

static int discover_pci(const struct sysroot *sr, struct health_sources *s)
{
	_cleanup_strv_ char **devs = NULL;
	bool any_aer = false;
	int r = 0;

	if (sr_list(sr, "", &devs, PCI_DIR) < 0)
		devs = NULL;
	for (char **d = devs; d && *d && r >= 0; d++)
		r = discover_pci_device(sr, s, *d, &any_aer);
	if (r >= 0 && !any_aer)
		r = strv_extend(&s->missing, "no PCIe AER counters (aer_dev_*): PCIe errors are not counted");
	if (r >= 0 && s->nlinks == 0)
		r = strv_extend(&s->missing, "no PCIe link state (current_link_speed): retraining is not seen");
	return r;
}

/* The "MCE:" line of /proc/interrupts: machine-check exceptions, per CPU. */
static int read_mce(const struct sysroot *sr, const char *path, uint64_t *ret)
{
	_cleanup_free_ char *text = NULL;
	uint64_t sum = 0;
	char *p, *end;
	int r;

	r = sr_read_file(sr, &text, NULL, "%s", path);
	if (r < 0)
		return r;
	/* the name is right-aligned: "  MCE:" at the start of a line */
	for (p = strstr(text, "MCE:"); p; p = strstr(p + 1, "MCE:")) {
		char *q = p;

		while (q > text && q[-1] == ' ')
			q--;
		if (q == text || q[-1] == '\n')
			break;
	}
	if (!p)
		return -ENOENT;
	for (p += 4; ; p = end) {
		unsigned long long v = strtoull(p, &end, 10);

		if (end == p)
			break;
		sum += v;
	}
	*ret = sum;
	return 0;
}

static int discover_mce(const struct sysroot *sr, struct health_sources *s)
{
	uint64_t v;

	if (read_mce(sr, "proc/interrupts", &v) < 0)
		return strv_extend(&s->missing, "no machine-check count (MCE line of /proc/interrupts)");
	return add_counter(s, HEALTH_UNCORRECTED, false, "MCE:", strdup("mce"),
			   strdup("machine-check exceptions (all CPUs)"), strdup("proc/interrupts"));
}

void health_read_counters(const struct sysroot *sr, const struct health_sources *s, uint64_t *out)
{
	for (size_t i = 0; i < s->ncounters; i++) {
		const struct health_counter *c = &s->counters[i];
		int r;

		if (!c->path)   /* a GPU's, read through NVML */
			continue;
		if (!c->key)
			r = sr_read_u64(sr, &out[i], "%s", c->path);
		else if (!strcmp(c->key, "MCE:"))
			r = read_mce(sr, c->path, &out[i]);
		else
			r = sr_read_keyval(sr, c->key, &out[i], "%s", c->path);
		if (r < 0)
			out[i] = HEALTH_UNREAD;
	}
}

void health_read_links(const struct sysroot *sr, const struct health_sources *s,
		       struct health_link_state *out)
{
	for (size_t i = 0; i < s->nlinks; i++) {
		_cleanup_free_ char *speed = NULL;
		int64_t width;

		out[i] = (struct health_link_state) {};
		/* "16.0 GT/s PCIe"; "Unknown" when the link is down */
		if (sr_read_string(sr, &speed, PCI_DIR "/%s/current_link_speed", s->links[i].bdf) == 0)
			out[i].gts = strtod(speed, NULL);
		if (sr_read_s64(sr, &width, PCI_DIR "/%s/current_link_width", s->links[i].bdf) == 0)
			out[i].width = (int)width;
	}
}

/* ---- discovery ---- */

int health_discover(const struct sysroot *sr, struct health_sources *ret)
{
	struct health_sources s = {};
	int r;

	r = discover_clocks(sr, &s);
	if (r >= 0)
		r = discover_temps(sr, &s);
	if (r >= 0)
		r = discover_power(sr, &s);
	if (r >= 0)
		r = discover_edac(sr, &s);
	if (r >= 0)
		r = discover_pci(sr, &s);
	if (r >= 0)
		r = discover_mce(sr, &s);
	if (r < 0) {
		health_sources_release(&s);
		return r;
	}
	*ret = s;
	return 0;
}

void health_sources_keep_cpus(struct health_sources *s, const int *cpus, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->ncpus; i++)
		for (size_t j = 0; j < n; j++)
			if (s->cpus[i] == cpus[j]) {
				s->cpus[kept++] = s->cpus[i];
				break;
			}
	s->ncpus = kept;
}

void health_sources_release(struct health_sources *s)
{
	for (size_t i = 0; i < s->ntemps; i++) {
		free(s->temps[i].id);
		free(s->temps[i].input);
	}
	for (size_t i = 0; i < s->npower; i++) {
		free(s->power[i].id);
		free(s->power[i].energy);
	}
	for (size_t i = 0; i < s->ncounters; i++) {
		free(s->counters[i].id);
		free(s->counters[i].subject);
		free(s->counters[i].path);
	}
	free(s->cpus);
	free(s->temps);
	free(s->power);
	free(s->counters);
	free(s->links);
	strv_free(s->missing);
	*s = (struct health_sources) {};
}
