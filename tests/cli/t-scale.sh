#!/bin/bash
# tests/gen/mktree-scale, the generator of bench/README.md's scaling
# table, writes what it says: a small tree of it (64 CPUs, 4 nodes, 100
# PCI functions, 2 vectors each) probes to the CPUs, nodes, functions and
# IRQs its --facts list, every adapter's IRQs on its own node, and hwloc
# sees the same PCI functions. No timing here: bench/README.md has it.
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C

tree=$TMP/scale
if ! "$SRCDIR/tests/gen/mktree-scale" "$tree" --cpus 64 --nodes 4 --functions 100 --irqs-per-function 2 \
	--facts > "$TMP/facts.json"; then
	not_ok "mktree-scale writes a tree"
	done_testing
	exit
fi
"$RIGTUNE" --sysroot "$tree" probe --json > "$TMP/probe.json"
check "probe --json on the scale tree" test $? -eq 0
python3 - "$TMP/facts.json" "$TMP/probe.json" <<'PY' > "$TMP/cmp.txt"
import json, sys
f = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))
print("cpus", f["cpus"], p["cpu"]["threads"])
print("nodes", f["numa_nodes"], len(p["numa"]["nodes"]))
print("functions", f["pci_functions"], len(p["pci"]["devices"]))
print("irqs", f["irqs"], len(p["irqs"]))
ice = [q for q in p["irqs"] if q["driver"] == "ice"]
print("ice-irqs-local", 2 * sum(d["driver"] == "ice" for d in p["pci"]["devices"]),
      sum(not q["remote"] and q["device_node"] is not None for q in ice))
PY
while read -r what want got; do
	check "$what: $got (generator says $want)" test "$want" = "$got"
done < "$TMP/cmp.txt"
check "five facts compared" test "$(wc -l < "$TMP/cmp.txt")" -eq 5
if command -v lstopo >/dev/null; then
	n=$(HWLOC_FSROOT=$tree HWLOC_COMPONENTS=linux,stop lstopo --of xml --whole-io 2>/dev/null |
		grep -c ' pci_busid=')
	m=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["pci"]["devices"]))' "$TMP/probe.json")
	check "hwloc sees the same $m PCI functions (got $n)" test "$n" = "$m"
else
	skip "no lstopo"
fi
done_testing
