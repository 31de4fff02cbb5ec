/* bench --gpu's engine (verify/gpu-bench.c) against the fake libcuda
 * (tests/fakecuda, exact rates): three GPUs on a host written here, one
 * on a Gen5 x16 link, one behind a Gen4-only port (its theoretical rate
 * is the port's), one whose link stays at 2.5 GT/s while the copies run
 * (re-read from the tree: a fault, not idle power saving). Each figure
 * against its link, the --min-fraction verdict, peer copies, and a
 * runtime call that fails. */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "probes/host.h"
#include "probes/pci.h"
#include "verify/bench.h"
#include "verify/gpu-bench.h"
#include "tap.h"

struct spec {
	const char *bdf, *parent;
	double max_gts, cur_gts;
	int node;
};

static const struct spec specs[] = {
	{"0000:17:01.0", NULL, 32, 32, 0},
	{"0000:18:00.0", "0000:17:01.0", 32, 32, 0},
	{"0000:9b:01.0", NULL, 16, 16, 1},
	{"0000:9d:00.0", "0000:9b:01.0", 32, 16, 1},
	{"0000:d0:01.0", NULL, 32, 2.5, 1},
	{"0000:d1:00.0", "0000:d0:01.0", 32, 2.5, 1},
};

static void put(const char *root, const char *bdf, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/bus", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/bus/pci", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s", root, bdf);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/%s", root, bdf, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "%s\n", text);
	fclose(f);
}

static void host_build(struct host *h, const char *root)
{
	memset(h, 0, sizeof(*h));
	h->pci.ndevices = ARRAY_SIZE(specs);
	h->pci.devices = calloc(h->pci.ndevices, sizeof(*h->pci.devices));
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		struct pci_device *d = &h->pci.devices[i];
		char speed[32];

		snprintf(d->bdf, sizeof(d->bdf), "%s", specs[i].bdf);
		pci_parse_bdf(d->bdf, &d->domain, &d->bus, &d->dev, &d->func);
		d->numa_node = specs[i].node;
		d->pcie_type = specs[i].parent ? 0 : 4;
		d->parent = specs[i].parent ? strdup(specs[i].parent) : NULL;
		pci_link_init(&d->link);
		d->link.max_speed_gts = specs[i].max_gts;
		d->link.speed_gts = specs[i].cur_gts;
		d->link.width = d->link.max_width = 16;
		pci_link_finish(&d->link);
		d->has_link = true;
		snprintf(speed, sizeof(speed), "%.1f GT/s PCIe", specs[i].cur_gts);
		put(root, d->bdf, "current_link_speed", speed);
		put(root, d->bdf, "current_link_width", "16");
	}
}

static void host_free(struct host *h)
{
	for (size_t i = 0; i < h->pci.ndevices; i++)
		free(h->pci.devices[i].parent);
	free(h->pci.devices);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-3 * fabs(b);
}

static void check_rates(const struct gpu_report *r)
{
	const struct gpu_result *g = r->gpus;
	double gen5 = 32.0 * 16 * 128 / 130 / 8, gen4 = gen5 / 2;

	tap_ok(r->error == NULL, "no error (%s)", r->error ? r->error : "none");
	tap_is_int(r->ngpus, 3, "three GPUs from the runtime");
	if (r->ngpus != 3)
		return;
	tap_is_str(g[0].bdf, "0000:18:00.0", "bus id in sysfs form (the driver writes upper case)");
	tap_ok(near(g[0].link_gbps, gen5), "GPU0: theoretical rate of Gen5 x16, %.2f GB/s", g[0].link_gbps);
	tap_ok(near(g[0].h2d.gbps, 55) && near(g[0].h2d.fraction, 55 / gen5), "GPU0: H2D 55 GB/s, %.0f%% of its link",
	       g[0].h2d.fraction * 100);
	tap_ok(near(g[0].d2h.gbps, 50), "GPU0: D2H 50 GB/s (got %.2f)", g[0].d2h.gbps);
	tap_ok(near(g[0].bidir.gbps, 100), "GPU0: both directions at once move 100 GB/s (got %.2f)", g[0].bidir.gbps);
	tap_ok(near(g[0].h2d_all.gbps, 55), "GPU0: all GPUs at once, H2D (got %.2f)", g[0].h2d_all.gbps);
	tap_ok(g[0].data_checked && g[0].data_ok, "GPU0: the data came back");
	tap_is_str(g[0].under_load, "Gen5 x16", "GPU0: link under load re-read from the tree");
	tap_ok(!g[0].link_low, "GPU0: link not low");
	tap_ok(near(g[1].link_gbps, gen4), "GPU1: behind a Gen4-only port: Gen4 x16's %.2f GB/s", g[1].link_gbps);
	tap_is_str(g[1].link, "Gen4 x16", "GPU1: the link's capability names the slower end");
	tap_ok(!g[1].link_low, "GPU1: runs at what its port can do: not low");
	tap_ok(gpu_result_low(&g[1], 0.80) && !gpu_result_low(&g[0], 0.80),
	       "gpu_h2d_fraction 0.80: GPU1 (20 of 31.5 GB/s) fails, GPU0 (55 of 63) passes");
	tap_ok(!gpu_result_low(&g[1], NAN), "no threshold: nothing fails");
	tap_ok(g[2].link_low, "GPU2: still 2.5 GT/s while copying: the link is low");
	tap_is_str(g[2].under_load, "Gen1 x16", "GPU2: under load it shows Gen1 x16");
	tap_is_int(r->npeers, 2, "peer copies both ways between GPUs 0 and 1, none with GPU2");
	tap_ok(r->npeers == 2 && near(r->peers[0].gbps, 150) && r->peers[0].a == 0 && r->peers[0].b == 1,
	       "GPU0 -> GPU1 at 150 GB/s");
}

/* [verify] gpu_h2d_fraction = 0.80 on that run. */
static void check_targets(const struct gpu_report *r)
{
	struct bench_targets t;
	struct bench_check *c = NULL;
	size_t n = 0;

	bench_targets_init(&t);
	tap_ok(bench_targets_set(&t, "gpu_h2d_fraction", "0.80") == 0, "gpu_h2d_fraction 0.80 is a target");
	tap_ok(bench_targets_set(&t, "gpu_h2d_fraction", "1.2") == -ERANGE, "gpu_h2d_fraction 1.2 is out of range");
	tap_ok(gpu_targets_check(r, &t, &c, &n) == 0 && n == 3, "one check per GPU");
	if (n == 3) {
		tap_is_str(c[0].name, "gpu_h2d_fraction[0000:18:00.0]", "named after the GPU");
		tap_ok(c[0].status == BENCH_CHECK_PASS, "GPU0 passes: %s", c[0].message);
		tap_ok(c[1].status == BENCH_CHECK_FAIL, "GPU1 fails: %s", c[1].message);
		tap_ok(strstr(c[1].message, "below the 80% required") != NULL, "... and says by how much");
		tap_ok(c[2].status == BENCH_CHECK_FAIL, "GPU2 fails too: %s", c[2].message);
	}
	bench_checks_free(c, n);
}

int main(void)
{
	const char *build = getenv("BUILDDIR");
	char lib[4096], root[] = "/tmp/rigtune-test-gpu-bench.XXXXXX";
	struct gpu_bench_options opt = {.ops = &gpu_cuda_ops, .bytes = 1 << 20, .reps = 4};
	struct gpu_report *r = NULL;
	struct sysroot *sr = NULL;
	struct host h;

	snprintf(lib, sizeof(lib), "%s/tests/fakecuda/libcuda-fake.so", build ? build : ".");
	if (access(lib, R_OK) != 0 || !mkdtemp(root)) {
		tap_skip("tests/fakecuda/libcuda-fake.so is not built");
		return tap_done();
	}
	opt.library = lib;
	host_build(&h, root);
	setenv("FAKECUDA_DEVICES", "0000:18:00.0=55/50,0000:9d:00.0=20/20,0000:d1:00.0=3/3", 1);
	setenv("FAKECUDA_PEER", "0-1=150", 1);
	tap_ok(sysroot_open(root, &sr) == 0, "tree opens");
	tap_ok(gpu_bench_run(sr, &h, &opt, &r) == 0 && r, "the run returns a report");
	if (r)
		check_rates(r);
	if (r)
		check_targets(r);
	gpu_report_free(r);
	r = NULL;
	setenv("FAKECUDA_FAIL", "cuMemHostAlloc", 1);
	tap_ok(gpu_bench_run(sr, &h, &opt, &r) == 0 && r && r->error &&
	       !strcmp(r->error, "GPU0 0000:18:00.0: pinned host memory: out of memory"),
	       "a failing call stops the run and names the GPU and the call (%s)", r && r->error ? r->error : "none");
	gpu_report_free(r);
	unsetenv("FAKECUDA_FAIL");
	r = NULL;
	opt.library = "/nonexistent/libcuda.so.1";
	tap_ok(gpu_bench_run(sr, &h, &opt, &r) == 0 && r && r->error && strstr(r->error, "cannot load"),
	       "a library that is not there: said so (%s)", r && r->error ? r->error : "none");
	gpu_report_free(r);
	sysroot_free(sr);
	host_free(&h);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
