#!/bin/bash
# Hostile input through `rigtune apply` and `revert` on a captured tree:
# paths that climb out of /sys with '..' or symlinks, a hostile journal,
# and every malformed profile of tests/profiles/bad. Each is refused with
# exit 2 and a FILE:LINE message, and the tree (and the host) is untouched.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/scratch.sh"
export LC_ALL=C.UTF-8

profile_dir
R() { "$RIGTUNE" "$@"; }

T=$WORK/tree
cp -a "$SRCDIR/tests/trees/small" "$T"
mkdir -p "$T/etc" && echo 'root:x:0:0:root:/root:/bin/bash' > "$T/etc/passwd"
ln -s ../../etc "$T/sys/kernel/evil"              # relative, climbs out of sys/
ln -s /etc "$T/sys/kernel/abs"                    # absolute: the tree's /etc
ln -s ../../etc "$T/proc/sys/evil"                # out of proc/sys/
mkdir -p "$T/sys/devices/system/cpu/cpufreq/policy0"
mv "$T/sys/devices/system/cpu/cpu0/cpufreq"/* "$T/sys/devices/system/cpu/cpufreq/policy0/"
rmdir "$T/sys/devices/system/cpu/cpu0/cpufreq"
ln -s ../cpufreq/policy0 "$T/sys/devices/system/cpu/cpu0/cpufreq"   # as sysfs does: stays in sys/
H=$T/sys/devices/system/node/node1/hugepages
rm -r "$H/hugepages-2048kB" && ln -s ../../../../../../etc "$H/hugepages-2048kB"
manifest "$T" > "$WORK/tree.manifest"
host_passwd=$(sha256sum /etc/passwd)

# refused NAME LINE TEXT: apply exits 2 with "rigtune: NAME.ini:LINE: ...TEXT"
# (LINE "" for file-level), and the tree is untouched.
refused() {
	local name=$1 line=$2 text=$3 rc
	R --sysroot "$T" apply "$name" > "$WORK/out" 2> "$WORK/err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q "^rigtune: [^ ]*$name.ini${line:+:$line}: .*$text" "$WORK/err"; then
		ok "$name refused: $name.ini${line:+:$line}: $text"
	else
		not_ok "$name refused: $name.ini${line:+:$line}: $text (exit $rc)"
		diag < "$WORK/err"
	fi
	check "$name: tree untouched" cmp -s <(manifest "$T") "$WORK/tree.manifest"
}

profile dotdot <<'EOF'
[sysfs]
/sys/../etc/passwd = pwned
EOF
refused dotdot 2 "not a plain path under /sys/"
profile symlink-out <<'EOF'
[thp]
enabled = never
[sysfs]
/sys/kernel/evil/passwd = pwned
EOF
refused symlink-out 4 "leads out of /sys"
profile symlink-abs <<'EOF'
[sysfs]
/sys/kernel/abs/passwd = pwned
EOF
refused symlink-abs 2 "leads out of /sys"
profile proc-escape <<'EOF'
[sysfs]
/proc/sys/../../etc = pwned
EOF
refused proc-escape 2 "not a plain path under /sys/"
profile sysctl-symlink <<'EOF'
[sysctl]
vm.swappiness = 1
evil.passwd = pwned
EOF
refused sysctl-symlink 3 "leads out of /sys"
profile hugepages-symlink <<'EOF'
[hugepages]
2M.node1 = 8
EOF
refused hugepages-symlink 2 "leads out of /sys"
check "the host's /etc/passwd untouched" test "$(sha256sum /etc/passwd)" = "$host_passwd"

profile inside <<'EOF'
[cpu]
governor = performance
EOF
R --sysroot "$T" apply inside > "$WORK/out" 2>&1
check "a symlink that stays in sys/ (cpuN/cpufreq -> ../cpufreq/policyN) is fine" test $? = 0
check "... and written through" grep -qx performance "$T/sys/devices/system/cpu/cpufreq/policy0/scaling_governor"
R --sysroot "$T" revert > /dev/null 2>&1
check "... and reverted" cmp -s <(manifest "$T" | grep -v ' ./var\| ./run') <(grep -v ' ./var\| ./run' "$WORK/tree.manifest")
rm -rf "$T/var" "$T/run"

# ---- hostile journals: refused before anything is written ----

journal() { mkdir -p "$T/run/rigtune" && printf '%s' "$1" > "$T/run/rigtune/journal"; }
manifest "$T" > "$WORK/tree.manifest"
revert_refused() { # WHAT TEXT
	R --sysroot "$T" revert > "$WORK/out" 2> "$WORK/err"
	check "revert refuses $1 (exit 2)" test $? = 2
	check "... saying $2" grep -q "$2" "$WORK/err"
	check "... tree untouched" cmp -s <(manifest "$T") "$WORK/tree.manifest"
}
head='rigtune-journal 1
boot ""
profile x
'
journal "${head}set thp.enabled sys/kernel/mm/transparent_hugepage/enabled never
set evil etc/passwd pwned
end 2
"
manifest "$T" > "$WORK/tree.manifest"
revert_refused "a journal naming etc/passwd" "journal:5: 'etc/passwd' is not a file rigtune writes"
journal "${head}set evil sys/../etc/passwd pwned
end 1
"
manifest "$T" > "$WORK/tree.manifest"
revert_refused "a journal climbing out with .." "is not a file rigtune writes"
journal "${head}set evil sys/kernel/evil/passwd pwned
end 1
"
manifest "$T" > "$WORK/tree.manifest"
revert_refused "a journal through a symlink out of sys/" "is not a file rigtune writes"
journal "${head}set thp.enabled sys/kernel/mm/transparent_hugepage/enabled never
"
manifest "$T" > "$WORK/tree.manifest"
revert_refused "a journal cut short" "journal:5: the journal is corrupt"
journal "rigtune-journal 99
"
manifest "$T" > "$WORK/tree.manifest"
revert_refused "a journal of another version" "journal:1: the journal is corrupt"
check "the tree's etc/passwd untouched" grep -qx 'root:x:0:0:root:/root:/bin/bash' "$T/etc/passwd"
rm -rf "$T/var"

# rigtune's state directory as a symlink out of the tree: it resolves
# inside the tree, as if the tree were /.
mkdir -p "$WORK/outside" "$T/var/lib"
ln -s "$WORK/outside" "$T/run/rigtune"
profile plain <<'EOF'
[sysctl]
vm.swappiness = 1
EOF
R --sysroot "$T" apply plain > /dev/null 2>&1
check "a run/rigtune symlink to an absolute path stays in the tree" test -z "$(ls -A "$WORK/outside")"
R --sysroot "$T" revert > /dev/null 2>&1
check "... and revert still finds the journal" grep -qx 60 "$T/proc/sys/vm/swappiness"
rm -rf "$T/var" "$T/run" "$T/$WORK"

# ---- the malformed corpus of tests/profiles/bad ----

if [ -d "$SRCDIR/tests/profiles/bad" ]; then
	cp -r "$SRCDIR/tests/profiles/bad" "$WORK/bad"
	chmod -R go-w "$WORK/bad"
	[ "$(id -u)" = 0 ] && chown -R root:root "$WORK/bad"
	manifest "$T" > "$WORK/tree.manifest"
	n=0
	for f in "$WORK"/bad/*.ini; do
		name=${f##*/}
		(cd "$WORK/bad" && timeout 20 "$RIGTUNE" --sysroot "$T" apply "$name" > "$WORK/out" 2> "$WORK/err")
		rc=$?
		if [ "$rc" = 2 ] && head -1 "$WORK/err" | grep -q '^rigtune: [^ ]*: '; then
			ok "bad/$name: exit 2, rigtune: FILE[:LINE]: message"
		else
			not_ok "bad/$name: exit 2, rigtune: FILE[:LINE]: message (exit $rc)"
			diag < "$WORK/err"
		fi
		n=$((n + 1))
	done
	check "the corpus has 30 or more profiles ($n), and apply wrote nothing for any" \
		test "$n" -ge 30 -a -z "$(manifest "$T" | cmp - "$WORK/tree.manifest")"
	check "no journal from any of them" test ! -e "$T/run/rigtune/journal"
else
	skip "no tests/profiles/bad corpus"
fi

done_testing
