/* Which shipped profile fits a host, and why (as `tuned-adm recommend`):
 * from the CPU (vendor, family, model), sockets, NUMA nodes per socket,
 * the GPUs and whether it is a virtual machine. Reads the probed host
 * only; prints nothing. */
#pragma once
#include "probes/host.h"

struct recommendation {
	const char *profile;    /* a shipped profile's name: "epyc-genoa" */
	char *reason;           /* one sentence */
};

/* 0 or -ENOMEM. */
int recommend_profile(const struct host *h, struct recommendation *ret);
void recommendation_release(struct recommendation *r);
