#!/bin/bash
# rigtune bench and rigtune verify on this machine, in quick mode: the JSON
# document's keys and types, verify's exit status and verdict against
# targets no host can miss and none can reach, and the refusals (captured
# tree, bad options, bad targets). Nothing about speed is asserted.
. "$(dirname "$0")/tap.sh"

# bench --json: the documented keys, with the documented types
if "$RIGTUNE" bench --quick --json >"$TMP/bench.json" 2>"$TMP/bench.err"; then
	ok "bench --quick --json exits 0"
else
	not_ok "bench --quick --json exits 0"; diag <"$TMP/bench.err"
fi
check "bench JSON has schema 1 and the bench keys with their types" python3 - "$TMP/bench.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1
b = d["bench"]
assert isinstance(b["threads"], int) and b["threads"] >= 1
assert isinstance(b["nt_stores"], bool)
assert b["isa"] in ("avx512", "avx2", "sse2", "scalar")
assert b["peak_gbps"] is None or isinstance(b["peak_gbps"], (int, float))
assert b["efficiency"] is None or isinstance(b["efficiency"], (int, float))
assert isinstance(b["trustworthy"], bool) and isinstance(b["reasons"], list)
kernels = set()
for r in b["results"]:
    for k in ("kernel", "scope", "threads", "bytes", "gbps", "best_s", "median_s"):
        assert k in r, k
    assert r["gbps"] > 0 and 0 < r["best_s"] <= r["median_s"]
    assert r["scope"] == "host" or r["scope"].startswith("node")
    kernels.add(r["kernel"])
assert kernels == {"read", "write", "copy", "triad"}, kernels
host = [r for r in b["results"] if r["scope"] == "host" and r["kernel"] == "triad"][0]
# STREAM counting: 24 bytes per element of each of the three arrays
assert host["bytes"] == 3 * b["array_bytes"], (host["bytes"], b["array_bytes"])
EOF

# libnuma is loaded by the verifier when it places memory, not linked:
# every other command starts without its constructor's 40 system calls.
check "rigtune does not link libnuma" bash -c '! readelf -d "$1" | grep -q "NEEDED.*libnuma"' _ "$RIGTUNE"
if [ -e /sys/devices/system/node/node0 ] && ldconfig -p | grep -q 'libnuma\.so\.1 ' &&
	command -v strace >/dev/null && strace -f -qq -e trace=mbind -o /dev/null true 2>/dev/null; then
	# LeakSanitizer cannot run under ptrace: off for the traced runs only.
	traced_asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	check "bench binds each node's arrays through libnuma, loaded at run time (mbind, MPOL_BIND)" bash -c \
		'ASAN_OPTIONS=$3 strace -f -qq -e trace=mbind -o "$2" "$1" bench --quick --scope host --size-mb 64 \
		 >/dev/null 2>&1 && grep -q "mbind(.*MPOL_BIND" "$2"' _ "$RIGTUNE" "$TMP/mbind.trace" "$traced_asan"
	check "probe neither loads libnuma nor binds memory" bash -c \
		'ASAN_OPTIONS=$3 strace -f -qq -e trace=openat,mbind -o "$2" "$1" probe >/dev/null 2>&1 &&
		 ! grep -Eq "libnuma|mbind\(" "$2"' _ "$RIGTUNE" "$TMP/probe.trace" "$traced_asan"
else
	skip "no NUMA node, libnuma or strace here: binding not traced"
	skip "no NUMA node, libnuma or strace here: binding not traced"
fi

check "bench --kernel copy measures only copy" bash -c \
	'"$RIGTUNE" bench --quick --json --kernel copy --scope host --size-mb 64 |
	 python3 -c "import json,sys; r=json.load(sys.stdin)[\"bench\"][\"results\"]; assert [x[\"kernel\"] for x in r]==[\"copy\"]"'

"$RIGTUNE" bench --quick --scope host --kernel triad --size-mb 64 >"$TMP/bench.txt" 2>&1
check "bench text names the kernel, its scope and GB/s" grep -Eq '^triad +host +[0-9]+ +[0-9.]+' "$TMP/bench.txt"

# progress: on stderr, only on a terminal (or with -v), never with -q
"$RIGTUNE" bench --quick --scope host --kernel triad --size-mb 64 >/dev/null 2>"$TMP/progress"
check "no progress on stderr when it is not a terminal" test ! -s "$TMP/progress"
"$RIGTUNE" -v bench --quick --scope host --kernel triad,copy --size-mb 64 >/dev/null 2>"$TMP/progress"
check "-v: what is measured and how far, a line each" \
	bash -c "grep -qx 'rigtune: measuring triad on the whole host (1 of 2)' '$TMP/progress' && grep -qx 'rigtune: measuring copy on the whole host (2 of 2)' '$TMP/progress' || grep -qx 'rigtune: measuring copy on the whole host (1 of 2)' '$TMP/progress'"
if command -v script >/dev/null; then
	script -qec "'$RIGTUNE' bench --quick --scope host --kernel triad --size-mb 64 >/dev/null" /dev/null > "$TMP/tty" 2>&1
	check "on a terminal: one line that rewrites itself" grep -q 'measuring triad on the whole host (1 of 1)' "$TMP/tty"
	script -qec "'$RIGTUNE' -q bench --quick --scope host --kernel triad --size-mb 64 >/dev/null" /dev/null > "$TMP/tty" 2>&1
	check "-q: silent on a terminal" bash -c "! grep -q measuring '$TMP/tty'"
else
	skip "script(1) not installed: no terminal to test progress on"
fi

# verify: a target no machine reaches fails with 1, one every machine
# reaches passes with 0
cat >"$TMP/absurd.ini" <<'EOF'
[profile]
description = targets nothing reaches
[verify]
triad_gbps = 99999
EOF
cat >"$TMP/easy.ini" <<'EOF'
[profile]
description = targets everything reaches
[verify]
triad_gbps = 0.001
node_triad_gbps = 0.001
read_gbps = 0.001
copy_gbps = 0.001
EOF

"$RIGTUNE" verify "$TMP/absurd.ini" --quick >"$TMP/absurd.out" 2>"$TMP/absurd.err"
rc=$?
if [ $rc -eq 1 ]; then ok "verify against an absurd target exits 1"; else
	not_ok "verify against an absurd target exits 1 (got $rc)"; diag <"$TMP/absurd.err"; fi
check "the failing target is said in plain words" \
	grep -q 'host triad .* GB/s reaches [0-9]*% of the 99999.0 GB/s target' "$TMP/absurd.out"
check "the verdict says the host does not reach its targets" \
	grep -q '^This host does not reach its targets: 1 of 1 fail (triad_gbps)' "$TMP/absurd.out"
check "the verdict speaks of the theoretical peak" grep -q 'theoretical peak' "$TMP/absurd.out"

"$RIGTUNE" verify "$TMP/easy.ini" --quick >"$TMP/easy.out" 2>"$TMP/easy.err"
rc=$?
if [ $rc -eq 0 ]; then ok "verify against reachable targets exits 0"; else
	not_ok "verify against reachable targets exits 0 (got $rc)"; diag <"$TMP/easy.err"; fi
check "the verdict says the host reaches its targets" \
	grep -q '^This host reaches its targets' "$TMP/easy.out"

"$RIGTUNE" verify "$TMP/absurd.ini" --quick --json >"$TMP/verify.json" 2>/dev/null
check "verify --json: bench and verify objects, result fail" python3 - "$TMP/verify.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1 and d["bench"]["results"]
v = d["verify"]
assert v["result"] == "fail" and v["failed"] == 1 and v["passed"] == 0
c = v["checks"][0]
assert c["name"] == "triad_gbps" and c["status"] == "fail" and c["expected"] == 99999
assert c["source"].endswith("absurd.ini:4"), c["source"]
assert "does not reach" in v["verdict"]
EOF

# refusals: exit 2 with a message
"$RIGTUNE" --sysroot "$TMP" bench --quick >/dev/null 2>"$TMP/sysroot.err"
rc=$?
check "bench refuses a captured tree (exit 2)" test $rc -eq 2
check "and says why" grep -q 'captured tree, not this host' "$TMP/sysroot.err"
"$RIGTUNE" --sysroot "$TMP" verify "$TMP/easy.ini" >/dev/null 2>&1
check "verify refuses a captured tree (exit 2)" test $? -eq 2
"$RIGTUNE" bench --kernel scale >/dev/null 2>"$TMP/kernel.err"
check "bench --kernel scale: exit 2" test $? -eq 2
check "and names the bad kernel" grep -q "'scale' is not one of read, write, copy, triad" "$TMP/kernel.err"
"$RIGTUNE" verify --threads 2 "$TMP/easy.ini" >/dev/null 2>&1
check "verify takes only --json and --quick (exit 2)" test $? -eq 2

cat >"$TMP/bad.ini" <<'EOF'
[verify]
peak_fraction = 80
EOF
"$RIGTUNE" verify "$TMP/bad.ini" --quick >/dev/null 2>"$TMP/bad.err"
check "verify: a peak_fraction of 80 is a profile error (exit 2)" test $? -eq 2
check "reported at its file and line" grep -q 'bad.ini:2' "$TMP/bad.err"

done_testing
