#!/bin/bash
# The README's "first hour on a new rig" works as written: every line of
# its walkthrough block runs, in order, on a copy of the generated Genoa
# tree (sudo dropped, --sysroot added; verify, which measures the machine
# it runs on, runs here with --quick). Each step exits as the README says:
# the first audit finds differences (1), apply changes things, the second
# audit passes (0), the report is written.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/fixture-trees.sh"
genoa=$(tree_dir genoa-nps1)
if [ -z "$genoa" ]; then
	skip "no genoa-nps1 tree: README walkthrough not run"
	done_testing
	exit
fi
TREE=$TMP/rig
cp -a "$genoa" "$TREE"
steps=$(awk '/<!-- walkthrough/ {on = 1; next} on && /^```sh/ {inblock = 1; next} inblock && /^```/ {exit} inblock' \
	"$SRCDIR/README.md" | sed 's/ *# .*//')
check "the README has a walkthrough of at least six commands" test "$(grep -c . <<<"$steps")" -ge 6
order=$(grep -oE '^(sudo )?rigtune [a-z]+' <<<"$steps" | awk '{print $NF}' | uniq | tr '\n' ' ')
check "in the order probe, recommend, audit, apply, audit, verify, report (got: $order)" \
	test "$order" = "probe recommend audit apply audit verify report "
cd "$TMP" || exit 1
audits=0
while read -r line; do
	[ -n "$line" ] || continue
	read -r -a argv <<<"${line#sudo }"
	[ "${argv[0]}" = rigtune ] || { not_ok "a walkthrough line that is not rigtune: $line"; continue; }
	cmd=${argv[1]}
	if [ "$cmd" = verify ]; then
		"$RIGTUNE" "${argv[@]:1}" --quick >"$TMP/out" 2>&1; rc=$?
		check "$line: runs on this host (exit $rc: 0 reached, 1 missed the targets)" test "$rc" -le 1
		continue
	fi
	"$RIGTUNE" --sysroot "$TREE" "${argv[@]:1}" >"$TMP/out" 2>&1; rc=$?
	case $cmd in
	audit) audits=$((audits + 1)); want=$([ $audits = 1 ] && echo 1 || echo 0) ;;
	*) want=0 ;;
	esac
	check "$line: exit $want (got $rc)" test "$rc" = "$want"
	[ "$rc" = "$want" ] || diag <"$TMP/out"
done <<<"$steps"
check "the report is written (rig.html)" grep -q "<html" "$TMP/rig.html"
check "after apply the rig keeps its journal for revert" test -s "$TREE/run/rigtune/journal"
done_testing
