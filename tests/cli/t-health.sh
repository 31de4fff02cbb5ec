#!/bin/bash
# Health under load on the command line: `rigtune verify --burn-in` runs the
# kernels on this machine while the sampler reads a tree named by
# RIGTUNE_HEALTH_SYSROOT (the test hook), whose temperature, clock, EDAC,
# AER, machine-check and link files this script rewrites during the run.
# Asserted: the JSON carries the samples, counters and burn-in points; a
# quiet tree passes with no finding; a troubled one fails (exit 1) with
# each finding named; the text report shows curves, counters that moved
# and the findings with their fixes; Ctrl-C (and SIGTERM) end the burn-in
# early with a partial report; report turns findings into checks, draws
# the SVG line charts (no script) and exports the counters to Prometheus;
# snapshot captures the sampler's files; bad durations are refused; bench
# samples too, and --no-health turns it off. Nothing about speed is asserted.
. "$(dirname "$0")/tap.sh"

T=$TMP/tree
put() { mkdir -p "$(dirname "$T/$1")"; printf '%s\n' "$2" >"$T/$1.new"; mv "$T/$1.new" "$T/$1"; }
link() { put "sys/bus/pci/devices/$1/current_link_speed" "$2 GT/s PCIe"; put "sys/bus/pci/devices/$1/current_link_width" "$3"; }
aer() {
	put "sys/bus/pci/devices/$1/aer_dev_correctable" "$(printf 'RxErr %s\nTOTAL_ERR_COR %s' "$2" "$2")"
	put "sys/bus/pci/devices/$1/aer_dev_fatal" "TOTAL_ERR_FATAL $3"
	put "sys/bus/pci/devices/$1/aer_dev_nonfatal" "TOTAL_ERR_NONFATAL 0"
}
mce() { put proc/interrupts "$(printf '           CPU0       CPU1\nMCE:          0 %10d   Machine check exceptions' "$1")"; }
clocks() { for c in 0 1; do put "sys/devices/system/cpu/cpu$c/cpufreq/scaling_cur_freq" "$1"; done; }
quiet_tree() {
	rm -rf "$T"
	for c in 0 1; do
		put "sys/devices/system/cpu/cpu$c/cpufreq/base_frequency" 2400000
		put "sys/devices/system/cpu/cpu$c/cpufreq/cpuinfo_max_freq" 3700000
	done
	clocks 3000000
	put sys/class/hwmon/hwmon0/name k10temp
	put sys/class/hwmon/hwmon0/temp1_label Tctl
	put sys/class/hwmon/hwmon0/temp1_input 48000
	put sys/class/hwmon/hwmon0/temp1_crit 95000
	put sys/class/powercap/intel-rapl:0/name package-0
	put sys/class/powercap/intel-rapl:0/energy_uj 1000000
	for f in ce_count ue_count; do put "sys/devices/system/edac/mc/mc0/$f" 0; done
	put sys/devices/system/edac/mc/mc0/dimm0/dimm_label P0_DIMM_A1
	for f in dimm_ce_count dimm_ue_count; do put "sys/devices/system/edac/mc/mc0/dimm0/$f" 0; done
	put sys/bus/pci/devices/0000:41:00.0/class 0x020000
	link 0000:41:00.0 32.0 16
	aer 0000:41:00.0 0 0
	mce 0
}
cat >"$TMP/easy.ini" <<'EOF'
[profile]
description = targets everything reaches
[verify]
triad_gbps = 0.001
EOF
export RIGTUNE_HEALTH_SYSROOT=$T

# a quiet tree: sampled, nothing found, exit 0
quiet_tree
"$RIGTUNE" verify --quick --burn-in 3s --json "$TMP/easy.ini" >"$TMP/quiet.json" 2>"$TMP/quiet.err"
rc=$?
check "verify --burn-in 3s on a quiet tree exits 0" test "$rc" = 0 || diag <"$TMP/quiet.err"
check "its JSON carries samples, sources, counters and the burn-in" python3 - "$TMP/quiet.json" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))["bench"]
h = b["health"]
s = h["samples"]
n = len(s["t"])
assert n >= 8, n
assert len(s["clock_median_mhz"]) == n and s["clock_median_mhz"][-1] == 3000, s["clock_median_mhz"][-1]
assert s["temp_c"]["k10temp/Tctl"][-1] == 48.0
assert h["clock"] == {"source": "cpufreq", "base_mhz": 2400, "max_mhz": 3700}, h["clock"]
assert h["sensors"] == [{"id": "k10temp/Tctl", "crit_c": 95, "max_c": None}], h["sensors"]
assert h["missing"] == [], h["missing"]
ids = {c["id"]: c for c in h["counters"]}
assert ids["edac.mc0.dimm0.ce"]["before"] == 0 and ids["mce"]["after"] == 0, ids
assert h["links"][0]["bdf"] == "0000:41:00.0" and h["links"][0]["changed_at_s"] is None
assert h["load_from_s"] < h["load_to_s"] <= h["duration_s"]
bi = b["burn_in"]
assert bi["seconds_asked"] == 3 and not bi["interrupted"] and len(bi["points"]) >= 2, bi
assert all(p["gbps"] > 0 for p in bi["points"])
assert b["findings"] == [], b["findings"]
assert json.load(open(sys.argv[1]))["verify"]["health_failed"] is False
EOF
check "the progress line goes to stderr" grep -q "^burn-in 0:0[0-9] / 0:03  triad [0-9.]* GB/s  clock 3000 MHz  hottest 48.0 °C" "$TMP/quiet.err"

# a troubled tree: files rewritten while the burn-in runs
quiet_tree
"$RIGTUNE" verify --quick --burn-in 4s --json "$TMP/easy.ini" >"$TMP/bad.json" 2>"$TMP/bad.err" &
pid=$!
for _ in $(seq 50); do grep -q "^burn-in for" "$TMP/bad.err" 2>/dev/null && break; sleep 0.1; done
put sys/class/hwmon/hwmon0/temp1_input 97000
put sys/devices/system/edac/mc/mc0/ce_count 2
put sys/devices/system/edac/mc/mc0/dimm0/dimm_ce_count 2
put sys/devices/system/edac/mc/mc0/ue_count 1
aer 0000:41:00.0 7 0
mce 3
clocks 1200000
link 0000:41:00.0 16.0 8
wait $pid
rc=$?
check "a troubled run exits 1 (uncorrected errors, a critical temperature)" test "$rc" = 1 || diag <"$TMP/bad.err"
check "each finding is in the JSON with its severity" python3 - "$TMP/bad.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verify"]["health_failed"] is True and d["verify"]["result"] == "pass"
f = {x["id"]: x for x in d["bench"]["findings"]}
want = {
    "health.temp.k10temp/Tctl": "fail",
    "health.edac.mc0.dimm0.ce": "warn",
    "health.edac.mc0.ue": "fail",
    "health.aer.0000:41:00.0.correctable": "warn",
    "health.mce": "fail",
    "health.cpu.clock": "warn",
    "health.pcie.link.0000:41:00.0": "warn",
}
for k, v in want.items():
    assert k in f, (k, sorted(f))
    assert f[k]["severity"] == v, (k, f[k])
    assert f[k]["fix"], k
assert "P0_DIMM_A1" in f["health.edac.mc0.dimm0.ce"]["subject"]
assert "+3" in f["health.mce"]["evidence"]
assert "16.0 GT/s x8" in f["health.pcie.link.0000:41:00.0"]["evidence"]
assert "health.edac.mc0.ce" not in f, "the DIMM is named instead of its controller"
EOF

# the same in text: the curves, the counters that moved, the findings
quiet_tree
"$RIGTUNE" verify --quick --burn-in 2s "$TMP/easy.ini" >"$TMP/bad.txt" 2>/dev/null &
pid=$!
sleep 1
put sys/devices/system/edac/mc/mc0/dimm0/dimm_ce_count 4
put sys/devices/system/edac/mc/mc0/ce_count 4
wait $pid
rc=$?
check "corrected errors alone warn: exit 0" test "$rc" = 0
check "text shows the clock curve" grep -Eq "CPU clock, median core +min +3000.0" "$TMP/bad.txt"
check "text shows the temperature with its limit" grep -q "k10temp/Tctl .*limit 95 °C" "$TMP/bad.txt"
check "text lists the counter that moved" grep -q "edac.mc0.dimm0.ce *0 -> 4 (DIMM P0_DIMM_A1" "$TMP/bad.txt"
check "text shows the finding and its fix" bash -c "grep -q '^  warn  health\.[^ ]*: DIMM P0_DIMM_A1 (mc0 dimm0): corrected errors' '$TMP/bad.txt' &&
	grep -q '^        fix: watch this DIMM' '$TMP/bad.txt'"
check "text shows the burn-in's first and last windows" grep -Eq "^  first [0-9]+ s: [0-9.]+ GB/s; last" "$TMP/bad.txt"

# Ctrl-C (SIGINT) and SIGTERM end the burn-in early with a partial report
quiet_tree
for sig in INT TERM; do
	check "SIG$sig stops a 10-minute burn-in and reports what it measured" python3 - "$RIGTUNE" "$TMP/easy.ini" "$sig" <<'EOF'
import json, signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "verify", "--quick", "--burn-in", "10m", "--json", sys.argv[2]],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
# a signal during the measurement waits for the burn-in: either way it stops it
time.sleep(5)
t0 = time.time()
p.send_signal(getattr(signal, "SIG" + sys.argv[3]))
out, err = p.communicate(timeout=60)
assert time.time() - t0 < 20, time.time() - t0
assert p.returncode == 0, (p.returncode, err)
b = json.loads(out)["bench"]
assert b["burn_in"]["interrupted"] is True, b["burn_in"]
assert b["burn_in"]["seconds"] < 60
assert len(b["health"]["samples"]["t"]) > 0
EOF
done

# report: findings as checks, HTML line charts without scripts, Prometheus counters
quiet_tree
"$RIGTUNE" report "$TMP/easy.ini" --quick --burn-in 2s --format html -o "$TMP/r.html" 2>/dev/null &
pid=$!
sleep 1
put sys/devices/system/edac/mc/mc0/dimm0/dimm_ue_count 1
put sys/devices/system/edac/mc/mc0/ue_count 1
put sys/class/hwmon/hwmon0/temp1_input 70000
wait $pid
rc=$?
check "report --burn-in fails on an uncorrected DIMM error (exit 1)" test "$rc" = 1
check "the HTML names the failing DIMM among its checks" grep -q "health.edac.mc0.dimm0.ue" "$TMP/r.html"
check "the HTML draws bandwidth, clock and temperature line charts" python3 - "$TMP/r.html" <<'EOF'
import re, sys
html = open(sys.argv[1]).read()
assert "<script" not in html.lower() and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
for title in ("Burn-in: host triad bandwidth over time", "CPU clock over time", "Temperatures over time"):
    assert 'aria-label="%s' % title in html, title
lines = re.findall(r'<polyline [^>]*points="([^"]+)"', html)
assert len(lines) >= 5, len(lines)   # triad; 3 clocks; Tctl
# the Tctl line climbs from 48 to 70 °C: its last point sits higher (smaller y) than its first
tctl = lines[-1].split()
assert float(tctl[-1].split(",")[1]) < float(tctl[0].split(",")[1]), tctl[:2] + tctl[-2:]
EOF
quiet_tree
"$RIGTUNE" report "$TMP/easy.ini" --quick --burn-in 2s --format prometheus -o "$TMP/r.prom" 2>/dev/null &
pid=$!
sleep 1
aer 0000:41:00.0 9 0
wait $pid
check "Prometheus carries each counter and how much it moved" bash -c "
	grep -qx 'rigtune_health_errors{counter=\"aer.0000:41:00.0.correctable\",kind=\"corrected\"} 9' '$TMP/r.prom' &&
	grep -qx 'rigtune_health_errors_during_run{counter=\"aer.0000:41:00.0.correctable\"} 9' '$TMP/r.prom' &&
	grep -qx 'rigtune_health_temperature_max_celsius{sensor=\"k10temp/Tctl\"} 48.0' '$TMP/r.prom' &&
	grep -q '^rigtune_burnin_triad_gbps{window=\"last\"} [0-9.]*$' '$TMP/r.prom'"

check "report --burn-in with --no-bench is refused (exit 2)" bash -c \
	'"$RIGTUNE" report "$0" --no-bench --burn-in 1m >/dev/null 2>&1; test $? = 2' "$TMP/easy.ini"

# snapshot captures the sampler's sources: the unpacked tree is the tree
quiet_tree
mkdir -p "$TMP/snap"
check "snapshot of a tree captures its sensors and counters" bash -c \
	'"$RIGTUNE" --sysroot "$0" snapshot -o "$1/h.tar.gz" >/dev/null && tar xzf "$1/h.tar.gz" -C "$1/snap" &&
	 diff -r "$0" "$1/snap"' "$T" "$TMP"

# bad durations; bench samples too; --no-health
for d in 0 -5m 10x m 1e400; do
	"$RIGTUNE" verify --burn-in "$d" "$TMP/easy.ini" >/dev/null 2>"$TMP/dur.err"
	rc=$?
	check "--burn-in '$d' is refused with exit 2" bash -c "test $rc = 2 && grep -q 'burn-in' '$TMP/dur.err'"
done
"$RIGTUNE" bench --quick --scope host --kernel triad --size-mb 32 --json >"$TMP/bench.json"
check "bench samples health as well" python3 -c "
import json,sys; b=json.load(open('$TMP/bench.json'))['bench']
assert b['health'] and len(b['health']['samples']['t']) >= 1 and b['burn_in'] is None"
"$RIGTUNE" bench --quick --scope host --kernel triad --size-mb 32 --no-health --json >"$TMP/nohealth.json"
check "--no-health samples nothing" python3 -c "
import json,sys; b=json.load(open('$TMP/nohealth.json'))['bench']
assert b['health'] is None and b['findings'] == []"

done_testing
