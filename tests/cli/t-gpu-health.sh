#!/bin/bash
# rigtune probe's GPU health on the live root through the fake NVML
# (tests/fakenvml): a healthy board shows its values and no "!" line; a
# sick one (FAKENVML_HEALTH=sick) a "!" line and a JSON finding per fault;
# a captured tree asks no NVML. The AMD side is in test-gpu-health.
. "$(dirname "$0")/tap.sh"

BUILDDIR=${BUILDDIR:-$(dirname "$RIGTUNE")/..}
export RIGTUNE_NVML_LIBRARY=$BUILDDIR/tests/fakenvml/libnvidia-ml-fake.so
pyjson() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

if [ ! -f "$RIGTUNE_NVML_LIBRARY" ]; then
	skip "tests/fakenvml is not built"
	done_testing; exit
fi
"$RIGTUNE" probe > "$TMP/ok.txt"; rc=$?
check "healthy board: probe exits 0" [ $rc -eq 0 ]
check "healthy board: a GPU health block with each GPU's values" \
	grep -qx "  0000:1b:00.0 (nvml): persistence on, ECC on, 0 uncorrected / 0 corrected errors, 0 PCIe replays, power limit 700 W, MIG off, fabric completed" "$TMP/ok.txt"
check "healthy board: no '!' line about a GPU" bash -c '! sed -n "/^GPU health/,/^$/p" "$1" | grep -q "!"' _ "$TMP/ok.txt"

FAKENVML_HEALTH=sick "$RIGTUNE" probe > "$TMP/sick.txt"; rc=$?
check "sick board: probe still exits 0 (probe reports, audit judges)" [ $rc -eq 0 ]
check "sick board: the uncorrected ECC errors, with the fix" bash -c '
grep -qx "  ! 0000:52:00.0: 3 uncorrected memory errors since the driver loaded" "$1" &&
grep -qx "      fix: drain the GPU, reset it (nvidia-smi -r) and watch for Xid 48/63/64 in dmesg; RMA it if errors return" "$1"' _ "$TMP/sick.txt"
check "sick board: the fabric still registering" grep -qx "  ! 0000:c3:00.0: NVSwitch fabric registration is still in progress" "$TMP/sick.txt"
FAKENVML_HEALTH=sick "$RIGTUNE" probe --json > "$TMP/sick.json"
check "sick board JSON: 9 findings, 3 of them fail" pyjson "$TMP/sick.json" '
(len(d["gpu_health"]["findings"]) == 9 and
 sorted(f["id"] for f in d["gpu_health"]["findings"] if f["severity"] == "fail") ==
 ["gpu.ecc.0000:52:00.0", "gpu.fabric.0000:c3:00.0", "gpu.row_remap.0000:df:00.0"])'
check "sick board JSON: values as numbers, unknowns as null" pyjson "$TMP/sick.json" '
(d["gpu_health"]["gpus"][4]["pcie_replays"] == 250 and d["gpu_health"]["gpus"][4]["throttle_reasons"] == 72 and
 d["gpu_health"]["gpus"][6]["persistence"] is False and d["gpu_health"]["gpus"][0]["ras_blocks"] == [])'
FAKENVML_OLD_DRIVER=1 "$RIGTUNE" probe --json > "$TMP/old.json"
check "older driver: GPUs listed, values null, no finding" pyjson "$TMP/old.json" '
(len(d["gpu_health"]["gpus"]) == 8 and d["gpu_health"]["gpus"][0]["ecc_enabled"] is None and
 d["gpu_health"]["findings"] == [])'
mkdir -p "$TMP/tree/sys/bus/pci/devices"
FAKENVML_HEALTH=sick "$RIGTUNE" --sysroot "$TMP/tree" probe --json > "$TMP/tree.json"
check "a captured tree: NVML not asked, no GPU health" pyjson "$TMP/tree.json" 'd["gpu_health"] == {"gpus": [], "findings": []}'
done_testing
