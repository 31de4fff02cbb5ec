/* rigtune watch's decisions (tune/watch.c), without udev or a tree:
 * event lines and udev devpaths to PCI addresses; which actions and which
 * devices lead to a re-apply ([irq] devices by class, by address in
 * either spelling, GPUs only from GPU vendors); the settle queue (a burst
 * of events is one re-apply, due settle after the last; remove cancels;
 * earliest first); and the selection read from a profile (policy none,
 * no [irq] section: nothing to watch). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tune/watch.h"
#include "tap.h"

static void test_actions(void)
{
	static const char *const names[] = {"add", "bind", "change", "move", "unbind", "remove"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		tap_is_str(watch_action_to_string(watch_action_from_string(names[i])), names[i],
			   "action names round-trip");
	tap_is_int(watch_action_from_string("online"), WATCH_OTHER, "'online' is not ours");
	tap_is_int(watch_action_from_string(NULL), WATCH_OTHER, "no action at all");
	tap_is_int(watch_action_from_string("BIND"), WATCH_OTHER, "udev's actions are lower case");
}

static void test_events(void)
{
	struct watch_event ev;

	tap_is_int(watch_event_from_udev("bind", "/devices/pci0000:00/0000:00:02.0", &ev), 0, "a root-bus function");
	tap_is_str(ev.bdf, "0000:00:02.0", "its address");
	tap_is_int(ev.action, WATCH_BIND, "its action");
	tap_is_int(watch_event_from_udev("add", "/devices/pci0000:40/0000:40:01.1/0000:41:00.0/0000:42:00.3", &ev),
		   0, "a function behind two bridges");
	tap_is_str(ev.bdf, "0000:42:00.3", "the last component is the device");
	tap_is_int(watch_event_from_udev("add", "/devices/pci10000:00/10000:00:02.0", &ev), 0,
		   "a 32-bit domain (VMD)");
	tap_is_str(ev.bdf, "10000:00:02.0", "kept whole");
	tap_is_int(watch_event_from_udev("add", "/devices/pci0000:00/0000:00:02.0/virtio1", &ev), -EINVAL,
		   "a child device is not a PCI function");
	tap_is_int(watch_event_from_udev("add", "/devices/pci0000:00", &ev), -EINVAL, "a host bridge root is not one");
	tap_is_int(watch_event_from_udev("add", "00:02.0", &ev), -EINVAL, "an address without its domain");
	tap_is_int(watch_event_from_udev("add", "/devices/pci0000:00/0000:00:20.0", &ev), -EINVAL,
		   "device 0x20 does not exist");
	tap_is_int(watch_event_from_udev(NULL, "/devices/pci0000:00/0000:00:02.0", &ev), -EINVAL, "no action");

	tap_is_int(watch_event_parse_line("  remove\t/devices/pci0000:00/0000:00:1f.6 \n", &ev), 0,
		   "a line with tabs and a newline");
	tap_ok(ev.action == WATCH_REMOVE && !strcmp(ev.bdf, "0000:00:1f.6"), "remove 0000:00:1f.6");
	tap_is_int(watch_event_parse_line("\n", &ev), 1, "a blank line is skipped");
	tap_is_int(watch_event_parse_line("# bind /devices/pci0000:00/0000:00:02.0", &ev), 1, "so is a comment");
	tap_is_int(watch_event_parse_line("bind", &ev), -EINVAL, "an action without a devpath");
	tap_is_int(watch_event_parse_line("bind /devices/pci0000:00/0000:00:02.0 extra", &ev), -EINVAL,
		   "a third word");
}

static struct watch_selection sel(char **items)
{
	return (struct watch_selection){.policy = "local-node", .items = items};
}

static void test_decide(void)
{
	char *nic_gpu[] = {"nic", "gpu", NULL}, *by_bdf[] = {"1a:00.0", NULL}, *accel[] = {"accel", NULL};
	struct watch_selection s = sel(nic_gpu), b = sel(by_bdf), a = sel(accel);
	struct watch_event ev = {.action = WATCH_BIND, .bdf = "0000:1a:00.0"};

	tap_is_int(watch_decide(&s, &ev, true, 0x0200, 0x8086), WATCH_QUEUE, "bind of an Ethernet NIC: queue");
	tap_is_int(watch_decide(&s, &ev, true, 0x0207, 0x15b3), WATCH_QUEUE, "bind of an InfiniBand HCA: queue");
	tap_is_int(watch_decide(&s, &ev, true, 0x0302, 0x10de), WATCH_QUEUE, "bind of an NVIDIA 3D controller");
	tap_is_int(watch_decide(&s, &ev, true, 0x1200, 0x1002), WATCH_QUEUE, "bind of an AMD Instinct (0x12)");
	tap_is_int(watch_decide(&s, &ev, true, 0x0300, 0x1a03), WATCH_IGNORE_DEVICE,
		   "a BMC's VGA (ASPEED) is not a GPU");
	tap_is_int(watch_decide(&s, &ev, true, 0x0108, 0x144d), WATCH_IGNORE_DEVICE, "NVMe is not selected");
	tap_is_int(watch_decide(&s, &ev, true, 0x0c03, 0x8086), WATCH_IGNORE_DEVICE, "nor USB");
	tap_is_int(watch_decide(&s, &ev, false, 0x0200, 0x8086), WATCH_IGNORE_DEVICE,
		   "a device whose class cannot be read (gone): ignored");
	tap_is_int(watch_decide(&a, &ev, true, 0x1200, 0x1e52), WATCH_QUEUE, "accel: any vendor's accelerator");
	tap_is_int(watch_decide(&b, &ev, true, 0x0c03, 0x8086), WATCH_QUEUE,
		   "selected by address (1a:00.0 = 0000:1a:00.0), whatever its class");
	ev.action = WATCH_ADD;
	tap_is_int(watch_decide(&s, &ev, true, 0x0200, 0x8086), WATCH_QUEUE, "add: queue as well");
	ev.action = WATCH_REMOVE;
	tap_is_int(watch_decide(&s, &ev, false, 0, 0), WATCH_CANCEL, "remove cancels (the class is gone)");
	ev.action = WATCH_UNBIND;
	tap_is_int(watch_decide(&s, &ev, true, 0x0c03, 0), WATCH_CANCEL, "unbind cancels, whatever the device");
	ev.action = WATCH_CHANGE;
	tap_is_int(watch_decide(&s, &ev, true, 0x0200, 0x8086), WATCH_IGNORE_ACTION, "change is ignored");
	ev.action = WATCH_MOVE;
	tap_is_int(watch_decide(&s, &ev, true, 0x0200, 0x8086), WATCH_IGNORE_ACTION, "move is ignored");
	ev.action = WATCH_OTHER;
	tap_is_int(watch_decide(&s, &ev, true, 0x0200, 0x8086), WATCH_IGNORE_ACTION, "online/offline too");
	ev.action = WATCH_BIND;
	tap_is_int(watch_decide(NULL, &ev, true, 0x0200, 0x8086), WATCH_IGNORE_DEVICE, "no selection: nothing");
}

static void test_queue(void)
{
	struct watch_queue q = {0};
	char bdf[32] = "";

	tap_ok(watch_queue_next_due(&q) == UINT64_MAX, "an empty queue is never due");
	tap_ok(!watch_queue_pop_due(&q, UINT64_MAX, bdf), "nothing to pop");
	watch_queue_push(&q, "0000:1a:00.0", 2000);
	watch_queue_push(&q, "0000:1b:00.0", 1500);
	watch_queue_push(&q, "0000:1a:00.0", 2500);     /* the burst goes on */
	tap_is_int(q.n, 2, "one entry per device, however many events");
	tap_is_int((long long)watch_queue_next_due(&q), 1500, "the earliest deadline");
	tap_ok(!watch_queue_pop_due(&q, 1499, bdf), "nothing due before it");
	tap_ok(watch_queue_pop_due(&q, 2400, bdf) && !strcmp(bdf, "0000:1b:00.0"), "1b due at 1500");
	tap_ok(!watch_queue_pop_due(&q, 2400, bdf), "1a moved to 2500 by its second event");
	tap_ok(watch_queue_pop_due(&q, 2500, bdf) && !strcmp(bdf, "0000:1a:00.0"), "1a due at 2500");
	tap_is_int(q.n, 0, "empty again");

	watch_queue_push(&q, "0000:01:00.0", 10);
	watch_queue_push(&q, "0000:02:00.0", 10);
	watch_queue_push(&q, "0000:03:00.0", 5);
	tap_ok(watch_queue_cancel(&q, "0000:02:00.0"), "cancel a queued device");
	tap_ok(!watch_queue_cancel(&q, "0000:02:00.0"), "cancel it again: not queued");
	tap_ok(watch_queue_pop_due(&q, UINT64_MAX, bdf) && !strcmp(bdf, "0000:03:00.0"), "earliest first");
	tap_ok(watch_queue_pop_due(&q, UINT64_MAX, bdf) && !strcmp(bdf, "0000:01:00.0"), "then the next");
	tap_ok(!watch_queue_pop_due(&q, UINT64_MAX, bdf), "the cancelled one never comes");
	for (int i = 0; i < 100; i++) {
		char name[32];

		snprintf(name, sizeof(name), "0000:%02x:00.0", i);
		watch_queue_push(&q, name, (uint64_t)(100 - i));
	}
	tap_is_int(q.n, 100, "the queue grows");
	tap_ok(watch_queue_pop_due(&q, 1, bdf) && !strcmp(bdf, "0000:63:00.0"), "and still pops the earliest");
	watch_queue_release(&q);
	tap_ok(q.n == 0 && !q.items, "released");
}

static void test_handle(void)
{
	char *nic[] = {"nic", NULL};
	struct watch_selection s = sel(nic);
	struct watch_queue q = {0};
	struct watch_event add = {.action = WATCH_ADD, .bdf = "0000:41:00.0"};
	struct watch_event bind = {.action = WATCH_BIND, .bdf = "0000:41:00.0"};
	struct watch_event unbind = {.action = WATCH_UNBIND, .bdf = "0000:41:00.0"};
	char bdf[32];

	tap_is_int(watch_handle_event(&s, &q, &add, true, 0x0200, 0x15b3, 1000, 2000), WATCH_QUEUE, "add at 1 s");
	tap_is_int(watch_handle_event(&s, &q, &bind, true, 0x0200, 0x15b3, 1300, 2000), WATCH_QUEUE,
		   "bind at 1.3 s");
	tap_is_int((long long)watch_queue_next_due(&q), 3300, "due 2 s after the last event, not the first");
	tap_is_int(watch_handle_event(&s, &q, &unbind, true, 0x0200, 0x15b3, 2000, 2000), WATCH_CANCEL,
		   "unbind before it settled");
	tap_ok(!watch_queue_pop_due(&q, UINT64_MAX, bdf), "nothing to re-apply");
	watch_handle_event(&s, &q, &bind, true, 0x0200, 0x15b3, 5000, 0);
	tap_ok(watch_queue_pop_due(&q, 5000, bdf), "settle 0: due at once");
	watch_handle_event(&s, &q, &bind, true, 0x0200, 0x15b3, UINT64_MAX - 5, 2000);
	tap_ok(watch_queue_next_due(&q) == UINT64_MAX, "a deadline past the clock's end saturates");
	watch_queue_release(&q);
}

/* A profile in a temporary file; returns its selection (or NULL). */
static struct watch_selection *selection_of(const char *text, int *r)
{
	char path[] = "/tmp/rigtune-test-watch-XXXXXX.ini";
	struct profile_error err = {0};
	struct profile *p = NULL;
	struct watch_selection *s = NULL;
	int fd = mkstemps(path, 4);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	*r = profile_load(path, &(struct profile_search){0}, &p, &err);
	if (*r == 0)
		*r = watch_selection_new(p, &s);
	if (s)
		s->src = NULL;  /* points into p, freed below */
	profile_error_release(&err);
	profile_free(p);
	unlink(path);
	return s;
}

static void test_selection(void)
{
	struct watch_selection *s;
	int r;

	s = selection_of("[irq]\npolicy = local-node\ndevices = nic, 0000:1a:00.0 gpu\n", &r);
	tap_ok(r == 0 && s, "a profile with [irq] placement");
	tap_is_str(s ? s->policy : NULL, "local-node", "its policy");
	tap_is_int(s ? (long long)strv_length(s->items) : -1, 3, "its three items (commas and spaces)");
	tap_ok(s && watch_selection_matches(s, "0000:1a:00.0", 0x0c03, 0x8086), "the device named by address");
	tap_ok(s && watch_selection_matches(s, "0000:41:00.0", 0x0200, 0x8086), "a NIC");
	tap_ok(s && !watch_selection_matches(s, "0000:42:00.0", 0x0108, 0x144d), "not an NVMe drive");
	watch_selection_free(s);

	s = selection_of("[irq]\npolicy = none\ndevices = nic\n", &r);
	tap_ok(r == 0 && !s, "policy none: nothing to watch");
	s = selection_of("[thp]\nenabled = never\n", &r);
	tap_ok(r == 0 && !s, "no [irq] section: nothing to watch");
	s = selection_of("[irq]\npolicy = all\ndevices = gpu\n", &r);
	tap_is_str(s ? s->policy : NULL, "all", "policy all is watched");
	watch_selection_free(s);
	tap_ok(watch_selection_free(NULL) == NULL, "freeing NULL is fine");
}

int main(void)
{
	test_actions();
	test_events();
	test_decide();
	test_queue();
	test_handle();
	test_selection();
	return tap_done();
}
