/* GPU health findings (tune/findings-gpu.c). */
#pragma once
#include "probes/host.h"
#include "tune/finding.h"

/* Append one finding per health problem of each GPU in h->gpu_health
 * (ids "gpu.<topic>.<BDF>"). 0 or -ENOMEM. */
int gpu_health_findings(const struct host *h, struct findings *f);
