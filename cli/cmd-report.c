/* `rigtune report PROFILE --format text|json|junit|prometheus|html [-o FILE]
 * [--no-bench] [--quick]`: probe, audit and verify gathered once, then
 * rendered in one format; -o writes a temporary file and renames it, so a
 * Prometheus textfile collector never reads half a file. */
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/health.h"
#include "cli/report.h"
#include "common/util.h"
#include "tune/rig-audit.h"

static const struct {
	const char *name;
	void (*render)(const struct report *r, FILE *out);
} formats[] = {
	{"text", report_text}, {"json", report_json}, {"junit", report_junit},
	{"prometheus", report_prometheus}, {"html", report_html},
};

struct report_args {
	const char *profile, *output;
	size_t format;
	bool no_bench, quick, serials, no_gpu;
	double burnin_s;            /* --burn-in; 0 none */
};

static int parse_report_args(const struct cli *cli, int argc, char **argv, struct report_args *a)
{
	static const struct option options[] = {
		{"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
		{"no-bench", no_argument, NULL, 'n'}, {"quick", no_argument, NULL, 'q'},
		{"burn-in", required_argument, NULL, 'b'},
		{"serials", no_argument, NULL, 's'}, {"no-gpu", no_argument, NULL, 'g'}, {},
	};
	bool found = false;
	int c;

	*a = (struct report_args){.format = cli->json ? 1 : 0};
	while ((c = getopt_long(argc, argv, "f:o:", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			for (size_t i = 0; i < ARRAY_SIZE(formats) && !found; i++)
				if (!strcmp(optarg, formats[i].name)) {
					a->format = i;
					found = true;
				}
			if (!found)
				return log_error("report: unknown format '%s' (text, json, junit, prometheus, html)",
						 optarg);
			break;
		case 'o': a->output = optarg; break;
		case 'n': a->no_bench = true; break;
		case 'q': a->quick = true; break;
		case 'b':
			if (cli_parse_duration(optarg, &a->burnin_s) < 0)
				return log_error("--burn-in '%s': a duration such as 30m, 2m, 90s or 1h30m", optarg);
			break;
		case 's': a->serials = true; break;
		case 'g': a->no_gpu = true; break;
		default: return log_error("report: usage: rigtune report PROFILE [--format F] [-o FILE] [--no-bench]");
		}
	}
	if (optind + 1 != argc)
		return log_error("report: needs one PROFILE (try --help)");
	if (a->no_bench && a->burnin_s > 0)
		return log_error("report: --burn-in runs the verifier, --no-bench skips it: choose one");
	a->profile = argv[optind];
	return 0;
}

static char *fmt_double(double v, const char *unit)
{
	return isnan(v) ? NULL : xasprintf("%.1f%s", v, unit);
}

/* The [verify] targets as checks, measured or skipped with the reason. */
static int add_verify_checks(struct report *r, const char *skipped)
{
	struct bench_targets t;
	struct bench_check *c = NULL;
	_cleanup_free_ char *error = NULL;
	size_t n = 0;
	int ret;

	ret = bench_targets_from_profile(r->profile, &t, &error);
	if (ret < 0)
		return audit_add(r->audit, "verify", CHECK_ERROR, NULL, NULL, NULL, NULL, error);
	if (!r->bench) {
		for (int k = 0; k < BENCH_NTARGETS; k++) {
			const struct profile_entry *e = profile_get(r->profile, "verify", bench_target_key(k));
			_cleanup_free_ char *id = xasprintf("verify.%s", bench_target_key(k));

			if (e && audit_add(r->audit, id, CHECK_SKIP, e, e->value, NULL, NULL, skipped) < 0)
				return -ENOMEM;
		}
		return 0;
	}
	ret = bench_targets_check(r->bench, &t, &c, &n);
	if (ret >= 0 && !isnan(t.value[BENCH_TARGET_GPU_H2D_FRACTION])) {
		const struct profile_entry *e = profile_get(r->profile, "verify", "gpu_h2d_fraction");

		ret = audit_add(r->audit, "verify.gpu_h2d_fraction", CHECK_SKIP, e, e ? e->value : NULL, NULL, NULL,
				"GPU bandwidth is measured by rigtune verify (bench --gpu), not by report");
	}
	for (size_t i = 0; ret >= 0 && i < n; i++) {
		static const enum check_status map[] = {
			[BENCH_CHECK_PASS] = CHECK_PASS, [BENCH_CHECK_FAIL] = CHECK_FAIL,
			[BENCH_CHECK_SKIP] = CHECK_SKIP,
		};
		const char *unit = c[i].target == BENCH_TARGET_PEAK_FRACTION || c[i].target == BENCH_TARGET_GPU_H2D_FRACTION ? "" : " GB/s";
		_cleanup_free_ char *id = xasprintf("verify.%s", c[i].name);
		_cleanup_free_ char *want = fmt_double(c[i].expected, unit);
		_cleanup_free_ char *got = fmt_double(c[i].measured, unit);

		ret = audit_add(r->audit, id, map[c[i].status],
				profile_get(r->profile, "verify", bench_target_key(c[i].target)), want, got,
				c[i].status == BENCH_CHECK_FAIL ? "check DIMM population (rigtune probe), NUMA "
				"settings and the BIOS memory options (NPS, power states)" : NULL, c[i].message);
	}
	if (ret >= 0)
		r->verdict = bench_verdict(r->bench, c, n);
	bench_checks_free(c, n);
	return ret < 0 ? ret : 0;
}

/* Write through a temporary file in the same directory, then rename. */
static int write_output(const struct report *r, size_t format, const char *output)
{
	_cleanup_free_ char *tmp = NULL;
	FILE *f;
	int fd;

	if (!output) {
		formats[format].render(r, stdout);
		return fflush(stdout) == 0 ? 0 : log_error("report: cannot write the output");
	}
	tmp = xasprintf("%s.tmpXXXXXX", output);
	if (!tmp)
		return log_errno(-ENOMEM, "report");
	fd = mkstemp(tmp);
	if (fd < 0)
		return log_errno(-errno, "report: cannot write '%s'", output);
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return log_errno(-errno, "report: cannot write '%s'", output);
	}
	formats[format].render(r, f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
		fclose(f);
		unlink(tmp);
		return log_error("report: cannot write '%s'", output);
	}
	fclose(f);
	if (rename(tmp, output) < 0) {
		unlink(tmp);
		return log_errno(-errno, "report: cannot write '%s'", output);
	}
	return 0;
}

static int gather(const struct cli *cli, const struct report_args *a, struct report *r,
		  struct sysroot *sr, struct bench_report **bench)
{
	const char *skipped = NULL;
	int ret;

	if (a->no_bench)
		skipped = "not measured: --no-bench";
	else if (!sr->live)
		skipped = "not measured: a captured tree (--sysroot) is not this host";
	else if (cli_bench_run(cli, r->host, a->quick, a->burnin_s, a->no_gpu, bench) != 0)
		skipped = "not measured: the verifier failed (see its message above)";
	r->bench = *bench;
	r->bench_skipped = skipped;
	/* the burn-in's findings are judged with the hardware's, waivers and all */
	progress(cli, "auditing %s and the hardware findings", r->profile->name);
	ret = rig_audit(sr, r->host, r->profile, r->bench ? &r->bench->findings : NULL, &r->audit);
	progress_done(cli);
	if (ret < 0)
		return log_errno(ret, "report: audit");
	ret = add_verify_checks(r, skipped);
	return ret < 0 ? log_errno(ret, "report: verify") : 0;
}

int cmd_report(const struct cli *cli, int argc, char **argv)
{
	struct report_args a;
	struct profile *p = NULL;
	struct sysroot *sr = NULL;
	struct bench_report *bench = NULL;
	struct host h = {};
	struct report r = {.cli = cli, .generated = time(NULL)};
	_cleanup_free_ char *hostname = NULL;
	int ret;

	ret = parse_report_args(cli, argc, argv, &a);
	if (ret)
		return ret;
	ret = cli_profile_load(a.profile, &p);
	if (ret)
		return ret;
	ret = sysroot_open(cli->sysroot, &sr);
	if (ret < 0) {
		profile_free(p);
		return log_errno(ret, "cannot open sysroot '%s'", cli->sysroot);
	}
	ret = cli_probe_host(cli, &h);
	if (ret == 0) {
		r.profile = p;
		r.host = &h;
		r.color = cli->color && !a.output && a.format == 0;
		r.serials = a.serials;
		/* a captured tree's hostname is another machine's */
		if (sr->live && sr_read_string(sr, &hostname, "proc/sys/kernel/hostname") == 0)
			r.hostname = hostname;
		ret = gather(cli, &a, &r, sr, &bench);
	}
	if (ret == 0)
		ret = write_output(&r, a.format, a.output);
	if (ret == 0)
		ret = audit_exit_status(r.audit);
	free((char *)r.verdict);
	audit_free(r.audit);
	bench_report_free(bench);
	host_release(&h);
	sysroot_free(sr);
	profile_free(p);
	return ret;
}
