/* `rigtune watch PROFILE [--events FILE] [--settle SECONDS] [--wait-lock
 * SECONDS]`: keep the profile's [irq] placement right as PCI devices
 * appear and drivers bind. Live, events come from a libudev monitor
 * (udev's "udev" netlink group, subsystem pci), after a sweep that places
 * the IRQs of every selected device already there; with --events they
 * come from a file of "ACTION DEVPATH" lines (tests, replays against
 * --sysroot), and pending re-applies run at its end. The decisions and
 * the re-apply are tune/watch.c's; this file is the event loop and the
 * printing. Exit: 0 (stopped by SIGTERM/SIGINT, or the file done with no
 * failure), 2 usage, profile or runtime error, or a re-apply that failed. */
#include <errno.h>
#include <getopt.h>
#include <libudev.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/util.h"
#include "tune/lock.h"
#include "tune/watch.h"

#define WAIT_LOCK_DEFAULT_S 30

/* cli/cmd-show.c: load a profile, printing "FILE:LINE: message". */

struct watch_opts {
	const char *events;     /* --events FILE, "-" stdin; NULL: udev */
	uint64_t settle_ms;
	unsigned lock_wait_ms;
};

struct watcher {
	const struct cli *cli;
	const char *profile_name;
	struct sysroot *sr;
	struct profile *prof;
	struct watch_selection *sel;
	struct watch_queue queue;
	struct watch_opts opt;
	int failures;           /* re-applies that failed */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse_seconds(const char *opt, const char *s, double max, uint64_t *ret_ms)
{
	double secs;

	if (parse_double(s, &secs) < 0 || !(secs >= 0 && secs <= max))
		return log_error("watch: %s takes seconds (0 to %g), not '%s'", opt, max, s);
	*ret_ms = (uint64_t)llround(secs * 1000);
	return 0;
}

static int parse_opts(int argc, char **argv, struct watch_opts *o)
{
	static const struct option longopts[] = {
		{"events", required_argument, NULL, 'e'},
		{"settle", required_argument, NULL, 's'},
		{"wait-lock", required_argument, NULL, 'w'},
		{0},
	};
	uint64_t ms;
	int c;

	*o = (struct watch_opts){.settle_ms = WATCH_SETTLE_MS_DEFAULT,
				 .lock_wait_ms = WAIT_LOCK_DEFAULT_S * 1000};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'e') {
			o->events = optarg;
		} else if (c == 's') {
			if (parse_seconds("--settle", optarg, 3600, &o->settle_ms))
				return EXIT_ERROR;
		} else if (c == 'w') {
			if (parse_seconds("--wait-lock", optarg, 86400, &ms))
				return EXIT_ERROR;
			o->lock_wait_ms = (unsigned)ms;
		} else {
			return log_error("watch: unknown option (try 'rigtune watch --help')");
		}
	}
	return 0;
}

/* ---- one event, one re-apply ---- */

static int on_event(struct watcher *w, const struct watch_event *ev, uint64_t now)
{
	unsigned cls = 0, vendor = 0;
	bool known = false;
	int v;

	if (ev->action == WATCH_ADD || ev->action == WATCH_BIND)
		known = watch_device_ids(w->sr, ev->bdf, &cls, &vendor) == 0;
	v = watch_handle_event(w->sel, &w->queue, ev, known, cls, vendor, now, w->opt.settle_ms);
	if (v < 0)
		return log_errno(v, "watch: cannot queue %s", ev->bdf);
	log_info(w->cli, "watch: %s %s: %s", watch_action_to_string(ev->action), ev->bdf,
		 watch_verdict_to_string((enum watch_verdict)v));
	return 0;
}

static void print_action(const struct cli *cli, const char *bdf, const struct action *a)
{
	const char *t = a->target ? a->target : a->label;

	if (a->state == ACTION_SKIP || a->state == ACTION_UNSUPPORTED)
		printf("%s: %s: skipped: %s\n", bdf, t, a->reason ? a->reason : "");
	else if (a->state == ACTION_IN_PLACE && cli->verbose)
		printf("%s: %s: in place: %s (%s)\n", bdf, t, a->current, a->wanted ? a->wanted : a->desired);
	else if (a->result == RESULT_WRITTEN)
		printf("%s: %s: %s -> %s\n", bdf, t, a->current, a->desired);
	else if (a->result == RESULT_REFUSED)
		printf("%s: %s: skipped: the kernel keeps it where it is (a managed IRQ)\n", bdf, t);
	else if (a->result == RESULT_FAILED && a->readback)
		log_error("%s: %s: wrote '%s' to /%s, the kernel kept '%s'", bdf, t, a->desired, a->path,
			  a->readback);
	else if (a->result == RESULT_FAILED)
		log_errno(a->error, "%s: %s: cannot write '%s' to /%s", bdf, t, a->desired, a->path);
	else if (a->result == RESULT_ROLLED_BACK)
		printf("%s: %s: rolled back to %s\n", bdf, t, a->current);
	else if (a->result == RESULT_ROLLBACK_FAILED)
		log_error("%s: %s: could not put back '%s' in /%s", bdf, t, a->current, a->path);
}

/* Print what the re-apply did; false when it failed. */
static bool report_outcome(struct watcher *w, const char *bdf, const struct watch_outcome *o)
{
	const struct plan *p = o->plan;

	for (size_t i = 0; i < p->nerrors; i++)
		log_error("%s:%d: %s", p->errors[i].src ? p->errors[i].src->file : w->prof->path,
			  p->errors[i].src ? p->errors[i].src->line : 0, p->errors[i].text);
	for (size_t i = 0; i < p->nactions; i++)
		print_action(w->cli, bdf, &p->actions[i]);
	for (size_t i = 0; i < p->nnotes; i++)
		printf("%s: note: %s\n", bdf, p->notes[i].text);
	if (o->apply.rollback_failed)
		log_error("%s: some changes could not be rolled back; the journal is kept: run 'rigtune revert'", bdf);
	fflush(stdout);
	return o->applied && !o->apply.failed && p->nerrors == 0;
}

/* Re-apply one settled device. Live, a held lock (an apply or revert
 * running) puts the device back in the queue for a second later. */
static void reapply(struct watcher *w, const char *bdf, bool live)
{
	struct watch_outcome o;
	const char *failed = NULL;
	int r = watch_reapply_device(w->sr, w->prof, w->sel, bdf, live ? 0 : w->opt.lock_wait_ms, &o, &failed);

	if (r == -EBUSY && live) {
		log_info(w->cli, "watch: %s: an apply or revert holds the lock; trying again later", bdf);
		if (watch_queue_push(&w->queue, bdf, now_ms() + 1000) == 0) {
			watch_outcome_release(&o);
			return;
		}
	}
	if (r == -EBUSY)
		log_error("watch: %s: another rigtune apply or revert holds " TUNE_LOCK_DIR "/" TUNE_LOCK_NAME, bdf);
	else if (r == -EBADMSG)
		log_error("watch: %s: the journal is corrupt (line %d); nothing was changed", bdf, o.apply.bad_line);
	else if (r < 0 && failed)
		log_errno(r, "watch: %s: the %s probe failed", bdf, failed);
	else if (r < 0)
		log_errno(r, "watch: %s: cannot re-apply [irq]", bdf);
	if (r < 0 || !report_outcome(w, bdf, &o))
		w->failures++;
	watch_outcome_release(&o);
}

static void run_due(struct watcher *w, uint64_t now, bool live)
{
	char bdf[32];

	while (watch_queue_pop_due(&w->queue, now, bdf))
		reapply(w, bdf, live);
}

/* ---- synthetic events ---- */

static int watch_file(struct watcher *w)
{
	_cleanup_fclose_ FILE *own = NULL;
	_cleanup_free_ char *line = NULL;
	FILE *f = stdin;
	size_t cap = 0;
	int lineno = 0;

	if (strcmp(w->opt.events, "-")) {
		own = f = fopen(w->opt.events, "re");
		if (!f)
			return log_errno(-errno, "watch: cannot open %s", w->opt.events);
	}
	while (getline(&line, &cap, f) >= 0) {
		struct watch_event ev;
		int r = watch_event_parse_line(line, &ev);

		lineno++;
		if (r == 1)
			continue;
		if (r == -EINVAL)
			return log_error("%s:%d: expected 'ACTION DEVPATH' such as 'bind "
					 "/devices/pci0000:00/0000:00:02.0'", w->opt.events, lineno);
		if (r < 0 || (r = on_event(w, &ev, 0)))
			return EXIT_ERROR;
	}
	if (ferror(f))
		return log_errno(-EIO, "watch: cannot read %s", w->opt.events);
	run_due(w, UINT64_MAX, false);
	return w->failures ? EXIT_ERROR : EXIT_GOOD;
}

/* ---- udev ---- */

static int signals_open(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* SIGHUP: load the profile again; a broken one leaves the old in force. */
static void reload(struct watcher *w)
{
	struct profile *p = NULL;
	struct watch_selection *s = NULL;

	if (cli_profile_load(w->profile_name, &p)) {
		log_warning("watch: keeping the profile loaded before");
		return;
	}
	if (watch_selection_new(p, &s) < 0) {
		log_errno(-ENOMEM, "watch: reload");
		profile_free(p);
		return;
	}
	watch_selection_free(w->sel);
	profile_free(w->prof);
	w->prof = p;
	w->sel = s;
	watch_queue_release(&w->queue);
	printf("watch: reloaded %s%s\n", p->path, s ? "" : " (no [irq] placement to keep)");
	fflush(stdout);
}

static void on_udev(struct watcher *w, struct udev_monitor *mon)
{
	struct udev_device *d = udev_monitor_receive_device(mon);
	struct watch_event ev;

	if (!d)
		return;
	if (watch_event_from_udev(udev_device_get_action(d), udev_device_get_devpath(d), &ev) == 0)
		(void)on_event(w, &ev, now_ms());
	udev_device_unref(d);
}

/* Place the IRQs of every selected device already present: what bound
 * while nothing watched (during the boot's apply, or a restart). */
static int sweep(struct watcher *w)
{
	_cleanup_strv_ char **devs = NULL;
	int r = w->sel ? watch_selected_devices(w->sr, w->sel, &devs) : 0;

	if (r < 0)
		return log_errno(r, "watch: cannot list PCI devices");
	for (size_t i = 0; devs && devs[i]; i++)
		if (watch_queue_push(&w->queue, devs[i], 0) < 0)
			return log_errno(-ENOMEM, "watch");
	return 0;
}

static int loop(struct watcher *w, struct udev_monitor *mon, int sigfd)
{
	struct pollfd fds[2] = {{.fd = udev_monitor_get_fd(mon), .events = POLLIN},
				{.fd = sigfd, .events = POLLIN}};

	for (;;) {
		uint64_t due = watch_queue_next_due(&w->queue), now = now_ms();
		int timeout = due == UINT64_MAX ? -1 : due <= now ? 0 : due - now > INT_MAX ? INT_MAX : (int)(due - now);
		struct signalfd_siginfo si;

		if (poll(fds, 2, timeout) < 0 && errno != EINTR)
			return log_errno(-errno, "watch: poll");
		if (fds[1].revents & POLLIN && read(sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGHUP)
				return EXIT_GOOD;
			reload(w);
		}
		if (fds[0].revents & POLLIN)
			on_udev(w, mon);
		run_due(w, now_ms(), true);
	}
}

static int watch_udev(struct watcher *w)
{
	struct udev *udev = udev_new();
	struct udev_monitor *mon = udev ? udev_monitor_new_from_netlink(udev, "udev") : NULL;
	sigset_t old;
	int r, sigfd;

	if (!mon) {
		udev_unref(udev);
		return log_error("watch: cannot listen to udev (is systemd-udevd running?)");
	}
	r = udev_monitor_filter_add_match_subsystem_devtype(mon, "pci", NULL);
	if (r >= 0)
		r = udev_monitor_enable_receiving(mon);
	sigfd = r < 0 ? r : signals_open(&old);
	if (sigfd < 0) {
		udev_monitor_unref(mon);
		udev_unref(udev);
		return log_errno(sigfd, "watch: cannot listen to udev");
	}
	/* the monitor listens before the sweep: nothing falls in between */
	r = sweep(w);
	if (r == 0) {
		printf("watch: keeping the [irq] placement of %s (%s: %s)\n", w->prof->path, w->sel->policy,
		       w->sel->src->value);
		fflush(stdout);
		r = loop(w, mon, sigfd);
	}
	close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	udev_monitor_unref(mon);
	udev_unref(udev);
	return r;
}

int cmd_watch(const struct cli *cli, int argc, char **argv)
{
	struct watcher w = {.cli = cli};
	int r;

	r = parse_opts(argc, argv, &w.opt);
	if (r)
		return r;
	if (optind + 1 != argc)
		return log_error("watch: expected one PROFILE (try 'rigtune watch --help')");
	if (cli->json)
		return log_error("watch: --json is not supported; it prints one line per IRQ it moves");
	if (!w.opt.events && strcmp(cli->sysroot, "/"))
		return log_error("watch: udev reports the live host's devices; with --sysroot, give events "
				 "with --events FILE");
	w.profile_name = argv[optind];
	r = cli_profile_load(w.profile_name, &w.prof);
	if (r)
		return r;
	r = watch_selection_new(w.prof, &w.sel);
	if (r < 0) {
		r = log_errno(r, "watch");
	} else if (!w.sel) {
		printf("watch: %s places no IRQs ([irq] missing or policy none): nothing to watch\n", w.prof->path);
		r = EXIT_GOOD;
	} else if ((r = sysroot_open(cli->sysroot, &w.sr)) < 0) {
		r = log_errno(r, "cannot open sysroot '%s'", cli->sysroot);
	} else {
		r = w.opt.events ? watch_file(&w) : watch_udev(&w);
	}
	watch_queue_release(&w.queue);
	watch_selection_free(w.sel);
	profile_free(w.prof);
	sysroot_free(w.sr);
	return r;
}
