#!/bin/bash
# rigtune apply / revert on captured trees: every knob, what apply prints,
# the second apply that changes nothing, --dry-run writing nothing, the
# rollback of a failed write, the lock, the journal, and the byte-identical
# round trip (apply then revert) of every shipped profile on every tree.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/scratch.sh"
export LC_ALL=C.UTF-8
scratch_on_tmpfs t-apply
profile_dir "$SRCDIR/profiles"
MANIFEST_SKIP="./run ./var"     # rigtune's own state
same_as() { # TREE MANIFEST-FILE
	manifest "$1" | cmp -s - "$2"
}
state_left() { # TREE: rigtune's files left after a revert (none but the lock)
	(cd "$1" && find run var -type f 2>/dev/null | grep -v '^run/rigtune.lock$')
}
R() { "$RIGTUNE" "$@"; }

# ---- every knob on the small hand-made tree ----

SMALL=$WORK/small
cp -a "$SRCDIR/tests/trees/small" "$SMALL"
manifest "$SMALL" > "$WORK/small.manifest"
profile knobs <<'EOF'
[profile]
description = every knob
[thp]
enabled = never
defrag = defer+madvise
khugepaged_defrag = no
hugepages-64kB = inherit
[hugepages]
1G = 5
2M.node1 = 100
[sysctl]
vm.swappiness = 1
kernel.numa_balancing = 0
-vm.not_on_this_kernel = 1
net.ipv4.tcp_rmem = 4096 87380 6291456
[cpu]
governor = performance
boost = off
[irq]
policy = local-node
devices = nic, nvme, gpu
[sysfs]
/sys/module/pcie_aspm/parameters/policy = performance
[expect]
numa_nodes = 2
sockets = 2
irq.local = yes
EOF

R --sysroot "$WORK/small" apply --dry-run knobs > "$WORK/out" 2>&1
rc=$?
check "--dry-run exits 0" test "$rc" = 0
check "--dry-run prints each change" grep -qx 'thp.enabled: madvise → never (knobs.ini:4)' "$WORK/out"
check "--dry-run writes nothing" same_as "$SMALL" "$WORK/small.manifest"
check "--dry-run writes no journal and takes no lock" test ! -e "$SMALL/var" -a ! -e "$SMALL/run"

R --sysroot "$SMALL" apply knobs > "$WORK/out" 2>&1
rc=$?
check "apply exits 0" test "$rc" = 0
check "apply prints old → new with file:line" grep -qx 'thp.enabled: madvise → never (knobs.ini:4)' "$WORK/out"
check "thp enabled moved its brackets" grep -qx 'always madvise \[never\]' "$SMALL/sys/kernel/mm/transparent_hugepage/enabled"
check "thp defrag set" grep -qx 'always defer \[defer+madvise\] madvise never' "$SMALL/sys/kernel/mm/transparent_hugepage/defrag"
check "khugepaged defrag = no writes 0" grep -qx 0 "$SMALL/sys/kernel/mm/transparent_hugepage/khugepaged/defrag"
check "mTHP hugepages-64kB set" grep -qx 'always \[inherit\] madvise never' "$SMALL/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled"
N=$SMALL/sys/devices/system/node
check "1G = 5 spread 3 + 2 over the nodes" test "$(cat $N/node0/hugepages/hugepages-1048576kB/nr_hugepages)$(cat $N/node1/hugepages/hugepages-1048576kB/nr_hugepages)" = 32
check "2M.node1 = 100 on node1 only" test "$(cat $N/node1/hugepages/hugepages-2048kB/nr_hugepages)$(cat $N/node0/hugepages/hugepages-2048kB/nr_hugepages)" = 1000
check "apply shows the hugepage spread per node" grep -q 'hugepages.1G: node0 0 → 3, node1 0 → 2' "$WORK/out"
check "sysctl written" grep -qx 1 "$SMALL/proc/sys/vm/swappiness"
check "a multi-value sysctl written" grep -qx '4096 87380 6291456' "$SMALL/proc/sys/net/ipv4/tcp_rmem"
check "an optional sysctl this kernel lacks (-name): skipped quietly" not grep -q 'not_on_this_kernel' "$WORK/out"
check "governor on every CPU" test "$(cat "$SMALL"/sys/devices/system/cpu/cpu[0-3]/cpufreq/scaling_governor | sort -u)" = performance
check "apply counts the CPUs" grep -q 'cpu.governor: schedutil → performance on 4 CPUs' "$WORK/out"
check "boost = off" grep -qx 0 "$SMALL/sys/devices/system/cpu/cpufreq/boost"
check "NIC IRQs on its node (node1: CPUs 2-3)" test "$(cat "$SMALL"/proc/irq/12[01]/smp_affinity_list | sort -u)" = 2-3
check "NVMe IRQs on node0 (CPUs 0-1)" test "$(cat "$SMALL"/proc/irq/13[01]/smp_affinity_list | sort -u)" = 0-1
check "GPU IRQ on node1" grep -qx 2-3 "$SMALL/proc/irq/140/smp_affinity_list"
check "the BMC's VGA is no gpu: its IRQ untouched" grep -qx 0-3 "$SMALL/proc/irq/150/smp_affinity_list"
check "explicit sysfs file written" grep -qx '\[performance\]' <(tr ' ' '\n' < "$SMALL/sys/module/pcie_aspm/parameters/policy")
check "journal written" test -s "$SMALL/run/rigtune/journal"
check "journal is versioned" grep -qx 'rigtune-journal 1' "$SMALL/run/rigtune/journal"

R --sysroot "$SMALL" audit knobs > "$WORK/out" 2>&1
check "audit after apply: all pass (exit 0)" test $? = 0
manifest "$SMALL" > "$WORK/applied.manifest"
R --sysroot "$SMALL" apply knobs > "$WORK/out" 2>&1
rc=$?
check "second apply exits 0" test "$rc" = 0
check "second apply changes nothing and says so" grep -qx 'nothing to change: 15 settings already in place' "$WORK/out"
check "second apply writes nothing" same_as "$SMALL" "$WORK/applied.manifest"

R --sysroot "$SMALL" revert > "$WORK/out" 2>&1
rc=$?
check "revert exits 0" test "$rc" = 0
check "revert says what it put back" grep -qx 'thp.enabled: never → madvise' "$WORK/out"
check "revert restores every file byte for byte" same_as "$SMALL" "$WORK/small.manifest"
check "revert removes the journal" test -z "$(state_left "$SMALL")"
R --sysroot "$SMALL" revert > "$WORK/out" 2>&1
check "revert with no journal: exit 0" test $? = 0
check "revert with no journal says so" grep -qx 'no journal: nothing to revert' "$WORK/out"

# ---- two applies, one revert: back to before the first ----

profile more <<'EOF'
[sysctl]
vm.swappiness = 30
vm.zone_reclaim_mode = 1
EOF
R --sysroot "$SMALL" apply knobs > /dev/null 2>&1 && R --sysroot "$SMALL" apply more > "$WORK/out" 2>&1
check "a second profile on top applies" grep -qx 'sysctl.vm.swappiness: 1 → 30 (more.ini:2)' "$WORK/out"
check "the journal keeps the first original" grep -qx 'set sysctl.vm.swappiness proc/sys/vm/swappiness 60' "$SMALL/run/rigtune/journal"
R --sysroot "$SMALL" revert > /dev/null 2>&1
check "one revert undoes both applies" same_as "$SMALL" "$WORK/small.manifest"

# ---- a failed write rolls back what the run changed ----

profile failing <<'EOF'
[thp]
enabled = never
[sysctl]
vm.swappiness = 1
[sysfs]
; the captured tree cannot load a scheduler module: the write fails, as it
; would on a kernel without bfq
/sys/block/sda/queue/scheduler = bfq
EOF
R --sysroot "$SMALL" apply failing > "$WORK/out" 2> "$WORK/err"
rc=$?
check "a failed write: exit 2" test "$rc" = 2
check "the failure names file:line and the file" grep -q "failing.ini:8: /sys/block/sda/queue/scheduler: cannot write 'bfq'" "$WORK/err"
check "earlier writes were rolled back, and it says so" grep -qx 'rolled back thp.enabled: never → madvise (failing.ini:2)' "$WORK/out"
check "the tree is as before the run" same_as "$SMALL" "$WORK/small.manifest"
check "no journal left behind" test -z "$(state_left "$SMALL")"

# ---- profile errors: file:line, exit 2, nothing written ----

profile nosize <<'EOF'
[sysctl]
vm.swappiness = 1
[hugepages]
16G = 1
EOF
R --sysroot "$SMALL" apply nosize > "$WORK/out" 2> "$WORK/err"
rc=$?
check "a hugepage size the kernel lacks: exit 2" test "$rc" = 2
check "... with file:line" grep -q 'nosize.ini:4: \[hugepages\] 16G: this kernel does not offer 16G pages (it offers 2M, 1G)' "$WORK/err"
check "... and nothing written" same_as "$SMALL" "$WORK/small.manifest"
profile twice <<'EOF'
[thp]
enabled = never
[sysfs]
/sys/kernel/mm/transparent_hugepage/enabled = always
EOF
R --sysroot "$SMALL" apply twice > "$WORK/out" 2> "$WORK/err"
check "two settings writing one file: exit 2" test $? = 2
check "... naming both lines" grep -q 'twice.ini:4: .*is also set by \[thp\] enabled (.*twice.ini:2)' "$WORK/err"
check "... nothing written" same_as "$SMALL" "$WORK/small.manifest"
profile nochoice <<'EOF'
[thp]
defrag = never
shmem_enabled = within_size
[sysctl]
vm.swappiness = 1
EOF
sed -i 's/within_size //' "$SMALL/sys/kernel/mm/transparent_hugepage/shmem_enabled"
manifest "$SMALL" > "$WORK/small2.manifest"
R --sysroot "$SMALL" apply nochoice > "$WORK/out" 2> "$WORK/err"
check "a THP choice this kernel lacks: exit 2" test $? = 2
check "... with file:line" grep -q 'nochoice.ini:3: \[thp\] shmem_enabled: this kernel does not offer .within_size' "$WORK/err"
check "... nothing written" same_as "$SMALL" "$WORK/small2.manifest"
cp "$SRCDIR/tests/trees/small/sys/kernel/mm/transparent_hugepage/shmem_enabled" "$SMALL/sys/kernel/mm/transparent_hugepage/"

# ---- the journal: a corrupt one stops apply and revert ----

mkdir -p "$SMALL/run/rigtune"
printf 'rigtune-journal 1\nboot ""\nprofile x\nset thp.enabled sys/kernel/mm/transparent_hugepage/enabled always\n' \
	> "$SMALL/run/rigtune/journal"
R --sysroot "$SMALL" revert > "$WORK/out" 2> "$WORK/err"
check "revert of a cut-short journal: exit 2" test $? = 2
check "... says where" grep -q 'run/rigtune/journal:5: the journal is corrupt' "$WORK/err"
check "... nothing written" same_as "$SMALL" "$WORK/small.manifest"
R --sysroot "$SMALL" apply knobs > "$WORK/out" 2> "$WORK/err"
check "apply over a corrupt journal: exit 2, nothing written" test $? = 2
check "... nothing written" same_as "$SMALL" "$WORK/small.manifest"
rm -f "$SMALL/run/rigtune/journal"

# ---- a run killed after the journal: revert restores everything ----

R --sysroot "$SMALL" apply knobs > /dev/null 2>&1
cp "$SMALL/run/rigtune/journal" "$WORK/journal.saved"
R --sysroot "$SMALL" revert > /dev/null 2>&1
# as if killed just after the journal was saved: journal there, some
# values written (thp, swappiness), the rest not yet
cp "$WORK/journal.saved" "$SMALL/run/rigtune/journal"
echo 'always madvise [never]' > "$SMALL/sys/kernel/mm/transparent_hugepage/enabled"
echo 1 > "$SMALL/proc/sys/vm/swappiness"
R --sysroot "$SMALL" revert > "$WORK/out" 2>&1
check "after a crash mid-apply, revert exits 0" test $? = 0
check "... and restores every original" same_as "$SMALL" "$WORK/small.manifest"

# ---- a journal from an earlier boot, files gone since ----

mkdir -p "$SMALL/proc/sys/kernel/random" "$SMALL/run/rigtune"
echo 11111111-this-boot > "$SMALL/proc/sys/kernel/random/boot_id"
printf 'rigtune-journal 1\nboot 22222222-old-boot\nprofile x\nset sysctl.vm.swappiness proc/sys/vm/swappiness 5\nend 1\n' \
	> "$SMALL/run/rigtune/journal"
R --sysroot "$SMALL" apply knobs > "$WORK/out" 2>&1
check "a journal from an earlier boot is replaced, and apply says so" grep -q '^note: replaced a journal from an earlier boot' "$WORK/out"
check "... today's values are the originals" grep -qx 'set sysctl.vm.swappiness proc/sys/vm/swappiness 60' "$SMALL/run/rigtune/journal"
mv "$SMALL/proc/irq/121" "$WORK/irq121"
R --sysroot "$SMALL" revert > "$WORK/out" 2>&1
check "revert with a file gone since apply: exit 0" test $? = 0
check "... and says so" grep -q '^note: 1 files of the journal are gone' "$WORK/out"
mv "$WORK/irq121" "$SMALL/proc/irq/121"
echo 0-3 > "$SMALL/proc/irq/121/smp_affinity_list"
rm -r "$SMALL/proc/sys/kernel/random"
check "... everything else restored" same_as "$SMALL" "$WORK/small.manifest"

# ---- the lock ----

if command -v flock > /dev/null; then
	mkdir -p "$SMALL/run" && touch "$SMALL/run/rigtune.lock"
	flock "$SMALL/run/rigtune.lock" sleep 3 &
	holder=$!
	sleep 0.3
	start=$(date +%s%N)
	R --sysroot "$SMALL" apply --wait-lock 0.5 knobs > "$WORK/out" 2> "$WORK/err"
	rc=$?
	waited=$((($(date +%s%N) - start) / 1000000))
	check "a second apply fails clearly while the lock is held (exit 2)" test "$rc" = 2
	check "... saying another apply runs" grep -q 'another rigtune apply or revert is running' "$WORK/err"
	check "... after waiting --wait-lock (0.5 s)" test "$waited" -ge 400 -a "$waited" -lt 2500
	check "... and wrote nothing" same_as "$SMALL" "$WORK/small.manifest"
	kill "$holder" 2> /dev/null
	wait "$holder" 2> /dev/null
else
	skip "flock(1) not installed: lock contention not tested"
fi
R --sysroot "$SMALL" apply --wait-lock soon knobs > /dev/null 2>&1
check "--wait-lock takes seconds" test $? = 2

# ---- notes: irqbalance and a THP command line override ----

mkdir -p "$SMALL/proc/4242" && echo irqbalance > "$SMALL/proc/4242/comm"
sed -i 's/$/ transparent_hugepage=always/' "$SMALL/proc/cmdline"
R --sysroot "$SMALL" apply knobs > "$WORK/out" 2>&1
check "irqbalance running: apply says it will undo the IRQ placement" grep -q '^warning irq.irqbalance: irqbalance is running' "$WORK/out"
check "transparent_hugepage= on the command line: apply says so" grep -q '^note thp.enabled: the kernel command line has transparent_hugepage=always' "$WORK/out"
R --sysroot "$SMALL" audit knobs > "$WORK/out" 2>&1
check "audit fails on irqbalance (exit 1)" test $? = 1
check "... with a check of its own" grep -q '^FAIL  *irq.irqbalance ' "$WORK/out"
R --sysroot "$SMALL" revert > /dev/null 2>&1
rm -r "$SMALL/proc/4242"
cp "$SRCDIR/tests/trees/small/proc/cmdline" "$SMALL/proc/cmdline"
check "and revert still restores everything" same_as "$SMALL" "$WORK/small.manifest"

# ---- trees: generated machines and real captures ----

TREES="small=$SMALL"
gen() { # NAME SCRIPT ARGS...
	local name=$1 script=$SRCDIR/tests/gen/$2
	shift 2
	if [ -x "$script" ] && "$script" "$WORK/$name" "$@" > /dev/null 2>&1; then
		TREES="$TREES $name=$WORK/$name"
	else
		skip "tests/gen/$(basename "$script") $*: not available"
	fi
}
gen genoa-nps1 mktree-genoa --nps 1
gen genoa-nps4 mktree-genoa --nps 4
gen mi300x mktree-mi300x
gen hgx mktree-hgx
if [ -d "$SHARED/fixtures/sysfs" ]; then
	for t in "$SHARED"/fixtures/sysfs/*.tar.bz2; do
		n=$(basename "$t" .tar.bz2)
		mkdir -p "$WORK/shared-$n" && tar xf "$t" -C "$WORK/shared-$n" 2> /dev/null || continue
		d=$(dirname "$(find "$WORK/shared-$n" -maxdepth 2 -name sys -type d | head -1)")
		TREES="$TREES $n=$d"
	done
else
	skip "no ../shared/fixtures/sysfs: real-machine trees not tested"
fi

# Managed NVMe IRQs on the Genoa tree are skipped as what they are.
if [ -d "$WORK/genoa-nps1" ]; then
	G=$WORK/genoa-nps1
	profile nvme <<'EOF'
[irq]
policy = local-node
devices = nvme
EOF
	R --sysroot "$G" apply --dry-run nvme > "$WORK/out" 2>&1
	check "managed NVMe queue IRQs: skipped with the reason" grep -q '^skip irq.0000:c1:00.0: managed IRQ' "$WORK/out"
	profile nps4 <<'EOF'
[hugepages]
1G = 770
2M.node5 = 64
EOF
	R --sysroot "$WORK/genoa-nps4" apply --dry-run nps4 > "$WORK/out" 2>&1
	check "NPS4: 770 1G pages over 8 nodes, 97 on the two lowest" \
		grep -q 'hugepages.1G: node0 0 → 97, node1 0 → 97, node2 0 → 96, node3 0 → 96 and 4 more' "$WORK/out"
	check "NPS4: per-node 2M pool on node5" grep -qx 'hugepages.2M.node5: 0 → 64 (nps4.ini:3)' "$WORK/out"
	R --sysroot "$G" apply --dry-run epyc-genoa > /dev/null 2>&1
	start=$(date +%s%N)
	R --sysroot "$G" apply epyc-genoa > /dev/null 2>&1
	R --sysroot "$G" apply epyc-genoa > "$WORK/out" 2>&1
	ms=$((($(date +%s%N) - start) / 1000000))
	check "Genoa: a second apply of epyc-genoa changes nothing" grep -q '^nothing to change' "$WORK/out"
	start=$(date +%s%N)
	R --sysroot "$G" apply epyc-genoa > /dev/null 2>&1
	ms=$((($(date +%s%N) - start) / 1000000))
	check "Genoa: apply with nothing to change takes milliseconds (${ms} ms)" test "$ms" -lt 1000
	R --sysroot "$G" revert > /dev/null 2>&1
fi

# ---- the round trip: every shipped profile on every tree ----

for pair in $TREES; do
	name=${pair%%=*} dir=${pair#*=}
	manifest "$dir" > "$WORK/before.manifest"
	for prof in "$SRCDIR"/profiles/*.ini; do
		p=$(basename "$prof" .ini)
		cp "$prof" "$WORK/p/" && chmod 0644 "$WORK/p/$p.ini"
		R --sysroot "$dir" apply "$p" > "$WORK/out" 2> "$WORK/err"
		rc=$?
		if [ "$rc" = 2 ] && grep -q 'nothing was changed' "$WORK/err"; then
			check "$name/$p: refused ($(head -1 "$WORK/err" | sed "s/^rigtune: [^ ]* //" | cut -c1-60)), tree untouched" \
				same_as "$dir" "$WORK/before.manifest"
			continue
		fi
		check "$name/$p: apply exits 0 (got $rc)" test "$rc" = 0
		R --sysroot "$dir" apply "$p" > "$WORK/out" 2>&1
		check "$name/$p: second apply changes nothing" grep -q '^nothing to change' "$WORK/out"
		R --sysroot "$dir" revert > "$WORK/out" 2>&1
		check "$name/$p: revert exits 0" test $? = 0
		check "$name/$p: apply + revert leaves every file byte-identical" same_as "$dir" "$WORK/before.manifest"
		check "$name/$p: no journal left" test -z "$(state_left "$dir")"
	done
done
rm -f "$WORK"/p/*.ini

done_testing
