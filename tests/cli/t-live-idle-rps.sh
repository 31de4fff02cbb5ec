#!/bin/bash
# apply / audit / revert on the running kernel: a C-state limit ([cpu]
# idle_max_latency_us over cpuN/cpuidle/stateK/disable) and a [sysfs] glob
# over every virtio NIC's rx queues' rps_cpus. Runs only as root with
# RIGTUNE_LIVE_TESTS=1 (it changes the machine it runs on). Every value is
# saved first and put back on exit, whatever happens; an existing rigtune
# journal is left alone (skip).
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C.UTF-8

skip_all() { echo "ok 1 # SKIP $*"; echo "1..1"; exit 0; }
if [ "$(id -u)" != 0 ] || [ "${RIGTUNE_LIVE_TESTS:-}" != 1 ]; then
	skip_all "live tests need root and RIGTUNE_LIVE_TESTS=1"
fi
JOURNAL=/run/rigtune/journal
[ -e "$JOURNAL" ] && skip_all "$JOURNAL exists: a real apply is in force, not touching it"

RPS_GLOB='/sys/bus/virtio/drivers/virtio_net/virtio*/net/*/queues/rx-*/rps_cpus'
IDLE_FILES=$(ls /sys/devices/system/cpu/cpu[0-9]*/cpuidle/state*/disable 2> /dev/null)
RPS_FILES=$(ls $RPS_GLOB 2> /dev/null)

# Save everything this test may change, and put it back on any exit.
declare -A saved
for f in $IDLE_FILES $RPS_FILES; do saved[$f]=$(cat "$f"); done
[ -e /run/rigtune ] && had_state_dir=1 || had_state_dir=
[ -e /run/rigtune.lock ] && had_lock=1 || had_lock=
restore() {
	for f in "${!saved[@]}"; do echo "${saved[$f]}" > "$f"; done
	rm -f "$JOURNAL"
	[ -n "$had_state_dir" ] || rmdir /run/rigtune 2> /dev/null
	[ -n "$had_lock" ] || rm -f /run/rigtune.lock
	rm -rf "$TMP"
}
trap restore EXIT
all_back() { for f in "${!saved[@]}"; do [ "$(cat "$f")" = "${saved[$f]}" ] || return 1; done; }

mkdir -p "$TMP/p"
export RIGTUNE_PROFILE_PATH=$TMP/p

# ---- a C-state limit ----
if [ -z "$IDLE_FILES" ]; then
	skip "no cpuidle states on this host (no cpuidle driver): no C-state to limit"
else
	# the limit just below the deepest state's latency disables that state
	deepest=$(ls -d /sys/devices/system/cpu/cpu0/cpuidle/state* | sort -V | tail -1)
	lat=$(cat "$deepest/latency")
	if [ "$lat" = 0 ]; then
		skip "cpu0's deepest C-state ($(cat "$deepest/name")) has no exit latency: nothing to disable"
	else
		printf '[cpu]\nidle_max_latency_us = %s\n' $((lat - 1)) > "$TMP/p/idle.ini"
		"$RIGTUNE" apply idle > "$TMP/out" 2>&1
		check "idle_max_latency_us = $((lat - 1)): apply exits 0" test $? = 0
		diag < "$TMP/out"
		off=true
		for f in /sys/devices/system/cpu/cpu[0-9]*/cpuidle/$(basename "$deepest")/disable; do
			[ "$(cat "$f")" = 1 ] || off=false
		done
		check "$(cat "$deepest/name") ($lat us) disabled on every CPU" $off
		"$RIGTUNE" audit idle > "$TMP/out" 2>&1
		check "audit passes (exit 0)" test $? = 0
		"$RIGTUNE" revert > "$TMP/out" 2>&1
		check "revert exits 0" test $? = 0
		check "every cpuidle state as it was" all_back
	fi
fi

# ---- a glob over the virtio NIC queues ----
if [ -z "$RPS_FILES" ]; then
	skip "no virtio NIC rx queue with rps_cpus here"
else
	first=$(echo "$RPS_FILES" | head -1)
	[ "${saved[$first]//[0,]/}" = 1 ] && want=2 || want=1
	[ "$(nproc)" -ge 2 ] || want=1
	printf '[sysfs]\n%s = %s\n' "$RPS_GLOB" $want > "$TMP/p/rps.ini"
	"$RIGTUNE" apply rps > "$TMP/out" 2>&1
	check "a glob over $(echo "$RPS_FILES" | wc -l) virtio rx queue(s): apply exits 0" test $? = 0
	diag < "$TMP/out"
	set_all=true
	for f in $RPS_FILES; do [ "$(cat "$f" | tr -d ',' | sed 's/^0*//')" = $want ] || set_all=false; done
	check "rps_cpus = $want on every match" $set_all
	check "each match journaled" test "$(grep -c '^set .*rps_cpus ' "$JOURNAL")" = "$(echo "$RPS_FILES" | wc -l)"
	"$RIGTUNE" audit rps > "$TMP/out" 2>&1
	check "audit passes (exit 0)" test $? = 0
	"$RIGTUNE" revert > "$TMP/out" 2>&1
	check "revert exits 0" test $? = 0
fi
check "every value this test touched is back" all_back
check "the journal is gone" test ! -e "$JOURNAL"
done_testing
