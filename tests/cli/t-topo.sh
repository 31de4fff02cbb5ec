#!/bin/bash
# rigtune topo and rigtune plan on every fixture tree (tests/gen's rigs,
# tests/fixtures, ../shared's real machines), each pair's path and each
# placement line against tests/cli/topo-oracle, which works them out
# from the tree's own sysfs links, classes, nodes and KFD io_links. Then
# the text forms a person reads, and a wrong answer the oracle must catch.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/fixture-trees.sh"

ORACLE=$SRCDIR/tests/cli/topo-oracle
pyjson() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

for p in $TREES; do
	name=${p%%=*} dir=${p#*=}
	"$RIGTUNE" --sysroot "$dir" topo --json > "$TMP/$name.topo.json"; rc=$?
	check "$name: topo --json exits 0" [ $rc -eq 0 ]
	if "$ORACLE" "$dir" topo "$TMP/$name.topo.json" > "$TMP/$name.topo.diff"; then
		ok "$name: every device and every pair's path as the tree's sysfs links and KFD io_links say"
	else
		not_ok "$name: topo differs from the tree"; diag < "$TMP/$name.topo.diff"
	fi
	"$RIGTUNE" --sysroot "$dir" plan --json > "$TMP/$name.plan.json"; rc=$?
	check "$name: plan --json exits 0" [ $rc -eq 0 ]
	if "$ORACLE" "$dir" plan "$TMP/$name.plan.json" > "$TMP/$name.plan.diff"; then
		ok "$name: plan groups, numactl lines, visible devices, NICs and drop-ins as the tree says"
	else
		not_ok "$name: plan differs from the tree"; diag < "$TMP/$name.plan.diff"
	fi
done

hgx=$(tree_dir hgx-h100)
if [ -n "$hgx" ]; then
	check "HGX: 8 GPUs and 8 NICs, 120 pairs" pyjson "$TMP/hgx-h100.topo.json" \
		'len(d["topo"]["devices"]) == 16 and len(d["topo"]["matrix"]) == 120'
	check "HGX: each GPU has its NIC on its switch (8 PIX), NODE within and SYS across sockets" \
		pyjson "$TMP/hgx-h100.topo.json" '
([m["link"] for m in d["topo"]["matrix"]].count("PIX") == 8 and
 {m["link"] for m in d["topo"]["matrix"]} == {"PIX", "NODE", "SYS"})'
	"$RIGTUNE" --sysroot "$hgx" topo > "$TMP/hgx.txt"
	check "HGX text: a header of GPU0..GPU7, NIC0..NIC7 and the affinity columns" \
		grep -Eq '^ +GPU0 +GPU1 .* GPU7 +NIC0 .* NIC7 +CPU Affinity +NUMA Affinity$' "$TMP/hgx.txt"
	check "HGX text: GPU0 row: X, then PIX to its NIC, CPUs and node 0" \
		grep -Eq '^GPU0 +X +NODE +NODE +NODE +SYS +SYS +SYS +SYS +PIX +NODE .* 0-55,112-167 +0$' "$TMP/hgx.txt"
	check "HGX text: NIC0 is 0000:1a:00.0, mlx5_0" grep -Eq '^NIC0 +0000:1a:00.0  mlx5_0' "$TMP/hgx.txt"
	"$RIGTUNE" --sysroot "$hgx" plan > "$TMP/hgx-plan.txt"
	check "HGX plan: node 0's command line" grep -qx "  CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=0,1,2,3 NCCL_IB_HCA=mlx5_0,mlx5_1,mlx5_2,mlx5_3 numactl --cpunodebind=0 --membind=0 SERVER..." "$TMP/hgx-plan.txt"
	check "HGX plan: node 1's drop-in binds CPUs and memory" \
		bash -c 'grep -qx "    CPUAffinity=56-111,168-223" "$1" && grep -qx "    NUMAMask=1" "$1" && grep -qx "    NUMAPolicy=bind" "$1"' _ "$TMP/hgx-plan.txt"
	check "HGX plan: GPU4 closest NIC is NIC4 on its switch" \
		grep -Eq '^GPU4 +0000:9d:00.0 +cuda 4 +1 +NIC4 0000:9c:00.0 mlx5_4 \(PIX\)$' "$TMP/hgx-plan.txt"
	"$RIGTUNE" --sysroot "$hgx" topo extra > /dev/null 2>&1; rc=$?
	check "topo with an extra argument: exit 2" [ $rc -eq 2 ]
	# The oracle must notice a wrong pair: turn one PIX into PXB.
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
m=next(x for x in d["topo"]["matrix"] if x["link"]=="PIX"); m["link"]="PXB"
json.dump(d, open(sys.argv[2], "w"))' "$TMP/hgx-h100.topo.json" "$TMP/wrong.json"
	check "the oracle catches a wrong pair" bash -c '! "$1" "$2" topo "$3" > /dev/null' _ "$ORACLE" "$hgx" "$TMP/wrong.json"
	# SR-IOV: two virtual functions on NIC0 and one on GPU0 (a vGPU
	# host's), each a copy of its physical function with a physfn link,
	# as the kernel makes them. They share the PF's link and go to
	# guests: neither the matrix nor the CUDA numbering may count them.
	vf=$TMP/hgx-vf
	cp -a "$hgx" "$vf"
	add_vf() { # PF VF: copy the PF's sysfs directory next to it as VF
		local pfdir vfdir
		pfdir=$(cd "$vf/sys/bus/pci/devices/$1" && pwd -P) vfdir=$(dirname "$pfdir")/$2
		cp -a "$pfdir" "$vfdir" && rm -rf "$vfdir"/virtfn* "$vfdir"/infiniband "$vfdir"/net &&
			ln -s "../$1" "$vfdir/physfn" && ln -s "../$2" "$pfdir/virtfn$3" &&
			ln -s "$(readlink "$vf/sys/bus/pci/devices/$1" | sed "s|$1\$|$2|")" "$vf/sys/bus/pci/devices/$2"
	}
	add_vf 0000:1a:00.0 0000:1a:00.2 0 && add_vf 0000:1a:00.0 0000:1a:00.3 1 &&
		add_vf "$(python3 -c 'import json,sys; print(next(x["bdf"] for x in json.load(open(sys.argv[1]))["topo"]["devices"] if x["kind"]=="gpu"))' "$TMP/hgx-h100.topo.json")" \
			"$(python3 -c 'import json,sys; b=next(x["bdf"] for x in json.load(open(sys.argv[1]))["topo"]["devices"] if x["kind"]=="gpu"); print(b[:-1] + "4")' "$TMP/hgx-h100.topo.json")" 0
	check "three VFs added to a copy of the HGX tree" [ "$(ls -d "$vf"/sys/bus/pci/devices/*/physfn | wc -l)" -eq 3 ]
	"$RIGTUNE" --sysroot "$vf" -v probe --json > "$TMP/vf.probe.json"
	check "the probe still lists the VFs as PCI functions" pyjson "$TMP/vf.probe.json" \
		'len(d["pci"]["devices"]) == 51'
	"$RIGTUNE" --sysroot "$vf" topo --json > "$TMP/vf.topo.json"
	"$RIGTUNE" --sysroot "$vf" plan --json > "$TMP/vf.plan.json"
	check "VFs: topo has the same 16 devices and 120 pairs as without them" \
		cmp -s <(python3 -m json.tool "$TMP/hgx-h100.topo.json") <(python3 -m json.tool "$TMP/vf.topo.json")
	check "VFs: plan is the same (CUDA numbering, NICs)" \
		cmp -s <(python3 -m json.tool "$TMP/hgx-h100.plan.json") <(python3 -m json.tool "$TMP/vf.plan.json")
	check "VFs: the oracle agrees" "$ORACLE" "$vf" topo "$TMP/vf.topo.json"
else
	skip "no HGX tree (tests/gen/mktree-hgx missing or failed)"
fi

mi=$(tree_dir mi300x)
if [ -n "$mi" ]; then
	check "MI300X: 27 GPU pairs over xGMI, the unlinked pair over SYS" pyjson "$TMP/mi300x.topo.json" '
[m["link"] for m in d["topo"]["matrix"]].count("XGMI") == 27 and [m["link"] for m in d["topo"]["matrix"]].count("SYS") == 1'
	check "MI300X plan: HIP_VISIBLE_DEVICES per node, no CUDA" pyjson "$TMP/mi300x.plan.json" '
[g["env"] for g in d["plan"]["groups"]] == [{"HIP_VISIBLE_DEVICES": "0,1,2,3"}, {"HIP_VISIBLE_DEVICES": "4,5,6,7"}]'
else
	skip "no MI300X tree"
fi

nps1=$(tree_dir genoa-nps1)
if [ -n "$nps1" ]; then
	"$RIGTUNE" --sysroot "$nps1" -v topo --json > "$TMP/nvme.json"
	check "-v adds every NVMe controller (class 010802 in the tree), and only with -v" python3 -c '
import json, os, sys
d, root = json.load(open(sys.argv[1])), sys.argv[2] + "/sys/bus/pci/devices"
want = sorted(b for b in os.listdir(root) if open(os.path.join(root, b, "class")).read().strip() == "0x010802")
got = sorted(x["bdf"] for x in d["topo"]["devices"] if x["kind"] == "nvme")
plain = json.load(open(sys.argv[3]))
sys.exit(not want or got != want or any(x["kind"] == "nvme" for x in plain["topo"]["devices"]))' \
		"$TMP/nvme.json" "$nps1" "$TMP/genoa-nps1.topo.json"
else
	skip "no Genoa NPS1 tree"
fi

genoa=$(tree_dir genoa-nps4)
if [ -n "$genoa" ]; then
	check "Genoa NPS4 (no GPU): one instance per node, 8 of them, memory bound" pyjson "$TMP/genoa-nps4.plan.json" '
(d["plan"]["cpu_only"] and [g["node"] for g in d["plan"]["groups"]] == list(range(8)) and
 all(g["numactl"] == "numactl --cpunodebind=%d --membind=%d" % (g["node"], g["node"]) for g in d["plan"]["groups"]))'
else
	skip "no Genoa tree"
fi

intel=$(tree_dir 32intel64-2p8co2t+8ve)
if [ -n "$intel" ]; then
	check "32intel64 (PLX switches): each HCA is PIX with the 4 Vector Engines on its switch" \
		pyjson "$TMP/32intel64-2p8co2t+8ve.topo.json" '
[m["link"] for m in d["topo"]["matrix"] if "0000:1a:00.0" in (m["a"], m["b"])].count("PIX") == 4'
else
	skip "../shared/fixtures is absent: the real PLX machine is not checked"
fi
done_testing
