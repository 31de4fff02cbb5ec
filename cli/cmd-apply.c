/* `rigtune apply PROFILE [--dry-run]`, `rigtune revert` and `rigtune
 * audit PROFILE [--json]`: the printing side of the profile engine
 * (tune/). apply: "thp.enabled: always → never (epyc-genoa.ini:8)" per
 * change, skips and partial results with their reasons; exit 0 applied
 * (or nothing to do), 1 something partial (hugepages the kernel could not
 * allocate), 2 error (nothing changed, or rolled back). revert: exit 0
 * restored or no journal, 1 partial, 2 error. audit: exit 0 all pass, 1 a
 * check failed, 2 a check could not run. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/audit-json.h"
#include "cli/check-table.h"
#include "cli/cli.h"
#include "common/escape.h"
#include "common/durable.h"
#include "cli/render-apply.h"
#include "common/json.h"
#include "common/util.h"
#include "tune/apply.h"
#include "tune/audit.h"
#include "tune/bootloader.h"
#include "tune/journal.h"
#include "tune/lock.h"
#include "tune/originals.h"
#include "tune/plan.h"
#include "tune/recommend.h"
#include "tune/rig-audit.h"
#include "tune/tuners.h"

#define WAIT_LOCK_DEFAULT_S 10

struct engine_opts {
	bool dry_run;
	bool force;             /* revert: replay a journal of an earlier boot */
	bool bootloader;        /* apply --bootloader: regenerate the boot loader */
	unsigned wait_ms;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static const char *arrow(void)
{
	const char *l = getenv("LC_ALL"), *c = getenv("LC_CTYPE"), *lang = getenv("LANG");
	const char *loc = l && *l ? l : c && *c ? c : lang;

	return loc && (strcasestr(loc, "utf-8") || strcasestr(loc, "utf8")) ? "→" : "->";
}

static int parse_engine_opts(const char *cmd, int argc, char **argv, bool allow_dry_run,
			     struct engine_opts *o)
{
	static const struct option longopts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"wait-lock", required_argument, NULL, 'w'},
		{"force", no_argument, NULL, 'f'},
		{"bootloader", no_argument, NULL, 'b'},
		{0},
	};
	double secs;
	int c;

	*o = (struct engine_opts){.wait_ms = WAIT_LOCK_DEFAULT_S * 1000};
	while ((c = getopt_long(argc, argv, allow_dry_run ? "n" : "", longopts, NULL)) != -1) {
		if (c == 'n' && allow_dry_run) {
			o->dry_run = true;
		} else if (c == 'f' && !allow_dry_run) {
			o->force = true;
		} else if (c == 'b' && allow_dry_run) {
			o->bootloader = true;
		} else if (c == 'w') {
			if (parse_double(optarg, &secs) < 0 || !(secs >= 0 && secs <= 86400))
				return log_error("%s: --wait-lock takes seconds (0 to 86400), not '%s'", cmd, optarg);
			o->wait_ms = (unsigned)lround(secs * 1000);
		} else {
			return log_error("%s: unknown option (try 'rigtune %s --help')", cmd, cmd);
		}
	}
	return 0;
}

static int open_sysroot(const struct cli *cli, struct sysroot **sr)
{
	int r = sysroot_open(cli->sysroot, sr);

	return r < 0 ? log_errno(r, "cannot open sysroot '%s'", cli->sysroot) : 0;
}

/* Only what the profile's sections and [expect] keys read (with no
 * profile yet, nothing of them), and what the caller adds. */
static int probe(const struct cli *cli, const struct sysroot *sr, const struct profile *prof, unsigned also,
		 struct host *h)
{
	struct probe_options opt = {.pci_dump = cli->pci_dump, .only = (prof ? plan_probes(prof) : 0) | also};
	const char *failed = NULL;
	int r = host_probe(sr, &opt, h, &failed);

	return r < 0 ? log_errno(r, "%s probe failed on '%s'", failed ? failed : "a", cli->sysroot) : 0;
}

static int lock(const struct sysroot *sr, const char *cmd, unsigned wait_ms, int *fd)
{
	int r = tune_lock_acquire(sr, wait_ms);

	if (r == -EBUSY)
		return log_error("%s: another rigtune apply or revert is running (it holds %s%s" TUNE_LOCK_DIR "/"
				 TUNE_LOCK_NAME "); waited %.1f s, see --wait-lock", cmd, sr->live ? "" : sr->root,
				 !sr->live && endswith(sr->root, "/") ? "" : "/", wait_ms / 1000.0);
	if (r < 0)
		return log_errno(r, "%s: cannot take the lock " TUNE_LOCK_DIR "/" TUNE_LOCK_NAME, cmd);
	*fd = r;
	return 0;
}

/* ---- apply: one line per setting ---- */

/* The actions [i, end) that set the same label from the same line. */
static size_t group_end(const struct plan *p, size_t i)
{
	size_t j = i + 1;

	while (j < p->nactions && p->actions[j].src == p->actions[i].src &&
	       !strcmp(p->actions[j].label, p->actions[i].label))
		j++;
	return j;
}

static const char *kind_of(const struct action *a, size_t n)
{
	if (!a->target)
		return "";
	if (startswith(a->target, "cpu"))
		return n == 1 ? " CPU" : " CPUs";
	if (startswith(a->target, "irq"))
		return n == 1 ? " IRQ" : " IRQs";
	return n == 1 ? " file" : " files";
}

static void print_source(const struct profile_entry *src, FILE *out)
{
	if (src)
		fprintf(out, " (%s:%d)", base_name(src->file), src->line);
	fputc('\n', out);
}

/* "label: old → new (file:line)" for the actions of g that pass keep(). */
/* "label: current → desired"; a rollback went the other way, and says so
 * ("rolled back label: desired → current"). */
static void print_changes(const char *prefix, const struct action *g, size_t n,
			  bool (*keep)(const struct action *), FILE *out)
{
	bool back = *prefix != '\0';
	const struct action *first = NULL;
	bool same_cur = true, same_des = true;
	size_t count = 0, shown = 0;
	char v1[VIS_MAX], v2[VIS_MAX];

	for (size_t i = 0; i < n; i++) {
		if (!keep(&g[i]))
			continue;
		if (first) {
			same_cur &= !strcmp(first->current, g[i].current);
			same_des &= !strcmp(first->desired, g[i].desired);
		}
		first = first ? first : &g[i];
		count++;
	}
	if (!first)
		return;
	fprintf(out, "%s%s: ", prefix, first->label);
	if (first->durable) {   /* a whole file: name it, its content is in it */
		fprintf(out, "/%s %s", first->path, *first->current ? "rewritten" : "created");
		print_source(first->src, out);
		return;
	}
	if (!first->target || (same_cur && same_des && (count == 1 || !startswith(first->target, "node")))) {
		fprintf(out, "%s %s %s", vis(v1, back ? first->desired : first->current), arrow(),
			vis(v2, back ? first->current : first->desired));
		if (count > 1)
			fprintf(out, " on %zu%s", count, kind_of(first, count));
	} else {
		for (size_t i = 0; i < n; i++)
			if (keep(&g[i]) && shown++ < 4)
				fprintf(out, "%s%s %s %s %s", shown > 1 ? ", " : "", g[i].target,
					vis(v1, back ? g[i].desired : g[i].current), arrow(),
					vis(v2, back ? g[i].current : g[i].desired));
		if (shown > 4)
			fprintf(out, " and %zu more", shown - 4);
	}
	print_source(first->src, out);
}

static bool is_change(const struct action *a)
{
	return a->state == ACTION_CHANGE;
}

static bool was_written(const struct action *a)
{
	return a->result == RESULT_WRITTEN;
}

/* "skip label: why (file:line)", once per reason. */
static void print_skips(const struct action *g, size_t n, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct action *a = &g[i];
		bool seen = false;

		if (a->state != ACTION_SKIP && a->state != ACTION_UNSUPPORTED && a->result != RESULT_REFUSED)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = g[k].reason && a->reason && !strcmp(g[k].reason, a->reason) && g[k].state == a->state;
		if (seen)
			continue;
		if (a->result == RESULT_REFUSED)
			fprintf(out, "skip %s: %s: the kernel refused the change (a managed IRQ)", a->label, a->target);
		else
			fprintf(out, "%s %s: %s", a->state == ACTION_UNSUPPORTED ? "unsupported" : "skip", a->label,
				a->reason ? a->reason : "not applicable");
		print_source(a->src, out);
	}
}

static void print_partials(const struct action *g, size_t n, FILE *out)
{
	char v1[VIS_MAX];

	for (size_t i = 0; i < n; i++) {
		const struct action *a = &g[i];

		if (a->result != RESULT_PARTIAL)
			continue;
		fprintf(out, "partial %s: %s%sgot %s of %s%s", a->label, a->target ? a->target : "",
			a->target ? " " : "", vis(v1, a->readback), a->desired,
			startswith(a->label, "hugepages.") ? " pages" : "");
		if (a->hint)
			fprintf(out, "; reserve them at boot instead: %s", a->hint);
		print_source(a->src, out);
	}
}

static void print_messages(const struct plan *p, FILE *out)
{
	for (size_t i = 0; i < p->nnotes; i++)
		fprintf(out, "%s %s: %s\n", p->notes[i].fails ? "warning" : "note", p->notes[i].label, p->notes[i].text);
}

static int print_plan_errors(const struct plan *p)
{
	for (size_t i = 0; i < p->nerrors; i++) {
		const struct plan_message *m = &p->errors[i];

		if (m->src)
			log_error("%s:%d: %s", m->src->file, m->src->line, m->text);
		else
			log_error("%s", m->text);
	}
	log_error("nothing was changed");
	return EXIT_ERROR;
}

/* Settings (groups) by what became of them. */
struct tally {
	size_t changed, in_place, skipped;
};

static struct tally tally_plan(const struct plan *p)
{
	struct tally t = {0};

	for (size_t i = 0, j; i < p->nactions; i = j) {
		size_t change = 0, in_place = 0;

		j = group_end(p, i);
		for (size_t k = i; k < j; k++) {
			change += p->actions[k].state == ACTION_CHANGE;
			in_place += p->actions[k].state == ACTION_IN_PLACE;
		}
		t.changed += change > 0;
		t.in_place += !change && in_place;
		t.skipped += !change && !in_place;
	}
	return t;
}

static void print_plan(const struct cli *cli, const struct plan *p, bool done, FILE *out)
{
	for (size_t i = 0, j; i < p->nactions; i = j) {
		const struct action *g = &p->actions[i];

		j = group_end(p, i);
		print_changes("", g, j - i, done ? was_written : is_change, out);
		if (done)
			print_partials(g, j - i, out);
		print_skips(g, j - i, out);
		if (cli->verbose && g->state == ACTION_IN_PLACE) {
			char v[VIS_MAX];

			fprintf(out, "ok %s: %s", g->label, vis(v, g->desired));
			print_source(g->src, out);
		}
	}
	print_messages(p, out);
}

static void print_failure(const struct plan *p, const struct apply_outcome *o)
{
	char v1[VIS_MAX], v2[VIS_MAX];

	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		const char *sp = a->target ? " " : "", *t = a->target ? a->target : "";

		if (a->result == RESULT_FAILED && a->readback)
			log_error("%s:%d: %s%s%s: wrote '%s' to /%s, the kernel kept '%s'", a->src->file, a->src->line,
				  a->label, sp, t, vis(v1, a->desired), a->path, vis(v2, a->readback));
		else if (a->result == RESULT_FAILED)
			log_errno(a->error, "%s:%d: %s%s%s: cannot write '%s' to /%s", a->src->file, a->src->line,
				  a->label, sp, t, vis(v1, a->desired), a->path);
		else if (a->result == RESULT_ROLLBACK_FAILED)
			log_error("%s%s%s: could not put back '%s' in /%s", a->label, sp, t, vis(v1, a->current),
				  a->path);
	}
	if (o->rollback_failed)
		log_error("some changes could not be rolled back; the journal is kept: run 'rigtune revert'");
	else
		log_error("every change this run made was rolled back");
}

static bool was_rolled_back(const struct action *a)
{
	return a->result == RESULT_ROLLED_BACK;
}

static int apply_result(const struct cli *cli, const struct sysroot *sr, struct plan *p,
			const char *profile, const struct apply_outcome *o)
{
	struct tally t = tally_plan(p);
	_cleanup_free_ char *jpath = journal_display_path(sr);

	if (cli->json) {
		if (apply_json(p, o, profile, jpath, stdout) < 0)
			return log_error("apply: cannot write the JSON output");
		if (o->failed)
			print_failure(p, o);
		return o->failed ? EXIT_ERROR : o->partial ? EXIT_CHECK : EXIT_GOOD;
	}
	print_plan(cli, p, true, stdout);
	if (o->stale_journal)
		printf("note: replaced a journal from an earlier boot (the reboot had put its values back)\n");
	if (o->failed) {
		for (size_t i = 0, j; i < p->nactions; i = j) {
			j = group_end(p, i);
			print_changes("rolled back ", &p->actions[i], j - i, was_rolled_back, stdout);
		}
		print_failure(p, o);
		return EXIT_ERROR;
	}
	if (t.changed == 0 && t.skipped)
		printf("nothing to change: %zu settings already in place (%zu skipped)\n", t.in_place, t.skipped);
	else if (t.changed == 0)
		printf("nothing to change: %zu settings already in place\n", t.in_place);
	else if (o->journal_saved)
		printf("applied %zu settings (%zu already in place, %zu skipped); journal %s; undo with "
		       "'rigtune revert'\n", t.changed, t.in_place, t.skipped, jpath ? jpath : "");
	else    /* only boot files: their originals are in var/lib/rigtune/originals */
		printf("applied %zu settings (%zu already in place, %zu skipped); undo with 'rigtune revert'\n",
		       t.changed, t.in_place, t.skipped);
	return o->partial ? EXIT_CHECK : EXIT_GOOD;
}

static int journal_untrusted(const char *jpath)
{
	return log_error("%s: the journal or its directory is not a regular file and directory owned by "
			 "root (the user rigtune runs as), or is writable by group/others; refusing it, "
			 "nothing was changed", jpath);
}

static int apply_journal_error(const struct sysroot *sr, int r, const struct apply_outcome *o)
{
	_cleanup_free_ char *jpath = journal_display_path(sr);

	if (r == -EBADMSG)
		return log_error("%s:%d: the journal is corrupt; nothing was changed (look at it, and remove it "
				 "if its values are not needed)", jpath, o->bad_line);
	if (r == -EPERM)
		return journal_untrusted(jpath);
	return log_errno(r, "cannot write the journal %s; nothing was changed", jpath);
}

static int plan_or_log(const struct knob_ctx *ctx, struct tuners_seen *seen, struct plan **p)
{
	int r = plan_build(ctx, p);

	if (r >= 0)
		r = other_tuners_plan(ctx, *p, seen);
	if (r < 0)
		return log_errno(r, "cannot plan %s", ctx->profile->path);
	return (*p)->nerrors ? print_plan_errors(*p) : 0;
}

static int dry_run(const struct cli *cli, const struct plan *p, const char *profile)
{
	struct tally t = tally_plan(p);

	if (cli->json)
		return apply_json(p, NULL, profile, NULL, stdout) < 0 ? log_error("apply: cannot write the JSON output")
								      : EXIT_GOOD;

	print_plan(cli, p, false, stdout);
	printf("dry run: %zu settings to change, %zu already in place, %zu skipped; nothing written\n",
	       t.changed, t.in_place, t.skipped);
	return EXIT_GOOD;
}

/* Plan (a profile the host cannot take is refused before the lock is
 * even created), then take the lock and plan again: the current values
 * journaled must be read under the lock. */
/* apply --bootloader: once the kernel command line file is as the
 * profile wants it, run the boot loader's own tool on it. */
static int regenerate_bootloader(const struct sysroot *sr, const struct plan *p, bool dry_run)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *cmd = NULL;
	bool wanted = false;
	int r, status;

	for (size_t i = 0; i < p->nactions; i++)
		wanted |= p->actions[i].durable && (p->actions[i].state == ACTION_IN_PLACE ||
						    p->actions[i].result == RESULT_WRITTEN);
	if (!wanted) {
		printf("--bootloader: no kernel command line file to regenerate the boot loader from "
		       "([kernel] cmdline)\n");
		return 0;
	}
	r = bootloader_argv(sr, &argv);
	if (r < 0)
		return log_errno(r, "--bootloader: cannot tell how to regenerate the boot loader");
	cmd = strv_join(argv, " ");
	if (!cmd)
		return log_errno(-ENOMEM, "--bootloader");
	if (dry_run) {
		printf("--bootloader: would run %s\n", cmd);
		return 0;
	}
	printf("running %s%s\n", cmd, sr->live ? "" : " (on this host: the tool does not know --sysroot)");
	fflush(stdout);
	r = bootloader_run(argv, &status);
	if (r < 0)
		return log_errno(r, "--bootloader: cannot run %s", argv[0]);
	if (status != 0)
		return log_error("--bootloader: %s exited with status %d; the kernel command line file is "
				 "written, the boot loader is not regenerated", cmd, status);
	printf("boot loader regenerated: the new kernel command line takes effect at the next boot\n");
	return 0;
}

static int apply_profile(const struct cli *cli, struct sysroot *sr, const struct profile *prof,
			 const struct engine_opts *o)
{
	struct host h;
	const struct knob_ctx ctx = {.sr = sr, .host = &h, .profile = prof};
	struct plan *p = NULL;
	struct tuners_seen seen = {0};
	struct apply_outcome out;
	int r = probe(cli, sr, prof, 0, &h), lock_fd = -1;

	if (r)
		return r;
	r = plan_or_log(&ctx, &seen, &p);
	if (r == 0 && o->dry_run)
		r = dry_run(cli, p, prof->path);
	else if (r == 0 && (r = lock(sr, "apply", o->wait_ms, &lock_fd)) == 0) {
		p = plan_free(p);
		r = plan_or_log(&ctx, &seen, &p);
	}
	if (r == 0 && !o->dry_run) {
		r = apply_plan(sr, p, prof->path, &out);
		r = r < 0 ? apply_journal_error(sr, r, &out) : apply_result(cli, sr, p, prof->path, &out);
	}
	if (o->bootloader && r != EXIT_ERROR) {
		int rb = regenerate_bootloader(sr, p, o->dry_run);

		r = rb ? rb : r;
	}
	tune_lock_release(lock_fd);
	plan_free(p);
	host_release(&h);
	return r;
}

int cmd_apply(const struct cli *cli, int argc, char **argv)
{
	struct engine_opts o;
	struct profile *prof = NULL;
	struct sysroot *sr = NULL;
	int r;

	r = parse_engine_opts("apply", argc, argv, true, &o);
	if (r)
		return r;
	if (optind + 1 != argc)
		return log_error("apply: expected one PROFILE (try 'rigtune apply --help')");
	r = cli_profile_load(argv[optind], &prof);
	if (r == 0)
		r = open_sysroot(cli, &sr);
	if (r == 0 && sr->live && !o.dry_run && geteuid() != 0)
		r = log_error("apply: writing kernel settings needs root (try --dry-run)");
	if (r == 0)
		r = apply_profile(cli, sr, prof, &o);
	sysroot_free(sr);
	profile_free(prof);
	if (fflush(stdout) != 0 && r == 0)
		r = log_error("cannot write output");
	return r;
}

/* ---- revert ---- */

/* "label: before → original" per label (items of one label written
 * alike share a line), then partial and failed items one by one. */
static void print_reverted_group(const struct revert_item *g, size_t n)
{
	const struct revert_item *first = NULL;
	char v1[VIS_MAX], v2[VIS_MAX], v3[VIS_MAX], v4[VIS_MAX];
	size_t count = 0;
	bool alike = true;

	for (size_t i = 0; i < n; i++) {
		if (g[i].result != RESULT_WRITTEN)
			continue;
		if (first)
			alike &= !strcmp(first->before, g[i].before) && !strcmp(first->entry->original, g[i].entry->original);
		first = first ? first : &g[i];
		count++;
	}
	if (first && alike)
		printf("%s: %s %s %s", vis(v3, first->entry->label), vis(v1, first->before), arrow(),
		       vis(v2, first->entry->original));
	else if (first)
		printf("%s: restored", vis(v3, first->entry->label));
	if (first)
		printf(count > 1 ? " on %zu files\n" : "\n", count);
	for (size_t i = 0; i < n; i++) {
		const struct revert_item *x = &g[i];

		if (x->result == RESULT_PARTIAL)
			printf("partial %s: /%s: the kernel gave back %s of %s\n", vis(v3, x->entry->label), vis(v4, x->entry->path),
			       vis(v1, x->readback), vis(v2, x->entry->original));
		else if (x->result == RESULT_FAILED)
			log_errno(x->error, "%s: cannot put back '%s' in /%s", vis(v3, x->entry->label),
				  vis(v1, x->entry->original), vis(v4, x->entry->path));
	}
}

static void print_reverted(const struct revert_outcome *out)
{
	for (size_t i = 0, j; i < out->nitems; i = j) {
		for (j = i + 1; j < out->nitems && !strcmp(out->items[j].entry->label, out->items[i].entry->label); j++)
			;
		print_reverted_group(&out->items[i], j - i);
	}
}

static int revert_summary(const struct sysroot *sr, const struct revert_outcome *out)
{
	_cleanup_free_ char *jpath = journal_display_path(sr);

	if (out->gone)
		printf("note: %zu files of the journal are gone (a device removed, its IRQs renumbered); "
		       "nothing to restore there\n", out->gone);
	if (out->failed || out->partial) {
		log_error("%zu settings could not be restored; the journal %s is kept: run 'rigtune revert' again",
			  out->failed + out->partial, jpath ? jpath : "");
		return out->failed ? EXIT_ERROR : EXIT_CHECK;
	}
	if (!out->journal_removed)
		return log_error("restored everything, but cannot remove the journal %s", jpath ? jpath : "");
	printf("reverted %zu settings; journal removed\n", out->restored);
	return EXIT_GOOD;
}

/* The exit status of a revert whose items went to JSON; failures are
 * said on stderr as well. */
static int revert_json_status(const struct sysroot *sr, const struct revert_outcome *out)
{
	_cleanup_free_ char *jpath = journal_display_path(sr);
	char v[VIS_MAX];

	for (size_t i = 0; i < out->nitems; i++)
		if (out->items[i].result == RESULT_FAILED)
			log_errno(out->items[i].error, "%s: cannot put back '%s' in /%s", out->items[i].entry->label,
				  vis(v, out->items[i].entry->original), out->items[i].entry->path);
	if (out->failed || out->partial)
		log_error("%zu settings could not be restored; the journal %s is kept", out->failed + out->partial,
			  jpath ? jpath : "");
	else if (!out->journal_removed)
		return log_error("restored everything, but cannot remove the journal %s", jpath ? jpath : "");
	return out->failed ? EXIT_ERROR : out->partial ? EXIT_CHECK : EXIT_GOOD;
}

/* Load the journal: 0, -ENOENT when there is none (said so), or
 * EXIT_ERROR (printed). */
static int revert_load(const struct sysroot *sr, struct journal **j, bool quiet_absent)
{
	_cleanup_free_ char *jpath = journal_display_path(sr);
	char v[VIS_MAX];
	size_t bad;
	int line, r = journal_load(sr, j, &line);

	if (r == -ENOENT) {
		if (!quiet_absent)
			printf("no journal: nothing to revert\n");
		return r;
	}
	if (r == -EBADMSG)
		return log_error("%s:%d: the journal is corrupt; nothing was changed", jpath, line);
	if (r == -EPERM)
		return journal_untrusted(jpath);
	if (r < 0)
		return log_errno(r, "cannot read the journal %s", jpath);
	for (bad = 0; bad < (*j)->nentries; bad++)
		if (!journal_entry_matches((*j)->entries[bad].label, (*j)->entries[bad].path) ||
		    sr_check_writable_path(sr, (*j)->entries[bad].path) == -EPERM)
			return log_error("%s:%zu: '%s' is not a file rigtune writes; the journal is corrupt, "
					 "nothing was changed", jpath, bad + 4, vis(v, (*j)->entries[bad].path));
	return 0;
}

/* The reboot put every value back, and what the journal names may have
 * moved since (hugepages reserved at this boot, IRQ numbers of other
 * devices): an earlier boot's journal is replayed only with --force. */
static int revert_boot_check(const struct cli *cli, const struct sysroot *sr, const struct journal *j, bool force)
{
	_cleanup_free_ char *boot = tune_boot_id(sr), *jpath = journal_display_path(sr);
	char v1[VIS_MAX], v2[VIS_MAX];

	if (!boot || !jpath)
		return log_errno(-ENOMEM, "revert");
	if (!strcmp(boot, j->boot_id))
		return 0;
	if (force) {
		if (!cli->json)
			printf("note: the journal is from an earlier boot; its values are restored anyway (--force)\n");
		return 0;
	}
	return log_error("%s: the journal is from an earlier boot (boot id %s, now %s): the reboot put its "
			 "values back; nothing was changed (revert --force replays it anyway)", jpath,
			 *j->boot_id ? vis(v1, j->boot_id) : "unknown", *boot ? vis(v2, boot) : "unknown");
}

static int revert_journal_now(const struct cli *cli, const struct sysroot *sr, const struct journal *j)
{
	_cleanup_free_ char *boot = tune_boot_id(sr);
	char v[VIS_MAX];
	struct revert_outcome out;
	size_t bad = 0;
	int r = revert_journal(sr, j, &out, &bad);

	if (r == -EBADMSG)
		return log_error("'%s' is not a file rigtune writes; the journal is corrupt, nothing was changed",
				 vis(v, j->entries[bad].path));
	if (r < 0)
		return log_errno(r, "cannot revert");
	if (cli->json) {
		r = revert_json(&out, j->profile, boot && *boot && *j->boot_id && strcmp(boot, j->boot_id), stdout);
		r = r < 0 ? log_error("revert: cannot write the JSON output") : revert_json_status(sr, &out);
		revert_outcome_release(&out);
		return r;
	}
	print_reverted(&out);
	r = revert_summary(sr, &out);
	revert_outcome_release(&out);
	return r;
}

/* Boot files ([kernel] cmdline) back as they were: they take effect
 * once the boot loader is regenerated. */
static int revert_boot_now(const struct sysroot *sr, FILE *out)
{
	_cleanup_strv_ char **done = NULL;
	_cleanup_free_ char *failed = NULL;
	int r = revert_boot_files(sr, &done, &failed);

	for (size_t i = 0; done && done[i]; i++)
		fprintf(out, "/%s restored from %s; %s\n", done[i], DURABLE_ORIGINALS_DIR,
		       startswith(done[i], DURABLE_UNIT_DIR) ? "systemctl daemon-reload to forget the unit"
		       : "regenerate the boot loader (rigtune apply --bootloader, or update-grub) before the next boot");
	if (r < 0)
		return log_errno(r, "cannot restore /%s from its saved original", failed ? failed : "?");
	return 0;
}

static bool boot_files_saved(const struct sysroot *sr)
{
	_cleanup_strv_ char **paths = NULL;

	return originals_list(sr, &paths) == 0 && paths[0];
}

/* The journal is checked before the lock is taken (a corrupt one leaves
 * no trace), then loaded again under it. */
/* No journal: said in JSON too (the text was printed by revert_load). */
static int no_journal(const struct cli *cli)
{
	if (cli->json && revert_json(NULL, NULL, false, stdout) < 0)
		return log_error("revert: cannot write the JSON output");
	return EXIT_GOOD;
}

static int revert_run(const struct cli *cli, const struct sysroot *sr, const struct engine_opts *o)
{
	_cleanup_(journal_freep) struct journal *j = NULL;
	bool boot = boot_files_saved(sr);
	int r = revert_load(sr, &j, boot || cli->json), lock_fd = -1, rb;

	if (r == 0)
		r = revert_boot_check(cli, sr, j, o->force);
	if (r && !(r == -ENOENT && boot))
		return r == -ENOENT ? no_journal(cli) : r;
	j = journal_free(j);
	r = lock(sr, "revert", o->wait_ms, &lock_fd);
	if (r == 0)
		r = revert_load(sr, &j, boot || cli->json);
	if (r == 0)
		r = revert_journal_now(cli, sr, j);
	if (r == 0 || r == -ENOENT) {
		rb = revert_boot_now(sr, cli->json ? stderr : stdout);
		r = rb ? rb : r;
	}
	tune_lock_release(lock_fd);
	return r == -ENOENT ? no_journal(cli) : r;
}

int cmd_revert(const struct cli *cli, int argc, char **argv)
{
	struct engine_opts o;
	struct sysroot *sr = NULL;
	int r;

	r = parse_engine_opts("revert", argc, argv, false, &o);
	if (r)
		return r;
	if (optind != argc)
		return log_error("revert: unexpected argument '%s'", argv[optind]);
	r = open_sysroot(cli, &sr);
	if (r == 0 && sr->live && geteuid() != 0)
		r = log_error("revert: writing kernel settings needs root");
	if (r == 0)
		r = revert_run(cli, sr, &o);
	sysroot_free(sr);
	if (fflush(stdout) != 0 && r == 0)
		r = log_error("cannot write output");
	return r;
}

/* ---- audit ---- */

static const char *status_color(const struct cli *cli, enum check_status s)
{
	static const char *const colors[] = {
		[CHECK_PASS] = "\033[32m", [CHECK_FAIL] = "\033[31m", [CHECK_SKIP] = "\033[33m",
		[CHECK_ERROR] = "\033[1;31m", [CHECK_WARN] = "\033[35m", [CHECK_INFO] = "\033[36m",
	};

	return cli->color ? colors[s] : "";
}

/* Failures first, then errors, warnings, skips, notes and passes;
 * profile order within. */
static int status_rank(enum check_status s)
{
	static const int rank[] = {[CHECK_FAIL] = 0, [CHECK_ERROR] = 1, [CHECK_WARN] = 2, [CHECK_SKIP] = 3,
				   [CHECK_INFO] = 4, [CHECK_PASS] = 5};

	return rank[s];
}

static int cmp_checks(const void *a, const void *b)
{
	const struct check *x = *(const struct check *const *)a, *y = *(const struct check *const *)b;
	int d = status_rank(x->status) - status_rank(y->status);

	return d ? d : (x > y) - (x < y);
}

static void print_check(const struct cli *cli, const struct check *c, const struct check_table *t)
{
	check_table_row(t, c, status_color(cli, c->status), cli->color ? "\033[0m" : "", stdout);
	if (c->subject)    /* a finding: what it is about, and what was found */
		printf("       on: %s\n       found: %s\n", c->subject, c->actual ? c->actual : "-");
	else if (c->actual && strlen(c->actual) > (size_t)t->width[2])
		printf("       actual: %s\n", c->actual);
	if (c->note && (c->status != CHECK_PASS || cli->verbose || c->hint || strlen(c->note) > 0))
		printf("       %s: %s\n", c->status == CHECK_SKIP ? "why" : "note", c->note);
	if (c->hint && c->status != CHECK_PASS)
		printf("       fix: %s\n", c->hint);
}

static int audit_text(const struct cli *cli, const struct audit *a)
{
	_cleanup_free_ struct check **v = calloc(a->nchecks + 1, sizeof(*v));
	char counts[160];
	struct check_table t = {
		.indent = "", .gap = "  ", .titles = {"CHECK", "EXPECTED", "ACTUAL", "SOURCE"},
		.min = {5, 8, 6}, .max = {40, 36, 36}, .no_actual = "-", .capitals = true, .marked_cuts = true,
	};

	if (!v)
		return log_errno(-ENOMEM, "audit");
	for (size_t i = 0; i < a->nchecks; i++)
		v[i] = &a->checks[i];
	qsort(v, a->nchecks, sizeof(*v), cmp_checks);
	check_table_measure(&t, a->checks, a->nchecks);
	check_table_header(&t, stdout);
	for (size_t i = 0; i < a->nchecks; i++)
		print_check(cli, v[i], &t);
	printf("%s: %s\n", a->profile, format_check_counts(counts, sizeof(counts), a));
	return 0;
}

static void audit_json(const struct audit *a, FILE *out)
{
	struct json j;

	json_init(&j, out, false);
	json_document_begin(&j, NULL);
	json_kv_string(&j, "profile", a->profile);
	audit_json_members(a, false, &j);
	json_document_end(&j);
	json_end(&j);
}

/* No profile named: the one `rigtune recommend` picks, said on stderr. */
static int audit_profile(const struct cli *cli, const char *name, const struct host *h, struct profile **ret)
{
	struct recommendation rec;
	int r;

	if (name)
		return cli_profile_load(name, ret);
	r = recommend_profile(h, &rec);
	if (r < 0)
		return log_errno(r, "audit");
	if (!cli->json)
		fprintf(stderr, "rigtune: auditing the recommended profile %s: %s\n", rec.profile, rec.reason);
	r = cli_profile_load(rec.profile, ret);
	recommendation_release(&rec);
	return r;
}

int cmd_audit(const struct cli *cli, int argc, char **argv)
{
	_cleanup_(audit_freep) struct audit *a = NULL;
	struct profile *prof = NULL;
	struct sysroot *sr = NULL;
	struct host h;
	int r;

	if (argc > 1 && argv[1][0] == '-' && argv[1][1])
		return log_error("audit: unknown option '%s' (try 'rigtune audit --help')", argv[1]);
	if (argc > 2)
		return log_error("audit: expected at most one PROFILE (try 'rigtune audit --help')");
	r = open_sysroot(cli, &sr);
	if (r == 0 && argc == 2)
		r = cli_profile_load(argv[1], &prof);
	if (r == 0 && (r = probe(cli, sr, prof, RIG_AUDIT_PROBES, &h)) == 0) {
		if (!prof)
			r = audit_profile(cli, NULL, &h, &prof);
		if (r == 0)
			r = rig_audit(sr, &h, prof, NULL, &a);
		r = r < 0 ? log_errno(r, "audit") : r;
		host_release(&h);
	}
	if (r == 0 && cli->json)
		audit_json(a, stdout);
	else if (r == 0)
		r = audit_text(cli, a);
	if (r == 0)
		r = audit_exit_status(a);
	sysroot_free(sr);
	profile_free(prof);
	if (fflush(stdout) != 0)
		r = log_error("cannot write output");
	return r;
}
