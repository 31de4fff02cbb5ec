/* PLACEHOLDER until the pci probe lands (being written now). */
#include "cli/render.h"
void render_pci_text(const struct cli *cli, const struct host *h, FILE *out) { }
void render_pci_json(const struct host *h, struct json *j) { json_key(j, "pci"); json_null(j); }
