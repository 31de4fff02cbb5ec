/* The profile's [verify] section: its keys (the targets of `rigtune
 * verify`), parsed once into a plain struct that the verifier (verify/)
 * takes, so that verify/ never reads the profile. */
#pragma once
#include "tune/profile.h"
#include "tune/schema.h"

enum bench_target {
	BENCH_TARGET_TRIAD,         /* triad_gbps: host triad, GB/s */
	BENCH_TARGET_NODE_TRIAD,    /* node_triad_gbps: each node's triad, GB/s */
	BENCH_TARGET_PEAK_FRACTION, /* peak_fraction: host triad / theoretical peak */
	BENCH_TARGET_READ,          /* read_gbps: host read, GB/s */
	BENCH_TARGET_COPY,          /* copy_gbps: host copy, GB/s */
	BENCH_TARGET_WRITE,         /* write_gbps: host write, GB/s */
	BENCH_TARGET_GPU_H2D_FRACTION, /* gpu_h2d_fraction: each GPU's host-to-device
					  rate / its PCIe link's theoretical rate */
	BENCH_NTARGETS,
};

struct bench_targets {
	double value[BENCH_NTARGETS];   /* NAN: not set */
	const char *file[BENCH_NTARGETS];  /* where each came from (borrowed), or NULL */
	int line[BENCH_NTARGETS];
};

extern const struct schema_section verify_section;

/* The [verify] key of a target: "triad_gbps". */
const char *bench_target_key(enum bench_target t);
void bench_targets_init(struct bench_targets *t);
/* Set one key from its text: -ENOENT unknown key, -EINVAL not a number,
 * -ERANGE outside (0, 100000] GB/s or (0, 1] for the fractions. */
int bench_targets_set(struct bench_targets *t, const char *key, const char *value);
/* Every [verify] entry of a loaded profile; on error *error gets
 * "FILE:LINE: [verify] KEY: why" (malloc'd). */
int bench_targets_from_profile(const struct profile *p, struct bench_targets *ret, char **error);
