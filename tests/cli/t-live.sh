#!/bin/bash
# apply / audit / revert on the running kernel: THP, a 2M hugepage pool and
# a sysctl. Runs only as root with RIGTUNE_LIVE_TESTS=1 (it changes the
# machine it runs on). Every value is saved first and put back on exit,
# whatever happens; an existing rigtune journal is left alone (skip).
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C.UTF-8

if [ "$(id -u)" != 0 ] || [ "${RIGTUNE_LIVE_TESTS:-}" != 1 ]; then
	echo "ok 1 # SKIP live tests need root and RIGTUNE_LIVE_TESTS=1"
	echo "1..1"
	exit 0
fi
THP=/sys/kernel/mm/transparent_hugepage
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
SW=/proc/sys/vm/swappiness
JOURNAL=/run/rigtune/journal
for f in "$THP/enabled" "$THP/defrag" "$HP" "$SW"; do
	if [ ! -w "$f" ]; then
		echo "ok 1 # SKIP $f is not writable here"
		echo "1..1"
		exit 0
	fi
done
if [ -e "$JOURNAL" ]; then
	echo "ok 1 # SKIP $JOURNAL exists: a real apply is in force, not touching it"
	echo "1..1"
	exit 0
fi

selected() { sed 's/.*\[\(.*\)\].*/\1/' "$1"; }
node_pools() { ls /sys/devices/system/node/node*/hugepages/hugepages-2048kB/nr_hugepages 2> /dev/null; }

# Save everything this test may change, and put it back on any exit.
saved_enabled=$(selected "$THP/enabled")
saved_defrag=$(selected "$THP/defrag")
saved_swappiness=$(cat "$SW")
declare -A saved_pools
for f in $(node_pools) "$HP"; do saved_pools[$f]=$(cat "$f"); done
[ -e /run/rigtune ] && had_state_dir=1 || had_state_dir=
[ -e /run/rigtune.lock ] && had_lock=1 || had_lock=
restore() {
	echo "$saved_enabled" > "$THP/enabled"
	echo "$saved_defrag" > "$THP/defrag"
	echo "$saved_swappiness" > "$SW"
	for f in "${!saved_pools[@]}"; do echo "${saved_pools[$f]}" > "$f"; done
	rm -f "$JOURNAL"
	[ -n "$had_state_dir" ] || rmdir /run/rigtune 2> /dev/null
	[ -n "$had_lock" ] || rm -f /run/rigtune.lock
	rm -rf "$TMP"
}
trap restore EXIT

# Values other than the current ones, so that apply has work to do.
[ "$saved_enabled" = never ] && want_enabled=madvise || want_enabled=never
[ "$saved_defrag" = never ] && want_defrag=madvise || want_defrag=never
[ "$saved_swappiness" = 10 ] && want_swappiness=20 || want_swappiness=10
total=0
for f in $(node_pools); do total=$((total + saved_pools[$f])); done
[ -n "$(node_pools)" ] || total=${saved_pools[$HP]}
want_pages=$((total + 4))

mkdir -p "$TMP/p"
cat > "$TMP/p/live.ini" << EOF
[thp]
enabled = $want_enabled
defrag = $want_defrag
[hugepages]
2M = $want_pages
[sysctl]
vm.swappiness = $want_swappiness
EOF
chown root:root "$TMP/p/live.ini" && chmod 0644 "$TMP/p/live.ini"
export RIGTUNE_PROFILE_PATH=$TMP/p

"$RIGTUNE" apply live > "$TMP/out" 2>&1
rc=$?
check "apply on the live kernel exits 0 (got $rc)" test "$rc" = 0
diag < "$TMP/out"
check "THP enabled is $want_enabled" test "$(selected "$THP/enabled")" = "$want_enabled"
check "THP defrag is $want_defrag" test "$(selected "$THP/defrag")" = "$want_defrag"
check "vm.swappiness is $want_swappiness" test "$(cat "$SW")" = "$want_swappiness"
check "the 2M pool holds $want_pages pages" test "$(cat "$HP")" = "$want_pages"
check "the journal exists" test -s "$JOURNAL"
"$RIGTUNE" audit live > "$TMP/out" 2>&1
check "audit passes (exit 0)" test $? = 0
"$RIGTUNE" apply live > "$TMP/out" 2>&1
check "a second apply changes nothing" grep -q '^nothing to change: 4 settings already in place' "$TMP/out"
"$RIGTUNE" revert > "$TMP/out" 2>&1
check "revert exits 0" test $? = 0
check "THP enabled is back" test "$(selected "$THP/enabled")" = "$saved_enabled"
check "THP defrag is back" test "$(selected "$THP/defrag")" = "$saved_defrag"
check "vm.swappiness is back" test "$(cat "$SW")" = "$saved_swappiness"
back=true
for f in "${!saved_pools[@]}"; do [ "$(cat "$f")" = "${saved_pools[$f]}" ] || back=false; done
check "every 2M pool is back" $back
check "the journal is gone" test ! -e "$JOURNAL"
"$RIGTUNE" apply --dry-run live > "$TMP/out" 2>&1
check "--dry-run on the live kernel changes nothing" test "$(cat "$SW")" = "$saved_swappiness" -a ! -e "$JOURNAL"

done_testing
