#!/bin/bash
# Output that must keep its format whatever the kernel, the tree, the
# profile or the journal say (issue 13): a profile named R&D, invalid
# UTF-8 and escape sequences in osrelease, the command line and a CPU
# model. JSON parses as strict UTF-8 JSON, JUnit and HTML as XML/HTML,
# Prometheus label values are UTF-8, and no escape sequence reaches a
# terminal from probe, report --format text or revert.
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C.UTF-8 NO_COLOR=1
unset RIGTUNE_FAULT

T=$TMP/tree
cp -a "$SRCDIR/tests/trees/small" "$T"
mkdir -p "$TMP/p"
EVIL=$'6.1.0-\xff\xfe\xc0\xaf\xed\xa0\x80\e[2J\e]0;owned\a\xc2\x9b31m-rc "q" <b>&amp;'
printf '%s\n' "$EVIL" > "$T/proc/sys/kernel/osrelease"
printf 'BOOT_IMAGE=/vmlinuz \e[31mred\xff quiet\n' > "$T/proc/cmdline"
sed -i $'s/^model name.*/model name\t: EPYC \e[5mblink\xff/' "$T/proc/cpuinfo"
P=$TMP/p/$'R&D <"x"> \xff'.ini
printf '[thp]\nenabled = never\n' > "$P"
chmod 0644 "$P"
R() { timeout 60 "$RIGTUNE" "$@"; }
no_escape() { # FILE: no ESC, no C1 CSI, no BEL, valid UTF-8
	python3 - "$1" <<'EOF'
import sys
b = open(sys.argv[1], 'rb').read()
t = b.decode('utf-8')          # raises on invalid UTF-8
bad = [c for c in t if (ord(c) < 0x20 and c not in '\n\t') or 0x7f <= ord(c) <= 0x9f]
sys.exit(1 if bad else 0)
EOF
}

R --sysroot "$T" probe > "$TMP/probe.txt" 2>&1
check "probe text: exit 0" test $? = 0
check "... no escape sequence or invalid UTF-8 reaches the terminal" no_escape "$TMP/probe.txt"
check "... the kernel is still shown, escaped" grep -q '^  Kernel: *6\.1\.0-' "$TMP/probe.txt"
R --sysroot "$T" probe --json > "$TMP/probe.json"
check "probe --json: strict UTF-8 JSON" python3 -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$TMP/probe.json"
check "... keeping the valid part of osrelease" python3 -c '
import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8"))
s=json.dumps(d); sys.exit(0 if "-rc \\\"q\\\" <b>&amp;" in s and "\\u001b[2J" in s else 1)' "$TMP/probe.json"

for fmt in text json junit prometheus html; do
	R --sysroot "$T" report --no-bench --format $fmt "$P" > "$TMP/r.$fmt" 2> "$TMP/err"
	rc=$?
	check "report --format $fmt: exit 1 (thp fails) (got $rc)" test "$rc" = 1
done
check "report text: no escape sequence or invalid UTF-8" no_escape "$TMP/r.text"
check "report json: strict UTF-8 JSON" python3 -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$TMP/r.json"
check "report junit: well-formed XML (profile R&D <\"x\">)" python3 -c '
import sys, xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot()
sys.exit(0 if "R&D <\"x\">" in r.get("name") else 1)' "$TMP/r.junit"
check "report html: well-formed, valid UTF-8, no raw <b> from the kernel" python3 -c '
import sys, html.parser
t=open(sys.argv[1],"rb").read().decode("utf-8")
html.parser.HTMLParser().feed(t)
sys.exit(1 if "<b>&amp;" in t or "\x1b" in t else 0)' "$TMP/r.html"
check "report prometheus: valid UTF-8, every label value closed on its line" python3 -c '
import re, sys
for line in open(sys.argv[1], "rb").read().decode("utf-8").splitlines():
    if line.startswith("#") or not line: continue
    m = re.fullmatch(r"[a-z_]+(\{([a-z_]+=\"([^\"\\\n]|\\.)*\",?)*\})? [-0-9.e+]+", line)
    if not m: sys.exit("bad line: " + line)' "$TMP/r.prometheus"

# revert prints labels, paths and values from the journal.
mkdir -p "$T/run/rigtune"
printf 'rigtune-journal 1\nboot ""\nprofile x\nset thp.enabled\\x1b[2J sys/kernel/mm/transparent_hugepage/enabled never\nend 1\n' \
	> "$T/run/rigtune/journal"
R --sysroot "$T" revert > "$TMP/revert.txt" 2>&1
check "revert of a journal with escape sequences: exit 0 or 1 (got $?)" test $? -le 1
check "... none of them reaches the terminal" no_escape "$TMP/revert.txt"
check "... the setting still named" grep -q '^thp.enabled?\[2J' "$TMP/revert.txt"

done_testing
