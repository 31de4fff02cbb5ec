"""SMBIOS 3.x tables (the bytes of /sys/firmware/dmi/tables/{smbios_entry_point,DMI}).

Records written: type 0 BIOS, 1 system, 2 baseboard, 3 chassis, 4 processor
(one per socket), 16 physical memory array (one per socket, plus one for
the NVDIMM), 17 memory device (one per slot, plus one NVDIMM-N that a
bandwidth estimate must skip), 127 end of table.

Type 17 records carry the SMBIOS 3.3 layout (0x5C bytes): DDR5 is memory
type 0x22; sizes of 32 GiB and more need the extended size field (Size =
0x7FFF, Extended Size at 0x1C in MiB), 16 GiB fits the 16-bit field;
Speed (0x15) and Configured Memory Speed (0x20) are MT/s, with the 3.3
extended speed fields (0x54, 0x58) present and zero as firmware writes
them below 65535 MT/s; Memory Technology (3.2, at 0x28) is DRAM (3) except
for the NVDIMM-N (4).

`CONFIGS` names the memory layouts the tests use; `build(name)` returns
(entry_point_bytes, table_bytes, facts).  `dump_bin()` makes a file for
`dmidecode --from-dump` (entry point at 0, table at 0x20) for checking.
"""

import struct
from dataclasses import dataclass
from typing import List

SMBIOS_VERSION = (3, 5, 0)
TABLE_ADDRESS = 0x6F8E6000          # where firmware put the table (physical)

DDR5, TYPE_UNKNOWN = 0x22, 0x02
TECH_DRAM, TECH_NVDIMM_N, TECH_UNKNOWN = 0x03, 0x04, 0x02


# ------------------------------------------------------------ platforms --

@dataclass
class Processor:
    socket_names: List[str]
    manufacturer: str
    version: str
    family: int            # SMBIOS processor family (0x6B Zen, 0xB3 Xeon)
    cpuid_eax: int
    cpuid_edx: int
    cores: int
    threads: int
    max_mhz: int
    cur_mhz: int
    upgrade: int           # 0x01 Other (SP5 has no code before SMBIOS 3.6)
    voltage_dv: int        # tenths of a volt


@dataclass
class Platform:
    bios_vendor: str
    bios_version: str
    bios_date: str
    bios_release: tuple
    sys_vendor: str
    product_name: str
    product_version: str
    product_serial: str
    product_sku: str
    product_family: str
    uuid: bytes
    board_vendor: str
    board_name: str
    board_version: str
    board_serial: str
    chassis_vendor: str
    chassis_serial: str
    cpu: Processor


@dataclass
class Dimm:
    socket: int
    channel: int           # 0..11 -> A..L
    slot: int              # DIMM per channel index
    size_gib: int = 0      # 0: empty slot
    speed: int = 4800      # rated MT/s
    configured: int = 4800
    part: str = ""


EPYC_9654 = Processor(["P0", "P1"], "Advanced Micro Devices, Inc.",
                      "AMD EPYC 9654 96-Core Processor", 0x6B, 0x00A10F11,
                      0x178BFBFF, 96, 192, 3700, 2400, 0x01, 11)
EPYC_9554 = Processor(["P0", "P1"], "Advanced Micro Devices, Inc.",
                      "AMD EPYC 9554 64-Core Processor", 0x6B, 0x00A10F11,
                      0x178BFBFF, 64, 128, 3750, 3100, 0x01, 11)
XEON_8480 = Processor(["CPU0", "CPU1"], "Intel(R) Corporation",
                      "Intel(R) Xeon(R) Platinum 8480+", 0xB3, 0x000806F8,
                      0xBFEBFBFF, 56, 112, 4000, 2000, 0x3F, 16)


def _uuid(n):
    return bytes([0x03, 0x00, 0x02, 0x00, 0x04, 0x00, 0x05, 0x00,
                  0x00, 0x06, 0x00, 0x07, 0x00, 0x08, 0x00, n])


SUPERMICRO_H13DSH = Platform(
    "American Megatrends International, LLC.", "1.6", "02/21/2024", (5, 27),
    "Supermicro", "AS -2125HS-TNR", "0123456789", "S452338X4A12345",
    "To be filled by O.E.M.", "Family", _uuid(1),
    "Supermicro", "H13DSH", "1.01", "OM234S600123", "Supermicro",
    "C2160LK48A00123", EPYC_9654)

AMD_TITANITE = Platform(
    "American Megatrends International, LLC.", "RTI1004D", "11/14/2023",
    (5, 27), "AMD Corporation", "Titanite", "1.0", "TTN0000000123",
    "Titanite", "Genoa", _uuid(2), "AMD Corporation", "Titanite_4G",
    "1.0", "TTNB000000123", "AMD Corporation", "TTNC000000123", EPYC_9654)

SUPERMICRO_MI300X = Platform(
    "American Megatrends International, LLC.", "2.1", "05/10/2024", (5, 32),
    "Supermicro", "AS -8125GS-TNMR2", "0123456789", "S511234X4B00042",
    "To be filled by O.E.M.", "Family", _uuid(3),
    "Supermicro", "H13DSG-OM", "1.01", "OM241S600042", "Supermicro",
    "C8150MX09A00042", EPYC_9554)

NVIDIA_DGX_H100 = Platform(
    "American Megatrends International, LLC.", "1.4.0", "10/16/2023",
    (1, 4), "NVIDIA", "DGXH100", "Not Specified", "1563123000123",
    "920-23687-2530-000", "DGX", _uuid(4), "NVIDIA", "DGXH100",
    "Not Specified", "1660823000123", "NVIDIA", "1563123000123", XEON_8480)


# --------------------------------------------------------- memory layout --

CHANNELS = "ABCDEFGHIJKL"

PART = {16: "M321R2GA3BB6-CQKET", 32: "M321R4GA3BB6-CQKET",
        64: "M321R8GA0BB0-CQKZJ"}


@dataclass
class MemoryConfig:
    platform: Platform
    sockets: int
    channels: int          # per socket
    dpc: int               # DIMM slots per channel
    dimms: List[Dimm]
    nvdimm: bool = True
    note: str = ""

    def slots(self):
        return self.dimms

    def populated(self):
        return [d for d in self.dimms if d.size_gib]


def _layout(platform, sockets, channels, dpc, size=64, speed=4800,
            configured=4800, empty=(), tweak=None):
    dimms = []
    for s in range(sockets):
        for c in range(channels):
            for k in range(dpc):
                d = Dimm(s, c, k, size, speed, configured)
                if (s, CHANNELS[c], k) in empty:
                    d.size_gib = 0
                if tweak:
                    tweak(d)
                dimms.append(d)
    return MemoryConfig(platform, sockets, channels, dpc, dimms)


def _genoa_12_empty():
    """6 DIMMs per socket in channels A C E G I K (AMD's 6-DIMM layout)."""
    return {(s, CHANNELS[c], 0) for s in range(2) for c in range(1, 12, 2)}


def _mixed(d):
    if d.socket == 1 and CHANNELS[d.channel] in "IJKL":
        d.configured = 4400
    if d.socket == 0 and CHANNELS[d.channel] in "KL":
        d.size_gib = 32


CONFIGS = {
    # 2 x 12 channels x 1 DIMM DDR5-4800 64 GiB: 1.5 TiB, 921.6 GB/s.
    "genoa-24": lambda: _layout(SUPERMICRO_H13DSH, 2, 12, 1),
    # One channel empty per socket (P0 F, P1 L): 1.375 TiB, 844.8 GB/s.
    "genoa-22": lambda: _layout(SUPERMICRO_H13DSH, 2, 12, 1,
                                empty={(0, "F", 0), (1, "L", 0)}),
    # 6 of 12 channels per socket, 16 GiB DIMMs (16-bit size field):
    # 192 GiB, 460.8 GB/s.
    "genoa-12": lambda: _layout(SUPERMICRO_H13DSH, 2, 12, 1, size=16,
                                empty=_genoa_12_empty()),
    # 24 populated; P1 I-L configured at 4400; P0 K,L are 32 GiB.
    "genoa-mixed": lambda: _layout(SUPERMICRO_H13DSH, 2, 12, 1, tweak=_mixed),
    # 2 DIMMs per channel, 48 x 64 GiB, all configured at 4400: 3 TiB,
    # 24 channels x 4400 x 8 = 844.8 GB/s (a channel counts once).
    "genoa-2dpc": lambda: _layout(AMD_TITANITE, 2, 12, 2, configured=4400),
    # MI300X host: 2 x EPYC 9554, 24 x 64 GiB DDR5-4800: 921.6 GB/s.
    "mi300x-host": lambda: _layout(SUPERMICRO_MI300X, 2, 12, 1),
    # HGX H100 host: 2 x Xeon 8480+, 8 channels x 2 DPC x 64 GiB, 4400
    # configured: 2 TiB, 16 x 4400 x 8 = 563.2 GB/s.
    "spr-hgx": lambda: _layout(NVIDIA_DGX_H100, 2, 8, 2, configured=4400),
}


def locator(cfg, d):
    if cfg.platform.cpu is XEON_8480:
        return "CPU%d_DIMM_%s%d" % (d.socket, CHANNELS[d.channel], d.slot + 1)
    return "DIMM_P%d_%s%d" % (d.socket, CHANNELS[d.channel], d.slot)


def bank_locator(cfg, d):
    return "P%d CHANNEL %s" % (d.socket, CHANNELS[d.channel])


def facts(cfg):
    """What a probe should derive from the table."""
    pop = cfg.populated()
    channels = {}
    for d in pop:
        key = (d.socket, d.channel)
        channels[key] = min(channels.get(key, d.configured), d.configured)
    per_channel = sum(mts * 8 for mts in channels.values()) / 1000.0
    slowest = min(channels.values()) * 8 * len(channels) / 1000.0
    return {
        "slots": len(cfg.dimms),
        "dimms_populated": len(pop),
        "channels_populated": len(channels),
        "total_bytes": sum(d.size_gib for d in pop) << 30,
        "peak_gbps": round(per_channel, 1),
        "peak_gbps_slowest_channel": round(slowest, 1),
        "nvdimm_records": 1 if cfg.nvdimm else 0,
    }


# -------------------------------------------------------------- records --

class Table:
    """Accumulates SMBIOS structures; handles are given in order."""

    def __init__(self):
        self.records = []
        self.next_handle = 0

    def add(self, rtype, body, strings=()):
        """body: the formatted area after the 4-byte header.  String
        fields in body refer to `strings` by 1-based index."""
        handle = self.next_handle
        self.next_handle += 1
        header = struct.pack("<BBH", rtype, 4 + len(body), handle)
        if strings:
            tail = b"".join(s.encode() + b"\0" for s in strings) + b"\0"
        else:
            tail = b"\0\0"
        self.records.append(header + body + tail)
        return handle

    def bytes(self):
        return b"".join(self.records)


class Strings:
    """Builds a record's string set; s("x") returns x's index, 0 for ""."""

    def __init__(self):
        self.items = []

    def __call__(self, text):
        if not text:
            return 0
        if text not in self.items:
            self.items.append(text)
        return self.items.index(text) + 1


def add_bios(t, p):
    s = Strings()
    body = struct.pack("<BBHBBQBBBBBBH", s(p.bios_vendor), s(p.bios_version),
                       0xF000, s(p.bios_date), 0xFF,
                       0x00000000000B9880,            # characteristics
                       0x03, 0x0D,                    # ACPI, USB; UEFI...
                       p.bios_release[0], p.bios_release[1], 0xFF, 0xFF,
                       0x0020)                        # 32 MiB ROM
    return t.add(0, body, s.items)


def add_system(t, p):
    s = Strings()
    body = struct.pack("<BBBB16sBBB", s(p.sys_vendor), s(p.product_name),
                       s(p.product_version), s(p.product_serial), p.uuid,
                       0x06, s(p.product_sku), s(p.product_family))
    return t.add(1, body, s.items)


def add_chassis(t, p):
    s = Strings()
    body = struct.pack("<BBBBBBBBBIBBBBB", s(p.chassis_vendor), 0x17,
                       s("0123456789"), s(p.chassis_serial),
                       s("To be filled by O.E.M."), 0x03, 0x03, 0x03, 0x03,
                       0, 2, 2, 0, 3, s("To be filled by O.E.M."))
    return t.add(3, body, s.items)


def add_board(t, p, chassis):
    s = Strings()
    body = struct.pack("<BBBBBBBHBB", s(p.board_vendor), s(p.board_name),
                       s(p.board_version), s(p.board_serial),
                       s("To be filled by O.E.M."), 0x09,
                       s("To be filled by O.E.M."), chassis, 0x0A, 0)
    return t.add(2, body, s.items)


def add_processor(t, cpu, socket):
    s = Strings()
    body = struct.pack(
        "<BBBBIIBBHHHBBHHHBBBBBBHHHHH",
        s(cpu.socket_names[socket]), 0x03, cpu.family, s(cpu.manufacturer),
        cpu.cpuid_eax, cpu.cpuid_edx, s(cpu.version),
        0x80 | cpu.voltage_dv, 100, cpu.max_mhz, cpu.cur_mhz, 0x41,
        cpu.upgrade, 0xFFFF, 0xFFFF, 0xFFFF,
        s("Unknown"), s("Unknown"), s("Unknown"),
        min(cpu.cores, 255), min(cpu.cores, 255), min(cpu.threads, 255),
        0x00FC, cpu.family, cpu.cores, cpu.cores, cpu.threads)
    return t.add(4, body, s.items)


def add_memory_array(t, devices, max_bytes, use=0x03):
    body = struct.pack("<BBBIHHQ", 0x03, use, 0x06, 0x80000000, 0xFFFE,
                       devices, max_bytes)
    return t.add(16, body)


def add_memory_device(t, array, loc, bank, dimm=None, serial="",
                      nvdimm_gib=0):
    """A type 17 record: a DDR5 RDIMM, an empty slot (dimm.size_gib 0),
    or an NVDIMM-N of nvdimm_gib."""
    s = Strings()
    size_gib = nvdimm_gib or (dimm.size_gib if dimm else 0)
    if size_gib:
        mib = size_gib * 1024
        size, ext = (mib, 0) if mib < 0x7FFF else (0x7FFF, mib)
        speed = dimm.speed if dimm else 4800
        conf = dimm.configured if dimm else 4800
        part = (dimm.part or PART[size_gib]) if dimm else "NV-DDR5-16G-N"
        mfr = "Samsung" if dimm else "Netlist"
        tech = TECH_NVDIMM_N if nvdimm_gib else TECH_DRAM
        detail = 0x2080 | (0x1000 if nvdimm_gib else 0)  # sync, registered
        mode = 0x0010 if nvdimm_gib else 0x0008   # persistent / volatile
        volatile = 0 if nvdimm_gib else size_gib << 30
        nonvol = size_gib << 30 if nvdimm_gib else 0
        fields = (80, 64, size, 0x09, 0, s(loc), s(bank), DDR5, detail,
                  speed, s(mfr), s(serial), s(loc + "_AssetTag"), s(part),
                  0x02, ext, conf, 1100, 1100, 1100, tech, mode, 0,
                  0xCE80 if dimm else 0x1680, 0x0000, 0x0000, 0x0000,
                  nonvol, volatile, 0, 0, 0, 0)
    else:
        fields = (0xFFFF, 0xFFFF, 0, 0x09, 0, s(loc), s(bank), TYPE_UNKNOWN,
                  0x0004, 0, s("Unknown"), s("NO DIMM"), s("NO DIMM"),
                  s("NO DIMM"), 0x00, 0, 0, 0, 0, 0, TECH_UNKNOWN, 0x0004,
                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    body = struct.pack("<HHHHHBBBBBHHBBBBBIHHHHBHBHHHHQQQQII", array, 0xFFFE,
                       *fields)
    assert len(body) + 4 == 0x5C
    return t.add(17, body, s.items)


def build_table(cfg):
    t = Table()
    p = cfg.platform
    add_bios(t, p)
    add_system(t, p)
    chassis_handle = 3          # type 3 comes right after type 2
    add_board(t, p, chassis_handle)
    add_chassis(t, p)
    for sock in range(cfg.sockets):
        add_processor(t, p.cpu, sock)
    per_socket = cfg.channels * cfg.dpc
    for sock in range(cfg.sockets):
        arr = add_memory_array(t, per_socket, 6 << 40)
        for d in cfg.dimms:
            if d.socket == sock:
                serial = "%08X" % (0x80AD1000 + sock * 0x100 + d.channel * 4
                                   + d.slot) if d.size_gib else ""
                add_memory_device(t, arr, locator(cfg, d), bank_locator(cfg, d),
                                  d, serial)
    if cfg.nvdimm:
        arr = add_memory_array(t, 1, 16 << 30, use=0x06)
        add_memory_device(t, arr, "NVDIMM_0", "NV CHANNEL 0", None,
                          "4E560001", nvdimm_gib=16)
    t.add(127, b"")
    return t.bytes()


def entry_point(table_len, address=TABLE_ADDRESS, version=SMBIOS_VERSION):
    """The 24-byte SMBIOS 3.0 (64-bit, "_SM3_") entry point."""
    ep = bytearray(struct.pack("<5sBBBBBBBIQ", b"_SM3_", 0, 0x18, version[0],
                               version[1], version[2], 0x01, 0, table_len,
                               address))
    ep[5] = (-sum(ep)) & 0xff
    return bytes(ep)


def build(name):
    cfg = CONFIGS[name]()
    table = build_table(cfg)
    return entry_point(len(table)), table, facts(cfg), cfg


def dump_bin(table):
    """A `dmidecode --dump-bin` style file: entry point at 0 pointing at
    offset 0x20, table at 0x20."""
    ep = entry_point(len(table), address=0x20)
    return ep + b"\0" * (0x20 - len(ep)) + table


def sysfs_dmi_id(p):
    """The /sys/class/dmi/id attribute values the kernel derives from the
    type 0, 1, 2 and 3 records."""
    u = p.uuid
    uuid = "%02x%02x%02x%02x-%02x%02x-%02x%02x-%s-%s" % (
        u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6],
        u[8:10].hex(), u[10:16].hex())
    return {
        "bios_vendor": p.bios_vendor, "bios_version": p.bios_version,
        "bios_date": p.bios_date,
        "bios_release": "%d.%d" % p.bios_release,
        "sys_vendor": p.sys_vendor, "product_name": p.product_name,
        "product_version": p.product_version,
        "product_serial": p.product_serial, "product_sku": p.product_sku,
        "product_family": p.product_family, "product_uuid": uuid,
        "board_vendor": p.board_vendor, "board_name": p.board_name,
        "board_version": p.board_version, "board_serial": p.board_serial,
        "board_asset_tag": "To be filled by O.E.M.",
        "chassis_vendor": p.chassis_vendor, "chassis_type": 23,
        "chassis_version": "0123456789", "chassis_serial": p.chassis_serial,
        "chassis_asset_tag": "To be filled by O.E.M.",
    }
