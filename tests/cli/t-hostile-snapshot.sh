#!/bin/bash
# Snapshots do not leak (issue 13): a file only root may read keeps its
# mode in the archive and makes the archive 0600; serial numbers, asset
# tags and the UUID (sys/class/dmi/id, the SMBIOS table) stay out unless
# --include-serials, while memory channels still read from the table.
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C.UTF-8

# The small tree, with a Genoa SMBIOS table and sysfs's DMI id files.
G=$TMP/tree
DMI=sys/firmware/dmi/tables/DMI
cp -a "$SRCDIR/tests/trees/small" "$G"
mkdir -p "$G/sys/firmware/dmi/tables" "$G/sys/class/dmi/id"
if ! "$SRCDIR/tests/gen/mkdmi" "$G/sys/firmware/dmi/tables" --config genoa-24 > /dev/null 2>&1; then
	skip "tests/gen/mkdmi: not available"
	done_testing
	exit 0
fi
serial=S452338X4A12345
for f in product_serial board_serial chassis_serial; do echo "$serial" > "$G/sys/class/dmi/id/$f"; done
echo 4c4c4544-0042-3510-8052-b4c04f4a4a32 > "$G/sys/class/dmi/id/product_uuid"
echo Genoa > "$G/sys/class/dmi/id/product_name"
chmod 0400 "$G/$DMI" "$G"/sys/class/dmi/id/*serial "$G/sys/class/dmi/id/product_uuid"
check "the tree's SMBIOS table has DIMM serials (80AD1...)" grep -q 80AD1 "$G/$DMI"

"$RIGTUNE" --sysroot "$G" snapshot -o "$TMP/s.tar.gz" > /dev/null
check "snapshot exits 0" test $? = 0
check "the archive is 0600 (it holds a root-only file)" test "$(stat -c %a "$TMP/s.tar.gz")" = 600
check "the SMBIOS table keeps its mode 0400 inside" bash -c "tar tvzf '$TMP/s.tar.gz' $DMI | grep -q '^-r--------'"
mkdir -p "$TMP/s" && tar xzf "$TMP/s.tar.gz" -C "$TMP/s"
check "no DIMM serial in the captured SMBIOS table" bash -c "! grep -q 80AD1 '$TMP/s/$DMI'"
check "no product serial ('$serial') anywhere in the archive" bash -c "! grep -rqF -- '$serial' '$TMP/s'"
check "no sys/class/dmi/id serial, uuid or asset tag file" \
	bash -c "! tar tzf '$TMP/s.tar.gz' | grep -Eq 'dmi/id/.*(serial|uuid|asset_tag)'"
mem() { "$RIGTUNE" --sysroot "$1" probe --json | python3 -c 'import json,sys; m=json.load(sys.stdin)["memory"]; print(m.get("channels_populated"), m.get("peak_gbps"))'; }
check "memory channels and peak read the same from the scrubbed table ($(mem "$TMP/s"))" test "$(mem "$TMP/s")" = "$(mem "$G")"

"$RIGTUNE" --sysroot "$G" snapshot --include-serials -o "$TMP/full.tar.gz" > /dev/null
mkdir -p "$TMP/full" && tar xzf "$TMP/full.tar.gz" -C "$TMP/full"
check "--include-serials keeps the DIMM serials" grep -q 80AD1 "$TMP/full/$DMI"
chmod 0444 "$G/$DMI"
"$RIGTUNE" --sysroot "$G" snapshot -o "$TMP/pub.tar.gz" > /dev/null
check "with every file world-readable the archive is 0644" test "$(stat -c %a "$TMP/pub.tar.gz")" = 644

done_testing
