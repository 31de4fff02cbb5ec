#!/bin/bash
# Concurrency: one apply or revert at a time (flock on SYSROOT/run/rigtune.lock).
# A slow apply is made with the test-only hook RIGTUNE_FAULT="K:SLEEP=MS"
# (common/sysroot.c: the K-th write sleeps first, lock held, journal saved).
#   - two applies started together serialize: both succeed, the second
#     finds nothing to change, one revert restores the tree;
#   - a revert during an apply waits for it, then restores everything;
#   - --wait-lock 0 fails at once and clearly while the lock is held;
#   - a run killed with SIGKILL while holding the lock does not block the
#     next one (the kernel drops a flock with its last descriptor);
#   - 8 processes applying and reverting at once never corrupt the journal.
. "$SRCDIR/tests/cli/tap.sh"

export LC_ALL=C.UTF-8
unset RIGTUNE_FAULT
R() { "$RIGTUNE" "$@"; }
PROF=epyc-genoa.ini
ms() { echo $(($(date +%s%N) / 1000000)); }
manifest() {
	(cd "$1" && find . ! -path ./run/rigtune.lock -printf '%y %m %p %l\n' | LC_ALL=C sort &&
		find . ! -path ./run/rigtune.lock -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
PRISTINE=$TMP/pristine
cp -a "$SRCDIR/tests/trees/small" "$PRISTINE"
mkdir -p "$PRISTINE/run" "$PRISTINE/run/rigtune"
manifest "$PRISTINE" > "$TMP/pristine.manifest"
T=$TMP/tree
fresh() { rm -rf "$T" && cp -a "$PRISTINE" "$T"; }
pristine() { manifest "$T" | cmp -s - "$TMP/pristine.manifest"; }
# wait_for FILE: up to 5 s for FILE to appear
wait_for() { for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }

# The state one apply leaves, to compare the serialized pair with.
fresh
R --sysroot "$T" apply "$PROF" > /dev/null 2>&1
manifest "$T" > "$TMP/applied.manifest"

# ---- two applies started together ----
fresh
RIGTUNE_FAULT=1:SLEEP=1000 R --sysroot "$T" apply "$PROF" > "$TMP/a1" 2>&1 &
p1=$!
RIGTUNE_FAULT=1:SLEEP=1000 R --sysroot "$T" apply "$PROF" > "$TMP/a2" 2>&1 &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
check "two applies started together both succeed" test "$rc1" = 0 -a "$rc2" = 0
n_applied=$(cat "$TMP/a1" "$TMP/a2" | grep -c '^applied ')
n_nothing=$(cat "$TMP/a1" "$TMP/a2" | grep -c '^nothing to change')
check "... one applies, the other finds nothing to change" test "$n_applied" = 1 -a "$n_nothing" = 1
manifest "$T" | cmp -s - "$TMP/applied.manifest"
check "... leaving the tree as one apply does" test $? = 0
R --sysroot "$T" revert > /dev/null 2>&1
check "... and one revert restores the tree byte for byte" pristine

# ---- a revert during an apply waits ----
fresh
RIGTUNE_FAULT=2:SLEEP=1500 R --sysroot "$T" apply "$PROF" > "$TMP/a1" 2>&1 &
p1=$!
wait_for "$T/run/rigtune/journal"
start=$(ms)
R --sysroot "$T" revert > "$TMP/r" 2>&1
rrc=$?
waited=$(($(ms) - start))
wait $p1; arc=$?
check "the apply under way succeeds" test "$arc" = 0
check "a revert during it succeeds" test "$rrc" = 0
check "... after waiting for the apply (${waited} ms >= 900)" test "$waited" -ge 900
check "... having reverted what the apply changed" grep -q '^reverted ' "$TMP/r"
check "... the tree is as before the apply" pristine
check "... and the journal is gone" test ! -e "$T/run/rigtune/journal"

# ---- --wait-lock 0 while the lock is held ----
fresh
RIGTUNE_FAULT=1:SLEEP=1500 R --sysroot "$T" apply "$PROF" > "$TMP/a1" 2>&1 &
p1=$!
wait_for "$T/run/rigtune/journal"
start=$(ms)
R --sysroot "$T" apply --wait-lock 0 "$PROF" > "$TMP/a2" 2> "$TMP/e2"
rc=$?
took=$(($(ms) - start))
check "apply --wait-lock 0 while another runs: exit 2" test "$rc" = 2
check "... at once (${took} ms < 700)" test "$took" -lt 700
check "... saying who holds what" grep -q 'another rigtune apply or revert is running (it holds .*run/rigtune.lock); waited 0.0 s' "$TMP/e2"
R --sysroot "$T" revert --wait-lock 0 > /dev/null 2> "$TMP/e3"
check "revert --wait-lock 0 likewise: exit 2" test $? = 2
check "... with the same message" grep -q 'revert: another rigtune apply or revert is running' "$TMP/e3"
wait $p1
check "the apply holding the lock was not disturbed" test $? = 0
manifest "$T" | cmp -s - "$TMP/applied.manifest"
check "... and its result is whole" test $? = 0
R --sysroot "$T" revert > /dev/null 2>&1 && pristine
check "... revert restores the tree" test $? = 0

# ---- a stale lock from a killed run ----
fresh
# (rigtune itself in the background, not the R function's subshell: the
# kill must reach the process that holds the lock.)
RIGTUNE_FAULT=3:SLEEP=30000 "$RIGTUNE" --sysroot "$T" apply "$PROF" > /dev/null 2>&1 &
p1=$!
wait_for "$T/run/rigtune/journal"
sleep 0.2
if command -v flock > /dev/null; then
	flock -n "$T/run/rigtune.lock" true
	check "a running apply holds the lock" test $? = 1
fi
kill -9 $p1
wait $p1 2> /dev/null
check "the lock file outlives the killed run" test -e "$T/run/rigtune.lock"
start=$(ms)
R --sysroot "$T" revert --wait-lock 0 > "$TMP/r" 2>&1
rc=$?
took=$(($(ms) - start))
check "after kill -9, revert --wait-lock 0 takes the lock at once (${took} ms)" test "$rc" = 0 -a "$took" -lt 2000
check "... reverting the 2 writes the killed run made" grep -q '^reverted 2 settings' "$TMP/r"
check "... and restores the tree (the journal was saved before the first write)" pristine
R --sysroot "$T" apply --wait-lock 0 "$PROF" > /dev/null 2>&1
check "... an apply --wait-lock 0 runs too" test $? = 0
R --sysroot "$T" revert > /dev/null 2>&1

# ---- many at once ----
fresh
pids=""
for i in 1 2 3 4 5 6 7 8; do
	(
		for _ in 1 2 3 4 5; do
			if [ $((i % 2)) = 0 ]; then R --sysroot "$T" apply --wait-lock 60 "$PROF"; else R --sysroot "$T" revert --wait-lock 60; fi
			echo "rc=$?"
		done
	) > "$TMP/many.$i" 2>&1 &
	pids="$pids $!"
done
wait $pids
rcs=$(cat "$TMP"/many.* | grep '^rc=' | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
check "8 processes x 5 applies or reverts at once: every one exits 0 ($rcs)" test -z "$(cat "$TMP"/many.* | grep '^rc=' | grep -v '^rc=0$')"
check "... none saw a corrupt journal" sh -c "! grep -q corrupt '$TMP'/many.*"
R --sysroot "$T" revert > /dev/null 2>&1
check "... and a last revert restores the tree byte for byte" pristine

done_testing
