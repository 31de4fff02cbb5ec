#!/bin/bash
# rigtune show / rigtune profiles on the profile corpus: every malformed or
# hostile profile in tests/profiles/bad is refused with exit 2 and
# "rigtune: FILE:LINE: message" as its first line says ("; expect:
# [FILE:]LINE: text"); good ones load, and `show` output loads back to the
# same settings. Hostile files too big to commit (100 MB, FIFOs, /dev/zero,
# a 40-deep include chain) are made here.
. "$(dirname "$0")/tap.sh"

# Copies owned by whoever runs the test, without group/other write, so the
# root-only ownership checks pass whatever the checkout's umask was.
cp -r "$SRCDIR/tests/profiles/bad" "$SRCDIR/tests/profiles/good" "$TMP/"
chmod -R go-w "$TMP/bad" "$TMP/good"
export RIGTUNE_PROFILE_PATH=:$TMP/none     # ":": the current directory first

# refused NAME DIR WANT-LOCATION WANT-TEXT: `show NAME` run in DIR exits 2,
# prints nothing on stdout, and its first stderr line is
# "rigtune: LOCATION: ...TEXT..."
refused() {
	local name=$1 dir=$2 loc=$3 text=$4 rc
	(cd "$dir" && timeout 20 "$RIGTUNE" show "$name" >"$TMP/out" 2>"$TMP/err")
	rc=$?
	if [ "$rc" -eq 2 ] && [ ! -s "$TMP/out" ] &&
		head -n1 "$TMP/err" | grep -qF -- "rigtune: $loc: " &&
		head -n1 "$TMP/err" | grep -qF -- "$text"; then
		ok "$name refused: $loc: $text"
	else
		not_ok "$name refused: $loc: $text (exit $rc)"
		diag <"$TMP/err"
	fi
}

n=0
for f in "$TMP"/bad/*.ini; do
	name=${f##*/}
	expect=$(sed -n '1s/^; expect: //p' "$f")
	if [ -z "$expect" ]; then
		not_ok "$name has an '; expect: LINE: text' first line"
		continue
	fi
	loc=${expect%%: *}
	text=${expect#*: }
	case $loc in
	[0-9]*) loc="$name:$loc" ;;
	esac
	refused "$name" "$TMP/bad" "$loc" "$text"
	n=$((n + 1))
done
check "at least 30 malformed profiles in the corpus ($n)" test "$n" -ge 30

# Hostile files made here.
cd "$TMP" || exit 2
yes 'vm.swappiness = 1' | head -c 100000000 >huge.ini
sed -i '1s/.*/[sysctl]/' huge.ini
refused huge.ini "$TMP" huge.ini "is larger than 1 MiB; refusing to read it"
printf '[profile]\ninclude = huge.ini\n' >inc-huge.ini
refused inc-huge.ini "$TMP" inc-huge.ini:2 "huge.ini: is larger than 1 MiB"
mkfifo fifo.ini
refused fifo.ini "$TMP" fifo.ini "is a FIFO, not a regular file"
printf '[thp]\nenabled = never\n[profile]\ninclude = fifo.ini\n' >inc-fifo.ini
refused inc-fifo.ini "$TMP" inc-fifo.ini:4 "fifo.ini: is a FIFO"
printf '[profile]\ninclude = /dev/zero\n' >inc-zero.ini
refused inc-zero.ini "$TMP" inc-zero.ini:2 "/dev/zero: is a character device"
refused /dev/zero "$TMP" /dev/zero "is a character device"
printf '[profile]\ninclude = /proc/self/status\n' >inc-proc.ini
refused inc-proc.ini "$TMP" /proc/self/status:1 "expected 'key = value'"
ln -s link-loop.ini link-loop.ini
refused link-loop.ini "$TMP" link-loop.ini "Too many levels of symbolic links"
mkdir chain
for i in $(seq 0 40); do
	printf '[profile]\ninclude = c%d.ini\n' $((i + 1)) >chain/c$i.ini
done
printf '[thp]\nenabled = never\n' >chain/c41.ini
refused c0.ini "$TMP/chain" c16.ini:2 "includes nested deeper than 16"
(cd chain && "$RIGTUNE" show c25.ini >/dev/null 2>&1)
check "an include chain 16 deep loads" test $? -eq 0
printf '[profile]\ninclude = ab.ini\n' >aa.ini
printf '[profile]\ninclude = aa.ini\n' >ab.ini
refused aa.ini "$TMP" ab.ini:2 "include loop: aa.ini -> ab.ini -> aa.ini"
printf '[sysctl]\nvm.swappiness = 1\n' >mode.ini
if [ "$(id -u)" -eq 0 ]; then
	chmod 0666 mode.ini
	refused mode.ini "$TMP" mode.ini "is writable by group/others; refusing (chmod go-w)"
	chmod 0644 mode.ini
	chown 65534 mode.ini
	refused mode.ini "$TMP" mode.ini "is owned by uid 65534, not root"
	chown 0 mode.ini
	printf '[profile]\ninclude = mode.ini\n' >inc-mode.ini
	chmod 0664 mode.ini
	refused inc-mode.ini "$TMP" inc-mode.ini:2 "mode.ini: is writable by group/others"
else
	for i in 1 2 3; do skip "ownership checks need root"; done
fi

# Good profiles load; show's output loads back to the same settings.
strip() { sed -e '/^;/d' -e 's/ *; [^;]*:[0-9]*$//' "$1"; }
for f in top.ini all-sections.ini sub/extra.ini; do
	(cd "$TMP/good" && "$RIGTUNE" show "$f" >"$TMP/shown.ini" 2>"$TMP/err")
	check "good/$f loads" test $? -eq 0
	"$RIGTUNE" show "$TMP/shown.ini" >"$TMP/again.ini" 2>>"$TMP/err"
	if diff <(strip "$TMP/shown.ini") <(strip "$TMP/again.ini") >"$TMP/diff"; then
		ok "good/$f: show output loads back to the same settings"
	else
		not_ok "good/$f: show output loads back to the same settings"
		diag <"$TMP/diff"
	fi
done
(cd "$TMP/good" && "$RIGTUNE" show top.ini) >"$TMP/top.out"
check "a value says where it came from" grep -qE '^vm.swappiness = 1 +; top.ini:7$' "$TMP/top.out"
check "an included value too" grep -qE '^governor = performance +; extra.ini:7$' "$TMP/top.out"
check "files listed in include order" test "$(sed -n 2,4p "$TMP/top.out")" = \
	"$(printf ';   top.ini\n;   base.ini\n;   sub/extra.ini')"
(cd "$TMP/good" && "$RIGTUNE" --json show top.ini) >"$TMP/top.json"
check "--json names the source of each value" grep -qF '"file": "top.ini"' "$TMP/top.json"
if command -v python3 >/dev/null; then
	check "--json is valid JSON" python3 -c "
import json, sys
d = json.load(open('$TMP/top.json'))
s = d['sections']['sysctl']['vm.swappiness']
sys.exit(not (s['value'] == '1' and s['line'] == 7 and d['files'][0] == 'top.ini'))"
else
	skip "python3 not installed"
fi

# rigtune profiles: what the search path holds, with descriptions.
RIGTUNE_PROFILE_PATH=$TMP/good:$TMP/bad "$RIGTUNE" profiles >"$TMP/list" 2>"$TMP/err"
check "profiles exits 0 with broken profiles in the path" test $? -eq 0
check "profiles shows descriptions" grep -qE '^top +/.*/good/top.ini +Test top: overrides' "$TMP/list"
check "profiles says why a profile does not load" grep -qE '^unknown-key .*\(does not load: .*unknown-key.ini:3: unknown key' "$TMP/list"
RIGTUNE_PROFILE_PATH=$TMP/good "$RIGTUNE" profiles --json >"$TMP/list.json"
check "profiles --json" grep -qF '"description": "Test base: THP off, swap nearly off"' "$TMP/list.json"
RIGTUNE_PROFILE_PATH=$TMP/good "$RIGTUNE" show top >/dev/null
check "show finds a profile by name in the search path" test $? -eq 0
"$RIGTUNE" show >/dev/null 2>&1
check "show without a profile is a usage error (2)" test $? -eq 2
"$RIGTUNE" show "$TMP/good/nothere.ini" 2>"$TMP/err"
check "a missing profile exits 2" test $? -eq 2

done_testing
