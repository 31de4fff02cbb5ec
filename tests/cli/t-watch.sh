#!/bin/bash
# rigtune watch: synthetic udev events (--events) against a small tree.
# A bind (or add) of a device the profile's [irq] devices select moves that
# device's IRQs, and only those, to its NUMA node's CPUs; remove and
# unbind cancel; other devices and other actions change nothing; what it
# writes is journaled, so revert undoes it. The live mode starts, listens
# and stops cleanly on SIGTERM (with a profile that selects no device, so
# the test never moves this machine's IRQs).
. "$SRCDIR/tests/cli/tap.sh"

# A two-node, four-CPU host: node0 = CPUs 0-1, node1 = CPUs 2-3.
#   0000:00:02.0  NIC  (0x0200, Mellanox) node 1, MSI-X IRQs 40 41
#   0000:00:03.0  USB  (0x0c03, Intel)    node 0, IRQ 50
#   0000:00:04.0  NVMe (0x0108, Samsung)  node 0, IRQ 60
#   0000:01:00.0  GPU  (0x0302, NVIDIA)   node 1, IRQs 70 71, behind the bridge 0000:00:01.0
#   0000:00:05.0  NIC  node unknown (-1), IRQ 80
#   IRQ 30: no PCI device (a timer, say)
mktree() { # DIR [INITIAL-AFFINITY]
	local t=$1 initial=${2:-0-3}
	mkdir -p "$t/sys/devices/system/cpu" "$t/sys/bus/pci/devices" "$t/proc/sys/kernel/random"
	echo 0-3 >"$t/sys/devices/system/cpu/online"
	echo 0-3 >"$t/sys/devices/system/cpu/possible"
	for c in 0 1 2 3; do
		mkdir -p "$t/sys/devices/system/cpu/cpu$c/topology"
		echo 1 >"$t/sys/devices/system/cpu/cpu$c/online"
	done
	mkdir -p "$t/sys/devices/system/node/node0" "$t/sys/devices/system/node/node1"
	echo 0-1 >"$t/sys/devices/system/node/node0/cpulist"
	echo 2-3 >"$t/sys/devices/system/node/node1/cpulist"
	echo 0-1 >"$t/sys/devices/system/node/online"
	echo 11111111-2222-3333-4444-555555555555 >"$t/proc/sys/kernel/random/boot_id"
	mkdev "$t" pci0000:00/0000:00:02.0 0x020000 0x15b3 1 40 41
	mkdev "$t" pci0000:00/0000:00:03.0 0x0c0330 0x8086 0 50
	mkdev "$t" pci0000:00/0000:00:04.0 0x010802 0x144d 0 60
	mkdev "$t" pci0000:00/0000:00:01.0 0x060400 0x1022 0
	mkdev "$t" pci0000:00/0000:00:01.0/0000:01:00.0 0x030200 0x10de 1 70 71
	mkdev "$t" pci0000:00/0000:00:05.0 0x020000 0x8086 -1 80
	for i in 30 40 41 50 60 70 71 80; do
		mkdir -p "$t/proc/irq/$i"
		echo "$initial" >"$t/proc/irq/$i/smp_affinity_list"
	done
}
mkdev() { # TREE DEVPATH CLASS VENDOR NODE IRQ...
	local t=$1 path=$2 d=$1/sys/devices/$2
	mkdir -p "$d/msi_irqs"
	echo "$3" >"$d/class"
	echo "$4" >"$d/vendor"
	echo "$5" >"$d/numa_node"
	echo 0 >"$d/irq"
	shift 5
	for i in "$@"; do touch "$d/msi_irqs/$i"; done
	ln -s "../../../devices/$path" "$t/sys/bus/pci/devices/${path##*/}"
}
# The affinity of each IRQ, "30=0-3 40=2-3 ...".
affinities() {
	local out="" f
	for f in "$1"/proc/irq/*/smp_affinity_list; do
		out="$out $(basename "$(dirname "$f")")=$(cat "$f")"
	done
	echo "${out# }"
}
profile() { # NAME POLICY DEVICES
	printf '[irq]\npolicy = %s\ndevices = %s\n' "$2" "$3" >"$TMP/$1.ini"
	chmod 644 "$TMP/$1.ini"
}
profile nic local-node nic
profile nic-nvme local-node "nic, nvme"
profile gpu local-node gpu
profile usb-by-bdf local-node 0000:00:03.0
profile all all nic
profile none none nic

# watch TREE PROFILE EVENTS...: run watch on the events; sets $out, $rc
watch() {
	local tree=$1 prof=$2
	shift 2
	printf '%s\n' "$@" >"$TMP/events"
	out=$("$RIGTUNE" --sysroot "$tree" watch "$TMP/$prof.ini" --events "$TMP/events" 2>&1)
	rc=$?
}
untouched="30=0-3 40=0-3 41=0-3 50=0-3 60=0-3 70=0-3 71=0-3 80=0-3"
nic=/devices/pci0000:00/0000:00:02.0
usb=/devices/pci0000:00/0000:00:03.0
nvme=/devices/pci0000:00/0000:00:04.0
gpu=/devices/pci0000:00/0000:00:01.0/0000:01:00.0
nonode=/devices/pci0000:00/0000:00:05.0

t=$TMP/t1; mktree "$t"
watch "$t" nic "bind $nic"
check "bind of a NIC: exit 0 ($rc)" test "$rc" = 0
check "bind of a NIC: its IRQs 40 41 go to its node's CPUs 2-3, nothing else moves" \
	test "$(affinities "$t")" = "30=0-3 40=2-3 41=2-3 50=0-3 60=0-3 70=0-3 71=0-3 80=0-3"
check "bind of a NIC: says what moved" grep -qx "0000:00:02.0: irq 40: 0-3 -> 2-3" <<<"$out"
check "the originals are journaled" \
	grep -qx "set irq.0000:00:02.0 proc/irq/41/smp_affinity_list 0-3" "$t/run/rigtune/journal"
"$RIGTUNE" --sysroot "$t" revert >/dev/null 2>&1
check "rigtune revert puts the IRQs back" test "$(affinities "$t")" = "$untouched"

t=$TMP/t2; mktree "$t"
watch "$t" nic "add $nic"
check "add of a NIC places its IRQs too" test "$(affinities "$t" | cut -d' ' -f2-3)" = "40=2-3 41=2-3"

t=$TMP/t3; mktree "$t"
watch "$t" nic "remove $nic" "unbind $nic"
check "remove and unbind change nothing" test "$(affinities "$t")" = "$untouched" -a "$rc" = 0 -a -z "$out"

t=$TMP/t4; mktree "$t"
watch "$t" nic "bind $nic" "unbind $nic"
check "bind then unbind (before it settled): nothing" test "$(affinities "$t")" = "$untouched"
watch "$t" nic "remove $nic" "add $nic" "bind $nic"
check "remove then add and bind: placed, once" \
	test "$(affinities "$t" | cut -d' ' -f2-3)/$(grep -c 'irq 40:' <<<"$out")" = "40=2-3 41=2-3/1"

t=$TMP/t5; mktree "$t"
watch "$t" nic "change $nic" "move $nic" "online $nic"
check "change, move and other actions change nothing" test "$(affinities "$t")" = "$untouched" -a "$rc" = 0

t=$TMP/t6; mktree "$t"
watch "$t" nic "bind $usb" "bind $nvme" "bind $gpu"
check "devices of classes the profile does not name: nothing (devices = nic)" \
	test "$(affinities "$t")" = "$untouched" -a "$rc" = 0
watch "$t" nic-nvme "bind $nvme" "bind $usb"
check "devices = nic, nvme: the NVMe's IRQ goes to node 0 (0-1), the USB controller stays" \
	test "$(affinities "$t")" = "30=0-3 40=0-3 41=0-3 50=0-3 60=0-1 70=0-3 71=0-3 80=0-3"

t=$TMP/t7; mktree "$t"
watch "$t" gpu "bind $gpu" "bind $nic"
check "a GPU behind a bridge: its IRQs 70 71 to node 1, the NIC stays (devices = gpu)" \
	test "$(affinities "$t")" = "30=0-3 40=0-3 41=0-3 50=0-3 60=0-3 70=2-3 71=2-3 80=0-3"

t=$TMP/t8; mktree "$t"
watch "$t" usb-by-bdf "bind $usb" "bind $nic"
check "a device named by its address: placed whatever its class" \
	test "$(affinities "$t")" = "30=0-3 40=0-3 41=0-3 50=0-1 60=0-3 70=0-3 71=0-3 80=0-3"

t=$TMP/t9; mktree "$t" 1
watch "$t" all "bind $nic"
check "policy all: back to every online CPU" test "$(affinities "$t" | cut -d' ' -f1-3)" = "30=1 40=0-3 41=0-3"
watch "$t" nic "bind $nonode"
check "a device whose node is unknown: any online CPU will do (IRQ 80 stays on 1)" \
	test "$(affinities "$t" | cut -d' ' -f8)" = "80=1"

# Drivers spread queue IRQs one CPU each: one already within its node stays.
t=$TMP/t9b; mktree "$t"
echo 3 >"$t/proc/irq/40/smp_affinity_list"
echo 1 >"$t/proc/irq/41/smp_affinity_list"
watch "$t" nic "bind $nic"
check "an IRQ already on one of its node's CPUs stays (40=3); one off the node moves (41=1 -> 2-3)" \
	test "$(affinities "$t" | cut -d' ' -f2-3)" = "40=3 41=2-3"

t=$TMP/t10; mktree "$t"
watch "$t" none "bind $nic"
check "policy none: nothing to watch, exit 0, nothing changed" \
	test "$rc/$(affinities "$t")" = "0/$untouched"
grep -q "nothing to watch" <<<"$out" || diag <<<"$out"

t=$TMP/t11; mktree "$t"
watch "$t" nic "bind /devices/pci0000:00/0000:00:09.0"
check "a device that is already gone: ignored, exit 0" test "$rc/$(affinities "$t")" = "0/$untouched"
watch "$t" nic "# a comment" "" "bind $nic"
check "comments and blank lines are skipped" test "$(affinities "$t" | cut -d' ' -f2)" = "40=2-3"

t=$TMP/t12; mktree "$t"
watch "$t" nic "bind $nic" "bind"
check "a malformed line: exit 2, file:line, nothing changed" \
	test "$rc/$(affinities "$t")" = "2/$untouched"
grep -q "events:2: expected 'ACTION DEVPATH'" <<<"$out" || diag <<<"$out"
printf 'bind %s\n' "$nic" | "$RIGTUNE" --sysroot "$t" watch "$TMP/nic.ini" --events - >/dev/null 2>&1
check "events from standard input (--events -)" test "$(affinities "$t" | cut -d' ' -f2)" = "40=2-3"

"$RIGTUNE" --sysroot "$t" watch "$TMP/nic.ini" >/dev/null 2>&1
check "--sysroot without --events: refused (udev events are the live host's), exit 2" test $? = 2
"$RIGTUNE" watch "$TMP/nic.ini" --settle soon --events /dev/null >/dev/null 2>&1
check "a bad --settle: exit 2" test $? = 2
"$RIGTUNE" watch --events /dev/null >/dev/null 2>&1
check "no profile: exit 2" test $? = 2

# Live: a profile that selects no device of this machine, so nothing moves.
profile nowhere local-node 0000:ff:1f.7
"$RIGTUNE" watch "$TMP/nowhere.ini" >"$TMP/live.out" 2>&1 &
pid=$!
for _ in $(seq 50); do
	grep -q "keeping the \[irq\] placement" "$TMP/live.out" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
if grep -q "keeping the \[irq\] placement" "$TMP/live.out"; then
	kill -TERM $pid
	wait $pid
	check "live: listens to udev, and SIGTERM stops it with exit 0" test $? = 0
else
	kill $pid 2>/dev/null
	wait $pid
	skip "live: cannot listen to udev here: $(tail -1 "$TMP/live.out")"
fi
done_testing
