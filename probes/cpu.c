/* CPU: vendor and model from proc/cpuinfo; sockets, cores and threads from
 * sys/devices/system/cpu/cpuN/topology (cpuinfo's physical id / core id
 * when a tree lacks it); cpufreq governor, EPP and boost; the last-level
 * cache and which CPUs share each from cpuN/cache/indexM; each core's
 * threads from cpuN/topology/core_cpus_list. */
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

/* Stanzas are a few kilobytes (x86's flags and bugs lines are the
 * longest): the head holds several. */
#define CPUINFO_HEAD (32u << 10)

int cpuinfo_first_stanza(const struct sysroot *sr, char **ret)
{
	char *text = NULL, *end;
	size_t len;
	int r = sr_read_head(sr, CPUINFO_HEAD, &text, &len, "proc/cpuinfo");

	if (r == 0 && !strstr(text, "\n\n") && len >= CPUINFO_HEAD) {
		free(text);
		text = NULL;
		r = sr_read_file(sr, &text, NULL, "proc/cpuinfo");
	}
	if (r < 0)
		return r;
	end = strstr(text, "\n\n");
	if (end)
		end[1] = '\0';
	*ret = text;
	return 0;
}

/* first: cpuinfo's first stanza. */
static int parse_identity(const char *first, struct cpu_info *c)
{
	_cleanup_free_ char *family = NULL, *model = NULL, *flags = NULL;

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

static void core_cpus_free(struct cpuset **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void core_cpus_freep(struct cpuset ***v)
{
	core_cpus_free(*v);
}

/* Cores and sockets from the sibling lists: one read per core and per
 * package instead of three per CPU (a 384-thread host probes in half the
 * time). Keeps each core's threads (bench places one thread per core).
 * -ENOENT when a tree lacks them. */
static int topology_from_siblings(const struct sysroot *sr, struct cpu_info *c)
{
	static const char *const thread_lists[2] = {"core_cpus_list", "thread_siblings_list"};
	static const char *const package_lists[2] = {"package_cpus_list", "core_siblings_list"};
	_cleanup_(cpuset_freep) struct cpuset *in_core = cpuset_new(64), *in_pkg = cpuset_new(64);
	_cleanup_(core_cpus_freep) struct cpuset **cores = calloc(cpuset_count(c->online) + 1, sizeof(*cores));
	int ncores = 0, sockets = 0;

	if (!in_core || !in_pkg || !cores)
		return -ENOMEM;
	cpuset_foreach(cpu, c->online) {
		_cleanup_(cpuset_freep) struct cpuset *sib = NULL;

		if (!cpuset_isset(in_core, (unsigned)cpu)) {
			if (read_siblings(sr, cpu, thread_lists, &sib) < 0 || !cpuset_isset(sib, (unsigned)cpu))
				return -ENOENT;
			cpuset_or(&in_core, sib);
			cores[ncores++] = TAKE_PTR(sib);
		}
		if (!cpuset_isset(in_pkg, (unsigned)cpu)) {
			if (read_siblings(sr, cpu, package_lists, &sib) < 0 || !cpuset_isset(sib, (unsigned)cpu))
				return -ENOENT;
			cpuset_or(&in_pkg, sib);
			sockets++;
		}
	}
	c->sockets = sockets;
	c->cores = ncores;
	c->threads = (int)cpuset_count(c->online);
	c->core_cpus = TAKE_PTR(cores);
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

/* Every CPU of SHARED (one cache instance) is named by its first CPU. */
static void name_llc(struct cpu_info *c, const struct cpuset *shared)
{
	int first = cpuset_first(shared);

	cpuset_foreach(cpu, shared)
		if ((size_t)cpu < c->nllc_of)
			c->llc_of[cpu] = first;
}

static void forget_llc(struct cpu_info *c)
{
	for (size_t i = 0; i < c->nllc_of; i++)
		c->llc_of[i] = UNKNOWN;
}

/* The highest-level cache index of CPU; -ENODATA when no index says its
 * level, -ENOENT when CPU has no cache directory. */
static int llc_index(const struct sysroot *sr, int cpu, int *level)
{
	_cleanup_free_ int *idx = NULL;
	size_t nidx = 0;
	int at = -ENODATA, r;

	*level = 0;
	r = sr_list_ids(sr, "index", &idx, &nidx, "sys/devices/system/cpu/cpu%d/cache", cpu);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nidx; i++) {
		int64_t l;

		if (sr_read_s64(sr, &l, "sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, idx[i]) == 0 &&
		    l > *level) {
			*level = (int)l;
			at = idx[i];
		}
	}
	return at;
}

/* Sum the highest-level cache over its distinct instances, and name each
 * CPU's instance. */
static void collect_llc(const struct sysroot *sr, struct cpu_info *c)
{
	_cleanup_(cpuset_freep) struct cpuset *covered = cpuset_new(64);
	int best_level = 0, last = cpuset_last(c->online);

	c->llc_of = malloc(((size_t)(last < 0 ? 0 : last) + 1) * sizeof(*c->llc_of));
	if (!covered || !c->llc_of)
		return;
	c->nllc_of = (size_t)(last < 0 ? 0 : last) + 1;
	forget_llc(c);
	cpuset_foreach(cpu, c->online) {
		_cleanup_free_ char *size = NULL;
		_cleanup_(cpuset_freep) struct cpuset *shared = NULL;
		int level, at;

		if (cpuset_isset(covered, (unsigned)cpu))
			continue;
		at = llc_index(sr, cpu, &level);
		if (at < 0 && at != -ENODATA)
			return;
		if (at < 0 || level < best_level)
			continue;
		if (level > best_level) {
			best_level = level;
			c->llc_bytes = 0;
			c->llc_instances = 0;
			memset(covered->bits, 0, covered->nbits / 8);
			forget_llc(c);
		}
		if (sr_read_cpulist(sr, &shared, "sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, at) == 0)
			name_llc(c, shared);
		if (sr_read_string(sr, &size, "sys/devices/system/cpu/cpu%d/cache/index%d/size", cpu, at) < 0)
			continue;
		c->llc_bytes += parse_cache_size(size);
		c->llc_instances++;
		if (shared)
			cpuset_or(&covered, shared);
		cpuset_set(&covered, (unsigned)cpu);
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
	if (sr_read_s64(sr, &v, "sys/devices/system/cpu/cpufreq/boost") == 0)
		c->boost = v != 0;
	else if (sr_read_s64(sr, &v, "sys/devices/system/cpu/intel_pstate/no_turbo") == 0)
		c->boost = v == 0;
}

int cpu_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	_cleanup_free_ char *first = NULL, *info = NULL;
	struct cpu_info *c = &h->cpu;
	int r;

	c->family = c->model = c->sockets = c->cores = c->threads = c->smt = c->boost = UNKNOWN;
	if (sr_read_cpulist(sr, &c->online, "sys/devices/system/cpu/online") < 0)
		(void)sr_read_cpulist(sr, &c->online, "sys/devices/system/cpu/present");
	/* The numa probe reads only the online CPUs: where no other probe
	 * that runs needs this one, nor was it asked for (an apply of
	 * [hugepages]), the rest (identity, topology, caches, governors: on
	 * a 1,024-CPU host thousands of files) is not read. */
	if (c->online && !(probe_wanted_by(opt, PROBE_CPU) & ~PROBE_BIT(PROBE_NUMA)))
		return 0;
	if (cpuinfo_first_stanza(sr, &first) == 0) {
		r = parse_identity(first, c);
		if (r < 0)
			return r;
	}
	if (!c->online || (topology_from_siblings(sr, c) < 0 && topology_from_sysfs(sr, c) < 0)) {
		/* Only now the whole of cpuinfo: one stanza per CPU. */
		if (first && sr_read_file(sr, &info, NULL, "proc/cpuinfo") == 0)
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
	core_cpus_free(c->core_cpus);
	free(c->llc_of);
}

const struct cpuset *host_core_cpus(const struct host *h, int cpu)
{
	for (size_t i = 0; h->cpu.core_cpus && h->cpu.core_cpus[i]; i++)
		if (cpuset_isset(h->cpu.core_cpus[i], (unsigned)cpu))
			return h->cpu.core_cpus[i];
	return NULL;
}

int host_llc_of(const struct host *h, int cpu)
{
	return cpu >= 0 && (size_t)cpu < h->cpu.nllc_of ? h->cpu.llc_of[cpu] : UNKNOWN;
}
