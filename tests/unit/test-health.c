/* Health under load (probes/health.c, verify/sampler.c,
 * verify/health-findings.c) on a tree built here, whose files this test
 * rewrites while the sampler thread reads them: discovery of every kind
 * of source and what a bare host lacks; clocks, temperatures with limits,
 * power from energy counters (wraps included); and each finding a user
 * acts on: clocks below base, a temperature at its critical or max limit,
 * corrected errors naming the DIMM or device, uncorrected ones failing, a
 * machine check, a link that trained down or retrained and recovered, a
 * GPU's idle link speed as a note, and the burn-in's last minute more
 * than 10 % below the first (from 90 s on); a long record thinning to
 * every other sample. The quiet run of the same tree finds
 * nothing, so each finding is caused by the change. NVIDIA GPUs through
 * the fake NVML on the live root, its temperatures and counters changed
 * between the sampler's reads, XID events arriving during the run (a
 * hardware fault fails, another XID warns) and a driver without events. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/sysroot.h"
#include "common/util.h"
#include "tune/finding.h"
#include "verify/health.h"
#include "tap.h"

static char root[] = "/tmp/rigtune-health-XXXXXX";
static char root_path_buf[600];
#define ROOT_PATH(rel) (snprintf(root_path_buf, sizeof(root_path_buf), "%s/%s", root, rel), root_path_buf)

static void mkdirs(const char *path)
{
	char buf[600];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
}

/* Write a file of the tree whole: a temporary file renamed over it, so the
 * sampler never reads half a value. */
static __attribute__((format(printf, 2, 3))) void put(const char *rel, const char *fmt, ...)
{
	char path[512], tmp[520];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	mkdirs(path);
	f = fopen(tmp, "w");
	if (!f)
		abort();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	rename(tmp, path);
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

#define CPU "sys/devices/system/cpu/"
#define HW "sys/class/hwmon/"
#define EDAC "sys/devices/system/edac/mc/"
#define PCI "sys/bus/pci/devices/"

static void set_clocks(int khz)
{
	for (int c = 0; c < 4; c++) {
		char p[128];

		snprintf(p, sizeof(p), CPU "cpu%d/cpufreq/scaling_cur_freq", c);
		put(p, "%d\n", khz);
	}
}

static void set_link(const char *bdf, const char *speed, int width)
{
	char p[128];

	snprintf(p, sizeof(p), PCI "%s/current_link_speed", bdf);
	put(p, "%s\n", speed);
	snprintf(p, sizeof(p), PCI "%s/current_link_width", bdf);
	put(p, "%d\n", width);
}

static void set_aer(const char *bdf, int cor, int fatal)
{
	char p[128];

	snprintf(p, sizeof(p), PCI "%s/aer_dev_correctable", bdf);
	put(p, "RxErr %d\nBadTLP 0\nTOTAL_ERR_COR %d\n", cor, cor);
	snprintf(p, sizeof(p), PCI "%s/aer_dev_fatal", bdf);
	put(p, "DLP 0\nTOTAL_ERR_FATAL %d\n", fatal);
	snprintf(p, sizeof(p), PCI "%s/aer_dev_nonfatal", bdf);
	put(p, "TOTAL_ERR_NONFATAL 0\n");
}

static void set_mce(int n)
{
	put("proc/interrupts", "           CPU0       CPU1\n  0:         44          0   IO-APIC    2-edge      timer\n"
	    "NMI:          0          0   Non-maskable interrupts\n"
	    "MCE:          0 %10d   Machine check exceptions\n"
	    "MCP:         12         12   Machine check polls\n", n);
}

/* An EPYC-like tree: 4 CPUs at 3.0 GHz (base 2.4), k10temp and a DIMM
 * sensor, one RAPL zone, two memory controllers, three PCIe devices. */
static void build_tree(void)
{
	for (int c = 0; c < 4; c++) {
		char p[128];

		snprintf(p, sizeof(p), CPU "cpu%d/cpufreq/base_frequency", c);
		put(p, "2400000\n");
		snprintf(p, sizeof(p), CPU "cpu%d/cpufreq/cpuinfo_max_freq", c);
		put(p, "3700000\n");
		snprintf(p, sizeof(p), CPU "cpu%d/cpufreq/scaling_cur_freq", c);
		put(p, "3000000\n");
	}
	put(HW "hwmon0/name", "k10temp\n");
	put(HW "hwmon0/temp1_label", "Tctl\n");
	put(HW "hwmon0/temp1_input", "50000\n");
	put(HW "hwmon0/temp1_crit", "95000\n");
	put(HW "hwmon2/name", "k10temp\n");      /* the second socket's, same label */
	put(HW "hwmon2/temp1_label", "Tctl\n");
	put(HW "hwmon2/temp1_input", "45000\n");
	mkdirs(ROOT_PATH(PCI "0000:00:19.3/"));
	symlink("../../../bus/pci/devices/0000:00:19.3", ROOT_PATH(HW "hwmon2/device"));
	put(HW "hwmon1/name", "spd5118\n");
	put(HW "hwmon1/temp1_input", "40000\n");
	put(HW "hwmon1/temp1_max", "55000\n");
	put("sys/class/powercap/intel-rapl:0/name", "package-0\n");
	put("sys/class/powercap/intel-rapl:0/energy_uj", "1000000\n");
	put("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
	put(EDAC "mc0/ce_count", "0\n");
	put(EDAC "mc0/ue_count", "0\n");
	put(EDAC "mc0/dimm0/dimm_label", "P0_DIMM_A1\n");
	put(EDAC "mc0/dimm0/dimm_ce_count", "0\n");
	put(EDAC "mc0/dimm0/dimm_ue_count", "0\n");
	put(EDAC "mc0/dimm1/dimm_label", "P0_DIMM_B1\n");
	put(EDAC "mc0/dimm1/dimm_ce_count", "0\n");
	put(EDAC "mc0/dimm1/dimm_ue_count", "0\n");
	put(EDAC "mc1/ce_count", "0\n");
	put(EDAC "mc1/ue_count", "0\n");
	put(EDAC "mc1/rank0/dimm_ce_count", "0\n");
	put(EDAC "mc1/rank0/dimm_ue_count", "0\n");
	put(PCI "0000:41:00.0/class", "0x020000\n");
	put(PCI "0000:81:00.0/class", "0x010802\n");
	put(PCI "0000:c1:00.0/class", "0x030200\n");
	set_link("0000:41:00.0", "32.0 GT/s PCIe", 16);
	set_link("0000:81:00.0", "16.0 GT/s PCIe", 4);
	set_link("0000:c1:00.0", "32.0 GT/s PCIe", 16);
	set_aer("0000:41:00.0", 0, 0);
	set_mce(0);
}

static void test_discover(void)
{
	struct sysroot *sr = NULL;
	struct health_sources s = {};
	double lo, med, hi;
	uint64_t e[1];

	tap_is_int(sysroot_open(root, &sr), 0, "open the tree");
	tap_is_int(health_discover(sr, &s), 0, "discover its sources");
	tap_is_int(s.ncpus, 4, "four CPUs with cpufreq");
	tap_ok(s.base_mhz == 2400 && s.max_mhz == 3700, "base 2400 MHz, boost 3700 MHz");
	tap_is_int(s.ntemps, 3, "three temperature sensors");
	tap_is_str(s.temps[0].id, "k10temp@hwmon0/Tctl", "two chips' Tctl: told apart by hwmon directory");
	tap_is_str(s.temps[2].id, "k10temp@0000:00:19.3/Tctl", "or by the chip's device where it links one");
	tap_is_str(s.temps[1].id, "spd5118/temp1", "a unique sensor: chip and input without a label");
	tap_ok(s.temps[0].crit_c == 95 && isnan(s.temps[0].max_c), "Tctl: critical 95 °C, no max");
	tap_ok(isnan(s.temps[1].crit_c) && s.temps[1].max_c == 55, "the DIMM sensor: max 55 °C");
	tap_ok(isnan(s.temps[2].crit_c) && isnan(s.temps[2].max_c), "no limit files: no limits");
	tap_is_str(s.npower ? s.power[0].id : NULL, "intel-rapl:0 package-0", "one RAPL zone");
	/* mc0 ce/ue, 2 DIMMs x ce/ue, mc1 ce/ue, rank0 ce/ue; AER x3; MCE */
	tap_is_int(s.ncounters, 4 + 4 + 2 + 3 + 1, "every EDAC, AER and MCE counter");
	tap_is_int(s.nlinks, 3, "three PCIe links");
	tap_is_int(strv_length(s.missing), 0, "nothing missing on this tree");
	tap_is_int(health_read_clocks(sr, &s, &lo, &med, &hi), 0, "clocks read");
	tap_ok(lo == 3000 && med == 3000 && hi == 3000, "3000 MHz on every CPU");
	health_read_energy(sr, &s, e);
	tap_ok(e[0] == 1000000, "energy read in µJ");
	health_sources_keep_cpus(&s, (const int[]){3, 1, 7}, 3);
	tap_ok(s.ncpus == 2 && s.cpus[0] == 1 && s.cpus[1] == 3, "clocks narrowed to the loaded CPUs 1 and 3");
	health_sources_release(&s);
	sysroot_free(sr);

	/* a bare tree: the sampler still starts and says what it lacks */
	char empty[600];

	snprintf(empty, sizeof(empty), "%s/empty", root);
	mkdir(empty, 0755);
	tap_is_int(sysroot_open(empty, &sr), 0, "open an empty tree");
	tap_is_int(health_discover(sr, &s), 0, "discovery on a tree without sensors succeeds");
	tap_ok(strv_length(s.missing) >= 6, "and lists what is missing (%zu lines)", strv_length(s.missing));
	tap_is_int(health_read_clocks(sr, &s, &lo, &med, &hi), -ENOENT, "no clock to read");
	health_sources_release(&s);
	sysroot_free(sr);
}

static void test_power(void)
{
	tap_ok(health_power_watts(1000000, 3000000, 0, 2.0) == 1.0, "2 J in 2 s is 1 W");
	tap_ok(fabs(health_power_watts(999000000, 1000000, 1000000000, 1.0) - 2.0) < 1e-9,
	       "a counter that wrapped at its range: 2 W");
	tap_ok(isnan(health_power_watts(HEALTH_UNREAD, 5, 0, 1)), "an unread value gives no power");
	tap_ok(isnan(health_power_watts(5, 4, 0, 1)), "a counter that went back with no range known: unknown");
}

/* Sample every 20 ms for steps of 50 ms, calling change(step) first. */
static struct health_record *sample_for(int steps, void (*change)(int step))
{
	struct health_sampler *s = NULL;
	struct health_record *r = NULL;

	if (health_sampler_start(root, 0.02, NULL, 0, &s) < 0)
		return NULL;
	for (int i = 0; i < steps; i++) {
		if (change)
			change(i);
		sleep_s(0.05);
	}
	if (health_sampler_stop(s, &r) < 0)
		return NULL;
	return r;
}

/* A long burn-in's record halves instead of growing without end. */
static void test_thin(struct health_record *r)
{
	size_t n = r->n, nt = r->src.ntemps;
	double *t = malloc(n * sizeof(double)), *temp = malloc(n * nt * sizeof(double));
	double interval = r->interval_s;
	bool same = true;

	if (!t || !temp)
		abort();
	/* mark every sample so a wrong copy shows */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nt; k++)
			r->temp[i * nt + k] = 1000.0 * i + k;
	memcpy(t, r->t, n * sizeof(double));
	memcpy(temp, r->temp, n * nt * sizeof(double));
	health_record_thin(r);
	tap_is_int(r->n, (n + 1) / 2, "thinning keeps every other sample");
	for (size_t i = 0; i < r->n; i++) {
		same &= r->t[i] == t[2 * i];
		for (size_t k = 0; k < nt; k++)
			same &= r->temp[i * nt + k] == temp[2 * i * nt + k];
	}
	tap_ok(same, "each kept sample keeps its time and every sensor's value");
	tap_ok(r->interval_s == 2 * interval, "and the interval doubles (%.2f s)", r->interval_s);
	free(t);
	free(temp);
}

static void test_quiet_run(void)
{
	struct health_record *r = sample_for(24, NULL);
	struct findings f = {};

	tap_ok(r != NULL, "a quiet run samples");
	if (!r)
		return;
	tap_ok(r->n >= 20, "about 50 samples a second (%zu in %.1f s)", r->n, r->duration_s);
	tap_is_int(health_findings(r, NULL, 0, &f), 0, "findings of a quiet run");
	tap_is_int(f.n, 0, "none: nothing moved, nothing hot, clocks above base");
	for (size_t i = 0; i < f.n; i++)
		printf("# unexpected: %s %s\n", f.v[i].id, f.v[i].evidence);
	tap_ok(r->n > 2 && r->power[r->n - 1] == 0, "an energy counter that stands still: 0 W");
	findings_clear(&f);
	test_thin(r);
	health_record_free(r);
}

/* The trouble, 50 ms steps: at 0.2 s hot, errors, clocks under base for
 * the rest of the run; at 0.3 s links change; at 1.6 s one recovers,
 * after the once-a-second read at 1 s saw it narrow. */
static void trouble(int step)
{
	if (step != 4)
		goto links;
	put(HW "hwmon0/temp1_input", "96000\n");
	put(HW "hwmon1/temp1_input", "57500\n");
	put(EDAC "mc0/ce_count", "3\n");
	put(EDAC "mc0/dimm1/dimm_ce_count", "3\n");
	put(EDAC "mc1/ue_count", "1\n");
	set_aer("0000:41:00.0", 5, 0);
	set_mce(1);
	set_clocks(1800000);
	put("sys/class/powercap/intel-rapl:0/energy_uj", "%d\n", 300000000);
links:
	if (step == 6) {
		set_link("0000:41:00.0", "16.0 GT/s PCIe", 16);
		set_link("0000:81:00.0", "16.0 GT/s PCIe", 2);
		set_link("0000:c1:00.0", "2.5 GT/s PCIe", 16);
	}
	if (step == 32)
		set_link("0000:81:00.0", "16.0 GT/s PCIe", 4);
}

static const struct finding *expect(const struct findings *f, const char *id, enum finding_severity sev,
				    const char *what)
{
	const struct finding *x = findings_find(f, id);

	tap_ok(x && x->severity == sev, "%s: %s is a %s", what, id, finding_severity_name(sev));
	if (x)
		printf("# %s: %s\n", x->subject, x->evidence);
	return x;
}

static void test_trouble(void)
{
	struct health_record *r = sample_for(46, trouble);
	struct findings f = {};
	const struct finding *x;
	double lo, med, hi;

	tap_ok(r != NULL, "a troubled run samples");
	if (!r)
		return;
	tap_is_int(health_findings(r, NULL, 0, &f), 0, "findings of a troubled run");
	x = expect(&f, "health.temp.k10temp@hwmon0/Tctl", FINDING_FAIL, "96 °C on a 95 °C critical sensor");
	tap_ok(x && strstr(x->evidence, "critical limit of 95.0"), "its evidence names the limit");
	expect(&f, "health.temp.spd5118/temp1", FINDING_WARN, "57.5 °C on a DIMM sensor whose max is 55");
	x = expect(&f, "health.edac.mc0.dimm1.ce", FINDING_WARN, "corrected errors on one DIMM");
	tap_ok(x && strstr(x->subject, "P0_DIMM_B1"), "the finding names the DIMM by its label");
	tap_ok(!findings_find(&f, "health.edac.mc0.ce"), "its controller's total is not repeated");
	tap_ok(!findings_find(&f, "health.edac.mc0.dimm0.ce"), "the other DIMM is not blamed");
	x = expect(&f, "health.edac.mc1.ue", FINDING_FAIL, "an uncorrected error no rank owns");
	tap_ok(x && strstr(x->evidence, "0 before the run, 1 after"), "with the counts before and after");
	x = expect(&f, "health.aer.0000:41:00.0.correctable", FINDING_WARN, "corrected PCIe errors");
	tap_ok(x && strstr(x->subject, "0000:41:00.0"), "naming the device");
	tap_ok(!findings_find(&f, "health.aer.0000:41:00.0.fatal"), "no fatal error claimed");
	expect(&f, "health.mce", FINDING_FAIL, "a machine-check exception");
	x = expect(&f, "health.pcie.link.0000:41:00.0", FINDING_WARN, "a NIC link at half speed");
	tap_ok(x && strstr(x->evidence, "trained down"), "said to have trained down");
	x = expect(&f, "health.pcie.link.0000:81:00.0", FINDING_WARN, "an NVMe link x4 -> x2 -> x4");
	tap_ok(x && strstr(x->evidence, "x2") && strstr(x->evidence, "x4 at the end"),
	       "the narrow width is seen though it recovered");
	expect(&f, "health.pcie.link.0000:c1:00.0", FINDING_INFO, "a GPU at 2.5 GT/s with its width kept");
	x = expect(&f, "health.cpu.clock", FINDING_WARN, "1800 MHz under a 2400 MHz base");
	tap_ok(x && strstr(x->evidence, "lowest 1800 MHz"), "with the lowest clock");
	hi = 0;
	doubles_min_median_max(r->power, r->n, 1, &lo, &med, &hi);
	tap_ok(hi > 100, "299 J in one interval shows as a spike of power (%.0f W)", hi);
	tap_ok(health_time_at_or_above(r, 0, 95) > 1.5, "Tctl spent most of the run at its limit (%.1f s)",
	       health_time_at_or_above(r, 0, 95));
	findings_clear(&f);
	health_record_free(r);
}

static void write_sensors(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* During the run GPU 1 (43:00.0) falls off the bus twice (XID 79) and
 * GPU 3 (61:00.0) reports a graphics engine exception (XID 13). */
static void check_xids(const struct health_record *r, const struct findings *f)
{
	const struct finding *x;

	tap_ok(r->src.xid_watch == HEALTH_XID_WATCHED, "XID events watched through the event set");
	tap_ok(r->nxids == 3 && !strcmp(r->xids[0].bdf, "0000:43:00.0") && r->xids[0].xid == 79 &&
	       r->xids[0].t > 0.2 && r->xids[0].t < r->duration_s && !strcmp(r->xids[2].bdf, "0000:61:00.0") &&
	       r->xids[2].xid == 13, "each XID recorded with its GPU, number and time (%zu, first at %.2f s)",
	       r->nxids, r->nxids ? r->xids[0].t : -1.0);
	x = expect(f, "health.gpu.xid.0000:43:00.0.79", FINDING_FAIL, "a GPU fallen off the bus");
	tap_ok(x && strstr(x->evidence, "XID 79 (GPU fallen off the bus) 2 times during the run") &&
	       strstr(x->subject, "0000:43:00.0"), "told once, naming the GPU, the XID and how often");
	expect(f, "health.gpu.xid.0000:61:00.0.13", FINDING_WARN, "an XID that is mostly an application's");
}

/* A driver whose GPUs have no events: said, not an error. */
static void test_xids_unsupported(const char *lib)
{
	struct health_sampler *s = NULL;
	struct health_record *r = NULL;
	char log[600];
	FILE *f;
	char line[64];
	int events = 0, freed = 0;

	snprintf(log, sizeof(log), "%s/nvml-log", root);
	setenv("RIGTUNE_NVML_LIBRARY", lib, 1);
	setenv("FAKENVML_EVENTS", "unsupported", 1);
	setenv("FAKENVML_LOG", log, 1);
	tap_is_int(health_sampler_start("/", 0.05, NULL, 0, &s), 0, "a driver without events samples anyway");
	tap_is_int(s ? health_sampler_stop(s, &r) : -1, 0, "and stops");
	unsetenv("FAKENVML_EVENTS");
	unsetenv("FAKENVML_LOG");
	unsetenv("RIGTUNE_NVML_LIBRARY");
	tap_ok(r && r->src.xid_watch == HEALTH_XID_UNSUPPORTED && r->src.missing &&
	       strv_contains(r->src.missing, "XID events: not supported by this driver"),
	       "\"XID events: not supported by this driver\" among what the host lacks");
	if ((f = fopen(log, "re"))) {
		while (fgets(line, sizeof(line), f)) {
			events += !strcmp(line, "events\n");
			freed += !strcmp(line, "events freed\n");
		}
		fclose(f);
	}
	tap_ok(events == 1 && freed == 1, "its event set created once and freed (%d, %d)", events, freed);
	health_record_free(r);
}

/* GPU 1 (43:00.0) reaches its 87 °C slowdown and corrects 2 ECC errors,
 * GPU 3 (61:00.0) gets an uncorrected one and 7 PCIe replays; GPU 0
 * stays quiet. */
static void test_gpus(void)
{
	const char *build = getenv("BUILDDIR");
	char lib[600], sensors[600], xids[600];
	struct health_sampler *s = NULL;
	struct health_record *r = NULL;
	struct findings f = {};
	const struct finding *x;
	struct timespec pause = {0, 300000000L};

	snprintf(lib, sizeof(lib), "%s/tests/fakenvml/libnvidia-ml-fake.so", build ? build : ".");
	snprintf(sensors, sizeof(sensors), "%s/nvml-sensors", root);
	snprintf(xids, sizeof(xids), "%s/nvml-xids", root);
	write_sensors(sensors, "0 35 0 0 0\n1 40 0 0 0\n3 40 0 0 0\n");
	write_sensors(xids, "");
	setenv("RIGTUNE_NVML_LIBRARY", lib, 1);
	setenv("FAKENVML_SENSORS", sensors, 1);
	setenv("FAKENVML_XIDS", xids, 1);
	tap_is_int(health_sampler_start("/", 0.05, NULL, 0, &s), 0, "the live root samples with NVML");
	nanosleep(&pause, NULL);
	write_sensors(sensors, "0 35 0 0 0\n1 88 2 0 0\n3 40 0 1 7\n");
	write_sensors(xids, "1 79\n1 79\n3 13\n");
	nanosleep(&pause, NULL);
	tap_is_int(s ? health_sampler_stop(s, &r) : -1, 0, "and stops");
	unsetenv("FAKENVML_SENSORS");
	unsetenv("FAKENVML_XIDS");
	unsetenv("RIGTUNE_NVML_LIBRARY");
	if (!r)
		return;
	tap_is_int(health_findings(r, NULL, 0, &f), 0, "findings with GPUs");
	x = expect(&f, "health.temp.nvml/0000:43:00.0", FINDING_WARN, "a GPU at its slowdown threshold");
	tap_ok(x && strstr(x->evidence, "87"), "its evidence names the slowdown threshold");
	x = expect(&f, "health.nvml.0000:43:00.0.ecc.ce", FINDING_WARN, "corrected ECC errors on a GPU");
	tap_ok(x && strstr(x->subject, "GPU 0000:43:00.0"), "naming the GPU");
	x = expect(&f, "health.nvml.0000:61:00.0.ecc.ue", FINDING_FAIL, "an uncorrected ECC error");
	tap_ok(x && strstr(x->evidence, "0 before the run, 1 after"), "with the counts before and after");
	expect(&f, "health.nvml.0000:61:00.0.pcie_replay", FINDING_WARN, "PCIe replays on a GPU");
	tap_ok(!findings_find(&f, "health.temp.nvml/0000:1b:00.0") &&
	       !findings_find(&f, "health.nvml.0000:1b:00.0.ecc.ce") &&
	       !findings_find(&f, "health.nvml.0000:43:00.0.ecc.ue"), "the quiet GPU and counters are not blamed");
	check_xids(r, &f);
	findings_clear(&f);
	health_record_free(r);
	test_xids_unsupported(lib);
}

static void test_bandwidth(void)
{
	struct bench_point p[300];
	struct findings f = {};

	for (int i = 0; i < 300; i++)
		p[i] = (struct bench_point) { .t = 10 + i, .gbps = i < 60 ? 100 : i >= 240 ? 95 : 98 };
	tap_ok(health_window_length(p, 300) == 60, "a 5-minute burn-in compares whole minutes");
	tap_is_int(health_findings(NULL, p, 300, &f), 0, "findings of a 5 % drop");
	tap_is_int(f.n, 0, "5 % is within the 10 % allowed");
	for (int i = 240; i < 300; i++)
		p[i].gbps = 85;
	tap_is_int(health_findings(NULL, p, 300, &f), 0, "findings of a 15 % drop");
	expect(&f, "health.burnin.bandwidth", FINDING_WARN, "the last minute 15 % below the first");
	tap_ok(f.n && strstr(f.v[0].evidence, "triad 85.") && strstr(f.v[0].evidence, "100.0 GB/s"),
	       "both minutes' figures are in the evidence");
	findings_clear(&f);
	for (int i = 0; i < 91; i++)
		p[i] = (struct bench_point) { .t = 10 + i, .gbps = i < 30 ? 100 : i >= 60 ? 50 : 75 };
	tap_ok(health_window_length(p, 91) == 45, "a 90 s burn-in compares its halves");
	tap_is_int(health_findings(NULL, p, 91, &f), 0, "findings of a 90 s burn-in halving");
	expect(&f, "health.burnin.bandwidth", FINDING_WARN, "judged from 90 s on");
	findings_clear(&f);
	tap_is_int(health_findings(NULL, p, 80, &f), 0, "findings of an 80 s burn-in");
	tap_is_int(f.n, 0, "too short to tell a trend from noise");
	tap_is_int(health_findings(NULL, p, 1, &f), 0, "one point");
	tap_is_int(f.n, 0, "compares nothing");
	{
		double first, last, w;

		p[0] = (struct bench_point){.t = 2.1, .gbps = 20};
		health_first_last(p, 1, &first, &last, &w);
		tap_ok(first == 20 && last == 20, "one point is both the first and the last window (was: first NaN)");
		p[1] = (struct bench_point){.t = 3.1, .gbps = 30};
		health_first_last(p, 2, &first, &last, &w);
		tap_ok(first == 20 && last == 30, "two points: one window each");
	}
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(root))
		return 1;
	build_tree();
	test_discover();
	test_power();
	test_quiet_run();
	test_trouble();
	test_bandwidth();
	test_gpus();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", root);
	return tap_done();
}
