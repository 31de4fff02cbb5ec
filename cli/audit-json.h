/* The audit as JSON members, shared by `rigtune audit --json` and
 * `rigtune report --format json`. */
#pragma once
#include <stdbool.h>

#include "common/json.h"
#include "tune/audit.h"

/* The members "summary" ({"pass": N, ...}) and "checks" (id, status,
 * expected, actual, source, hint, note, subject: a finding's device) of an
 * open object. Sources are
 * "FILE:LINE", with FILE's directory left out when short_source. */
void audit_json_members(const struct audit *a, bool short_source, struct json *j);
