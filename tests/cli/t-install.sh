#!/bin/bash
# `meson install`: the binary, the shipped profiles, /etc/rigtune (the boot
# configuration, inert, and an empty local profile directory), the systemd
# units pointing at the installed binary, the man pages and the bash
# completion land where an admin (and Debian's packaging) expects them.
# Also: the man pages render and name every command and every profile key
# the code knows, and the completion completes commands, options and
# profile names. Installs into a temporary DESTDIR from the build directory.
. "$SRCDIR/tests/cli/tap.sh"
BUILDDIR=${BUILDDIR:?BUILDDIR must name the build directory}

# The install directories this build was configured with.
eval "$(meson introspect --buildoptions "$BUILDDIR" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
prefix = o["prefix"]
def under(d):
    return d if d.startswith("/") else prefix + "/" + d
print("prefix=%s sbindir=%s datadir=%s mandir=%s" % (prefix, under(o["sbindir"]), under(o["datadir"]), under(o["mandir"])))
# meson puts sysconfdir at /etc for the /usr prefix, and the project does the same
sc = o["sysconfdir"]
print("sysconfdir=%s" % (sc if sc.startswith("/") else ("/etc" if prefix == "/usr" else prefix + "/" + sc)))
')"
unitdir=$prefix/lib/systemd/system
if [ "$prefix" = /usr ] && pkg-config --exists systemd; then
	unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
fi
root=$TMP/root
if ! out=$(meson install -C "$BUILDDIR" --no-rebuild --destdir "$root" 2>&1); then
	not_ok "meson install --destdir succeeds"
	echo "$out" | tail -20 | diag
	done_testing
	exit
fi
ok "meson install --destdir succeeds (prefix $prefix)"

check "rigtune in $sbindir, executable" test -x "$root$sbindir/rigtune"
check "the installed rigtune runs" sh -c '"$1" --version >/dev/null' _ "$root$sbindir/rigtune"
# Installed, it must not fall back to the build tree's profiles: the source
# path is found at run time next to a build directory, never compiled in.
check "the installed binary holds no path to the source tree's profiles" \
	sh -c '! grep -qaF "$1/profiles" "$2"' _ "$(cd "$SRCDIR" && pwd -P)" "$root$sbindir/rigtune"
if [ -e "$datadir/rigtune/profiles" ] || [ -e "$sysconfdir/rigtune/profiles" ]; then
	skip "profiles are installed on this host under $datadir or $sysconfdir"
else
	check "... and, installed, finds no profile by bare name where none is installed" sh -c \
		'env -u RIGTUNE_PROFILE_PATH "$1" show epyc-genoa >/dev/null 2>&1; test $? = 2' _ "$root$sbindir/rigtune"
fi
shipped=$(cd "$SRCDIR/profiles" && ls -- *.ini 2>/dev/null)
if [ -z "$shipped" ]; then
	skip "no shipped profiles in profiles/ yet"
else
	missing=""
	for p in $shipped; do
		cmp -s "$SRCDIR/profiles/$p" "$root$datadir/rigtune/profiles/$p" || missing="$missing $p"
	done
	check "every shipped profile in $datadir/rigtune/profiles${missing:+ (missing:$missing)}" test -z "$missing"
fi
check "$sysconfdir/rigtune/profiles exists, empty" \
	test -d "$root$sysconfdir/rigtune/profiles" -a -z "$(ls -A "$root$sysconfdir/rigtune/profiles" 2>/dev/null)"
conf=$root$sysconfdir/rigtune/rigtune.conf
check "$sysconfdir/rigtune/rigtune.conf installed" test -f "$conf"
check "rigtune.conf names no profile: a fresh install tunes nothing" \
	bash -c 'set -a; . "$1"; [ -z "${PROFILE:-}" ]' _ "$conf"
check "rigtune.conf documents PROFILE=" grep -q '^#PROFILE=' "$conf"

for u in rigtune.service rigtune-audit.service rigtune-audit.timer rigtune-watch.service; do
	check "$u in $unitdir" test -f "$root$unitdir/$u"
done
for u in rigtune.service rigtune-audit.service rigtune-watch.service; do
	check "$u runs $sbindir/rigtune and reads $sysconfdir/rigtune/rigtune.conf" \
		grep -q "^ExecStart=$sbindir/rigtune " "$root$unitdir/$u" -a
	check "$u reads $sysconfdir/rigtune/rigtune.conf" \
		grep -qx "EnvironmentFile=-$sysconfdir/rigtune/rigtune.conf" "$root$unitdir/$u"
done

# Man pages: installed, rendered by man without complaint.
man8=$root$mandir/man8/rigtune.8
man5=$root$mandir/man5/rigtune.ini.5
if ! command -v scdoc >/dev/null; then
	skip "scdoc not installed: no man pages"
else
	check "rigtune(8) in $mandir/man8" test -s "$man8"
	check "rigtune.ini(5) in $mandir/man5" test -s "$man5"
	render() { MANWIDTH=1000 man --warnings -l "$1" 2>"$TMP/man.err" | col -bx; }
	for page in "$man8" "$man5"; do
		text=$(render "$page")
		if grep -q NAME <<<"$text" && [ ! -s "$TMP/man.err" ]; then
			ok "man -l $(basename "$page") renders without warnings"
		else
			not_ok "man -l $(basename "$page") renders without warnings"
			diag <"$TMP/man.err"
		fi
	done
	text8=$(render "$man8")
	text5=$(render "$man5")
	# Every command of the command table has its own subsection.
	cmds=$(sed -nE 's/^[[:space:]]*\{"([a-z]+)", cmd_[a-z]+,.*/\1/p' "$SRCDIR/cli/main.c")
	undocumented=""
	for c in $cmds; do
		grep -qE "^   $c( |$)" <<<"$text8" || undocumented="$undocumented $c"
	done
	check "rigtune(8) documents every command ($(echo $cmds | wc -w))${undocumented:+; missing:$undocumented}" \
		test -n "$cmds" -a -z "$undocumented"
	for s in "EXIT STATUS" FILES EXAMPLES "GLOBAL OPTIONS"; do
		check "rigtune(8) has $s" grep -q "^$s" <<<"$text8"
	done
	for f in /etc/rigtune/rigtune.conf /etc/rigtune/profiles /usr/share/rigtune/profiles /run/rigtune/journal; do
		check "rigtune(8) names $f" grep -qF "$f" <<<"$text8"
	done
	# Every section and key of the schema, as the installed rigtune lists
	# them in its messages (patterns as the page spells them:
	# pcie.<class>.gen reads pcie.class.gen).
	rt=$root$sbindir/rigtune
	printf '[zz_no_such_section]\n' > "$TMP/sections.ini"
	sections=$("$rt" show "$TMP/sections.ini" 2>&1 | sed -nE 's/.*\(valid: (.*)\)$/\1/p' | tr -d ',')
	keys=$(for s in $sections; do
		printf '[%s]\nzz_no_such_key = 1\n' "$s" > "$TMP/keys.ini"
		"$rt" show "$TMP/keys.ini" 2>&1 | sed -nE 's/.*\(valid keys: (.*)\)$/\1/p' | sed 's/, /\n/g'
	done | grep -v -e '^<' -e '^/' | tr -d '<>')
	undocumented=""
	for s in $sections; do
		grep -qF "[$s]" <<<"$text5" || undocumented="$undocumented [$s]"
	done
	for k in $keys; do
		grep -qE "(^|[ ,])$(sed 's/[.]/[.]/g' <<<"$k")( |,|$)" <<<"$text5" || undocumented="$undocumented $k"
	done
	check "rigtune.ini(5) documents every section and key of the schema ($(echo $keys | wc -w) keys)${undocumented:+; missing:$undocumented}" \
		test -n "$keys" -a -z "$undocumented"
fi

# bash completion: installed; completes commands, options, option values
# and profile names from the search path.
comp=$(find "$root" -path '*/bash-completion/completions/rigtune' | head -1)
check "bash completion in share/bash-completion/completions" test -n "$comp"
if [ -n "$comp" ]; then
	mkdir -p "$TMP/profiles"
	touch "$TMP/profiles/epyc-genoa.ini" "$TMP/profiles/mi300x-8gpu.ini"
	complete_line() { # WORDS...: what bash would offer for the last word
		bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rigtune; printf "%s\n" "${COMPREPLY[@]}" | sort' \
			_ "$comp" "$@"
	}
	export RIGTUNE_PROFILE_PATH=$TMP/profiles
	check "completes commands: rigtune re<TAB> -> recommend report revert" \
		test "$(complete_line "$RIGTUNE" re | tr '\n' ' ')" = "recommend report revert "
	check "completes profile names: rigtune apply <TAB>" \
		test "$(complete_line "$RIGTUNE" apply "" | tr '\n' ' ')" = "epyc-genoa mi300x-8gpu "
	check "completes profile names after global options: rigtune --sysroot /x audit e<TAB>" \
		test "$(complete_line "$RIGTUNE" --sysroot /x audit e)" = epyc-genoa
	check "completes option values: rigtune report x --format j<TAB>" \
		test "$(complete_line "$RIGTUNE" report x --format j | tr '\n' ' ')" = "json junit "
	check "completes a command's options: rigtune apply --d<TAB>" \
		test "$(complete_line "$RIGTUNE" apply --d)" = --dry-run
	check "completes global options: rigtune --sys<TAB>" \
		test "$(complete_line "$RIGTUNE" --sys)" = --sysroot
fi
# Fleet tools and schemas under share/rigtune, as the .deb ships them.
share=$root$datadir/rigtune
check "Prometheus rules in $datadir/rigtune/prometheus" cmp -s "$SRCDIR/contrib/prometheus/rigtune-rules.yml" "$share/prometheus/rigtune-rules.yml"
check "Grafana dashboard in $datadir/rigtune/grafana" cmp -s "$SRCDIR/contrib/grafana/rigtune-fleet.json" "$share/grafana/rigtune-fleet.json"
check "every JSON Schema in $datadir/rigtune/schema" diff -r "$SRCDIR/docs/schema" "$share/schema"
check "the Ansible role in $datadir/rigtune/ansible, with the module where the role finds it" \
	cmp -s "$SRCDIR/contrib/ansible/roles/rigtune/library/rigtune.py" "$share/ansible/roles/rigtune/library/rigtune.py"
done_testing
