/* Text and JSON for the foundation probes: host and kernel, CPU, NUMA,
 * transparent hugepages, hugetlb pools and sysctls. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cli/render.h"
#include "common/util.h"

static const char *or_unknown(const char *s)
{
	return s ? s : "unknown";
}

/* "2M", "1G", "64K" for a page size in kB. */
static void format_page_size(char *buf, size_t size, uint64_t kb)
{
	if (kb >= 1048576 && kb % 1048576 == 0)
		snprintf(buf, size, "%" PRIu64 "G", kb / 1048576);
	else if (kb >= 1024 && kb % 1024 == 0)
		snprintf(buf, size, "%" PRIu64 "M", kb / 1024);
	else
		snprintf(buf, size, "%" PRIu64 "K", kb);
}

static void render_kernel_text(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct kernel_info *k = &h->kernel;

	text_heading(cli, out, "Host");
	text_field(out, "Kernel:", "%s", or_unknown(k->release));
	if (k->dmi_sys_vendor || k->dmi_product)
		text_field(out, "System:", "%s %s", k->dmi_sys_vendor ? k->dmi_sys_vendor : "",
			   k->dmi_product ? k->dmi_product : "");
	if (k->virtualization)
		text_field(out, "Virtualization:", "%s (from the %s)", k->virtualization, k->virt_source);
	else
		text_field(out, "Virtualization:", "none (bare metal)");
	text_field(out, "Command line:", "%s", or_unknown(k->cmdline));
}

static void render_cpu_text(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct cpu_info *c = &h->cpu;
	char llc[32];

	text_heading(cli, out, "CPU");
	text_field(out, "Model:", "%s", or_unknown(c->model_name));
	if (c->family >= 0)
		text_field(out, "Vendor:", "%s, family %d, model %d", or_unknown(c->vendor), c->family, c->model);
	else
		text_field(out, "Vendor:", "%s", or_unknown(c->vendor));
	text_field(out, "Topology:", "%d socket%s, %d cores, %d threads, SMT %s", c->sockets,
		   c->sockets == 1 ? "" : "s", c->cores, c->threads,
		   c->smt < 0 ? "unknown" : c->smt ? "on" : "off");
	if (c->llc_bytes) {
		format_bytes(llc, sizeof(llc), (double)c->llc_bytes / (c->llc_instances ? c->llc_instances : 1));
		text_field(out, "Last-level cache:", "%d × %s", c->llc_instances, llc);
	}
	if (c->governor)
		text_field(out, "Governor:", "%s%s", c->governor, c->governors_differ ? " (not on every CPU)" : "");
	else
		text_field(out, "Governor:", "none (no cpufreq: a VM, or the firmware owns frequency)");
	if (c->epp)
		text_field(out, "Energy pref.:", "%s", c->epp);
	if (c->boost >= 0)
		text_field(out, "Boost:", "%s", c->boost ? "on" : "off");
}

static void render_numa_text(const struct cli *cli, const struct host *h, FILE *out)
{
	text_heading(cli, out, "NUMA");
	if (!h->numa.from_sysfs)
		text_field(out, "Nodes:", "1 (no NUMA information in sysfs)");
	for (size_t i = 0; i < h->numa.nnodes; i++) {
		const struct numa_node *n = &h->numa.nodes[i];
		_cleanup_free_ char *cpus = cpulist_format(n->cpus);
		struct strbuf sb = {0};
		char label[32], mem[32] = "unknown";

		if (n->memory_bytes >= 0)
			format_bytes(mem, sizeof(mem), (double)n->memory_bytes);
		strbuf_printf(&sb, "CPUs %s, memory %s", cpus && *cpus ? cpus : "none", mem);
		if (n->ndistances) {
			strbuf_puts(&sb, ", distances");
			for (size_t d = 0; d < n->ndistances; d++)
				strbuf_printf(&sb, " %d", n->distances[d]);
		}
		for (size_t p = 0; p < n->nhugepages; p++) {
			char sz[24];

			format_page_size(sz, sizeof(sz), n->hugepages[p].size_kb);
			strbuf_printf(&sb, "%s %s: %" PRId64 "/%" PRId64, p ? "," : "; hugepages", sz,
				      n->hugepages[p].free, n->hugepages[p].total);
		}
		snprintf(label, sizeof(label), "Node %d:", n->id);
		text_field(out, label, "%s", sb.buf ? sb.buf : "");
		strbuf_release(&sb);
	}
	if (h->numa.nnodes > 1)
		text_field(out, "", "(hugepages: free/total pages per node)");
}

static void render_thp_text(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct thp_info *t = &h->thp;
	struct strbuf sb = {0};

	text_heading(cli, out, "Transparent hugepages");
	if (!t->enabled && !t->defrag) {
		text_field(out, "Status:", "not available (kernel without THP)");
		return;
	}
	text_field(out, "enabled:", "%s", or_unknown(t->enabled));
	text_field(out, "defrag:", "%s", or_unknown(t->defrag));
	text_field(out, "shmem_enabled:", "%s", or_unknown(t->shmem_enabled));
	if (t->khugepaged_defrag >= 0)
		text_field(out, "khugepaged defrag:", "%d", t->khugepaged_defrag);
	for (size_t i = 0; i < t->nsizes; i++) {
		char sz[24];

		format_page_size(sz, sizeof(sz), t->sizes[i].size_kb);
		strbuf_printf(&sb, "%s%s %s", i ? ", " : "", sz, or_unknown(t->sizes[i].enabled));
	}
	if (sb.buf)
		text_field(out, "per size:", "%s", sb.buf);
	strbuf_release(&sb);
	if (t->cmdline_override)
		text_attention(cli, out, "transparent_hugepage=%s on the kernel command line sets the boot default",
			       t->cmdline_override);
}

static void render_hugepages_text(const struct cli *cli, const struct host *h, FILE *out)
{
	text_heading(cli, out, "Hugepage pools");
	if (!h->hugepages.npools)
		text_field(out, "Pools:", "none (kernel without hugetlbfs)");
	for (size_t i = 0; i < h->hugepages.npools; i++) {
		const struct hugepage_pool *p = &h->hugepages.pools[i];
		char label[48], sz[24], total[32];

		format_page_size(sz, sizeof(sz), p->size_kb);
		snprintf(label, sizeof(label), "%s%s:", sz,
			 p->size_kb == h->hugepages.default_size_kb ? " (default)" : "");
		format_bytes(total, sizeof(total), (double)p->size_kb * 1024 * (double)(p->total > 0 ? p->total : 0));
		text_field(out, label, "%" PRId64 " pages (%s), %" PRId64 " free, %" PRId64 " surplus", p->total, total,
			   p->free, p->surplus);
	}
}

static void render_sysctl_text(const struct cli *cli, const struct host *h, FILE *out)
{
	text_heading(cli, out, "Sysctls");
	for (size_t i = 0; i < h->sysctl.nvalues; i++) {
		const struct sysctl_value *v = &h->sysctl.values[i];

		if (v->present)
			fprintf(out, "  %-28s%" PRId64 "\n", v->name, v->value);
		else
			fprintf(out, "  %-28s%s\n", v->name, "not on this kernel");
	}
}

void render_system_text(const struct cli *cli, const struct host *h, FILE *out)
{
	render_kernel_text(cli, h, out);
	render_cpu_text(cli, h, out);
	render_numa_text(cli, h, out);
	render_thp_text(cli, h, out);
	render_hugepages_text(cli, h, out);
	render_sysctl_text(cli, h, out);
}

static void json_cpulist(struct json *j, const char *key, const struct cpuset *s)
{
	_cleanup_free_ char *list = s ? cpulist_format(s) : NULL;

	json_kv_string(j, key, list);
}

static void json_pools(struct json *j, const struct hugepage_pool *pools, size_t n, bool global)
{
	json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(j);
		json_kv_int(j, "size_kb", (int64_t)pools[i].size_kb);
		json_kv_int_opt(j, "total", pools[i].total);
		json_kv_int_opt(j, "free", pools[i].free);
		json_kv_int_opt(j, "surplus", pools[i].surplus);
		if (global)
			json_kv_int_opt(j, "reserved", pools[i].reserved);
		json_object_end(j);
	}
	json_array_end(j);
}

static void render_cpu_json(const struct host *h, struct json *j)
{
	const struct cpu_info *c = &h->cpu;

	json_key(j, "cpu");
	json_object_begin(j);
	json_kv_string(j, "vendor", c->vendor);
	json_kv_string(j, "model_name", c->model_name);
	json_kv_int_opt(j, "family", c->family);
	json_kv_int_opt(j, "model", c->model);
	json_kv_int_opt(j, "sockets", c->sockets);
	json_kv_int_opt(j, "cores", c->cores);
	json_kv_int_opt(j, "threads", c->threads);
	json_kv_tristate(j, "smt", c->smt);
	json_kv_string(j, "governor", c->governor);
	json_kv_string(j, "energy_performance_preference", c->epp);
	json_kv_tristate(j, "boost", c->boost);
	json_cpulist(j, "online", c->online);
	json_kv_uint_known(j, "llc_bytes", c->llc_bytes, c->llc_bytes);
	json_object_end(j);
}

static void render_numa_json(const struct host *h, struct json *j)
{
	json_key(j, "numa");
	json_object_begin(j);
	json_key(j, "nodes");
	json_array_begin(j);
	for (size_t i = 0; i < h->numa.nnodes; i++) {
		const struct numa_node *n = &h->numa.nodes[i];

		json_object_begin(j);
		json_kv_int(j, "id", n->id);
		json_kv_int_opt(j, "socket", n->socket);
		json_cpulist(j, "cpus", n->cpus);
		json_kv_int_opt(j, "memory_bytes", n->memory_bytes);
		json_key(j, "distances");
		if (!n->distances) {
			json_null(j);
		} else {
			json_array_begin(j);
			for (size_t d = 0; d < n->ndistances; d++)
				json_int(j, n->distances[d]);
			json_array_end(j);
		}
		json_key(j, "hugepages");
		json_pools(j, n->hugepages, n->nhugepages, false);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void render_thp_json(const struct host *h, struct json *j)
{
	const struct thp_info *t = &h->thp;

	json_key(j, "thp");
	json_object_begin(j);
	json_kv_string(j, "enabled", t->enabled);
	json_kv_string(j, "defrag", t->defrag);
	json_kv_string(j, "shmem_enabled", t->shmem_enabled);
	json_kv_int_opt(j, "khugepaged_defrag", t->khugepaged_defrag);
	json_kv_string(j, "cmdline_override", t->cmdline_override);
	json_key(j, "sizes");
	json_array_begin(j);
	for (size_t i = 0; i < t->nsizes; i++) {
		json_object_begin(j);
		json_kv_int(j, "size_kb", (int64_t)t->sizes[i].size_kb);
		json_kv_string(j, "enabled", t->sizes[i].enabled);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void render_system_json(const struct host *h, struct json *j)
{
	json_key(j, "host");
	json_object_begin(j);
	json_kv_string(j, "kernel", h->kernel.release);
	json_kv_string(j, "virtualization", h->kernel.virtualization);
	json_kv_string(j, "cmdline", h->kernel.cmdline);
	json_kv_string(j, "sys_vendor", h->kernel.dmi_sys_vendor);
	json_kv_string(j, "product_name", h->kernel.dmi_product);
	json_object_end(j);
	render_cpu_json(h, j);
	render_numa_json(h, j);
	render_memory_json(h, j);
	render_thp_json(h, j);
	json_key(j, "hugepages");
	json_object_begin(j);
	json_kv_uint_known(j, "default_size_kb", h->hugepages.default_size_kb, h->hugepages.default_size_kb);
	json_key(j, "pools");
	json_pools(j, h->hugepages.pools, h->hugepages.npools, true);
	json_object_end(j);
}

void render_sysctl_json(const struct host *h, struct json *j)
{
	json_key(j, "sysctl");
	json_object_begin(j);
	for (size_t i = 0; i < h->sysctl.nvalues; i++) {
		const struct sysctl_value *v = &h->sysctl.values[i];

		json_kv_int_known(j, v->name, v->value, v->present);
	}
	json_object_end(j);
}
