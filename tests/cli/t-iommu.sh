#!/bin/bash
# PCIe and IOMMU settings on generated HGX trees (tests/gen/mktree-hgx
# --iommu/--acs/--vfio/--nic-mps): the probe's IOMMU mode, groups, ACS,
# MPS and MRRS (JSON keys and the text block), checked against lspci
# reading a dump of the same config spaces; [expect] pcie_acs and
# gpu_passthrough passing and failing for the right reason.
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C.UTF-8
GEN=$SRCDIR/tests/gen
if ! command -v python3 > /dev/null; then
	echo "ok 1 # SKIP no python3 for the generators"; echo "1..1"; exit 0
fi
# Trees on tmpfs when there is one: a 30 000-file tree takes seconds there.
WORK=$TMP
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	WORK=$(mktemp -d /dev/shm/t-iommu.XXXXXX) && trap 'rm -rf "$TMP" "$WORK"' EXIT || WORK=$TMP
fi
R() { "$RIGTUNE" "$@"; }
jq_py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }
hgx() { # NAME ARGS...
	"$GEN/mktree-hgx" "$WORK/$1" "${@:2}" > /dev/null && echo "$WORK/$1"
}
mkdir -p "$TMP/p"
printf '[expect]\npcie_acs = on\ngpu_passthrough = yes\n' > "$TMP/p/vm.ini"
printf '[expect]\npcie_acs = off\n' > "$TMP/p/p2p.ini"

# ---- a passthrough host: iommu=pt, ACS on, GPUs on vfio-pci ----
VM=$(hgx vm --iommu identity --acs on --vfio)
R --sysroot "$VM" probe --json > "$TMP/vm.json"
check "IOMMU mode from the groups' type: passthrough" \
	test "$(jq_py "$TMP/vm.json" 'print(d["iommu"]["mode"], d["iommu"]["source"], len(d["iommu"]["units"]))')" = \
	"passthrough iommu_groups type 8"
check "each GPU shares its group with its audio function only" jq_py "$TMP/vm.json" '
devs = d["pci"]["devices"]; g = {}
for x in devs: g.setdefault(x["iommu_group"], []).append(x["bdf"])
gpus = [x for x in devs if x["class"] == "0x0302"]
assert len(gpus) == 8 and all(sorted(g[x["iommu_group"]]) == [x["bdf"], x["bdf"][:-1] + "1"] for x in gpus)'
check "ACS on at the 16 switch downstream ports, unknown elsewhere" jq_py "$TMP/vm.json" '
devs = d["pci"]["devices"]
assert sum(x["acs"] is True for x in devs) == 16 and all(x["acs"] is None for x in devs if x["port_type"] != "downstream_port")'
R --sysroot "$VM" audit "$TMP/p/vm.ini" > "$TMP/out" 2>&1; rc=$?
check "audit pcie_acs = on, gpu_passthrough = yes: pass (exit 0)" test $rc = 0
check "... all 8 GPUs ready" grep -Eq '^PASS +expect.gpu_passthrough +yes +all 8 GPUs ready' "$TMP/out"
R --sysroot "$VM" audit "$TMP/p/p2p.ini" > "$TMP/out" 2>&1; rc=$?
check "pcie_acs = off on it fails (exit 1), showing on" test $rc = 1 -a -n "$(grep -E '^FAIL +expect.pcie_acs +off +on ' "$TMP/out")"
R --sysroot "$VM" probe > "$TMP/out" 2>&1
check "probe says each GPU is ready for passthrough" \
	test "$(grep -c 'Passthrough .* alone in IOMMU group .*, on vfio-pci' "$TMP/out")" = 8

# ---- ACS off: P2P-friendly, but GPU and NIC share a group; NIC MPS 256 ----
P2P=$(hgx p2p --iommu translated --acs off --vfio --nic-mps 256)
R --sysroot "$P2P" probe --json > "$TMP/p2p.json"
check "IOMMU translated (DMA-FQ groups)" test "$(jq_py "$TMP/p2p.json" 'print(d["iommu"]["mode"])')" = translated
R --sysroot "$P2P" audit "$TMP/p/p2p.ini" > "$TMP/out" 2>&1
check "pcie_acs = off passes" test $? = 0
R --sysroot "$P2P" --json audit "$TMP/p/vm.ini" > "$TMP/out.json" 2>&1; rc=$?
check "gpu_passthrough = yes fails (exit 1), naming the NIC in the GPU's group" test $rc = 1 -a \
	"$(jq_py "$TMP/out.json" 'print([c["actual"] for c in d["checks"] if c["id"] == "expect.gpu_passthrough"][0])')" = \
	"0 of 8 GPUs ready: 0000:1b:00.0 shares IOMMU group 4 with 0000:1a:00.0"
check "NIC MPS 256 below its ports' 512 in the JSON" jq_py "$TMP/p2p.json" '
by = {x["bdf"]: x for x in d["pci"]["devices"]}
assert by["0000:1a:00.0"]["mps"] == 256 and by["0000:19:00.0"]["mps"] == 512 and by["0000:1a:00.0"]["mrrs"] == 4096'
R --sysroot "$P2P" probe > "$TMP/out" 2>&1
check "probe flags each NIC's MPS against the root port (8 lines)" \
	test "$(grep -c '! 0000:[0-9a-f]*:00.0: Max Payload Size 256, but 512 at 0000:[0-9a-f]*:01.0 on its path' "$TMP/out")" = 8
check "... and no GPU (its MPS matches)" not grep -q '1b:00.0: Max Payload' "$TMP/out"

# ---- lspci as the oracle: MPS, MRRS and ACS from the same bytes ----
if command -v lspci > /dev/null; then
	python3 "$GEN/pcidump.py" "$P2P" -o "$TMP/p2p.dump"
	lspci -F "$TMP/p2p.dump" -D -vvv > "$TMP/lspci.txt" 2>/dev/null
	check "MPS, MRRS and ACS agree with lspci -vvv for every device" python3 - "$TMP/lspci.txt" "$TMP/p2p.json" <<-'EOF'
		import json, re, sys
		text, ours = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
		by = {x["bdf"]: x for x in ours["pci"]["devices"]}
		bad, seen = [], 0
		for block in text.split("\n\n"):
		    m = re.match(r"([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])", block)
		    if not m or m.group(1) not in by:
		        continue
		    x = by[m.group(1)]
		    ctl = re.search(r"DevCtl:.*?MaxPayload (\d+) bytes, MaxReadReq (\d+) bytes", block, re.S)
		    if ctl:
		        seen += 1
		        if (int(ctl.group(1)), int(ctl.group(2))) != (x["mps"], x["mrrs"]):
		            bad.append(f"{x['bdf']}: lspci {ctl.groups()}, rigtune {x['mps']} {x['mrrs']}")
		    acs = re.search(r"ACSCtl:\s+SrcValid[+-] TransBlk[+-] ReqRedir([+-]) CmpltRedir([+-])", block)
		    want = None if not acs else (acs.group(1) == "+" or acs.group(2) == "+")
		    if want != x["acs"]:
		        bad.append(f"{x['bdf']}: ACS lspci {want}, rigtune {x['acs']}")
		print("\n".join(bad), file=sys.stderr)
		sys.exit(1 if bad or seen < 40 else 0)
	EOF
else
	skip "no lspci: the MPS/MRRS/ACS oracle"
fi

# ---- IOMMU off (the passthrough tree, its groups gone), and a tree that does not say ----
rm -rf "$VM"/sys/kernel/iommu_groups/* "$VM"/sys/bus/pci/devices/*/iommu_group
R --sysroot "$VM" audit "$TMP/p/vm.ini" > "$TMP/out" 2>&1
check "IOMMU off: gpu_passthrough fails saying so" grep -Eq '^FAIL +expect.gpu_passthrough +yes +0 of 8 GPUs ready: the IOMMU is off' "$TMP/out"
. "$SRCDIR/tests/cli/fixture-trees.sh"
PLAIN=$(tree_dir hgx-h100)
if [ -n "$PLAIN" ]; then
	R --sysroot "$PLAIN" probe --json > "$TMP/plain.json"
	check "no iommu_groups directory: mode unknown (null), groups null" \
		test "$(jq_py "$TMP/plain.json" 'print(d["iommu"]["mode"], d["iommu"]["groups"])')" = "None None"
	R --sysroot "$PLAIN" audit "$TMP/p/p2p.ini" > "$TMP/out" 2>&1
	check "no ACS capability anywhere: pcie_acs skips, saying why" grep -Eq '^SKIP +expect.pcie_acs ' "$TMP/out"
else
	skip "no generated hgx-h100 tree"
fi
done_testing
