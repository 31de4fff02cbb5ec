#!/bin/bash
# apply and audit probe only what the profile reads. The trap: a tree
# whose sys/bus/pci/devices is a plain file, which only the PCI probes
# list: PCI enumeration fails there, visibly (checked first, so the trap
# is real). A profile of [thp], [sysctl] and [hugepages], and [expect]
# keys that need no PCI, applies there as on the intact tree; [irq] and
# audit's [expect] pcie.* still read PCI, and say what they miss.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/fixture-trees.sh"
export LC_ALL=C.UTF-8

tree=""
for pair in $TREES; do
	[ "${pair%%=*}" = genoa-nps1 ] && tree=${pair#*=}
done
if [ -z "$tree" ]; then
	skip "no generated Genoa tree"
	done_testing
	exit
fi
WORK=$TMP
if [ -d /dev/shm ] && [ -w /dev/shm ]; then # a 30 000-file copy: tmpfs is 10x faster
	WORK=$(mktemp -d /dev/shm/t-needs.XXXXXX) && trap 'rm -rf "$TMP" "$WORK"' EXIT || WORK=$TMP
fi
cp -a "$tree" "$WORK/trap"
rm -rf "$WORK/trap/sys/bus/pci/devices"
echo "not a directory" > "$WORK/trap/sys/bus/pci/devices"

"$RIGTUNE" --sysroot "$WORK/trap" probe > "$TMP/probe.out" 2>&1
check "the trap holds: a full probe's PCI enumeration fails" \
	grep -q 'PCI enumeration failed.*sys/bus/pci/devices: Not a directory' "$TMP/probe.out"

cat > "$TMP/boot.ini" <<'INI'
[thp]
enabled = never
defrag = never
[hugepages]
2M = 64
[sysctl]
vm.swappiness = 10
[expect]
cores = 192
thp.enabled = never
kernel_cmdline_absent = nosmt
INI
for cmd in "apply --dry-run" "apply --dry-run --json"; do
	"$RIGTUNE" --sysroot "$WORK/trap" $cmd "$TMP/boot.ini" > "$TMP/trap.out" 2>&1
	rc=$?
	"$RIGTUNE" --sysroot "$tree" $cmd "$TMP/boot.ini" > "$TMP/intact.out" 2>&1
	check "$cmd of a boot-time profile succeeds without PCI (exit $rc)" test $rc -eq 0
	check "$cmd: the same output as on the intact tree" cmp -s "$TMP/trap.out" "$TMP/intact.out"
done
"$RIGTUNE" --sysroot "$WORK/trap" apply "$TMP/boot.ini" > "$TMP/apply.out" 2>&1
check "apply writes the boot-time profile without PCI" test $? -eq 0
check "and THP reads back as set" grep -q '\[never\]' "$WORK/trap/sys/kernel/mm/transparent_hugepage/enabled"
check "and vm.swappiness too" test "$(cat "$WORK/trap/proc/sys/vm/swappiness")" = 10

printf '[irq]\npolicy = local-node\ndevices = nic\n' > "$TMP/irq.ini"
"$RIGTUNE" --sysroot "$tree" apply --dry-run "$TMP/irq.ini" > "$TMP/irq-intact.out" 2>&1
"$RIGTUNE" --sysroot "$WORK/trap" apply --dry-run "$TMP/irq.ini" > "$TMP/irq-trap.out" 2>&1
check "[irq] finds the NIC on the intact tree" grep -q '1 already in place' "$TMP/irq-intact.out"
check "[irq] still probes PCI: on the trap it finds no NIC" grep -q 'skip irq.nic: no nic devices' "$TMP/irq-trap.out"
printf '[expect]\npcie.nic.count = 1\n' > "$TMP/pcie.ini"
"$RIGTUNE" --sysroot "$tree" audit "$TMP/pcie.ini" > "$TMP/pcie-intact.out" 2>&1
"$RIGTUNE" --sysroot "$WORK/trap" audit "$TMP/pcie.ini" > "$TMP/pcie-trap.out" 2>&1
check "audit of [expect] pcie.* passes on the intact tree" grep -q '^PASS *expect.pcie.nic.count' "$TMP/pcie-intact.out"
check "audit of [expect] pcie.* still probes PCI: skipped on the trap, saying why" \
	grep -q 'why: sys/bus/pci/devices: Not a directory' "$TMP/pcie-trap.out"
done_testing
