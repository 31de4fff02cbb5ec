/* The command line: global options, the command table, and the helpers
 * every command shares. The CLI is the only part of rigtune that prints. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "probes/host.h"

enum {
	EXIT_GOOD = 0,      /* all good */
	EXIT_CHECK = 1,     /* a check failed (audit, verify, report) */
	EXIT_ERROR = 2,     /* usage, profile or runtime error */
};

enum color_mode {
	COLOR_AUTO,
	COLOR_ALWAYS,
	COLOR_NEVER,
};

struct cli {
	const char *sysroot;    /* "/" unless --sysroot */
	const char *pci_dump;   /* --pci-dump FILE, or NULL */
	bool json;              /* --json */
	int verbose;            /* -v, repeatable */
	enum color_mode color_mode;  /* --color=WHEN */
	bool color;             /* --color=always, or auto: stdout is a tty, TERM is not
				   dumb and NO_COLOR is unset */
	bool quiet;             /* -q: no progress */
	bool progress_tty;      /* stderr is a terminal: progress on one line */
	const char *argv0;
};

struct command {
	const char *name;
	int (*run)(const struct cli *cli, int argc, char **argv);
	const char *args;       /* for usage: "PROFILE [--dry-run]" */
	const char *summary;
	const char *options;    /* for `rigtune CMD --help`: one line per option */
};

/* Each command: argv[0] is the command's name; global options are already
 * removed, so getopt_long sees only the command's own. */
int cmd_probe(const struct cli *cli, int argc, char **argv);
int cmd_snapshot(const struct cli *cli, int argc, char **argv);
int cmd_apply(const struct cli *cli, int argc, char **argv);
int cmd_revert(const struct cli *cli, int argc, char **argv);
int cmd_audit(const struct cli *cli, int argc, char **argv);
int cmd_show(const struct cli *cli, int argc, char **argv);
int cmd_profiles(const struct cli *cli, int argc, char **argv);
int cmd_bench(const struct cli *cli, int argc, char **argv);
int cmd_verify(const struct cli *cli, int argc, char **argv);
int cmd_report(const struct cli *cli, int argc, char **argv);
int cmd_watch(const struct cli *cli, int argc, char **argv);
int cmd_bench_gpu(const struct cli *cli, int argc, char **argv); /* bench --gpu */
int cmd_topo(const struct cli *cli, int argc, char **argv);
int cmd_plan(const struct cli *cli, int argc, char **argv);
int cmd_recommend(const struct cli *cli, int argc, char **argv);
int cmd_status(const struct cli *cli, int argc, char **argv);

/* Messages: "rigtune: ..." on stderr. log_errno appends strerror(-err).
 * Both return EXIT_ERROR so commands can `return log_error(...)`. */
int log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int log_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What a long command is doing, on stderr: on a terminal one line that
 * rewrites itself (unless -q), elsewhere a line each with -v, else
 * nothing. progress_done clears the terminal's line. */
void progress(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void progress_done(const struct cli *cli);
/* Only with -vv. */
void log_debug(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Probe the host named by cli (sysroot, pci dump) into *h; prints the
 * error and returns EXIT_ERROR on failure, 0 on success. */
int cli_probe_host(const struct cli *cli, struct host *h);

/* The affinity matrix of a probed host (NVMe too when with_nvme); prints
 * the error and returns EXIT_ERROR on failure, 0 on success. */
struct topo;
int cli_topo_build(const struct cli *cli, const struct host *h, bool with_nvme, struct topo *t);

/* Find, parse and validate a profile (root: refuse unsafe ownership, as
 * sshd's StrictModes); prints "rigtune: FILE:LINE: ..." and returns
 * EXIT_ERROR on failure, 0 on success. */
struct profile;
int cli_profile_load(const char *name, struct profile **ret);

/* The verifier with verify's defaults (quick or full) on a probed host, for
 * report, with its health sampled and a burn-in of burnin_s seconds (0:
 * none; no_gpu: no host<->GPU copies beside it); prints its errors;
 * EXIT_ERROR on a captured tree or a failure. */
struct bench_report;
int cli_bench_run(const struct cli *cli, const struct host *h, bool quick, double burnin_s, bool no_gpu,
		  struct bench_report **ret);

/* The GPU bandwidth run (bench --gpu) on a probed host: prints its
 * errors; EXIT_ERROR on failure. */
struct gpu_report;
struct gpu_ops;
int cli_gpu_bench_run(const struct cli *cli, const struct host *h, const struct gpu_ops *ops, uint64_t size_mb,
		      int reps, struct gpu_report **ret);

/* A value as printed (render-text.c): white space as one space, other
 * control characters (C0, DEL, C1) and invalid UTF-8 as '?', cut at
 * VIS_MAX bytes; kernel files, profiles and the journal never reach the
 * terminal raw. buf holds VIS_MAX bytes. */
#define VIS_MAX 160
const char *vis(char *buf, const char *s);

/* "3 pass, 1 fail, 0 skip, 0 error, 2 warn, 1 info" */
struct audit;
const char *format_check_counts(char *buf, size_t size, const struct audit *a);

/* Renderers of a probed host (cli/render-*.c). */
void render_host_text(const struct cli *cli, const struct host *h, FILE *out);
void render_host_json(const struct host *h, struct json *j); /* the object's members */
void render_probe_json(const struct host *h, FILE *out);     /* whole document */
