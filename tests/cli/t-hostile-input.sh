#!/bin/bash
# Hostile input not covered by t-profile.sh (show) and t-hostile-apply.sh:
#   - hostile trees: a knob's file (THP, sysctl, IRQ affinity, governor) or
#     a directory above it is a symlink to /etc/passwd or out of the tree,
#     a knob file is a FIFO, a 100 MB proc/interrupts, reads through
#     symlinks that climb past the root, rigtune's journal and lock as
#     symlinks out of the tree;
#   - hostile profiles through `apply` (t-profile.sh has them through
#     `show`): world-writable or foreign-owned (as root), /dev/zero, a
#     FIFO, 100 MB, a 1000-deep include chain, shell metacharacters;
#   - no program is ever executed: strace shows one execve, rigtune's.
# Each refusal: exit 2, a message saying what and where, nothing written
# in the tree or outside it.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/scratch.sh"
export LC_ALL=C.UTF-8
unset RIGTUNE_FAULT

mkdir -p "$TMP/outside"
profile_dir "$SRCDIR/profiles"      # $TMP/p first
MANIFEST_SKIP=./run/rigtune.lock
R() { "$RIGTUNE" "$@"; }
n_hostile=0
echo 'outside: must stay as it is' > "$TMP/outside/file"
host_passwd=$(sha256sum /etc/passwd)
outside_sum() { manifest "$TMP/outside"; }
outside_before=$(outside_sum)

# hostile_tree NAME PROFILE WANT-TEXT SETUP...: a fresh copy of the small
# tree, SETUP run in it, then `apply PROFILE` must exit 2 with WANT-TEXT
# on stderr, and neither the tree nor anything outside may change.
hostile_tree() {
	local name=$1 prof=$2 want=$3 T=$TMP/tree rc
	shift 3
	rm -rf "$T" && cp -a "$SRCDIR/tests/trees/small" "$T"
	mkdir -p "$T/etc" "$T/run" "$T/run/rigtune" && echo 'root:x:0:0:tree:/root:/bin/sh' > "$T/etc/passwd"
	(cd "$T" && eval "$*")
	manifest "$T" > "$TMP/before"
	timeout 20 "$RIGTUNE" --sysroot "$T" apply "$prof" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	n_hostile=$((n_hostile + 1))
	if [ "$rc" = 2 ] && grep -q -- "$want" "$TMP/err"; then
		ok "tree $name: apply refused (exit 2): $want"
	else
		not_ok "tree $name: apply refused (exit $rc), want '$want'"
		diag < "$TMP/err"
	fi
	check "tree $name: tree untouched" cmp -s <(manifest "$T") "$TMP/before"
	check "tree $name: nothing outside the tree changed" test "$(outside_sum)" = "$outside_before" -a \
		"$(sha256sum /etc/passwd)" = "$host_passwd"
}

profile thp <<'EOF'
[thp]
enabled = never
EOF
profile swap <<'EOF'
[sysctl]
vm.swappiness = 1
EOF
profile gov <<'EOF'
[cpu]
governor = performance
EOF
profile irq <<'EOF'
[irq]
policy = local-node
devices = nic
EOF

THP=sys/kernel/mm/transparent_hugepage
hostile_tree "THP enabled -> /etc/passwd" thp.ini "leads out of /sys" \
	"rm $THP/enabled && ln -s /etc/passwd $THP/enabled"
hostile_tree "THP enabled -> ../../../../outside" thp.ini "leads out of /sys" \
	"rm $THP/enabled && ln -s ../../../../../../../../../../$TMP/outside/file $THP/enabled"
hostile_tree "THP enabled -> ../../../../etc/passwd (out of sys/, in the tree)" thp.ini "leads out of /sys" \
	"rm $THP/enabled && ln -s ../../../../etc/passwd $THP/enabled"
hostile_tree "sys/kernel/mm -> ../../etc (a directory above the knob)" thp.ini "leads out of /sys" \
	"mkdir -p etc/transparent_hugepage && cp $THP/enabled etc/transparent_hugepage/ && rm -r sys/kernel/mm && ln -s ../../etc sys/kernel/mm"
hostile_tree "proc/sys/vm/swappiness -> $TMP/outside/file" swap.ini "leads out of /sys" \
	"rm proc/sys/vm/swappiness && ln -s $TMP/outside/file proc/sys/vm/swappiness"
hostile_tree "proc/sys/vm -> ../../etc" swap.ini "leads out of /sys" \
	"mkdir -p etc/vm && cp proc/sys/vm/* etc/vm/ && rm -r proc/sys/vm && ln -s ../../etc/vm proc/sys/vm"
hostile_tree "cpu0 scaling_governor -> /etc/passwd" gov.ini "leads out of /sys" \
	"f=sys/devices/system/cpu/cpu0/cpufreq/scaling_governor && rm \$f && ln -s /etc/passwd \$f"
irq_file=$(cd "$SRCDIR/tests/trees/small" && ls proc/irq/1[2-9]*/smp_affinity_list 2>/dev/null | head -1)
if [ -n "$irq_file" ] && R --sysroot "$SRCDIR/tests/trees/small" apply --dry-run irq.ini 2>/dev/null | grep -q '→'; then
	for f in $(cd "$SRCDIR/tests/trees/small" && ls proc/irq/*/smp_affinity_list); do
		links="$links rm $f && ln -s ../../../etc/passwd $f &&"
	done
	hostile_tree "every proc/irq/N/smp_affinity_list -> ../../../etc/passwd" irq.ini "leads out of /proc/irq\|leads out of /sys" "$links true"
else
	skip "the small tree has no IRQ to move"
fi
hostile_tree "THP enabled is a FIFO (a read would block forever)" thp.ini "not a regular file" \
	"rm $THP/enabled && mkfifo $THP/enabled"
# A journal that is a symlink out of the tree is replaced (written next
# to itself and renamed over the link), never followed.
rm -rf "$TMP/tree" && cp -a "$SRCDIR/tests/trees/small" "$TMP/tree" && mkdir -p "$TMP/tree/run/rigtune"
ln -s "$TMP/outside/file" "$TMP/tree/run/rigtune/journal"
R --sysroot "$TMP/tree" apply thp.ini > "$TMP/out" 2> "$TMP/err"
rc=$?
n_hostile=$((n_hostile + 1))
check "tree with the journal a symlink out of it: apply works (exit $rc)" test "$rc" = 0
check "... the file the link pointed at is untouched" test "$(outside_sum)" = "$outside_before"
check "... the journal is now a file of the tree" test -f "$TMP/tree/run/rigtune/journal" -a ! -L "$TMP/tree/run/rigtune/journal"
R --sysroot "$TMP/tree" revert > /dev/null 2>&1
check "... and revert uses it" test $? = 0 -a "$(sed 's/.*\[\(.*\)\].*/\1/' "$TMP/tree/$THP/enabled")" = madvise
hostile_tree "the lock is a symlink out of the tree" thp.ini "lock" \
	"ln -s $TMP/outside/file run/rigtune.lock"

# ---- reads stay in the tree ----
T=$TMP/tree
rm -rf "$T" && cp -a "$SRCDIR/tests/trees/small" "$T"
echo "SECRET-$$" > "$TMP/outside/secret"
rm "$T/proc/cmdline" && ln -s "../../../../../../../../../../../../$TMP/outside/secret" "$T/proc/cmdline"
R --sysroot "$T" probe --json > "$TMP/out" 2> "$TMP/err"
rc=$?
n_hostile=$((n_hostile + 1))
check "a proc/cmdline symlink climbing past the root: probe still works (exit $rc)" test "$rc" = 0
check "... and never reads the file outside the tree" sh -c "! grep -q SECRET-$$ '$TMP/out' '$TMP/err'"
rm "$T/proc/cmdline" && ln -s "$TMP/outside/secret" "$T/proc/cmdline"
R --sysroot "$T" probe --json > "$TMP/out" 2>&1
n_hostile=$((n_hostile + 1))
check "an absolute symlink resolves inside the tree, not on the host" sh -c "! grep -q SECRET-$$ '$TMP/out'"
rm -f "$TMP/outside/secret"

# ---- 100 MB files in the tree: read up to 64 MiB, then taken as unreadable ----
# (RSS is bounded only without AddressSanitizer, whose quarantine keeps
# freed memory resident.)
rss_limit=200000
nm "$RIGTUNE" 2> /dev/null | grep -q __asan_init && rss_limit=99999999
for f in proc/interrupts proc/cpuinfo proc/meminfo $THP/enabled sys/devices/system/node/node0/distance; do
	rm -rf "$T" && cp -a "$SRCDIR/tests/trees/small" "$T"
	truncate -s 100M "$T/$f"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$TMP/rss" "$RIGTUNE" --sysroot "$T" probe > /dev/null 2> "$TMP/err"
		rc=$?
		rss=$(tail -n 1 "$TMP/rss")
	else
		"$RIGTUNE" --sysroot "$T" probe > /dev/null 2> "$TMP/err"
		rc=$? rss=0
	fi
	n_hostile=$((n_hostile + 1))
	check "a 100 MB $f: probe exits 0 (exit $rc), max RSS ${rss} kB < $rss_limit" test "$rc" = 0 -a "${rss:-999999}" -lt $rss_limit
done

# ---- absurd CPU sets in the tree: "0-4194303" (the largest cpulist taken)
# in every node and IRQ file; each set once cost 65,536 reallocations.
# (A cpu/online of 4,194,304 CPUs is not here: probing each CPU's files
# is linear, 17 s on this VM, see RELIABILITY.md.) ----
rm -rf "$T" && cp -a "$SRCDIR/tests/trees/small" "$T"
for f in "$T"/sys/devices/system/node/node*/cpulist "$T"/proc/irq/*/smp_affinity_list; do
	echo 0-4194303 > "$f"
done
start=$(date +%s%N)
timeout 60 "$RIGTUNE" --sysroot "$T" probe > /dev/null 2> "$TMP/err"
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
n_hostile=$((n_hostile + 1))
check "cpulists of 4,194,304 CPUs in 8 node and IRQ files: probe exits 0 in ${took} ms (< 5000)" test "$rc" = 0 -a "$took" -lt 5000
timeout 60 "$RIGTUNE" --sysroot "$T" apply --dry-run irq.ini > /dev/null 2>&1
rc=$?
n_hostile=$((n_hostile + 1))
check "... and a dry run of an IRQ profile on them finishes (exit $rc)" test "$rc" != 124

# ---- hostile profiles through apply ----
T=$TMP/tree
rm -rf "$T" && cp -a "$SRCDIR/tests/trees/small" "$T"
mkdir -p "$T/run" "$T/run/rigtune"
manifest "$T" > "$TMP/tree.manifest"
# refused FILE WANT-TEXT: apply FILE exits 2 saying WANT-TEXT; tree untouched
refused() {
	local rc
	timeout 20 "$RIGTUNE" --sysroot "$T" apply "$1" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	n_hostile=$((n_hostile + 1))
	if [ "$rc" = 2 ] && grep -q -- "$2" "$TMP/err"; then ok "apply $(basename "$1") refused: $2"; else
		not_ok "apply $(basename "$1") refused (exit $rc), want '$2'"; diag < "$TMP/err"; fi
	check "... tree untouched" cmp -s <(manifest "$T") "$TMP/tree.manifest"
}
cd "$TMP/p" || exit 2
if [ "$(id -u)" = 0 ]; then
	cp thp.ini ww.ini && chmod 0666 ww.ini
	refused ww.ini "is writable by group/others"
	cp thp.ini gw.ini && chmod 0664 gw.ini
	refused gw.ini "is writable by group/others"
	cp thp.ini foreign.ini && chown 65534:65534 foreign.ini
	refused foreign.ini "is owned by uid 65534, not root"
	printf '[profile]\ninclude = foreign.ini\n' > inc-foreign.ini
	refused inc-foreign.ini "inc-foreign.ini:2: .*foreign.ini: is owned by uid 65534"
else
	skip "ownership and mode checks need root"
fi
refused /dev/zero "is a character device"
printf '[profile]\ninclude = /dev/zero\n' > inc-zero.ini
refused inc-zero.ini "inc-zero.ini:2: /dev/zero: is a character device"
printf '[profile]\ninclude = /dev/stdin\n' > inc-stdin.ini
refused inc-stdin.ini "inc-stdin.ini:2: /dev/stdin: is a"  < /dev/null
mkfifo fifo.ini
refused fifo.ini "is a FIFO"
printf '[profile]\ninclude = fifo.ini\n' > inc-fifo.ini
refused inc-fifo.ini "inc-fifo.ini:2: .*fifo.ini: is a FIFO"
truncate -s 100M sparse-100M.ini
refused sparse-100M.ini "is larger than 1 MiB"
{ echo '[sysctl]'; yes 'vm.swappiness = 1' | head -c 104857600; } > dense-100M.ini
start=$(date +%s%N)
refused dense-100M.ini "is larger than 1 MiB"
took=$((($(date +%s%N) - start) / 1000000))
check "... without reading it (${took} ms < 2000)" test "$took" -lt 2000
rm -f dense-100M.ini sparse-100M.ini
mkdir -p chain
for i in $(seq 0 999); do printf '[profile]\ninclude = c%d.ini\n' $((i + 1)) > chain/c$i.ini; done
printf '[thp]\nenabled = never\n' > chain/c1000.ini
[ "$(id -u)" = 0 ] && chown -R root:root chain
refused chain/c0.ini "includes nested deeper than 16"
# Shell metacharacters are text: refused where they do not fit a value,
# and never run.
profile shell <<EOF
[sysfs]
/sys/kernel/mm/transparent_hugepage/enabled = \$(touch $TMP/pwned)
EOF
refused "$TMP/p/shell.ini" "cannot write\|not one of"
profile shell2 <<EOF
[sysctl]
vm.swappiness = \$(touch $TMP/pwned)
EOF
# A sysctl value is text (kernel.core_pattern is one): on a captured tree
# it is written as it is, a string, which the kernel would refuse for an
# integer knob; it is never given to a shell.
R --sysroot "$T" apply "$TMP/p/shell2.ini" > "$TMP/out" 2>&1
n_hostile=$((n_hostile + 1))
check "a sysctl value \$(touch ...) is written as text" test "$(cat "$T/proc/sys/vm/swappiness")" = "\$(touch $TMP/pwned)"
R --sysroot "$T" revert > /dev/null 2>&1
check "... and reverted" cmp -s <(manifest "$T") "$TMP/tree.manifest"
profile shell3 <<EOF
[sysfs]
/sys/kernel/\`touch $TMP/pwned\` = 1
EOF
refused "$TMP/p/shell3.ini" "shell3.ini:2"
check "no shell ran any of it ($TMP/pwned absent)" test ! -e "$TMP/pwned"
cd "$TMP" || exit 2

# ---- no program is ever executed ----
if command -v strace > /dev/null && strace -f -qq -e trace=execve -o "$TMP/st" true 2> /dev/null; then
	T=$TMP/tree
	rm -rf "$T" && cp -a "$SRCDIR/tests/trees/small" "$T"
	for cmd in "probe --json" "audit epyc-genoa.ini" "apply --dry-run epyc-genoa.ini" "apply epyc-genoa.ini" \
		"revert" "apply $TMP/p/shell.ini" "show epyc-genoa.ini" "snapshot -o $TMP/snap.tar.gz" \
		"report epyc-genoa.ini --format json"; do
		# shellcheck disable=SC2086
		strace -f -qq -e trace=execve -e signal=none -o "$TMP/st" "$RIGTUNE" --sysroot "$T" $cmd > /dev/null 2>&1
		n=$(grep -c 'execve(' "$TMP/st")
		others=$(grep 'execve(' "$TMP/st" | grep -vc "execve(\"$RIGTUNE\"")
		check "rigtune $cmd: one execve, rigtune's own ($n in all, $others others)" test "$n" = 1 -a "$others" = 0
	done
else
	skip "strace not installed or not permitted: execve not traced"
fi

echo "# hostile inputs in this file: $n_hostile"
done_testing
