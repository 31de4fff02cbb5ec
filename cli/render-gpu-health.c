/* Probe output: GPU health (probes/gpu-health.c) and the findings drawn
 * from it (tune/findings-gpu.c): one line per GPU, a "!" line per warning
 * or failure; in JSON the values and every finding. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/render.h"
#include "common/json.h"
#include "common/util.h"
#include "tune/findings-gpu.h"

static const char *tri(int v, const char *yes, const char *no)
{
	return v < 0 ? "?" : v ? yes : no;
}

static const char *fabric_name(int state)
{
	static const char *const names[] = {"not supported", "not started", "in progress", "completed"};

	return state >= 0 && state < 4 ? names[state] : "?";
}

static void gpu_line(const struct gpu_health *g, FILE *out)
{
	fprintf(out, "  %s (%s): ", g->bdf, g->source);
	if (!strcmp(g->source, "nvml"))
		fprintf(out, "persistence %s, ECC %s, ", tri(g->persistence, "on", "off"),
			tri(g->ecc_enabled, "on", "off"));
	if (g->ecc_uncorrected >= 0)
		fprintf(out, "%" PRId64 " uncorrected / %" PRId64 " corrected errors, ", g->ecc_uncorrected,
			g->ecc_corrected > 0 ? g->ecc_corrected : 0);
	if (g->pcie_replays >= 0)
		fprintf(out, "%" PRId64 " PCIe replays", g->pcie_replays);
	else
		fputs("PCIe replays ?", out);
	if (g->power_limit_mw > 0)
		fprintf(out, ", power limit %" PRId64 " W", g->power_limit_mw / 1000);
	if (g->mig_enabled >= 0)
		fprintf(out, ", MIG %s", tri(g->mig_enabled, "on", "off"));
	if (g->fabric_state > 0)
		fprintf(out, ", fabric %s", fabric_name(g->fabric_state));
	fputc('\n', out);
}

void render_gpu_health_text(const struct cli *cli, const struct host *h, FILE *out)
{
	struct findings f = {0};

	if (!h->gpu_health.ngpus)
		return;
	text_heading(cli, out, "GPU health");
	for (size_t i = 0; i < h->gpu_health.ngpus; i++)
		gpu_line(&h->gpu_health.gpus[i], out);
	if (gpu_health_findings(h, &f) < 0)
		text_attention(cli, out, "out of memory while judging GPU health");
	for (size_t i = 0; i < f.n; i++) {
		if (f.v[i].severity == FINDING_INFO)
			continue;
		text_attention(cli, out, "%s: %s", f.v[i].subject, f.v[i].evidence);
		if (f.v[i].fix)
			fprintf(out, "      fix: %s\n", f.v[i].fix);
	}
	findings_clear(&f);
}

static void health_values_json(const struct gpu_health *g, struct json *j)
{
	json_kv_string(j, "bdf", g->bdf);
	json_kv_string(j, "source", g->source);
	json_kv_tristate(j, "persistence", g->persistence);
	json_kv_tristate(j, "ecc_enabled", g->ecc_enabled);
	json_kv_tristate(j, "ecc_pending", g->ecc_pending);
	json_kv_int_opt(j, "ecc_uncorrected", g->ecc_uncorrected);
	json_kv_int_opt(j, "ecc_corrected", g->ecc_corrected);
	json_kv_int_opt(j, "ecc_uncorrected_total", g->ecc_uncorrected_total);
	json_kv_int_opt(j, "retired_pages_sbe", g->retired_sbe);
	json_kv_int_opt(j, "retired_pages_dbe", g->retired_dbe);
	json_kv_tristate(j, "retired_pending", g->retired_pending);
	json_kv_int_opt(j, "remapped_rows_correctable", g->remapped_correctable);
	json_kv_int_opt(j, "remapped_rows_uncorrectable", g->remapped_uncorrectable);
	json_kv_tristate(j, "remap_pending", g->remap_pending);
	json_kv_tristate(j, "remap_failed", g->remap_failed);
	json_kv_int_opt(j, "throttle_reasons", g->throttle_reasons);
	json_kv_int_opt(j, "pcie_replays", g->pcie_replays);
	json_kv_int_opt(j, "power_limit_mw", g->power_limit_mw);
	json_kv_int_opt(j, "power_default_mw", g->power_default_mw);
	json_kv_tristate(j, "mig_enabled", g->mig_enabled);
	json_kv_tristate(j, "mig_pending", g->mig_pending);
	json_kv_int_opt(j, "fabric_state", g->fabric_state);
	json_key(j, "ras_blocks");
	json_array_begin(j);
	for (char **b = g->ras_blocks; b && *b; b++)
		json_string(j, *b);
	json_array_end(j);
}

/* "gpu_health": {"gpus": [...], "findings": [{"id", "severity", "subject",
 * "evidence", "fix"}]} */
void render_gpu_health_json(const struct host *h, struct json *j)
{
	struct findings f = {0};

	json_key(j, "gpu_health");
	json_object_begin(j);
	json_key(j, "gpus");
	json_array_begin(j);
	for (size_t i = 0; i < h->gpu_health.ngpus; i++) {
		json_object_begin(j);
		health_values_json(&h->gpu_health.gpus[i], j);
		json_object_end(j);
	}
	json_array_end(j);
	if (gpu_health_findings(h, &f) < 0)
		j->error = -ENOMEM;
	json_key(j, "findings");
	json_array_begin(j);
	for (size_t i = 0; i < f.n; i++) {
		json_object_begin(j);
		json_kv_string(j, "id", f.v[i].id);
		json_kv_string(j, "severity", finding_severity_name(f.v[i].severity));
		json_kv_string(j, "subject", f.v[i].subject);
		json_kv_string(j, "evidence", f.v[i].evidence);
		json_kv_string(j, "fix", f.v[i].fix);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	findings_clear(&f);
}
