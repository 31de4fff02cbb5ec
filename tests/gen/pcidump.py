#!/usr/bin/env python3
"""pcidump.py TREE [-o FILE]

Writes the PCI config spaces of a sysfs tree (TREE/sys/bus/pci/devices/*/
config) as an `lspci -xxxx` dump, which libpci reads back with its dump
method: `lspci -F FILE -vv`, `lspci -F FILE -tv`, or rigtune's
`--pci-dump FILE`.  Each device is a line "DDDD:BB:DD.F <class>: <vendor>
<device>" then 16 bytes per line ("00: 86 80 ..."; offsets of 0x100 and
beyond take three digits, as lspci prints them), then a blank line.
"""

import argparse
import os
import sys


def read_hex(path):
    try:
        with open(path) as f:
            return int(f.read().strip(), 16)
    except (OSError, ValueError):
        return 0


def dump_device(devdir, bdf):
    with open(os.path.join(devdir, "config"), "rb") as f:
        cfg = f.read()
    cls = read_hex(os.path.join(devdir, "class")) >> 8
    vendor = read_hex(os.path.join(devdir, "vendor"))
    device = read_hex(os.path.join(devdir, "device"))
    lines = ["%s Class %04x: Device %04x:%04x" % (bdf, cls, vendor, device)]
    for off in range(0, len(cfg), 16):
        row = " ".join("%02x" % b for b in cfg[off:off + 16])
        lines.append("%s: %s" % ("%02x" % off if off < 0x100 else "%03x" % off,
                                 row))
    return "\n".join(lines) + "\n\n"


def dump_tree(tree):
    base = os.path.join(tree, "sys/bus/pci/devices")
    return "".join(dump_device(os.path.join(base, bdf), bdf)
                   for bdf in sorted(os.listdir(base)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    ap.add_argument("tree")
    ap.add_argument("-o", "--output", help="file to write (default: stdout)")
    a = ap.parse_args()
    text = dump_tree(a.tree)
    if a.output:
        with open(a.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
