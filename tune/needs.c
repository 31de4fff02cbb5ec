/* Which probes a profile needs: apply and audit probe only those, so
 * that a profile of [thp], [sysctl] and [hugepages] settings, applied at
 * boot, reads no PCI device, IRQ, SMBIOS table or GPU. A knob or key
 * that declares nothing (.probes 0) gets every probe: one added without
 * thought is slow, never judged against an empty host. Reads nothing. */
#include "tune/plan.h"

static unsigned declared(unsigned probes)
{
	return probes ? probes & PROBE_ALL : PROBE_ALL;
}

unsigned plan_probes(const struct profile *p)
{
	/* The kernel probe is a few files; it also keeps the mask non-zero
	 * (zero asks host_probe for everything). */
	unsigned mask = PROBE_BIT(PROBE_KERNEL);
	size_t i = 0;

	for (const struct knob *k; (k = knob_at(i)); i++)
		if (profile_next(p, k->section.name, NULL))
			mask |= declared(k->probes);
	for (const struct profile_entry *e = NULL; (e = profile_next(p, "expect", e));)
		mask |= declared(expect_key_probes(e->key));
	return mask;
}
