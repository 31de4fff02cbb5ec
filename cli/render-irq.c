/* PLACEHOLDER until the irq probe lands (being written now). */
#include "cli/render.h"
void render_irq_text(const struct cli *cli, const struct host *h, FILE *out) { }
void render_irq_json(const struct host *h, struct json *j) { json_key(j, "irqs"); json_null(j); }
