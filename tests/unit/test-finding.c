/* The findings list: what a collector appends is what audit and the
 * report later show (id, severity, subject, formatted evidence, fix). */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tune/finding.h"

int main(void)
{
	struct findings f = {0};
	const struct finding *x;

	tap_is_int(findings_add(&f, FINDING_FAIL, "pcie.link.0000:41:00.0", "0000:41:00.0 ConnectX-7",
				"reseat the card", "Gen%d x%d; both ends can do Gen%d x%d", 4, 8, 5, 16),
		   0, "add a failing link finding");
	for (int i = 0; i < 40; i++)
		findings_add(&f, FINDING_INFO, i % 2 ? "a" : "b", NULL, NULL, "n=%d", i);
	tap_is_int((long long)f.n, 41, "41 findings kept across growth");
	x = findings_find(&f, "pcie.link.0000:41:00.0");
	tap_ok(x && x->severity == FINDING_FAIL, "found by id with its severity");
	tap_is_str(x ? x->evidence : NULL, "Gen4 x8; both ends can do Gen5 x16", "evidence is formatted");
	tap_is_str(x ? x->fix : NULL, "reseat the card", "fix kept");
	tap_is_str(f.v[1].subject, "", "a NULL subject reads as empty");
	tap_ok(f.v[1].fix == NULL, "a NULL fix stays NULL");
	tap_ok(findings_find(&f, "irq.locality.x") == NULL, "an absent id is not found");
	tap_is_str(finding_severity_name(FINDING_WARN), "warn", "severity names");
	findings_clear(&f);
	tap_ok(f.n == 0 && f.v == NULL, "clear empties the list");
	return tap_done();
}
