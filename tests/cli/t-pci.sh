#!/bin/bash
# rigtune's PCIe view against the two oracles the issue names: lspci, link
# by link (LnkCap, LnkSta, the "(downgraded)" mark on endpoints), on every
# dump in ../shared/fixtures/lspci and on dumps of every tree; hwloc's
# pci_link_speed on every tree. Then the generated rigs' known faults
# (Genoa NIC trained low, HGX GPU behind a Gen4 switch port, idle GPUs),
# hostile dumps and trees (never a crash, never an exit from libpci), and
# the live host.
. "$(dirname "$0")/tap.sh"

# The trees: tests/gen's rigs (each written once, in parallel, with what a
# probe should find), and the real machines of ../shared/fixtures/sysfs.
GENERATED="genoa-nps1:mktree-genoa:--nps 1
genoa-degraded:mktree-genoa:--nps 1 --variant degraded
hgx-h100:mktree-hgx:
mi300x:mktree-mi300x:"
# Trees are 25 000 files each: on tmpfs when there is one (a second to
# write, against many on a busy disk).
TREES_DIR=$(mktemp -d -p /dev/shm rigtune-t-pci.XXXXXX 2>/dev/null) || TREES_DIR=$TMP/trees
mkdir -p "$TREES_DIR"
trap 'rm -rf "$TMP" "$TREES_DIR"' EXIT
while IFS=: read -r name script args; do
	[ -x "$SRCDIR/tests/gen/$script" ] &&
		"$SRCDIR/tests/gen/$script" "$TREES_DIR/$name" $args --facts > "$TMP/$name.facts" 2>/dev/null &
done <<<"$GENERATED"
if [ -d "$SHARED/fixtures/sysfs" ]; then
	for t in "$SHARED"/fixtures/sysfs/*.tar.bz2; do
		tar xf "$t" -C "$TREES_DIR" 2>/dev/null &
	done
fi
wait
TREES=""
while IFS=: read -r name script args; do
	if [ -s "$TMP/$name.facts" ]; then
		TREES="$TREES $name=$TREES_DIR/$name"
	else
		skip "$name: tests/gen/$script is missing or failed"
	fi
done <<<"$GENERATED"
for t in "$SHARED"/fixtures/sysfs/*.tar.bz2; do
	[ -e "$t" ] || { skip "no ../shared/fixtures/sysfs: the captured trees are not compared"; break; }
	name=$(basename "$t" .tar.bz2)
	[ -d "$TREES_DIR/$name/sys" ] && TREES="$TREES $name=$TREES_DIR/$name"
done

COMPARE=$TMP/pci-compare.py
cat > "$COMPARE" <<'EOF'
"""pci-compare MODE ORACLE RIGTUNE.json [--strict]
MODE lspci: ORACLE is `lspci -D -vv` text; hwloc: `lstopo --of xml`;
facts: a tests/gen generator's --facts JSON. Prints how many devices or
links were compared, and one '# ...' line per disagreement; exit 1 then."""
import json
import re
import sys
import xml.etree.ElementTree as ET

BDF = r"[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]"
# lspci marks no downgrade on these: their link maximum is the port's.
PORTS = ("Root Port", "Downstream Port", "PCI/PCI-X to PCI-Express Bridge")


def gts(s):
    return None if s == "unknown" else float(s.replace("GT/s", ""))


def lspci(text, ours, strict):
    n, bad = 0, []
    for block in re.split(r"\n(?=%s )" % BDF, text):
        m = re.match(r"(%s) " % BDF, block)
        if not m:
            continue
        bdf = m.group(1)
        d = ours.get(bdf)
        if d is None:
            bad.append(f"{bdf}: lspci lists it, rigtune does not")
            continue
        cap = re.search(r"LnkCap:\s+Port #\d+, Speed (\S+), Width x(\d+)", block)
        sta = re.search(r"LnkSta:\s+Speed (\S+?)( \((?:downgraded|overdriven)\))?, "
                        r"Width x(\d+)( \((?:downgraded|overdriven)\))?", block)
        link = d["link"]
        if not cap:
            if strict and link is not None:
                bad.append(f"{bdf}: lspci shows no link, rigtune {link}")
            continue
        if link is None:
            bad.append(f"{bdf}: lspci shows a link, rigtune none")
            continue
        n += 1
        want = {"max_speed_gts": gts(cap.group(1)), "max_width": int(cap.group(2)) or None}
        if sta:
            want.update(speed_gts=gts(sta.group(1)), width=int(sta.group(3)) or None)
        for k, v in want.items():
            if link[k] != v:
                bad.append(f"{bdf}: {k}: lspci {v}, rigtune {link[k]}")
        kind = re.search(r"Express \(v\d\) (.+?)(?: \(Slot[+-]\))?, (?:MSI|IntMsgNum)", block)
        if sta and kind and kind.group(1) not in PORTS and None not in want.values():
            mark = "downgraded" in (sta.group(2) or "") + (sta.group(4) or "")
            if link["downgraded"] != mark:
                bad.append(f"{bdf}: downgraded: lspci {mark}, rigtune {link['downgraded']}")
    return n, bad


def hwloc(xml, ours):
    n, bad = 0, []
    for o in ET.fromstring(xml).iter("object"):
        bdf = o.get("pci_busid")
        if not bdf:
            continue
        n += 1
        d = ours.get(bdf)
        if d is None:
            bad.append(f"{bdf}: hwloc sees it, rigtune does not")
            continue
        theirs = float(o.get("pci_link_speed", "0"))
        link = d["link"] or {}
        bw = link.get("bandwidth_gbps")
        if bw is not None and link.get("speed_gts", 0) >= 64:
            bw = bw * 128 / 130  # hwloc 2.9 applies 128b/130b to 64 GT/s too
        if theirs == 0:  # hwloc's "unknown"
            if bw:
                bad.append(f"{bdf}: hwloc knows no link speed, rigtune {bw} GB/s")
        elif bw is None or abs(bw - theirs) > 0.01:
            bad.append(f"{bdf}: pci_link_speed {theirs}, rigtune bandwidth_gbps {bw}")
    return n, bad


LINK_KEYS = ("speed_gts", "width", "max_speed_gts", "max_width", "downgraded")


def facts(text, ours):
    f = json.loads(text)
    entries = [dict(v, bdf=k) for k, v in (f.get("pci") or {}).items()]
    for key in ("gpus", "nics"):
        entries += [e for e in f.get(key) or [] if isinstance(e, dict) and "bdf" in e]
    n, bad = 0, []
    for e in entries:
        d = ours.get(e["bdf"])
        if d is None:
            bad.append(f"{e['bdf']}: the generator made it, rigtune does not list it")
            continue
        n += 1
        link = d["link"] or {}
        idle = e.get("idle_low_speed", e.get("idle"))
        for k, want in e.items():
            if k in LINK_KEYS:
                # An idle GPU keeps lspci's "(downgraded)" mark in rigtune,
                # with link.idle set; the generators say downgraded=false.
                if k == "downgraded" and idle:
                    continue
                got = link.get(k)
            elif k in ("idle_low_speed", "idle"):
                got = link.get("idle")
            elif k == "bandwidth_gbps":
                got = link.get(k)
                if got is not None and want is not None and abs(got - want) <= 0.011:
                    continue
            elif k in ("numa_node", "upstream", "limiting_hop"):
                got = d.get(k)
            else:
                continue
            if got != want:
                bad.append(f"{e['bdf']}: {k}: generator {want}, rigtune {got}")
    return n, bad


def main():
    mode, oracle, probe = sys.argv[1:4]
    with open(probe) as f:
        ours = {d["bdf"]: d for d in json.load(f)["pci"]["devices"]}
    with open(oracle, errors="replace") as f:
        text = f.read()
    if mode == "lspci":
        n, bad = lspci(text, ours, "--strict" in sys.argv)
    else:
        n, bad = (hwloc if mode == "hwloc" else facts)(text, ours)
    print(n)
    for b in bad:
        print("# " + b)
    sys.exit(1 if bad else 0)


main()
EOF

# compare MODE ORACLE JSON [--strict] DESCRIPTION: passes with something compared
compare() {
	local mode=$1 oracle=$2 json=$3 strict=$4 what=$5 out n
	out=$(python3 "$COMPARE" "$mode" "$oracle" "$json" $strict); rc=$?
	n=$(head -1 <<<"$out")
	if [ $rc -eq 0 ] && [ "${n:-0}" -gt 0 ]; then
		ok "$what ($n compared)"
	else
		not_ok "$what ($n compared)"; tail -n +2 <<<"$out" | head -20 | diag
	fi
}
jq_py() { # JSON EXPR: evaluate a Python expression on d = the probe's pci member
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["pci"]; D={x["bdf"]: x for x in d["devices"]}; sys.exit(0 if eval(sys.argv[2]) else 1)' "$@"
}
mkdir -p "$TMP/empty"

# ---- lspci's own dumps ----------------------------------------------------
if [ -d "$SHARED/fixtures/lspci" ]; then
	for dump in "$SHARED"/fixtures/lspci/cap-*; do
		name=$(basename "$dump")
		lspci -D -F "$dump" -vv > "$TMP/$name.lspci" 2>/dev/null
		"$RIGTUNE" --sysroot "$TMP/empty" --pci-dump "$dump" probe --json > "$TMP/$name.json"; rc=$?
		check "$name: probe --pci-dump exits 0" [ $rc -eq 0 ]
		compare lspci "$TMP/$name.lspci" "$TMP/$name.json" --strict \
			"$name: every link equals lspci -F -vv (LnkCap, LnkSta, downgraded)"
	done
	d=$SHARED/fixtures/lspci
	check "cap-phy32: the NVMe at 16 of 32 GT/s x2 is downgraded" \
		jq_py "$TMP/cap-phy32.json" 'D["0000:2e:00.0"]["link"]["downgraded"] and D["0000:2e:00.0"]["link"]["max_gen"] == 5'
	check "cap-phy32: the text names it on an attention line" \
		grep -q '^  ! 0000:2e:00.0 .*runs Gen4 x2, capable of Gen5 x2' \
		<("$RIGTUNE" --sysroot "$TMP/empty" --pci-dump "$d/cap-phy32" probe)
	check "cap-exp-lnkcap2: a Thunderbolt port's maximum is LnkCap's 2.5 GT/s, not LnkCap2's 8" \
		jq_py "$TMP/cap-exp-lnkcap2.json" 'D["0000:08:00.0"]["link"]["max_speed_gts"] == 2.5 and not D["0000:08:00.0"]["link"]["downgraded"]'
	check "cap-exp-lnkcap2: the GPU hangs under the root port" \
		jq_py "$TMP/cap-exp-lnkcap2.json" 'D["0000:02:00.0"]["upstream"] == ["0000:00:1c.0"] and D["0000:02:00.0"]["limiting_hop"] is None'
	check "cap-pcie-1: a root port at 2.5 of 5 GT/s with nothing under it is not downgraded" \
		jq_py "$TMP/cap-pcie-1.json" 'not D["0000:00:01.0"]["link"]["downgraded"] and D["0000:00:01.0"]["port_type"] == "root_port"'
else
	skip "no ../shared/fixtures/lspci: the lspci dump comparisons need it"
fi

# ---- every tree: hwloc, lspci on the tree, lspci on a dump of the tree -----
# Two probes' PCI sections, but for where the bytes came from (tree or dump).
SAME_PCI='import json, sys
def pci(path):
    p = json.load(open(path))["pci"]
    p.pop("method")
    for d in p["devices"]:
        if d["link"] and d["link"]["source"] in ("config", "dump"):
            d["link"]["source"] = "config space"
    return p
a, b = pci(sys.argv[1]), pci(sys.argv[2])
sys.exit(0 if a == b and a["devices"] else 1)'
for pair in $TREES; do
	name=${pair%%=*}; dir=${pair#*=}
	"$RIGTUNE" --sysroot "$dir" probe --json > "$TMP/$name.json"; rc=$?
	check "$name: probe --json exits 0" [ $rc -eq 0 ]
	if HWLOC_FSROOT="$dir" HWLOC_COMPONENTS=linux,stop lstopo --of xml --whole-io - > "$TMP/$name.xml" 2>/dev/null; then
		if grep -q pci_busid "$TMP/$name.xml"; then
			compare hwloc "$TMP/$name.xml" "$TMP/$name.json" "" \
				"$name: every device hwloc sees is listed, bandwidth_gbps = pci_link_speed"
		else
			check "$name: no PCI in hwloc, none in rigtune" jq_py "$TMP/$name.json" 'not d["devices"]'
		fi
	else
		skip "$name: lstopo is not installed or failed"
	fi
	if lspci -D -vv -A linux-sysfs -O sysfs.path="$dir/sys/bus/pci" > "$TMP/$name.tree.lspci" 2>/dev/null &&
		grep -q LnkCap: "$TMP/$name.tree.lspci"; then
		compare lspci "$TMP/$name.tree.lspci" "$TMP/$name.json" "" "$name: links equal lspci's on the tree's config space"
		lspci -D -xxxx -A linux-sysfs -O sysfs.path="$dir/sys/bus/pci" > "$TMP/$name.dump" 2>/dev/null
		lspci -D -vv -F "$TMP/$name.dump" > "$TMP/$name.dump.lspci" 2>/dev/null
		"$RIGTUNE" --sysroot "$TMP/empty" --pci-dump "$TMP/$name.dump" probe --json > "$TMP/$name.dump.json"
		compare lspci "$TMP/$name.dump.lspci" "$TMP/$name.dump.json" --strict \
			"$name: an lspci -xxxx dump of it reads back as lspci -F reads it"
		# The probe's own dump of a tree leaves config files' zero tails
		# out (pci_config_dump_length): libpci must read the same from it.
		"$RIGTUNE" --sysroot "$dir" --pci-dump "$TMP/$name.dump" probe --json > "$TMP/$name.full.json"
		check "$name: the tree probes as a full -xxxx dump of its config files does" \
			python3 -c "$SAME_PCI" "$TMP/$name.json" "$TMP/$name.full.json"
	else
		skip "$name: lspci shows no link on this tree (config space not captured, or unreadable)"
	fi
done

# ---- the shared captures' particulars --------------------------------------
tree_dir() { local p; for p in $TREES; do [ "${p%%=*}" = "$1" ] && echo "${p#*=}"; done; }
intel=32intel64-2p8co2t+8ve
if [ -n "$(tree_dir $intel)" ]; then
	check "$intel: upstream runs root port first, as in DESIGN.md's example" \
		jq_py "$TMP/$intel.json" 'D["0000:1a:00.0"]["upstream"] == ["0000:17:00.0", "0000:18:00.0", "0000:19:04.0"]'
	check "$intel: a bridge missing from sys/bus/pci/devices is found through the device's path" \
		jq_py "$TMP/$intel.json" 'D["0000:5f:03.0"]["bridge"] and D["0000:60:00.0"]["upstream"][-1] == "0000:5f:03.0"'
	check "$intel: the X722 at 2.5 GT/s is limited by its Gen1-only switch port" \
		jq_py "$TMP/$intel.json" 'D["0000:60:00.0"]["link"]["downgraded"] and D["0000:60:00.0"]["limiting_hop"] == "0000:5f:03.0"'
	check "$intel: kernel 3.10 strings ('8 GT/s') read, 15.75 GB/s for Gen3 x16" \
		jq_py "$TMP/$intel.json" 'D["0000:1a:00.0"]["link"]["bandwidth_gbps"] == 15.75 and D["0000:1a:00.0"]["link"]["source"] == "sysfs"'
	check "$intel: driver, NUMA node and local CPUs" \
		jq_py "$TMP/$intel.json" 'D["0000:1a:00.0"]["driver"] == "mlx5_core" and D["0000:1a:00.0"]["numa_node"] == 0 and D["0000:1a:00.0"]["local_cpus"] == "0-7,16-23"'
fi
if [ -n "$(tree_dir nvidiagpunumanodes)" ]; then
	check "nvidiagpunumanodes: devices without vendor files (libpci gives up on them) are listed with their class" \
		jq_py "$TMP/nvidiagpunumanodes.json" 'len(d["devices"]) == 6 and all(x["class"] == "0x0300" and x["link"] is None for x in d["devices"]) and d["error"] is None'
fi

# ---- the generated rigs -----------------------------------------------------
gen_facts() { # NAME: compare the probe with what the generator says it made
	[ -s "$TMP/$1.facts" ] && [ -s "$TMP/$1.json" ] || return 1
	compare facts "$TMP/$1.facts" "$TMP/$1.json" "" "$1: links, upstream, limiting hop as the generator made them"
}
if gen_facts genoa-degraded; then
	dir=$(tree_dir genoa-degraded)
	check "genoa-degraded: the NIC's attention line names root port 0000:40:01.1" \
		grep -q '^  ! 0000:41:00.0 Mellanox ConnectX-7 runs Gen4 x8, capable of Gen5 x16: limited at 0000:40:01.1 (root port' \
		<("$RIGTUNE" --sysroot "$dir" probe)
	check "genoa-degraded: the links come from config space" \
		jq_py "$TMP/genoa-degraded.json" 'D["0000:41:00.0"]["link"]["source"] == "config"'
	if [ -s "$TMP/genoa-degraded.dump" ]; then
		"$RIGTUNE" --sysroot "$dir" --pci-dump "$TMP/genoa-degraded.dump" probe --json > "$TMP/gd.json"
		check "genoa-degraded: its dump with its tree: links from the dump, driver and node from sysfs" \
			jq_py "$TMP/gd.json" 'D["0000:41:00.0"]["link"]["source"] == "dump" and D["0000:41:00.0"]["driver"] == "mlx5_core" and D["0000:41:00.0"]["numa_node"] == 0'
		check "genoa-degraded: the dump alone finds the limiting hop through bridge bus numbers" \
			jq_py "$TMP/genoa-degraded.dump.json" 'D["0000:41:00.0"]["limiting_hop"] == "0000:40:01.1" and D["0000:41:00.0"]["driver"] is None'
	fi
fi
if gen_facts genoa-nps1; then
	check "genoa-nps1: a healthy rig has no attention line in the PCIe block" \
		bash -c "! \"$RIGTUNE\" --sysroot \"$(tree_dir genoa-nps1)\" probe | sed -n '/^PCIe devices/,/^\$/p' | grep -q '!'"
	check "genoa-nps1: the Gen4 NVMe's root port at 16 of 32 GT/s is no fault" \
		jq_py "$TMP/genoa-nps1.json" 'not D["0000:c0:01.1"]["link"]["downgraded"] and D["0000:c1:00.0"]["limiting_hop"] is None'
fi
if gen_facts hgx-h100; then
	out=$("$RIGTUNE" --sysroot "$(tree_dir hgx-h100)" probe)
	check "hgx-h100: GPU 0000:9d:00.0 is limited at its Gen4-only switch port 0000:9b:01.0" \
		grep -q '^  ! 0000:9d:00.0 NVIDIA .* runs Gen4 x16, capable of Gen5 x16: limited at 0000:9b:01.0 (switch downstream port' <<<"$out"
	check "hgx-h100: the idle GPU 0000:d1:00.0 raises no alarm" bash -c '! grep -q "! 0000:d1:00.0" <<<"$1"' _ "$out"
	check "hgx-h100: the idle GPU's line says so" \
		grep -q '^  0000:d1:00.0 .*2.5 GT/s x16 (idle: GPU power saving; Gen5 x16 capable)' <<<"$out"
	check "hgx-h100: idle GPU: downgraded as lspci marks it, idle, no limiting hop" \
		jq_py "$TMP/hgx-h100.json" 'D["0000:d1:00.0"]["link"]["downgraded"] and D["0000:d1:00.0"]["link"]["idle"] and D["0000:d1:00.0"]["limiting_hop"] is None'
fi
if gen_facts mi300x; then
	check "mi300x: the idle MI300X (class 12xx) raises no alarm" \
		bash -c "! \"$RIGTUNE\" --sysroot \"$(tree_dir mi300x)\" probe | grep -q '! 0000:a3:00.0'"
fi

# ---- hostile input: never a crash, never an exit from inside libpci --------
python3 -c 'import random; r = random.Random(1); open(r"'"$TMP/garbage"'", "wb").write(bytes(r.randrange(256) for _ in range(8192)))'
: > "$TMP/empty.dump"
printf '00:00.0 Host bridge\n00: %s\n' "$(printf 'ab %.0s' $(seq 200))" > "$TMP/longline"
printf 'zz:zz.z nothing\n00: 86 80\n' > "$TMP/noheader"
# two bridges whose bus numbers point at each other
printf '00:01.0 PCI bridge\n00: 86 80 01 00 00 00 10 00 00 00 04 06 00 00 01 00\n10: 00 00 00 00 00 00 00 00 01 02 02 00\n\n02:00.0 PCI bridge\n00: 86 80 01 00 00 00 10 00 00 00 04 06 00 00 01 00\n10: 00 00 00 00 00 00 00 00 02 00 02 00\n' > "$TMP/loop"
if [ -f "$SHARED/fixtures/lspci/cap-exp-lnkcap2" ]; then
	head -c 3000 "$SHARED/fixtures/lspci/cap-exp-lnkcap2" > "$TMP/truncated"
else
	printf '00:1c.0 PCI bridge\n00: 86 80 10 9d 07 04 10 00 f1 00 04 06 00 00 81 00\n10: 00 00' > "$TMP/truncated"
fi
hostile() { # NAME FILE PYTHON-CHECK
	local name=$1 file=$2 test=$3
	timeout 60 "$RIGTUNE" --sysroot "$TMP/empty" --pci-dump "$file" probe --json > "$TMP/h.json" 2> "$TMP/h.err"; rc=$?
	check "$name: exit 0, no crash" [ $rc -eq 0 ]
	check "$name: valid JSON, $test" jq_py "$TMP/h.json" "$test"
	timeout 60 "$RIGTUNE" --sysroot "$TMP/empty" --pci-dump "$file" probe > "$TMP/h.txt" 2>&1; rc=$?
	check "$name: the text probe exits 0 too" [ $rc -eq 0 ]
}
hostile "random bytes as a dump" "$TMP/garbage" 'd["devices"] == [] and "line too long" in d["error"]'
hostile "a dump cut mid-line" "$TMP/truncated" 'd["error"] is not None and d["devices"][0]["bdf"] == "0000:00:1c.0"'
hostile "an empty dump" "$TMP/empty.dump" 'd["devices"] == [] and "no PCI device" in d["error"]'
hostile "a dump with a 600-byte line" "$TMP/longline" 'd["error"] is not None'
hostile "a dump without a device header" "$TMP/noheader" 'd["devices"] == [] and d["error"] is not None'
hostile "a missing dump file" "$TMP/nonexistent" '"Cannot open" in d["error"] and "nonexistent" in d["error"]'
hostile "bridges whose bus numbers loop" "$TMP/loop" 'len(d["devices"]) == 2 and all(len(x["upstream"]) <= 1 for x in d["devices"])'
check "a failed enumeration shows on the text output" grep -q '! PCI enumeration failed (dump): dump: Cannot open' \
	<("$RIGTUNE" --sysroot "$TMP/empty" --pci-dump "$TMP/nonexistent" probe)

mkdir -p "$TMP/badtree/sys/bus/pci/devices/not-a-device" "$TMP/filetree/sys/bus/pci"
: > "$TMP/filetree/sys/bus/pci/devices"
"$RIGTUNE" --sysroot "$TMP/badtree" probe --json > "$TMP/bad.json"; rc=$?
check "a tree with an entry libpci cannot parse: exit 0" [ $rc -eq 0 ]
check "... and pci.error names the entry" jq_py "$TMP/bad.json" '"not-a-device" in d["error"]'
"$RIGTUNE" --sysroot "$TMP/filetree" probe --json > "$TMP/file.json"; rc=$?
check "a tree whose sys/bus/pci/devices is a file: exit 0 with an error" \
	bash -c '[ $0 -eq 0 ] && python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))[\"pci\"][\"error\"] is None)" "$1"' $rc "$TMP/file.json"
"$RIGTUNE" --sysroot "$TMP/empty" probe --json > "$TMP/empty.json"
check "an empty tree: no PCI, no error, method sysfs" jq_py "$TMP/empty.json" 'd["devices"] == [] and d["error"] is None and d["method"] == "sysfs"'

# ---- the live host ----------------------------------------------------------
"$RIGTUNE" probe --json > "$TMP/live.json"; rc=$?
check "live: probe --json exits 0" [ $rc -eq 0 ]
check "live: the text has a 'PCIe devices' block" grep -qx "PCIe devices" <("$RIGTUNE" probe)
if [ -d /sys/bus/pci/devices ] && lspci -D -vv > "$TMP/live.lspci" 2>/dev/null && [ -s "$TMP/live.lspci" ]; then
	check "live: every function lspci lists is listed" python3 -c '
import json, re, sys
ours = {d["bdf"] for d in json.load(open(sys.argv[1]))["pci"]["devices"]}
theirs = set(re.findall(r"^([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ", open(sys.argv[2]).read(), re.M))
sys.exit(0 if theirs <= ours else print("# missing:", sorted(theirs - ours)) or 1)' "$TMP/live.json" "$TMP/live.lspci"
	if grep -q LnkCap: "$TMP/live.lspci"; then
		compare lspci "$TMP/live.lspci" "$TMP/live.json" "$([ "$(id -u)" = 0 ] && echo --strict)" "live: links equal lspci -vv"
	else
		check "live: no PCIe link in lspci (a VM's virtio devices): every link null" \
			jq_py "$TMP/live.json" 'all(x["link"] is None for x in d["devices"])'
	fi
else
	skip "live: no PCI bus or no lspci on this host"
fi

done_testing
