/* The JSON writer's shared shapes: the {"schema": 1, KEY: {...}} envelope
 * every command writes, and numbers that are null when unknown (a known
 * negative sysctl must stay a number). */
#include <stdio.h>
#include <stdlib.h>

#include "common/json.h"
#include "tap.h"

/* Runs write() on a compact writer; the text, and json_end's result. */
static char *written(void (*write)(struct json *), int *end)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct json j;

	if (!f)
		return NULL;
	json_init(&j, f, true);
	write(&j);
	*end = json_end(&j);
	fclose(f);
	/* json_end's newline is left out: TAP prints the strings compared. */
	if (text && len && text[len - 1] == '\n')
		text[len - 1] = 0;
	return text;
}

static void keyed_document(struct json *j)
{
	json_document_begin(j, "topo");
	json_kv_int(j, "n", 2);
	json_document_end(j);
}

static void plain_document(struct json *j)
{
	json_document_begin(j, NULL);
	json_kv_string(j, "profile", "x");
	json_document_end(j);
}

static void document_left_open(struct json *j)
{
	json_document_begin(j, "bench");
	json_key(j, "gpus");
	json_array_begin(j);
	json_document_end(j);
}

static void known_numbers(struct json *j)
{
	json_object_begin(j);
	json_kv_int_known(j, "paranoid", -1, true);
	json_kv_int_known(j, "missing", -1, false);
	json_kv_int_opt(j, "node", -1);
	json_kv_uint_known(j, "errors", 0, true);
	json_kv_uint_known(j, "unread", 7, false);
	json_object_end(j);
}

static void check(void (*write)(struct json *), const char *want, int want_end, const char *what)
{
	int end = 1;
	char *got = written(write, &end);

	tap_is_str(got, want, what);
	tap_is_int(end, want_end, "... json_end's result");
	free(got);
}

int main(void)
{
	check(keyed_document, "{\"schema\":1,\"topo\":{\"n\":2}}", 0, "document with a key: schema, then the key's object");
	check(plain_document, "{\"schema\":1,\"profile\":\"x\"}", 0, "document without a key: members beside schema");
	check(document_left_open, "{\"schema\":1,\"bench\":{\"gpus\":[", -22,
	      "an array left open: document_end closes nothing, json_end says -EINVAL");
	check(known_numbers, "{\"paranoid\":-1,\"missing\":null,\"node\":null,\"errors\":0,\"unread\":null}", 0,
	      "known numbers (negative too) are numbers, unknown ones null");
	return tap_done();
}
