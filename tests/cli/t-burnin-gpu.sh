#!/bin/bash
# Host<->GPU copies beside `rigtune verify --burn-in`, through the fake
# libcuda (tests/fakecuda: exact rates in virtual time) and the fake HIP:
# the copy lines per GPU in text, JSON (its schema), the HTML report and
# Prometheus; every allocation freed; a copy that fails is a fail finding
# (exit 1); a GPU that cannot be set up too; Ctrl-C stops the copies with the kernels; no
# runtime is one line and the CPU burn-in carries on; --no-gpu turns the
# copies off. A GPU slowing down is judged in test-gpu-burnin (the fake
# keeps a constant rate). And the GPUs' XID events through the fake NVML:
# one that arrives during the burn-in is listed and fails verify (exit 1);
# a driver without events says so and passes. Nothing about speed on this
# host is asserted.
. "$(dirname "$0")/tap.sh"

BUILDDIR=${BUILDDIR:-$(dirname "$RIGTUNE")/..}
FAKE=$BUILDDIR/tests/fakecuda/libcuda-fake.so
HIP=$BUILDDIR/tests/fakehip/libamdhip64-fake.so
pyjson() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
printf '[profile]\ndescription = targets everything reaches\n[verify]\ntriad_gbps = 0.001\n' >"$TMP/easy.ini"
verify() { "$RIGTUNE" verify --quick "$@" "$TMP/easy.ini"; }

if [ ! -f "$FAKE" ]; then
	skip "tests/fakecuda is not built"
	done_testing; exit
fi
export RIGTUNE_CUDA_LIBRARY=$FAKE FAKECUDA_DEVICES="0000:1b:00.0=25/24,0000:43:00.0=12.5/10"

FAKECUDA_LOG=$TMP/log verify --burn-in 3s >"$TMP/out.txt" 2>"$TMP/err.txt"; rc=$?
check "two fake GPUs beside a 3 s burn-in: exit 0" [ $rc = 0 ] || diag <"$TMP/err.txt"
check "text: the runtime and the copy size" grep -q "^  GPU copies (CUDA, $FAKE, 64 MiB each, both directions at once):$" "$TMP/out.txt"
check "text: GPU0 copied at 48.0 GB/s (twice its slower direction) in the first and last window" \
	grep -Eq "^    GPU0 0000:1b:00.0: [1-9][0-9]* copies; first [0-9] s: 48.0 GB/s; last [0-9] s: 48.0 GB/s$" "$TMP/out.txt"
check "text: GPU1 at 20.0 GB/s" grep -Eq "^    GPU1 0000:43:00.0: [1-9][0-9]* copies; first [0-9] s: 20.0 GB/s; last [0-9] s: 20.0 GB/s$" "$TMP/out.txt"
check "no finding about the GPUs" not grep -q "gpu_copy\|gpu_bandwidth" "$TMP/out.txt"
check "every buffer, stream and event freed" grep -qx "leak 0" "$TMP/log"

verify --burn-in 2s --json >"$TMP/out.json" 2>/dev/null
check "JSON: burn_in.gpu_copies per GPU: copies, exact windows, points, no error" pyjson "$TMP/out.json" '
(lambda g: g["runtime"] == "CUDA" and g["error"] is None and g["bytes_per_copy"] == 64 << 20 and
 [x["bdf"] for x in g["gpus"]] == ["0000:1b:00.0", "0000:43:00.0"] and
 all(x["copies"] > 0 and x["error"] is None and x["points"] for x in g["gpus"]) and
 [x["first_window_gbps"] for x in g["gpus"]] == [48.0, 20.0] and
 [x["last_window_gbps"] for x in g["gpus"]] == [48.0, 20.0])(d["bench"]["burn_in"]["gpu_copies"])'
# validates DESCRIPTION FILE: FILE against docs/schema/verify.json
validates() {
	if "$SRCDIR/tests/cli/validate-json" "$SRCDIR/docs/schema" verify "$2" >"$TMP/v.txt" 2>&1; then ok "$1"
	elif [ $? = 77 ]; then skip "python3-jsonschema is not installed"
	else not_ok "$1"; diag <"$TMP/v.txt"; fi
}
validates "JSON with GPU copies validates against verify.json" "$TMP/out.json"

FAKECUDA_FAIL=cuMemcpyDtoHAsync_v2 verify --burn-in 2s >"$TMP/fail.txt" 2>&1; rc=$?
check "a copy that fails: exit 1" [ $rc = 1 ]
check "... the GPU's line says which copy and why" \
	grep -qx "    GPU0 0000:1b:00.0: 0 copies; copy error: device-to-host copy: out of memory" "$TMP/fail.txt"
check "... a fail finding naming the GPU" \
	grep -q "^  fail  health.burnin.gpu_copy.0000:1b:00.0: GPU0 0000:1b:00.0: a host<->GPU copy failed" "$TMP/fail.txt"
FAKECUDA_FAIL=cuMemAlloc_v2 verify --burn-in 1s >"$TMP/setup.txt" 2>&1; rc=$?
check "a GPU that cannot be set up: exit 1, a fail finding, the CPU burn-in ran" bash -c '[ $0 = 1 ] &&
	grep -q "^  fail  health.burnin.gpu_copy: CUDA: the host<->GPU copies of the burn-in could not start: GPU0 0000:1b:00.0: device memory: out of memory" "$1" &&
	grep -q "^Burn-in: [0-9]* s of host triad" "$1"' $rc "$TMP/setup.txt"

FAKECUDA_LOG=$TMP/nolog verify --burn-in 1s --no-gpu --json >"$TMP/nogpu.json" 2>/dev/null; rc=$?
check "--no-gpu: exit 0, gpu_copies null, the runtime never loaded" bash -c '[ $0 = 0 ] && [ ! -e "$1" ]' $rc "$TMP/nolog" &&
	pyjson "$TMP/nogpu.json" 'd["bench"]["burn_in"]["gpu_copies"] is None and d["bench"]["burn_in"]["points"]'
verify --burn-in 1s --no-gpu 2>/dev/null | grep -qx "  GPU copies: off (--no-gpu)"
check "--no-gpu: said in the text" [ $? = 0 ]

check "Ctrl-C stops the copies with the kernels: a partial report with the copies so far, all freed" \
	python3 - "$RIGTUNE" "$TMP/easy.ini" "$TMP/intlog" <<'EOF'
import json, os, signal, subprocess, sys, time
env = dict(os.environ, FAKECUDA_LOG=sys.argv[3])
p = subprocess.Popen([sys.argv[1], "verify", "--quick", "--burn-in", "10m", "--json", sys.argv[2]],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
deadline = time.time() + 120
while time.time() < deadline and not (os.path.exists(sys.argv[3]) and "init" in open(sys.argv[3]).read()):
    time.sleep(0.2)
time.sleep(3)
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=120)
b = json.loads(out)["bench"]["burn_in"]
assert b["interrupted"] is True and b["seconds"] < 300, b["seconds"]
assert all(g["copies"] > 0 and g["error"] is None for g in b["gpu_copies"]["gpus"]), b["gpu_copies"]
assert "leak 0" in open(sys.argv[3]).read()
EOF

"$RIGTUNE" report "$TMP/easy.ini" --quick --burn-in 2s --format html -o "$TMP/r.html" 2>/dev/null
check "HTML report: a row per GPU with its copies and windows" \
	grep -Eq "<tr><td>GPU1 0000:43:00.0</td><td>[1-9][0-9]*</td><td>20.0</td><td>20.0</td><td></td></tr>" "$TMP/r.html"
FAKECUDA_FAIL=cuMemcpyDtoHAsync_v2 "$RIGTUNE" report "$TMP/easy.ini" --quick --burn-in 1s --format prometheus -o "$TMP/r.prom" 2>/dev/null
check "Prometheus: each GPU's copy error (the failing fake) as a gauge" bash -c \
	'grep -qx "rigtune_burnin_gpu_copy_errors{gpu=\"0000:1b:00.0\"} 1" "$0" && grep -q "^# TYPE rigtune_burnin_gpu_copy_gbps gauge" "$0"' "$TMP/r.prom"

NVML=$BUILDDIR/tests/fakenvml/libnvidia-ml-fake.so
if [ -f "$NVML" ]; then
	: >"$TMP/xids"
	RIGTUNE_NVML_LIBRARY=$NVML FAKENVML_GPUS=2 FAKENVML_XIDS=$TMP/xids FAKENVML_LOG=$TMP/nvmllog \
		"$RIGTUNE" verify --quick --no-gpu --burn-in 3s --json "$TMP/easy.ini" >"$TMP/xid.json" 2>"$TMP/xid.err" &
	pid=$!
	for _ in $(seq 300); do grep -q "^burn-in for" "$TMP/xid.err" 2>/dev/null && break; sleep 0.1; done
	echo "1 79" >>"$TMP/xids"
	wait $pid; rc=$?
	check "an XID during the burn-in: exit 1" [ $rc = 1 ]
	check "JSON: watched, the XID with its GPU and time, a fail finding naming both" pyjson "$TMP/xid.json" '
(lambda h, f: h["xid_events"]["watch"] == "watched" and
 [(e["bdf"], e["xid"]) for e in h["xid_events"]["events"]] == [("0000:43:00.0", 79)] and
 0 < h["xid_events"]["events"][0]["t"] <= h["duration_s"] and
 [(x["status"], x["subject"]) for x in f if x["id"] == "health.gpu.xid.0000:43:00.0.79"] == [("fail", "GPU 0000:43:00.0")])(d["bench"]["health"], d["findings"]["checks"])'
	validates "JSON with XID events validates against verify.json" "$TMP/xid.json"
	check "the NVML event set freed before NVML shut down" bash -c 'grep -qx "events freed" "$0" && ! grep -qx misuse "$0"' "$TMP/nvmllog"
	echo "0 13" >"$TMP/xids"
	RIGTUNE_NVML_LIBRARY=$NVML FAKENVML_GPUS=2 FAKENVML_XIDS=$TMP/xids "$RIGTUNE" verify --quick --no-gpu "$TMP/easy.ini" \
		>"$TMP/xid.txt" 2>&1
	check "text: the XID listed, a warn for an application's XID" bash -c 'grep -q "^  GPU XID events: 1 during the run" "$0" &&
		grep -Eq "^ +[0-9.]+ s  GPU 0000:1b:00.0  XID 13$" "$0" &&
		grep -q "^  warn  health.gpu.xid.0000:1b:00.0.13: GPU 0000:1b:00.0: XID 13 (graphics engine exception)" "$0"' "$TMP/xid.txt"
	RIGTUNE_NVML_LIBRARY=$NVML FAKENVML_GPUS=2 FAKENVML_EVENTS=unsupported "$RIGTUNE" verify --quick --no-gpu "$TMP/easy.ini" \
		>"$TMP/noev.txt" 2>&1; rc=$?
	check "a driver without events: said in one line, exit 0" bash -c '[ $0 = 0 ] &&
		grep -qx "  not here: XID events: not supported by this driver" "$1"' $rc "$TMP/noev.txt"
else
	skip "tests/fakenvml is not built: no XID checks"
fi

if [ -f "$HIP" ] && ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1'; then
	env -u RIGTUNE_CUDA_LIBRARY RIGTUNE_HIP_LIBRARY=$HIP FAKEHIP_DEVICES="0000:03:00.0=50/40" FAKEHIP_LOG=$TMP/hiplog \
		"$RIGTUNE" verify --quick --burn-in 2s "$TMP/easy.ini" >"$TMP/hip.txt" 2>&1
	check "HIP when no CUDA: GPU0 at 80.0 GB/s, all freed" bash -c \
		'grep -Eq "^    GPU0 0000:03:00.0: [1-9][0-9]* copies; first [0-9] s: 80.0 GB/s" "$0" && grep -qx "leak 0" "$1"' \
		"$TMP/hip.txt" "$TMP/hiplog"
else
	skip "tests/fakehip not built, or a real libcuda here would be loaded first"
fi
if ! ldconfig -p 2>/dev/null | grep -Eq 'libcuda\.so\.1|libamdhip64\.so'; then
	env -u RIGTUNE_CUDA_LIBRARY -u RIGTUNE_HIP_LIBRARY "$RIGTUNE" verify --quick --burn-in 1s "$TMP/easy.ini" \
		>"$TMP/none.txt" 2>&1; rc=$?
	check "no runtime: one line, the CPU burn-in carries on, exit 0" bash -c '[ $0 = 0 ] &&
		[ "$(grep -c "GPU copies" "$1")" = 1 ] &&
		grep -qx "  GPU copies: no GPU runtime: neither libcuda.so.1 (NVIDIA) nor libamdhip64.so (ROCm) is installed; carried on with the CPU only" "$1" &&
		grep -q "^Burn-in: [0-9]* s of host triad" "$1"' $rc "$TMP/none.txt"
else
	skip "a GPU runtime is installed here: the no-runtime line is not checked"
fi
done_testing
