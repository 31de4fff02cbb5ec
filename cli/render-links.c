/* PLACEHOLDER until the links probe lands (being written now). */
#include "cli/render.h"
void render_links_text(const struct cli *cli, const struct host *h, FILE *out) { }
void render_links_json(const struct host *h, struct json *j) { json_key(j, "links"); json_null(j); }
