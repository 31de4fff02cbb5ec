/* A small streaming JSON writer (see json.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "common/escape.h"
#include "common/json.h"
#include "common/util.h"

void json_init(struct json *j, FILE *out, bool compact)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->compact = compact;
	j->first[0] = true;
}

int json_end(struct json *j)
{
	if (!j->error && j->depth != 0)
		j->error = -EINVAL;
	fputc('\n', j->out);
	if (ferror(j->out) && !j->error)
		j->error = -EIO;
	return j->error;
}

static void newline(struct json *j)
{
	/* The indentation a write at a time, not one per level. */
	static const char spaces[] = "                                                                ";
	const int chunk = (int)sizeof(spaces) - 1;

	if (j->compact)
		return;
	fputc('\n', j->out);
	for (int want = 2 * j->depth; want > 0; want -= chunk)
		fwrite(spaces, 1, (size_t)(want < chunk ? want : chunk), j->out);
}

/* Separator and indentation before a value or a key. */
static void before_value(struct json *j)
{
	if (j->in_key) {
		j->in_key = false;
		return;
	}
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->out);
		newline(j);
	}
	j->first[j->depth] = false;
}

static void open_scope(struct json *j, char c)
{
	before_value(j);
	fputc(c, j->out);
	if (j->depth + 1 >= (int)ARRAY_SIZE(j->first)) {
		j->error = -E2BIG;
		return;
	}
	j->first[++j->depth] = true;
}

static void close_scope(struct json *j, char c)
{
	bool empty;

	if (j->depth == 0) {
		j->error = -EINVAL;
		return;
	}
	empty = j->first[j->depth];
	j->depth--;
	if (!empty)
		newline(j);
	fputc(c, j->out);
}

void json_object_begin(struct json *j) { open_scope(j, '{'); }
void json_object_end(struct json *j) { close_scope(j, '}'); }
void json_array_begin(struct json *j) { open_scope(j, '['); }
void json_array_end(struct json *j) { close_scope(j, ']'); }

void json_document_begin(struct json *j, const char *key)
{
	json_object_begin(j);
	json_kv_int(j, "schema", 1);
	if (key) {
		json_key(j, key);
		json_object_begin(j);
	}
	j->depth_of_document = j->depth;
}

void json_document_end(struct json *j)
{
	if (j->depth != j->depth_of_document) {
		if (!j->error)
			j->error = -EINVAL;
		return;
	}
	while (j->depth > 0)
		json_object_end(j);
}

static void write_escaped(FILE *out, const char *s)
{
	escape_json(out, s);
}

char *json_escape(const char *s)
{
	return escape_dup(escape_json, s);
}

void json_key(struct json *j, const char *key)
{
	before_value(j);
	fputc('"', j->out);
	write_escaped(j->out, key);
	fputs(j->compact ? "\":" : "\": ", j->out);
	j->in_key = true;
}

void json_string(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	before_value(j);
	fputc('"', j->out);
	write_escaped(j->out, s);
	fputc('"', j->out);
}

void json_int(struct json *j, int64_t v)
{
	before_value(j);
	fprintf(j->out, "%" PRId64, v);
}

void json_uint(struct json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->out, "%" PRIu64, v);
}

void json_double(struct json *j, double v)
{
	char buf[64];

	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	before_value(j);
	/* Shortest form that reads back the same, always a valid JSON number. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, j->out);
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	before_value(j);
	fputs("null", j->out);
}

void json_kv_string(struct json *j, const char *k, const char *s)
{
	json_key(j, k);
	json_string(j, s);
}

void json_kv_int(struct json *j, const char *k, int64_t v)
{
	json_key(j, k);
	json_int(j, v);
}

void json_kv_uint_known(struct json *j, const char *k, uint64_t v, bool known)
{
	json_key(j, k);
	if (known)
		json_uint(j, v);
	else
		json_null(j);
}

void json_kv_int_known(struct json *j, const char *k, int64_t v, bool known)
{
	json_key(j, k);
	if (known)
		json_int(j, v);
	else
		json_null(j);
}

void json_kv_int_opt(struct json *j, const char *k, int64_t v)
{
	json_kv_int_known(j, k, v, v >= 0);
}

void json_kv_double(struct json *j, const char *k, double v)
{
	json_key(j, k);
	json_double(j, v);
}

void json_kv_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}

void json_kv_tristate(struct json *j, const char *k, int v)
{
	json_key(j, k);
	if (v < 0)
		json_null(j);
	else
		json_bool(j, v);
}
