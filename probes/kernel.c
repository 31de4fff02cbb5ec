/* Kernel and platform: release, command line, virtualization. Reads
 * proc/sys/kernel/osrelease (or proc/version), proc/cmdline, proc/cpuinfo's
 * hypervisor flag, sys/hypervisor/type and sys/class/dmi/id. On the live
 * host the CPUID hypervisor leaf names the hypervisor behind the flag. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "common/util.h"
#include "probes/host.h"

static char *release_from_version(const struct sysroot *sr)
{
	_cleanup_free_ char *v = NULL;
	char rel[256];

	/* "Linux version 6.1.0-26-amd64 (...)" */
	if (sr_read_string(sr, &v, "proc/version") < 0 ||
	    sscanf(v, "Linux version %255s", rel) != 1)
		return NULL;
	return strdup(rel);
}

/* DMI vendor strings of hypervisors, as systemd-detect-virt knows them. */
static const struct {
	const char *dmi, *virt;
} dmi_vendors[] = {
	{"KVM", "kvm"}, {"Amazon EC2", "amazon"}, {"QEMU", "qemu"},
	{"VMware", "vmware"}, {"VMW", "vmware"}, {"innotek GmbH", "oracle"},
	{"VirtualBox", "oracle"}, {"Xen", "xen"}, {"Bochs", "bochs"},
	{"Parallels", "parallels"}, {"BHYVE", "bhyve"}, {"Hyper-V", "microsoft"},
	{"Google Compute Engine", "google"}, {"OpenStack", "kvm"},
};

static const char *virt_from_dmi(const char *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(dmi_vendors); i++)
		if (startswith(s, dmi_vendors[i].dmi))
			return dmi_vendors[i].virt;
	return NULL;
}

static bool cpuinfo_has_hypervisor_flag(const struct sysroot *sr)
{
	_cleanup_free_ char *info = NULL;
	char *l, *end;

	if (cpuinfo_first_stanza(sr, &info) < 0 || !(l = strstr(info, "\nflags")))
		return false;
	end = strchr(l + 1, '\n');
	if (end)
		*end = '\0';
	return strstr(l, " hypervisor") != NULL;
}

static const char *virt_from_cpuid(void)
{
#if defined(__x86_64__) || defined(__i386__)
	static const struct {
		const char *sig, *virt;
	} sigs[] = {
		{"KVMKVMKVM", "kvm"}, {"Linux KVM Hv", "kvm"}, {"Microsoft Hv", "microsoft"},
		{"VMwareVMware", "vmware"}, {"XenVMMXenVMM", "xen"}, {"TCGTCGTCGTCG", "qemu"},
		{"bhyve bhyve ", "bhyve"}, {"ACRNACRNACRN", "acrn"},
	};
	unsigned a, b, c, d;
	char sig[13] = {0};

	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (startswith(sig, sigs[i].sig))
			return sigs[i].virt;
#endif
	return NULL;
}

static void detect_virtualization(const struct sysroot *sr, struct kernel_info *k)
{
	_cleanup_free_ char *hv = NULL;
	const char *virt = NULL, *source = NULL;

	if (sr_read_string(sr, &hv, "sys/hypervisor/type") == 0 && *hv) {
		virt = hv;
		source = "sys/hypervisor/type";
	} else if ((virt = virt_from_dmi(k->dmi_sys_vendor)) ||
		   (virt = virt_from_dmi(k->dmi_product))) {
		source = "DMI vendor";
	} else if (cpuinfo_has_hypervisor_flag(sr)) {
		source = "cpuinfo hypervisor flag";
		virt = sr->live ? virt_from_cpuid() : NULL;
		if (virt)
			source = "CPUID hypervisor leaf";
		else
			virt = "unknown";
	}
	if (virt) {
		k->virtualization = strdup(virt);
		k->virt_source = strdup(source);
	}
}

int kernel_probe_collect(const struct sysroot *sr, const struct probe_options *opt, struct host *h)
{
	struct kernel_info *k = &h->kernel;

	if (sr_read_string(sr, &k->release, "proc/sys/kernel/osrelease") < 0)
		k->release = release_from_version(sr);
	if (sr_read_file(sr, &k->cmdline, NULL, "proc/cmdline") == 0) {
		char *t = strstrip(k->cmdline);

		memmove(k->cmdline, t, strlen(t) + 1);
	}
	(void)sr_read_string(sr, &k->dmi_sys_vendor, "sys/class/dmi/id/sys_vendor");
	(void)sr_read_string(sr, &k->dmi_product, "sys/class/dmi/id/product_name");
	detect_virtualization(sr, k);
	return 0;
}

void kernel_probe_release(struct host *h)
{
	struct kernel_info *k = &h->kernel;

	free(k->release);
	free(k->cmdline);
	free(k->virtualization);
	free(k->virt_source);
	free(k->dmi_sys_vendor);
	free(k->dmi_product);
}
