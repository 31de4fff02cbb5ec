/* Health sensors and error counters: what can be read while the machine
 * works, and where. Discovery lists the sources once (CPU clocks, hwmon
 * temperatures with their limits, powercap energy, EDAC per controller and
 * per DIMM, PCIe AER per device, machine-check exceptions, PCIe link
 * state); the readers then read their values as often as the caller
 * likes. Everything goes through the sysroot layer; nothing is printed. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sysroot;

#define HEALTH_UNREAD UINT64_MAX        /* a counter that could not be read */

struct health_temp {
	char *id;               /* "k10temp/Tctl", "nvme/Composite", "spd5118/temp1" */
	char *input;            /* path of temp*_input under the root; NULL for a GPU (NVML) */
	double crit_c, max_c;   /* the sensor's limits, NAN when it has none */
};

struct health_power {
	char *id;               /* "intel-rapl:0 package-0" */
	char *energy;           /* path of energy_uj */
	uint64_t range_uj;      /* max_energy_range_uj: where the counter wraps; 0 unknown */
};

enum health_counter_kind {
	HEALTH_CORRECTED,       /* moved: warn */
	HEALTH_UNCORRECTED,     /* moved: fail */
};

struct health_counter {
	char *id;               /* "edac.mc0.dimm3.ce", "aer.0000:41:00.0.fatal", "mce" */
	char *subject;          /* what it counts for, in words: "DIMM P0_DIMM_A1 (mc0 dimm3)" */
	char *path;             /* file under the root; NULL for a GPU's (NVML) */
	const char *key;        /* "TOTAL_ERR_COR" for keyed files, NULL for a plain number */
	enum health_counter_kind kind;
	bool per_dimm;          /* a DIMM's own count (the controller's total is also listed) */
};

struct health_link {
	char bdf[16];
	unsigned pci_class;     /* 0x0300 ...: GPUs lower their link speed when idle */
};

struct health_link_state {
	double gts;             /* current_link_speed, 0 unknown (link down) */
	int width;              /* current_link_width, 0 unknown */
};

/* A GPU's XID event (NVML's critical-error event): which GPU, which XID,
 * when (seconds since the sampler started). */
struct health_xid {
	double t;
	char bdf[16];
	unsigned long long xid;
};

enum health_xid_watch {
	HEALTH_XID_NONE,            /* no NVIDIA GPU (or not the live host) */
	HEALTH_XID_WATCHED,         /* registered on at least one GPU */
	HEALTH_XID_UNSUPPORTED,     /* the driver has no events for these GPUs */
};

struct health_sources {
	int *cpus;              /* CPUs with a readable cpufreq scaling_cur_freq */
	size_t ncpus;
	bool clock_from_cpuinfo;/* no cpufreq: "cpu MHz" of /proc/cpuinfo instead */
	double base_mhz;        /* base (nominal) clock, NAN unknown */
	double max_mhz;         /* highest (boost) clock, NAN unknown */
	struct health_temp *temps;
	size_t ntemps;
	struct health_power *power;
	size_t npower;
	struct health_counter *counters;
	size_t ncounters;
	struct health_link *links;
	size_t nlinks;
	enum health_xid_watch xid_watch;
	char **missing;         /* what this host does not expose, in words */
};

/* List every source under the root. -ENOMEM only: a host without a kind
 * of sensor gets a line in ->missing instead. */
int health_discover(const struct sysroot *sr, struct health_sources *ret);
void health_sources_release(struct health_sources *s);
/* Keep only the clocks of these CPUs (the ones under load: idle cores
 * clock down and would read as throttling). A CPU without cpufreq stays
 * out; the /proc/cpuinfo fallback is not narrowed. */
void health_sources_keep_cpus(struct health_sources *s, const int *cpus, size_t n);

/* CPU clocks now, in MHz: the lowest, median and highest over the CPUs;
 * -ENOENT when none could be read. */
int health_read_clocks(const struct sysroot *sr, const struct health_sources *s,
		       double *min, double *median, double *max);
/* Every temperature in °C (out[ntemps]), NAN where unreadable; a GPU's
 * entries are left as they are (gpu_sensors_read fills them). */
void health_read_temps(const struct sysroot *sr, const struct health_sources *s, double *out);
/* Every energy counter in µJ (out[npower]), HEALTH_UNREAD where unreadable. */
void health_read_energy(const struct sysroot *sr, const struct health_sources *s, uint64_t *out);
/* Every error counter (out[ncounters]), HEALTH_UNREAD where unreadable;
 * a GPU's entries are left as they are. */
void health_read_counters(const struct sysroot *sr, const struct health_sources *s, uint64_t *out);
/* Every link's trained speed and width (out[nlinks]). */
void health_read_links(const struct sysroot *sr, const struct health_sources *s,
		       struct health_link_state *out);
/* Watts between two energy readings dt seconds apart, wraps included;
 * NAN when either is unread or dt <= 0. */
double health_power_watts(uint64_t before, uint64_t after, uint64_t range_uj, double dt);

/* NVIDIA GPUs through NVML (probes/gpu-sensors.c), live host only: each
 * GPU's temperature (its slowdown threshold as max_c, shutdown as crit_c)
 * and its counters that move only when something is wrong (volatile ECC
 * corrected and uncorrected, PCIe replays), appended to s; and its XID
 * events, registered at open (s->xid_watch says whether the driver has
 * them). One NVML session for the whole run, to be read from one thread. */
struct gpu_sensors;
/* library NULL: $RIGTUNE_NVML_LIBRARY, else libnvidia-ml.so.1. No NVML
 * (no NVIDIA driver: nothing to say) or no GPU: *ret NULL; -ENOMEM only. */
int gpu_sensors_open(const char *library, struct health_sources *s, struct gpu_sensors **ret);
/* The GPUs' temperatures and counters, into the arrays the host readers
 * fill (NAN / HEALTH_UNREAD where NVML says no). g may be NULL. */
void gpu_sensors_read_temps(const struct gpu_sensors *g, double *out);
void gpu_sensors_read_counters(const struct gpu_sensors *g, uint64_t *out);
/* The XID events that arrived since the last call, appended to *xids
 * (*n of them) with time t; waits a millisecond for the next one at most.
 * Past max, events are counted in *lost instead. g may be NULL. -ENOMEM. */
int gpu_sensors_read_xids(const struct gpu_sensors *g, double t, struct health_xid **xids, size_t *n,
			  size_t max, size_t *lost);
struct gpu_sensors *gpu_sensors_close(struct gpu_sensors *g);
