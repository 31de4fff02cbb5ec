/* `rigtune bench --gpu`: host<->GPU and GPU<->GPU bandwidth
 * (verify/gpu-bench.c) in text or JSON, each figure against its link's
 * theoretical rate. Exit 1 when data came back wrong or a GPU falls below
 * --min-fraction of its link; 2 when the runtime cannot run. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/json.h"
#include "common/util.h"
#include "verify/gpu-bench.h"

struct gpu_args {
	bool json;
	const struct gpu_ops *ops;  /* --runtime; NULL: whichever loads */
	uint64_t size_mb;
	int reps;
	double min_fraction;        /* NAN: no threshold */
};

static void print_rate(const struct gpu_rate *x, bool last, FILE *out)
{
	char buf[32];

	if (isnan(x->gbps))
		snprintf(buf, sizeof(buf), "-");
	else if (isnan(x->fraction))
		snprintf(buf, sizeof(buf), "%.1f", x->gbps);
	else
		snprintf(buf, sizeof(buf), "%.1f (%.0f%%)", x->gbps, x->fraction * 100);
	fprintf(out, last ? " %s" : " %-14s", buf);
}

static void print_gpus(const struct gpu_report *r, double min, FILE *out)
{
	fprintf(out, "%-4s %-13s %-4s %-24s %-10s %-14s %-14s %-14s %-14s %s\n", "GPU", "BDF", "node",
		"link (theoretical)", "under load", "H2D GB/s", "D2H GB/s", "both GB/s", "all H2D", "all D2H");
	for (size_t i = 0; i < r->ngpus; i++) {
		const struct gpu_result *g = &r->gpus[i];
		char link[64] = "unknown", node[12] = "?";

		if (g->link[0])
			snprintf(link, sizeof(link), "%s (%.1f GB/s)", g->link, g->link_gbps);
		if (g->numa_node >= 0)
			snprintf(node, sizeof(node), "%d", g->numa_node);
		fprintf(out, "%-4d %-13s %-4s %-24s %-10s", g->index, g->bdf, node, link,
			g->under_load[0] ? g->under_load : "?");
		print_rate(&g->h2d, false, out);
		print_rate(&g->d2h, false, out);
		print_rate(&g->bidir, false, out);
		print_rate(&g->h2d_all, false, out);
		print_rate(&g->d2h_all, true, out);
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->ngpus; i++) {
		const struct gpu_result *g = &r->gpus[i];

		if (g->data_checked && !g->data_ok)
			fprintf(out, "  ! GPU%d %s: data copied to the GPU came back different\n", g->index, g->bdf);
		if (g->link_low)
			fprintf(out, "  ! GPU%d %s: the link ran at %s under load, below its %s\n", g->index, g->bdf,
				g->under_load, g->link);
		if (gpu_result_low(g, min))
			fprintf(out, "  ! GPU%d %s: host-to-device at %.0f%% of its link, below %.0f%%\n", g->index,
				g->bdf, g->h2d.fraction * 100, min * 100);
	}
}

static void report_text(const struct gpu_report *r, double min, FILE *out)
{
	if (!r->ngpus)
		return; /* the error says why */
	fprintf(out, "%s (%s): %zu GPU%s, %d copies of %.0f MiB each way, pinned host memory on each GPU's node\n",
		r->runtime, r->library, r->ngpus, r->ngpus == 1 ? "" : "s", r->reps, r->bytes / 1048576.0);
	if (r->ngpus) {
		fputc('\n', out);
		print_gpus(r, min, out);
	}
	if (r->npeers)
		fputs("\nPeer copies:\n", out);
	for (size_t i = 0; i < r->npeers; i++)
		fprintf(out, "  GPU%d -> GPU%d: %.1f GB/s\n", r->peers[i].a, r->peers[i].b, r->peers[i].gbps);
	if (r->ngpus > 1 && !r->npeers && !r->error)
		fputs("\nPeer copies: no pair of GPUs allows peer access.\n", out);
}

static void json_rate(struct json *j, const char *key, const struct gpu_rate *x)
{
	json_key(j, key);
	json_object_begin(j);
	json_kv_double(j, "gbps", x->gbps);
	json_kv_double(j, "fraction", x->fraction);
	json_object_end(j);
}

static void report_json(const struct gpu_report *r, double min, FILE *out)
{
	struct json j;

	json_init(&j, out, false);
	json_document_begin(&j, "gpu_bench");
	json_kv_string(&j, "runtime", r->runtime);
	json_kv_string(&j, "library", r->library);
	json_kv_int(&j, "bytes", (int64_t)r->bytes);
	json_kv_int(&j, "reps", r->reps);
	json_kv_string(&j, "error", r->error);
	json_key(&j, "gpus");
	json_array_begin(&j);
	for (size_t i = 0; i < r->ngpus; i++) {
		const struct gpu_result *g = &r->gpus[i];

		json_object_begin(&j);
		json_kv_int(&j, "index", g->index);
		json_kv_string(&j, "bdf", g->bdf);
		json_kv_int_opt(&j, "numa_node", g->numa_node);
		json_kv_string(&j, "link", g->link[0] ? g->link : NULL);
		json_kv_double(&j, "link_gbps", g->link_gbps);
		json_kv_string(&j, "under_load", g->under_load[0] ? g->under_load : NULL);
		json_kv_bool(&j, "link_low", g->link_low);
		json_rate(&j, "h2d", &g->h2d);
		json_rate(&j, "d2h", &g->d2h);
		json_rate(&j, "bidir", &g->bidir);
		json_rate(&j, "h2d_all", &g->h2d_all);
		json_rate(&j, "d2h_all", &g->d2h_all);
		json_kv_tristate(&j, "data_ok", g->data_checked ? g->data_ok : -1);
		json_kv_bool(&j, "below_min", gpu_result_low(g, min));
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "peers");
	json_array_begin(&j);
	for (size_t i = 0; i < r->npeers; i++) {
		json_object_begin(&j);
		json_kv_int(&j, "from", r->peers[i].a);
		json_kv_int(&j, "to", r->peers[i].b);
		json_kv_double(&j, "gbps", r->peers[i].gbps);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_document_end(&j);
	json_end(&j);
}

enum { OPT_GPU = 0x100, OPT_JSON, OPT_SIZE, OPT_REPS, OPT_MIN, OPT_RUNTIME };

static int parse_gpu_args(const struct cli *cli, int argc, char **argv, struct gpu_args *a)
{
	static const struct option opts[] = {
		{"gpu", no_argument, NULL, OPT_GPU},
		{"json", no_argument, NULL, OPT_JSON},
		{"size-mb", required_argument, NULL, OPT_SIZE},
		{"reps", required_argument, NULL, OPT_REPS},
		{"min-fraction", required_argument, NULL, OPT_MIN},
		{"runtime", required_argument, NULL, OPT_RUNTIME},
		{},
	};
	int c;

	*a = (struct gpu_args){.json = cli->json, .size_mb = 64, .reps = 8, .min_fraction = NAN};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		switch (c) {
		case OPT_GPU:
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_SIZE:
			if (parse_u64(optarg, &a->size_mb) < 0 || a->size_mb < 1 || a->size_mb > 65536)
				return log_error("--size-mb '%s': MiB per copy, 1 to 65536", optarg);
			break;
		case OPT_REPS:
			if (parse_int(optarg, &a->reps) < 0 || a->reps < 1 || a->reps > 10000)
				return log_error("--reps '%s': copies per figure, 1 to 10000", optarg);
			break;
		case OPT_RUNTIME:
			if (!strcmp(optarg, "cuda"))
				a->ops = &gpu_cuda_ops;
			else if (!strcmp(optarg, "hip"))
				a->ops = &gpu_hip_ops;
			else if (strcmp(optarg, "auto"))
				return log_error("--runtime '%s' is not one of cuda, hip, auto", optarg);
			break;
		case OPT_MIN:
			if (parse_double(optarg, &a->min_fraction) < 0 || !(a->min_fraction > 0) ||
			    a->min_fraction > 1)
				return log_error("--min-fraction '%s': a share of the link, above 0 and at most 1",
						 optarg);
			break;
		default:
			return log_error("bench --gpu: unknown option (try 'rigtune bench --help')");
		}
	}
	if (optind < argc)
		return log_error("bench --gpu: unexpected argument '%s'", argv[optind]);
	return 0;
}

/* EXIT_CHECK when a GPU's data came back wrong or it is below min. */
static int verdict(const struct gpu_report *r, double min)
{
	if (r->error)
		return EXIT_ERROR;
	for (size_t i = 0; i < r->ngpus; i++)
		if ((r->gpus[i].data_checked && !r->gpus[i].data_ok) || gpu_result_low(&r->gpus[i], min))
			return EXIT_CHECK;
	return EXIT_GOOD;
}

int cli_gpu_bench_run(const struct cli *cli, const struct host *h, const struct gpu_ops *ops, uint64_t size_mb,
		      int reps, struct gpu_report **ret)
{
	struct gpu_bench_options opt = {.ops = ops, .bytes = (size_t)size_mb << 20, .reps = reps};
	struct sysroot *sr = NULL;
	int r = sysroot_open(cli->sysroot, &sr);

	if (r < 0)
		return log_errno(r, "cannot open sysroot '%s'", cli->sysroot);
	r = gpu_bench_run(sr, h, &opt, ret);
	sysroot_free(sr);
	return r < 0 ? log_errno(r, "bench --gpu") : 0;
}

int cmd_bench_gpu(const struct cli *cli, int argc, char **argv)
{
	struct gpu_report *r = NULL;
	struct gpu_args a;
	struct host h;
	int ret = parse_gpu_args(cli, argc, argv, &a);

	if (ret)
		return ret;
	ret = cli_probe_host(cli, &h);
	if (ret)
		return ret;
	ret = cli_gpu_bench_run(cli, &h, a.ops, a.size_mb, a.reps, &r);
	host_release(&h);
	if (ret)
		return ret;
	if (a.json)
		report_json(r, a.min_fraction, stdout);
	else
		report_text(r, a.min_fraction, stdout);
	if (r->error)
		log_error("bench --gpu: %s", r->error);
	ret = verdict(r, a.min_fraction);
	gpu_report_free(r);
	return fflush(stdout) == 0 ? ret : log_error("cannot write output");
}
