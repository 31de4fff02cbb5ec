#!/bin/bash
# Prometheus: the shipped alerting rules load and fire as meant (promtool
# check rules, promtool test rules), every textfile rigtune writes passes
# promtool check metrics, a check that flips keeps its series (the
# outcome is the value, not a label), the gauges for hugepage pools and
# xGMI links say what the tree holds, and every metric the rules and the
# Grafana dashboard use is one rigtune writes.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/fixture-trees.sh"
RULES=$SRCDIR/contrib/prometheus/rigtune-rules.yml
DASH=$SRCDIR/contrib/grafana/rigtune-fleet.json
R() { "$RIGTUNE" "$@"; }

check "the Grafana dashboard is JSON with a fleet table" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert any(p["type"] == "table" and p["title"].startswith("Fleet") for p in d["panels"])' "$DASH"

# Textfiles: every tree, plus a live one with a measurement against a target.
for p in $TREES; do
	name=${p%%=*} dir=${p#*=}
	R --sysroot "$dir" report epyc-genoa --no-bench --format prometheus -o "$TMP/$name.prom" 2>/dev/null
done
cat >"$TMP/target.ini" <<'INI'
[profile]
description = a target the host cannot miss
include = base-inference
[verify]
triad_gbps = 0.001
INI
R report "$TMP/target.ini" --quick --format prometheus -o "$TMP/live.prom" 2>"$TMP/live.err"
check "report --quick --format prometheus on this host writes a textfile" test -s "$TMP/live.prom"
[ -s "$TMP/live.prom" ] || diag <"$TMP/live.err"
check "the measured bandwidth over its target is a gauge, above 1 for a target of 1 MB/s" \
	grep -qE '^rigtune_memory_bandwidth_target_ratio\{target="triad_gbps"\} [0-9]*[1-9][0-9]*\.' "$TMP/live.prom"

if ! command -v promtool >/dev/null; then
	skip "promtool not installed (apt-get install prometheus): rules and textfiles not checked by promtool"
else
	if promtool check rules "$RULES" >"$TMP/rules.out" 2>&1; then ok "promtool check rules $(basename "$RULES")"
	else not_ok "promtool check rules $(basename "$RULES")"; diag <"$TMP/rules.out"; fi
	if out=$(cd "$(dirname "$RULES")" && promtool test rules rigtune-rules.test.yml 2>&1); then
		ok "promtool test rules: each alert fires on its series and only there"
	else
		not_ok "promtool test rules: each alert fires on its series and only there"; echo "$out" | diag
	fi
	bad=""
	for f in "$TMP"/*.prom; do
		promtool check metrics <"$f" >"$TMP/lint" 2>&1 || { bad="$bad $(basename "$f")"; diag <"$TMP/lint"; }
	done
	check "promtool check metrics passes every textfile (${bad:-all $(ls "$TMP"/*.prom | wc -l) clean})" test -z "$bad"
fi

# Every metric the rules and the dashboard use is written by rigtune.
written=$(cat "$TMP"/*.prom | sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' | sort -u)
used=$(cat "$RULES" "$DASH" | grep -oE 'rigtune_[a-z_]+' | sort -u)
missing=$(comm -13 <(echo "$written") <(echo "$used") | tr '\n' ' ')
check "every metric the rules and the dashboard use is one rigtune writes${missing:+ (not written: $missing)}" test -z "$missing"

# A check that flips keeps its series: apply fixes thp.enabled on a copy.
SMALL=$TMP/small
cp -a "$SRCDIR/tests/trees/small" "$SMALL"
cat >"$TMP/p.ini" <<'INI'
[profile]
description = prometheus test
[thp]
enabled = never
[sysctl]
vm.swappiness = 1
[hugepages]
2M = 6
INI
series() { grep -E '^rigtune_check' "$1" | sed 's/ [^ ]*$//' | sort; }
R --sysroot "$SMALL" report "$TMP/p.ini" --no-bench --format prometheus -o "$TMP/before.prom" 2>/dev/null
R --sysroot "$SMALL" apply "$TMP/p.ini" >/dev/null
R --sysroot "$SMALL" report "$TMP/p.ini" --no-bench --format prometheus -o "$TMP/after.prom" 2>/dev/null
check "thp.enabled fails before apply and passes after (rigtune_check_passed 0 then 1)" \
	bash -c 'grep -qx "rigtune_check_passed{check=\"thp.enabled\",profile=\"p\"} 0" "$1" &&
		 grep -qx "rigtune_check_passed{check=\"thp.enabled\",profile=\"p\"} 1" "$2"' _ "$TMP/before.prom" "$TMP/after.prom"
check "the same rigtune_check_* series before and after the flip (no label changed)" \
	diff <(series "$TMP/before.prom") <(series "$TMP/after.prom")

# Gauges against the tree they describe.
pools_agree() {
	local f n nr
	for f in "$SMALL"/sys/devices/system/node/node*/hugepages/hugepages-2048kB/nr_hugepages; do
		n=${f#"$SMALL"/sys/devices/system/node/node}; n=${n%%/*}
		nr=$(cat "$f")
		grep -qx "rigtune_hugepages_pages{node=\"$n\",size_bytes=\"2097152\",state=\"total\"} $nr" "$TMP/after.prom" || return 1
		total=$((total + nr))
	done
	[ "$total" -eq 6 ]
}
total=0
check "rigtune_hugepages_pages: each node's 2M pool is its nr_hugepages, 6 in all after apply" pools_agree
if [ -s "$TMP/mi300x.prom" ]; then
	R --sysroot "$(tree_dir mi300x)" probe --json >"$TMP/mi300x.json"
	check "rigtune_xgmi_links and rigtune_xgmi_missing_pairs agree with probe --json on mi300x" python3 - "$TMP/mi300x.json" "$TMP/mi300x.prom" <<'PY'
import json, re, sys
links = json.load(open(sys.argv[1]))["links"]
text = open(sys.argv[2]).read()
for g in links["xgmi_gpus"]:
    n = sum(1 for x in links["xgmi"] if x["from"] == g["bdf"])
    assert 'rigtune_xgmi_links{gpu="%s"} %d\n' % (g["bdf"], n) in text, (g["bdf"], n)
m = re.search(r"^rigtune_xgmi_missing_pairs (\d+)$", text, re.M)
assert m and int(m.group(1)) == len(links["xgmi_missing"]), m
PY
else
	skip "no mi300x tree: xGMI gauges not checked"
fi
done_testing
