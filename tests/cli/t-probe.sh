#!/bin/bash
# rigtune probe: the live host, global options anywhere, missing files as
# unknown, NUMA equal to hwloc's on every tree, golden JSON per tree.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/fixture-trees.sh"

json_ok() { python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(k in d for k in sys.argv[1:]) else 1)' "$@"; }

out=$("$RIGTUNE" probe) ; rc=$?
check "probe exits 0 on this host" [ $rc -eq 0 ]
for h in Host CPU NUMA "Transparent hugepages" "Hugepage pools" Sysctls; do
	check "probe text has a '$h' block" grep -qx "$h" <<<"$out"
done
check "probe --json has every schema-1 key" json_ok schema rigtune_version host cpu numa memory thp pci links irqs sysctl < <("$RIGTUNE" probe --json)
check "schema is 1" python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["schema"] != 1)' < <("$RIGTUNE" probe --json)

mkdir -p "$TMP/empty"
"$RIGTUNE" --sysroot "$TMP/empty" probe --json > "$TMP/empty.json"; rc=$?
check "an empty tree probes (everything unknown), exit 0" [ $rc -eq 0 ]
check "an empty tree gives null, not a crash" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["cpu"]["governor"] is not None or d["thp"]["enabled"] is not None)' "$TMP/empty.json"
"$RIGTUNE" --sysroot "$TMP/nonexistent" probe 2>"$TMP/err"; rc=$?
check "a missing sysroot is exit 2" [ $rc -eq 2 ]
check "a missing sysroot names it" grep -q "nonexistent" "$TMP/err"
"$RIGTUNE" probe --bogus 2>/dev/null; rc=$?
check "an unknown argument is exit 2" [ $rc -eq 2 ]

first=${TREES%% *}; first=${first#*=}; first=${first:-$TMP/empty}
a=$("$RIGTUNE" --sysroot "$first" probe --json); b=$("$RIGTUNE" probe --json --sysroot "$first")
c=$("$RIGTUNE" probe --sysroot="$first" --json)
check "global options work before and after the command" [ "$a" = "$b" -a "$a" = "$c" ]

for pair in $TREES; do
	name=${pair%%=*}; dir=${pair#*=}
	"$RIGTUNE" --sysroot "$dir" probe --json > "$TMP/$name.json"; rc=$?
	check "$name: probe --json exits 0" [ $rc -eq 0 ]
	"$RIGTUNE" --sysroot "$dir" probe > /dev/null; rc=$?
	check "$name: probe text exits 0" [ $rc -eq 0 ]
	if HWLOC_KEEP_NVIDIA_GPU_NUMA_NODES=1 HWLOC_FSROOT="$dir" HWLOC_COMPONENTS=linux,stop \
		lstopo --of xml > "$TMP/$name.xml" 2>/dev/null; then
		check "$name: NUMA nodes, CPUs, memory and distances equal hwloc's" \
			"$SRCDIR/tests/cli/hwloc-compare" "$TMP/$name.xml" "$TMP/$name.json" "$dir"
	else
		skip "$name: lstopo is not installed or failed"
	fi
	golden="$SRCDIR/tests/golden/$name.json"
	if [ -f "$golden" ]; then
		if diff -u <(grep -v rigtune_version "$golden") <(grep -v rigtune_version "$TMP/$name.json") > "$TMP/diff"; then
			ok "$name: probe --json equals tests/golden/$name.json"
		else
			not_ok "$name: probe --json differs from tests/golden/$name.json"; head -40 "$TMP/diff" | diag
		fi
	else
		not_ok "$name: no golden file tests/golden/$name.json (run tests/update-golden)"
	fi
done
[ -n "$SHARED_TREES" ] || skip "../shared/fixtures/sysfs is absent: real-machine trees not compared"
done_testing
