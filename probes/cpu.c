/* CPU: vendor and model from proc/cpuinfo; sockets, cores and threads from
 * sys/devices/system/cpu/cpuN/topology (cpuinfo's physical id / core id
 * when a tree lacks it); cpufreq governor, EPP and boost; the last-level
 * cache from cpuN/cache/indexM. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "probes/host.h"

/* The value of "key : value" in one cpuinfo stanza, or NULL. */
static char *stanza_value(const char *stanza, const char *key)
{
	size_t klen = strlen(key);

	for (const char *l = stanza; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *colon;

		if (strncmp(l, key, klen) || (l[klen] != ' ' && l[klen] != '\t' && l[klen] != ':'))
			continue;
		colon = strchr(l, ':');
		if (!colon || (strchr(l, '\n') && colon > strchr(l, '\n')))
			continue;
		{
			size_t n = strcspn(colon + 1, "\n");
			char *v = strndup(colon + 1, n);
			char *t;

			if (!v)
				return NULL;
			t = strstrip(v);
			memmove(v, t, strlen(t) + 1);
			return v;
		}
	}
	return NULL;
}

static int parse_identity(const char *info, struct cpu_info *c)
{
	_cleanup_free_ char *family = NULL, *model = NULL, *flags = NULL;
	const char *end = strstr(info, "\n\n");
	_cleanup_free_ char *first = end ? strndup(info, (size_t)(end - info)) : strdup(info);

	if (!first)
		return -ENOMEM;
	c->vendor = stanza_value(first, "vendor_id");
	c->model_name = stanza_value(first, "model name");
	if (!c->model_name)
		c->model_name = stanza_value(first, "cpu");          /* POWER */
	family = stanza_value(first, "cpu family");
	model = stanza_value(first, "model");
	if (!family || parse_int(family, &c->family) < 0)
		c->family = UNKNOWN;
	if (!model || parse_int(model, &c->model) < 0)
		c->model = UNKNOWN;
	flags = stanza_value(first, "flags");
	if (!flags)
		flags = stanza_value(first, "Features");             /* arm64 */
	return flags ? strv_split(flags, " ", &c->flags) : 0;
}

/* cpuinfo fallback for trees without topology: count distinct
 * "physical id" and (physical id, core id) pairs. */
static void topology_from_cpuinfo(const char *info, struct cpu_info *c)
{
	int pkgs[4096], cores[4096][2], npkg = 0, ncore = 0, nthreads = 0;
	const char *p = info;

	while (p && *p) {
		const char *end = strstr(p, "\n\n");
		_cleanup_free_ char *st = end ? strndup(p, (size_t)(end - p)) : strdup(p);
		_cleanup_free_ char *pid = NULL, *cid = NULL;
		int pk = 0, co = -1;
		bool seen = false;

		p = end ? end + 2 : NULL;
		if (!st || !strstr(st, "processor"))
			continue;
		nthreads++;
		pid = stanza_value(st, "physical id");
		cid = stanza_value(st, "core id");
		if (pid)
			parse_int(pid, &pk);
		if (cid)
			parse_int(cid, &co);
		for (int i = 0; i < npkg && !seen; i++)
			seen = pkgs[i] == pk;
		if (!seen && npkg < 4096)
			pkgs[npkg++] = pk;
		seen = false;
		for (int i = 0; i < ncore && !seen; i++)
			seen = cores[i][0] == pk && cores[i][1] == co;
		if (!seen && ncore < 4096 && co >= 0) {
			cores[ncore][0] = pk;
			cores[ncore++][1] = co;
		}
	}
	c->threads = nthreads;
	c->sockets = npkg ? npkg : UNKNOWN;
	c->cores = ncore ? ncore : nthreads;
}

struct core_key {
	int64_t pkg, die, core;
};

static int topology_from_sysfs(const struct sysroot *sr, struct cpu_info *c)
{
	_cleanup_free_ struct core_key *keys = NULL;
	_cleanup_free_ int64_t *pkgs = NULL;
	size_t ncores = 0, npkgs = 0, n = cpuset_count(c->online);

	keys = calloc(n + 1, sizeof(*keys));
	pkgs = calloc(n + 1, sizeof(*pkgs));
	if (!keys || !pkgs)
		return -ENOMEM;
	cpuset_foreach(cpu, c->online) {
		struct core_key k = {0, 0, cpu};
		bool seen = false;

		if (sr_read_s64(sr, &k.pkg, "sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu) < 0)
			return -ENOENT;
		(void)sr_read_s64(sr, &k.die, "sys/devices/system/cpu/cpu%d/topology/die_id", cpu);
		(void)sr_read_s64(sr, &k.core, "sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
		for (size_t i = 0; i < ncores && !seen; i++)
			seen = !memcmp(&keys[i], &k, sizeof(k));
		if (!seen)
			keys[ncores++] = k;
		seen = false;
		for (size_t i = 0; i < npkgs && !seen; i++)
			seen = pkgs[i] == k.pkg;
		if (!seen)
			pkgs[npkgs++] = k.pkg;
	}
	c->sockets = (int)npkgs;
	c->cores = (int)ncores;
	c->threads = (int)n;
	return 0;
}

/* A CPU's siblings from the first file the kernel has (newer names first). */
static int read_siblings(const struct sysroot *sr, int cpu, const char *const names[2], struct cpuset **ret)
{
	for (int i = 0; i < 2; i++)
		if (sr_read_cpulist(sr, ret, "sys/devices/system/cpu/cpu%d/topology/%s", cpu, names[i]) == 0)
			return 0;
	return -ENOENT;
}

/* Cores and sockets from the sibling lists: one read per core and per
 * package instead of three per CPU (a 384-thread host probes in half the
 * time). -ENOENT when a tree lacks them. */
static int topology_from_siblings(const struct sysroot *sr, struct cpu_info *c)
{
	static const char *const thread_lists[2] = {"core_cpus_list", "thread_siblings_list"};
	static const char *const package_lists[2] = {"package_cpus_list", "core_siblings_list"};
	_cleanup_(cpuset_freep) struct cpuset *in_core = cpuset_new(64), *in_pkg = cpuset_new(64);
	int cores = 0, sockets = 0;

	if (!in_core || !in_pkg)
		return -ENOMEM;
	cpuset_foreach(cpu, c->online) {
		_cleanup_(cpuset_freep) struct cpuset *sib = NULL;

		if (!cpuset_isset(in_core, (unsigned)cpu)) {
			if (read_siblings(sr, cpu, thread_lists, &sib) < 0 || !cpuset_isset(sib, (unsigned)cpu))
				return -ENOENT;
			cpuset_or(&in_core, sib);
			cores++;
			free(TAKE_PTR(sib));
		}
		if (!cpuset_isset(in_pkg, (unsigned)cpu)) {
			if (read_siblings(sr, cpu, package_lists, &sib) < 0 || !cpuset_isset(sib, (unsigned)cpu))
				return -ENOENT;
			cpuset_or(&in_pkg, sib);
			sockets++;
		}
	}
	c->sockets = sockets;
	c->cores = cores;
	c->threads = (int)cpuset_count(c->online);
	return 0;
}

static uint64_t parse_cache_size(const char *s)
{
	uint64_t v = 0;
	char unit = 0;

	if (sscanf(s, "%lu%c", &v, &unit) < 1)
		return 0;
	return unit == 'M' ? v << 20 : unit == 'G' ? v << 30 : unit == 'K' ? v << 10 : v;
}

/* Sum the highest-level cache over its distinct instances. */
static void collect_llc(const struct sysroot *sr, struct cpu_info *c)
{
	_cleanup_(cpuset_freep) struct cpuset *covered = cpuset_new(64);
	int best_level = 0;

	if (!covered)
		return;
	cpuset_foreach(cpu, c->online) {
		_cleanup_free_ int *idx = NULL;
		size_t nidx = 0;
		int level = 0, at = -1;

		if (cpuset_isset(covered, (unsigned)cpu))
			continue;
		if (sr_list_ids(sr, "index", &idx, &nidx, "sys/devices/system/cpu/cpu%d/cache", cpu) < 0)
			return;
		for (size_t i = 0; i < nidx; i++) {
			int64_t l;

			if (sr_read_s64(sr, &l, "sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, idx[i]) == 0 &&
			    l > level) {
				level = (int)l;
				at = idx[i];
			}
		}
		if (at < 0 || level < best_level)
			continue;
		if (level > best_level) {
			best_level = level;
			c->llc_bytes = 0;
			c->llc_instances = 0;
			memset(covered->bits, 0, covered->nbits / 8);
		}
		{
			_cleanup_free_ char *size = NULL;
			_cleanup_(cpuset_freep) struct cpuset *shared = NULL;

			if (sr_read_string(sr, &size, "sys/devices/system/cpu/cpu%d/cache/index%d/size", cpu, at) < 0)
				continue;
			c->llc_bytes += parse_cache_size(size);
			c->llc_instances++;
			if (sr_read_cpulist(sr, &shared, "sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, at) == 0)
				cpuset_or(&covered, shared);
			cpuset_set(&covered, (unsigned)cpu);
		}
	}
}

static void collect_cpufreq(const struct sysroot *sr, struct cpu_info *c)
{
	int64_t v;
	int first = cpuset_first(c->online);

	if (first < 0)
		return;
	if (sr_read_string(sr, &c->governor, "sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", first) == 0) {
		cpuset_foreach(cpu, c->online) {
			_cleanup_free_ char *g = NULL;

			if (sr_read_string(sr, &g, "sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", cpu) == 0 &&
			    strcmp(g, c->governor)) {
				c->governors_differ = true;
				break;
			}
		}
	}
	(void)sr_read_string(sr, &c->epp, "sys/devices/system/cpu/cpu%d/cpufreq/energy_performance_preference", first);
	c->boost = UNKNOWN;
	if (sr_read_s64(sr, &v, "sys/devices/system/cpu/cpufreq/boost") == 0)
		c->boost = v != 0;
	else if (sr_read_s64(sr, &v, "sys/devices/system/cpu/intel_pstate/no_turbo") == 0)
		c->boost = v == 0;
}

int cpu_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	_cleanup_free_ char *info = NULL;
	struct cpu_info *c = &h->cpu;
	int r;

	c->family = c->model = c->sockets = c->cores = c->threads = c->smt = UNKNOWN;
	if (sr_read_file(sr, &info, NULL, "proc/cpuinfo") == 0) {
		r = parse_identity(info, c);
		if (r < 0)
			return r;
	}
	if (sr_read_cpulist(sr, &c->online, "sys/devices/system/cpu/online") < 0 &&
	    sr_read_cpulist(sr, &c->online, "sys/devices/system/cpu/present") < 0)
		c->online = NULL;
	if (!c->online || (topology_from_siblings(sr, c) < 0 && topology_from_sysfs(sr, c) < 0)) {
		if (info)
			topology_from_cpuinfo(info, c);
		if (!c->online && c->threads > 0) {
			c->online = cpuset_new((size_t)c->threads);
			for (int i = 0; c->online && i < c->threads; i++)
				cpuset_set(&c->online, (unsigned)i);
		}
	}
	if (!c->online)
		c->online = cpuset_new(64);
	if (!c->online)
		return -ENOMEM;
	if (c->cores > 0 && c->threads > 0)
		c->smt = c->threads > c->cores;
	collect_llc(sr, c);
	collect_cpufreq(sr, c);
	return 0;
}

void cpu_probe_release(struct host *h)
{
	struct cpu_info *c = &h->cpu;

	free(c->vendor);
	free(c->model_name);
	free(c->governor);
	free(c->epp);
	free(c->online);
	strv_free(c->flags);
}
