/* rigtune recommend (which shipped profile fits this host, and why) and
 * rigtune status (which profile was applied, what it changed, and
 * whether each value still holds: the journal against the profile's
 * plan now). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/json.h"
#include "common/util.h"
#include "tune/drift.h"
#include "tune/journal.h"
#include "tune/profile.h"
#include "tune/recommend.h"

int cmd_recommend(const struct cli *cli, int argc, char **argv)
{
	struct recommendation rec;
	struct host h;
	int r;

	(void)argv;
	if (argc != 1)
		return log_error("recommend: takes no arguments (try 'rigtune recommend --help')");
	r = cli_probe_host(cli, &h);
	if (r)
		return r;
	r = recommend_profile(&h, &rec);
	host_release(&h);
	if (r < 0)
		return log_errno(r, "recommend");
	if (cli->json) {
		struct json j;

		json_init(&j, stdout, false);
		json_document_begin(&j, NULL);
		json_kv_string(&j, "profile", rec.profile);
		json_kv_string(&j, "reason", rec.reason);
		json_document_end(&j);
		json_end(&j);
	} else {
		printf("%s\n  %s\n", rec.profile, rec.reason);
	}
	recommendation_release(&rec);
	return fflush(stdout) ? log_error("cannot write output") : EXIT_GOOD;
}

/* ---- status ---- */

static const char *const drift_names[] = {
	[DRIFT_HOLDS] = "holds", [DRIFT_CHANGED] = "changed since", [DRIFT_UNPLANNED] = "no longer in the profile",
};

/* One line per label ("cpu.governor: 384 files, schedutil -> performance,
 * all hold"), then each file that drifted. */
static void status_text(const struct journal *j, const char *applied, const struct drift_item *v, size_t n,
			size_t drifted)
{
	printf("Profile:   %s\nApplied:   %s\nChanged:   %zu file%s\n", j->profile, applied, n, n == 1 ? "" : "s");
	for (size_t i = 0, k; i < n; i = k) {
		size_t holds = 0;
		char orig[VIS_MAX];

		for (k = i; k < n && !strcmp(v[k].entry->label, v[i].entry->label); k++)
			holds += v[k].state == DRIFT_HOLDS;
		printf("  %-30s %zu file%s, %s -> %s, %s\n", v[i].entry->label, k - i, k - i == 1 ? "" : "s",
		       vis(orig, v[i].entry->original), v[i].applied ? v[i].applied : "?",
		       holds == k - i ? (k - i == 1 ? "holds" : "all hold") : holds ? "some changed since" : "changed since");
	}
	for (size_t i = 0; i < n; i++) {
		char now[VIS_MAX];

		if (v[i].state == DRIFT_HOLDS)
			continue;
		printf("  ! %s: %s", v[i].entry->path, drift_names[v[i].state]);
		if (v[i].state == DRIFT_CHANGED)
			printf(": now %s, applied %s", v[i].current ? vis(now, v[i].current) : "unreadable",
			       v[i].applied ? v[i].applied : "?");
		putchar('\n');
	}
	printf("Drift:     %s%zu value%s changed since the apply\n", drifted ? "" : "none: ", drifted,
	       drifted == 1 ? "" : "s");
}

static void status_json(const struct journal *j, const char *applied, const struct drift_item *v, size_t n)
{
	struct json js;

	json_init(&js, stdout, false);
	json_document_begin(&js, NULL);
	json_kv_string(&js, "profile", j->profile);
	json_kv_string(&js, "applied", applied);
	json_key(&js, "changes");
	json_array_begin(&js);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(&js);
		json_kv_string(&js, "label", v[i].entry->label);
		json_kv_string(&js, "path", v[i].entry->path);
		json_kv_string(&js, "original", v[i].entry->original);
		json_kv_string(&js, "applied", v[i].applied);
		json_kv_string(&js, "current", v[i].current);
		json_kv_string(&js, "state", drift_names[v[i].state]);
		json_object_end(&js);
	}
	json_array_end(&js);
	json_document_end(&js);
	json_end(&js);
}

static int status_of(const struct cli *cli, const struct sysroot *sr, const struct journal *j)
{
	_cleanup_free_ char *boot = tune_boot_id(sr);
	struct profile *p = NULL;
	struct drift_item *v = NULL;
	struct host h;
	size_t n = 0, drifted = 0;
	const char *applied = !boot || !*boot || !j->boot_id || !*j->boot_id ? "boot unknown (no boot_id)"
			      : !strcmp(boot, j->boot_id) ? "this boot"
			      : "an earlier boot: a reboot resets what apply wrote (rigtune.service applies it again)";
	int r = cli_profile_load(j->profile, &p);

	if (r == 0 && (r = cli_probe_host(cli, &h)) == 0) {
		const struct knob_ctx ctx = {.sr = sr, .host = &h, .profile = p};

		r = journal_drift(&ctx, j, &v, &n);
		r = r < 0 ? log_errno(r, "status") : 0;
		host_release(&h);
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		drifted += v[i].state == DRIFT_CHANGED;
	if (r == 0 && cli->json)
		status_json(j, applied, v, n);
	else if (r == 0)
		status_text(j, applied, v, n, drifted);
	drift_items_free(v, n);
	profile_free(p);
	return r ? r : drifted ? EXIT_CHECK : EXIT_GOOD;
}

int cmd_status(const struct cli *cli, int argc, char **argv)
{
	_cleanup_(journal_freep) struct journal *j = NULL;
	_cleanup_free_ char *jpath = NULL;
	struct sysroot *sr = NULL;
	int line = 0, r;

	(void)argv;
	if (argc != 1)
		return log_error("status: takes no arguments (try 'rigtune status --help')");
	r = sysroot_open(cli->sysroot, &sr);
	if (r < 0)
		return log_errno(r, "cannot open sysroot '%s'", cli->sysroot);
	jpath = journal_display_path(sr);
	r = journal_load(sr, &j, &line);
	if (r == -ENOENT) {
		printf(cli->json ? "{\"schema\":1,\"profile\":null}\n" : "no profile applied (no journal at %s)\n", jpath);
		r = EXIT_GOOD;
	} else if (r == -EBADMSG) {
		r = log_error("%s:%d: the journal is corrupt", jpath, line);
	} else if (r < 0) {
		r = log_errno(r, "cannot read the journal %s", jpath);
	} else {
		r = status_of(cli, sr, j);
	}
	sysroot_free(sr);
	if (fflush(stdout) && r == 0)
		r = log_error("cannot write output");
	return r;
}
