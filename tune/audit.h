/* The audit: one check per profile setting (from the same plan apply
 * writes) and per [expect] line, each pass / fail / skip / error with
 * expected, actual, the profile file:line and a hint. Changes nothing,
 * prints nothing: `rigtune audit` and `rigtune report` render it. */
#pragma once
#include <stddef.h>

#include "common/sysroot.h"
#include "probes/host.h"
#include "tune/plan.h"
#include "tune/profile.h"

enum check_status {
	CHECK_PASS,
	CHECK_FAIL,
	CHECK_SKIP,             /* not applicable here; note says why */
	CHECK_ERROR,            /* the host cannot take the setting, or reading failed */
	CHECK_WARN,             /* a finding that likely costs speed: not in the verdict */
	CHECK_INFO,             /* a finding worth knowing, or a waived one: not in the verdict */
};
#define CHECK_STATUS_COUNT 6

struct check {
	char *id;               /* "thp.enabled", "cpu.governor", "expect.numa_nodes" */
	enum check_status status;
	char *expected;         /* NULL: nothing to show */
	char *actual;           /* NULL: unknown */
	char *file;             /* the profile line it came from, NULL for none */
	int line;
	char *hint;             /* the command or setting that fixes it, or NULL */
	char *note;             /* why skipped or error; what else to know; or NULL */
	char *subject;          /* a finding's device or part: "0000:41:00.0 ...", or NULL */
};

struct audit {
	char *profile;          /* the profile's name */
	struct check *checks;   /* in profile order: knobs in table order, then [expect] */
	size_t nchecks;
	size_t counts[CHECK_STATUS_COUNT];
};

/* Plan the profile against the host and compare; then every [expect]
 * line. p NULL: no checks (tune/rig-audit.h adds the hardware findings).
 * 0 or -ENOMEM; host or profile problems become error checks. */
int audit_run(const struct sysroot *sr, const struct host *h, const struct profile *p, struct audit **ret);
struct audit *audit_free(struct audit *a);
static inline void audit_freep(struct audit **a) { audit_free(*a); }

/* "pass", "fail", "skip", "error", "warn", "info" */
const char *check_status_name(enum check_status s);

/* Append a check (strings copied, any may be NULL). 0 or -ENOMEM. */
int audit_add(struct audit *a, const char *id, enum check_status status, const struct profile_entry *src,
	      const char *expected, const char *actual, const char *hint, const char *note);
/* Exit status of a run: 2 for an error check, 1 for a failed one, else
 * 0 (warn and info never count). */
int audit_exit_status(const struct audit *a);
/* The [expect] section: its keys and the checks that audit them
 * (tune/expect.c). */
extern const struct schema_section expect_section;
/* [expect] pcie_acs and gpu_passthrough (tune/expect-iommu.c). */
int expect_pcie_acs(const struct knob_ctx *ctx, const struct profile_entry *e, struct audit *a, const char *hint);
int expect_gpu_passthrough(const struct knob_ctx *ctx, const struct profile_entry *e, struct audit *a,
			   const char *hint);
/* The checks of [expect] (tune/expect.c). */
int expect_audit(const struct knob_ctx *ctx, struct audit *a);
