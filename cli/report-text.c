/* rigtune report, text: the verdict first, then failures and errors each
 * with its hint, then every check in an aligned table, then the host and
 * the bandwidth. Colour only on a terminal, never with NO_COLOR. */
#include <math.h>
#include <string.h>

#include "cli/check-table.h"
#include "cli/render.h"
#include "cli/report.h"
#include "common/escape.h"
#include "common/util.h"

static const char *paint(const struct report *r, enum check_status s)
{
	static const char *const colors[] = {
		[CHECK_PASS] = "\033[32m", [CHECK_FAIL] = "\033[1;31m",
		[CHECK_SKIP] = "\033[2m", [CHECK_ERROR] = "\033[1;35m",
		[CHECK_WARN] = "\033[33m", [CHECK_INFO] = "\033[36m",
	};
	return r->color ? colors[s] : "";
}

static const char *reset(const struct report *r)
{
	return r->color ? "\033[0m" : "";
}

static void print_problem(const struct report *r, const struct check *c, FILE *out)
{
	struct tstr t = {0};
	char src[256];

	fprintf(out, "  %s%-5s%s %s", paint(r, c->status), check_status_name(c->status), reset(r), T(&t, c->id));
	if (c->file)
		fprintf(out, "  (%s)", T(&t, report_source(c, src, sizeof(src))));
	fputc('\n', out);
	if (c->subject)
		fprintf(out, "        on %s: %s\n", T(&t, c->subject), c->actual ? T(&t, c->actual) : "-");
	else
		fprintf(out, "        expected %s, actual %s\n", c->expected ? T(&t, c->expected) : "-",
			c->actual ? T(&t, c->actual) : "unknown");
	if (c->note)
		fprintf(out, "        %s\n", T(&t, c->note));
	if (c->hint)
		fprintf(out, "        fix: %s\n", T(&t, c->hint));
	tstr_release(&t);
}

static void print_table(const struct report *r, FILE *out)
{
	struct check_table t = {
		.indent = "  ", .gap = " ", .titles = {"check", "expected", "actual", "source"},
		.min = {8, 8, 8}, .max = {40, 40, 40}, .no_actual = "unknown",
		.subject_as_actual = true,
	};

	check_table_measure(&t, r->audit->checks, r->audit->nchecks);
	fprintf(out, "\nAll checks\n");
	check_table_header(&t, out);
	for (size_t i = 0; i < r->audit->nchecks; i++)
		check_table_row(&t, &r->audit->checks[i], paint(r, r->audit->checks[i].status), reset(r), out);
}

static void print_host(const struct report *r, FILE *out)
{
	const struct host *h = r->host;
	struct tstr t = {0};
	char mem[32] = "unknown";
	int64_t total = 0;

	for (size_t i = 0; i < h->numa.nnodes; i++)
		if (h->numa.nodes[i].memory_bytes > 0)
			total += h->numa.nodes[i].memory_bytes;
	if (total)
		format_bytes(mem, sizeof(mem), (double)total);
	fprintf(out, "\nHost\n  %s; %d socket%s, %d cores, %d threads; %zu NUMA node%s, %s memory\n",
		h->cpu.model_name ? T(&t, h->cpu.model_name) : "unknown CPU", h->cpu.sockets, h->cpu.sockets == 1 ? "" : "s", h->cpu.cores, h->cpu.threads,
		h->numa.nnodes, h->numa.nnodes == 1 ? "" : "s", mem);
	fprintf(out, "  kernel %s%s%s\n", h->kernel.release ? T(&t, h->kernel.release) : "unknown",
		h->kernel.virtualization ? ", virtualized: " : "",
		h->kernel.virtualization ? T(&t, h->kernel.virtualization) : "");
	tstr_release(&t);
	if (!isnan(h->memory.peak_gbps))
		fprintf(out, "  memory: %d channels populated, theoretical peak %.1f GB/s\n",
			h->memory.channels_populated, h->memory.peak_gbps);
}

static void print_bench(const struct report *r, FILE *out)
{
	fprintf(out, "\nMemory bandwidth\n");
	if (!r->bench) {
		fprintf(out, "  %s\n", r->bench_skipped);
		return;
	}
	for (size_t i = 0; i < r->bench->nresults; i++) {
		const struct bench_result *b = &r->bench->results[i];

		struct tstr t = {0};

		fprintf(out, "  %-6s %-16s %8.1f GB/s  (%d threads)\n", bench_kernel_name(b->kernel), T(&t, b->scope),
			b->gbps, b->threads);
		tstr_release(&t);
	}
	if (r->verdict)
		fprintf(out, "  %s\n", r->verdict);
}

void report_text(const struct report *r, FILE *out)
{
	const struct audit *a = r->audit;
	struct tstr t = {0};
	char when[64];
	bool any = false;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&r->generated));
	fprintf(out, "rigtune report: %s (%s), %s\n", T(&t, r->profile->name), T(&t, r->profile->path), when);
	tstr_release(&t);
	static const enum check_status problems[] = {CHECK_FAIL, CHECK_ERROR, CHECK_WARN, CHECK_INFO};
	char counts[160];

	fprintf(out, "%sVerdict: %s%s — %s\n",
		r->color ? (a->counts[CHECK_FAIL] || a->counts[CHECK_ERROR] ? "\033[1;31m" : "\033[1;32m") : "",
		report_verdict(r), reset(r), format_check_counts(counts, sizeof(counts), a));
	for (size_t pass = 0; pass < ARRAY_SIZE(problems); pass++)
		for (size_t i = 0; i < a->nchecks; i++) {
			const struct check *c = &a->checks[i];

			if (c->status != problems[pass])
				continue;
			if (!any)
				fprintf(out, "\nProblems and findings (fail and error count in the verdict, warn and info do not)\n");
			any = true;
			print_problem(r, c, out);
		}
	print_table(r, out);
	print_host(r, out);
	report_machine_text(r, out);
	print_bench(r, out);
}
