/* The findings list (see finding.h). Reads no files. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "probes/host.h"
#include "tune/finding.h"

int findings_add(struct findings *f, enum finding_severity sev, const char *id, const char *subject,
		 const char *fix, const char *evidence_fmt, ...)
{
	struct finding n = {.severity = sev};
	va_list ap;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct finding *v = reallocarray(f->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	va_start(ap, evidence_fmt);
	n.evidence = xvasprintf(evidence_fmt, ap);
	va_end(ap);
	n.id = strdup(id);
	n.subject = strdup(subject ? subject : "");
	n.fix = fix ? strdup(fix) : NULL;
	if (!n.evidence || !n.id || !n.subject || (fix && !n.fix)) {
		free(n.evidence);
		free(n.id);
		free(n.subject);
		free(n.fix);
		return -ENOMEM;
	}
	f->v[f->n++] = n;
	return 0;
}

const struct finding *findings_find(const struct findings *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].id, id))
			return &f->v[i];
	return NULL;
}

void findings_clear(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].id);
		free(f->v[i].subject);
		free(f->v[i].evidence);
		free(f->v[i].fix);
	}
	free(f->v);
	*f = (struct findings){0};
}

const char *finding_severity_name(enum finding_severity s)
{
	static const char *const names[] = {"info", "warn", "fail"};

	return (unsigned)s < FINDING_SEVERITY_COUNT ? names[s] : "?";
}

char *finding_device_subject(const struct pci_device *d)
{
	if (d->vendor && d->device)
		return xasprintf("%s %s %s", d->bdf, d->vendor, d->device);
	if (d->class_name)
		return xasprintf("%s %s [%04x:%04x]", d->bdf, d->class_name, d->vendor_id, d->device_id);
	return xasprintf("%s [%04x:%04x]", d->bdf, d->vendor_id, d->device_id);
}
