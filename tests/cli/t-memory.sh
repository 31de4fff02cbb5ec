#!/bin/bash
# rigtune probe, memory: DMI tables from tests/gen/mkdmi (peak, channels,
# sizes agree with the generator's facts; empty channels, mixed sizes and
# speeds shown as attention lines), the degraded Genoa tree, a truncated
# and a garbage table, no DMI at all, the live host and every fixture.
. "$(dirname "$0")/tap.sh"
# Only the trees this test needs (fixture-trees.sh generates them all).
SHARED_TREES=""
for t in "$SHARED"/fixtures/sysfs/*.tar.bz2; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .tar.bz2); mkdir -p "$TMP/fx/$n" && tar xf "$t" -C "$TMP/fx/$n" 2>/dev/null || continue
	d=$(dirname "$(find "$TMP/fx/$n" -maxdepth 2 -name sys -type d | head -1)")
	SHARED_TREES="$SHARED_TREES $n=$d"
done
genoa() { # NAME ARGS...: a tree from tests/gen/mktree-genoa, or nothing
	local n=$1; shift
	[ -x "$SRCDIR/tests/gen/mktree-genoa" ] && "$SRCDIR/tests/gen/mktree-genoa" "$TMP/$n" "$@" >/dev/null 2>&1 && echo "$TMP/$n"
}

MKDMI=$SRCDIR/tests/gen/mkdmi
jq_py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

if [ -x "$MKDMI" ]; then
	for c in genoa-24 genoa-22 genoa-12 genoa-mixed genoa-2dpc mi300x-host spr-hgx; do
		dir=$TMP/dmi-$c
		"$MKDMI" "$dir/sys/firmware/dmi/tables" --config $c --facts > "$TMP/$c.facts"
		"$RIGTUNE" --sysroot "$dir" probe --json > "$TMP/$c.json"; rc=$?
		check "$c: probe --json exits 0" [ $rc -eq 0 ]
		check "$c: peak, channels, slots and bytes equal the generator's facts" python3 - "$TMP/$c.json" "$TMP/$c.facts" <<-'EOF'
			import json, sys
			m = json.load(open(sys.argv[1]))["memory"]; f = json.load(open(sys.argv[2]))
			pop = [d for d in m["dimms"] if d["populated"]]
			ok = (abs(m["peak_gbps"] - f["peak_gbps"]) < 0.05 and m["channels_populated"] == f["channels_populated"]
			      and len(m["dimms"]) == f["slots"] and len(pop) == f["dimms_populated"]
			      and sum(d["size_bytes"] for d in pop) == f["total_bytes"] and m["peak_source"] == "smbios"
			      and len(m["skipped"]) == f["nvdimm_records"])
			sys.exit(0 if ok else print(m, f) or 1)
		EOF
		"$RIGTUNE" --sysroot "$dir" probe > "$TMP/$c.txt"
	done
	check "genoa-24: text says 24 of 24 channels, DDR5-4800, 921.6 GB/s" \
		grep -q "24 of 24 channels populated (DDR5-4800): theoretical peak 921.6 GB/s" "$TMP/genoa-24.txt"
	check "genoa-24: no attention line in the Memory block" \
		bash -c "! sed -n '/^Memory/,/^\$/p' '$TMP/genoa-24.txt' | grep -q '^  !'"
	check "genoa-24: the NVDIMM-N is shown as not counted" grep -q "NVDIMM_0: NVDIMM-N, 16 GiB (not DRAM)" "$TMP/genoa-24.txt"
	check "genoa-22: the empty channel on socket 0 is an attention line" \
		grep -q "^  ! socket 0: 11 of 12 channels populated" "$TMP/genoa-22.txt"
	check "genoa-22: and on socket 1" grep -q "^  ! socket 1: 11 of 12 channels populated" "$TMP/genoa-22.txt"
	check "genoa-12: 12 of 24 channels, 460.8 GB/s" grep -q "12 of 24 channels populated (DDR5-4800): theoretical peak 460.8 GB/s" "$TMP/genoa-12.txt"
	check "genoa-mixed: mixed sizes warned" grep -q "^  ! mixed DIMM sizes: 22 × 64 GiB, 2 × 32 GiB" "$TMP/genoa-mixed.txt"
	check "genoa-mixed: mixed speeds warned" grep -q "^  ! mixed configured speeds: 20 at 4800 MT/s, 4 at 4400 MT/s" "$TMP/genoa-mixed.txt"
	check "genoa-mixed: warnings are in the JSON" jq_py "$TMP/genoa-mixed.json" \
		'sys.exit(len(d["memory"]["warnings"]) != 2)'
	check "genoa-2dpc: 48 DIMMs in 24 channels at 4400" grep -q "24 of 24 channels populated (DDR5-4400): theoretical peak 844.8 GB/s" "$TMP/genoa-2dpc.txt"
	check "genoa-24: DIMM_P1_L0 is socket 1 channel 11 in JSON" jq_py "$TMP/genoa-24.json" \
		'x=[m for m in d["memory"]["dimms"] if m["locator"]=="DIMM_P1_L0"][0]; sys.exit(not (x["socket"]==1 and x["channel"]==11 and x["type"]=="DDR5" and x["configured_mts"]==4800))'

	dir=$TMP/dmi-genoa-24/sys/firmware/dmi/tables
	mkdir -p "$TMP/trunc/sys/firmware/dmi/tables" "$TMP/garbage/sys/firmware/dmi/tables"
	cp "$dir/smbios_entry_point" "$TMP/trunc/sys/firmware/dmi/tables/"
	head -c $(( $(stat -c %s "$dir/DMI") / 2 )) "$dir/DMI" > "$TMP/trunc/sys/firmware/dmi/tables/DMI"
	"$RIGTUNE" --sysroot "$TMP/trunc" probe --json > "$TMP/trunc.json"; rc=$?
	check "a truncated table: exit 0" [ $rc -eq 0 ]
	check "a truncated table: the damage is a warning" jq_py "$TMP/trunc.json" \
		'sys.exit(not any("malformed" in w for w in d["memory"]["warnings"]))'
	head -c 20000 /dev/urandom > "$TMP/garbage/sys/firmware/dmi/tables/DMI"
	head -c 24 /dev/urandom > "$TMP/garbage/sys/firmware/dmi/tables/smbios_entry_point"
	"$RIGTUNE" --sysroot "$TMP/garbage" probe > /dev/null; rc=$?
	check "a garbage table: exit 0" [ $rc -eq 0 ]
else
	skip "tests/gen/mkdmi is not there"
fi

if dir=$(genoa deg --nps 1 --variant degraded); then
	"$RIGTUNE" --sysroot "$dir" probe > "$TMP/deg.txt"
	check "degraded Genoa: the empty channel is visible in the Memory block" \
		bash -c "sed -n '/^Memory/,/^\$/p' '$TMP/deg.txt' | grep -q '^  ! socket 0: 11 of 12 channels populated'"
else
	skip "tests/gen/mktree-genoa is not there"
fi

mkdir -p "$TMP/empty"
"$RIGTUNE" --sysroot "$TMP/empty" probe --json > "$TMP/empty.json"; rc=$?
check "no DMI: exit 0" [ $rc -eq 0 ]
check "no DMI: peak null, no DIMMs, the reason given" jq_py "$TMP/empty.json" \
	'm=d["memory"]; sys.exit(not (m["peak_gbps"] is None and m["peak_source"] is None and m["dimms"]==[] and "no SMBIOS tables" in m["unknown_reason"]))'
check "no DMI: the text says the peak is unknown" bash -c "'$RIGTUNE' --sysroot '$TMP/empty' probe | grep -q 'Theoretical peak: unknown'"

"$RIGTUNE" probe --json > "$TMP/live.json"; rc=$?
check "live host: exit 0" [ $rc -eq 0 ]
check "live host: a peak with its source, or null with a reason" jq_py "$TMP/live.json" \
	'm=d["memory"]; sys.exit(not ((m["peak_gbps"] is not None and m["peak_source"]=="smbios") or (m["peak_gbps"] is None and m["unknown_reason"])))'

for pair in $SHARED_TREES; do
	"$RIGTUNE" --sysroot "${pair#*=}" probe --json > "$TMP/fx.json"; rc=$?
	check "${pair%%=*}: exit 0, memory keys present" jq_py "$TMP/fx.json" \
		'm=d["memory"]; sys.exit(not all(k in m for k in ("dimms","channels_populated","peak_gbps","peak_source","unknown_reason","warnings")))'
done
[ -n "$SHARED_TREES" ] || skip "no ../shared fixtures"
done_testing
