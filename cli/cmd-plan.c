/* `rigtune plan`: placement advice (tune/gpu-placement.c) as command
 * lines and systemd drop-ins: per group (a NUMA node and its GPUs) the
 * environment (CUDA_DEVICE_ORDER, CUDA_VISIBLE_DEVICES,
 * HIP_VISIBLE_DEVICES, NCCL_IB_HCA), the numactl binding, and the same
 * as CPUAffinity=/NUMAPolicy=/NUMAMask= for an inference service. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/json.h"
#include "common/util.h"
#include "probes/topo.h"
#include "tune/gpu-placement.h"

struct plan_lines {
	char *env;      /* "CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=0,1" or "" */
	char *numactl;  /* "numactl --cpunodebind=0 --membind=0" or NULL */
	char *dropin;   /* "[Service]\nCPUAffinity=...\n..." */
};

static void plan_lines_release(struct plan_lines *l)
{
	free(l->env);
	free(l->numactl);
	free(l->dropin);
}

static int env_line(const struct placement_group *g, char **ret)
{
	_cleanup_(strbuf_release) struct strbuf sb = {0};
	int r = 0;

	if (g->cuda_visible)
		r = strbuf_printf(&sb, "CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=%s", g->cuda_visible);
	if (r >= 0 && g->hip_visible)
		r = strbuf_printf(&sb, "%sHIP_VISIBLE_DEVICES=%s", sb.len ? " " : "", g->hip_visible);
	if (r >= 0 && g->ib_hcas)
		r = strbuf_printf(&sb, "%sNCCL_IB_HCA=%s", sb.len ? " " : "", g->ib_hcas);
	if (r < 0)
		return r;
	*ret = strbuf_steal(&sb);
	return *ret ? 0 : -ENOMEM;
}

/* Bound to a known node, or (node unknown) to the GPUs' local CPUs. */
static int plan_lines_build(const struct placement_group *g, struct plan_lines *l)
{
	_cleanup_free_ char *cpus = g->cpus ? cpulist_format(g->cpus) : NULL;
	_cleanup_(strbuf_release) struct strbuf sb = {0};
	int r;

	if (g->cpus && !cpus)
		return -ENOMEM;
	r = env_line(g, &l->env);
	if (r < 0)
		return r;
	r = strbuf_puts(&sb, "[Service]\n");
	if (g->node >= 0) {
		l->numactl = xasprintf("numactl --cpunodebind=%d --membind=%d", g->node, g->node);
		if (r >= 0 && cpus && *cpus)
			r = strbuf_printf(&sb, "CPUAffinity=%s\n", cpus);
		if (r >= 0)
			r = strbuf_printf(&sb, "NUMAPolicy=bind\nNUMAMask=%d\n", g->node);
	} else if (cpus && *cpus) {
		l->numactl = xasprintf("numactl --physcpubind=%s --localalloc", cpus);
		r = r < 0 ? r : strbuf_printf(&sb, "CPUAffinity=%s\nNUMAPolicy=local\n", cpus);
	}
	if (r >= 0 && *l->env)
		r = strbuf_printf(&sb, "Environment=%s\n", l->env);
	if (r < 0 || (g->cpus && cpus && *cpus && !l->numactl))
		return -ENOMEM;
	l->dropin = strbuf_steal(&sb);
	return l->dropin ? 0 : -ENOMEM;
}

static void print_gpus(const struct topo *t, const struct placement *p, FILE *out)
{
	char link[16];

	fprintf(out, "%-6s %-13s %-8s %-5s %s\n", "GPU", "BDF", "index", "node", "closest NIC");
	for (size_t i = 0; i < p->ngpus; i++) {
		const struct placement_gpu *pg = &p->gpus[i];
		const struct topo_device *d = &t->devices[pg->device];
		const struct topo_device *n = pg->nic >= 0 ? &t->devices[pg->nic] : NULL;
		char index[16], node[12];

		snprintf(index, sizeof(index), "%s %d", d->pci->vendor_id == 0x10de ? "cuda" : "hip", d->vendor_index);
		snprintf(node, sizeof(node), d->pci->numa_node >= 0 ? "%d" : "?", d->pci->numa_node);
		fprintf(out, "%-6s %-13s %-8s %-5s ", d->label, d->pci->bdf, index, node);
		if (n)
			fprintf(out, "%s %s%s%s (%s)\n", n->label, n->pci->bdf, n->port ? " " : "",
				n->port ? n->port : "", topo_link_name(&(struct topo_pair){.link = pg->nic_link},
									link, sizeof(link)));
		else
			fputs("none\n", out);
	}
	fputc('\n', out);
}

static void print_group(const struct topo *t, const struct placement *p, const struct placement_group *g,
			const struct plan_lines *l, FILE *out)
{
	if (g->node >= 0)
		fprintf(out, "NUMA node %d", g->node);
	else
		fputs("NUMA node unknown (the kernel does not say)", out);
	for (size_t i = 0; i < g->ngpus; i++)
		fprintf(out, "%s%s", i ? " " : ": ", t->devices[p->gpus[g->gpus[i]].device].label);
	fputc('\n', out);
	fprintf(out, "  %s%s%s SERVER...\n", l->env, *l->env ? " " : "", l->numactl ? l->numactl : "");
	fputs("  systemd drop-in (systemctl edit SERVICE):\n", out);
	for (const char *s = l->dropin; *s;) {
		size_t n = strcspn(s, "\n");

		fprintf(out, "    %.*s\n", (int)n, s);
		s += n + (s[n] == '\n');
	}
}

static int plan_text(const struct topo *t, const struct placement *p, FILE *out)
{
	if (p->cpu_only)
		fprintf(out, "No NVIDIA or AMD GPU: one instance per NUMA node, its memory bound to the node "
			"(%zu node%s).\n\n", p->ngroups, p->ngroups == 1 ? "" : "s");
	else
		print_gpus(t, p, out);
	for (size_t i = 0; i < p->ngroups; i++) {
		struct plan_lines l = {0};
		int r = plan_lines_build(&p->groups[i], &l);

		if (r >= 0)
			print_group(t, p, &p->groups[i], &l, out);
		plan_lines_release(&l);
		if (r < 0)
			return r;
		if (i + 1 < p->ngroups)
			fputc('\n', out);
	}
	return 0;
}

static void json_gpu(struct json *j, const struct topo *t, const struct placement_gpu *pg)
{
	const struct topo_device *d = &t->devices[pg->device];
	const struct topo_device *n = pg->nic >= 0 ? &t->devices[pg->nic] : NULL;
	char link[16];

	json_object_begin(j);
	json_kv_string(j, "bdf", d->pci->bdf);
	json_kv_string(j, "label", d->label);
	json_kv_string(j, "vendor", d->pci->vendor_id == 0x10de ? "nvidia" : "amd");
	json_kv_int(j, "index", d->vendor_index);
	json_kv_int_opt(j, "numa_node", d->pci->numa_node);
	json_key(j, "nic");
	if (n) {
		json_object_begin(j);
		json_kv_string(j, "bdf", n->pci->bdf);
		json_kv_string(j, "label", n->label);
		json_kv_string(j, "port", n->port);
		json_kv_bool(j, "rdma", n->rdma);
		json_kv_string(j, "link", topo_link_name(&(struct topo_pair){.link = pg->nic_link}, link, sizeof(link)));
		json_object_end(j);
	} else {
		json_null(j);
	}
	json_object_end(j);
}

static int json_group(struct json *j, const struct topo *t, const struct placement *p,
		      const struct placement_group *g)
{
	_cleanup_free_ char *cpus = g->cpus ? cpulist_format(g->cpus) : NULL;
	struct plan_lines l = {0};
	int r = plan_lines_build(g, &l);

	if (r < 0)
		return r;
	json_object_begin(j);
	json_kv_int_opt(j, "node", g->node);
	json_kv_string(j, "cpus", cpus);
	json_key(j, "gpus");
	json_array_begin(j);
	for (size_t i = 0; i < g->ngpus; i++)
		json_string(j, t->devices[p->gpus[g->gpus[i]].device].pci->bdf);
	json_array_end(j);
	json_key(j, "env");
	json_object_begin(j);
	if (g->cuda_visible) {
		json_kv_string(j, "CUDA_DEVICE_ORDER", "PCI_BUS_ID");
		json_kv_string(j, "CUDA_VISIBLE_DEVICES", g->cuda_visible);
	}
	if (g->hip_visible)
		json_kv_string(j, "HIP_VISIBLE_DEVICES", g->hip_visible);
	if (g->ib_hcas)
		json_kv_string(j, "NCCL_IB_HCA", g->ib_hcas);
	json_object_end(j);
	json_kv_string(j, "numactl", l.numactl);
	json_kv_string(j, "systemd", l.dropin);
	json_object_end(j);
	plan_lines_release(&l);
	return 0;
}

static int plan_json(const struct topo *t, const struct placement *p, FILE *out)
{
	struct json j;
	int r = 0;

	json_init(&j, out, false);
	json_document_begin(&j, "plan");
	json_kv_bool(&j, "cpu_only", p->cpu_only);
	json_key(&j, "gpus");
	json_array_begin(&j);
	for (size_t i = 0; i < p->ngpus; i++)
		json_gpu(&j, t, &p->gpus[i]);
	json_array_end(&j);
	json_key(&j, "groups");
	json_array_begin(&j);
	for (size_t i = 0; i < p->ngroups && r >= 0; i++)
		r = json_group(&j, t, p, &p->groups[i]);
	json_array_end(&j);
	json_document_end(&j);
	json_end(&j);
	return r;
}

int cmd_plan(const struct cli *cli, int argc, char **argv)
{
	struct placement p;
	struct topo t;
	struct host h;
	int r;

	if (argc > 1)
		return log_error("plan: unexpected argument '%s'", argv[1]);
	r = cli_probe_host(cli, &h);
	if (r)
		return r;
	r = cli_topo_build(cli, &h, false, &t);
	if (r) {
		host_release(&h);
		return r;
	}
	r = placement_build(&h, &t, &p);
	if (r >= 0) {
		r = cli->json ? plan_json(&t, &p, stdout) : plan_text(&t, &p, stdout);
		placement_release(&p);
	}
	topo_release(&t);
	host_release(&h);
	if (r < 0)
		return log_errno(r, "plan");
	return fflush(stdout) == 0 ? EXIT_GOOD : log_error("cannot write output");
}
