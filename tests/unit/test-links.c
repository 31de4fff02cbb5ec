/* The links probe on trees written here: an 8-GPU MI300X hive with one
 * pair unlinked, an MI250 hive (not a full mesh by design), GPUs outside a
 * hive, partitions, broken files; the socket-link note on a 2-socket tree;
 * NVLink through the fake NVML (tests/fakenvml) on the live root. */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "probes/host.h"
#include "tap.h"

#define KFD "sys/class/kfd/kfd/topology/nodes"
#define HIVE 0x1234567890abcdf0ULL

static const unsigned gpu_bus[8] = {0x05, 0x26, 0x46, 0x65, 0x85, 0xa6, 0xc6, 0xe5};

static void mkdirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

static void put(const char *root, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put(const char *root, const char *rel, const char *fmt, ...)
{
	char *path = NULL;
	va_list ap;
	FILE *f;

	if (asprintf(&path, "%s/%s", root, rel) < 0)
		abort();
	mkdirs(path);
	f = fopen(path, "w");
	if (!f)
		abort();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	free(path);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void rm_tree(const char *root)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void cpu_node(const char *root, int id)
{
	char rel[128];

	snprintf(rel, sizeof(rel), KFD "/%d/properties", id);
	put(root, rel, "cpu_cores_count 96\nsimd_count 0\nmem_banks_count 1\nlocation_id 0\ndomain 0\nhive_id 0\n");
	snprintf(rel, sizeof(rel), KFD "/%d/io_links/0/properties", id);
	put(root, rel, "type 2\nnode_from %d\nnode_to 2\nweight 20\nmin_bandwidth 0\nmax_bandwidth 0\n", id);
}

/* GPU k is KFD node k + 2; GPU 7 sits in PCI domain 1 at device 1
 * function 2, and has no amdgpu attributes (hive from KFD only). */
static void gpu_node(const char *root, int k, unsigned gfx, unsigned long long hive)
{
	unsigned domain = k == 7 ? 1 : 0, devfn = k == 7 ? 0x0a : 0;
	char rel[160];

	snprintf(rel, sizeof(rel), KFD "/%d/properties", k + 2);
	put(root, rel,
	    "cpu_cores_count 0\nsimd_count 1216\nlocation_id %u\ndomain %u\ndrm_render_minor %d\n"
	    "hive_id %llu\ngfx_target_version %u\n",
	    gpu_bus[k] << 8 | devfn, domain, 128 + k, hive, gfx);
	if (k == 7)
		return;
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/0000:%02x:00.0/xgmi_hive_info/xgmi_hive_id", gpu_bus[k]);
	put(root, rel, "%llu\n", hive);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/0000:%02x:00.0/xgmi_physical_id", gpu_bus[k]);
	put(root, rel, "%d\n", k);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/0000:%02x:00.0/xgmi_device_id", gpu_bus[k]);
	put(root, rel, "%llu\n", 0xabc0ULL + (unsigned)k);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/0000:%02x:00.0/xgmi_num_links", gpu_bus[k]);
	put(root, rel, "01 01 01 01 01 01 01 00 \n");
}

/* Node from's io_links: its CPU (PCIe) and every GPU in peers. */
static void gpu_links(const char *root, int from, const int *peers, int npeers, int bw)
{
	char rel[128];
	int m = 0;

	snprintf(rel, sizeof(rel), KFD "/%d/io_links/%d/properties", from + 2, m++);
	put(root, rel, "type 2\nnode_from %d\nnode_to %d\nweight 20\nmin_bandwidth 312\nmax_bandwidth 64000\n",
	    from + 2, from < 4 ? 0 : 1);
	for (int i = 0; i < npeers; i++) {
		snprintf(rel, sizeof(rel), KFD "/%d/io_links/%d/properties", from + 2, m++);
		put(root, rel,
		    "type 11\nversion_major 0\nnode_from %d\nnode_to %d\nweight 15\nmin_latency 0\n"
		    "min_bandwidth %d\nmax_bandwidth %d\nflags 1\n",
		    from + 2, peers[i] + 2, bw, bw);
	}
}

/* 8 MI300X (gfx942), full mesh but GPUs 3 and 6 unlinked. */
static void write_mi300x(const char *root)
{
	cpu_node(root, 0);
	cpu_node(root, 1);
	for (int k = 0; k < 8; k++) {
		int peers[8], n = 0;

		gpu_node(root, k, 90402, HIVE);
		for (int p = 0; p < 8; p++)
			if (p != k && !((k == 3 && p == 6) || (k == 6 && p == 3)))
				peers[n++] = p;
		gpu_links(root, k, peers, n, 64000);
	}
}

static int open_tree(const char *root, struct sysroot **sr)
{
	int r = sysroot_open(root, sr);

	tap_ok(r == 0, "open tree %s", root);
	return r;
}

static const struct xgmi_gpu *gpu_at(const struct links_info *l, const char *bdf)
{
	for (size_t i = 0; i < l->ngpus; i++)
		if (!strcmp(l->gpus[i].bdf, bdf))
			return &l->gpus[i];
	return NULL;
}

static void check_mi300x_gpus(const struct links_info *l)
{
	const struct xgmi_gpu *g3 = gpu_at(l, "0000:65:00.0"), *g7 = gpu_at(l, "0001:e5:01.2");

	tap_is_int(l->ngpus, 8, "MI300X: 8 GPUs from the KFD nodes with SIMDs");
	tap_ok(g3 != NULL, "MI300X: node 5 at domain 0 location 0x6500 is 0000:65:00.0");
	tap_ok(g7 != NULL, "MI300X: domain 1 location 0xe50a is 0001:e5:01.2");
	if (!g3 || !g7)
		return;
	tap_is_str(g3->hive_id, "0x1234567890abcdf0", "MI300X: hive id from xgmi_hive_info, in hex");
	tap_is_str(g7->hive_id, "0x1234567890abcdf0", "MI300X: hive id from KFD when amdgpu has none");
	tap_is_int(g3->physical_id, 3, "MI300X: xgmi_physical_id");
	tap_is_str(g3->device_id, "0xabc3", "MI300X: xgmi_device_id in hex");
	tap_is_int(g3->num_links, 7, "MI300X: xgmi_num_links summed over peers");
	tap_is_int(g7->physical_id, UNKNOWN, "MI300X: no xgmi_physical_id is unknown");
	tap_is_int(g3->kfd_node, 5, "MI300X: KFD node id");
	tap_is_int(g3->gfx_target_version, 90402, "MI300X: gfx_target_version");
	tap_is_int(g3->drm_render_minor, 131, "MI300X: drm_render_minor");
}

static void check_mi300x_links(const struct links_info *l)
{
	const struct xgmi_link *x = l->nxgmi ? &l->xgmi[0] : NULL;

	tap_is_int(l->nxgmi, 54, "MI300X: 56 directed XGMI links less the 2 of the missing pair; PCIe links left out");
	tap_is_int(strv_length(l->xgmi_missing), 1, "MI300X: one missing pair");
	tap_is_str(l->xgmi_missing ? l->xgmi_missing[0] : NULL, "0000:65:00.0<->0000:c6:00.0",
		   "MI300X: the missing pair is GPU 3 <-> GPU 6, as BDF<->BDF");
	tap_ok(l->xgmi_note == NULL, "MI300X: a full mesh is expected (no exemption note)");
	if (!x)
		return;
	tap_is_str(x->from, "0000:05:00.0", "MI300X: first link from GPU 0");
	tap_is_str(x->to, "0000:26:00.0", "MI300X: to GPU 1");
	tap_is_int(x->type, 11, "MI300X: type 11 (XGMI)");
	tap_is_int(x->weight, 15, "MI300X: weight");
	tap_is_int(x->max_bandwidth_mbs, 64000, "MI300X: max bandwidth MB/s");
	tap_is_int(x->links, 1, "MI300X: one physical link per pair (max/min bandwidth)");
}

static void test_mi300x(const char *root)
{
	struct sysroot *sr = NULL;
	struct host h = {0};

	write_mi300x(root);
	h.cpu.sockets = 2;
	if (open_tree(root, &sr) < 0)
		return;
	tap_is_int(links_probe_collect(sr, NULL, &h), 0, "MI300X: links probe succeeds");
	check_mi300x_gpus(&h.links);
	check_mi300x_links(&h.links);
	tap_is_str(h.links.nvlink_note, "not read from a captured tree", "captured tree: NVML is not asked");
	tap_is_int(h.links.nnvlink, 0, "captured tree: no NVLink entries");
	links_probe_release(&h);
	tap_ok(h.links.gpus == NULL && h.links.ngpus == 0, "release clears the links");
	sysroot_free(sr);
}

/* MI250 (gfx90a) GCDs in a ring: not a full mesh by design. */
static void test_mi250(const char *root)
{
	struct sysroot *sr = NULL;
	struct host h = {0};

	cpu_node(root, 0);
	cpu_node(root, 1);
	for (int k = 0; k < 8; k++) {
		int peers[2] = {(k + 1) % 8, (k + 7) % 8};

		gpu_node(root, k, 90010, 77);
		gpu_links(root, k, peers, 2, 50000);
	}
	if (open_tree(root, &sr) < 0)
		return;
	tap_is_int(links_probe_collect(sr, NULL, &h), 0, "MI250: links probe succeeds");
	tap_is_int(strv_length(h.links.xgmi_missing), 0, "MI250 8-GCD hive: pairs are not flagged missing");
	tap_ok(h.links.xgmi_note && strstr(h.links.xgmi_note, "not a full mesh by design"),
	       "MI250 8-GCD hive: the note says why (%s)", h.links.xgmi_note ? h.links.xgmi_note : "null");
	links_probe_release(&h);
	sysroot_free(sr);
}

/* Two GPUs outside any hive, a partition, a link to a node that does not
 * exist, and garbage in a properties file. */
static void test_odd_trees(const char *root)
{
	struct sysroot *sr = NULL;
	struct host h = {0};

	gpu_node(root, 0, 90402, 0);
	gpu_node(root, 1, 90402, 0);
	put(root, KFD "/4/properties", "simd_count 1216\nlocation_id 1280\ndomain 0\nhive_id 0\n");
	put(root, KFD "/5/properties", "this is not a properties file\n\n");
	put(root, KFD "/2/io_links/0/properties", "type 11\nnode_from 2\nnode_to 42\nmin_bandwidth 1\n");
	put(root, KFD "/2/io_links/1/properties", "type eleven\n");
	if (open_tree(root, &sr) < 0)
		return;
	tap_is_int(links_probe_collect(sr, NULL, &h), 0, "odd tree: links probe succeeds");
	tap_is_int(h.links.ngpus, 3, "odd tree: 2 GPUs and one partition; a node without simd_count is a CPU");
	tap_ok(h.links.ngpus == 3 && !strcmp(h.links.gpus[2].bdf, "0000:05:00.0#1"),
	       "odd tree: a second KFD node at one PCI address is partition #1");
	tap_is_int(h.links.nxgmi, 0, "odd tree: a link to an unknown node, or of no type, is left out");
	tap_is_int(strv_length(h.links.xgmi_missing), 0, "odd tree: GPUs outside a hive are not checked");
	tap_ok(h.links.ngpus && h.links.gpus[0].hive_id == NULL, "odd tree: hive id 0 is no hive");
	links_probe_release(&h);
	sysroot_free(sr);
}

static void test_no_kfd(const char *root)
{
	struct sysroot *sr = NULL;
	struct host h = {0};

	if (open_tree(root, &sr) < 0)
		return;
	tap_is_int(links_probe_collect(sr, NULL, &h), 0, "no KFD: links probe succeeds");
	tap_is_int(h.links.ngpus + h.links.nxgmi, 0, "no KFD: no GPUs, no links");
	tap_ok(h.links.xgmi_missing && !h.links.xgmi_missing[0], "no KFD: an empty missing list");
	tap_is_str(h.links.socket_link_note, "socket count unknown", "no CPU facts: the socket note says so");
	links_probe_release(&h);
	sysroot_free(sr);
}

/* Two sockets of two NUMA nodes each (NPS2): distances 10/12/32. */
static void numa_nps2(struct host *h, int *dist)
{
	static const char *const cpus[4] = {"0-3", "4-7", "8-11", "12-15"};

	h->numa.nnodes = 4;
	h->numa.nodes = calloc(4, sizeof(*h->numa.nodes));
	for (int i = 0; i < 4; i++) {
		h->numa.nodes[i].id = i;
		cpulist_parse(cpus[i], &h->numa.nodes[i].cpus);
		h->numa.nodes[i].distances = &dist[i * 4];
		h->numa.nodes[i].ndistances = 4;
	}
}

static void test_socket_note(const char *root)
{
	int dist[16] = {10, 12, 32, 32, 12, 10, 32, 32, 32, 32, 10, 12, 32, 32, 12, 10};
	struct sysroot *sr = NULL;
	struct host h = {0};
	char rel[96];

	for (int c = 0; c < 16; c++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/topology/physical_package_id", c);
		put(root, rel, "%d\n", c / 8);
	}
	h.cpu.sockets = 2;
	h.cpu.vendor = "AuthenticAMD";
	numa_nps2(&h, dist);
	if (open_tree(root, &sr) == 0) {
		tap_is_int(links_probe_collect(sr, NULL, &h), 0, "2 sockets: links probe succeeds");
		tap_is_int(h.links.cross_socket_distance, 32, "2 sockets: distance between sockets, not within (12)");
		tap_ok(h.links.socket_link_note && strstr(h.links.socket_link_note, "2 sockets, NUMA distance between sockets 32") &&
			       strstr(h.links.socket_link_note, "xGMI link itself (width, speed) is not measurable"),
		       "2 sockets: note '%s'", h.links.socket_link_note ? h.links.socket_link_note : "null");
		tap_ok(h.links.socket_link_source == NULL && !h.links.nsocket_links, "captured tree: HSMP is not asked");
		links_probe_release(&h);
		sysroot_free(sr);
	}
	for (int i = 0; i < 4; i++)
		free(h.numa.nodes[i].cpus);
	free(h.numa.nodes);
}

/* NVLink on the live root through the fake NVML; nothing else is read
 * from NVML's answers, so this runs on any host. */
static int live_links(const char *lib, struct host *h)
{
	struct probe_options opt = {.nvml_library = lib};
	struct sysroot *sr = NULL;
	int r;

	memset(h, 0, sizeof(*h));
	if (sysroot_open("/", &sr) < 0)
		return -1;
	r = links_probe_collect(sr, &opt, h);
	sysroot_free(sr);
	return r;
}

static int count_active(const struct links_info *l)
{
	int n = 0;

	for (size_t i = 0; i < l->nnvlink; i++)
		n += l->nvlink[i].active;
	return n;
}

static void check_fake_board(const struct links_info *l)
{
	const struct nvlink_link *down = l->nnvlink == 144 ? &l->nvlink[3 * 18 + 7] : NULL;

	tap_is_int(l->nvlink_gpus, 8, "fake NVML: 8 GPUs");
	tap_is_int(l->nnvlink, 144, "fake NVML: 18 links per GPU");
	tap_is_int(count_active(l), 143, "fake NVML: 143 of 144 links active");
	tap_ok(l->nvlink_note == NULL, "fake NVML: no note when links were read");
	if (!down)
		return;
	tap_is_str(l->nvlink[0].gpu, "0000:1b:00.0", "fake NVML: NVML's 00000000:1B:00.0 is written as sysfs does");
	tap_is_str(l->nvlink[0].remote, "0000:05:00.0", "fake NVML: link 0 goes to NVSwitch 0000:05:00.0");
	tap_is_str(l->nvlink[17].remote, "0000:08:00.0", "fake NVML: link 17 goes to NVSwitch 0000:08:00.0");
	tap_is_int(l->nvlink[0].version, 4, "fake NVML: NVLink version");
	tap_ok(!down->active && !strcmp(down->gpu, "0000:61:00.0") && down->link == 7,
	       "fake NVML: GPU 3 (0000:61:00.0) link 7 is down");
	tap_ok(down->remote == NULL, "fake NVML: a down link has no remote device");
}

static void nvml_case(const char *lib, const char *env, const char *value, const char *note, const char *what)
{
	struct host h;
	int r;

	setenv(env, value, 1);
	r = live_links(lib, &h);
	unsetenv(env);
	tap_ok(r == 0 && h.links.nnvlink == 0, "%s: no error, an empty list", what);
	tap_is_str(h.links.nvlink_note, note, what);
	links_probe_release(&h);
}

static void test_nvlink(void)
{
	const char *build = getenv("BUILDDIR");
	char lib[4096], log[] = "/tmp/test-links-log-XXXXXX", *text = NULL;
	struct host h;
	size_t len = 0;
	FILE *f;
	int fd = mkstemp(log);

	snprintf(lib, sizeof(lib), "%s/tests/fakenvml/libnvidia-ml-fake.so", build ? build : ".");
	if (access(lib, R_OK) < 0 || fd < 0) {
		tap_skip("tests/fakenvml/libnvidia-ml-fake.so is not built (add subdir('fakenvml') to tests/meson.build)");
		return;
	}
	close(fd);
	setenv("FAKENVML_LOG", log, 1);
	tap_is_int(live_links(lib, &h), 0, "fake NVML: links probe succeeds");
	check_fake_board(&h.links);
	links_probe_release(&h);
	unsetenv("FAKENVML_LOG");
	f = fopen(log, "r");
	if (f && getdelim(&text, &len, 0, f) < 0)
		text[0] = 0;
	tap_ok(text && !strcmp(text, "init\nshutdown\n"), "fake NVML: one init, one shutdown, no call outside them");
	if (f)
		fclose(f);
	free(text);
	unlink(log);
	setenv("RIGTUNE_NVML_LIBRARY", lib, 1);
	tap_ok(live_links(NULL, &h) == 0 && h.links.nnvlink == 144, "RIGTUNE_NVML_LIBRARY names the library");
	links_probe_release(&h);
	unsetenv("RIGTUNE_NVML_LIBRARY");
	nvml_case(lib, "FAKENVML_INIT_ERROR", "9", "NVML did not start: Driver Not Loaded", "driver not loaded");
	nvml_case(lib, "FAKENVML_GPUS", "0", "no NVIDIA GPU", "no GPU");
	nvml_case(lib, "FAKENVML_NO_NVLINK", "1", "8 NVIDIA GPUs without NVLink (PCIe only)", "PCIe-only GPUs");
	tap_ok(live_links("/nonexistent/libnvidia-ml.so.1", &h) == 0 && !h.links.nnvlink && h.links.nvlink_note &&
		       !strncmp(h.links.nvlink_note, "cannot load /nonexistent/libnvidia-ml.so.1", 42),
	       "no library: an empty list and a note, no error");
	links_probe_release(&h);
}

int main(void)
{
	char base[] = "/tmp/test-links-XXXXXX";
	char root[64];

	if (!mkdtemp(base))
		return 1;
	snprintf(root, sizeof(root), "%s/mi300x", base);
	test_mi300x(root);
	snprintf(root, sizeof(root), "%s/mi250", base);
	test_mi250(root);
	snprintf(root, sizeof(root), "%s/odd", base);
	test_odd_trees(root);
	snprintf(root, sizeof(root), "%s/socket", base);
	test_socket_note(root);
	snprintf(root, sizeof(root), "%s/empty", base);
	mkdir(root, 0755);
	test_no_kfd(root);
	rm_tree(base);
	test_nvlink();
	return tap_done();
}
