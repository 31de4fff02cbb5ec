/* `rigtune report`: one document of probe + audit + verify, in five
 * formats (cli/report-*.c). Every format renders the same struct report,
 * so the checks and their counts agree across formats. */
#pragma once
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "tune/audit.h"
#include "tune/profile.h"
#include "verify/bench.h"

struct report {
	const struct cli *cli;
	const struct profile *profile;
	const struct host *host;
	struct audit *audit;                /* profile checks, [expect], then [verify] */
	const struct bench_report *bench;   /* NULL: not measured, see bench_skipped */
	const char *bench_skipped;          /* why not measured, or NULL */
	const char *verdict;                /* the verifier's sentence, or NULL */
	time_t generated;
	bool color;                         /* text only: ANSI colours */
	const char *hostname;               /* live host only, else NULL */
	bool serials;                       /* --serials: show serial numbers */
};

/* The section of a check: what stands before the first '.' of its id
 * ("thp", "expect", "verify", ...), copied into buf. */
const char *report_section(const struct check *c, char *buf, size_t size);
/* "PASS", "FAIL" or "ERROR": the document's verdict. */
const char *report_verdict(const struct report *r);
/* The check's source as "file:line" (file without directories), or "". */
const char *report_source(const struct check *c, char *buf, size_t size);


void report_text(const struct report *r, FILE *out);
void report_json(const struct report *r, FILE *out);
void report_junit(const struct report *r, FILE *out);
void report_prometheus(const struct report *r, FILE *out);
void report_html(const struct report *r, FILE *out);

/* Kernel, tree and profile strings as printed on a terminal (escape_text,
 * report-util.c): up to 8 per line, freed together by tstr_release. */
struct tstr {
	char *s[8];
	size_t n;
};
const char *T(struct tstr *t, const char *s);
void tstr_release(struct tstr *t);

/* Prometheus HELP and TYPE lines (report-util.c). */
void prom_header(FILE *out, const char *name, const char *type, const char *help);
/* Health under load (report-health.c): SVG line charts; counters and sensors. */
void report_html_health(const struct report *r, FILE *out);
void report_prometheus_health(const struct report *r, FILE *out);
/* Which machine it is (cli/report-machine.c). */
void report_machine_text(const struct report *r, FILE *out);
void report_machine_json(const struct report *r, struct json *j);
void report_machine_html(const struct report *r, FILE *out);
