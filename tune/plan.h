/* A plan: every file applying a profile would write, one action per file,
 * in the order apply writes them. The knobs (tune/knob-*.c, one file
 * each) build it from a profile and a probed host; apply writes it,
 * audit compares it, --dry-run prints it. So what is audited is exactly
 * what is applied. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/sysroot.h"
#include "probes/host.h"
#include "tune/profile.h"
#include "tune/schema.h"

enum action_state {
	ACTION_CHANGE,          /* the file differs: apply writes desired */
	ACTION_IN_PLACE,        /* already the desired value */
	ACTION_SKIP,            /* not applicable here; reason says why */
	ACTION_UNSUPPORTED,     /* the knob does not exist on this kernel */
};

/* What became of a CHANGE action when apply ran. */
enum action_result {
	RESULT_NONE,            /* not written (yet) */
	RESULT_WRITTEN,         /* written and read back */
	RESULT_PARTIAL,         /* the kernel kept less (hugepages): readback */
	RESULT_REFUSED,         /* the kernel refused (managed IRQ): not a failure */
	RESULT_FAILED,          /* the write failed: error, readback */
	RESULT_ROLLED_BACK,     /* written, then put back after a failure */
	RESULT_ROLLBACK_FAILED, /* written, and putting it back failed too */
};

struct action {
	char *label;            /* the setting: "thp.enabled", "hugepages.1G",
				   "cpu.governor", "irq.0000:41:00.0" */
	char *target;           /* instance within label: "node0", "cpu12",
				   "irq 120"; NULL for a one-file setting */
	char *path;             /* relative to the sysroot; NULL for a skip
				   that has no file */
	char *desired;          /* what apply writes */
	char *current;          /* what the file holds (a choice file's
				   selected word); the journaled original */
	char *reason;           /* SKIP, UNSUPPORTED: why */
	char *wanted;           /* what audit shows as expected when more than
				   desired passes ("within 0-95"), or NULL */
	char *hint;             /* how to set it by hand (audit), or NULL */
	enum action_state state;
	bool may_fall_short;    /* hugepages: less read back is partial */
	bool refusal_is_skip;   /* IRQs: EIO on write means kernel-managed */
	bool durable;           /* a boot file (common/durable.h), not a kernel
				   file: its original goes to tune/originals.h,
				   not the runtime journal */
	const struct profile_entry *src;
	/* filled by apply */
	enum action_result result;
	int error;              /* -errno of a failed write */
	char *readback;         /* what the kernel kept instead */
};

/* A message about one setting. Notes: what the user should know that
 * is not a change (a kernel command line override, irqbalance undoing IRQ
 * placement). Errors: a setting this host cannot take (a hugepage size the
 * kernel does not offer, a path that leaves /sys): apply refuses the whole
 * profile, audit reports an error check. */
struct plan_message {
	const struct profile_entry *src;
	char *label;
	char *text;
	bool fails;             /* a warning: audit fails it (irqbalance) */
	char *expected, *actual;  /* a warning's audit check, or NULL */
};

struct plan {
	struct action *actions;
	size_t nactions, cap;
	struct plan_message *notes;
	size_t nnotes;
	struct plan_message *errors;
	size_t nerrors;
};

/* What a knob plans from. */
struct knob_ctx {
	const struct sysroot *sr;
	const struct host *host;
	const struct profile *profile;
};

/* One tuning knob per profile section, declared by one file:
 * tune/knob-NAME.c defines `const struct knob knob_NAME` with its
 * section (name, keys with type, range and doc line, rule across keys)
 * and its plan hooks; tune/meson.build lists every tune/knob-*.c and
 * tune/sections.c builds the table from that list, in write order.
 * plan_entry is called for each entry of the section, then plan once;
 * either may be NULL. They read the current values and add actions; a
 * setting the host cannot take goes to plan_error(). They return 0 or
 * -ENOMEM (never fail for a profile or host problem). */
struct knob {
	struct schema_section section;
	int order;              /* write order: memory 10-29, sysctl 30, CPU 40, IRQs 50,
				   explicit files 90 (refine what a knob set); unique */
	int (*plan_entry)(const struct knob_ctx *ctx, struct plan *plan, const struct profile_entry *e);
	unsigned probes;        /* PROBE_BITs its plan reads from the host */
	int (*plan)(const struct knob_ctx *ctx, struct plan *plan);
};

/* The i-th knob in write order, NULL past the last (tune/sections.c). */
const struct knob *knob_at(size_t i);

/* The probes (PROBE_BITs) planning and auditing the profile read: those
 * of the knobs whose sections it has, and of its [expect] keys
 * (tune/needs.c). Never 0: at least the kernel probe. */
unsigned plan_probes(const struct profile *p);
/* The probes one [expect] key reads; 0 for a key no rule checks. */
unsigned expect_key_probes(const char *key);

/* Every knob, in write order. 0 or -ENOMEM. */
int plan_build(const struct knob_ctx *ctx, struct plan **ret);
struct plan *plan_free(struct plan *p);
/* Release what a plan holds (for a plan on the stack). */
void plan_release(struct plan *p);

/* Builders for the knobs. plan_add returns a zeroed action (state
 * ACTION_SKIP until plan_set_file) that stays valid until the next
 * plan_add, or NULL on OOM. */
struct action *plan_add(struct plan *p, const struct profile_entry *src, const char *label,
			const char *target);
/* Check path is writable by the sysroot layer's rules, read its current
 * value and compare it with desired: CHANGE or IN_PLACE. A missing file:
 * -ENOENT; a path leading out of the writable trees: -EPERM; the action
 * is left as a skip then. */
int plan_set_file(const struct knob_ctx *ctx, struct action *a, const char *path, const char *desired);
/* The same for a durable file (common/durable.h: a boot file, a mount
 * unit): compared whole, "" when absent; the action is marked durable so
 * that apply keeps its original in tune/originals.h. -EPERM for a path
 * outside the durable allow-list. */
int plan_set_durable_file(const struct knob_ctx *ctx, struct action *a, const char *path, const char *desired);
/* Any other plan_set_file failure as a plan error with the entry's
 * file:line ("cannot read", "leads out of /sys"). Returns 0 or -ENOMEM. */
int plan_file_error(struct plan *p, const struct profile_entry *e, const char *label, const char *path,
		    int err);
int action_set_reason(struct action *a, enum action_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int action_set_hint(struct action *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int plan_error(struct plan *p, const struct profile_entry *src, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int plan_note(struct plan *p, const struct profile_entry *src, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Something that will undo settings (irqbalance): apply says so, audit
 * fails a check of its own, label, with expected and actual. */
int plan_warning(struct plan *p, const struct profile_entry *src, const char *label, const char *expected,
		 const char *actual, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Counts by state. */
size_t plan_count(const struct plan *p, enum action_state state);

/* A file's value as rigtune compares and journals it: a choice file's
 * selected word ("always [madvise] never" -> "madvise"), else the content
 * without trailing white space. Compare values with sr_value_equal. */
int tune_read_value(const struct sysroot *sr, const char *path, char **ret);
