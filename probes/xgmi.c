/* AMD Instinct xGMI hives, from the KFD topology and amdgpu's attributes:
 *   sys/class/kfd/kfd/topology/nodes/N/properties      (simd_count > 0: a GPU;
 *       domain + location_id: its PCI address; hive_id, gfx_target_version)
 *   sys/class/kfd/kfd/topology/nodes/N/{io,p2p}_links/M/properties
 *       (type 11 = XGMI, 2 = PCIe; node_from, node_to, weight, min/max_bandwidth MB/s)
 *   sys/bus/pci/devices/BDF/{xgmi_hive_info/xgmi_hive_id, xgmi_device_id,
 *       xgmi_physical_id, xgmi_num_links}
 * Missing links: in a hive every GPU should link directly to every other
 * (MI100, MI210 bridges, MI300X/MI325X/MI350 platforms are full meshes), so
 * a pair of GPUs in one hive with no XGMI io_link in either direction is
 * reported. MI200-series hives larger than four GCDs are not full meshes by
 * design (each GCD reaches some peers through another) and are not checked. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "probes/links.h"

#define KFD_NODES "sys/class/kfd/kfd/topology/nodes"
#define IOLINK_TYPE_XGMI 11
#define GFX_MI200 90010       /* gfx90a: MI210, MI250, MI250X */

/* One KFD node while collecting: GPU or CPU, and the name links use. */
struct kfd_node {
	int id;
	bool gpu;
	char *name;               /* BDF[#k] or cpuN; owned by the GPU entry or here */
};

struct kfd_scan {
	struct kfd_node *nodes;
	size_t nnodes;
	int cpus;                 /* CPU nodes seen so far */
};

/* The number after "key " in a KFD properties file ("key value" lines). */
static int kfd_prop(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');

		if (!strncmp(line, key, klen) && (line[klen] == ' ' || line[klen] == '\t')) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(line + klen + 1, &end, 10);
			if (errno || end == line + klen + 1)
				return -EINVAL;
			*ret = v;
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

static int64_t kfd_prop_or(const char *text, const char *key, int64_t unknown)
{
	uint64_t v;

	return kfd_prop(text, key, &v) < 0 || v > INT64_MAX ? unknown : (int64_t)v;
}

static char *hex_id(uint64_t v)
{
	return xasprintf("0x%" PRIx64, v);
}

/* The GPU's PCI address; a later KFD node at the same address (a partition
 * of a GPU in SPX/CPX modes) gets "#k". */
static char *gpu_name(const struct links_info *l, uint64_t domain, uint64_t location)
{
	char bdf[40];
	int same = 0;

	snprintf(bdf, sizeof(bdf), "%04" PRIx64 ":%02" PRIx64 ":%02" PRIx64 ".%" PRIx64, domain,
		 (location >> 8) & 0xff, (location & 0xff) >> 3, location & 7);
	for (size_t i = 0; i < l->ngpus; i++)
		if (!strncmp(l->gpus[i].bdf, bdf, strlen(bdf)) &&
		    (!l->gpus[i].bdf[strlen(bdf)] || l->gpus[i].bdf[strlen(bdf)] == '#'))
			same++;
	return same ? xasprintf("%s#%d", bdf, same) : strdup(bdf);
}

/* Length of the PCI address part of a GPU name (without "#k"). */
static size_t base_len(const char *name)
{
	return strcspn(name, "#");
}

static bool same_device(const char *a, const char *b)
{
	return base_len(a) == base_len(b) && !strncmp(a, b, base_len(a));
}

/* amdgpu's xgmi attributes in the GPU's PCI directory. xgmi_num_links is
 * one "%02x " count per node of the hive's topology: summed here. */
static int read_amdgpu_xgmi(const struct sysroot *sr, struct xgmi_gpu *g)
{
	_cleanup_free_ char *links = NULL;
	_cleanup_strv_ char **words = NULL;
	int len = (int)base_len(g->bdf);
	uint64_t v;
	int64_t s;

	if (sr_read_u64(sr, &v, "sys/bus/pci/devices/%.*s/xgmi_hive_info/xgmi_hive_id", len, g->bdf) == 0) {
		free(g->hive_id);
		g->hive_id = v ? hex_id(v) : NULL;
		if (v && !g->hive_id)
			return -ENOMEM;
	}
	if (sr_read_u64(sr, &v, "sys/bus/pci/devices/%.*s/xgmi_device_id", len, g->bdf) == 0 &&
	    !(g->device_id = hex_id(v)))
		return -ENOMEM;
	if (sr_read_s64(sr, &s, "sys/bus/pci/devices/%.*s/xgmi_physical_id", len, g->bdf) == 0 &&
	    s >= 0 && s < 1 << 16)
		g->physical_id = (int)s;
	if (sr_read_string(sr, &links, "sys/bus/pci/devices/%.*s/xgmi_num_links", len, g->bdf) < 0)
		return 0;
	if (strv_split(links, " \t", &words) < 0)
		return -ENOMEM;
	g->num_links = words[0] ? 0 : UNKNOWN;
	for (size_t i = 0; words[i]; i++) {
		char *end;
		unsigned long n = strtoul(words[i], &end, 16);

		if (*end || n > 64) {
			g->num_links = UNKNOWN;
			break;
		}
		g->num_links += (int)n;
	}
	return 0;
}

static int add_gpu(const struct sysroot *sr, struct links_info *l, int id, const char *props)
{
	struct xgmi_gpu *gpus, *g;
	uint64_t domain = 0, location = 0, hive = 0;

	gpus = reallocarray(l->gpus, l->ngpus + 1, sizeof(*gpus));
	if (!gpus)
		return -ENOMEM;
	l->gpus = gpus;
	g = &gpus[l->ngpus];
	memset(g, 0, sizeof(*g));
	kfd_prop(props, "domain", &domain);
	kfd_prop(props, "location_id", &location);
	g->bdf = gpu_name(l, domain, location);
	if (!g->bdf)
		return -ENOMEM;
	l->ngpus++;
	g->kfd_node = id;
	g->physical_id = UNKNOWN;
	g->num_links = UNKNOWN;
	g->gfx_target_version = kfd_prop_or(props, "gfx_target_version", UNKNOWN);
	g->simd_count = (int)kfd_prop_or(props, "simd_count", 0);
	g->drm_render_minor = (int)kfd_prop_or(props, "drm_render_minor", UNKNOWN);
	if (kfd_prop(props, "hive_id", &hive) == 0 && hive && !(g->hive_id = hex_id(hive)))
		return -ENOMEM;
	return read_amdgpu_xgmi(sr, g);
}

/* Record node id as a GPU (added to l->gpus) or the next CPU node. */
static int scan_node(const struct sysroot *sr, struct links_info *l, struct kfd_scan *scan, int id)
{
	_cleanup_free_ char *props = NULL;
	struct kfd_node *nodes, *n;
	int r;

	if (sr_read_file(sr, &props, NULL, KFD_NODES "/%d/properties", id) < 0)
		return 0;
	nodes = reallocarray(scan->nodes, scan->nnodes + 1, sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	scan->nodes = nodes;
	n = &nodes[scan->nnodes];
	*n = (struct kfd_node){.id = id, .gpu = kfd_prop_or(props, "simd_count", 0) > 0};
	if (n->gpu) {
		r = add_gpu(sr, l, id, props);
		if (r < 0)
			return r;
		n->name = l->gpus[l->ngpus - 1].bdf;
	} else {
		n->name = xasprintf("cpu%d", scan->cpus++);
		if (!n->name)
			return -ENOMEM;
	}
	scan->nnodes++;
	return 0;
}

static const char *node_name(const struct kfd_scan *scan, int id)
{
	for (size_t i = 0; i < scan->nnodes; i++)
		if (scan->nodes[i].id == id)
			return scan->nodes[i].name;
	return NULL;
}

static bool have_link(const struct links_info *l, int from, int to)
{
	for (size_t i = 0; i < l->nxgmi; i++)
		if (l->xgmi[i].kfd_from == from && l->xgmi[i].kfd_to == to)
			return true;
	return false;
}

/* Physical links from KFD's bandwidths: the kernel reports one link's
 * bandwidth as the minimum and links × that as the maximum. */
static int links_from_bandwidth(int64_t min, int64_t max)
{
	return min > 0 && max >= min && max % min == 0 ? (int)(max / min) : UNKNOWN;
}

static int add_xgmi_link(struct links_info *l, const struct kfd_scan *scan, int dir_node, const char *props)
{
	int from = (int)kfd_prop_or(props, "node_from", dir_node);
	int to = (int)kfd_prop_or(props, "node_to", UNKNOWN);
	const char *fname = node_name(scan, from), *tname = node_name(scan, to);
	struct xgmi_link *links, *x;

	if (kfd_prop_or(props, "type", UNKNOWN) != IOLINK_TYPE_XGMI || !fname || !tname ||
	    have_link(l, from, to))
		return 0;
	links = reallocarray(l->xgmi, l->nxgmi + 1, sizeof(*links));
	if (!links)
		return -ENOMEM;
	l->xgmi = links;
	x = &links[l->nxgmi];
	*x = (struct xgmi_link){
		.kfd_from = from,
		.kfd_to = to,
		.type = IOLINK_TYPE_XGMI,
		.weight = (int)kfd_prop_or(props, "weight", UNKNOWN),
		.min_bandwidth_mbs = kfd_prop_or(props, "min_bandwidth", UNKNOWN),
		.max_bandwidth_mbs = kfd_prop_or(props, "max_bandwidth", UNKNOWN),
	};
	x->links = links_from_bandwidth(x->min_bandwidth_mbs, x->max_bandwidth_mbs);
	x->from = strdup(fname);
	x->to = strdup(tname);
	l->nxgmi++;
	return x->from && x->to ? 0 : -ENOMEM;
}

/* io_links hold direct links; newer kernels list GPU peers under p2p_links
 * as well. Both are read; a pair seen twice is kept once. */
static int scan_links(const struct sysroot *sr, struct links_info *l, const struct kfd_scan *scan, int id)
{
	static const char *const dirs[] = {"io_links", "p2p_links"};

	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		_cleanup_free_ int *ids = NULL;
		size_t n = 0;

		if (sr_list_ids(sr, "", &ids, &n, KFD_NODES "/%d/%s", id, dirs[d]) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *props = NULL;
			int r;

			if (sr_read_file(sr, &props, NULL, KFD_NODES "/%d/%s/%d/properties", id, dirs[d],
					 ids[i]) < 0)
				continue;
			r = add_xgmi_link(l, scan, id, props);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static bool devices_linked(const struct links_info *l, const char *a, const char *b)
{
	for (size_t i = 0; i < l->nxgmi; i++) {
		const struct xgmi_link *x = &l->xgmi[i];

		if ((same_device(x->from, a) && same_device(x->to, b)) ||
		    (same_device(x->from, b) && same_device(x->to, a)))
			return true;
	}
	return false;
}

/* GPUs in i's hive (partition 0 of each device only). */
static size_t hive_size(const struct links_info *l, size_t i)
{
	size_t n = 0;

	for (size_t k = 0; k < l->ngpus; k++)
		if (l->gpus[k].hive_id && !strcmp(l->gpus[k].hive_id, l->gpus[i].hive_id) &&
		    !strchr(l->gpus[k].bdf, '#'))
			n++;
	return n;
}

/* A hive whose design is not a full mesh: say so once, check nothing. */
static int hive_exempt(struct links_info *l, size_t i, bool *exempt)
{
	const struct xgmi_gpu *g = &l->gpus[i];
	size_t n = hive_size(l, i);

	*exempt = g->gfx_target_version == GFX_MI200 && n > 4;
	if (!*exempt || l->xgmi_note)
		return 0;
	l->xgmi_note = xasprintf("hive %s: %zu MI200-series GCDs are not a full mesh by design; "
				 "missing links are not checked", g->hive_id, n);
	return l->xgmi_note ? 0 : -ENOMEM;
}

static int find_missing(struct links_info *l)
{
	l->xgmi_missing = calloc(1, sizeof(char *));
	if (!l->xgmi_missing)
		return -ENOMEM;
	for (size_t i = 0; i < l->ngpus; i++) {
		const struct xgmi_gpu *a = &l->gpus[i];
		bool exempt;

		if (!a->hive_id || strchr(a->bdf, '#'))
			continue;
		if (hive_exempt(l, i, &exempt) < 0)
			return -ENOMEM;
		for (size_t k = i + 1; k < l->ngpus && !exempt; k++) {
			const struct xgmi_gpu *b = &l->gpus[k];

			if (!b->hive_id || strcmp(a->hive_id, b->hive_id) || strchr(b->bdf, '#') ||
			    devices_linked(l, a->bdf, b->bdf))
				continue;
			if (strv_push(&l->xgmi_missing, xasprintf("%s<->%s", a->bdf, b->bdf)) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static void scan_release(struct kfd_scan *scan)
{
	for (size_t i = 0; i < scan->nnodes; i++)
		if (!scan->nodes[i].gpu)
			free(scan->nodes[i].name);
	free(scan->nodes);
}

int xgmi_collect(const struct sysroot *sr, struct host *h)
{
	struct links_info *l = &h->links;
	struct kfd_scan scan = {0};
	_cleanup_free_ int *ids = NULL;
	size_t n = 0;
	int r = 0;

	if (sr_list_ids(sr, "", &ids, &n, KFD_NODES) < 0)
		n = 0;          /* no amdgpu/KFD: no AMD GPUs to report */
	for (size_t i = 0; i < n && r >= 0; i++)
		r = scan_node(sr, l, &scan, ids[i]);
	for (size_t i = 0; i < scan.nnodes && r >= 0; i++)
		r = scan_links(sr, l, &scan, scan.nodes[i].id);
	if (r >= 0)
		r = find_missing(l);
	scan_release(&scan);
	return r;
}

void xgmi_release(struct links_info *l)
{
	for (size_t i = 0; i < l->ngpus; i++) {
		free(l->gpus[i].bdf);
		free(l->gpus[i].hive_id);
		free(l->gpus[i].device_id);
	}
	free(l->gpus);
	for (size_t i = 0; i < l->nxgmi; i++) {
		free(l->xgmi[i].from);
		free(l->xgmi[i].to);
	}
	free(l->xgmi);
	strv_free(l->xgmi_missing);
	free(l->xgmi_note);
	l->gpus = NULL;
	l->xgmi = NULL;
	l->xgmi_missing = NULL;
	l->xgmi_note = NULL;
	l->ngpus = l->nxgmi = 0;
}
