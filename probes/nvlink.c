/* NVIDIA NVLink, through NVML loaded at run time (no build dependency):
 * per GPU, per link, its state, NVLink version and the PCI address of the
 * device at the other end (an NVSwitch or a GPU). The library is
 * probe_options.nvml_library, else $RIGTUNE_NVML_LIBRARY (tests point it
 * at a fake NVML; ignored in setuid programs), else libnvidia-ml.so.1.
 * NVML talks to the running driver, so only the live host is asked. The
 * same session reads each GPU's health (probes/gpu-health.c). */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/dlsym.h"
#include "common/util.h"
#include "probes/links.h"
#include "probes/pci.h"
#include "probes/nvml.h"

#define NVML_NVLINK_MAX_LINKS 18
#define NVML_DEFAULT_LIBRARY "libnvidia-ml.so.1"

const char *nvml_bind(struct nvml *n)
{
	static const struct dl_symbol syms[] = {
		{"nvmlInit_v2", offsetof(struct nvml, init)},
		{"nvmlShutdown", offsetof(struct nvml, shutdown)},
		{"nvmlDeviceGetCount_v2", offsetof(struct nvml, count)},
		{"nvmlDeviceGetHandleByIndex_v2", offsetof(struct nvml, handle)},
		{"nvmlDeviceGetPciInfo_v3", offsetof(struct nvml, pci_info)},
		{"nvmlDeviceGetNvLinkState", offsetof(struct nvml, state)},
		{"nvmlDeviceGetNvLinkVersion", offsetof(struct nvml, version)},
		{"nvmlDeviceGetNvLinkRemotePciInfo_v2", offsetof(struct nvml, remote_pci)},
	};

	static const struct dl_symbol optional[] = {
		{"nvmlErrorString", offsetof(struct nvml, error_string)},
	};

	dl_bind_optional(n->dl, n, optional, ARRAY_SIZE(optional));
	nvml_bind_health(n);
	return dl_bind(n->dl, n, syms, ARRAY_SIZE(syms));
}

static const char *nvml_strerror(const struct nvml *n, nvmlReturn_t r, char *buf, size_t size)
{
	const char *s = n->error_string ? n->error_string(r) : NULL;

	if (s)
		return s;
	snprintf(buf, size, "NVML error %d", r);
	return buf;
}

/* NVML's "00000000:1B:00.0" as sysfs writes it, "0000:1b:00.0". */
static char *bdf_from_nvml(const nvmlPciInfo_t *pci)
{
	unsigned domain, bus, dev, fn;

	if (pci_parse_bdf(pci->busId, &domain, &bus, &dev, &fn) < 0)
		return xasprintf("%04x:%02x:%02x.0", pci->domain, pci->bus, pci->device);
	return xasprintf("%04x:%02x:%02x.%x", domain, bus, dev, fn);
}

static int add_nvlink(struct links_info *l, const struct nvml *n, nvmlDevice_t dev, const char *gpu,
		      unsigned link, int active)
{
	struct nvlink_link *v = reallocarray(l->nvlink, l->nnvlink + 1, sizeof(*v));
	nvmlPciInfo_t remote = {0};
	unsigned version;

	if (!v)
		return -ENOMEM;
	l->nvlink = v;
	v = &v[l->nnvlink];
	*v = (struct nvlink_link){.link = (int)link, .active = active == 1, .version = UNKNOWN};
	if (n->version(dev, link, &version) == NVML_SUCCESS && version <= 64)
		v->version = (int)version;
	if (!(v->gpu = strdup(gpu)))
		return -ENOMEM;
	l->nnvlink++;
	if (active == 1 && n->remote_pci(dev, link, &remote) == NVML_SUCCESS && !(v->remote = bdf_from_nvml(&remote)))
		return -ENOMEM;
	return 0;
}

/* Every link NVML knows for one GPU; a link index the GPU does not have is
 * refused (NOT_SUPPORTED or INVALID_ARGUMENT) and left out. */
static int read_gpu(struct host *h, const struct nvml *n, unsigned index)
{
	_cleanup_free_ char *gpu = NULL;
	nvmlPciInfo_t pci = {0};
	nvmlDevice_t dev;

	if (n->handle(index, &dev) != NVML_SUCCESS || n->pci_info(dev, &pci) != NVML_SUCCESS)
		return 0;
	gpu = bdf_from_nvml(&pci);
	if (!gpu)
		return -ENOMEM;
	if (nvml_health_read(n, dev, gpu, &h->gpu_health) < 0)
		return -ENOMEM;
	for (unsigned link = 0; link < NVML_NVLINK_MAX_LINKS; link++) {
		int active = 0, r;

		if (n->state(dev, link, &active) != NVML_SUCCESS)
			continue;
		r = add_nvlink(&h->links, n, dev, gpu, link, active);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_note(struct links_info *l, char *note)
{
	l->nvlink_note = note;
	return note ? 0 : -ENOMEM;
}

/* Initialised NVML: read every GPU, then say why the list is empty. */
static int nvml_read(struct host *h, const struct nvml *n)
{
	struct links_info *l = &h->links;
	unsigned count = 0;
	char buf[32];
	int r;

	r = n->count(&count);
	if (r != NVML_SUCCESS)
		return set_note(l, xasprintf("NVML cannot count GPUs: %s", nvml_strerror(n, r, buf, sizeof(buf))));
	l->nvlink_gpus = (int)count;
	for (unsigned i = 0; i < count; i++) {
		r = read_gpu(h, n, i);
		if (r < 0)
			return r;
	}
	if (!count)
		return set_note(l, strdup("no NVIDIA GPU"));
	if (!l->nnvlink)
		return set_note(l, xasprintf("%u NVIDIA GPU%s without NVLink (PCIe only)", count, count == 1 ? "" : "s"));
	return 0;
}

const char *nvml_library_name(const struct probe_options *opt)
{
	const char *env = secure_getenv("RIGTUNE_NVML_LIBRARY");

	if (opt && opt->nvml_library)
		return opt->nvml_library;
	return env && *env ? env : NVML_DEFAULT_LIBRARY;
}

static int nvml_run(struct host *h, struct nvml *n, const char *lib)
{
	struct links_info *l = &h->links;
	const char *missing = nvml_bind(n);
	char buf[32];
	int r;

	if (missing)
		return set_note(l, xasprintf("%s lacks %s (driver too old)", lib, missing));
	r = n->init();
	if (r != NVML_SUCCESS)
		return set_note(l, xasprintf("NVML did not start: %s", nvml_strerror(n, r, buf, sizeof(buf))));
	r = nvml_read(h, n);
	n->shutdown();
	return r;
}

int nvlink_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	struct links_info *l = &h->links;
	const char *lib = nvml_library_name(opt);
	struct nvml n = {0};
	int r;

	if (!sr->live)
		return set_note(l, strdup("not read from a captured tree"));
	n.dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!n.dl && !strcmp(lib, NVML_DEFAULT_LIBRARY))
		return set_note(l, strdup(NVML_DEFAULT_LIBRARY " not found: no NVIDIA driver"));
	if (!n.dl)
		return set_note(l, xasprintf("cannot load %s: %s", lib, dlerror()));
	r = nvml_run(h, &n, lib);
	dlclose(n.dl);
	return r;
}

void nvlink_release(struct links_info *l)
{
	for (size_t i = 0; i < l->nnvlink; i++) {
		free(l->nvlink[i].gpu);
		free(l->nvlink[i].remote);
	}
	free(l->nvlink);
	free(l->nvlink_note);
	l->nvlink = NULL;
	l->nvlink_note = NULL;
	l->nnvlink = 0;
}
