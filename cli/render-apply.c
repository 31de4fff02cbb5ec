/* `apply --json` and `revert --json`: one object per file written (or
 * that would be), with the value found, the value wanted and what became
 * of it, and totals; what configuration tools (contrib/ansible) read to
 * say "changed" and show a diff. Schema: docs/schema/apply.json and
 * revert.json. */
#include <stdio.h>
#include <string.h>

#include "cli/render-apply.h"
#include "common/json.h"
#include "common/util.h"

/* What became of one action, in the words a user (or Ansible) reads. */
static const char *action_status(const struct action *a, bool dry_run)
{
	static const char *const results[] = {
		[RESULT_WRITTEN] = "changed", [RESULT_PARTIAL] = "partial", [RESULT_REFUSED] = "refused",
		[RESULT_FAILED] = "failed", [RESULT_ROLLED_BACK] = "rolled-back",
		[RESULT_ROLLBACK_FAILED] = "rollback-failed",
	};

	switch (a->state) {
	case ACTION_IN_PLACE:
		return "unchanged";
	case ACTION_SKIP:
		return "skipped";
	case ACTION_UNSUPPORTED:
		return "unsupported";
	case ACTION_CHANGE:
		break;
	}
	if (dry_run)
		return "changed";
	return a->result == RESULT_NONE ? "not-written" : results[a->result];
}

static void kv_source(struct json *j, const char *file, int line)
{
	_cleanup_free_ char *src = file ? xasprintf("%s:%d", file, line) : NULL;

	json_kv_string(j, "source", src);
}

static void apply_action_json(const struct action *a, bool dry_run, struct json *j)
{
	json_object_begin(j);
	json_kv_string(j, "label", a->label);
	json_kv_string(j, "target", a->target);
	json_kv_string(j, "path", a->path ? a->path : NULL);
	json_kv_string(j, "status", action_status(a, dry_run));
	json_kv_string(j, "old", a->path ? a->current : NULL);
	json_kv_string(j, "new", a->path ? a->desired : NULL);
	json_kv_string(j, "readback", a->readback);
	json_kv_string(j, "reason", a->reason);
	kv_source(j, a->src ? a->src->file : NULL, a->src ? a->src->line : 0);
	json_object_end(j);
}

/* Files by status, every status present (zeros too) so that a reader
 * never has to ask whether a key is missing. */
static void apply_totals_json(const struct plan *p, bool dry_run, struct json *j)
{
	static const char *const names[] = {"changed", "unchanged", "skipped", "unsupported", "partial",
					    "refused", "failed", "rolled-back", "rollback-failed", "not-written"};
	size_t counts[ARRAY_SIZE(names)] = {0};

	for (size_t i = 0; i < p->nactions; i++)
		for (size_t k = 0; k < ARRAY_SIZE(names); k++)
			counts[k] += !strcmp(names[k], action_status(&p->actions[i], dry_run));
	json_key(j, "totals");
	json_object_begin(j);
	for (size_t k = 0; k < ARRAY_SIZE(names); k++)
		json_kv_int(j, names[k], (int64_t)counts[k]);
	json_object_end(j);
}

static void notes_json(const struct plan *p, bool stale_journal, struct json *j)
{
	json_key(j, "notes");
	json_array_begin(j);
	for (size_t i = 0; i < p->nnotes; i++) {
		json_object_begin(j);
		json_kv_string(j, "label", p->notes[i].label);
		json_kv_bool(j, "warning", p->notes[i].fails);
		json_kv_string(j, "text", p->notes[i].text);
		json_object_end(j);
	}
	if (stale_journal) {
		json_object_begin(j);
		json_kv_string(j, "label", "journal");
		json_kv_bool(j, "warning", false);
		json_kv_string(j, "text", "replaced a journal from an earlier boot (the reboot had put its values back)");
		json_object_end(j);
	}
	json_array_end(j);
}

static bool plan_changes(const struct plan *p)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].state == ACTION_CHANGE)
			return true;
	return false;
}

static const char *apply_result_name(const struct plan *p, const struct apply_outcome *o)
{
	if (o && o->failed)
		return "failed";
	if (o && o->partial)
		return "partial";
	return plan_changes(p) ? "changed" : "unchanged";
}

int apply_json(const struct plan *p, const struct apply_outcome *o, const char *profile, const char *journal,
	       FILE *out)
{
	bool dry_run = !o;
	struct json j;

	json_init(&j, out, false);
	json_document_begin(&j, NULL);
	json_kv_string(&j, "command", "apply");
	json_kv_string(&j, "profile", profile);
	json_kv_bool(&j, "dry_run", dry_run);
	json_kv_string(&j, "result", apply_result_name(p, o));
	/* what Ansible's "changed" means: the host was, or in a dry run would be, changed */
	json_kv_bool(&j, "changed", dry_run ? plan_changes(p) : o->written > 0 && !o->failed);
	json_kv_string(&j, "journal", !dry_run && o->written > 0 ? journal : NULL);
	json_key(&j, "settings");
	json_array_begin(&j);
	for (size_t i = 0; i < p->nactions; i++)
		apply_action_json(&p->actions[i], dry_run, &j);
	json_array_end(&j);
	apply_totals_json(p, dry_run, &j);
	notes_json(p, o && o->stale_journal, &j);
	json_document_end(&j);
	return json_end(&j);
}

static const char *revert_status(const struct revert_item *x)
{
	switch (x->result) {
	case RESULT_WRITTEN:
		return "changed";
	case RESULT_PARTIAL:
		return "partial";
	case RESULT_FAILED:
		return "failed";
	default:
		return x->before ? "unchanged" : "gone";
	}
}

static void revert_totals_json(const struct revert_outcome *o, struct json *j)
{
	static const char *const names[] = {"changed", "unchanged", "gone", "partial", "failed"};

	json_key(j, "totals");
	json_object_begin(j);
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		size_t n = 0;

		for (size_t i = 0; o && i < o->nitems; i++)
			n += !strcmp(names[k], revert_status(&o->items[i]));
		json_kv_int(j, names[k], (int64_t)n);
	}
	json_object_end(j);
}

static const char *revert_result_name(const struct revert_outcome *o)
{
	if (!o)
		return "no-journal";
	if (o->failed)
		return "failed";
	if (o->partial)
		return "partial";
	return o->restored ? "changed" : "unchanged";
}

int revert_json(const struct revert_outcome *o, const char *profile, bool earlier_boot, FILE *out)
{
	struct json j;

	json_init(&j, out, false);
	json_document_begin(&j, NULL);
	json_kv_string(&j, "command", "revert");
	json_kv_string(&j, "profile", profile);
	json_kv_string(&j, "result", revert_result_name(o));
	json_kv_bool(&j, "changed", o && o->restored > 0);
	json_kv_bool(&j, "journal_removed", o && o->journal_removed);
	json_kv_bool(&j, "earlier_boot", earlier_boot);
	json_key(&j, "settings");
	json_array_begin(&j);
	for (size_t i = 0; o && i < o->nitems; i++) {
		const struct revert_item *x = &o->items[i];

		json_object_begin(&j);
		json_kv_string(&j, "label", x->entry->label);
		json_kv_string(&j, "path", x->entry->path);
		json_kv_string(&j, "status", revert_status(x));
		json_kv_string(&j, "old", x->before);
		json_kv_string(&j, "new", x->entry->original);
		json_kv_string(&j, "readback", x->readback);
		json_object_end(&j);
	}
	json_array_end(&j);
	revert_totals_json(o, &j);
	json_document_end(&j);
	return json_end(&j);
}
