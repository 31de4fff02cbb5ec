"""Write fake but realistic Linux sysfs/procfs trees for rigtune's tests.

A tree is a directory holding proc/ and sys/ as a `--sysroot` (or hwloc's
HWLOC_FSROOT) would see them.  Every function here writes one kind of thing
the way Linux 6.1 shows it: file names, value formats, relative symlinks.

Companion modules: pcicfg.py (PCI config space bytes), smbios.py (DMI
tables), hosts.py (whole hosts: CPUs, NUMA, memory, kernel settings).
Python 3 stdlib only; deterministic (no clock, no randomness).
"""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import pcicfg


# ---------------------------------------------------------------- files --

class Tree:
    """A directory that stands for `/`.  Paths given to it are absolute
    ("/sys/devices/...") and are placed under the root."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self._dirs = set()

    def host(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def mkdir(self, path):
        h = self.host(path)
        if h not in self._dirs:
            os.makedirs(h, exist_ok=True)
            self._dirs.add(h)
        return h

    def write(self, path, content):
        """Write a file; str is written as UTF-8, bytes as they are."""
        self.mkdir(os.path.dirname(path))
        data = content.encode() if isinstance(content, str) else content
        fd = os.open(self.host(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)

    def attr(self, path, value):
        """Write a one-value sysfs attribute (value plus newline)."""
        self.write(path, "%s\n" % value)

    def attrs(self, directory, values):
        for name, value in values.items():
            self.attr(directory + "/" + name, value)

    def symlink(self, link, target):
        """Make `link` point at `target` by a relative path, as sysfs does
        (../../../devices/...).  Both are absolute paths inside the tree."""
        self.mkdir(os.path.dirname(link))
        rel = os.path.relpath(target, os.path.dirname(link))
        h = self.host(link)
        if os.path.lexists(h):
            os.unlink(h)
        os.symlink(rel, h)


# ---------------------------------------------------- cpulists and masks --

def cpulist(cpus):
    """[0,1,2,5] -> "0-2,5" (the kernel's %*pbl format)."""
    cpus = sorted(set(cpus))
    out, i = [], 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(out)


def parse_cpulist(text):
    cpus = []
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        cpus.extend(range(int(lo), int(hi or lo) + 1))
    return cpus


def cpumask(cpus, nbits):
    """CPU set as the kernel prints a bitmap of nbits (%*pb): hex, 32-bit
    groups separated by commas, most significant first, the first group
    cut to the digits nbits needs ("0000,00000000,00ff00ff" for 112 bits)."""
    value = 0
    for c in cpus:
        value |= 1 << c
    ndigits = (nbits + 3) // 4
    digits = "%0*x" % (ndigits, value)
    groups = []
    while digits:
        groups.insert(0, digits[-8:])
        digits = digits[:-8]
    return ",".join(groups)


# ------------------------------------------------------------------ PCI --

# Linux's names for link speeds (drivers/pci/probe.c, pci_speed_string).
def speed_string(gts):
    return {2.5: "2.5 GT/s PCIe", 5.0: "5.0 GT/s PCIe", 8.0: "8.0 GT/s PCIe",
            16.0: "16.0 GT/s PCIe", 32.0: "32.0 GT/s PCIe",
            64.0: "64.0 GT/s PCIe"}[float(gts)]


def link_gbps(gts, width):
    """One-direction bandwidth in GB/s, as hwloc and rigtune compute it."""
    enc = 0.8 if gts < 8 else 128.0 / 130.0
    return gts * width * enc / 8


@dataclass
class Link:
    """A PCIe link as one end sees it: what it can do, what it runs at.
    `autonomous` sets LnkSta's ABWMgmt bit (speed lowered by the hardware
    for power, not for errors); `bwmgmt` sets BWMgmt (retrained for
    reliability).  Only ports (root/downstream) carry those two bits."""
    max_gts: float
    max_width: int
    gts: float = None
    width: int = None
    autonomous: bool = False
    bwmgmt: bool = False

    def __post_init__(self):
        if self.gts is None:
            self.gts = self.max_gts
        if self.width is None:
            self.width = self.max_width


@dataclass
class Bar:
    size: int
    prefetch: bool = True
    is64: bool = True
    start: int = 0          # filled in by the allocator


@dataclass
class PciDev:
    """One PCI function.  kind: endpoint, root_port, upstream (switch
    upstream port), downstream (switch downstream port), host_bridge."""
    bdf: str
    vendor: int
    device: int
    cls: int                      # 24-bit class code, e.g. 0x020000
    kind: str = "endpoint"
    parent: Optional["PciDev"] = None   # the bridge above; None on a root bus
    link: Optional[Link] = None
    driver: Optional[str] = None
    subsys_vendor: int = None
    subsys_device: int = 0
    revision: int = 0
    bars: List[Bar] = field(default_factory=list)
    msix: int = 0                 # MSI-X table size (0: no MSI-X cap)
    msi: bool = False             # plain MSI capability (bridges)
    irqs: List[int] = field(default_factory=list)  # allocated MSI(-X) IRQs
    numa_node: int = -1
    local_cpus: List[int] = field(default_factory=list)
    port_number: int = 0
    slot: Optional[int] = None    # physical slot number (ports with a slot)
    extra: Dict[str, str] = field(default_factory=dict)  # more attributes
    mps: Optional[int] = None     # Max Payload Size in DevCtl, bytes (None: 512)
    acs: Optional[bool] = None    # ACS capability: P2P redirect on/off (None: no ACS)
    iommu_group: Optional[int] = None   # /sys/kernel/iommu_groups/N
    # Class devices below the function: {"net/enp65s0f0np0": {attrs}}.
    classdevs: Dict[str, Dict[str, str]] = field(default_factory=dict)
    # Filled in by PciBus.finish():
    secondary: int = 0
    subordinate: int = 0
    path: str = ""
    children: List["PciDev"] = field(default_factory=list)
    window_mem: tuple = None
    window_pref: tuple = None

    def __post_init__(self):
        if self.subsys_vendor is None:
            self.subsys_vendor = self.vendor

    @property
    def domain(self):
        return int(self.bdf[0:4], 16)

    @property
    def bus(self):
        return int(self.bdf[5:7], 16)

    @property
    def devfn(self):
        d, f = self.bdf[8:].split(".")
        return (int(d, 16) << 3) | int(f)

    @property
    def is_bridge(self):
        return self.kind in ("root_port", "upstream", "downstream")

    @property
    def irq(self):
        """The `irq` attribute: the first vector with MSI, else the legacy
        INTx line (a GSI from the ACPI routing table), as Linux shows."""
        if self.msi and self.irqs:
            return self.irqs[0]
        if self.kind == "host_bridge":
            return 0
        return 24 + (self.bus * 8 + (self.devfn >> 3)) % 96


class PciBus:
    """Collects PCI functions, then lays out bus numbers, addresses and
    sysfs paths, and writes them."""

    def __init__(self):
        self.devs: List[PciDev] = []

    def add(self, dev):
        if dev.parent:
            dev.parent.children.append(dev)
        self.devs.append(dev)
        return dev

    def roots(self):
        """Host bridges as sysfs names them: pci0000:40 and so on."""
        seen = []
        for d in self.devs:
            if d.parent is None:
                name = "pci%04x:%02x" % (d.domain, d.bus)
                if name not in seen:
                    seen.append(name)
        return seen

    def finish(self, mmio32_base, mmio64_base):
        """Give every bridge its bus range and windows and every BAR an
        address.  mmio*_base: dict root name -> first address to use."""
        for d in self.devs:
            if d.parent is None:
                d.path = "/sys/devices/pci%04x:%02x/%s" % (d.domain, d.bus, d.bdf)
            else:
                d.path = d.parent.path + "/" + d.bdf
        for d in self.devs:
            if d.is_bridge:
                d.secondary = min(c.bus for c in d.children) if d.children else 0
                d.subordinate = _max_bus(d)
        for root in self.roots():
            top = [d for d in self.devs if d.parent is None
                   and "pci%04x:%02x" % (d.domain, d.bus) == root]
            cur = [mmio32_base[root], mmio64_base[root]]
            for d in top:
                _place(d, cur)


def _max_bus(d):
    buses = [d.bus] + [_max_bus(c) for c in d.children]
    return max(buses) if d.children else (d.secondary or d.bus)


def _align(x, a):
    return (x + a - 1) // a * a


def _place(d, cur):
    """Allocate BARs depth first so that each bridge's subtree is one
    contiguous 1 MiB-aligned range; then set the bridge windows."""
    mb = 1 << 20
    if d.is_bridge:
        cur[0], cur[1] = _align(cur[0], mb), _align(cur[1], mb)
        start32, start64 = cur[0], cur[1]
    for bar in d.bars:
        i = 1 if bar.prefetch and bar.is64 else 0
        bar.start = _align(cur[i], bar.size)
        cur[i] = bar.start + bar.size
    for c in d.children:
        _place(c, cur)
    if d.is_bridge:
        cur[0], cur[1] = _align(cur[0], mb), _align(cur[1], mb)
        d.window_mem = (start32, cur[0] - 1) if cur[0] > start32 else None
        d.window_pref = (start64, cur[1] - 1) if cur[1] > start64 else None


def _resource_lines(d):
    """The `resource` file: 13 lines for devices, 17 for bridges."""
    lines = []
    for i in range(6):
        bar = _bar_at(d, i)
        if bar is None:
            lines.append((0, 0, 0))
        else:
            flags = 0x40200 | (0x2000 | 0x8 if bar.prefetch else 0) \
                | (0x100000 | 0x4 if bar.is64 else 0)
            lines.append((bar.start, bar.start + bar.size - 1, flags))
    lines += [(0, 0, 0)] * 7        # ROM + 6 SR-IOV BARs
    if d.is_bridge:
        lines.append((0, 0, 0))     # I/O window
        m, p = d.window_mem, d.window_pref
        lines.append((m[0], m[1], 0x200) if m else (0, 0, 0))
        lines.append((p[0], p[1], 0x102201) if p else (0, 0, 0))
        lines.append((0, 0, 0))
    return "".join("0x%016x 0x%016x 0x%016x\n" % r for r in lines)


def _bar_at(d, index):
    """BAR registers used by d.bars: 64-bit BARs take two slots."""
    slot = 0
    for bar in d.bars:
        if slot == index:
            return bar
        slot += 2 if bar.is64 else 1
    return None


def write_pci(t, bus, nr_cpu_ids):
    """Write /sys/devices/pciDDDD:BB/..., /sys/bus/pci/{devices,drivers}."""
    for root in bus.roots():
        _write_root_bus(t, root, bus, nr_cpu_ids)
    for d in bus.devs:
        write_pci_function(t, d, nr_cpu_ids)


def _write_root_bus(t, root, bus, nr_cpu_ids):
    devs = [d for d in bus.devs if d.parent is None
            and "pci%04x:%02x" % (d.domain, d.bus) == root]
    cpus = devs[0].local_cpus
    base = "/sys/devices/" + root
    t.attr(base + "/uevent", "")
    busname = root[3:]
    _write_pci_bus_dir(t, base + "/pci_bus/" + busname, base, cpus, nr_cpu_ids)


def _write_pci_bus_dir(t, path, owner, cpus, nr_cpu_ids):
    t.attr(path + "/cpuaffinity", cpumask(cpus, nr_cpu_ids))
    t.attr(path + "/cpulistaffinity", cpulist(cpus))
    t.write(path + "/uevent", "")
    t.symlink(path + "/device", owner)
    t.symlink(path + "/subsystem", "/sys/class/pci_bus")
    t.symlink("/sys/class/pci_bus/" + os.path.basename(path), path)


def write_pci_function(t, d, nr_cpu_ids):
    """One device directory with the attributes Linux 6.1 shows."""
    p = d.path
    t.write(p + "/config", pcicfg.config_space(d))
    t.attrs(p, {
        "vendor": "0x%04x" % d.vendor,
        "device": "0x%04x" % d.device,
        "class": "0x%06x" % d.cls,
        "subsystem_vendor": "0x%04x" % d.subsys_vendor,
        "subsystem_device": "0x%04x" % d.subsys_device,
        "revision": "0x%02x" % d.revision,
        "irq": d.irq,
        "numa_node": d.numa_node,
        "local_cpus": cpumask(d.local_cpus, nr_cpu_ids),
        "local_cpulist": cpulist(d.local_cpus),
        "enable": 1 if d.driver else 0,
        "broken_parity_status": 0,
        "msi_bus": 1,
        "d3cold_allowed": 1,
        "consistent_dma_mask_bits": 64 if d.kind == "endpoint" else 32,
        "dma_mask_bits": 64 if d.kind == "endpoint" else 32,
        "driver_override": "(null)",
        "modalias": _modalias(d),
        "ari_enabled": 0,
    })
    t.write(p + "/resource", _resource_lines(d))
    t.write(p + "/uevent", _uevent(d))
    t.symlink(p + "/subsystem", "/sys/bus/pci")
    t.symlink("/sys/bus/pci/devices/" + d.bdf, p)
    if d.link:
        t.attrs(p, {
            "current_link_speed": speed_string(d.link.gts),
            "current_link_width": d.link.width,
            "max_link_speed": speed_string(d.link.max_gts),
            "max_link_width": d.link.max_width,
        })
    if d.is_bridge:
        t.attrs(p, {"secondary_bus_number": d.secondary,
                    "subordinate_bus_number": d.subordinate})
        _write_pci_bus_dir(t, p + "/pci_bus/%04x:%02x" % (d.domain, d.secondary),
                           p, d.local_cpus, nr_cpu_ids)
    if d.driver:
        drv = "/sys/bus/pci/drivers/" + d.driver
        t.symlink(p + "/driver", drv)
        t.symlink(drv + "/" + d.bdf, p)
        t.mkdir(drv)
    for irq in d.irqs if (d.msix or d.msi) else []:
        t.attr(p + "/msi_irqs/%d" % irq, "msix" if d.msix else "msi")
    for name, value in d.extra.items():
        t.write(p + "/" + name, value if value.endswith("\n") else value + "\n")
    if d.iommu_group is not None:
        g = "/sys/kernel/iommu_groups/%d" % d.iommu_group
        t.symlink(p + "/iommu_group", g)
        t.symlink(g + "/devices/" + d.bdf, p)
    for sub, attrs in d.classdevs.items():
        write_class_device(t, p, sub, attrs)


def write_iommu(t, units, group_type, groups):
    """IOMMU units (/sys/class/iommu) and the default domain type of each
    group (group_type: "DMA-FQ" translated, "identity" for iommu=pt; None
    writes no type file, as before Linux 5.11).  With no units, an empty
    /sys/kernel/iommu_groups: the IOMMU is off."""
    t.mkdir("/sys/kernel/iommu_groups")
    t.mkdir("/sys/class/iommu")
    for u in units:
        t.mkdir("/sys/devices/virtual/iommu/" + u)
        t.symlink("/sys/class/iommu/" + u, "/sys/devices/virtual/iommu/" + u)
    for g in sorted(set(groups)):
        t.mkdir("/sys/kernel/iommu_groups/%d/devices" % g)
        if group_type:
            t.attr("/sys/kernel/iommu_groups/%d/type" % g, group_type)


def write_class_device(t, devpath, sub, attrs):
    """A class device (net/X, nvme/X, drm/X, infiniband/X) under a PCI
    function, with its device/subsystem links and /sys/class/CLASS/X."""
    cls, name = sub.split("/")
    d = devpath + "/" + sub
    t.attrs(d, attrs)
    t.symlink(d + "/device", devpath)
    t.symlink(d + "/subsystem", "/sys/class/" + cls)
    t.symlink("/sys/class/%s/%s" % (cls, name), d)


def _modalias(d):
    return "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X" % (
        d.vendor, d.device, d.subsys_vendor, d.subsys_device,
        d.cls >> 16, (d.cls >> 8) & 0xff, d.cls & 0xff)


def _uevent(d):
    lines = []
    if d.driver:
        lines.append("DRIVER=" + d.driver)
    lines += ["PCI_CLASS=%X" % d.cls,
              "PCI_ID=%04X:%04X" % (d.vendor, d.device),
              "PCI_SUBSYS_ID=%04X:%04X" % (d.subsys_vendor, d.subsys_device),
              "PCI_SLOT_NAME=" + d.bdf,
              "MODALIAS=" + _modalias(d)]
    return "\n".join(lines) + "\n"


def msi_hwirq(d, index):
    """x86 PCI-MSI hwirq number as /proc/interrupts shows it (Linux 6.1:
    pci_msi_domain_calc_hwirq)."""
    dev_id = (d.bus << 8) | d.devfn
    return index | (dev_id << 11) | (d.domain << 27)


# ----------------------------------------------------------------- IRQs --

@dataclass
class Irq:
    """One line of /proc/interrupts and its /proc/irq/N directory."""
    num: int
    name: str                     # action name, e.g. mlx5_comp0@pci:...
    affinity: List[int]
    effective: List[int]
    chip: str = "IR-PCI-MSI"
    hwirq: int = 0
    flow: str = "edge"
    node: int = 0
    count: int = 0                # interrupts taken (on the effective CPU)
    device: Optional[str] = None  # BDF, for the reader of the test
    managed: bool = False         # kernel-managed affinity (nvme queues)


def write_irqs(t, irqs, online, nr_cpu_ids, arch_counts=True):
    """/proc/interrupts in the x86 format of Linux 6.1, /proc/irq/N/*,
    /proc/irq/default_smp_affinity and /sys/kernel/irq/N/*."""
    t.write("/proc/interrupts", _proc_interrupts(irqs, online, nr_cpu_ids))
    t.attr("/proc/irq/default_smp_affinity", cpumask(range(nr_cpu_ids), nr_cpu_ids))
    for q in irqs:
        d = "/proc/irq/%d" % q.num
        t.attrs(d, {
            "smp_affinity": cpumask(q.affinity, nr_cpu_ids),
            "smp_affinity_list": cpulist(q.affinity),
            "effective_affinity": cpumask(q.effective, nr_cpu_ids),
            "effective_affinity_list": cpulist(q.effective),
            "affinity_hint": cpumask([], nr_cpu_ids),
            "node": q.node,
        })
        t.write(d + "/spurious", "count %d\nunhandled 0\nlast_unhandled 0 ms\n"
                % (q.count % 100000))
        for action in q.name.split(", "):
            t.mkdir(d + "/" + action.replace("/", "_"))
        s = "/sys/kernel/irq/%d" % q.num
        t.attrs(s, {"actions": q.name.replace(", ", ","), "chip_name": q.chip,
                    "hwirq": q.hwirq, "name": q.flow, "type": "edge"
                    if q.flow == "edge" else "level", "wakeup": "disabled",
                    "per_cpu_count": ",".join(
                        str(q.count if c in q.effective[:1] else 0)
                        for c in online)})


def _proc_interrupts(irqs, online, nr_cpu_ids):
    nr_irqs = max(nr_cpu_ids * 8 + 256, 1000)   # x86 arch_probe_nr_irqs-ish
    prec = 3
    j = 1000
    while prec < 10 and j <= nr_irqs:
        prec += 1
        j *= 10
    out = [" " * (prec + 8) + "".join("CPU%-8d" % c for c in online) + "\n"]
    for q in sorted(irqs, key=lambda q: q.num):
        first = q.effective[0] if q.effective else -1
        counts = "".join("%10u " % (q.count if c == first else 0) for c in online)
        out.append("%*d: %s %8s %*d-%-8s  %s\n" % (
            prec, q.num, counts, q.chip, prec, q.hwirq, q.flow, q.name))
    for tag, desc, per_cpu in _ARCH_IRQS:
        counts = "".join("%10u " % per_cpu(c) for c in online)
        out.append("%*s: %s  %s\n" % (prec, tag, counts, desc))
    out.append("%*s: %10u\n" % (prec, "ERR", 0))
    out.append("%*s: %10u\n" % (prec, "MIS", 0))
    for tag, desc in (("PIN", "Posted-interrupt notification event"),
                      ("NPI", "Nested posted-interrupt event"),
                      ("PIW", "Posted-interrupt wakeup event")):
        out.append("%*s: %s  %s\n" % (prec, tag, "".join(
            "%10u " % 0 for _ in online), desc))
    return "".join(out)


_ARCH_IRQS = [
    ("NMI", "Non-maskable interrupts", lambda c: 12 + c % 7),
    ("LOC", "Local timer interrupts", lambda c: 180000 + (c * 7919) % 50000),
    ("SPU", "Spurious interrupts", lambda c: 0),
    ("PMI", "Performance monitoring interrupts", lambda c: 12 + c % 7),
    ("IWI", "IRQ work interrupts", lambda c: c % 3),
    ("RTR", "APIC ICR read retries", lambda c: 0),
    ("RES", "Rescheduling interrupts", lambda c: 300 + (c * 131) % 900),
    ("CAL", "Function call interrupts", lambda c: 1000 + (c * 37) % 400),
    ("TLB", "TLB shootdowns", lambda c: 40 + c % 23),
    ("TRM", "Thermal event interrupts", lambda c: 0),
    ("THR", "Threshold APIC interrupts", lambda c: 0),
    ("DFR", "Deferred Error APIC interrupts", lambda c: 0),
    ("MCE", "Machine check exceptions", lambda c: 0),
    ("MCP", "Machine check polls", lambda c: 8),
]


def spread_cpus(groups, nvec):
    """Spread nvec vectors over CPU groups (one list per NUMA node) as the
    kernel does for managed IRQs: vectors per node as even as possible,
    each vector gets a run of a node's cores with their SMT siblings.
    groups: list of (cores, siblings_of) where siblings_of(core) -> cpus."""
    out = []
    per_node = [nvec // len(groups) + (1 if i < nvec % len(groups) else 0)
                for i in range(len(groups))]
    for (cores, siblings_of), n in zip(groups, per_node):
        for k in range(n):
            chunk = cores[k * len(cores) // n:(k + 1) * len(cores) // n]
            cpus = []
            for c in chunk:
                cpus += siblings_of(c)
            out.append(sorted(cpus))
    return out
