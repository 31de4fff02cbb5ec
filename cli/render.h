/* Renderers of a probed host, one file per area (cli/render-*.c). Text
 * renderers print one titled block; JSON renderers write their members of
 * the probe document (schema 1, see DESIGN.md). */
#pragma once
#include <stdio.h>

#include "cli/cli.h"

/* Text helpers shared by every block (cli/render-text.c). */
void text_heading(const struct cli *cli, FILE *out, const char *title);
void text_field(FILE *out, const char *label, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A line that needs the reader's attention ("! ..."), in colour on a tty. */
void text_attention(const struct cli *cli, FILE *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "1.5 TiB", "755.8 GiB", "512 MiB" */
void format_bytes(char *buf, size_t size, double bytes);

void render_system_text(const struct cli *cli, const struct host *h, FILE *out);
void render_system_json(const struct host *h, struct json *j);
void render_sysctl_json(const struct host *h, struct json *j);
void render_memory_text(const struct cli *cli, const struct host *h, FILE *out);
void render_memory_json(const struct host *h, struct json *j);
void render_pci_text(const struct cli *cli, const struct host *h, FILE *out);
/* The devices the text lists without --verbose: storage, network,
 * display, accelerators, anything with a link or a short one. */
bool render_pci_listed(const struct pci_device *d);
void render_pci_json(const struct host *h, struct json *j);
void render_iommu_text(const struct cli *cli, const struct host *h, FILE *out);
void render_iommu_json(const struct host *h, struct json *j);
void render_links_text(const struct cli *cli, const struct host *h, FILE *out);
void render_links_json(const struct host *h, struct json *j);
void render_gpu_health_text(const struct cli *cli, const struct host *h, FILE *out);
void render_gpu_health_json(const struct host *h, struct json *j);
void render_irq_text(const struct cli *cli, const struct host *h, FILE *out);
void render_irq_json(const struct host *h, struct json *j);
