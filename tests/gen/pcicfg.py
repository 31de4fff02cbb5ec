"""PCI configuration space (4096 bytes) for a sysfs.PciDev.

Standard header (type 0 for devices, type 1 for bridges), a capability
list at 0x34: Power Management at 0x40, PCI Express at 0x60 (LnkCap +0x0c,
LnkSta +0x12, LnkCap2 +0x2c, LnkCtl2 +0x30), then MSI-X or MSI at 0xa0.
Extended space (0x100-0xfff) is zero but for an ACS capability at 0x100
on a device given one (d.acs: P2P Request and Completion Redirect on or
off).  The
bytes agree with the sysfs attributes the same PciDev produces, so libpci
(`lspci -F` on a pcidump.py dump) and hwloc see the same links.
"""

import struct

# PCI Express capability register offsets (relative to the capability).
EXP_FLAGS, EXP_DEVCAP, EXP_DEVCTL = 0x02, 0x04, 0x08
EXP_LNKCAP, EXP_LNKCTL, EXP_LNKSTA = 0x0c, 0x10, 0x12
EXP_SLTCAP, EXP_DEVCAP2, EXP_DEVCTL2 = 0x14, 0x24, 0x28
EXP_LNKCAP2, EXP_LNKCTL2 = 0x2c, 0x30

PORT_TYPE = {"endpoint": 0x0, "root_port": 0x4, "upstream": 0x5,
             "downstream": 0x6}

SPEED_CODE = {2.5: 1, 5.0: 2, 8.0: 3, 16.0: 4, 32.0: 5, 64.0: 6}

CAP_PM, CAP_EXP, CAP_MSIX = 0x40, 0x60, 0xa0


class Space:
    def __init__(self):
        self.b = bytearray(4096)

    def u8(self, off, v):
        self.b[off] = v & 0xff

    def u16(self, off, v):
        struct.pack_into("<H", self.b, off, v & 0xffff)

    def u32(self, off, v):
        struct.pack_into("<I", self.b, off, v & 0xffffffff)


def config_space(d):
    s = Space()
    _header_common(s, d)
    if d.is_bridge:
        _header_bridge(s, d)
    elif d.kind != "host_bridge":
        _header_device(s, d)
    if d.link is not None:
        s.u16(0x06, 0x0010)                 # status: capability list
        s.u8(0x34, CAP_PM)
        _cap_pm(s, CAP_PM, CAP_EXP)
        nxt = CAP_MSIX if (d.msix or d.msi) else 0
        _cap_express(s, CAP_EXP, nxt, d)
        if d.msix:
            _cap_msix(s, CAP_MSIX, d)
        elif d.msi:
            _cap_msi(s, CAP_MSIX)
    if d.acs is not None:
        _ext_cap_acs(s, 0x100, d.acs)
    return bytes(s.b)


def _ext_cap_acs(s, at, on):
    s.u32(at, 0x000d | (1 << 16))               # ACS, version 1, last
    s.u16(at + 4, 0x001f)                       # SV TB RR CR UF capable
    s.u16(at + 6, 0x000d if on else 0x0000)     # SV RR CR enabled, or none


def _header_common(s, d):
    s.u16(0x00, d.vendor)
    s.u16(0x02, d.device)
    cmd = 0x0006 if d.driver or d.is_bridge else 0x0000   # mem + bus master
    if d.msix or d.msi:
        cmd |= 0x0400                                      # INTx disabled
    s.u16(0x04, cmd)
    s.u8(0x08, d.revision)
    s.u8(0x09, d.cls & 0xff)
    s.u8(0x0a, (d.cls >> 8) & 0xff)
    s.u8(0x0b, d.cls >> 16)
    s.u8(0x0e, 0x01 if d.is_bridge else 0x00)


def _header_device(s, d):
    off = 0x10
    for bar in d.bars:
        low = 0x0
        if bar.is64:
            low |= 0x4
        if bar.prefetch:
            low |= 0x8
        s.u32(off, (bar.start & 0xfffffff0) | low)
        off += 4
        if bar.is64:
            s.u32(off, bar.start >> 32)
            off += 4
    s.u16(0x2c, d.subsys_vendor)
    s.u16(0x2e, d.subsys_device)
    s.u8(0x3c, 0xff)                        # no legacy INTx line routed
    s.u8(0x3d, 0x01)                        # INTA#


def _header_bridge(s, d):
    parent_bus = d.bus
    s.u8(0x18, parent_bus)
    s.u8(0x19, d.secondary)
    s.u8(0x1a, d.subordinate)
    s.u8(0x1c, 0xf1)                        # I/O window closed (base > limit)
    s.u8(0x1d, 0x01)
    if d.window_mem:
        lo, hi = d.window_mem
        s.u16(0x20, (lo >> 16) & 0xfff0)
        s.u16(0x22, (hi >> 16) & 0xfff0)
    else:
        s.u16(0x20, 0xfff0)
    if d.window_pref:
        lo, hi = d.window_pref
        s.u16(0x24, ((lo >> 16) & 0xfff0) | 0x1)   # 64-bit window
        s.u16(0x26, ((hi >> 16) & 0xfff0) | 0x1)
        s.u32(0x28, lo >> 32)
        s.u32(0x2c, hi >> 32)
    else:
        s.u16(0x24, 0xfff1)
        s.u16(0x26, 0x0001)
    s.u8(0x3c, 0xff)
    s.u8(0x3d, 0x01)
    s.u16(0x3e, 0x0012)                     # bridge control: SERR#, ISA off


def _cap_pm(s, at, nxt):
    s.u8(at, 0x01)
    s.u8(at + 1, nxt)
    s.u16(at + 2, 0x0003)                   # PM spec 1.2
    s.u16(at + 4, 0x0008)                   # D0, NoSoftRst+


def _cap_express(s, at, nxt, d):
    link = d.link
    ptype = PORT_TYPE[d.kind]
    is_port = d.kind in ("root_port", "downstream")
    s.u8(at, 0x10)
    s.u8(at + 1, nxt)
    flags = 0x2 | (ptype << 4)                  # capability version 2
    if is_port and d.slot is not None:
        flags |= 0x0100                         # slot implemented
    s.u16(at + EXP_FLAGS, flags)
    s.u32(at + EXP_DEVCAP, 0x10008002 if ptype == 0 else 0x00008002)
    devctl = 0x5957 if ptype == 0 else 0x0057   # MPS 512, MRRS 4096/512
    if d.mps:
        devctl = (devctl & ~0x00e0) | ((d.mps // 128).bit_length() - 1) << 5
    s.u16(at + EXP_DEVCTL, devctl)
    mcode = SPEED_CODE[float(link.max_gts)]
    lnkcap = mcode | (link.max_width << 4) | (0x3 << 10) | (0x4 << 12) \
        | (0x4 << 15) | (d.port_number << 24)
    if is_port:
        lnkcap |= (1 << 19) | (1 << 20) | (1 << 21)   # surprise, DLLA, BW notif.
    s.u32(at + EXP_LNKCAP, lnkcap)
    s.u16(at + EXP_LNKCTL, 0x0040 if ptype == 0 else 0x0040)  # common clock
    lnksta = SPEED_CODE[float(link.gts)] | (link.width << 4) | 0x1000  # slot clock
    if is_port:
        lnksta |= 0x2000                        # data link layer active
        if link.bwmgmt:
            lnksta |= 0x4000
        if link.autonomous:
            lnksta |= 0x8000
    s.u16(at + EXP_LNKSTA, lnksta)
    if is_port and d.slot is not None:
        s.u32(at + EXP_SLTCAP, (d.slot << 19) | 0x00000060)
    s.u32(at + EXP_DEVCAP2, 0x0070093f if mcode >= 4 else 0x0000081f)
    s.u16(at + EXP_DEVCTL2, 0x0400 if ptype == 0 else 0x0000)
    s.u32(at + EXP_LNKCAP2, sum(1 << i for i in range(1, mcode + 1)))
    s.u16(at + EXP_LNKCTL2, mcode)              # target link speed = max


def _cap_msix(s, at, d):
    s.u8(at, 0x11)
    s.u8(at + 1, 0x00)
    s.u16(at + 2, 0x8000 | (d.msix - 1))        # enabled, table size
    s.u32(at + 4, 0x00002000)                   # table in BAR0 at 0x2000
    s.u32(at + 8, 0x00003000)                   # PBA in BAR0 at 0x3000


def _cap_msi(s, at):
    s.u8(at, 0x05)
    s.u8(at + 1, 0x00)
    s.u16(at + 2, 0x0081)                       # enabled, 64-bit
    s.u32(at + 4, 0xfee00000)
    s.u32(at + 8, 0x00000000)
    s.u16(at + 12, 0x0022)
