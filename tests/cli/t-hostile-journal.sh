#!/bin/bash
# The journal is trusted only as far as it can be (issue 13): it lives in
# run/rigtune (volatile, as the values it guards), belongs to root (the
# user rigtune runs as) and is writable by no one else, names for each
# setting only files that setting writes, and is never replayed after a
# reboot without --force. Its temporary file is always a new file.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/scratch.sh"
export LC_ALL=C.UTF-8
unset RIGTUNE_FAULT

mkdir -p "$TMP/outside"
profile_dir
MANIFEST_SKIP="./run ./var"     # rigtune's own state
R() { timeout 60 "$RIGTUNE" "$@"; }
T=$TMP/tree
J=$T/run/rigtune/journal
fresh() {
	rm -rf "$T" && cp -a "$SRCDIR/tests/trees/small" "$T"
	mkdir -p "$T/proc/sys/kernel/random" && echo 11111111-this-boot > "$T/proc/sys/kernel/random/boot_id"
	manifest "$T" > "$TMP/pristine"
}
profile thp <<'EOF'
[thp]
enabled = never
[sysctl]
vm.swappiness = 1
EOF

fresh
R --sysroot "$T" apply thp > "$TMP/out" 2>&1
check "apply keeps its journal in run/rigtune" test -s "$J"
check "... and nothing in var/lib/rigtune" test ! -e "$T/var/lib/rigtune/journal"
check "... and says where" grep -q "journal $T/run/rigtune/journal" "$TMP/out"
cp "$J" "$TMP/journal.good"
manifest "$T" > "$TMP/applied"

# refused_revert NAME WANT: revert exits 2 saying WANT, the tree as applied.
refused_revert() {
	R --sysroot "$T" revert > "$TMP/out" 2> "$TMP/err"
	local rc=$?
	check "$1: revert refused (exit $rc)" test "$rc" = 2
	check "... saying '$2'" grep -q -- "$2" "$TMP/err"
	check "... nothing written" cmp -s <(manifest "$T") "$TMP/applied"
}

chmod 0666 "$J"
refused_revert "a world-writable journal" "writable by group/others"
R --sysroot "$T" apply thp > /dev/null 2> "$TMP/err"
check "... and apply refuses it too (exit $?)" grep -q "writable by group/others" "$TMP/err"
chmod 0644 "$J" && chmod 0777 "$T/run/rigtune"
refused_revert "a journal in a world-writable directory" "writable by group/others"
chmod 0755 "$T/run/rigtune"
if [ "$(id -u)" = 0 ]; then
	chown 1000:1000 "$J"
	refused_revert "a journal owned by uid 1000" "owned by root"
	chown 0:0 "$J"
	chown 1000 "$T/run/rigtune"
	refused_revert "a journal in a directory owned by uid 1000" "owned by root"
	chown 0 "$T/run/rigtune"
else
	skip "not root: journals of other owners not tried"
fi

# An entry naming a file its setting never writes.
sed 's#^set thp.enabled sys/kernel/mm/transparent_hugepage/enabled #set thp.enabled proc/sys/kernel/numa_balancing #' \
	"$TMP/journal.good" > "$J"
refused_revert "thp.enabled naming proc/sys/kernel/numa_balancing" "'proc/sys/kernel/numa_balancing' is not a file rigtune writes"
sed 's#^set sysctl.vm.swappiness proc/sys/vm/swappiness #set sysctl.vm.swappiness proc/sys/kernel/numa_balancing #' \
	"$TMP/journal.good" > "$J"
refused_revert "sysctl.vm.swappiness naming kernel/numa_balancing" "is not a file rigtune writes"
R --sysroot "$T" apply thp > /dev/null 2> "$TMP/err"
check "... and apply refuses that journal too (exit $?)" grep -q "the journal is corrupt" "$TMP/err"

# A journal of an earlier boot: the reboot put its values back.
cp "$TMP/journal.good" "$J"
echo 22222222-next-boot > "$T/proc/sys/kernel/random/boot_id"
manifest "$T" > "$TMP/applied"
refused_revert "a journal of an earlier boot" "from an earlier boot"
check "... naming --force" grep -q -- "--force" "$TMP/err"
check "... the journal kept" cmp -s "$J" "$TMP/journal.good"
R --sysroot "$T" revert --force > "$TMP/out" 2>&1
check "revert --force replays it (exit $?)" grep -q '^reverted 2 settings' "$TMP/out"
check "... saying so" grep -q 'from an earlier boot' "$TMP/out"
echo 11111111-this-boot > "$T/proc/sys/kernel/random/boot_id"
check "... and restores the tree" cmp -s <(manifest "$T") "$TMP/pristine"

# IRQ entries are keyed by device and vector: after a driver rebind
# renumbered 0000:41:00.0's vectors (120, 121 -> 122, 123), revert leaves
# IRQs 120 and 121 (another device's now) alone.
profile irq <<'EOF'
[irq]
policy = local-node
devices = nic
EOF
fresh
R --sysroot "$T" apply irq > "$TMP/out" 2>&1
if grep -q '^irq.0000:41:00.0' "$TMP/out"; then
	M=$T/sys/bus/pci/devices/0000:41:00.0/msi_irqs
	mv "$M/120" "$M/122" && mv "$M/121" "$M/123"
	moved=$(cat "$T/proc/irq/120/smp_affinity_list")
	R --sysroot "$T" revert > "$TMP/out" 2>&1
	check "after a rebind renumbered the device's vectors: revert exits 0 ($?)" test $? = 0
	check "... IRQ 120 (no longer the device's) is left as it is" \
		test "$(cat "$T/proc/irq/120/smp_affinity_list")" = "$moved"
	check "... and revert says its files are gone" grep -q 'files of the journal are gone' "$TMP/out"
else
	skip "the small tree has no NIC IRQ to move"
fi

# journal.tmp: a FIFO (would block apply), a hard link out of the tree
# (would be overwritten), a symlink out of the tree.
for kind in fifo hardlink symlink; do
	fresh
	mkdir -p "$T/run/rigtune"
	echo 'outside: must stay' > "$TMP/outside/file"
	case $kind in
	fifo) mkfifo "$T/run/rigtune/journal.tmp" ;;
	hardlink) ln "$TMP/outside/file" "$T/run/rigtune/journal.tmp" ;;
	symlink) ln -s "$TMP/outside/file" "$T/run/rigtune/journal.tmp" ;;
	esac
	R --sysroot "$T" apply thp > "$TMP/out" 2>&1
	rc=$?
	check "journal.tmp a $kind: apply ends and works (exit $rc)" test "$rc" = 0
	check "... the file outside untouched" test "$(cat "$TMP/outside/file")" = 'outside: must stay'
	check "... the journal is a plain file of the tree" test -f "$J" -a ! -L "$J"
	R --sysroot "$T" revert > /dev/null 2>&1
	check "... revert restores the tree" cmp -s <(manifest "$T") "$TMP/pristine"
done

done_testing
