#!/bin/bash
# Settings that must not go wrong quietly, on a snapshot of a 23.5 GiB KVM
# guest (tests/fixtures/kvm-epyc-2cpu): hugetlb pools that would starve a
# node are refused with nothing written, "1G = 50%" plans the share of the
# node's MemTotal, keep_free moves the floor; a misspelt sysctl or sysfs
# path is an error naming the closest file the kernel has, "-name" skips
# quietly; [sysfs] globs plan (and journal) every match; [cpu]
# idle_max_latency_us disables the deeper cpuidle states, and revert
# restores them.
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C.UTF-8
SNAP=$SRCDIR/tests/fixtures/kvm-epyc-2cpu.tar.gz
if [ ! -e "$SNAP" ]; then
	echo "ok 1 # SKIP no $SNAP"; echo "1..1"; exit 0
fi
mkdir -p "$TMP/p" "$TMP/kvm"
tar xzf "$SNAP" -C "$TMP/kvm"
KVM=$TMP/kvm
R() { "$RIGTUNE" "$@"; }
profile() { cat > "$TMP/p/$1.ini"; }
snapshot_sum() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); }
POOL=sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages
# one node: the kernel's MemTotal (proc/meminfo), as the NUMA probe reads it
mem_kb=$(awk '/^MemTotal:/ {print $2}' "$KVM/proc/meminfo")
snapshot_sum "$KVM" > "$TMP/kvm.sum"

# ---- hugetlb pools cannot starve a node ----
profile pool768 <<'EOF2'
[hugepages]
1G = 768
EOF2
R --sysroot "$KVM" apply "$TMP/p/pool768.ini" > "$TMP/out" 2>&1; rc=$?
check "768 x 1G on a 23.5 GiB node: refused (exit 2)" test $rc = 2
check "... naming the node, the size asked and what is left" \
	grep -q 'pool768.ini:2: \[hugepages\] 1G = 768: node0 would keep 0 MiB of its 23.5 GiB outside hugetlb pools (768.0 GiB asked), less than the 4.0 GiB it must keep free' "$TMP/out"
check "... and nothing written (no journal either)" cmp -s <(snapshot_sum "$KVM") "$TMP/kvm.sum"

profile half <<'EOF2'
[hugepages]
1G = 50%
EOF2
R --sysroot "$KVM" apply --dry-run "$TMP/p/half.ini" > "$TMP/out" 2>&1; rc=$?
want=$((mem_kb * 1024 / 100 * 50 / 1073741824))
check "1G = 50% plans half of node0's MemTotal in whole 1G pages ($want)" \
	grep -qx "hugepages.1G: 0 → $want (half.ini:2)" "$TMP/out"
check "... exit 0" test $rc = 0

profile keep <<'EOF2'
[hugepages]
1G = 50%
keep_free = 60%
EOF2
R --sysroot "$KVM" apply --dry-run "$TMP/p/keep.ini" > "$TMP/out" 2>&1; rc=$?
check "keep_free = 60% refuses a 50% pool (exit 2)" test $rc = 2
check "... saying keep_free set the floor" grep -q 'must keep free (\[hugepages\] keep_free)' "$TMP/out"

profile keep_low <<'EOF2'
[hugepages]
1G = 21
keep_free = 2G
EOF2
R --sysroot "$KVM" apply --dry-run "$TMP/p/keep_low.ini" > "$TMP/out" 2>&1; rc=$?
check "keep_free = 2G lets 21 of 23.5 GiB go to the pool" test $rc = 0
sed -i 's/^1G = 21$/1G = 22/' "$TMP/p/keep_low.ini"
R --sysroot "$KVM" apply --dry-run "$TMP/p/keep_low.ini" > "$TMP/out" 2>&1; rc=$?
check "... and refuses 22 (1.5 GiB left)" test $rc = 2

W=$TMP/kvm-w; cp -a "$KVM" "$W"
profile small <<'EOF2'
[hugepages]
1G = 2
EOF2
R --sysroot "$W" apply "$TMP/p/small.ini" > "$TMP/out" 2>&1; rc=$?
check "a pool within the floor applies" test $rc = 0 -a "$(cat "$W/$POOL")" = 2
R --sysroot "$W" revert > /dev/null 2>&1
check "... and reverts" test "$(cat "$W/$POOL")" = 0

# ---- a hugetlbfs mount unit for the pool ----
M=$TMP/kvm-mount; cp -a "$KVM" "$M"
UNIT=$M/etc/systemd/system/dev-hugepages1G.mount
profile mount <<'EOF2'
[hugepages]
1G = 2
mount = /dev/hugepages1G
EOF2
R --sysroot "$M" apply "$TMP/p/mount.ini" > "$TMP/out" 2>&1; rc=$?
check "mount = /dev/hugepages1G: apply exits 0, naming the unit" \
	test $rc = 0 -a -n "$(grep -x 'hugepages.mount: /etc/systemd/system/dev-hugepages1G.mount created (mount.ini:3)' "$TMP/out")"
check "... a hugetlbfs mount unit with pagesize=1G at that path" \
	test "$(grep -E '^(What|Where|Type|Options)=' "$UNIT" | tr '\n' ' ')" = \
	"What=hugetlbfs Where=/dev/hugepages1G Type=hugetlbfs Options=pagesize=1G "
R --sysroot "$M" audit "$TMP/p/mount.ini" > "$TMP/out" 2>&1; rc=$?
check "audit: the unit in place, but nothing mounted there yet (exit 1)" test $rc = 1 -a -n \
	"$(grep -E '^FAIL +hugepages.mounted +/dev/hugepages1G +not mounted' "$TMP/out")" -a -n "$(grep -E '^PASS +hugepages.mount ' "$TMP/out")"
echo "hugetlbfs /dev/hugepages1G hugetlbfs rw,relatime,pagesize=1024M 0 0" >> "$M/proc/mounts"
R --sysroot "$M" audit "$TMP/p/mount.ini" > "$TMP/out" 2>&1
check "audit passes once it is mounted" test $? = 0
R --sysroot "$M" revert > "$TMP/out" 2>&1
check "revert removes the unit rigtune created" test ! -e "$UNIT" -a -n "$(grep 'dev-hugepages1G.mount restored' "$TMP/out")"
printf '[hugepages]\nmount = /dev/huge pages\n' > "$TMP/p/badmount.ini"
R --sysroot "$M" apply --dry-run "$TMP/p/badmount.ini" > "$TMP/out" 2>&1; rc=$?
check "a mount path with a space, or no pool: exit 2" test $rc = 2

# ---- typos are errors ----
profile typo <<'EOF2'
[sysctl]
vm.swappiness = 10
vm.swapiness = 1
EOF2
R --sysroot "$KVM" apply "$TMP/p/typo.ini" > "$TMP/out" 2>&1; rc=$?
check "a misspelt sysctl: apply exit 2" test $rc = 2
check "... at file:line, suggesting the name the kernel has" \
	grep -q 'typo.ini:3: \[sysctl\] vm.swapiness: this kernel has no such sysctl; did you mean vm.swappiness?' "$TMP/out"
check "... nothing written" cmp -s <(snapshot_sum "$KVM") "$TMP/kvm.sum"
R --sysroot "$KVM" audit "$TMP/p/typo.ini" > "$TMP/out" 2>&1; rc=$?
check "audit refuses it too (exit 2, no SKIP)" test $rc = 2 -a -z "$(grep -E '^SKIP' "$TMP/out")"

profile optional <<'EOF2'
[sysctl]
-vm.swapiness = 1
-net.core.no_such_thing = 1
vm.swappiness = 10
[sysfs]
-/sys/kernel/mm/no_such_dir/x = 1
EOF2
R --sysroot "$KVM" apply --dry-run "$TMP/p/optional.ini" > "$TMP/out" 2>&1; rc=$?
check "-name: a missing optional sysctl or sysfs file is skipped quietly (exit 0)" \
	test $rc = 0 -a -z "$(grep -E 'swapiness|no_such' "$TMP/out")"

profile sysfs_typo <<'EOF2'
[sysfs]
/sys/kernel/mm/transparent_hugepage/enable = never
EOF2
R --sysroot "$KVM" apply --dry-run "$TMP/p/sysfs_typo.ini" > "$TMP/out" 2>&1; rc=$?
check "a misspelt sysfs path: exit 2 with the file the directory has" test $rc = 2 -a -n \
	"$(grep 'sysfs_typo.ini:2: .*did you mean /sys/kernel/mm/transparent_hugepage/enabled?' "$TMP/out")"

# ---- [sysfs] globs: each match planned, journaled and reverted ----
G=$TMP/kvm-net; cp -a "$KVM" "$G"
for dev in eth0 eth1; do
	mkdir -p "$G/sys/devices/virtio0/net/$dev" "$G/sys/class/net"
	for q in rx-0 rx-1 tx-0; do
		mkdir -p "$G/sys/devices/virtio0/net/$dev/queues/$q"
		echo 0 > "$G/sys/devices/virtio0/net/$dev/queues/$q/rps_cpus"
	done
	ln -s ../../devices/virtio0/net/$dev "$G/sys/class/net/$dev"
done
snapshot_sum "$G" > "$TMP/net.sum"
profile rps <<'EOF2'
[sysfs]
/sys/class/net/*/queues/rx-*/rps_cpus = 3
EOF2
R --sysroot "$G" apply "$TMP/p/rps.ini" > "$TMP/out" 2>&1; rc=$?
check "a glob applies (exit 0)" test $rc = 0
check "... to every rx queue of every interface (4 files)" \
	test "$(cat "$G"/sys/devices/virtio0/net/eth*/queues/rx-*/rps_cpus | sort | uniq -c | awk '{print $1 "x" $2}')" = 4x3
check "... and to no tx queue" grep -qx 0 "$G/sys/devices/virtio0/net/eth0/queues/tx-0/rps_cpus"
check "each match journaled on its own" \
	test "$(grep -c '^set /sys/class/net/\*/queues/rx-\*/rps_cpus sys/class/net/eth[01]/queues/rx-[01]/rps_cpus 0$' "$G/run/rigtune/journal")" = 4
R --sysroot "$G" audit "$TMP/p/rps.ini" > /dev/null 2>&1
check "audit passes after apply" test $? = 0
R --sysroot "$G" revert > /dev/null 2>&1
rm -rf "$G/run" "$G/var"
check "revert restores every matched file" cmp -s <(snapshot_sum "$G") "$TMP/net.sum"
profile rps_none <<'EOF2'
[sysfs]
/sys/class/net/*/queues/rx-*/xps_cpus = 3
EOF2
R --sysroot "$G" apply --dry-run "$TMP/p/rps_none.ini" > "$TMP/out" 2>&1; rc=$?
check "a glob that matches nothing: exit 2, saying so" test $rc = 2 -a -n "$(grep 'no file on this host matches' "$TMP/out")"

# ---- [cpu] idle_max_latency_us ----
C=$TMP/kvm-idle; cp -a "$KVM" "$C"
for cpu in 0 1; do
	s=0
	for st in "POLL 0" "C1 1" "C2 100" "C3 800"; do
		d=$C/sys/devices/system/cpu/cpu$cpu/cpuidle/state$s
		mkdir -p "$d"; echo "${st% *}" > "$d/name"; echo "${st#* }" > "$d/latency"; echo 0 > "$d/disable"
		s=$((s + 1))
	done
done
echo 1 > "$C/sys/devices/system/cpu/cpu1/cpuidle/state1/disable"
snapshot_sum "$C" > "$TMP/idle.sum"
profile idle <<'EOF2'
[cpu]
idle_max_latency_us = 10
EOF2
R --sysroot "$C" apply "$TMP/p/idle.ini" > "$TMP/out" 2>&1; rc=$?
check "idle_max_latency_us = 10 applies (exit 0)" test $rc = 0
disabled() { cat "$C"/sys/devices/system/cpu/cpu$1/cpuidle/state*/disable | tr -d '\n'; }
check "states deeper than 10 us disabled, shallower enabled, on every CPU" test "$(disabled 0)$(disabled 1)" = 00110011
check "apply says which state, on how many CPUs" grep -q '^cpu.idle.state3: 0 → 1 on 2 CPUs (idle.ini:2)' "$TMP/out"
check "each changed file journaled (2 on cpu0, 3 on cpu1)" test "$(grep -c '^set cpu.idle.state[0-9] ' "$C/run/rigtune/journal")" = 5
R --sysroot "$C" audit "$TMP/p/idle.ini" > "$TMP/out" 2>&1
check "audit passes after apply" test $? = 0
echo 0 > "$C/sys/devices/system/cpu/cpu1/cpuidle/state3/disable"
R --sysroot "$C" audit "$TMP/p/idle.ini" > "$TMP/out" 2>&1; rc=$?
check "audit fails a state enabled again behind rigtune's back" test $rc = 1 -a -n "$(grep -E '^FAIL +cpu.idle.state3' "$TMP/out")"
R --sysroot "$C" revert > /dev/null 2>&1
rm -rf "$C/run" "$C/var"
check "revert restores every state, cpu1's disabled state1 included" cmp -s <(snapshot_sum "$C") "$TMP/idle.sum"
R --sysroot "$KVM" apply --dry-run "$TMP/p/idle.ini" > "$TMP/out" 2>&1; rc=$?
check "no cpuidle in the snapshot: a skip with the reason, exit 0" test $rc = 0 -a -n "$(grep '^skip cpu.idle_max_latency_us: no cpuidle states' "$TMP/out")"

done_testing
