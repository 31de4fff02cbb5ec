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

/* A bit (1 << enum other_tuner) per daemon that runs. */
unsigned other_tuners_running(const struct sysroot *sr);
/* After plan_build: a warning (apply says it, audit fails a check
 * tuners.NAME) per running daemon whose ground the plan writes. 0 or
 * -ENOMEM. */
int other_tuners_plan(const struct knob_ctx *ctx, struct plan *plan);
