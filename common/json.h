/* A small streaming JSON writer: objects, arrays, typed scalars, null for
 * unknown values, two-space indentation like `jq .`. Errors (OOM, nesting
 * mistakes) are sticky and returned by json_end(). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *out;
	int depth;
	bool first[64];     /* nothing written yet at this depth */
	bool in_key;        /* a key was written, its value comes next */
	bool compact;
	int depth_of_document;  /* the depth json_document_begin left open */
	int error;
};

void json_init(struct json *j, FILE *out, bool compact);
int json_end(struct json *j);        /* newline after the top value; error */

/* Every document rigtune writes opens {"schema": 1 and, with a key,
 * "KEY": { for the command's members; json_document_end closes what
 * begin opened (a scope left open in between is an error). */
void json_document_begin(struct json *j, const char *key);
void json_document_end(struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);   /* NULL writes null */
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_double(struct json *j, double v);        /* NAN/inf write null */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key + value shorthands; the _opt forms write null for the unknown value
 * (a negative integer, NAN, a negative tri-state). */
void json_kv_string(struct json *j, const char *k, const char *s);
void json_kv_int(struct json *j, const char *k, int64_t v);
void json_kv_int_opt(struct json *j, const char *k, int64_t v);
/* v when known, else null: for values where no number can mean unknown
 * (sizes where 0 means none, counters, sysctls that may be negative) */
void json_kv_uint_known(struct json *j, const char *k, uint64_t v, bool known);
void json_kv_int_known(struct json *j, const char *k, int64_t v, bool known);
void json_kv_double(struct json *j, const char *k, double v);
void json_kv_bool(struct json *j, const char *k, bool v);
void json_kv_tristate(struct json *j, const char *k, int v);

/* Escape s as a JSON string body into a malloc'd buffer (no quotes). */
char *json_escape(const char *s);
