#!/bin/bash
# Every --json output validates against its JSON Schema in docs/schema
# (draft 2020-12, python3-jsonschema): probe, audit, apply (dry run, real,
# second run), revert, status, report, show, profiles, recommend, topo,
# plan, bench, bench --gpu (through the fake libcuda) and verify, on every
# fixture tree; and the validator does reject a document that breaks its
# schema, so a pass means something.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/fixture-trees.sh"
SCHEMAS=$SRCDIR/docs/schema
V() { "$SRCDIR/tests/cli/validate-json" "$SCHEMAS" "$@" 2>"$TMP/v.err"; }
R() { "$RIGTUNE" "$@"; }

echo '{}' > "$TMP/empty.json"
V probe "$TMP/empty.json" >/dev/null
if [ $? -eq 77 ]; then
	skip "python3-jsonschema is not installed (apt-get install python3-jsonschema): no schema checks"
	done_testing
	exit
fi

for s in "$SCHEMAS"/*.json; do
	check "$(basename "$s") is a draft 2020-12 schema with its \$id" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
assert s["$id"].endswith("/" + sys.argv[1].rsplit("/", 1)[1])' "$s"
done

# validates NAME DESCRIPTION FILE...: every FILE against NAME.json
validates() {
	local name=$1 what=$2 out; shift 2
	if out=$(V "$name" "$@"); then ok "$what validates against $name.json"
	else not_ok "$what validates against $name.json"; echo "$out" | head -20 | diag; diag <"$TMP/v.err"; fi
}

profiles=$(cd "$SRCDIR/profiles" && ls -- *.ini | sed 's/\.ini$//')
for p in $TREES; do
	name=${p%%=*} dir=${p#*=} d=$TMP/$name
	mkdir -p "$d"
	R --sysroot "$dir" probe --json >"$d/probe.json"
	validates probe "probe --json on $name" "$d/probe.json"
	files=() dry=()
	for prof in $profiles; do
		R --sysroot "$dir" audit "$prof" --json >"$d/audit-$prof.json" 2>/dev/null
		files+=("$d/audit-$prof.json")
		# a profile the host cannot take is refused on stderr with nothing on stdout
		R --sysroot "$dir" apply "$prof" --dry-run --json >"$d/apply-$prof.json" 2>/dev/null &&
			dry+=("$d/apply-$prof.json")
	done
	validates audit "audit --json on $name, every shipped profile" "${files[@]}"
	if [ ${#dry[@]} -gt 0 ]; then validates apply "apply --dry-run --json on $name" "${dry[@]}"
	else skip "$name takes none of the shipped profiles"; fi
	R --sysroot "$dir" report base-inference --format json --no-bench >"$d/report.json" 2>/dev/null
	validates report "report --format json on $name" "$d/report.json"
	for c in recommend topo plan; do
		R --sysroot "$dir" $c --json >"$d/$c.json"
		validates $c "$c --json on $name" "$d/$c.json"
	done
done

# apply and revert for real, on a copy of the small tree.
SMALL=$TMP/small
cp -a "$SRCDIR/tests/trees/small" "$SMALL"
cat >"$TMP/p.ini" <<'INI'
[profile]
description = schema test
[thp]
enabled = never
[sysctl]
vm.swappiness = 1
INI
R --sysroot "$SMALL" apply "$TMP/p.ini" --json >"$TMP/apply1.json"
R --sysroot "$SMALL" apply "$TMP/p.ini" --json >"$TMP/apply2.json"
R --sysroot "$SMALL" status --json >"$TMP/status1.json"
echo always >"$SMALL/sys/kernel/mm/transparent_hugepage/enabled"
R --sysroot "$SMALL" status --json >"$TMP/status2.json"
R --sysroot "$SMALL" revert --json >"$TMP/revert1.json"
R --sysroot "$SMALL" revert --json >"$TMP/revert2.json"
R --sysroot "$SMALL" status --json >"$TMP/status3.json"
validates status "status --json: holding, drifted, no journal" "$TMP"/status[123].json
check "status --json: two changes holding, then thp.enabled changed since, then no profile" \
	python3 - "$TMP" <<'PY'
import json, sys
t = sys.argv[1]
s1, s2, s3 = (json.load(open("%s/status%d.json" % (t, n))) for n in (1, 2, 3))
assert s1["profile"] and [c["state"] for c in s1["changes"]] == ["holds", "holds"], s1
assert [c["state"] for c in s2["changes"] if c["label"] == "thp.enabled"] == ["changed since"], s2
assert s3 == {"schema": 1, "profile": None}, s3
PY
validates apply "apply --json, first and second run" "$TMP/apply1.json" "$TMP/apply2.json"
validates revert "revert --json, with a journal and without" "$TMP/revert1.json" "$TMP/revert2.json"
check "apply --json: the first run changed 2 files (old and new values), the second none, revert put both back" \
	python3 - "$TMP" <<'PY'
import json, sys
t = sys.argv[1]
a1, a2, r1, r2 = (json.load(open("%s/%s.json" % (t, n))) for n in ("apply1", "apply2", "revert1", "revert2"))
assert a1["changed"] and a1["result"] == "changed" and a1["totals"]["changed"] == 2, a1
thp = [s for s in a1["settings"] if s["label"] == "thp.enabled"][0]
assert (thp["old"], thp["new"], thp["status"]) == ("madvise", "never", "changed"), thp
assert not a2["changed"] and a2["result"] == "unchanged" and a2["totals"]["unchanged"] == 2, a2
assert r1["changed"] and r1["totals"]["changed"] == 2 and r1["journal_removed"], r1
assert [s["new"] for s in r1["settings"] if s["label"] == "thp.enabled"] == ["madvise"], r1
assert r2["result"] == "no-journal" and not r2["changed"], r2
PY

for prof in $profiles; do R show "$prof" --json >"$TMP/show-$prof.json"; done
validates show "show --json, every shipped profile" "$TMP"/show-*.json
R profiles --json >"$TMP/profiles.json"
validates profiles "profiles --json" "$TMP/profiles.json"

# The live host: a short measurement.
if R bench --quick --json --size-mb 64 --kernel triad --scope host >"$TMP/bench.json" 2>"$TMP/bench.err"; then
	validates bench "bench --quick --json" "$TMP/bench.json"
else
	not_ok "bench --quick --json runs"; diag <"$TMP/bench.err"
fi
FAKECUDA=$BUILDDIR/tests/fakecuda/libcuda-fake.so
if [ -f "$FAKECUDA" ]; then
	RIGTUNE_CUDA_LIBRARY=$FAKECUDA FAKECUDA_DEVICES="0000:1b:00.0=25/24,0000:43:00.0=12.5/12" FAKECUDA_PEER="0-1=300" \
		R bench --gpu --size-mb 1 --reps 2 --json >"$TMP/bench-gpu.json"
	RIGTUNE_CUDA_LIBRARY=$FAKECUDA FAKECUDA_DEVICES="0000:1b:00.0=25/24" \
		R bench --gpu --size-mb 1 --reps 2 --json >"$TMP/bench-gpu-one.json"
	validates bench-gpu "bench --gpu --json (fake libcuda: two GPUs with peers, one GPU)" \
		"$TMP/bench-gpu.json" "$TMP/bench-gpu-one.json"
else
	skip "tests/fakecuda is not built: no bench --gpu schema check"
fi
cat >"$TMP/target.ini" <<'INI'
[profile]
description = a target
[verify]
triad_gbps = 1
INI
R verify "$TMP/target.ini" --quick --json >"$TMP/verify.json" 2>/dev/null
validates verify "verify --quick --json" "$TMP/verify.json"

# A pass means something: documents that break their schema are refused.
python3 - "$TMP" <<'PY'
import json, sys
t = sys.argv[1]
a = json.load(open(t + "/apply1.json")); a["settings"][0]["status"] = "maybe"; json.dump(a, open(t + "/bad-apply.json", "w"))
r = json.load(open(t + "/revert1.json")); del r["totals"]; json.dump(r, open(t + "/bad-revert.json", "w"))
p = json.load(open(t + "/profiles.json")); p["profiles"][0]["name"] = 3; json.dump(p, open(t + "/bad-profiles.json", "w"))
s = json.load(open(t + "/status2.json")); s["changes"][0]["state"] = "drifted"; json.dump(s, open(t + "/bad-status.json", "w"))
PY
for n in apply revert profiles status; do
	check "a $n document that breaks $n.json is refused" bash -c '! "$0" "$1" "$2" "$3" >/dev/null 2>&1' \
		"$SRCDIR/tests/cli/validate-json" "$SCHEMAS" "$n" "$TMP/bad-$n.json"
done
first=$(echo $TREES | cut -d' ' -f1); first=${first%%=*}
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["host"]["pci"]["devices"]=[{"bdf": 1}]; json.dump(d, open(sys.argv[2], "w"))' \
	"$TMP/$first/report.json" "$TMP/bad-report.json"
check "a report whose host breaks probe.json is refused (the \$ref across files is followed)" \
	bash -c '! "$0" "$1" report "$2" >/dev/null 2>&1' "$SRCDIR/tests/cli/validate-json" "$SCHEMAS" "$TMP/bad-report.json"
done_testing
