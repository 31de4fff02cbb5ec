#!/bin/bash
# Profile search and size (issue 13): a bare name is looked up only in
# the profile directories, never in the current directory; as root every
# directory up to / is checked as sshd's StrictModes does; the profile
# and all its includes are read up to 4 MiB together.
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C.UTF-8

mkdir -p "$TMP/good" "$TMP/cwd/base-inference" "$TMP/cwd/x"
export RIGTUNE_PROFILE_PATH="$TMP/good"
printf '[profile]\ndescription = the good one\n[thp]\nenabled = never\n' > "$TMP/good/mine.ini"
printf '[profile]\ndescription = planted\n[thp]\nenabled = always\n' > "$TMP/cwd/mine.ini"
chmod 0644 "$TMP"/good/*.ini "$TMP"/cwd/*.ini
R() { timeout 60 "$RIGTUNE" "$@"; }

(cd "$TMP/cwd" && R show mine) > "$TMP/out" 2>&1
check "a bare name: the profile directory's file, not the current directory's" grep -q 'the good one' "$TMP/out"
(cd "$TMP/cwd" && R show ./mine.ini) > "$TMP/out" 2>&1
check "... ./name.ini still reads the current directory's" grep -q 'planted' "$TMP/out"
(cd "$TMP/cwd" && R show base-inference) > "$TMP/out" 2>&1
rc=$?
check "a directory named like a profile in the current directory: not found (exit $rc)" test "$rc" = 2
check "... saying where it looked" grep -q "looked in $TMP/good" "$TMP/out"

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$TMP/ww/sub" && chmod 0777 "$TMP/ww" && chmod 0755 "$TMP/ww/sub"
	cp "$TMP/good/mine.ini" "$TMP/ww/sub/ww.ini"
	R show "$TMP/ww/sub/ww.ini" > "$TMP/out" 2>&1
	rc=$?
	check "a profile two levels under a world-writable directory: refused (exit $rc)" test "$rc" = 2
	check "... naming that directory" grep -q "its directory $TMP/ww is writable by group/others" "$TMP/out"
	chmod 1777 "$TMP/ww"
	R show "$TMP/ww/sub/ww.ini" > /dev/null 2>&1
	check "... but a sticky one (as /tmp) is fine" test $? = 0
	chown 1000 "$TMP/ww"
	R show "$TMP/ww/sub/ww.ini" > "$TMP/out" 2>&1
	check "a directory above owned by uid 1000: refused" grep -q "its directory $TMP/ww is owned by uid 1000" "$TMP/out"
else
	skip "not root: ownership and modes are not checked"
fi

# Six includes of 900 kB each: each under the 1 MiB file limit, 5.4 MB together.
mkdir -p "$TMP/big"
top="[profile]\ninclude ="
for i in 1 2 3 4 5 6; do
	python3 -c 'import sys; sys.stdout.write("; padding padding padding\n" * 36000 + "[thp]\nenabled = never\n")' > "$TMP/big/part$i.ini"
	top="$top part$i,"
done
printf "${top%,}\n" > "$TMP/big/top.ini"
chmod 0644 "$TMP"/big/*.ini
R show "$TMP/big/top.ini" > "$TMP/out" 2>&1
rc=$?
check "six 900 kB includes (5.4 MB together): refused (exit $rc)" test "$rc" = 2
check "... saying the 4 MiB limit, with file and line" grep -q 'top.ini:2: .*past 4 MiB' "$TMP/out"

done_testing
