/* The counts of an audit's checks as every text document shows them
 * (audit, report text and HTML); JSON is cli/audit-json.c. */
#include <stdio.h>

#include "cli/cli.h"
#include "common/util.h"
#include "tune/audit.h"

const char *format_check_counts(char *buf, size_t size, const struct audit *a)
{
	snprintf(buf, size, "%zu pass, %zu fail, %zu skip, %zu error, %zu warn, %zu info", a->counts[CHECK_PASS],
		 a->counts[CHECK_FAIL], a->counts[CHECK_SKIP], a->counts[CHECK_ERROR], a->counts[CHECK_WARN],
		 a->counts[CHECK_INFO]);
	return buf;
}
