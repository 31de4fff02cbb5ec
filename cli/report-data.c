/* rigtune report for machines: JSON (schema 1) and JUnit XML (one
 * testsuite per section, one testcase per check); Prometheus is in
 * report-prometheus.c. */
#include <math.h>
#include <string.h>

#include "cli/audit-json.h"
#include "cli/report.h"
#include "common/escape.h"
#include "common/util.h"
#include "config.h"

void report_json(const struct report *r, FILE *out)
{
	const struct audit *a = r->audit;
	struct json j;

	json_init(&j, out, false);
	json_document_begin(&j, NULL);
	json_kv_string(&j, "rigtune_version", RIGTUNE_VERSION);
	json_kv_string(&j, "profile", r->profile->name);
	json_kv_string(&j, "profile_path", r->profile->path);
	json_kv_int(&j, "generated", (int64_t)r->generated);
	json_kv_string(&j, "verdict", report_verdict(r));
	json_key(&j, "host");
	json_object_begin(&j);
	render_host_json(r->host, &j);
	json_object_end(&j);
	report_machine_json(r, &j);
	audit_json_members(a, true, &j);
	json_key(&j, "bench");
	if (r->bench) {
		json_object_begin(&j);
		bench_report_json(r->bench, &j);
		json_object_end(&j);
	} else {
		json_null(&j);
	}
	json_kv_string(&j, "bench_skipped", r->bench_skipped);
	json_kv_string(&j, "bench_verdict", r->verdict);
	json_document_end(&j);
	json_end(&j);
}

/* Sections in first-seen order. */
static size_t sections_of(const struct audit *a, char sections[][32], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nchecks; i++) {
		char s[32];
		bool seen = false;

		report_section(&a->checks[i], s, sizeof(s));
		for (size_t k = 0; k < n && !seen; k++)
			seen = !strcmp(sections[k], s);
		if (!seen && n < max)
			strcpy(sections[n++], s);
	}
	return n;
}

static void junit_case(const struct report *r, const struct check *c, const char *section, FILE *out)
{
	char src[256];

	fputs("    <testcase name=\"", out);
	escape_xml(out, c->id);
	fputs("\" classname=\"rigtune.", out);
	escape_xml(out, r->profile->name);
	fputc('.', out);
	escape_xml(out, section);
	fputs("\"", out);
	if (c->file) {
		fputs(" file=\"", out);
		escape_xml(out, report_source(c, src, sizeof(src)));
		fputs("\"", out);
	}
	if (c->status == CHECK_PASS) {
		fputs("/>\n", out);
		return;
	}
	if (c->status == CHECK_WARN || c->status == CHECK_INFO) {  /* a passing case, with what was found */
		fprintf(out, ">\n      <system-out>%s: ", check_status_name(c->status));
		escape_xml(out, c->subject);
		fputs(c->subject ? ": " : "", out);
		escape_xml(out, c->actual);
		fputs("</system-out>\n    </testcase>\n", out);
		return;
	}
	fputs(">\n", out);
	if (c->status == CHECK_SKIP) {
		fputs("      <skipped message=\"", out);
		escape_xml(out, c->note ? c->note : "not applicable here");
		fputs("\"/>\n", out);
	} else {
		fprintf(out, "      <%s message=\"expected ", c->status == CHECK_FAIL ? "failure" : "error");
		escape_xml(out, c->expected ? c->expected : "-");
		fputs(", actual ", out);
		escape_xml(out, c->actual ? c->actual : "unknown");
		fprintf(out, "\" type=\"%s\">", check_status_name(c->status));
		escape_xml(out, c->note ? c->note : "");
		if (c->hint) {
			fputs(c->note ? "\nfix: " : "fix: ", out);
			escape_xml(out, c->hint);
		}
		fprintf(out, "</%s>\n", c->status == CHECK_FAIL ? "failure" : "error");
	}
	fputs("    </testcase>\n", out);
}

void report_junit(const struct report *r, FILE *out)
{
	const struct audit *a = r->audit;
	char sections[64][32], stamp[32];
	size_t ns = sections_of(a, sections, 64);

	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", gmtime(&r->generated));
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rigtune ", out);
	escape_xml(out, r->profile->name);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n", a->nchecks,
		a->counts[CHECK_FAIL], a->counts[CHECK_ERROR], a->counts[CHECK_SKIP]);
	for (size_t s = 0; s < ns; s++) {
		size_t counts[CHECK_STATUS_COUNT] = {0}, total = 0;
		char sec[32];

		for (size_t i = 0; i < a->nchecks; i++)
			if (!strcmp(report_section(&a->checks[i], sec, sizeof(sec)), sections[s])) {
				counts[a->checks[i].status]++;
				total++;
			}
		fputs("  <testsuite name=\"", out);
		escape_xml(out, sections[s]);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" timestamp=\"%s\">\n",
			total, counts[CHECK_FAIL], counts[CHECK_ERROR], counts[CHECK_SKIP], stamp);
		for (size_t i = 0; i < a->nchecks; i++)
			if (!strcmp(report_section(&a->checks[i], sec, sizeof(sec)), sections[s]))
				junit_case(r, &a->checks[i], sections[s], out);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
}
