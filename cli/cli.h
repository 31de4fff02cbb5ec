/* The command line: global options, the command table, and the helpers
 * every command shares. The CLI is the only part of rigtune that prints. */
#pragma once
#include <stdbool.h>
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

/* Messages: "rigtune: ..." on stderr. log_errno appends strerror(-err).
 * Both return EXIT_ERROR so commands can `return log_error(...)`. */
int log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int log_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Only with -vv. */
void log_debug(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Probe the host named by cli (sysroot, pci dump) into *h; prints the
 * error and returns EXIT_ERROR on failure, 0 on success. */
int cli_probe_host(const struct cli *cli, struct host *h);

/* Find, parse and validate a profile (root: refuse unsafe ownership, as
 * sshd's StrictModes); prints "rigtune: FILE:LINE: ..." and returns
 * EXIT_ERROR on failure, 0 on success. */
struct profile;
int cli_profile_load(const char *name, struct profile **ret);

/* The verifier with verify's defaults (quick or full) on a probed host, for
 * report; prints its errors; EXIT_ERROR on a captured tree or a failure. */
struct bench_report;
int cli_bench_run(const struct cli *cli, const struct host *h, bool quick, struct bench_report **ret);

/* Renderers of a probed host (cli/render-*.c). */
void render_host_text(const struct cli *cli, const struct host *h, FILE *out);
void render_host_json(const struct host *h, struct json *j); /* the object's members */
void render_probe_json(const struct host *h, FILE *out);     /* whole document */
