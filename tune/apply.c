/* Apply and revert (see apply.h): journal first, then write and read
 * back through the sysroot layer; roll back on failure; restore from the
 * journal in reverse. */
#include <errno.h>
#include <stdio.h>

#include "common/durable.h"
#include "common/util.h"
#include "probes/pci.h"
#include "tune/apply.h"
#include "tune/originals.h"

/* The journal this run writes: an existing one from this boot (earlier
 * originals stay, so revert returns to before the first apply) plus this
 * plan's changes. A journal from an earlier boot is stale: the reboot put
 * every value back, so today's values are the originals. */
static int journal_for_run(const struct sysroot *sr, const struct plan *plan, const char *profile,
			   struct apply_outcome *out, struct journal **previous, struct journal **ret)
{
	_cleanup_free_ char *boot = tune_boot_id(sr);
	_cleanup_(journal_freep) struct journal *j = NULL;
	int r, added = 0;

	if (!boot)
		return -ENOMEM;
	r = journal_load(sr, previous, &out->bad_line);
	if (r < 0 && r != -ENOENT)
		return r;
	if (*previous && *boot && *(*previous)->boot_id && strcmp(boot, (*previous)->boot_id)) {
		*previous = journal_free(*previous);
		out->stale_journal = true;
	}
	j = journal_new(boot, profile);
	if (!j)
		return -ENOMEM;
	for (size_t i = 0; *previous && i < (*previous)->nentries; i++) {
		const struct journal_entry *e = &(*previous)->entries[i];

		if (!journal_entry_matches(e->label, e->path)) {
			out->bad_line = (int)i + 4;     /* after magic, boot, profile */
			return -EBADMSG;
		}
		if (journal_add(j, e->label, e->path, e->original) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < plan->nactions; i++) {
		const struct action *a = &plan->actions[i];

		if (a->state != ACTION_CHANGE || a->durable)
			continue;       /* a boot file's original: tune/originals.c */
		r = journal_add(j, a->label, a->path, a->current);
		if (r < 0)
			return r;
		added += r;
	}
	out->journal_saved = added > 0 || out->stale_journal;
	*ret = TAKE_PTR(j);
	return 0;
}

/* A boot file: its original kept durably first, then replaced whole. */
static int write_durable(const struct sysroot *sr, const struct action *a)
{
	int r = original_save(sr, a->path);

	return r < 0 ? r : sr_durable_write(sr, a->path, a->desired);
}

static void write_action(const struct sysroot *sr, struct action *a)
{
	char *readback = NULL;
	int r = a->durable ? write_durable(sr, a) : sr_write_string(sr, a->desired, &readback, "%s", a->path);

	a->error = r;
	a->readback = readback;
	if (r == 0)
		a->result = RESULT_WRITTEN;
	else if (r == -EIO && readback && a->may_fall_short)
		a->result = RESULT_PARTIAL;
	else if (r == -EIO && !readback && a->refusal_is_skip)
		a->result = RESULT_REFUSED;
	else
		a->result = RESULT_FAILED;
}

/* A boot file back to what it held before this run; the saved original
 * goes too when this run saved it. */
static int rollback_durable(const struct sysroot *sr, const struct action *a)
{
	_cleanup_free_ char *orig = NULL;
	int r = original_load(sr, a->path, &orig);

	if (r == 0 && (orig ? !strcmp(orig, a->current) : !*a->current))
		return original_restore(sr, a->path);
	return sr_durable_write(sr, a->path, a->current);
}

/* Put back, newest first, every file this run wrote up to and including
 * the failed one (which the kernel may have half taken). */
static bool rollback(const struct sysroot *sr, struct plan *plan, size_t failed)
{
	bool ok = true;

	for (size_t i = failed + 1; i-- > 0;) {
		struct action *a = &plan->actions[i];
		int r;

		if (a->result != RESULT_WRITTEN && a->result != RESULT_PARTIAL && a->result != RESULT_FAILED)
			continue;
		r = a->durable ? rollback_durable(sr, a) : sr_write_string(sr, a->current, NULL, "%s", a->path);
		if (a->result == RESULT_FAILED) {
			ok &= r == 0 || a->readback == NULL;
			continue;
		}
		a->result = r == 0 ? RESULT_ROLLED_BACK : RESULT_ROLLBACK_FAILED;
		ok &= r == 0;
	}
	return ok;
}

int apply_plan(const struct sysroot *sr, struct plan *plan, const char *profile_path,
	       struct apply_outcome *out)
{
	_cleanup_(journal_freep) struct journal *previous = NULL, *j = NULL;
	int r;

	*out = (struct apply_outcome){0};
	r = journal_for_run(sr, plan, profile_path, out, &previous, &j);
	if (r < 0)
		return r;
	if (out->journal_saved && (r = j->nentries ? journal_save(sr, j) : journal_remove(sr)) < 0)
		return r;
	for (size_t i = 0; i < plan->nactions; i++) {
		struct action *a = &plan->actions[i];

		if (a->state != ACTION_CHANGE)
			continue;
		write_action(sr, a);
		out->written += a->result == RESULT_WRITTEN;
		out->partial += a->result == RESULT_PARTIAL;
		out->refused += a->result == RESULT_REFUSED;
		if (a->result != RESULT_FAILED)
			continue;
		out->failed = true;
		out->rollback_failed = !rollback(sr, plan, i);
		/* All put back: the journal goes back to what it was. */
		if (!out->rollback_failed && out->journal_saved)
			(void)(previous ? journal_save(sr, previous) : journal_remove(sr));
		break;
	}
	return 0;
}

/* ---- revert ---- */

/* An IRQ entry is keyed by its device (label irq.BDF) as well as its
 * number: when the device lists its MSI vectors and N is no longer one of
 * them nor its legacy IRQ (a driver rebind renumbered them), IRQ N now
 * serves something else and is not touched. */
static bool irq_moved(const struct sysroot *sr, const struct journal_entry *e)
{
	const char *bdf = e->label + strlen("irq.");
	unsigned d, b, s, f;
	int64_t legacy;
	int irq;

	if (!startswith(e->label, "irq.") || pci_parse_bdf(bdf, &d, &b, &s, &f) < 0 ||
	    sscanf(e->path, "proc/irq/%d/", &irq) != 1)
		return false;
	if (!sr_exists(sr, "sys/bus/pci/devices/%s/msi_irqs", bdf))
		return false;   /* nothing to tell by */
	if (sr_exists(sr, "sys/bus/pci/devices/%s/msi_irqs/%d", bdf, irq))
		return false;
	return !(sr_read_s64(sr, &legacy, "sys/bus/pci/devices/%s/irq", bdf) == 0 && legacy == irq);
}

static void revert_one(const struct sysroot *sr, struct revert_item *it, bool hugepages)
{
	char *readback = NULL;
	int r;

	if (irq_moved(sr, it->entry) || tune_read_value(sr, it->entry->path, &it->before) < 0) {
		it->before = NULL;
		return;         /* gone (a device removed, an IRQ renumbered) */
	}
	if (sr_value_equal(it->entry->original, it->before))
		return;
	r = sr_write_string(sr, it->entry->original, &readback, "%s", it->entry->path);
	it->error = r;
	it->readback = readback;
	if (r == 0)
		it->result = RESULT_WRITTEN;
	else if (r == -EIO && readback && hugepages)
		it->result = RESULT_PARTIAL;
	else
		it->result = RESULT_FAILED;
}

int revert_journal(const struct sysroot *sr, const struct journal *j, struct revert_outcome *out,
		   size_t *bad_entry)
{
	*out = (struct revert_outcome){0};
	for (size_t i = 0; i < j->nentries; i++) {
		int r = sr_check_writable_path(sr, j->entries[i].path);

		if (r == -EPERM) {
			*bad_entry = i;
			return -EBADMSG;
		}
	}
	out->items = calloc(j->nentries + 1, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	for (size_t i = j->nentries; i-- > 0;) {
		struct revert_item *it = &out->items[out->nitems++];

		it->entry = &j->entries[i];
		revert_one(sr, it, startswith(it->entry->label, "hugepages."));
		out->restored += it->result == RESULT_WRITTEN;
		out->partial += it->result == RESULT_PARTIAL;
		out->failed += it->result == RESULT_FAILED;
		out->gone += !it->before;
	}
	if (out->partial == 0 && out->failed == 0)
		out->journal_removed = journal_remove(sr) == 0;
	return 0;
}

int revert_boot_files(const struct sysroot *sr, char ***restored, char **failed)
{
	_cleanup_strv_ char **paths = NULL, **done = NULL;
	int r = originals_list(sr, &paths), first = 0;

	*failed = NULL;
	if (r < 0)
		return r;
	done = calloc(1, sizeof(char *));
	if (!done)
		return -ENOMEM;
	for (size_t i = 0; paths[i]; i++) {
		r = original_restore(sr, paths[i]);
		if (r == 0 && strv_extend(&done, paths[i]) < 0)
			return -ENOMEM;
		if (r < 0 && first == 0) {
			first = r;
			*failed = strdup(paths[i]);
		}
	}
	*restored = TAKE_PTR(done);
	return first;
}

void revert_outcome_release(struct revert_outcome *out)
{
	for (size_t i = 0; i < out->nitems; i++) {
		free(out->items[i].before);
		free(out->items[i].readback);
	}
	free(out->items);
	*out = (struct revert_outcome){0};
}
