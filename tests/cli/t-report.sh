#!/bin/bash
# rigtune report: five formats of one document that agree with each other
# (same checks, same counts), valid XML / textfile format, a self-contained
# HTML page that renders in headless Chromium, atomic -o, exit codes.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/fixture-trees.sh"

# summary FORMAT FILE: "pass fail skip error warn info" and the sorted check ids
summary() {
	python3 - "$1" "$2" <<'PY'
import json, re, sys, html.parser
fmt, path = sys.argv[1], sys.argv[2]
text = open(path).read()
ids, c = [], {}
if fmt == "json":
    d = json.loads(text)
    c = d["summary"]; ids = [x["id"] for x in d["checks"]]
elif fmt == "junit":
    import xml.etree.ElementTree as ET
    root = ET.fromstring(text)
    cases = list(root.iter("testcase"))
    ids = [t.get("name") for t in cases]
    out = lambda t: (t.findtext("system-out") or "").split(":")[0]
    c = {"fail": sum(1 for t in cases if t.find("failure") is not None),
         "error": sum(1 for t in cases if t.find("error") is not None),
         "skip": sum(1 for t in cases if t.find("skipped") is not None),
         "warn": sum(1 for t in cases if out(t) == "warn"),
         "info": sum(1 for t in cases if out(t) == "info")}
    c["pass"] = len(cases) - sum(c.values())
    assert int(root.get("tests")) == len(cases)
elif fmt == "prometheus":
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-z_]+)(\{[^}]*\})? (-?[0-9.e+]+)', line)
        assert m, "bad textfile line: " + line
        if m.group(1) == "rigtune_checks":
            c[re.search(r'status="(\w+)"', m.group(2)).group(1)] = int(m.group(3))
    ids = None
elif fmt in ("text", "html"):
    m = re.search(r"(\d+) pass, (\d+) fail, (\d+) skip, (\d+) error, (\d+) warn, (\d+) info", text)
    c = dict(zip(("pass", "fail", "skip", "error", "warn", "info"), map(int, m.groups())))
    ids = None
print(c["pass"], c["fail"], c["skip"], c["error"], c["warn"], c["info"])
if ids is not None:
    print(" ".join(sorted(ids)))
PY
}

run_report() { # TREE PROFILE FORMAT OUT
	"$RIGTUNE" --sysroot "$1" report "$2" --format "$3" -o "$4" 2>"$TMP/err"
}

profiles=$(ls "$SRCDIR"/profiles/*.ini)
for tree in small genoa-degraded mi300x kvm-epyc-2cpu; do
	case $tree in
	small) dir=$SRCDIR/tests/trees/small ;;
	*) dir=$(tree_dir "$tree") ;;
	esac
	[ -n "$dir" ] && [ -d "$dir" ] || { skip "tree $tree is not available"; continue; }
	for prof in $profiles; do
		name=$(basename "$prof" .ini)
		for fmt in text json junit prometheus html; do
			run_report "$dir" "$prof" $fmt "$TMP/$tree-$name.$fmt"
			echo $? > "$TMP/$tree-$name.$fmt.rc"
		done
		rcs=$(cat "$TMP/$tree-$name".*.rc | sort -u)
		check "$tree/$name: every format exits alike (0 pass, 1 fail, 2 error), here $rcs" \
			bash -c "[ \$(echo '$rcs' | wc -l) -eq 1 ] && [ '$rcs' -le 2 ]"
		if summary json "$TMP/$tree-$name.json" > "$TMP/sum.json" 2>"$TMP/py"; then
			same=1
			for fmt in text junit prometheus html; do
				if ! summary $fmt "$TMP/$tree-$name.$fmt" > "$TMP/sum.$fmt" 2>>"$TMP/py"; then
					same=0; diag < "$TMP/py"
				elif ! diff <(head -1 "$TMP/sum.json") <(head -1 "$TMP/sum.$fmt") >/dev/null; then
					same=0; echo "$fmt counts differ: $(head -1 "$TMP/sum.$fmt") vs json $(head -1 "$TMP/sum.json")" | diag
					grep -h -A1 -E '<(error|failure)|^  (error|fail) ' "$TMP/$tree-$name.$fmt" "$TMP/err" | diag
				fi
			done
			check "$tree/$name: text, json, junit, prometheus and html give the same counts" [ $same -eq 1 ]
			check "$tree/$name: junit has one testcase per JSON check" diff <(sed -n 2p "$TMP/sum.json") <(sed -n 2p "$TMP/sum.junit")
		else
			not_ok "$tree/$name: JSON report unreadable"; diag < "$TMP/py"
		fi
		check "$tree/$name: html is self-contained (no scripts, stylesheets, images or URLs to fetch)" \
			bash -c "! grep -Eiq '<script|<link|<img|<iframe|@import|url\\(|(src|href)=\"?https?:' '$TMP/$tree-$name.html'"
	done
done

dir=$(tree_dir genoa-degraded)
if [ -n "$dir" ]; then
	"$RIGTUNE" --sysroot "$dir" report "$SRCDIR/profiles/epyc-genoa.ini" > "$TMP/t.txt"; rc=$?
	check "the degraded Genoa fails epyc-genoa (exit 1)" [ $rc -eq 1 ]
	check "text: failures come first with their fix" bash -c "sed -n '/^Problems/,/^All checks/p' '$TMP/t.txt' | grep -q 'fix:'"
	check "text: the empty memory channel is a failed check" grep -q "fail  expect.memory_channels" "$TMP/t.txt"
	check "text: no colour when not a terminal" bash -c "! grep -q $'\\033' '$TMP/t.txt'"
	"$RIGTUNE" --sysroot "$dir" report "$SRCDIR/profiles/epyc-genoa.ini" --format html -o "$TMP/g.html"
	check "html: the downgraded NIC and its limiting hop are drawn in red" \
		grep -q 'fill="#c62828">0000:41:00.0' "$TMP/g.html"
	check "html: limiting hop named" grep -q "limited at 0000:40:01.1" "$TMP/g.html"
	check "-o leaves no temporary file" bash -c "! ls '$TMP' | grep -q tmp"
	"$RIGTUNE" --sysroot "$dir" report "$SRCDIR/profiles/epyc-genoa.ini" --format prometheus > "$TMP/p.prom"
	check "prometheus: PCIe gen current and max per device" \
		grep -q 'rigtune_pcie_link_gen{bdf="0000:41:00.0",kind="max"} 5' "$TMP/p.prom"
	check "prometheus: the downgraded link is 1" grep -q 'rigtune_pcie_link_downgraded{bdf="0000:41:00.0"} 1' "$TMP/p.prom"
	check "prometheus: a last-run timestamp" grep -q '^rigtune_last_run_timestamp_seconds [0-9]' "$TMP/p.prom"
	chrome=$(command -v chromium || command -v chromium-browser)
	if [ -n "$chrome" ]; then
		timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$TMP/chrome" --dump-dom "file://$TMP/g.html" > "$TMP/dom.html" 2>/dev/null
		check "html renders in headless Chromium: the verdict is in the DOM" grep -q 'class="verdict FAIL"' "$TMP/dom.html"
		check "html renders in headless Chromium: the topology SVG is in the DOM" grep -q '<svg' "$TMP/dom.html"
		timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$TMP/chrome" --window-size=1300,2000 --screenshot="$TMP/g.png" "file://$TMP/g.html" >/dev/null 2>&1
		check "html renders in headless Chromium: a screenshot is made" [ -s "$TMP/g.png" ]
	else
		skip "chromium is not installed (tests/run installs it as root): html not rendered"
	fi
else
	skip "tests/gen/mktree-genoa is missing"
fi

"$RIGTUNE" report "$SRCDIR/profiles/base-inference.ini" --no-bench --format json > "$TMP/live.json"; rc=$?
check "live report --no-bench exits 0 or 1" [ $rc -le 1 ]
check "live report --no-bench: bench is null with the reason" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["bench"] is None and "no-bench" in d["bench_skipped"]))' "$TMP/live.json"
"$RIGTUNE" report "$SRCDIR/profiles/base-inference.ini" --quick --format json > "$TMP/liveb.json"; rc=$?
check "live report --quick measures: bench results present" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not d["bench"]["results"])' "$TMP/liveb.json"
"$RIGTUNE" report "$SRCDIR/profiles/base-inference.ini" --format pdf 2>"$TMP/err"; rc=$?
check "an unknown format is exit 2" [ $rc -eq 2 ]
check "an unknown format is named" grep -q "pdf" "$TMP/err"
"$RIGTUNE" report 2>/dev/null; rc=$?
check "report without a profile is exit 2" [ $rc -eq 2 ]
done_testing
