#!/bin/bash
# Representative rigtune commands under valgrind memcheck, each asserted
# to produce zero reports: no invalid read or write, no use of
# uninitialised memory, no definite leak. Slow (a minute or more), so it
# runs when RIGTUNE_VALGRIND=1 (tests/run-sanitizers sets it, on a build
# without sanitizers), and skips otherwise.
#
# valgrind does not know openat2 (it answers ENOSYS), so under it the
# sysroot layer takes its pre-5.6-kernel fallback: the hostile-symlink
# apply below checks that path refuses to leave the tree as well.
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C.UTF-8
unset RIGTUNE_FAULT

if [ "${RIGTUNE_VALGRIND:-0}" != 1 ]; then
	skip "valgrind run not asked for (RIGTUNE_VALGRIND=1; tests/run-sanitizers does)"
	done_testing
	exit
fi
if ! command -v valgrind > /dev/null; then
	skip "valgrind not installed"
	done_testing
	exit
fi
if nm "$RIGTUNE" 2> /dev/null | grep -q __asan_init || ldd "$RIGTUNE" 2> /dev/null | grep -q libasan; then
	skip "$RIGTUNE is built with AddressSanitizer: valgrind cannot run it"
	done_testing
	exit
fi
. "$SRCDIR/tests/cli/fixture-trees.sh"

n_runs=0
# vg DESCRIPTION EXPECTED-EXITS RIGTUNE-ARGS...: zero valgrind reports,
# and rigtune's own exit code among EXPECTED-EXITS ("0", "0 1", ...).
vg() {
	local d=$1 want=$2 rc errs
	shift 2
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --track-origins=yes --log-file="$TMP/vg.log" \
		"$RIGTUNE" "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	n_runs=$((n_runs + 1))
	errs=$(grep -v 'WARNING: unhandled amd64-linux syscall: 437\|You may be able to write\|README_MISSING_SYSCALL\|Nevertheless we consider\|bug_reports.html' "$TMP/vg.log" | grep -c '^==')
	if [ "$rc" != 99 ] && [ "$errs" = 0 ] && [[ " $want " == *" $rc "* ]]; then
		ok "valgrind: $d (exit $rc, 0 reports)"
	else
		not_ok "valgrind: $d (exit $rc, want $want; $errs report lines)"
		head -n 60 "$TMP/vg.log" "$TMP/err" | diag
	fi
}

for p in $TREES; do
	name=${p%%=*} dir=${p#*=}
	vg "probe --json on $name" 0 --sysroot "$dir" probe --json
done
vg "probe on this host" 0 probe
small=$SRCDIR/tests/trees/small
vg "profiles" 0 profiles
vg "show epyc-genoa.ini" 0 show epyc-genoa.ini
vg "show --json gpu-server-nvidia.ini" 0 show --json gpu-server-nvidia.ini
vg "show of a malformed profile" 2 show "$SRCDIR/tests/profiles/bad/include-loop-a.ini"
tree_or_small() { local d; d=$(tree_dir "$1"); echo "${d:-$small}"; }
genoa=$(tree_or_small genoa-degraded)
vg "audit epyc-genoa.ini on genoa-degraded" "0 1" --sysroot "$genoa" audit epyc-genoa.ini
vg "audit --json gpu-server-amd-instinct.ini" "0 1" --sysroot "$(tree_or_small mi300x)" audit --json gpu-server-amd-instinct.ini
vg "apply --dry-run epyc-genoa-nps4.ini" 0 --sysroot "$(tree_or_small genoa-nps4)" apply --dry-run epyc-genoa-nps4.ini
vg "report --format html" "0 1" --sysroot "$genoa" report epyc-genoa.ini --format html -o "$TMP/r.html"
vg "report --format junit" "0 1" --sysroot "$small" report base-inference.ini --format junit -o "$TMP/r.xml"
vg "snapshot of a tree" 0 --sysroot "$small" snapshot -o "$TMP/snap.tar.gz"

T=$TMP/tree
cp -a "$small" "$T"
vg "apply epyc-genoa.ini on a tree copy" 0 --sysroot "$T" apply epyc-genoa.ini
vg "audit after apply" "0 1" --sysroot "$T" audit epyc-genoa.ini
vg "revert" 0 --sysroot "$T" revert
check "... apply + revert under valgrind left the tree as it was" \
	diff -r --no-dereference -x run -x var "$small" "$T"
# A failing write and its rollback (the test-only fault hook).
RIGTUNE_FAULT=3:EIO vg "apply with the 3rd write failing (rollback)" 2 --sysroot "$T" apply epyc-genoa.ini
check "... rolled back to the tree as it was" diff -r --no-dereference -x run -x var "$small" "$T"

# The fallback path (no openat2 under valgrind) refuses a symlink out of the tree.
mkdir -p "$TMP/outside" && echo keep > "$TMP/outside/file"
rm "$T/sys/kernel/mm/transparent_hugepage/enabled"
ln -s "../../../../../../../../../../../$TMP/outside/file" "$T/sys/kernel/mm/transparent_hugepage/enabled"
printf '[sysfs]\n/sys/kernel/mm/transparent_hugepage/enabled = pwned\n' > "$TMP/evil.ini"
vg "apply through a symlink out of the tree (no openat2): refused" 2 --sysroot "$T" apply "$TMP/evil.ini"
check "... and the file outside is untouched" grep -qx keep "$TMP/outside/file"

vg "bench --quick, tiny" 0 bench --quick --size-mb 8 --threads 1 --kernel triad
vg "verify --quick against a profile, on this host" "0 1" verify base-inference.ini --quick
echo "# valgrind runs: $n_runs"
done_testing
