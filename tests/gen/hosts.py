"""Whole hosts for the tree generators: CPU models, CPU numbering, NUMA
nodes, memory, kernel settings, DMI.  `write_host()` writes everything a
host has except its PCI devices and IRQs, and returns a `HostInfo` that the
generators use to place devices on nodes.

CPU numbering is Linux's on these boxes: first thread of every core,
socket by socket, then the SMT siblings in the same order (2 x 96 cores:
socket 0 = 0-95 and 192-287, socket 1 = 96-191 and 288-383).
"""

from dataclasses import dataclass, field
from typing import Callable, List

import smbios
from sysfs import (Irq, PciDev, cpulist, cpumask, msi_hwirq,  # noqa: F401
                   spread_cpus)


# ------------------------------------------------------------ CPU models --

@dataclass
class Cache:
    level: int
    type: str          # Data, Instruction, Unified
    size_kb: int
    ways: int
    scope: str         # core (with SMT siblings), l3 (a CCX), package


@dataclass
class Freq:
    driver: str                    # acpi-cpufreq or intel_pstate
    governor: str
    governors: str
    min_khz: int
    max_khz: int
    base_khz: int
    steps: List[int] = field(default_factory=list)   # acpi-cpufreq P-states
    epp: str = None


@dataclass
class CpuModel:
    vendor: str
    family: int
    model: int
    stepping: int
    name: str
    microcode: str
    cores_per_socket: int
    cores_per_l3: int
    caches: List[Cache]
    flags: str
    bugs: str
    bogomips: str
    cpuid_level: int
    address_sizes: str
    power_management: str
    freq: Freq
    apicid: Callable            # (socket, core, thread) -> APIC id
    cpuinfo_cache_kb: int
    tlb: str = None             # AMD only
    vmx_flags: str = None       # Intel only
    cluster_is_core: bool = False   # Intel: L2 id = cluster id


_ZEN4_FLAGS = (
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "
    "clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm "
    "constant_tsc rep_good amd_lbr_v2 nopl nonstop_tsc cpuid extd_apicid "
    "aperfmperf rapl pni pclmulqdq monitor ssse3 fma cx16 pcid sse4_1 sse4_2 "
    "x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm "
    "extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw ibs skinit wdt "
    "tce topoext perfctr_core perfctr_nb bpext perfctr_llc mwaitx cpb cat_l3 "
    "cdp_l3 invpcid_single hw_pstate ssbd mba perfmon_v2 ibrs ibpb stibp "
    "ibrs_enhanced vmmcall fsgsbase bmi1 avx2 smep bmi2 erms invpcid cqm rdt_a "
    "avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd "
    "sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves cqm_llc "
    "cqm_occup_llc cqm_mbm_total cqm_mbm_local avx512_bf16 clzero irperf "
    "xsaveerptr rdpru wbnoinvd amd_ppin cppc arat npt lbrv svm_lock nrip_save "
    "tsc_scale vmcb_clean flushbyasid decodeassists pausefilter pfthreshold "
    "avic v_vmsave_vmload vgif x2avic v_spec_ctrl avx512vbmi umip pku ospke "
    "avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg "
    "avx512_vpopcntdq la57 rdpid overflow_recov succor smca fsrm flush_l1d")

_SPR_FLAGS = (
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "
    "clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp "
    "lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology "
    "nonstop_tsc cpuid aperfmperf tsc_known_freq pni pclmulqdq dtes64 monitor "
    "ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid dca sse4_1 "
    "sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand "
    "lahf_lm abm 3dnowprefetch cpuid_fault epb cat_l3 cat_l2 cdp_l3 "
    "invpcid_single intel_ppin cdp_l2 ssbd mba ibrs ibpb stibp ibrs_enhanced "
    "tpr_shadow vnmi flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 "
    "smep bmi2 erms invpcid cqm rdt_a avx512f avx512dq rdseed adx smap "
    "avx512ifma clflushopt clwb intel_pt avx512cd sha_ni avx512bw avx512vl "
    "xsaveopt xsavec xgetbv1 xsaves cqm_llc cqm_occup_llc cqm_mbm_total "
    "cqm_mbm_local split_lock_detect avx_vnni avx512_bf16 wbnoinvd dtherm ida "
    "arat pln pts hwp hwp_act_window hwp_epp hwp_pkg_req avx512vbmi umip pku "
    "ospke waitpkg avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni "
    "avx512_bitalg tme avx512_vpopcntdq la57 rdpid bus_lock_detect cldemote "
    "movdiri movdir64b enqcmd fsrm md_clear serialize tsxldtrk pconfig "
    "arch_lbr ibt amx_bf16 avx512_fp16 amx_tile amx_int8 flush_l1d "
    "arch_capabilities")

_ZEN4_CACHES = [Cache(1, "Data", 32, 8, "core"),
                Cache(1, "Instruction", 32, 8, "core"),
                Cache(2, "Unified", 1024, 8, "core"),
                Cache(3, "Unified", 32768, 16, "l3")]

_ACPI_FREQ = dict(driver="acpi-cpufreq", governor="schedutil",
                  governors="conservative ondemand userspace powersave "
                            "performance schedutil")


def _zen4_apicid(socket, core, thread):
    # 16 APIC ids per CCD (8 cores x 2 threads), sockets 256 apart.
    return (socket << 8) | ((core // 8) << 4) | ((core % 8) << 1) | thread


def epyc_genoa(model_name, cores, base_khz, steps):
    return CpuModel(
        vendor="AuthenticAMD", family=25, model=17, stepping=1,
        name=model_name, microcode="0xa10113e", cores_per_socket=cores,
        cores_per_l3=8, caches=_ZEN4_CACHES, flags=_ZEN4_FLAGS,
        bugs="sysret_ss_attrs spectre_v1 spectre_v2 spec_store_bypass srso",
        bogomips="%.2f" % (base_khz / 500.0 - 0.06), cpuid_level=16,
        address_sizes="52 bits physical, 57 bits virtual",
        power_management="ts ttp tm hwpstate cpb eff_freq_ro [13] [14]",
        freq=Freq(min_khz=steps[-1], max_khz=steps[0], base_khz=base_khz,
                  steps=steps, **_ACPI_FREQ),
        apicid=_zen4_apicid, cpuinfo_cache_kb=1024, tlb="3584 4K pages")


EPYC_9654 = epyc_genoa("AMD EPYC 9654 96-Core Processor", 96, 2400000,
                       [2400000, 1900000, 1500000])
EPYC_9554 = epyc_genoa("AMD EPYC 9554 64-Core Processor", 64, 3100000,
                       [3100000, 2200000, 1500000])

XEON_8480 = CpuModel(
    vendor="GenuineIntel", family=6, model=143, stepping=8,
    name="Intel(R) Xeon(R) Platinum 8480+", microcode="0x2b000590",
    cores_per_socket=56, cores_per_l3=56,
    caches=[Cache(1, "Data", 48, 12, "core"),
            Cache(1, "Instruction", 32, 8, "core"),
            Cache(2, "Unified", 2048, 16, "core"),
            Cache(3, "Unified", 107520, 15, "package")],
    flags=_SPR_FLAGS,
    bugs="spectre_v1 spectre_v2 spec_store_bypass swapgs eibrs_pbrsb gds",
    bogomips="4000.00", cpuid_level=32,
    address_sizes="46 bits physical, 57 bits virtual", power_management="",
    freq=Freq("intel_pstate", "powersave", "performance powersave", 800000,
              3800000, 2000000, epp="balance_performance"),
    apicid=lambda s, c, t: (s << 7) | (c << 1) | t,
    cpuinfo_cache_kb=107520, cluster_is_core=True,
    vmx_flags="vnmi preemption_timer posted_intr invvpid ept_x_only ept_ad "
              "ept_1gb flexpriority apicv tsc_offset vtpr mtf vapic ept vpid "
              "unrestricted_guest vapic_reg vid ple shadow_vmcs pml "
              "ept_mode_based_exec tsc_scaling usr_wait_pause "
              "notify_vm_exiting ipi_virt")


# ---------------------------------------------------------- CPU numbering --

@dataclass
class Cpu:
    num: int
    socket: int
    core: int          # core index inside the socket (= topology core_id)
    thread: int
    l3: int            # L3 instance id (as the kernel's cache "id")
    apicid: int
    node: int


def number_cpus(model, sockets, nps):
    cps = model.cores_per_socket
    per_node = cps // nps
    cpus = []
    for thread in range(2):
        for s in range(sockets):
            for c in range(cps):
                apic = model.apicid(s, c, thread)
                l3 = apic >> 4 if model.cores_per_l3 == 8 else s
                cpus.append(Cpu(len(cpus), s, c, thread, l3, apic,
                                s * nps + c // per_node))
    return cpus


@dataclass
class HostInfo:
    cpus: List[Cpu]
    nodes: list              # list of NodeMem
    nr_cpu_ids: int
    sockets: int
    nps: int
    dmi_facts: dict

    def node_cpus(self, node):
        return [c.num for c in self.cpus if c.node == node]

    def socket_cpus(self, socket):
        return [c.num for c in self.cpus if c.socket == socket]

    def node_of_socket(self, socket, quadrant=0):
        return socket * self.nps + quadrant * self.nps // 4

    def core_groups(self):
        """Per node: (first-thread CPUs, siblings_of) for sysfs.spread_cpus."""
        by_num = {c.num: c for c in self.cpus}
        sib = {}
        for c in self.cpus:
            sib.setdefault((c.socket, c.core), []).append(c.num)

        def siblings_of(n):
            c = by_num[n]
            return sib[(c.socket, c.core)]
        return [([c.num for c in self.cpus if c.node == n.id and c.thread == 0],
                 siblings_of) for n in self.nodes]


# -------------------------------------------------------------- writing --

def write_cpus(t, model, cpus, nr_cpu_ids):
    """/sys/devices/system/cpu (topology, caches, cpufreq), /sys/bus/cpu,
    /proc/cpuinfo."""
    n = nr_cpu_ids
    base = "/sys/devices/system/cpu"
    everything = cpulist(range(n))
    t.attrs(base, {"online": everything, "possible": everything,
                   "present": everything, "offline": "", "isolated": "",
                   "kernel_max": 8191, "nohz_full": " (null)",
                   "modalias": "cpu:type:x86,ven%04Xfam%04Xmod%04X:feature:"
                   % (0 if model.vendor == "GenuineIntel" else 2,
                      model.family, model.model)})
    t.attrs(base + "/smt", {"active": 1, "control": "on"})
    groups = _cpu_groups(model, cpus)
    for c in cpus:
        _write_one_cpu(t, model, c, groups, n)
    _write_cpufreq(t, model, cpus)
    t.write("/proc/cpuinfo", "".join(_cpuinfo(model, c, cpus) for c in cpus))


def _cpu_groups(model, cpus):
    g = {}
    for c in cpus:
        g.setdefault(("core", c.socket, c.core), []).append(c.num)
        g.setdefault(("l3", c.l3), []).append(c.num)
        g.setdefault(("package", c.socket), []).append(c.num)
    return g


def _write_one_cpu(t, model, c, g, n):
    d = "/sys/devices/system/cpu/cpu%d" % c.num
    core = g[("core", c.socket, c.core)]
    pkg = g[("package", c.socket)]
    if model.cluster_is_core:
        cluster, cluster_id = core, _l2_id(c)  # Intel: cluster = L2 = core
    else:
        cluster, cluster_id = [c.num], 65535   # AMD on 6.1: no L2 cluster id
    topo = {
        "physical_package_id": c.socket, "die_id": 0, "core_id": c.core,
        "cluster_id": cluster_id,
        "core_cpus": cpumask(core, n), "core_cpus_list": cpulist(core),
        "thread_siblings": cpumask(core, n),
        "thread_siblings_list": cpulist(core),
        "cluster_cpus": cpumask(cluster, n),
        "cluster_cpus_list": cpulist(cluster),
        "die_cpus": cpumask(pkg, n), "die_cpus_list": cpulist(pkg),
        "core_siblings": cpumask(pkg, n), "core_siblings_list": cpulist(pkg),
        "package_cpus": cpumask(pkg, n), "package_cpus_list": cpulist(pkg),
    }
    t.attrs(d + "/topology", topo)
    for i, cache in enumerate(model.caches):
        shared = core if cache.scope == "core" else \
            g[("l3", c.l3)] if cache.scope == "l3" else pkg
        cid = _l2_id(c) if cache.scope == "core" else c.l3
        t.attrs(d + "/cache/index%d" % i, {
            "level": cache.level, "type": cache.type,
            "size": "%dK" % cache.size_kb, "ways_of_associativity": cache.ways,
            "number_of_sets": cache.size_kb * 1024 // (64 * cache.ways),
            "coherency_line_size": 64, "physical_line_partition": 1,
            "shared_cpu_list": cpulist(shared),
            "shared_cpu_map": cpumask(shared, n), "id": cid})
    if c.num:
        t.attr(d + "/online", 1)
    t.symlink(d + "/node%d" % c.node, "/sys/devices/system/node/node%d" % c.node)
    t.symlink(d + "/subsystem", "/sys/bus/cpu")
    t.symlink(d + "/cpufreq", "/sys/devices/system/cpu/cpufreq/policy%d" % c.num)
    t.symlink("/sys/bus/cpu/devices/cpu%d" % c.num, d)


def _l2_id(c):
    return c.apicid >> 1


def _write_cpufreq(t, model, cpus):
    f = model.freq
    base = "/sys/devices/system/cpu/cpufreq"
    if f.driver == "acpi-cpufreq":
        t.attr(base + "/boost", 1)
    else:
        t.attrs("/sys/devices/system/cpu/intel_pstate", {
            "status": "active", "no_turbo": 0, "max_perf_pct": 100,
            "min_perf_pct": f.min_khz * 100 // f.max_khz, "num_pstates": 31,
            "turbo_pct": 48, "hwp_dynamic_boost": 0})
    for c in cpus:
        p = base + "/policy%d" % c.num
        cur = f.steps[-1] if f.steps else f.base_khz
        a = {"affected_cpus": c.num, "related_cpus": c.num,
             "cpuinfo_min_freq": f.min_khz, "cpuinfo_max_freq": f.max_khz,
             "cpuinfo_transition_latency": 0 if f.epp else 4294967295,
             "scaling_min_freq": f.min_khz, "scaling_max_freq": f.max_khz,
             "scaling_cur_freq": cur, "scaling_driver": f.driver,
             "scaling_governor": f.governor,
             "scaling_available_governors": f.governors + " ",
             "scaling_setspeed": "<unsupported>"}
        if f.steps:
            a["scaling_available_frequencies"] = \
                " ".join(str(s) for s in f.steps) + " "
            a["cpuinfo_cur_freq"] = cur
        if f.epp:
            a["energy_performance_preference"] = f.epp
            a["energy_performance_available_preferences"] = \
                "default performance balance_performance balance_power power "
            a["base_frequency"] = f.base_khz
        t.attrs(p, a)


def _cpuinfo(model, c, cpus):
    siblings = model.cores_per_socket * 2
    lines = [
        ("processor", c.num), ("vendor_id", model.vendor),
        ("cpu family", model.family), ("model", model.model),
        ("model name", model.name), ("stepping", model.stepping),
        ("microcode", model.microcode),
        ("cpu MHz", "%.3f" % (model.freq.base_khz / 1000.0)),
        ("cache size", "%d KB" % model.cpuinfo_cache_kb),
        ("physical id", c.socket), ("siblings", siblings),
        ("core id", c.core), ("cpu cores", model.cores_per_socket),
        ("apicid", c.apicid), ("initial apicid", c.apicid),
        ("fpu", "yes"), ("fpu_exception", "yes"),
        ("cpuid level", model.cpuid_level), ("wp", "yes"),
        ("flags", model.flags)]
    if model.vmx_flags:
        lines.append(("vmx flags", model.vmx_flags))
    lines += [("bugs", model.bugs), ("bogomips", model.bogomips)]
    if model.tlb:
        lines.append(("TLB size", model.tlb))
    lines += [("clflush size", 64), ("cache_alignment", 64),
              ("address sizes", model.address_sizes)]
    out = "".join("%s\t: %s\n" % (k if len(k) >= 8 else k + "\t", v)
                  for k, v in lines)
    pm = model.power_management
    return out + "power management:%s\n\n" % (" " + pm if pm else "")


# ------------------------------------------------------- NUMA and memory --

@dataclass
class NodeMem:
    id: int
    phys_bytes: int          # DIMMs behind this node
    total_kb: int            # MemTotal as the kernel reports it
    hugepages_1g: int = 0
    hugepages_2m: int = 0


def node_memory(cfg, nps):
    """Split the DIMMs of a smbios.MemoryConfig over NUMA nodes: with NPS4
    node q of a socket owns channels 3q..3q+2 (one quadrant)."""
    nodes = []
    for s in range(cfg.sockets):
        for q in range(nps):
            phys = sum(d.size_gib << 30 for d in cfg.populated()
                       if d.socket == s and d.channel * nps // cfg.channels == q)
            nid = s * nps + q
            nodes.append(NodeMem(nid, phys, _memtotal_kb(phys, nid)))
    return nodes


def _memtotal_kb(phys, nid):
    """MemTotal: memory minus the struct pages (1/64) and firmware and
    kernel reservations (1 GiB on node 0, 128 MiB elsewhere)."""
    kb = phys >> 10
    return kb - kb // 64 - (1048576 if nid == 0 else 131072)


def distances(sockets, nps, local=10, same_socket=12, remote=32):
    n = sockets * nps
    return [[local if i == j else same_socket if i // nps == j // nps else remote
             for j in range(n)] for i in range(n)]


def write_numa(t, h, dist):
    base = "/sys/devices/system/node"
    ids = cpulist(n.id for n in h.nodes)
    with_mem = cpulist(n.id for n in h.nodes if n.phys_bytes)
    t.attrs(base, {"online": ids, "possible": ids, "has_cpu": ids,
                   "has_memory": with_mem, "has_normal_memory": with_mem})
    for n in h.nodes:
        d = base + "/node%d" % n.id
        cpus = h.node_cpus(n.id)
        t.attrs(d, {"cpulist": cpulist(cpus),
                    "cpumap": cpumask(cpus, h.nr_cpu_ids),
                    "distance": " ".join(str(x) for x in dist[n.id])})
        t.write(d + "/meminfo", _node_meminfo(n))
        t.write(d + "/numastat", _numastat(n))
        for size, count in ((2048, n.hugepages_2m), (1048576, n.hugepages_1g)):
            t.attrs(d + "/hugepages/hugepages-%dkB" % size,
                    {"nr_hugepages": count, "free_hugepages": count,
                     "surplus_hugepages": 0})
        for c in cpus:
            t.symlink(d + "/cpu%d" % c, "/sys/devices/system/cpu/cpu%d" % c)
        t.symlink(d + "/subsystem", "/sys/bus/node")
        t.symlink("/sys/bus/node/devices/node%d" % n.id, d)


def _usage(n):
    """Deterministic 'fresh boot' usage figures for a node, in kB."""
    huge = n.hugepages_1g * 1048576 + n.hugepages_2m * 2048
    used = (2097152 if n.id == 0 else 524288) + huge + n.id * 4096
    free = max(n.total_kb - used, 0)
    return used, free, huge


def _node_meminfo(n):
    used, free, huge = _usage(n)
    file_kb = used // 4
    rows = [("MemTotal", n.total_kb), ("MemFree", free), ("MemUsed", used),
            ("SwapCached", 0), ("Active", file_kb // 2),
            ("Inactive", file_kb // 2), ("Active(anon)", 0),
            ("Inactive(anon)", file_kb // 8), ("Active(file)", file_kb // 2),
            ("Inactive(file)", file_kb // 2 - file_kb // 8),
            ("Unevictable", 0), ("Mlocked", 0), ("Dirty", 0),
            ("Writeback", 0), ("FilePages", file_kb), ("Mapped", file_kb // 16),
            ("AnonPages", file_kb // 8), ("Shmem", 1024),
            ("KernelStack", 12288), ("PageTables", 2048),
            ("SecPageTables", 0), ("NFS_Unstable", 0), ("Bounce", 0),
            ("WritebackTmp", 0), ("KReclaimable", 65536),
            ("Slab", used // 4), ("SReclaimable", 65536),
            ("SUnreclaim", used // 4 - 65536), ("AnonHugePages", 0),
            ("ShmemHugePages", 0), ("ShmemPmdMapped", 0),
            ("FileHugePages", 0), ("FilePmdMapped", 0)]
    out = "".join("Node %d %-15s %8d kB\n" % (n.id, k + ":", v) for k, v in rows)
    total = n.hugepages_2m                  # the default (2 MiB) size only
    out += "Node %d HugePages_Total: %5d\n" % (n.id, total)
    out += "Node %d HugePages_Free:  %5d\n" % (n.id, total)
    out += "Node %d HugePages_Surp:  %5d\n" % (n.id, 0)
    return out


def _numastat(n):
    hit = 1000000 + n.id * 1000
    return ("numa_hit %d\nnuma_miss 0\nnuma_foreign 0\ninterleave_hit %d\n"
            "local_node %d\nother_node 0\n" % (hit, 1024, hit))


def write_meminfo(t, nodes):
    total = sum(n.total_kb for n in nodes)
    used = sum(_usage(n)[0] for n in nodes)
    free = sum(_usage(n)[1] for n in nodes)
    h2 = sum(n.hugepages_2m for n in nodes)
    h1 = sum(n.hugepages_1g for n in nodes)
    rows = [("MemTotal", total), ("MemFree", free),
            ("MemAvailable", free + used // 4), ("Buffers", 8192),
            ("Cached", used // 4), ("SwapCached", 0), ("Active", used // 8),
            ("Inactive", used // 8), ("Active(anon)", 0),
            ("Inactive(anon)", used // 32), ("Active(file)", used // 8),
            ("Inactive(file)", used // 8 - used // 32), ("Unevictable", 0),
            ("Mlocked", 0), ("SwapTotal", 8388604), ("SwapFree", 8388604),
            ("Zswap", 0), ("Zswapped", 0), ("Dirty", 64), ("Writeback", 0),
            ("AnonPages", used // 32), ("Mapped", used // 64),
            ("Shmem", 1024 * len(nodes)), ("KReclaimable", 65536 * len(nodes)),
            ("Slab", used // 4), ("SReclaimable", 65536 * len(nodes)),
            ("SUnreclaim", used // 4 - 65536 * len(nodes)),
            ("KernelStack", 12288 * len(nodes)), ("PageTables", 2048 * len(nodes)),
            ("SecPageTables", 0), ("NFS_Unstable", 0), ("Bounce", 0),
            ("WritebackTmp", 0), ("CommitLimit", total // 2 + 8388604),
            ("Committed_AS", used // 8), ("VmallocTotal", 13743895347199),
            ("VmallocUsed", 1048576), ("VmallocChunk", 0),
            ("Percpu", 393216), ("HardwareCorrupted", 0),
            ("AnonHugePages", 0), ("ShmemHugePages", 0),
            ("ShmemPmdMapped", 0), ("FileHugePages", 0), ("FilePmdMapped", 0),
            ("CmaTotal", 0), ("CmaFree", 0)]
    out = "".join("%-16s%8d kB\n" % (k + ":", v) for k, v in rows)
    out += "HugePages_Total:   %5d\nHugePages_Free:    %5d\n" % (h2, h2)
    out += "HugePages_Rsvd:        0\nHugePages_Surp:        0\n"
    out += "%-16s%8d kB\n" % ("Hugepagesize:", 2048)
    out += "%-16s%8d kB\n" % ("Hugetlb:", h2 * 2048 + h1 * 1048576)
    out += "%-16s%8d kB\n%-16s%8d kB\n%-16s%8d kB\n" % (
        "DirectMap4k:", 1613824, "DirectMap2M:", 33845248,
        "DirectMap1G:", max(total - 35459072, 0) // 1048576 * 1048576)
    t.write("/proc/meminfo", out)


def write_hugepage_pools(t, nodes):
    for size, attr in ((2048, "hugepages_2m"), (1048576, "hugepages_1g")):
        n = sum(getattr(x, attr) for x in nodes)
        t.attrs("/sys/kernel/mm/hugepages/hugepages-%dkB" % size, {
            "nr_hugepages": n, "nr_hugepages_mempolicy": n,
            "free_hugepages": n, "resv_hugepages": 0,
            "surplus_hugepages": 0, "nr_overcommit_hugepages": 0})


def _choice(options, chosen):
    return " ".join("[%s]" % o if o == chosen else o for o in options)


def write_thp(t, enabled="madvise", defrag="madvise", shmem="never"):
    """/sys/kernel/mm/transparent_hugepage.  The per-size hugepages-*kB
    directories (mTHP) appeared in Linux 6.8; they are written anyway so
    that probes handle them (a 6.1 tree would not have them)."""
    b = "/sys/kernel/mm/transparent_hugepage"
    t.attrs(b, {
        "enabled": _choice(["always", "madvise", "never"], enabled),
        "defrag": _choice(["always", "defer", "defer+madvise", "madvise",
                           "never"], defrag),
        "shmem_enabled": _choice(["always", "within_size", "advise", "never",
                                  "deny", "force"], shmem),
        "use_zero_page": 1, "hpage_pmd_size": 2097152})
    t.attrs(b + "/khugepaged", {
        "defrag": 1, "pages_to_scan": 4096, "scan_sleep_millisecs": 10000,
        "alloc_sleep_millisecs": 60000, "max_ptes_none": 511,
        "max_ptes_swap": 64, "max_ptes_shared": 256, "full_scans": 0,
        "pages_collapsed": 0})
    for kb in (16, 32, 64, 128, 256, 512, 1024, 2048):
        chosen = "inherit" if kb == 2048 else "never"
        t.attr(b + "/hugepages-%dkB/enabled" % kb,
               _choice(["always", "inherit", "madvise", "never"], chosen))


# ------------------------------------------------------------- kernel ----

KERNEL_RELEASE = "6.1.0-26-amd64"
KERNEL_VERSION = ("Linux version 6.1.0-26-amd64 (debian-kernel@lists.debian.org)"
                  " (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for"
                  " Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1"
                  " (2024-09-30)")


def write_kernel(t, root_uuid, sysctl_overrides=None):
    t.attr("/proc/cmdline", "BOOT_IMAGE=/vmlinuz-%s root=UUID=%s ro quiet"
           % (KERNEL_RELEASE, root_uuid))
    t.attr("/proc/version", KERNEL_VERSION)
    sysctl = {
        "kernel/osrelease": KERNEL_RELEASE, "kernel/ostype": "Linux",
        "kernel/numa_balancing": 1, "vm/swappiness": 60,
        "vm/zone_reclaim_mode": 0, "vm/overcommit_memory": 0,
        "vm/max_map_count": 65530, "vm/min_free_kbytes": 67584,
        "vm/nr_hugepages": 0, "vm/nr_hugepages_mempolicy": 0,
        "vm/nr_overcommit_hugepages": 0, "vm/dirty_ratio": 20,
        "vm/dirty_background_ratio": 10, "vm/stat_interval": 1,
    }
    sysctl.update(sysctl_overrides or {})
    for k, v in sysctl.items():
        t.attr("/proc/sys/" + k, v)
    t.attr("/sys/module/pcie_aspm/parameters/policy",
           "[default] performance powersave powersupersave")
    t.attr("/proc/hwloc-nofile-info", "Architecture: x86_64")


def write_dmi(t, entry, table, platform):
    """SMBIOS tables as the kernel exports them, and /sys/class/dmi/id."""
    t.write("/sys/firmware/dmi/tables/smbios_entry_point", entry)
    t.write("/sys/firmware/dmi/tables/DMI", table)
    d = "/sys/devices/virtual/dmi/id"
    t.attrs(d, smbios.sysfs_dmi_id(platform))
    t.symlink("/sys/class/dmi/id", d)


# --------------------------------------------------------------- a host --

@dataclass
class HostSpec:
    model: CpuModel
    sockets: int
    nps: int
    dmi_config: str
    thp_enabled: str = "madvise"
    root_uuid: str = "5b0a6a54-3c1e-4a7e-9d0f-2c6b1f0e8a11"
    dist_same_socket: int = 12
    dist_remote: int = 32


def write_host(t, spec):
    """Everything but PCI and IRQs.  Returns a HostInfo."""
    entry, table, dfacts, cfg = smbios.build(spec.dmi_config)
    cpus = number_cpus(spec.model, spec.sockets, spec.nps)
    nodes = node_memory(cfg, spec.nps)
    h = HostInfo(cpus, nodes, len(cpus), spec.sockets, spec.nps, dfacts)
    write_cpus(t, spec.model, cpus, h.nr_cpu_ids)
    write_numa(t, h, distances(spec.sockets, spec.nps,
                               same_socket=spec.dist_same_socket,
                               remote=spec.dist_remote))
    write_meminfo(t, nodes)
    write_hugepage_pools(t, nodes)
    write_thp(t, enabled=spec.thp_enabled)
    write_kernel(t, spec.root_uuid)
    write_dmi(t, entry, table, cfg.platform)
    return h


# ------------------------------------------------------- PCI building blocks --

def amd_root(pci, h, bus):
    """An SP5 root complex (host bridge 1022:14a4 at BB:00.0).  Root bus
    0x00/0x20/0x40/0x60 are the quadrants of socket 0, 0x80.. of socket 1;
    with NPS4 each quadrant is its own node.  Returns (node, cpus)."""
    socket, quadrant = bus >> 7, (bus >> 5) & 3
    node = h.node_of_socket(socket, quadrant)
    cpus = h.node_cpus(node)
    pci.add(PciDev("0000:%02x:00.0" % bus, 0x1022, 0x14a4, 0x060000,
                   kind="host_bridge", subsys_device=0x14a4, numa_node=node,
                   local_cpus=cpus))
    return node, cpus


def amd_root_port(pci, bus, dev, fn, node, cpus, link, slot=None, port=0):
    """A Genoa Gen5 GPP bridge (1022:14ab) with pcieport bound."""
    return pci.add(PciDev("0000:%02x:%02x.%d" % (bus, dev, fn), 0x1022, 0x14ab,
                          0x060400, kind="root_port", link=link,
                          driver="pcieport", msi=True, numa_node=node,
                          local_cpus=cpus, slot=slot, port_number=port,
                          subsys_device=0x1453))


def intel_root_port(pci, bus, node, cpus, link, slot=None):
    """A Sapphire Rapids PCIe root port (8086:352a) at BB:01.0."""
    return pci.add(PciDev("0000:%02x:01.0" % bus, 0x8086, 0x352a, 0x060400,
                          kind="root_port", link=link, driver="pcieport",
                          msi=True, numa_node=node, local_cpus=cpus,
                          slot=slot, subsys_device=0x0000))


def pex_switch(pci, parent, bus, ports, node, cpus, up_link, down_links):
    """A Broadcom PEX890xx Gen5 switch (1000:c030): upstream port at
    bus:00.0, downstream ports at (bus+1):NN.0 for NN in `ports`.
    Returns the downstream ports."""
    up = pci.add(PciDev("0000:%02x:00.0" % bus, 0x1000, 0xc030, 0x060400,
                        kind="upstream", parent=parent, link=up_link,
                        driver="pcieport", numa_node=node, local_cpus=cpus,
                        subsys_device=0xa064, revision=0xb0))
    downs = []
    for n, link in zip(ports, down_links):
        downs.append(pci.add(PciDev(
            "0000:%02x:%02x.0" % (bus + 1, n), 0x1000, 0xc030, 0x060400,
            kind="downstream", parent=up, link=link, driver="pcieport",
            msi=True, numa_node=node, local_cpus=cpus, port_number=n,
            subsys_device=0xa064, revision=0xb0)))
    return downs


def mmio_bases(pci):
    """32-bit and 64-bit MMIO apertures per root bus, spread by bus number."""
    m32, m64 = {}, {}
    for root in pci.roots():
        b = int(root[-2:], 16)
        m32[root] = 0x80000000 + (b << 22)       # 4 MiB per bus number
        m64[root] = (b + 1) << 40
    return m32, m64


# ---------------------------------------------------------------- IRQs ----

class IrqPlan:
    """Hands out IRQ numbers and collects sysfs.Irq lines."""

    def __init__(self, h, first=136):
        self.h = h
        self.next = first
        self.irqs = []
        everything = list(range(h.nr_cpu_ids))
        for num, hw, flow, name in ((0, 2, "edge", "timer"),
                                    (8, 8, "edge", "rtc0"),
                                    (9, 9, "fasteoi", "acpi")):
            self.irqs.append(Irq(num, name, everything, [0], chip="IR-IO-APIC",
                                 hwirq=hw, flow=flow, node=0,
                                 count=45 if num == 0 else 0))

    def msi(self, dev, name, affinity, effective=None, count=0,
            managed=False):
        index = len(dev.irqs)
        num = self.next
        self.next += 1
        dev.irqs.append(num)
        if effective is None:
            # The vector allocator prefers CPUs of the device's node.
            near = [c for c in dev.local_cpus if c in set(affinity)] \
                or list(affinity)
            effective = [near[num % len(near)]]
        q = Irq(num, name, list(affinity), effective, hwirq=msi_hwirq(dev, index),
                node=max(dev.numa_node, 0), count=count, device=dev.bdf,
                managed=managed)
        self.irqs.append(q)
        return q

    def port(self, dev):
        """pcieport's shared PME/AER vector of a root port."""
        return self.msi(dev, "PCIe PME, aerdrv", range(self.h.nr_cpu_ids))

    def nvme(self, dev, ctrl, queues):
        """nvme: admin queue (not managed) then `queues` managed I/O
        queues spread over all nodes by the kernel."""
        self.msi(dev, "nvme%dq0" % ctrl, range(self.h.nr_cpu_ids), count=120)
        for i, cpus in enumerate(spread_cpus(self.h.core_groups(), queues)):
            self.msi(dev, "nvme%dq%d" % (ctrl, i + 1), cpus, [cpus[0]],
                     count=20000 + 17 * i, managed=True)

    def mlx5(self, dev, comp, cpus):
        """mlx5_core: one async vector allowed on all of `cpus`, then
        `comp` completion vectors, vector i pinned to the i-th core of
        `cpus` (first SMT thread)."""
        tag = "@pci:" + dev.bdf
        cores = first_threads(self.h, cpus)
        self.msi(dev, "mlx5_async0" + tag, cpus, [cores[0]], count=310)
        for i in range(comp):
            self.msi(dev, "mlx5_comp%d%s" % (i, tag), [cores[i]], [cores[i]],
                     count=1000000 + 4099 * i)


def first_threads(h, cpus):
    """The first SMT thread of each core among `cpus`, in order."""
    firsts = {c.num for c in h.cpus if c.thread == 0}
    return [c for c in cpus if c in firsts]
