/* [expect] pcie_acs and gpu_passthrough: the PCIe and IOMMU settings a
 * GPU box is set up for, audited from the probed host (ACS Control of
 * the switch downstream ports from config space, IOMMU groups and drivers
 * from sysfs; probes/iommu.c). P2P between GPUs behind one switch wants
 * ACS redirect off (else every transfer detours through the root
 * complex); passthrough to a VM wants it on, and each GPU alone in its
 * IOMMU group with its audio function, both on vfio-pci. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/audit.h"
#include "tune/knobs.h"

static int add(struct audit *a, const struct profile_entry *e, enum check_status st, const char *expected,
	       const char *actual, const char *hint, const char *note)
{
	_cleanup_free_ char *id = xasprintf("expect.%s", e->key);

	if (!id)
		return -ENOMEM;
	return audit_add(a, id, st, e, expected, actual, st == CHECK_FAIL ? hint : NULL, note);
}

int expect_pcie_acs(const struct knob_ctx *ctx, const struct profile_entry *e, struct audit *a, const char *hint)
{
	bool want_on = !strcmp(e->value, "on");
	_cleanup_free_ char *actual = NULL;
	size_t on, off;

	pci_acs_count(ctx->host, &on, &off);
	if (on + off == 0)
		return add(a, e, CHECK_SKIP, e->value, NULL, NULL, "no PCIe switch downstream port with a readable "
			   "ACS capability (no switch, or config space needs root)");
	actual = on && off ? xasprintf("on at %zu, off at %zu ports", on, off) : strdup(on ? "on" : "off");
	if (!actual)
		return -ENOMEM;
	return add(a, e, (want_on ? off : on) == 0 ? CHECK_PASS : CHECK_FAIL, e->value, actual, hint, NULL);
}

/* The first GPU not ready for passthrough, with why; "" when all are. */
int expect_gpu_passthrough(const struct knob_ctx *ctx, const struct profile_entry *e, struct audit *a,
			   const char *hint)
{
	const struct host *h = ctx->host;
	char why[192] = "";
	size_t gpus = 0, ready = 0;
	bool want;

	if (parse_bool(e->value, &want) < 0)
		return add(a, e, CHECK_ERROR, e->value, NULL, NULL, "not a boolean");
	for (size_t i = 0; i < h->pci.ndevices; i++) {
		const struct pci_device *d = &h->pci.devices[i];
		char one[192];

		if (!tune_device_in_class(d->class_code, d->vendor_id, "gpu") || d->func != 0)
			continue;
		gpus++;
		if (iommu_passthrough_ready(h, d, one, sizeof(one)))
			ready++;
		else if (!*why)
			snprintf(why, sizeof(why), "%s", one);
	}
	if (gpus == 0)
		return add(a, e, CHECK_SKIP, want ? "yes" : "no", NULL, NULL, "no GPU on this host");
	{
		_cleanup_free_ char *actual = ready == gpus ? xasprintf("all %zu GPUs ready", gpus)
							   : xasprintf("%zu of %zu GPUs ready: %s", ready, gpus, why);

		if (!actual)
			return -ENOMEM;
		return add(a, e, (ready == gpus) == want ? CHECK_PASS : CHECK_FAIL, want ? "yes" : "no", actual,
			   hint, NULL);
	}
}
