#!/bin/bash
# rigtune bench --gpu through the fake libcuda (tests/fakecuda: GPUs at
# given rates, virtual time, so the figures are exact): the rates shown,
# peer copies, every context, buffer, stream and event freed, a runtime
# that fails or corrupts data, a library that is not a CUDA driver,
# captured trees and bad options refused. The figures against real links
# are in test-gpu-bench; real hardware in bench/README.md.
. "$(dirname "$0")/tap.sh"

BUILDDIR=${BUILDDIR:-$(dirname "$RIGTUNE")/..}
FAKE=$BUILDDIR/tests/fakecuda/libcuda-fake.so
pyjson() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

if [ ! -f "$FAKE" ]; then
	skip "tests/fakecuda is not built"
	done_testing; exit
fi
export RIGTUNE_CUDA_LIBRARY=$FAKE
export FAKECUDA_DEVICES="0000:1b:00.0=25/24,0000:43:00.0=12.5/12" FAKECUDA_PEER="0-1=300"

FAKECUDA_LOG=$TMP/log "$RIGTUNE" bench --gpu --size-mb 1 --reps 4 > "$TMP/out.txt" 2> "$TMP/err.txt"; rc=$?
check "two GPUs: exit 0" [ $rc -eq 0 ]
check "the header names the runtime, the library, the copies" \
	grep -qx "CUDA ($FAKE): 2 GPUs, 4 copies of 1 MiB each way, pinned host memory on each GPU's node" "$TMP/out.txt"
check "GPU0 row: 25.0 up, 24.0 down, 48.0 both, the same all at once" \
	grep -Eq '^0 +0000:1b:00.0 .* 25\.0 +24\.0 +48\.0 +25\.0 +24\.0$' "$TMP/out.txt"
check "GPU1 row: 12.5 up, 12.0 down" grep -Eq '^1 +0000:43:00.0 .* 12\.5 +12\.0 +24\.0 ' "$TMP/out.txt"
check "peer copies both ways at 300 GB/s" \
	bash -c 'grep -qx "  GPU0 -> GPU1: 300.0 GB/s" "$1" && grep -qx "  GPU1 -> GPU0: 300.0 GB/s" "$1"' _ "$TMP/out.txt"
check "every allocation, stream and event freed" grep -qx "leak 0" "$TMP/log"
check "nothing on stderr" [ ! -s "$TMP/err.txt" ]

"$RIGTUNE" bench --gpu --size-mb 1 --reps 2 --json > "$TMP/out.json"; rc=$?
check "--json: exit 0" [ $rc -eq 0 ]
check "--json: rates, peers, data checked, links unknown here (not this host's GPUs)" pyjson "$TMP/out.json" '
(d["schema"] == 1 and d["gpu_bench"]["runtime"] == "CUDA" and d["gpu_bench"]["error"] is None and
 [round(g["h2d"]["gbps"], 3) for g in d["gpu_bench"]["gpus"]] == [25.0, 12.5] and
 [round(g["bidir"]["gbps"], 3) for g in d["gpu_bench"]["gpus"]] == [48.0, 24.0] and
 all(g["data_ok"] is True and g["link_gbps"] is None and g["h2d"]["fraction"] is None for g in d["gpu_bench"]["gpus"]) and
 [(p["from"], p["to"], round(p["gbps"], 3)) for p in d["gpu_bench"]["peers"]] == [(0, 1, 300.0), (1, 0, 300.0)])'

FAKECUDA_PEER="" "$RIGTUNE" bench --gpu --size-mb 1 --reps 1 > "$TMP/nopeer.txt"; rc=$?
check "no peer access: said so, exit 0" bash -c '[ $0 -eq 0 ] && grep -qx "Peer copies: no pair of GPUs allows peer access." "$1"' $rc "$TMP/nopeer.txt"

FAKECUDA_LOG=$TMP/log2 FAKECUDA_FAIL=cuMemAlloc_v2 "$RIGTUNE" bench --gpu --size-mb 1 > /dev/null 2> "$TMP/err.txt"; rc=$?
check "device memory fails: exit 2" [ $rc -eq 2 ]
check "... the message names the GPU, the step and the driver's words" \
	grep -qx "rigtune: bench --gpu: GPU0 0000:1b:00.0: device memory: out of memory" "$TMP/err.txt"
check "... and what was allocated is freed" grep -qx "leak 0" "$TMP/log2"
FAKECUDA_FAIL=cuInit:100 "$RIGTUNE" bench --gpu > /dev/null 2> "$TMP/err.txt"; rc=$?
check "cuInit fails (no device): exit 2, the driver's message" \
	bash -c '[ $0 -eq 2 ] && grep -qx "rigtune: bench --gpu: initialising the runtime: no CUDA-capable device is detected" "$1"' $rc "$TMP/err.txt"
FAKECUDA_DEVICES="" "$RIGTUNE" bench --gpu > /dev/null 2> "$TMP/err.txt"; rc=$?
check "no GPU: exit 2, 'CUDA reports no GPU'" \
	bash -c '[ $0 -eq 2 ] && grep -qx "rigtune: bench --gpu: CUDA reports no GPU" "$1"' $rc "$TMP/err.txt"
FAKECUDA_CORRUPT=1 "$RIGTUNE" bench --gpu --size-mb 1 --reps 1 > "$TMP/out.txt" 2>&1; rc=$?
check "data comes back different: exit 1 and a '!' line" \
	bash -c '[ $0 -eq 1 ] && grep -qx "  ! GPU0 0000:1b:00.0: data copied to the GPU came back different" "$1"' $rc "$TMP/out.txt"
RIGTUNE_CUDA_LIBRARY=$BUILDDIR/tests/fakenvml/libnvidia-ml-fake.so "$RIGTUNE" bench --gpu > /dev/null 2> "$TMP/err.txt"; rc=$?
check "a library without the driver API: exit 2, names the missing call" \
	bash -c '[ $0 -eq 2 ] && grep -q "lacks cuInit (driver too old)" "$1"' $rc "$TMP/err.txt"
RIGTUNE_CUDA_LIBRARY=$TMP/none.so "$RIGTUNE" bench --gpu > /dev/null 2> "$TMP/err.txt"; rc=$?
check "a library that is not there: exit 2, 'cannot load'" \
	bash -c '[ $0 -eq 2 ] && grep -q "cannot load $1" "$2"' $rc "$TMP/none.so" "$TMP/err.txt"
"$RIGTUNE" --sysroot "$TMP" bench --gpu > /dev/null 2> "$TMP/err.txt"; rc=$?
check "a captured tree is not this host: exit 2" bash -c '[ $0 -eq 2 ] && grep -q "captured tree" "$1"' $rc "$TMP/err.txt"
# --- HIP, through tests/fakehip -------------------------------------------
HIP=$BUILDDIR/tests/fakehip/libamdhip64-fake.so
if [ -f "$HIP" ]; then
	RIGTUNE_HIP_LIBRARY=$HIP FAKEHIP_DEVICES="0000:03:00.0=50/48,0000:23:00.0=40/40" FAKEHIP_PEER="0-1=64" \
		FAKEHIP_LOG=$TMP/hiplog "$RIGTUNE" bench --gpu --runtime hip --size-mb 1 --reps 2 > "$TMP/hip.txt"; rc=$?
	check "HIP: exit 0" [ $rc -eq 0 ]
	check "HIP: the header names HIP and its library" grep -q "^HIP ($HIP): 2 GPUs" "$TMP/hip.txt"
	check "HIP: GPU1 row 40.0 / 40.0 / 80.0" grep -Eq '^1 +0000:23:00.0 .* 40\.0 +40\.0 +80\.0 ' "$TMP/hip.txt"
	check "HIP: peer copies at 64 GB/s" grep -qx "  GPU0 -> GPU1: 64.0 GB/s" "$TMP/hip.txt"
	check "HIP: everything freed (pinned memory asked to follow rigtune's NUMA policy)" grep -qx "leak 0" "$TMP/hiplog"
	RIGTUNE_HIP_LIBRARY=$HIP FAKEHIP_FAIL=hipMalloc "$RIGTUNE" bench --gpu --runtime hip --size-mb 1 > /dev/null 2> "$TMP/err.txt"; rc=$?
	check "HIP: hipMalloc fails: exit 2 with HIP's error name" \
		bash -c '[ $0 -eq 2 ] && grep -qx "rigtune: bench --gpu: GPU0 0000:03:00.0: device memory: hipErrorOutOfMemory" "$1"' $rc "$TMP/err.txt"
else
	skip "tests/fakehip is not built"
fi
if ! ldconfig -p 2>/dev/null | grep -Eq 'libcuda\.so\.1|libamdhip64\.so'; then
	env -u RIGTUNE_CUDA_LIBRARY -u RIGTUNE_HIP_LIBRARY "$RIGTUNE" bench --gpu > /dev/null 2> "$TMP/err.txt"; rc=$?
	check "no runtime installed: exit 2, says neither CUDA nor ROCm is there" \
		bash -c '[ $0 -eq 2 ] && grep -q "no GPU runtime: neither libcuda.so.1 (NVIDIA) nor libamdhip64.so (ROCm)" "$1"' $rc "$TMP/err.txt"
else
	skip "a GPU runtime is installed here: the no-runtime message is not checked"
fi
# --- [verify] gpu_h2d_fraction: one check per GPU in rigtune verify -------
printf '[verify]\ngpu_h2d_fraction = 0.80\n' > "$TMP/gpu.ini"
"$RIGTUNE" verify "$TMP/gpu.ini" --quick --json > "$TMP/verify.json" 2> "$TMP/err.txt"; rc=$?
check "verify: the fake GPUs' links are not this host's: skipped, exit 0" bash -c '[ $0 -eq 0 ]' $rc
check "verify: one gpu_h2d_fraction check per GPU, each skipped with the reason" pyjson "$TMP/verify.json" '
([c["name"] for c in d["verify"]["checks"]] == ["gpu_h2d_fraction[0000:1b:00.0]", "gpu_h2d_fraction[0000:43:00.0]"] and
 all(c["status"] == "skip" and "theoretical rate is unknown" in c["message"] for c in d["verify"]["checks"]))'
FAKECUDA_FAIL=cuInit:100 "$RIGTUNE" verify "$TMP/gpu.ini" --quick > "$TMP/verify.txt" 2>&1; rc=$?
check "verify: GPUs that cannot be measured fail the target, exit 1" \
	bash -c '[ $0 -eq 1 ] && grep -q "  fail  host-to-device bandwidth could not be measured (initialising the runtime: no CUDA-capable device is detected)" "$1"' $rc "$TMP/verify.txt"
printf '[verify]\ngpu_h2d_fraction = 1.5\n' > "$TMP/bad.ini"
"$RIGTUNE" verify "$TMP/bad.ini" > /dev/null 2> "$TMP/err.txt"; rc=$?
check "verify: gpu_h2d_fraction 1.5 is refused with FILE:LINE, exit 2" \
	bash -c '[ $0 -eq 2 ] && grep -q "bad.ini:2: \[verify\] gpu_h2d_fraction" "$1"' $rc "$TMP/err.txt"

for bad in "--runtime opencl" "--size-mb 0" "--reps x" "--min-fraction 1.5" "--threads 2" "extra"; do
	"$RIGTUNE" bench --gpu $bad > /dev/null 2>&1; rc=$?
	check "bench --gpu $bad: exit 2" [ $rc -eq 2 ]
done
done_testing
