#!/bin/bash
# Fault injection: the K-th write of an apply fails (EIO, EPERM, ENOSPC,
# EBUSY) or the process is killed right after it (before the read-back),
# through the test-only RIGTUNE_FAULT hook of common/sysroot.c. For every
# shipped profile on a captured and a generated tree:
#   - after a failure, exit 2 and the tree is byte-identical to before;
#   - after a kill, `rigtune revert` makes it byte-identical.
# "Byte-identical": every entry's type, mode, path and link target, and
# the content of every file, rigtune's own state included; only the lock
# file (run/rigtune.lock, an empty file flock needs) is left out.
#
# Default: every K for every fault on tests/trees/small and the KVM
# snapshot; on the 23 000-33 000-file generated trees every K for EIO and
# KILL on the first and last 6 writes and on every ceil(N/12)-th, and
# K = 1, N/2, N for EPERM, ENOSPC, EBUSY. RIGTUNE_FAULT_FULL=1: every K
# for EIO and KILL there too (3 302 more runs; see RELIABILITY.md).
# Counts go to stdout as "# fault-points ..." lines.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/fixture-trees.sh"

export LC_ALL=C.UTF-8
unset RIGTUNE_FAULT
WORK=$TMP
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	WORK=$(mktemp -d /dev/shm/t-fault.XXXXXX) && trap 'rm -rf "$TMP" "$WORK"' EXIT || WORK=$TMP
fi
R() { "$RIGTUNE" "$@"; }
FULL=${RIGTUNE_FAULT_FULL:-0}
PROFILES="base-inference epyc-genoa epyc-genoa-nps4 gpu-server-amd-instinct gpu-server-nvidia"

# The whole tree but the lock: type, mode, path, link target of every
# entry (listing), and the content of every file (content).
listing() { (cd "$1" && find . ! -path ./run/rigtune.lock -printf '%y %m %p %l\n' | LC_ALL=C sort); }
content() { (cd "$1" && find . ! -path ./run/rigtune.lock -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum); }
# identical TREE PRISTINE: TREE is as PRISTINE. Every entry whose status
# changed since the stamp (ctime: a write, a chmod, a creation, or for a
# directory an entry added, removed or renamed; nothing can set a ctime
# back) is compared with PRISTINE: type, mode, path, link target, a
# directory's entries, a file's content. The stamp is dated a second
# back, as timestamps move by clock ticks. THOROUGH=1 compares the whole
# tree instead.
identical() {
	local t=$1 p=$2
	if [ "${THOROUGH:-0}" = 1 ]; then
		listing "$t" | cmp -s - "$p.listing" && content "$t" | cmp -s - "$p.content"
		return
	fi
	(cd "$t" && find . ! -path ./run/rigtune.lock -cnewer "$WORK/stamp" -print0 | LC_ALL=C sort -z) > "$WORK/changed"
	[ -s "$WORK/changed" ] || return 0
	entries() { (cd "$1" && xargs -0 sh -c 'find "$@" -maxdepth 1 ! -path ./run/rigtune.lock -printf "%y %m %p %l\n" 2>&1' sh < "$WORK/changed" | LC_ALL=C sort); }
	cmp -s <(entries "$t") <(entries "$p") || return 1
	(cd "$t" && xargs -0 sh -c 'find "$@" -maxdepth 0 -type f -print0' sh < "$WORK/changed") > "$WORK/files"
	cmp -s <(cd "$t" && xargs -0 -r sha256sum < "$WORK/files" 2>&1) <(cd "$p" && xargs -0 -r sha256sum < "$WORK/files" 2>&1)
}
stamp() { touch -d "@$(($(date +%s) - 1))" "$WORK/stamp"; }
# fresh TREE PRISTINE: after a failure, start again from a copy of the
# pristine tree.
fresh() {
	rm -rf "$1" && cp -a "$2" "$1"
}

errno_text() { python3 -c "import errno, os, sys; print(os.strerror(getattr(errno, sys.argv[1])))" "$1"; }
total_points=0 total_runs=0 failures=0
# one_fault TREE PRISTINE PROFILE K FAULT: apply with the fault, check,
# leave TREE pristine again. Prints nothing on success.
one_fault() {
	local t=$1 p=$2 prof=$3 k=$4 f=$5 rc why=""
	stamp
	RIGTUNE_FAULT="$k:$f" R --sysroot "$t" apply "$prof.ini" > "$WORK/out" 2> "$WORK/err"
	rc=$?
	total_runs=$((total_runs + 1))
	if [ "$f" = KILL ]; then
		[ "$rc" = 137 ] || why="killed apply: exit $rc, not 137"
		[ -z "$why" ] && [ ! -s "$t/run/rigtune/journal" ] && why="no journal after the kill"
		if [ -z "$why" ]; then
			R --sysroot "$t" revert > "$WORK/rout" 2> "$WORK/rerr" || why="revert after the kill: exit $?"
		fi
		[ -z "$why" ] && ! identical "$t" "$p" && why="not byte-identical after kill + revert"
	elif [ "$rc" = 2 ]; then
		grep -q "rolled back" "$WORK/err" || why="exit 2 but no word of the rollback"
		[ "$f" = EIO ] || grep -q "$(errno_text "$f")" "$WORK/err" || why="the error does not say $f"
		[ -z "$why" ] && ! identical "$t" "$p" && why="not byte-identical after a failed write"
	elif [ "$f" = EIO ] && [ "$rc" = 0 ] && grep -q "refused\|managed" "$WORK/out"; then
		# An IRQ whose affinity write fails with EIO is kernel-managed: a skip.
		R --sysroot "$t" revert > "$WORK/rout" 2> "$WORK/rerr" || why="revert after a refused IRQ: exit $?"
		[ -z "$why" ] && ! identical "$t" "$p" && why="not byte-identical after revert"
	else
		why="exit $rc"
	fi
	if [ -n "$why" ]; then
		failures=$((failures + 1))
		{ echo "$prof K=$k $f: $why"; tail -n 3 "$WORK/out" "$WORK/err"; } | diag
		fresh "$t" "$p"
	fi
	return 0
}

# sample N FULL: the K to try for EIO and KILL
sample() {
	local n=$1 full=$2 step k
	if [ "$full" = 1 ] || [ "$n" -le 24 ]; then seq 1 "$n"; return; fi
	step=$(((n + 11) / 12))
	{ seq 1 6; seq $((n - 5)) "$n"; seq 1 "$step" "$n"; } | sort -n -u
}

# campaign NAME TREE PROFILE FULL
campaign() {
	local name=$1 src=$2 prof=$3 full=$4 t="$WORK/tree" p="$WORK/pristine" n rc ks others k f points=0 before=$failures
	rm -rf "$t" "$p"
	# The pristine tree is only read: hard links to the shared cache will
	# do (the working tree is a real copy: rigtune writes files in place).
	cp -al "$src" "$p" 2> /dev/null || { rm -rf "$p" && cp -a "$src" "$p"; }
	# A host has /run and /var/lib: rigtune's state directories exist.
	mkdir -p "$p/run" "$p/run/rigtune"
	listing "$p" > "$p.listing"
	content "$p" > "$p.content"
	cp -a "$p" "$t"
	# N: the writes of a clean apply, from its journal, then proved by the
	# hook: a fault at N fires, one at N+1 does not.
	if ! R --sysroot "$t" apply "$prof.ini" > "$WORK/out" 2>&1; then
		not_ok "$name $prof: clean apply"; diag < "$WORK/out"; return
	fi
	n=$(grep -c '^set ' "$t/run/rigtune/journal" 2>/dev/null)
	n=${n:-0}
	R --sysroot "$t" revert > /dev/null 2>&1
	THOROUGH=1 identical "$t" "$p" || { not_ok "$name $prof: apply + revert round trip"; return; }
	if [ "$n" = 0 ]; then
		ok "$name $prof: nothing to write here, no fault point"
		return
	fi
	# (EPERM: an EIO on an IRQ's affinity reads as a managed IRQ, a skip.)
	stamp
	RIGTUNE_FAULT="$((n + 1)):EPERM" R --sysroot "$t" apply "$prof.ini" > /dev/null 2>&1
	rc=$?
	R --sysroot "$t" revert > /dev/null 2>&1
	RIGTUNE_FAULT="$n:EPERM" R --sysroot "$t" apply "$prof.ini" > /dev/null 2>&1
	rc="$rc $?"
	if [ "$rc" != "0 2" ]; then
		not_ok "$name $prof: a clean apply makes $n writes"; fresh "$t" "$p"; return
	fi
	identical "$t" "$p" || { not_ok "$name $prof: fault at N"; fresh "$t" "$p"; return; }
	ks=$(sample "$n" "$full")
	if [ "$n" -le 24 ]; then
		others=$ks
	else
		others=$(printf '%s\n' 1 $(((n + 1) / 2)) "$n" | sort -n -u)
	fi
	for k in $ks; do
		for f in EIO KILL; do one_fault "$t" "$p" "$prof" "$k" "$f"; points=$((points + 1)); done
	done
	for k in $others; do
		for f in EPERM ENOSPC EBUSY; do one_fault "$t" "$p" "$prof" "$k" "$f"; points=$((points + 1)); done
	done
	# Once per campaign, the full content manifest as well.
	THOROUGH=1 identical "$t" "$p" || failures=$((failures + 1))
	total_points=$((total_points + points))
	echo "# fault-points $name $prof N=$n EIO+KILL:$(echo $ks | wc -w) others:$(echo $others | wc -w) runs:$points"
	if [ "$failures" = "$before" ]; then
		ok "$name $prof: $points faults over $n writes, each rolled back or reverted to byte-identical"
	else
		not_ok "$name $prof: $((failures - before)) of $points faults left the tree changed"
	fi
}

small=$SRCDIR/tests/trees/small
kvm=$(tree_dir kvm-epyc-2cpu)
for prof in $PROFILES; do
	campaign small "$small" "$prof" 1
	[ -n "$kvm" ] && campaign kvm-epyc-2cpu "$kvm" "$prof" 1
done
big() { # PROFILE TREE-NAME
	local d
	d=$(tree_dir "$2")
	if [ -n "$d" ]; then campaign "$2" "$d" "$1" "$FULL"; else skip "$1: no $2 tree"; fi
}
big base-inference genoa-nps1
big epyc-genoa genoa-nps1
big epyc-genoa-nps4 genoa-nps4
big gpu-server-amd-instinct mi300x
big gpu-server-nvidia hgx-h100
echo "# fault-points total: $total_points faults injected, $total_runs applies"
done_testing
