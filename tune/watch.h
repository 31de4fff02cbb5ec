/* `rigtune watch`: keeping a profile's [irq] placement right when PCI
 * devices appear or bind to a driver after boot. This is the part that
 * does not depend on libudev: which events matter (add or bind of a device
 * the profile's [irq] devices select; remove and unbind cancel), the settle
 * delay that coalesces a burst of events into one re-apply per device,
 * and the re-apply itself, through the profile engine (plan the [irq]
 * placement of that one device, journal, write). The event source (a
 * udev monitor, or a file of synthetic events) is the caller's. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sysroot.h"
#include "tune/apply.h"
#include "tune/plan.h"
#include "tune/profile.h"

#define WATCH_SETTLE_MS_DEFAULT 2000

enum watch_action {
	WATCH_ADD,
	WATCH_BIND,
	WATCH_CHANGE,
	WATCH_MOVE,
	WATCH_UNBIND,
	WATCH_REMOVE,
	WATCH_OTHER,            /* online, offline, ...: not ours */
};

/* One udev event on a PCI function. */
struct watch_event {
	enum watch_action action;
	char bdf[32];           /* canonical "0000:1a:00.0", the devpath's last component */
};

/* "add", "bind", ... (udev's ACTION); anything else is WATCH_OTHER. */
enum watch_action watch_action_from_string(const char *s);
const char *watch_action_to_string(enum watch_action a);
/* An event from udev's ACTION and DEVPATH ("/devices/pci0000:00/0000:00:02.0").
 * -EINVAL when the devpath does not end in a PCI function address (a
 * bridge's child such as .../0000:00:02.0/virtio1 is not a PCI function). */
int watch_event_from_udev(const char *action, const char *devpath, struct watch_event *ret);
/* A line of a synthetic events file: "ACTION DEVPATH", white space
 * around. 0 an event, 1 a blank or '#' comment line, -EINVAL malformed. */
int watch_event_parse_line(const char *line, struct watch_event *ret);

/* The devices a profile's [irq] section places, and how. */
struct watch_selection {
	char *policy;                       /* "local-node" or "all" */
	char **items;                       /* [irq] devices: class names and BDFs */
	const struct profile_entry *src;    /* the devices line, for the plan */
};

/* From a loaded profile. 0 with *ret NULL when there is nothing to keep
 * (no [irq] section, or policy none); -ENOMEM. */
int watch_selection_new(const struct profile *p, struct watch_selection **ret);
struct watch_selection *watch_selection_free(struct watch_selection *s);
/* Does [irq] devices select this PCI function? */
bool watch_selection_matches(const struct watch_selection *s, const char *bdf, unsigned class_code,
			     unsigned vendor_id);

/* The class and vendor of a PCI function, from sys/bus/pci/devices/BDF.
 * -ENOENT when it is gone. */
int watch_device_ids(const struct sysroot *sr, const char *bdf, unsigned *ret_class, unsigned *ret_vendor);

/* Every PCI function present that s selects, canonical BDFs in sysfs
 * order (NULL-terminated; none: an empty list). For the sweep at start,
 * which catches what bound while nothing watched. 0 or -errno. */
int watch_selected_devices(const struct sysroot *sr, const struct watch_selection *s, char ***ret);

enum watch_verdict {
	WATCH_QUEUE,            /* add/bind of a selected device: re-apply once it settles */
	WATCH_CANCEL,           /* remove/unbind: forget a pending re-apply */
	WATCH_IGNORE_ACTION,    /* change, move, ...: IRQs do not change */
	WATCH_IGNORE_DEVICE,    /* not one of the [irq] devices (or gone) */
};

/* The decision, pure: known is false when the device's class could not
 * be read (it is gone), in which case an add/bind is ignored. */
enum watch_verdict watch_decide(const struct watch_selection *s, const struct watch_event *ev, bool known,
				unsigned class_code, unsigned vendor_id);
const char *watch_verdict_to_string(enum watch_verdict v);

/* Devices waiting to settle: each is due settle_ms after its last event. */
struct watch_pending {
	char bdf[32];
	uint64_t due_ms;
};

struct watch_queue {
	struct watch_pending *items;
	size_t n, cap;
};

/* Queue bdf, due at due_ms; a device already queued moves to the new
 * time (the burst goes on). 0 or -ENOMEM. */
int watch_queue_push(struct watch_queue *q, const char *bdf, uint64_t due_ms);
/* Forget bdf; true when it was queued. */
bool watch_queue_cancel(struct watch_queue *q, const char *bdf);
/* The earliest due time, UINT64_MAX when empty. */
uint64_t watch_queue_next_due(const struct watch_queue *q);
/* Take the earliest device due at or before now_ms into bdf (32 bytes):
 * true if there was one. */
bool watch_queue_pop_due(struct watch_queue *q, uint64_t now_ms, char *bdf);
void watch_queue_release(struct watch_queue *q);

/* Feed one event at now_ms: decide, then queue (due now_ms + settle_ms)
 * or cancel. Returns the verdict, or -ENOMEM. */
int watch_handle_event(const struct watch_selection *s, struct watch_queue *q, const struct watch_event *ev,
		       bool known, unsigned class_code, unsigned vendor_id, uint64_t now_ms, uint64_t settle_ms);

/* What a re-apply did: the device's [irq] actions (results filled when
 * written) and the engine's outcome. */
struct watch_outcome {
	struct plan *plan;
	struct apply_outcome apply;
	bool applied;           /* apply_plan ran (no plan errors) */
};

/* Re-apply [irq] placement for one device: probe what placement needs
 * (CPUs, NUMA nodes, PCI devices, IRQs), plan it for bdf alone, and write
 * it through apply_plan (originals journaled, failures rolled back).
 * Takes the apply lock, waiting up to lock_wait_ms (-EBUSY after). Returns
 * 0 with out filled (see out->plan->errors and out->apply.failed), or
 * -errno (a probe failed: *failed_probe names it; the journal could not be
 * written: out->apply.bad_line for -EBADMSG). */
int watch_reapply_device(const struct sysroot *sr, const struct profile *p, const struct watch_selection *s,
			 const char *bdf, unsigned lock_wait_ms, struct watch_outcome *out,
			 const char **failed_probe);
void watch_outcome_release(struct watch_outcome *out);
