/* Text and JSON for the links probe: the AMD xGMI hive, EPYC
 * socket-to-socket xGMI and NVIDIA NVLink. */
#include <inttypes.h>
#include <string.h>

#include "cli/render.h"
#include "common/util.h"

static bool is_partition(const struct xgmi_gpu *g)
{
	return strchr(g->bdf, '#') != NULL;
}

static const struct xgmi_gpu *find_gpu(const struct links_info *l, const char *bdf, size_t len)
{
	for (size_t i = 0; i < l->ngpus; i++)
		if (strlen(l->gpus[i].bdf) == len && !strncmp(l->gpus[i].bdf, bdf, len))
			return &l->gpus[i];
	return NULL;
}

static bool in_hive(const struct links_info *l, const char *name, const char *hive)
{
	const struct xgmi_gpu *g = find_gpu(l, name, strcspn(name, "#<"));

	return g && g->hive_id && !strcmp(g->hive_id, hive);
}

/* Hive totals: devices, missing pairs, per-pair bandwidth range (MB/s). */
struct hive_summary {
	size_t gpus, missing;
	int64_t bw_min, bw_max;
	int links_min, links_max;
};

static void summarize_hive(const struct links_info *l, const char *hive, struct hive_summary *s)
{
	*s = (struct hive_summary){.bw_min = INT64_MAX, .bw_max = -1, .links_min = 1 << 30, .links_max = -1};
	for (size_t i = 0; i < l->ngpus; i++)
		if (l->gpus[i].hive_id && !strcmp(l->gpus[i].hive_id, hive) && !is_partition(&l->gpus[i]))
			s->gpus++;
	for (size_t i = 0; l->xgmi_missing && l->xgmi_missing[i]; i++)
		if (in_hive(l, l->xgmi_missing[i], hive))
			s->missing++;
	for (size_t i = 0; i < l->nxgmi; i++) {
		const struct xgmi_link *x = &l->xgmi[i];

		if (!in_hive(l, x->from, hive) || !in_hive(l, x->to, hive))
			continue;
		if (x->max_bandwidth_mbs >= 0) {
			s->bw_min = x->max_bandwidth_mbs < s->bw_min ? x->max_bandwidth_mbs : s->bw_min;
			s->bw_max = x->max_bandwidth_mbs > s->bw_max ? x->max_bandwidth_mbs : s->bw_max;
		}
		if (x->links >= 0) {
			s->links_min = x->links < s->links_min ? x->links : s->links_min;
			s->links_max = x->links > s->links_max ? x->links : s->links_max;
		}
	}
}

/* "8 GPUs in hive 0x..., 27 of 28 xGMI links up, 50 GB/s each" */
static void render_hive_line(const struct cli *cli, const struct links_info *l, const char *hive, FILE *out)
{
	struct hive_summary s;
	struct strbuf sb = {0};
	size_t pairs;

	summarize_hive(l, hive, &s);
	pairs = s.gpus * (s.gpus - 1) / 2;
	strbuf_printf(&sb, "%zu GPUs in hive %s", s.gpus, hive);
	if (l->xgmi_note && strstr(l->xgmi_note, hive))
		strbuf_puts(&sb, ", not a full mesh by design");
	else
		strbuf_printf(&sb, ", %zu of %zu xGMI links up", pairs - s.missing, pairs);
	if (s.bw_max == s.bw_min)
		strbuf_printf(&sb, ", %.0f GB/s each", (double)s.bw_max / 1000);
	else if (s.bw_max >= 0)
		strbuf_printf(&sb, ", %.0f-%.0f GB/s per pair", (double)s.bw_min / 1000, (double)s.bw_max / 1000);
	if (s.links_max > 1)
		strbuf_printf(&sb, s.links_min == s.links_max ? ", %d links per pair" : ", %d-%d links per pair",
			      s.links_min, s.links_max);
	text_field(out, "xGMI hive:", "%s", sb.buf);
	strbuf_release(&sb);
}

static int physical_id(const struct links_info *l, const char *bdf, size_t len)
{
	const struct xgmi_gpu *g = find_gpu(l, bdf, len);

	return g ? g->physical_id : UNKNOWN;
}

static void render_missing(const struct cli *cli, const struct links_info *l, FILE *out)
{
	for (size_t i = 0; l->xgmi_missing && l->xgmi_missing[i]; i++) {
		const char *m = l->xgmi_missing[i], *sep = strstr(m, "<->");
		int a, b;

		if (!sep)
			continue;
		a = physical_id(l, m, (size_t)(sep - m));
		b = physical_id(l, sep + 3, strlen(sep + 3));
		if (a >= 0 && b >= 0)
			text_attention(cli, out, "no xGMI link between %.*s and %s (hive GPUs %d and %d)",
				       (int)(sep - m), m, sep + 3, a, b);
		else
			text_attention(cli, out, "no xGMI link between %.*s and %s", (int)(sep - m), m, sep + 3);
	}
}

/* Distinct devices one GPU reaches over xGMI. */
static size_t xgmi_peers(const struct links_info *l, const char *bdf)
{
	size_t n = 0;

	for (size_t i = 0; i < l->nxgmi; i++) {
		bool seen = false;

		if (strcmp(l->xgmi[i].from, bdf))
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(l->xgmi[k].from, bdf) && !strcmp(l->xgmi[k].to, l->xgmi[i].to);
		n += !seen;
	}
	return n;
}

static void render_amd_gpus(const struct host *h, FILE *out)
{
	const struct links_info *l = &h->links;

	for (size_t i = 0; i < l->ngpus; i++) {
		const struct xgmi_gpu *g = &l->gpus[i];
		const struct pci_device *d = host_pci_device(h, g->bdf);
		struct strbuf sb = {0};

		strbuf_printf(&sb, "KFD node %d", g->kfd_node);
		if (g->physical_id >= 0)
			strbuf_printf(&sb, ", hive GPU %d", g->physical_id);
		strbuf_printf(&sb, ", xGMI to %zu peer%s", xgmi_peers(l, g->bdf), xgmi_peers(l, g->bdf) == 1 ? "" : "s");
		if (d && d->device)
			strbuf_printf(&sb, " (%s)", d->device);
		fprintf(out, "    %-16s%s\n", g->bdf, sb.buf);
		strbuf_release(&sb);
	}
}

static void render_xgmi_text(const struct cli *cli, const struct host *h, FILE *out)
{
	const struct links_info *l = &h->links;
	size_t lone = 0;

	if (!l->ngpus) {
		text_field(out, "AMD GPUs:", "none (no KFD topology)");
		return;
	}
	for (size_t i = 0; i < l->ngpus; i++) {
		const struct xgmi_gpu *g = &l->gpus[i];
		bool first = true;

		for (size_t k = 0; k < i && g->hive_id && first; k++)
			first = !l->gpus[k].hive_id || strcmp(l->gpus[k].hive_id, g->hive_id);
		if (!g->hive_id)
			lone += !is_partition(g);
		else if (first)
			render_hive_line(cli, l, g->hive_id, out);
	}
	if (lone)
		text_field(out, "AMD GPUs:", "%zu not in an xGMI hive", lone);
	render_missing(cli, l, out);
	render_amd_gpus(h, out);
}

/* Links of the GPU whose first link is at index from: count, active,
 * distinct remote devices; *end is the next GPU's first link. */
struct nvlink_gpu {
	size_t end;
	int total, active, remotes;
};

static void nvlink_gpu_summary(const struct links_info *l, size_t from, struct nvlink_gpu *s)
{
	size_t i;

	*s = (struct nvlink_gpu){0};
	for (i = from; i < l->nnvlink && !strcmp(l->nvlink[i].gpu, l->nvlink[from].gpu); i++) {
		bool seen = !l->nvlink[i].remote;

		for (size_t k = from; k < i && !seen; k++)
			seen = l->nvlink[k].remote && !strcmp(l->nvlink[k].remote, l->nvlink[i].remote);
		s->remotes += !seen;
		s->active += l->nvlink[i].active;
		s->total++;
	}
	s->end = i;
}

static void render_nvlink_summary(const struct links_info *l, FILE *out)
{
	int active = 0, version = UNKNOWN;

	for (size_t i = 0; i < l->nnvlink; i++) {
		active += l->nvlink[i].active;
		if (l->nvlink[i].version > version)
			version = l->nvlink[i].version;
	}
	if (version >= 0)
		text_field(out, "NVLink:", "%d GPUs, %d of %zu links active, version %d", l->nvlink_gpus, active,
			   l->nnvlink, version);
	else
		text_field(out, "NVLink:", "%d GPUs, %d of %zu links active", l->nvlink_gpus, active, l->nnvlink);
}

/* A summary, one line per GPU, and each link that is down. */
static void render_nvlink_text(const struct cli *cli, const struct links_info *l, FILE *out)
{
	struct nvlink_gpu s;

	if (!l->nnvlink) {
		text_field(out, "NVLink:", "none (%s)", l->nvlink_note ? l->nvlink_note : "unknown");
		return;
	}
	render_nvlink_summary(l, out);
	for (size_t i = 0; i < l->nnvlink; i = s.end) {
		const char *gpu = l->nvlink[i].gpu;

		nvlink_gpu_summary(l, i, &s);
		fprintf(out, "    %-16s%d of %d active, to %d device%s\n", gpu, s.active, s.total, s.remotes,
			s.remotes == 1 ? "" : "s");
		if (!s.active)
			text_attention(cli, out, "%s: no NVLink active (on HGX boards: is nvidia-fabricmanager running?)",
				       gpu);
		for (size_t k = i; k < s.end && s.active; k++)
			if (!l->nvlink[k].active)
				text_attention(cli, out, "%s: NVLink %d is down", gpu, l->nvlink[k].link);
	}
}

static void render_socket_text(const struct links_info *l, FILE *out)
{
	if (l->socket_link_note)
		text_field(out, "Sockets:", "%s", l->socket_link_note);
	for (size_t i = 0; i < l->nsocket_links; i++) {
		const struct socket_link *s = &l->socket_links[i];
		char label[48];

		snprintf(label, sizeof(label), "socket %d link %d:", s->socket, s->link_id);
		text_field(out, label, "%" PRId64 " Mbps now", s->bandwidth_mbps);
	}
}

void render_links_text(const struct cli *cli, const struct host *h, FILE *out)
{
	text_heading(cli, out, "GPU and socket links");
	render_xgmi_text(cli, h, out);
	render_nvlink_text(cli, &h->links, out);
	render_socket_text(&h->links, out);
}

static void render_xgmi_json(const struct links_info *l, struct json *j)
{
	json_key(j, "xgmi");
	json_array_begin(j);
	for (size_t i = 0; i < l->nxgmi; i++) {
		const struct xgmi_link *x = &l->xgmi[i];

		json_object_begin(j);
		json_kv_string(j, "from", x->from);
		json_kv_string(j, "to", x->to);
		json_kv_int(j, "kfd_from", x->kfd_from);
		json_kv_int(j, "kfd_to", x->kfd_to);
		json_kv_int(j, "type", x->type);
		json_kv_int_opt(j, "weight", x->weight);
		json_kv_int_opt(j, "min_bandwidth_mbs", x->min_bandwidth_mbs);
		json_kv_int_opt(j, "max_bandwidth_mbs", x->max_bandwidth_mbs);
		json_kv_int_opt(j, "links", x->links);
		json_object_end(j);
	}
	json_array_end(j);
}

static void render_xgmi_gpus_json(const struct links_info *l, struct json *j)
{
	json_key(j, "xgmi_gpus");
	json_array_begin(j);
	for (size_t i = 0; i < l->ngpus; i++) {
		const struct xgmi_gpu *g = &l->gpus[i];

		json_object_begin(j);
		json_kv_string(j, "bdf", g->bdf);
		json_kv_int(j, "kfd_node", g->kfd_node);
		json_kv_string(j, "hive_id", g->hive_id);
		json_kv_string(j, "device_id", g->device_id);
		json_kv_int_opt(j, "physical_id", g->physical_id);
		json_kv_int_opt(j, "num_links", g->num_links);
		json_kv_int_opt(j, "gfx_target_version", g->gfx_target_version);
		json_kv_int(j, "simd_count", g->simd_count);
		json_kv_int_opt(j, "drm_render_minor", g->drm_render_minor);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "xgmi_missing");
	json_array_begin(j);
	for (size_t i = 0; l->xgmi_missing && l->xgmi_missing[i]; i++)
		json_string(j, l->xgmi_missing[i]);
	json_array_end(j);
	json_kv_string(j, "xgmi_note", l->xgmi_note);
}

static void render_socket_json(const struct links_info *l, struct json *j)
{
	json_key(j, "socket_link");
	json_object_begin(j);
	json_kv_int_opt(j, "sockets", l->sockets);
	json_kv_int_opt(j, "cross_socket_distance", l->cross_socket_distance);
	json_kv_string(j, "source", l->socket_link_source);
	json_kv_int_opt(j, "hsmp_protocol", l->hsmp_protocol);
	json_key(j, "links");
	json_array_begin(j);
	for (size_t i = 0; i < l->nsocket_links; i++) {
		json_object_begin(j);
		json_kv_int(j, "socket", l->socket_links[i].socket);
		json_kv_int(j, "link_id", l->socket_links[i].link_id);
		json_kv_int_opt(j, "bandwidth_mbps", l->socket_links[i].bandwidth_mbps);
		json_object_end(j);
	}
	json_array_end(j);
	json_kv_string(j, "note", l->socket_link_note);
	json_object_end(j);
}

static void render_nvlink_json(const struct links_info *l, struct json *j)
{
	json_key(j, "nvlink");
	json_array_begin(j);
	for (size_t i = 0; i < l->nnvlink; i++) {
		const struct nvlink_link *n = &l->nvlink[i];

		json_object_begin(j);
		json_kv_string(j, "gpu", n->gpu);
		json_kv_int(j, "link", n->link);
		json_kv_bool(j, "active", n->active);
		json_kv_int_opt(j, "version", n->version);
		json_kv_string(j, "remote", n->remote);
		json_object_end(j);
	}
	json_array_end(j);
	json_kv_int_opt(j, "nvlink_gpus", l->nvlink_gpus);
	json_kv_string(j, "nvlink_note", l->nvlink_note);
}

void render_links_json(const struct host *h, struct json *j)
{
	json_key(j, "links");
	json_object_begin(j);
	render_xgmi_json(&h->links, j);
	render_xgmi_gpus_json(&h->links, j);
	render_socket_json(&h->links, j);
	render_nvlink_json(&h->links, j);
	json_object_end(j);
}
