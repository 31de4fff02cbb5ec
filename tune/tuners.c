/* Other tuners: daemons that write the same kernel settings rigtune does
 * and would undo an apply. Found by the name of a running process
 * (proc/<pid>/comm) or the pid file they leave in /run (run/tuned/
 * tuned.pid). TuneD sets sysctls, THP, the CPU governor and EPP, and IRQ
 * affinity from its own profile; power-profiles-daemon switches the EPP
 * (and the platform profile) whenever its profile or the power source
 * changes (irqbalance is the IRQ probe's and tune/knob-irq.c's). Apply
 * warns and audit fails a check per daemon whose ground the profile
 * covers, through plan_warning; audit.c and cli/cmd-apply.c call it
 * after plan_build. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tune/tuners.h"

struct tuner {
	const char *comm;       /* proc/<pid>/comm, cut at 15 bytes as the kernel does */
	const char *pidfile;    /* or NULL */
};

static const struct tuner tuners[OTHER_TUNER_COUNT] = {
	[OTHER_TUNER_TUNED] = {"tuned", "run/tuned/tuned.pid"},
	[OTHER_TUNER_PPD] = {"power-profiles-daemon", NULL},
};

/* A pid file names a live process: proc/<pid> exists. */
static bool pidfile_live(const struct sysroot *sr, const char *pidfile)
{
	_cleanup_free_ char *pid = NULL;

	return pidfile && sr_read_string(sr, &pid, "%s", pidfile) == 0 && *pid &&
	       strspn(pid, "0123456789") == strlen(pid) && sr_exists(sr, "proc/%s", pid);
}

/* The kernel keeps the first 15 bytes of a process name. */
static bool comm_matches(const char *comm, const char *name)
{
	size_t n = strlen(name) < 15 ? strlen(name) : 15;

	return strlen(comm) == n && !strncmp(comm, name, n);
}

unsigned other_tuners_running(const struct sysroot *sr, unsigned wanted)
{
	_cleanup_strv_ char **names = NULL;
	unsigned found = 0;

	for (int t = 0; t < OTHER_TUNER_COUNT; t++)
		if ((wanted & 1u << t) && pidfile_live(sr, tuners[t].pidfile))
			found |= 1u << t;
	/* The process list costs a read per process: walk it only for a
	 * daemon not found by its pid file. */
	if ((found & wanted) == wanted || sr_list(sr, "", &names, "proc") < 0)
		return found;
	for (size_t i = 0; names[i] && (found & wanted) != wanted; i++) {
		_cleanup_free_ char *comm = NULL;

		if (strspn(names[i], "0123456789") != strlen(names[i]) ||
		    sr_read_string(sr, &comm, "proc/%s/comm", names[i]) < 0)
			continue;
		for (int t = 0; t < OTHER_TUNER_COUNT; t++)
			if ((wanted & 1u << t) && comm_matches(comm, tuners[t].comm))
				found |= 1u << t;
	}
	return found;
}

/* The first written setting whose label starts with one of prefixes, or NULL. */
static const struct action *first_write(const struct plan *p, const char *const *prefixes)
{
	for (size_t i = 0; i < p->nactions; i++)
		for (size_t k = 0; prefixes[k]; k++)
			if (p->actions[i].path && startswith(p->actions[i].label, prefixes[k]))
				return &p->actions[i];
	return NULL;
}

static const char *const tuned_ground[] = {"thp.", "sysctl.", "cpu.", "irq.", NULL};
static const char *const ppd_ground[] = {"cpu.energy_performance_preference", "cpu.governor", NULL};

static int warn_tuned(const struct knob_ctx *ctx, struct plan *plan)
{
	const struct action *a = first_write(plan, tuned_ground);
	_cleanup_free_ char *active = NULL;

	if (sr_read_string(ctx->sr, &active, "etc/tuned/active_profile") < 0 || !*active) {
		free(active);
		active = strdup("unknown");
		if (!active)
			return -ENOMEM;
	}
	return plan_warning(plan, a->src, "tuners.tuned", "TuneD not running", "TuneD running",
			    "TuneD is running (profile '%s') and sets sysctls, THP, the CPU governor and IRQ "
			    "affinity from its own profile, undoing these settings when it (re)starts: stop it "
			    "(systemctl disable --now tuned), or switch it to a profile that leaves them alone",
			    active);
}

static int warn_ppd(struct plan *plan)
{
	const struct action *a = first_write(plan, ppd_ground);

	return plan_warning(plan, a->src, "tuners.power-profiles-daemon", "power-profiles-daemon not running",
			    "power-profiles-daemon running",
			    "power-profiles-daemon is running and rewrites the energy performance preference "
			    "whenever its profile or the power source changes: stop and mask it (systemctl mask "
			    "--now power-profiles-daemon) on a server");
}

int other_tuners_plan(const struct knob_ctx *ctx, struct plan *plan, struct tuners_seen *seen)
{
	unsigned wanted = 0, unknown;
	int r = 0;

	if (first_write(plan, tuned_ground))
		wanted |= 1u << OTHER_TUNER_TUNED;
	if (first_write(plan, ppd_ground))
		wanted |= 1u << OTHER_TUNER_PPD;
	unknown = wanted & ~seen->looked;
	if (unknown) {
		seen->running |= other_tuners_running(ctx->sr, unknown);
		seen->looked |= unknown;
	}
	if (wanted & seen->running & (1u << OTHER_TUNER_TUNED))
		r = warn_tuned(ctx, plan);
	if (r >= 0 && wanted & seen->running & (1u << OTHER_TUNER_PPD))
		r = warn_ppd(plan);
	return r;
}
