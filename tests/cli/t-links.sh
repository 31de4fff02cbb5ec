#!/bin/bash
# rigtune probe: GPU and socket links. An 8-GPU MI300X hive with GPU 3 <->
# GPU 6 unlinked (tests/gen/mktree-mi300x, compared with its --facts), the
# socket note on a 2-socket NPS2 tree written here, and NVLink through the
# fake NVML (tests/fakenvml) on the live root.
. "$(dirname "$0")/tap.sh"

BUILDDIR=${BUILDDIR:-$(dirname "$RIGTUNE")/..}
FAKENVML=$BUILDDIR/tests/fakenvml/libnvidia-ml-fake.so

# jq-like checks: pyjson FILE EXPR (a Python expression over d = the JSON).
pyjson() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

# --- AMD xGMI hive (tests/gen/mktree-mi300x: GPU 3 <-> GPU 6 is down) -----
gen=$SRCDIR/tests/gen/mktree-mi300x
if [ -f "$gen" ] && python3 "$gen" "$TMP/mi300x" --facts > "$TMP/facts.json"; then
	"$RIGTUNE" --sysroot "$TMP/mi300x" probe --json > "$TMP/mi300x.json"; rc=$?
	check "MI300X tree: probe --json exits 0" [ $rc -eq 0 ]
	check "MI300X tree: 8 GPUs in one hive" pyjson "$TMP/mi300x.json" \
		'len(d["links"]["xgmi_gpus"]) == 8 and len({g["hive_id"] for g in d["links"]["xgmi_gpus"]}) == 1 and d["links"]["xgmi_gpus"][0]["hive_id"]'
	check "MI300X tree: 54 directed XGMI links (28 pairs less one, both ways)" pyjson "$TMP/mi300x.json" \
		'len(d["links"]["xgmi"]) == 54 and all(x["type"] == 11 for x in d["links"]["xgmi"])'
	check "MI300X tree: every link has its bandwidth" pyjson "$TMP/mi300x.json" \
		'all(x["max_bandwidth_mbs"] and x["max_bandwidth_mbs"] > 0 for x in d["links"]["xgmi"])'
	check "MI300X tree: the one missing pair is hive GPUs 3 and 6 (xgmi_physical_id)" pyjson "$TMP/mi300x.json" '
(len(d["links"]["xgmi_missing"]) == 1 and
 {g["physical_id"] for g in d["links"]["xgmi_gpus"] if g["bdf"] in d["links"]["xgmi_missing"][0].split("<->")} == {3, 6})'
	check "MI300X tree: xGMI links join only GPUs of the hive" pyjson "$TMP/mi300x.json" '
{x["from"] for x in d["links"]["xgmi"]} | {x["to"] for x in d["links"]["xgmi"]} <= {g["bdf"] for g in d["links"]["xgmi_gpus"]}'
	check "MI300X tree: xgmi_missing equals the generator's facts" python3 -c '
import json, sys
d, f = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
sys.exit(sorted(sorted(m.split("<->")) for m in d["links"]["xgmi_missing"]) != sorted(sorted(m) for m in f["xgmi_missing"]))' "$TMP/mi300x.json" "$TMP/facts.json"
	check "MI300X tree: xGMI peers per GPU and physical ids equal the generator's facts" python3 -c '
import json, sys
d, f = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
x = d["links"]["xgmi"]
peers = {g["bdf"]: len({l["to"] for l in x if l["from"] == g["bdf"]}) for g in d["links"]["xgmi_gpus"]}
ids = {g["bdf"]: g["physical_id"] for g in d["links"]["xgmi_gpus"]}
sys.exit(peers != f["xgmi_links_per_gpu"] or ids != {g["bdf"]: g["xgmi_physical_id"] for g in f["gpus"]}
         or len({frozenset((l["from"], l["to"])) for l in x}) != f["xgmi_links_total"])' "$TMP/mi300x.json" "$TMP/facts.json"
	"$RIGTUNE" --sysroot "$TMP/mi300x" probe > "$TMP/mi300x.txt"; rc=$?
	check "MI300X tree: probe text exits 0" [ $rc -eq 0 ]
	check "MI300X text: a 'GPU and socket links' block" grep -qx "GPU and socket links" "$TMP/mi300x.txt"
	check "MI300X text: '8 GPUs in hive 0x..., 27 of 28 xGMI links up'" \
		grep -Eq "xGMI hive: +8 GPUs in hive 0x[0-9a-f]+, 27 of 28 xGMI links up" "$TMP/mi300x.txt"
	missing=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["links"]["xgmi_missing"][0].replace("<->", " and "))' "$TMP/mi300x.json" 2>/dev/null)
	check "MI300X text: the missing link is a '!' line naming both GPUs" \
		grep -qx "  ! no xGMI link between $missing (hive GPUs 3 and 6)" "$TMP/mi300x.txt"
	check "MI300X tree: NVML is not asked on a captured tree" pyjson "$TMP/mi300x.json" \
		'd["links"]["nvlink"] == [] and d["links"]["nvlink_note"] == "not read from a captured tree"'
else
	skip "tests/gen/mktree-mi300x is absent or failed: the xGMI hive is not checked here (test-links covers it)"
fi

# --- socket-to-socket ----------------------------------------------------
# 2 EPYC sockets of 4 CPUs, NPS2: nodes 0-1 on socket 0, 2-3 on socket 1,
# distances 10 local, 12 within a socket, 32 across.
write_two_sockets() {
	python3 - "$1" <<'PY'
import os, sys
root = sys.argv[1]
def put(rel, text):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "w").write(text)
cpu = "sys/devices/system/cpu"
put(f"{cpu}/online", "0-7\n")
put(f"{cpu}/present", "0-7\n")
info = ""
for c in range(8):
    put(f"{cpu}/cpu{c}/topology/physical_package_id", f"{c // 4}\n")
    put(f"{cpu}/cpu{c}/topology/die_id", f"{c // 4}\n")
    put(f"{cpu}/cpu{c}/topology/core_id", f"{c % 4}\n")
    info += (f"processor\t: {c}\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
             f"model name\t: AMD EPYC 9654 96-Core Processor\nphysical id\t: {c // 4}\n\n")
put("proc/cpuinfo", info)
dist = [[10, 12, 32, 32], [12, 10, 32, 32], [32, 32, 10, 12], [32, 32, 12, 10]]
for n in range(4):
    put(f"sys/devices/system/node/node{n}/cpulist", f"{2 * n}-{2 * n + 1}\n")
    put(f"sys/devices/system/node/node{n}/distance", " ".join(map(str, dist[n])) + "\n")
put("sys/devices/system/node/online", "0-3\n")
PY
}
write_two_sockets "$TMP/sockets"
"$RIGTUNE" --sysroot "$TMP/sockets" probe --json > "$TMP/sockets.json"; rc=$?
check "2-socket tree: probe --json exits 0" [ $rc -eq 0 ]
check "2-socket tree: 2 sockets, NUMA distance 32 between them (12 within one)" pyjson "$TMP/sockets.json" \
	'd["links"]["socket_link"]["sockets"] == 2 and d["links"]["socket_link"]["cross_socket_distance"] == 32'
check "2-socket tree: the note says the xGMI link is not measurable here" pyjson "$TMP/sockets.json" \
	'"xGMI link itself (width, speed) is not measurable" in d["links"]["socket_link"]["note"] and d["links"]["socket_link"]["links"] == [] and d["links"]["socket_link"]["source"] is None'
check "2-socket tree: no AMD GPUs, no xGMI links" pyjson "$TMP/sockets.json" \
	'd["links"]["xgmi"] == [] and d["links"]["xgmi_gpus"] == [] and d["links"]["xgmi_missing"] == []'
"$RIGTUNE" --sysroot "$TMP/sockets" probe | grep -q "^  Sockets: .*2 sockets, NUMA distance between sockets 32"
check "2-socket text: the socket line" [ $? -eq 0 ]

# --- NVLink through the fake NVML (live root: read-only) --------------------
RIGTUNE_NVML_LIBRARY=$TMP/nonexistent.so "$RIGTUNE" probe --json > "$TMP/nolib.json"; rc=$?
check "no NVML library: probe exits 0" [ $rc -eq 0 ]
check "no NVML library: an empty NVLink list and a note" pyjson "$TMP/nolib.json" \
	'd["links"]["nvlink"] == [] and d["links"]["nvlink_note"].startswith("cannot load")'
if [ -f "$FAKENVML" ]; then
	RIGTUNE_NVML_LIBRARY=$FAKENVML "$RIGTUNE" probe --json > "$TMP/nvml.json"; rc=$?
	check "fake NVML: probe --json exits 0" [ $rc -eq 0 ]
	check "fake NVML: 8 GPUs x 18 links" pyjson "$TMP/nvml.json" \
		'len(d["links"]["nvlink"]) == 144 and len({n["gpu"] for n in d["links"]["nvlink"]}) == 8'
	check "fake NVML: only GPU 0000:61:00.0 link 7 is down" pyjson "$TMP/nvml.json" \
		'[(n["gpu"], n["link"]) for n in d["links"]["nvlink"] if not n["active"]] == [("0000:61:00.0", 7)]'
	check "fake NVML: active links reach the 4 NVSwitches" pyjson "$TMP/nvml.json" \
		'{n["remote"] for n in d["links"]["nvlink"] if n["active"]} == {"0000:05:00.0", "0000:06:00.0", "0000:07:00.0", "0000:08:00.0"}'
	check "fake NVML: version and no note" pyjson "$TMP/nvml.json" \
		'all(n["version"] == 4 for n in d["links"]["nvlink"]) and d["links"]["nvlink_note"] is None'
	RIGTUNE_NVML_LIBRARY=$FAKENVML "$RIGTUNE" probe > "$TMP/nvml.txt"
	check "fake NVML text: the summary line" grep -Eq "^  NVLink: +8 GPUs, 143 of 144 links active" "$TMP/nvml.txt"
	check "fake NVML text: the GPU with a link down, then a '!' line" \
		grep -A1 -E "^    0000:61:00.0 +17 of 18 active" "$TMP/nvml.txt" -q
	check "fake NVML text: '! 0000:61:00.0: NVLink 7 is down'" grep -qx "  ! 0000:61:00.0: NVLink 7 is down" "$TMP/nvml.txt"
	FAKENVML_INIT_ERROR=9 RIGTUNE_NVML_LIBRARY=$FAKENVML "$RIGTUNE" probe --json > "$TMP/nodrv.json"; rc=$?
	check "fake NVML, driver not loaded: exit 0, empty list, the reason" pyjson "$TMP/nodrv.json" \
		'd["links"]["nvlink"] == [] and "Driver Not Loaded" in d["links"]["nvlink_note"]'
else
	skip "$FAKENVML is not built (tests/meson.build needs subdir('fakenvml'))"
fi
done_testing
