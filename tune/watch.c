/* `rigtune watch` without libudev (see watch.h): parsing events, deciding
 * which matter, the settle queue, and re-applying one device's [irq]
 * placement through the profile engine. Reads, through the probes (a new
 * device's ids: pci_sysfs_ids) and the [irq] knob, what IRQ placement
 * reads; writes proc/irq/N/smp_affinity_list
 * and the journal through apply_plan. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "probes/host.h"
#include "probes/pci.h"
#include "tune/knobs.h"
#include "tune/lock.h"
#include "tune/schema.h"
#include "tune/watch.h"

static const char *const action_names[] = {
	[WATCH_ADD] = "add",
	[WATCH_BIND] = "bind",
	[WATCH_CHANGE] = "change",
	[WATCH_MOVE] = "move",
	[WATCH_UNBIND] = "unbind",
	[WATCH_REMOVE] = "remove",
	[WATCH_OTHER] = "other",
};

enum watch_action watch_action_from_string(const char *s)
{
	for (size_t i = 0; i < WATCH_OTHER; i++)
		if (s && !strcmp(s, action_names[i]))
			return (enum watch_action)i;
	return WATCH_OTHER;
}

const char *watch_action_to_string(enum watch_action a)
{
	return a <= WATCH_OTHER ? action_names[a] : "other";
}

int watch_event_from_udev(const char *action, const char *devpath, struct watch_event *ret)
{
	const char *last;
	char bdf[32];

	if (!action || !devpath)
		return -EINVAL;
	last = strrchr(devpath, '/');
	last = last ? last + 1 : devpath;
	/* a full address only: "00:02.0" is not how sysfs names a function */
	if (strchr(last, ':') == strrchr(last, ':') || tune_canonical_bdf(last, bdf, sizeof(bdf)) < 0)
		return -EINVAL;
	*ret = (struct watch_event){.action = watch_action_from_string(action)};
	memcpy(ret->bdf, bdf, sizeof(bdf));
	return 0;
}

int watch_event_parse_line(const char *line, struct watch_event *ret)
{
	_cleanup_strv_ char **words = NULL;
	int r = strv_split(line, " \t\r\n", &words);

	if (r < 0)
		return r;
	if (!words[0] || words[0][0] == '#')
		return 1;
	if (!words[1] || words[2])
		return -EINVAL;
	return watch_event_from_udev(words[0], words[1], ret);
}

/* ---- which devices ---- */

struct watch_selection *watch_selection_free(struct watch_selection *s)
{
	if (!s)
		return NULL;
	free(s->policy);
	strv_free(s->items);
	free(s);
	return NULL;
}

int watch_selection_new(const struct profile *p, struct watch_selection **ret)
{
	const struct profile_entry *policy = profile_get(p, "irq", "policy");
	const struct profile_entry *devices = profile_get(p, "irq", "devices");
	struct watch_selection *s;
	int r;

	*ret = NULL;
	if (!policy || !devices || !strcmp(policy->value, "none"))
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->src = devices;
	s->policy = strdup(policy->value);
	r = s->policy ? schema_split_list(devices->value, &s->items) : -ENOMEM;
	if (r < 0) {
		watch_selection_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

bool watch_selection_matches(const struct watch_selection *s, const char *bdf, unsigned class_code,
			     unsigned vendor_id)
{
	for (size_t i = 0; s && s->items && s->items[i]; i++) {
		char item_bdf[32];

		if (tune_canonical_bdf(s->items[i], item_bdf, sizeof(item_bdf)) == 0) {
			if (!strcmp(item_bdf, bdf))
				return true;
		} else if (tune_device_in_class(class_code, vendor_id, s->items[i])) {
			return true;
		}
	}
	return false;
}

int watch_device_ids(const struct sysroot *sr, const char *bdf, unsigned *ret_class, unsigned *ret_vendor)
{
	struct pci_sysfs_ids ids;
	int r = pci_sysfs_ids(sr, bdf, &ids);

	if (r < 0)
		return r;
	*ret_class = ids.class_code;
	*ret_vendor = ids.vendor_id;
	return 0;
}

int watch_selected_devices(const struct sysroot *sr, const struct watch_selection *s, char ***ret)
{
	_cleanup_strv_ char **names = NULL, **out = NULL;
	int r = sr_list(sr, "", &names, "sys/bus/pci/devices");

	if (r == -ENOENT)
		r = strv_split("", " ", &names);
	if (r < 0)
		return r;
	r = strv_split("", " ", &out);
	for (size_t i = 0; r >= 0 && names[i]; i++) {
		unsigned cls, vendor;
		char bdf[32];

		if (tune_canonical_bdf(names[i], bdf, sizeof(bdf)) < 0 ||
		    watch_device_ids(sr, names[i], &cls, &vendor) < 0)
			continue;
		if (watch_selection_matches(s, bdf, cls, vendor))
			r = strv_extend(&out, bdf);
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(out);
	return 0;
}

enum watch_verdict watch_decide(const struct watch_selection *s, const struct watch_event *ev, bool known,
				unsigned class_code, unsigned vendor_id)
{
	switch (ev->action) {
	case WATCH_REMOVE:
	case WATCH_UNBIND:
		return WATCH_CANCEL;
	case WATCH_ADD:
	case WATCH_BIND:
		if (known && watch_selection_matches(s, ev->bdf, class_code, vendor_id))
			return WATCH_QUEUE;
		return WATCH_IGNORE_DEVICE;
	default:
		return WATCH_IGNORE_ACTION;
	}
}

const char *watch_verdict_to_string(enum watch_verdict v)
{
	switch (v) {
	case WATCH_QUEUE: return "re-apply once it settles";
	case WATCH_CANCEL: return "cancel a pending re-apply";
	case WATCH_IGNORE_ACTION: return "ignored: IRQs do not change on this event";
	case WATCH_IGNORE_DEVICE: return "ignored: not one of the profile's [irq] devices";
	}
	return "?";
}

/* ---- the settle queue ---- */

static struct watch_pending *queue_find(struct watch_queue *q, const char *bdf)
{
	for (size_t i = 0; i < q->n; i++)
		if (!strcmp(q->items[i].bdf, bdf))
			return &q->items[i];
	return NULL;
}

int watch_queue_push(struct watch_queue *q, const char *bdf, uint64_t due_ms)
{
	struct watch_pending *p = queue_find(q, bdf);

	if (!p) {
		if (q->n == q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 8;
			struct watch_pending *v = reallocarray(q->items, cap, sizeof(*v));

			if (!v)
				return -ENOMEM;
			q->items = v;
			q->cap = cap;
		}
		p = &q->items[q->n++];
		snprintf(p->bdf, sizeof(p->bdf), "%s", bdf);
	}
	p->due_ms = due_ms;
	return 0;
}

static void queue_remove_at(struct watch_queue *q, size_t i)
{
	memmove(&q->items[i], &q->items[i + 1], (q->n - i - 1) * sizeof(q->items[0]));
	q->n--;
}

bool watch_queue_cancel(struct watch_queue *q, const char *bdf)
{
	struct watch_pending *p = queue_find(q, bdf);

	if (!p)
		return false;
	queue_remove_at(q, (size_t)(p - q->items));
	return true;
}

uint64_t watch_queue_next_due(const struct watch_queue *q)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < q->n; i++)
		if (q->items[i].due_ms < due)
			due = q->items[i].due_ms;
	return due;
}

bool watch_queue_pop_due(struct watch_queue *q, uint64_t now_ms, char *bdf)
{
	size_t best = q->n;

	/* earliest first; among equals, the first queued */
	for (size_t i = 0; i < q->n; i++)
		if (q->items[i].due_ms <= now_ms && (best == q->n || q->items[i].due_ms < q->items[best].due_ms))
			best = i;
	if (best == q->n)
		return false;
	memcpy(bdf, q->items[best].bdf, sizeof(q->items[best].bdf));
	queue_remove_at(q, best);
	return true;
}

void watch_queue_release(struct watch_queue *q)
{
	free(q->items);
	*q = (struct watch_queue){0};
}

int watch_handle_event(const struct watch_selection *s, struct watch_queue *q, const struct watch_event *ev,
		       bool known, unsigned class_code, unsigned vendor_id, uint64_t now_ms, uint64_t settle_ms)
{
	enum watch_verdict v = watch_decide(s, ev, known, class_code, vendor_id);
	uint64_t due = now_ms > UINT64_MAX - settle_ms ? UINT64_MAX : now_ms + settle_ms;

	if (v == WATCH_QUEUE && watch_queue_push(q, ev->bdf, due) < 0)
		return -ENOMEM;
	if (v == WATCH_CANCEL)
		watch_queue_cancel(q, ev->bdf);
	return (int)v;
}

/* ---- the re-apply ---- */

/* The probes IRQ placement reads (online CPUs, NUMA nodes, PCI devices,
 * IRQs and whether they are managed, ...): all but the DMI memory records
 * and the GPU links, which are slow (NVML is loaded and initialised) and
 * which placement never looks at. */
static int probe_for_irq(const struct sysroot *sr, struct host *h, const char **failed)
{
	static const char *const slow[] = {"memory", "links", NULL};
	const struct probe_options opt = {.skip = slow};

	return host_probe(sr, &opt, h, failed);
}

static int plan_device(const struct sysroot *sr, const struct host *h, const struct profile *p,
		       const struct watch_selection *s, const char *bdf, struct plan **ret)
{
	const struct knob_ctx ctx = {.sr = sr, .host = h, .profile = p};
	char *const devices[] = {(char *)bdf, NULL};
	struct plan *plan = calloc(1, sizeof(*plan));
	int r;

	if (!plan)
		return -ENOMEM;
	r = irq_plan_devices(&ctx, s->src, s->policy, devices, plan);
	if (r < 0) {
		plan_free(plan);
		return r;
	}
	*ret = plan;
	return 0;
}

int watch_reapply_device(const struct sysroot *sr, const struct profile *p, const struct watch_selection *s,
			 const char *bdf, unsigned lock_wait_ms, struct watch_outcome *out,
			 const char **failed_probe)
{
	struct host h;
	int lock_fd, r;

	*out = (struct watch_outcome){0};
	lock_fd = tune_lock_acquire(sr, lock_wait_ms);
	if (lock_fd < 0)
		return lock_fd;
	r = probe_for_irq(sr, &h, failed_probe);
	if (r < 0)
		goto unlock;
	r = plan_device(sr, &h, p, s, bdf, &out->plan);
	if (r == 0 && out->plan->nerrors == 0) {
		r = apply_plan(sr, out->plan, p->path, &out->apply);
		out->applied = r == 0;
	}
	host_release(&h);
unlock:
	tune_lock_release(lock_fd);
	return r;
}

void watch_outcome_release(struct watch_outcome *out)
{
	plan_free(out->plan);
	*out = (struct watch_outcome){0};
}
