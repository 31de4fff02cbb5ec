/* Health under load on the command line: --burn-in, --no-health and --no-gpu for
 * bench, verify and report; the burn-in's progress line and Ctrl-C; the
 * health summary and the findings in text. */
#pragma once
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"
#include "verify/bench.h"

struct cli_health {
	double burnin_s;        /* --burn-in; 0 none */
	bool off;               /* --no-health */
	bool no_gpu;            /* --no-gpu: no host<->GPU copies beside the burn-in */
	/* while a burn-in runs */
	sigset_t saved_mask;
	bool masked;
	bool tty;
	double next_line_s;     /* not a tty: the next progress line, every minute */
};

/* "30m", "2m", "90s", "1h", "1h30m", "45" (seconds): *ret in seconds.
 * -EINVAL on anything else, zero included. */
int cli_parse_duration(const char *s, double *ret);

/* Fill the health and burn-in fields of opt. With a burn-in, SIGINT and
 * SIGTERM are blocked (every thread started afterwards inherits it) and
 * polled between passes: Ctrl-C ends the burn-in, the report follows.
 * The root sampled is --sysroot, or on a test's request
 * $RIGTUNE_HEALTH_SYSROOT (a tree whose files a test rewrites). */
void cli_health_begin(const struct cli *cli, struct cli_health *h, struct bench_options *opt);
/* Undo cli_health_begin: the signal mask, the progress line. */
void cli_health_end(struct cli_health *h);

/* Text: sources and what is missing, the clock and temperature curves,
 * power, the counters that moved, the burn-in's first and last minute. */
void cli_health_print(const struct bench_report *r, FILE *out);
/* Text: the findings, one per line with its fix; "" when there are none.
 * The one place verify renders findings. */
void cli_findings_print(const struct findings *f, FILE *out);
/* Does any finding fail the verdict? */
bool cli_findings_fail(const struct findings *f);
