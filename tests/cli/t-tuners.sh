#!/bin/bash
# Living with other tuners: TuneD (by its process or its pid file) and
# power-profiles-daemon (by its process name, which the kernel cuts to 15
# bytes) write the settings a profile sets. While one runs, apply warns
# and audit fails a check of its own naming the daemon; a profile that
# stays off their ground is left alone; with none running, nothing is said.
. "$SRCDIR/tests/cli/tap.sh"
R() { "$RIGTUNE" "$@"; }
T=$TMP/tree
cp -a "$SRCDIR/tests/trees/small" "$T"
cat >"$TMP/cpu.ini" <<'INI'
[profile]
description = governor and swappiness
[cpu]
governor = performance
[sysctl]
vm.swappiness = 1
INI
cat >"$TMP/hp.ini" <<'INI'
[profile]
description = hugepages only: neither daemon touches them
[hugepages]
2M = 2
INI

R --sysroot "$T" audit "$TMP/cpu.ini" >"$TMP/none.txt"
check "no other tuner running: no tuners.* check" bash -c '! grep -q "tuners\." "$1"' _ "$TMP/none.txt"

# TuneD by its process name, with its active profile read from /etc/tuned.
mkdir -p "$T/proc/4242" "$T/etc/tuned"
echo tuned >"$T/proc/4242/comm"
echo throughput-performance >"$T/etc/tuned/active_profile"
R --sysroot "$T" apply "$TMP/cpu.ini" --dry-run >"$TMP/dry.txt" 2>&1
check "TuneD running: apply warns, naming its profile" \
	grep -q "^warning tuners.tuned: TuneD is running (profile 'throughput-performance')" "$TMP/dry.txt"
R --sysroot "$T" audit "$TMP/cpu.ini" >"$TMP/audit.txt"; rc=$?
check "TuneD running: audit fails (exit 1) with a tuners.tuned check" \
	bash -c '[ "$1" = 1 ] && grep -qE "^FAIL +tuners.tuned +TuneD not running +TuneD running" "$2"' _ $rc "$TMP/audit.txt"
R --sysroot "$T" audit "$TMP/cpu.ini" --json >"$TMP/audit.json"
check "audit --json: tuners.tuned fails, its source the first setting TuneD also writes (vm.swappiness, line 6)" python3 - "$TMP/audit.json" <<'PY'
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["checks"] if c["id"] == "tuners.tuned"]
assert len(c) == 1 and c[0]["status"] == "fail" and c[0]["source"].endswith("cpu.ini:6"), c
PY
R --sysroot "$T" apply "$TMP/cpu.ini" --json >"$TMP/apply.json" 2>/dev/null
check "apply --json carries the warning in notes" python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))["notes"]
assert any(x["label"] == "tuners.tuned" and x["warning"] for x in n), n' "$TMP/apply.json"
R --sysroot "$T" revert >/dev/null
R --sysroot "$T" audit "$TMP/hp.ini" >"$TMP/hp.txt"
check "a profile off TuneD's ground (hugepages only): no tuners check" bash -c '! grep -q "tuners\." "$1"' _ "$TMP/hp.txt"

# TuneD by its pid file alone (a live pid), and not by a stale one.
rm -r "$T/proc/4242"
mkdir -p "$T/run/tuned" "$T/proc/777" && echo 777 >"$T/run/tuned/tuned.pid" && echo python3 >"$T/proc/777/comm"
check "TuneD seen by run/tuned/tuned.pid naming a live process" \
	bash -c '"$0" --sysroot "$1" audit "$2" | grep -q "^FAIL  *tuners.tuned"' "$RIGTUNE" "$T" "$TMP/cpu.ini"
echo 99999 >"$T/run/tuned/tuned.pid"
check "a stale pid file is not TuneD" \
	bash -c '! "$0" --sysroot "$1" audit "$2" | grep -q "tuners.tuned"' "$RIGTUNE" "$T" "$TMP/cpu.ini"

# power-profiles-daemon: its comm is cut to "power-profiles-".
mkdir -p "$T/proc/5151" && printf 'power-profiles-\n' >"$T/proc/5151/comm"
R --sysroot "$T" audit "$TMP/cpu.ini" >"$TMP/ppd.txt"; rc=$?
check "power-profiles-daemon running, profile sets the governor: audit fails tuners.power-profiles-daemon" \
	bash -c '[ "$1" = 1 ] && grep -qE "^FAIL +tuners.power-profiles-daemon " "$2"' _ $rc "$TMP/ppd.txt"
R --sysroot "$T" apply "$TMP/cpu.ini" --dry-run >"$TMP/ppd-dry.txt" 2>&1
check "... and apply warns" grep -q "^warning tuners.power-profiles-daemon: power-profiles-daemon is running" "$TMP/ppd-dry.txt"
printf 'power-profiles\n' >"$T/proc/5151/comm"
check "a process merely named like it (power-profiles) is not it" \
	bash -c '! "$0" --sysroot "$1" audit "$2" | grep -q "power-profiles-daemon"' "$RIGTUNE" "$T" "$TMP/cpu.ini"
done_testing
