/* The audit's checks as JSON (see audit-json.h). */
#include <stdio.h>
#include <string.h>

#include "cli/audit-json.h"

static void check_json(const struct check *c, bool short_source, struct json *j)
{
	const char *file = c->file && short_source && strrchr(c->file, '/') ? strrchr(c->file, '/') + 1 : c->file;
	char src[4200];

	if (file)
		snprintf(src, sizeof(src), "%s:%d", file, c->line);
	json_object_begin(j);
	json_kv_string(j, "id", c->id);
	json_kv_string(j, "status", check_status_name(c->status));
	json_kv_string(j, "expected", c->expected);
	json_kv_string(j, "actual", c->actual);
	json_kv_string(j, "source", file ? src : NULL);
	json_kv_string(j, "hint", c->hint);
	json_kv_string(j, "note", c->note);
	json_kv_string(j, "subject", c->subject);
	json_object_end(j);
}

void audit_json_members(const struct audit *a, bool short_source, struct json *j)
{
	json_key(j, "summary");
	json_object_begin(j);
	for (int s = 0; s < CHECK_STATUS_COUNT; s++)
		json_kv_int(j, check_status_name(s), (int64_t)a->counts[s]);
	json_object_end(j);
	json_key(j, "checks");
	json_array_begin(j);
	for (size_t i = 0; i < a->nchecks; i++)
		check_json(&a->checks[i], short_source, j);
	json_array_end(j);
}
