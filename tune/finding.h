/* A finding: something about the hardware or the running kernel that
 * counts in the rig's verdict with no profile line asking for it (a link
 * trained below what both ends can do, IRQs on the far node, an empty
 * memory channel, a GPU with uncorrected ECC errors, a clock that fell
 * below base during a burn-in). Producers (the findings collectors, GPU
 * health, the burn-in) append to a `struct findings`; audit, report and
 * verify turn each into a check. Reads no files, prints nothing. */
#pragma once
#include <stddef.h>

enum finding_severity {
	FINDING_INFO,           /* worth knowing, never a fault (an idle link) */
	FINDING_WARN,           /* likely costs speed or stability */
	FINDING_FAIL,           /* the rig is not right: fails the verdict */
};
#define FINDING_SEVERITY_COUNT 3

struct finding {
	char *id;               /* stable, waivable: "pcie.link.0000:41:00.0",
				   "irq.locality.0000:c2:00.0", "memory.channels.socket0" */
	enum finding_severity severity;
	char *subject;          /* what it is about: "0000:41:00.0 MT2910 (ConnectX-7)" */
	char *evidence;         /* what was read or measured: "Gen4 x8; both ends can do Gen5 x16" */
	char *fix;              /* what to do about it, or NULL */
};

struct findings {
	struct finding *v;
	size_t n, cap;
};

/* Append a finding; id and subject copied, evidence formatted, fix copied
 * (may be NULL). 0 or -ENOMEM. */
int findings_add(struct findings *f, enum finding_severity sev, const char *id, const char *subject,
		 const char *fix, const char *evidence_fmt, ...) __attribute__((format(printf, 6, 7)));
/* The finding with this id, or NULL. */
const struct finding *findings_find(const struct findings *f, const char *id);
/* Free every finding; f is empty and reusable afterwards. */
void findings_clear(struct findings *f);

/* "0000:41:00.0 Mellanox Technologies MT2910 Family [ConnectX-7]": a
 * PCI device as a finding's subject (malloc'd, NULL on OOM). */
struct pci_device;
char *finding_device_subject(const struct pci_device *d);

/* "info", "warn", "fail" */
const char *finding_severity_name(enum finding_severity s);
