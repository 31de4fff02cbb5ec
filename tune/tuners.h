/* Other tuners (tune/tuners.c): TuneD and power-profiles-daemon, which
 * write the same settings as a profile and would undo an apply. irqbalance
 * is the IRQ probe's (h->irq.irqbalance_running) and knob-irq's warning. */
#pragma once
#include "tune/plan.h"

enum other_tuner {
	OTHER_TUNER_TUNED,
	OTHER_TUNER_PPD,        /* power-profiles-daemon */
	OTHER_TUNER_COUNT,
};

/* Of the daemons in `wanted` (bits 1 << enum other_tuner), those that run. */
unsigned other_tuners_running(const struct sysroot *sr, unsigned wanted);

/* What is known so far: which daemons were looked for, which of them run.
 * Looking means reading every process's name; apply plans twice (before
 * and under its lock) and looks once. Start from {0}. */
struct tuners_seen {
	unsigned looked, running;
};

/* After plan_build: a warning (apply says it, audit fails a check
 * tuners.NAME) per running daemon whose ground the plan writes; only
 * those daemons are looked for, and only once per `seen`. 0 or -ENOMEM. */
int other_tuners_plan(const struct knob_ctx *ctx, struct plan *plan, struct tuners_seen *seen);
