/* PLACEHOLDER until the memory probe lands (being written now). */
#include "cli/render.h"
void render_memory_text(const struct cli *cli, const struct host *h, FILE *out) { }
void render_memory_json(const struct host *h, struct json *j) { json_key(j, "memory"); json_null(j); }
