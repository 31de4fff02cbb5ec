#!/bin/bash
# rigtune audit: one check per setting and per [expect] line, failures
# first, --json, exit 0/1/2, and it never writes. The generated machines'
# known faults (a missing DIMM, a Gen4 GPU link, a broken xGMI link) are
# found, and their traps (idle GPU links) are not failures.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/scratch.sh"
export LC_ALL=C.UTF-8

scratch_on_tmpfs t-audit
profile_dir "$SRCDIR/profiles"
R() { "$RIGTUNE" "$@"; }
# json_get FILE PYTHON-EXPRESSION over d (the document)
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
have_python=$(command -v python3)

SMALL=$WORK/small
cp -a "$SRCDIR/tests/trees/small" "$SMALL"
manifest "$SMALL" > "$WORK/small.manifest"
profile mixed <<'EOF'
[thp]
enabled = never
defrag = madvise
[sysctl]
vm.swappiness = 60
-vm.not_on_this_kernel = 1
[expect]
numa_nodes = 2
sockets = 2
threads = 8
kernel_cmdline = iommu=pt
kernel_cmdline_absent = quiet
memory_channels = 24
pcie.gpu.count = 1
EOF

R --sysroot "$SMALL" audit mixed > "$WORK/out" 2>&1
rc=$?
check "some checks fail: exit 1" test "$rc" = 1
check "failures first" test "$(sed -n 2p "$WORK/out" | awk '{print $1}')" = FAIL
check "a setting that differs: expected, actual, file:line" \
	grep -Eq '^FAIL +thp.enabled +never +madvise +mixed.ini:2$' "$WORK/out"
check "... with the fix" grep -q 'fix: rigtune apply .*echo never > /sys/kernel/mm/transparent_hugepage/enabled' "$WORK/out"
check "a setting in place passes" grep -Eq '^PASS +thp.defrag +madvise +madvise +mixed.ini:3$' "$WORK/out"
check "an optional sysctl this kernel lacks (-name) is left out" not grep -q 'not_on_this_kernel' "$WORK/out"
check "[expect] numa_nodes passes" grep -Eq '^PASS +expect.numa_nodes +2 +2 ' "$WORK/out"
check "[expect] threads fails: 4 CPUs, not 8" grep -Eq '^FAIL +expect.threads +8 +4 ' "$WORK/out"
check "[expect] a token on the command line passes" grep -Eq '^PASS +expect.kernel_cmdline ' "$WORK/out"
check "[expect] a token that must be absent fails" grep -Eq '^FAIL +expect.kernel_cmdline_absent +lacks quiet +has quiet ' "$WORK/out"
check "no DMI on this tree: memory_channels skips, saying why" grep -Eq '^SKIP +expect.memory_channels ' "$WORK/out"
check "the BMC's VGA does not count as a GPU" grep -Eq '^PASS +expect.pcie.gpu.count +1 +1 ' "$WORK/out"
check "summary line counts every status" grep -qx 'mixed: 6 pass, 3 fail, 1 skip, 0 error, 0 warn, 0 info' "$WORK/out"
check "audit writes nothing" cmp -s <(manifest "$SMALL") "$WORK/small.manifest"

R --sysroot "$SMALL" --json audit mixed > "$WORK/json" 2>&1
check "--json: exit 1 too" test $? = 1
if [ -n "$have_python" ]; then
	check "--json: schema 1, the profile's name" test "$(json_get "$WORK/json" 'd["schema"], d["profile"]')" = "1 mixed"
	check "--json: summary matches the checks" test "$(json_get "$WORK/json" \
		'all(d["summary"][s] == sum(c["status"] == s for c in d["checks"]) for s in ("pass","fail","skip","error"))')" = True
	check "--json: every check has id, status, expected, actual, source, hint" test "$(json_get "$WORK/json" \
		'all(set(("id","status","expected","actual","source","hint")) <= set(c) for c in d["checks"])')" = True
	check "--json: source is file:line" test "$(json_get "$WORK/json" \
		'[c["source"].split("/")[-1] for c in d["checks"] if c["id"] == "thp.enabled"][0]')" = mixed.ini:2
	check "--json: unknown actual is null" test "$(json_get "$WORK/json" \
		'[c["actual"] for c in d["checks"] if c["id"] == "expect.memory_channels"][0]')" = None
else
	skip "no python3: --json not parsed"
fi

profile broken <<'EOF'
[hugepages]
16G = 1
[expect]
numa_nodes = 2
EOF
R --sysroot "$SMALL" audit broken > "$WORK/out" 2>&1
check "a setting the host cannot take: exit 2" test $? = 2
check "... an error check with the reason" grep -Eq '^ERROR +hugepages.16G ' "$WORK/out"
check "... and the other checks still run" grep -Eq '^PASS +expect.numa_nodes ' "$WORK/out"

profile ok <<'EOF'
[thp]
defrag = madvise
[expect]
numa_nodes = 2
EOF
R --sysroot "$SMALL" audit ok > /dev/null 2>&1
check "everything in place: exit 0" test $? = 0
R --sysroot "$SMALL" audit > "$WORK/out" 2> "$WORK/err"
rec=$(R --sysroot "$SMALL" recommend | head -1)
check "no profile: the recommended one ($rec), said on stderr" grep -q "auditing the recommended profile $rec: " "$WORK/err"
check "... and audited" grep -q "^$rec: [0-9]* pass, " "$WORK/out"
R --sysroot "$SMALL" audit ok extra > /dev/null 2>&1
check "two profiles: usage error, exit 2" test $? = 2
R --sysroot "$SMALL" audit no-such-profile > /dev/null 2> "$WORK/err"
check "a profile that does not exist: exit 2" test $? = 2

# ---- generated machines: their known faults, and their traps ----

gen() { # NAME SCRIPT ARGS...
	local script=$SRCDIR/tests/gen/$2 name=$1
	shift 2
	[ -x "$script" ] && "$script" "$WORK/$name" "$@" > /dev/null 2>&1
}
if gen degraded mktree-genoa --variant degraded && gen genoa mktree-genoa; then
	R --sysroot "$WORK/degraded" audit epyc-genoa > "$WORK/out" 2>&1
	check "degraded Genoa: exit 1" test $? = 1
	check "degraded Genoa: 22 of 24 channels populated" grep -Eq '^FAIL +expect.memory_channels +24 channels +22 channels ' "$WORK/out"
	check "degraded Genoa: THP [always] found" grep -Eq '^FAIL +thp.enabled +never +always ' "$WORK/out"
	check "degraded Genoa: the rest of the hardware passes" grep -Eq '^PASS +expect.memory_mts_min ' "$WORK/out"
	R --sysroot "$WORK/genoa" apply epyc-genoa > /dev/null 2>&1
	R --sysroot "$WORK/genoa" audit epyc-genoa > "$WORK/out" 2>&1
	check "healthy Genoa after apply: every check passes (exit 0)" test $? = 0
else
	skip "tests/gen/mktree-genoa not available"
fi
if gen hgx mktree-hgx; then
	R --sysroot "$WORK/hgx" audit gpu-server-nvidia > "$WORK/out" 2>&1
	check "HGX: the GPU behind a Gen4 switch port fails pcie.gpu.gen" \
		grep -Eq '^FAIL +expect.pcie.gpu.gen +Gen5 on every gpu +0000:9d:00.0 Gen4' "$WORK/out"
	check "HGX: the idle GPU is a note, not a failure" grep -q 'idle link trained down .*0000:d1:00.0' "$WORK/out"
	check "HGX: NIC IRQs are on their nodes" grep -Eq '^PASS +expect.irq.local ' "$WORK/out"
else
	skip "tests/gen/mktree-hgx not available"
fi
if gen mi300x mktree-mi300x; then
	R --sysroot "$WORK/mi300x" audit gpu-server-amd-instinct > "$WORK/out" 2>&1
	check "MI300X: the missing xGMI link is named" \
		grep -Eq '^FAIL +expect.xgmi.complete +complete +missing 0000:63:00.0<->0000:c3:00.0' "$WORK/out"
	check "MI300X: GPU 5 idling at 2.5 GT/s passes, with a note" grep -q 'idle link trained down .*0000:a3:00.0' "$WORK/out"
	check "MI300X: all 8 GPUs found" grep -Eq '^PASS +expect.pcie.gpu.count +8 +8 ' "$WORK/out"
else
	skip "tests/gen/mktree-mi300x not available"
fi

done_testing
