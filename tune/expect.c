/* [expect]: what a rig checklist asks of the hardware and the boot
 * configuration, audited from the probed host and never written. One
 * row per key (expect_keys, at the end: type, range, doc, check, hint);
 * a value the host cannot tell (no DMI, no PCI access) is a skip that
 * says why, never a pass. */
#include <errno.h>
#include <stdio.h>

#include "common/util.h"
#include "tune/audit.h"
#include "tune/knobs.h"
#include "tune/schema.h"

static int add(struct audit *a, const struct profile_entry *e, enum check_status st, const char *expected,
	       const char *actual, const char *hint, const char *note)
{
	_cleanup_free_ char *id = xasprintf("expect.%s", e->key);

	if (!id)
		return -ENOMEM;
	return audit_add(a, id, st, e, expected ? expected : e->value, actual, st == CHECK_FAIL ? hint : NULL, note);
}

static int skip(struct audit *a, const struct profile_entry *e, const char *why)
{
	return add(a, e, CHECK_SKIP, NULL, NULL, NULL, why);
}

/* A count the host reports (UNKNOWN: skip with why), equal or at least. */
static int check_number(struct audit *a, const struct profile_entry *e, int64_t actual, bool at_least,
			const char *unit, const char *hint, const char *why_unknown)
{
	_cleanup_free_ char *exp = NULL, *act = NULL;
	uint64_t want;
	bool ok;

	if (schema_parse_count(e->value, &want) < 0)
		return add(a, e, CHECK_ERROR, NULL, NULL, NULL, "not a whole number");
	if (actual < 0)
		return skip(a, e, why_unknown);
	exp = xasprintf("%s%s%s", at_least ? "at least " : "", e->value, unit);
	act = xasprintf("%lld%s", (long long)actual, unit);
	if (!exp || !act)
		return -ENOMEM;
	ok = at_least ? (uint64_t)actual >= want : (uint64_t)actual == want;
	return add(a, e, ok ? CHECK_PASS : CHECK_FAIL, exp, act, hint, NULL);
}

static int check_bool(struct audit *a, const struct profile_entry *e, int actual, const char *hint,
		      const char *why_unknown)
{
	bool want;

	if (parse_bool(e->value, &want) < 0)
		return add(a, e, CHECK_ERROR, NULL, NULL, NULL, "not a boolean");
	if (actual < 0)
		return skip(a, e, why_unknown);
	return add(a, e, (actual != 0) == want ? CHECK_PASS : CHECK_FAIL, want ? "yes" : "no",
		   actual ? "yes" : "no", hint, NULL);
}

static int check_string(struct audit *a, const struct profile_entry *e, const char *actual, bool substring,
			const char *hint, const char *why_unknown)
{
	bool ok;

	if (!actual)
		return skip(a, e, why_unknown);
	ok = substring ? strcasestr(actual, e->value) != NULL : !strcmp(actual, e->value);
	return add(a, e, ok ? CHECK_PASS : CHECK_FAIL, NULL, actual, hint, NULL);
}

#define RULE(name) static int name(const struct knob_ctx *ctx, const struct profile_entry *e, struct audit *a, \
				    const char *hint)

RULE(expect_numa_nodes)
{
	const struct numa_info *n = &ctx->host->numa;

	return check_number(a, e, (int64_t)n->nnodes, false, "", hint, NULL);
}

RULE(expect_sockets)
{
	return check_number(a, e, ctx->host->cpu.sockets, false, "", hint, "the CPU topology is unknown");
}

RULE(expect_cores)
{
	return check_number(a, e, ctx->host->cpu.cores, false, "", hint, "the CPU topology is unknown");
}

RULE(expect_threads)
{
	return check_number(a, e, ctx->host->cpu.threads, false, "", hint, "the CPU topology is unknown");
}

RULE(expect_smt)
{
	return check_bool(a, e, ctx->host->cpu.smt, hint, "the CPU topology is unknown");
}

RULE(expect_cpu_vendor)
{
	return check_string(a, e, ctx->host->cpu.vendor, false, hint, "no vendor_id in /proc/cpuinfo");
}

RULE(expect_cpu_model)
{
	return check_string(a, e, ctx->host->cpu.model_name, true, hint, "no model name in /proc/cpuinfo");
}

static const char *memory_unknown(const struct host *h)
{
	return h->memory.unknown_reason ? h->memory.unknown_reason
					: "no SMBIOS memory device records (/sys/firmware/dmi/tables)";
}

RULE(expect_memory_channels)
{
	return check_number(a, e, ctx->host->memory.channels_populated, false, " channels", hint,
			    memory_unknown(ctx->host));
}

RULE(expect_memory_gb_min)
{
	const struct numa_info *n = &ctx->host->numa;
	int64_t bytes = 0;

	for (size_t i = 0; i < n->nnodes && bytes >= 0; i++)
		bytes = n->nodes[i].memory_bytes < 0 ? UNKNOWN : bytes + n->nodes[i].memory_bytes;
	return check_number(a, e, bytes < 0 ? UNKNOWN : bytes >> 30, true, " GiB", hint,
			    "no MemTotal in the node or system meminfo");
}

/* The slowest configured speed of the populated DIMMs. */
RULE(expect_memory_mts_min)
{
	const struct memory_info *m = &ctx->host->memory;
	int slowest = UNKNOWN;

	for (size_t i = 0; i < m->ndimms; i++)
		if (m->dimms[i].populated && m->dimms[i].configured_mts > 0 &&
		    (slowest < 0 || m->dimms[i].configured_mts < slowest))
			slowest = m->dimms[i].configured_mts;
	return check_number(a, e, slowest, true, " MT/s", hint, memory_unknown(ctx->host));
}

RULE(expect_dimm_type)
{
	const struct memory_info *m = &ctx->host->memory;
	const char *other = NULL, *seen = NULL;

	for (size_t i = 0; i < m->ndimms; i++) {
		const char *t = m->dimms[i].populated ? m->dimms[i].type : NULL;

		if (!t)
			continue;
		seen = seen ? seen : t;
		if (strcmp(t, e->value))
			other = t;
	}
	if (!seen)
		return skip(a, e, memory_unknown(ctx->host));
	return add(a, e, other ? CHECK_FAIL : CHECK_PASS, NULL, other ? other : seen, hint, NULL);
}

/* ---- PCIe ---- */

static int pcie_count(const struct knob_ctx *ctx, const struct profile_entry *e, struct audit *a,
		      const char *cls, const char *hint)
{
	const struct pci_info *pci = &ctx->host->pci;
	int64_t n = 0;

	for (size_t i = 0; i < pci->ndevices; i++)
		n += tune_device_in_class(pci->devices[i].class_code, pci->devices[i].vendor_id, cls);
	return check_number(a, e, pci->ndevices ? n : UNKNOWN, false, "", hint,
			    pci->error ? pci->error : "no PCI devices found (PCI probe unavailable)");
}

/* One device's link against the wanted generation or width. An idle GPU
 * that trained its link down to save power passes on its capability. */
static bool link_ok(const struct pci_device *d, bool gen, uint64_t want, bool *idle)
{
	int cur = gen ? d->link.gen : d->link.width, max = gen ? d->link.max_gen : d->link.max_width;

	*idle = false;
	if (cur >= 0 && (uint64_t)cur >= want)
		return true;
	*idle = d->link.idle_downgrade && max >= 0 && (uint64_t)max >= want;
	return *idle;
}

static int pcie_link(const struct knob_ctx *ctx, const struct profile_entry *e, struct audit *a,
		     const char *cls, bool gen, const char *hint)
{
	const struct pci_info *pci = &ctx->host->pci;
	struct strbuf bad = {0}, idle = {0};
	size_t n = 0, nbad = 0;
	uint64_t want;
	int r = schema_parse_count(e->value, &want);

	for (size_t i = 0; r >= 0 && i < pci->ndevices; i++) {
		const struct pci_device *d = &pci->devices[i];
		int v = gen ? d->link.gen : d->link.width;
		bool was_idle;

		if (!tune_device_in_class(d->class_code, d->vendor_id, cls) || !d->has_link || v < 0)
			continue;
		n++;
		if (link_ok(d, gen, want, &was_idle))
			r = was_idle ? strbuf_printf(&idle, "%s%s", idle.len ? ", " : "", d->bdf) : 0;
		else if (nbad++ < 4)
			r = strbuf_printf(&bad, "%s%s %s%d%s%s", bad.len ? ", " : "", d->bdf, gen ? "Gen" : "x", v,
					  d->limiting_hop ? " limited by " : "", d->limiting_hop ? d->limiting_hop : "");
	}
	if (r >= 0) {
		_cleanup_free_ char *exp = xasprintf("%s%s on every %s", gen ? "Gen" : "x", e->value, cls);
		_cleanup_free_ char *act = nbad ? xasprintf("%s%s", bad.buf, nbad > 4 ? " ..." : "")
						: xasprintf("%s%s on all %zu", gen ? "Gen" : "x", e->value, n);
		_cleanup_free_ char *note = idle.len ? xasprintf("idle link trained down to save power, "
								  "full %s under load: %s", gen ? "speed" : "width",
								  idle.buf) : NULL;

		if (!exp || !act || (idle.len && !note))
			r = -ENOMEM;
		else if (n == 0)
			r = skip(a, e, pci->ndevices ? "no device of this class with a PCIe link"
						     : "no PCI devices found (PCI probe unavailable)");
		else
			r = add(a, e, nbad ? CHECK_FAIL : CHECK_PASS, exp, act, hint, note);
	}
	strbuf_release(&bad);
	strbuf_release(&idle);
	return r;
}

RULE(expect_pcie)
{
	const char *cls, *attr;

	if (schema_parse_pcie_key(e->key, &cls, &attr) < 0)
		return add(a, e, CHECK_ERROR, NULL, NULL, NULL, "not pcie.<class>.gen, .width or .count");
	if (!strcmp(attr, "count"))
		return pcie_count(ctx, e, a, cls, hint);
	return pcie_link(ctx, e, a, cls, !strcmp(attr, "gen"), hint);
}

/* ---- kernel ---- */

/* A token "name=value" matches itself; "name" matches "name" and any
 * "name=...". */
static bool cmdline_has(char *const *words, const char *token)
{
	size_t n = strlen(token);

	for (size_t i = 0; words[i]; i++)
		if (!strcmp(words[i], token) || (!strchr(token, '=') && !strncmp(words[i], token, n) &&
						 words[i][n] == '='))
			return true;
	return false;
}

static int cmdline_tokens(const struct knob_ctx *ctx, const struct profile_entry *e, struct audit *a,
			  bool present, const char *hint)
{
	_cleanup_strv_ char **words = NULL, **want = NULL;
	struct strbuf wrong = {0};
	int r;

	if (!ctx->host->kernel.cmdline)
		return skip(a, e, "no /proc/cmdline");
	if (strv_split(ctx->host->kernel.cmdline, " \t", &words) < 0 || strv_split(e->value, " \t", &want) < 0)
		return -ENOMEM;
	r = 0;
	for (size_t i = 0; want[i] && r >= 0; i++)
		if (cmdline_has(words, want[i]) != present)
			r = strbuf_printf(&wrong, "%s%s", wrong.len ? " " : "", want[i]);
	if (r >= 0) {
		_cleanup_free_ char *exp = xasprintf("%s %s", present ? "has" : "lacks", e->value);
		_cleanup_free_ char *act = wrong.len ? xasprintf("%s %s", present ? "missing" : "has", wrong.buf)
						     : strdup(present ? "all present" : "none present");

		r = exp && act ? add(a, e, wrong.len ? CHECK_FAIL : CHECK_PASS, exp, act, hint, NULL) : -ENOMEM;
	}
	strbuf_release(&wrong);
	return r;
}

RULE(expect_kernel_cmdline)
{
	return cmdline_tokens(ctx, e, a, true, hint);
}

RULE(expect_kernel_cmdline_absent)
{
	return cmdline_tokens(ctx, e, a, false, hint);
}

RULE(expect_virtualization)
{
	const char *v = ctx->host->kernel.virtualization;
	bool ok = !strcmp(e->value, "none") ? !v : !strcmp(e->value, "any") ? v != NULL : v && !strcmp(v, e->value);

	return add(a, e, ok ? CHECK_PASS : CHECK_FAIL, NULL, v ? v : "none", hint,
		   ctx->host->kernel.virt_source);
}

/* ---- GPU links and IRQs ---- */

RULE(expect_xgmi_complete)
{
	const struct links_info *l = &ctx->host->links;
	_cleanup_free_ char *missing = NULL;
	bool want;

	if (parse_bool(e->value, &want) < 0)
		return add(a, e, CHECK_ERROR, NULL, NULL, NULL, "not a boolean");
	if (l->ngpus == 0)
		return skip(a, e, "no AMD GPUs in the KFD topology (amdgpu not loaded, or none installed)");
	if (l->xgmi_missing && l->xgmi_missing[0] && !(missing = strv_join(l->xgmi_missing, ", ")))
		return -ENOMEM;
	{
		_cleanup_free_ char *act = missing ? xasprintf("missing %s", missing) : strdup("complete");

		if (!act)
			return -ENOMEM;
		return add(a, e, !missing == want ? CHECK_PASS : CHECK_FAIL, want ? "complete" : "incomplete",
			   act, hint, NULL);
	}
}

/* The fewest active links of any GPU; a GPU NVML knows without a link
 * listed has none. */
RULE(expect_nvlink_active_min)
{
	const struct links_info *l = &ctx->host->links;
	int64_t fewest = UNKNOWN, gpus = 0;

	for (size_t i = 0; i < l->nnvlink; i++) {
		int64_t n = 0;
		bool first = true;

		for (size_t k = 0; k < l->nnvlink; k++) {
			bool same = !strcmp(l->nvlink[k].gpu, l->nvlink[i].gpu);

			n += same && l->nvlink[k].active;
			first &= !same || k >= i;
		}
		gpus += first;
		fewest = fewest < 0 || n < fewest ? n : fewest;
	}
	if (l->nvlink_gpus > 0 && gpus < l->nvlink_gpus)
		fewest = 0;
	return check_number(a, e, fewest, true, " active links per GPU", hint,
			    l->nvlink_note ? l->nvlink_note : "no NVLink information (NVML not available)");
}

/* Are the IRQs of the [irq] devices (default nic, nvme, gpu) on their
 * node? Plans local-node placement without writing it. */
RULE(expect_irq_local)
{
	const struct profile_entry *dev = profile_get(ctx->profile, "irq", "devices");
	_cleanup_strv_ char **items = NULL;
	struct plan plan = {0};
	size_t total = 0, remote = 0;
	bool want;
	int r;

	if (parse_bool(e->value, &want) < 0)
		return add(a, e, CHECK_ERROR, NULL, NULL, NULL, "not a boolean");
	r = schema_split_list(dev ? dev->value : "nic, nvme, gpu", &items);
	if (r >= 0)
		r = irq_plan_devices(ctx, e, "local-node", items, &plan);
	for (size_t i = 0; r >= 0 && i < plan.nactions; i++) {
		total += plan.actions[i].state == ACTION_CHANGE || plan.actions[i].state == ACTION_IN_PLACE;
		remote += plan.actions[i].state == ACTION_CHANGE;
	}
	if (r >= 0) {
		_cleanup_free_ char *act = xasprintf("%zu of %zu IRQs off their device's node", remote, total);

		r = !act ? -ENOMEM
		    : total == 0 ? skip(a, e, "no IRQs of the selected devices (or the kernel manages them)")
				 : add(a, e, (remote == 0) == want ? CHECK_PASS : CHECK_FAIL,
				       want ? "all IRQs on their device's node" : "some IRQs elsewhere", act, hint, NULL);
	}
	plan_release(&plan);
	return r;
}

/* ---- THP as found (when a profile audits without setting it) ---- */

RULE(expect_thp)
{
	const struct thp_info *t = &ctx->host->thp;
	const char *v = !strcmp(e->key, "thp.enabled") ? t->enabled : !strcmp(e->key, "thp.defrag") ? t->defrag
											      : t->shmem_enabled;

	return check_string(a, e, v, false, hint, "no transparent hugepage settings on this kernel");
}

/* Every GPU's link at least this wide: what it trained at, or what its
 * slot allows when it idles (an x8-wired slot is a finding of its own,
 * info unless the profile asks for more, here). */
RULE(expect_gpu_link_width_min)
{
	const struct pci_info *pci = &ctx->host->pci;
	struct strbuf bad = {0};
	uint64_t want;
	size_t n = 0;
	int r = schema_parse_count(e->value, &want);

	for (size_t i = 0; r >= 0 && i < pci->ndevices; i++) {
		const struct pci_device *d = &pci->devices[i];

		if (!tune_device_in_class(d->class_code, d->vendor_id, "gpu") || !d->has_link || d->link.width <= 0)
			continue;
		n++;
		if ((uint64_t)d->link.width < want)
			r = strbuf_printf(&bad, "%s%s x%d", bad.len ? ", " : "", d->bdf, d->link.width);
	}
	if (r >= 0) {
		_cleanup_free_ char *exp = xasprintf("at least x%s on every GPU", e->value);
		_cleanup_free_ char *act = bad.len ? strdup(bad.buf) : xasprintf("%zu GPUs at x%s or more", n, e->value);

		r = !exp || !act ? -ENOMEM
		    : n == 0     ? skip(a, e, "no GPU with a PCIe link")
				 : add(a, e, bad.len ? CHECK_FAIL : CHECK_PASS, exp, act, hint, NULL);
	}
	strbuf_release(&bad);
	return r;
}

/* Waivers are applied where findings become checks (tune/findings.c),
 * which reports each one with its file:line. */
RULE(expect_waive)
{
	(void)ctx, (void)e, (void)a, (void)hint;
	return 0;
}

#undef RULE

static const char *const dimm_types[] = {"DDR3", "DDR4", "DDR5", "LPDDR4", "LPDDR5", "HBM2", "HBM3", NULL};
static const char *const virt_kinds[] = {"none", "any", "kvm", "qemu", "xen", "vmware", "microsoft",
					 "oracle", "amazon", "powervm", "zvm", "bhyve", "parallels", NULL};

/* Rows "pcie.<class>.gen" etc.: the row whose attribute the key names. */
static int match_pcie(const struct schema_key *k, const char *key, char **msg)
{
	_cleanup_free_ char *q = NULL;
	const char *cls, *attr;

	if (!startswith(key, "pcie."))
		return 0;
	if (schema_parse_pcie_key(key, &cls, &attr) == 0)
		return endswith(k->name, attr);
	if (strcmp(k->name, "pcie.<class>.gen"))
		return 0;       /* report it once, from the first pcie row */
	q = schema_quote(key);
	return q ? schema_fail(msg, "[expect] %s: expected pcie.<class>.gen, .width or .count with <class> "
			"one of gpu, nic, nvme, accel, storage", q) : -ENOMEM;
}

static int check_cmdline(const struct profile *p, const struct profile_entry **at, char **msg)
{
	const struct profile_entry *want = profile_get(p, "expect", "kernel_cmdline");
	const struct profile_entry *absent = profile_get(p, "expect", "kernel_cmdline_absent");
	_cleanup_strv_ char **a = NULL, **b = NULL;

	if (!want || !absent)
		return 0;
	if (strv_split(want->value, " \t", &a) < 0 || strv_split(absent->value, " \t", &b) < 0)
		return -ENOMEM;
	for (size_t i = 0; a[i]; i++) {
		const struct profile_entry *first = want < absent ? want : absent;

		if (!strv_contains(b, a[i]))
			continue;
		*at = want < absent ? absent : want;
		return schema_fail(msg, "[expect] %s: '%s' is also in %s (%s:%d)", (*at)->key, a[i],
			    first->key, first->file, first->line);
	}
	return 0;
}

#define PCIE_HINT "reseat the card, use a full-width slot of the right generation, check risers and BIOS " \
	"PCIe speed settings; `rigtune probe` names the limiting hop"
#define THP_HINT "set it in [thp] and rigtune apply, or transparent_hugepage= on the kernel command line"

/* One row per key: its value's type and range, what it means, the check
 * and the hint shown when the check fails. */
static const char *const acs_choices[] = {"off", "on", NULL};

static const struct schema_key expect_keys[] = {
	{SCHEMA_COUNT("numa_nodes", 1, SCHEMA_NODE_MAX + 1), .doc = "NUMA nodes the kernel sees",
	 .check = expect_numa_nodes, .probes = PROBE_BIT(PROBE_NUMA), .hint = "BIOS NUMA setting: NPS (nodes per socket) on AMD EPYC, SNC on "
	 "Intel; numa=off on the kernel command line hides the nodes"},
	{SCHEMA_COUNT("sockets", 1, 64), .doc = "CPU packages",
	 .check = expect_sockets, .probes = PROBE_BIT(PROBE_CPU), .hint = "a CPU missing or disabled (lscpu)"},
	{SCHEMA_COUNT("cores", 1, 1 << 20), .doc = "physical cores, all sockets",
	 .check = expect_cores, .probes = PROBE_BIT(PROBE_CPU), .hint = "cores disabled in BIOS (downcore, CCD settings), or maxcpus=/nr_cpus= "
	 "on the kernel command line"},
	{SCHEMA_COUNT("threads", 1, 1 << 20), .doc = "logical CPUs",
	 .check = expect_threads, .probes = PROBE_BIT(PROBE_CPU), .hint = "SMT off, cores disabled in BIOS, or maxcpus=/nr_cpus= on the kernel "
	 "command line"},
	{SCHEMA_BOOL("smt"), .doc = "SMT siblings present",
	 .check = expect_smt, .probes = PROBE_BIT(PROBE_CPU), .hint = "BIOS SMT setting; at run time /sys/devices/system/cpu/smt/control; nosmt "
	 "on the kernel command line"},
	{SCHEMA_TEXT("cpu_vendor", V_NAME, 64), .doc = "cpuinfo vendor_id: AuthenticAMD",
	 .check = expect_cpu_vendor, .probes = PROBE_BIT(PROBE_CPU), .hint = "this host has another CPU than the profile is for"},
	{SCHEMA_TEXT("cpu_model", V_STRING, 256), .doc = "a substring of the model name",
	 .check = expect_cpu_model, .probes = PROBE_BIT(PROBE_CPU), .hint = "this host has another CPU than the profile is for"},
	{SCHEMA_COUNT("memory_channels", 1, 1024), .doc = "DIMM channels populated",
	 .check = expect_memory_channels, .probes = PROBE_BIT(PROBE_MEMORY), .hint = "populate one DIMM in every channel (dmidecode -t memory "
	 "shows the empty slots): each empty channel costs its share of bandwidth"},
	{SCHEMA_COUNT("memory_gb_min", 1, 1ULL << 24), .doc = "GiB the kernel sees, all nodes",
	 .check = expect_memory_gb_min, .probes = PROBE_BIT(PROBE_NUMA), .hint = "DIMMs missing or not trained (dmidecode -t memory), or mem= on "
	 "the kernel command line"},
	{SCHEMA_COUNT("memory_mts_min", 1, 100000), .doc = "configured DIMM speed, MT/s",
	 .check = expect_memory_mts_min, .probes = PROBE_BIT(PROBE_MEMORY), .hint = "BIOS memory speed (set the DIMMs' rated speed); mixed DIMMs "
	 "run at the slowest; two DIMMs per channel run slower"},
	{SCHEMA_CHOICE("dimm_type", dimm_types), .doc = "every populated DIMM's type",
	 .check = expect_dimm_type, .probes = PROBE_BIT(PROBE_MEMORY), .hint = "this host has another memory type than the profile is for"},
	{SCHEMA_PATTERN("pcie.<class>.gen", match_pcie, V_COUNT), .min = 1, .max = 6,
	 .doc = "link generation of every device of the class", .check = expect_pcie, .probes = PROBE_BIT(PROBE_PCI), .hint = PCIE_HINT},
	{SCHEMA_PATTERN("pcie.<class>.width", match_pcie, V_WIDTH), .min = 1, .max = 32,
	 .doc = "link width of every device of the class", .check = expect_pcie, .probes = PROBE_BIT(PROBE_PCI), .hint = PCIE_HINT},
	{SCHEMA_PATTERN("pcie.<class>.count", match_pcie, V_COUNT), .min = 0, .max = 4096,
	 .doc = "devices of the class", .check = expect_pcie, .probes = PROBE_BIT(PROBE_PCI), .hint = PCIE_HINT},
	{SCHEMA_TEXT("kernel_cmdline", V_TOKENS, 0), .doc = "each token present",
	 .check = expect_kernel_cmdline, .probes = PROBE_BIT(PROBE_KERNEL), .hint = "add it to GRUB_CMDLINE_LINUX in /etc/default/grub, run "
	 "update-grub (or grub2-mkconfig -o /boot/grub2/grub.cfg) and reboot"},
	{SCHEMA_TEXT("kernel_cmdline_absent", V_TOKENS, 0), .doc = "none present",
	 .check = expect_kernel_cmdline_absent, .probes = PROBE_BIT(PROBE_KERNEL), .hint = "remove it from GRUB_CMDLINE_LINUX in /etc/default/grub, "
	 "run update-grub and reboot"},
	{SCHEMA_CHOICE("virtualization", virt_kinds), .doc = "none (bare metal), any, or the hypervisor",
	 .check = expect_virtualization, .probes = PROBE_BIT(PROBE_KERNEL), .hint = "the profile is for another platform (none: bare metal)"},
	{SCHEMA_BOOL("xgmi.complete"), .doc = "every AMD GPU pair of a hive linked",
	 .check = expect_xgmi_complete, .probes = PROBE_BIT(PROBE_LINKS), .hint = "check the xGMI bridges or cabling of the hive; dmesg | grep -i "
	 "xgmi; rocm-smi --showtopo"},
	{SCHEMA_COUNT("nvlink.active_min", 0, 64), .doc = "active NVLink links per NVIDIA GPU",
	 .check = expect_nvlink_active_min, .probes = PROBE_BIT(PROBE_LINKS), .hint = "nvidia-smi nvlink --status; check NVLink bridges, NVSwitch "
	 "and nvidia-fabricmanager"},
	{SCHEMA_CHOICE("pcie_acs", acs_choices), .doc = "ACS P2P redirect on every PCIe switch downstream "
	 "port: off for GPU peer-to-peer, on for passthrough isolation", .check = expect_pcie_acs, .probes = PROBE_BIT(PROBE_PCI),
	 .hint = "BIOS: PCIe ACS (or 'ACS override') setting; at run time setpci on the ports' ECAP_ACS+6; "
	 "NVIDIA's P2P guide asks for it off on bare metal"},
	{SCHEMA_BOOL("gpu_passthrough"), .doc = "every GPU ready for a VM: IOMMU on, alone in its IOMMU "
	 "group with its audio function, both on vfio-pci", .check = expect_gpu_passthrough, .probes = PROBE_BIT(PROBE_PCI) | PROBE_BIT(PROBE_IOMMU),
	 .hint = "IOMMU on in BIOS and amd_iommu=on/intel_iommu=on; ACS on at the switch ports (pcie_acs = on) "
	 "so each GPU gets its own group; bind it with vfio-pci.ids=VENDOR:DEVICE (Proxmox PCI passthrough "
	 "guide)"},
	{SCHEMA_BOOL("irq.local"), .doc = "[irq] devices' IRQs on their node",
	 .check = expect_irq_local, .probes = KNOB_IRQ_PROBES, .hint = "[irq] policy = local-node with these devices, then rigtune apply; "
	 "keep irqbalance off them"},
	{.name = "gpu_link_width_min", .type = V_WIDTH, .min = 1, .max = 32, .doc = "lanes per GPU link, at least",
	 .check = expect_gpu_link_width_min, .probes = PROBE_BIT(PROBE_PCI), .hint = "a slot wired for the GPU's full width (x8/x8 boards split "
	 "the lanes of one x16 between two slots); reseat the card; `rigtune probe` names the hop"},
	{SCHEMA_TEXT("waive", V_STRING, 4096), .doc = "hardware finding ids (or patterns) not to count",
	 .check = expect_waive, .probes = PROBE_NONE, .hint = "correct the waiver's id (rigtune audit lists the finding ids), or "
	 "remove it"},
	{SCHEMA_CHOICE("thp.enabled", thp_enabled_choices), .doc = "THP as found",
	 .check = expect_thp, .probes = PROBE_BIT(PROBE_THP), .hint = THP_HINT},
	{SCHEMA_CHOICE("thp.defrag", thp_defrag_choices), .doc = "THP defrag as found",
	 .check = expect_thp, .probes = PROBE_BIT(PROBE_THP), .hint = THP_HINT},
	{SCHEMA_CHOICE("thp.shmem_enabled", thp_shmem_choices), .doc = "THP for shmem as found",
	 .check = expect_thp, .probes = PROBE_BIT(PROBE_THP), .hint = THP_HINT},
	{0},
};

const struct schema_section expect_section = {
	.name = "expect",
	.doc = "audited, never written",
	.keys = expect_keys,
	.rule = check_cmdline,
};


unsigned expect_key_probes(const char *key)
{
	const struct schema_key *row = schema_key_find(&expect_section, key);

	return row ? row->probes : 0;
}

int expect_audit(const struct knob_ctx *ctx, struct audit *a)
{
	for (const struct profile_entry *e = NULL; (e = profile_next(ctx->profile, "expect", e));) {
		const struct schema_key *row = schema_key_find(&expect_section, e->key);
		int r = row && row->check ? row->check(ctx, e, a, row->hint)
			     : add(a, e, CHECK_ERROR, NULL, NULL, NULL, "this rigtune cannot check this key");

		if (r < 0)
			return r;
	}
	return 0;
}
