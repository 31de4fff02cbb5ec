/* Memory growth: audits in one process through the library API, as
 * `rigtune watch` or a monitoring agent would run them, each a whole
 * round (sysroot, probe, profile with includes and [expect], audit, free
 * everything). Resident memory (/proc/self/statm) is sampled after 1,000
 * and after all 10,000 audits: it may not grow by more than 512 KiB.
 *
 * Under AddressSanitizer RSS says nothing (quarantine, shadow memory), so
 * the bound is not asserted there; 1,000 audits run and LeakSanitizer
 * reports anything not freed. RIGTUNE_MEMGROWTH_AUDITS overrides the
 * count (the bound is checked from 2,000 up). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "probes/host.h"
#include "tap.h"
#include "tune/audit.h"
#include "tune/profile.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define FIRST_SAMPLE 1000
#define MAX_GROWTH_KB 512

static long rss_kb(void)
{
	long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One audit; 0, or -errno of the step that failed. Every check counted
 * in *checks. */
static int one_audit(const char *tree, const char *profile, const char *const *dirs, size_t *checks)
{
	struct profile_search search = {.dirs = dirs};
	struct probe_options opt = {0};
	struct profile_error err = {0};
	struct profile *p = NULL;
	struct sysroot *sr = NULL;
	struct audit *a = NULL;
	const char *failed = NULL;
	struct host h;
	int r;

	r = sysroot_open(tree, &sr);
	if (r < 0)
		return r;
	r = host_probe(sr, &opt, &h, &failed);
	if (r >= 0) {
		r = profile_load(profile, &search, &p, &err);
		if (r >= 0)
			r = audit_run(sr, &h, p, &a);
		if (r >= 0)
			*checks += a->nchecks;
		audit_free(a);
		profile_free(p);
		profile_error_release(&err);
		host_release(&h);
	}
	sysroot_free(sr);
	return r;
}

int main(void)
{
	const char *src = getenv("SRCDIR"), *n_env = getenv("RIGTUNE_MEMGROWTH_AUDITS");
	long n = n_env ? atol(n_env) : SANITIZED ? 1000 : 10000;
	char tree[4096], profiles[4096];
	const char *dirs[2] = {profiles, NULL};
	long first = -1, last = -1;
	size_t checks = 0;
	int r = 0;

	if (!src) {
		tap_skip("SRCDIR not set");
		printf("1..%d\n", tap_n);
		return 0;
	}
	snprintf(tree, sizeof(tree), "%s/tests/trees/small", src);
	snprintf(profiles, sizeof(profiles), "%s/profiles", src);
	for (long i = 1; i <= n && r >= 0; i++) {
		r = one_audit(tree, "epyc-genoa.ini", dirs, &checks);
		if (i == FIRST_SAMPLE)
			first = rss_kb();
	}
	last = rss_kb();
	tap_ok(r >= 0, "%ld audits of epyc-genoa.ini on tests/trees/small through the library (%zu checks)", n,
	       checks);
	tap_ok(checks >= (size_t)n * 10, "every audit ran its checks (%zu per audit)", n ? checks / (size_t)n : 0);
	if (SANITIZED || n < 2 * FIRST_SAMPLE) {
		tap_skip("RSS bound not checked (AddressSanitizer build, or fewer than 2,000 audits); "
			 "LeakSanitizer checks at exit");
	} else {
		tap_ok(first > 0 && last > 0 && last - first <= MAX_GROWTH_KB,
		       "RSS after %d audits %ld kB, after %ld audits %ld kB: grew %ld kB (at most %d)", FIRST_SAMPLE,
		       first, n, last, last - first, MAX_GROWTH_KB);
		printf("# memgrowth: rss_kb_at_%d=%ld rss_kb_at_%ld=%ld growth_kb=%ld\n", FIRST_SAMPLE, first, n,
		       last, last - first);
	}
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
