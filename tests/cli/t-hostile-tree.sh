#!/bin/bash
# Captured trees are hostile input (issue 13): files that are not files
# (device nodes, FIFOs), hard links to files outside the tree, PCI config
# files that are symlinks out of the tree or FIFOs (libpci must only see
# what the path layer read), writes killed half way, and inputs sized to
# make a quadratic reader take minutes. Each case has a `timeout` so that
# a hang fails the test rather than the suite; no case asserts a time.
. "$SRCDIR/tests/cli/tap.sh"
. "$SRCDIR/tests/cli/scratch.sh"
export LC_ALL=C.UTF-8
unset RIGTUNE_FAULT

mkdir -p "$TMP/outside"
profile_dir
MANIFEST_SKIP=./run/rigtune.lock
fresh() { rm -rf "$T" && cp -a "$SRCDIR/tests/trees/small" "$T"; }
R() { timeout 60 "$RIGTUNE" "$@"; }
T=$TMP/tree
THP=sys/kernel/mm/transparent_hugepage
profile thp <<'EOF'
[thp]
enabled = never
EOF
is_root() { [ "$(id -u)" = 0 ]; }

# ---- on a nodev filesystem (t-hostile-nodev), reads open files directly ----

if [ -n "$RIGTUNE_TEST_NODEV" ] && command -v strace > /dev/null; then
	fresh
	strace -f -o "$TMP/strace" -e trace=open,openat,openat2 "$RIGTUNE" --sysroot "$T" apply --dry-run thp \
		> /dev/null 2>&1
	check "nodev tree: files open directly, none through /proc/self/fd" \
		bash -c '! grep -q "/proc/self/fd/" "$1" && grep -q "transparent_hugepage/enabled" "$1"' _ "$TMP/strace"

	# A mount inside the nodev tree that allows device nodes, over the
	# one PCI device's directory: the probe reads that directory through
	# a view, and must take the O_PATH route there too (its numa_node a
	# device node, resolved but never opened).
	fresh
	P=$(cd "$T/sys/bus/pci/devices" && ls | head -1)
	(cd "$T/sys/bus/pci/devices" && ls | grep -vxF "$P" | xargs rm -rf)
	cp -a "$T/sys/bus/pci/devices/$P" "$TMP/dev-copy"
	if mount -t tmpfs tmpfs "$T/sys/bus/pci/devices/$P" 2>/dev/null; then
		cp -a "$TMP/dev-copy/." "$T/sys/bus/pci/devices/$P/"
		rm -f "$T/sys/bus/pci/devices/$P/numa_node"
		mknod "$T/sys/bus/pci/devices/$P/numa_node" c 1 3
		strace -f -o "$TMP/strace" -e trace=open,openat,openat2 "$RIGTUNE" --sysroot "$T" probe --json \
			> "$TMP/out" 2>&1
		check "nodev tree, a device mount inside it: that device node is never opened" \
			bash -c 'grep -q "\"numa_node\".*O_PATH" "$1" && ! grep "\"numa_node\"" "$1" | grep -vq O_PATH' \
			_ "$TMP/strace"
		umount "$T/sys/bus/pci/devices/$P"
	else
		skip "cannot mount a tmpfs inside the tree"
	fi
fi

# ---- files that are not files ----

fresh
rm "$T/proc/cmdline" && mkfifo "$T/proc/cmdline"
R --sysroot "$T" probe > "$TMP/out" 2>&1
check "proc/cmdline a FIFO: probe ends (exit $?, not 124)" test $? != 124
if is_root && [ -c /dev/kmsg ]; then
	fresh
	rm "$T/proc/cmdline" && mknod "$T/proc/cmdline" c 1 11    # /dev/kmsg
	R --sysroot "$T" probe --json > "$TMP/out" 2> "$TMP/err"
	rc=$?
	check "proc/cmdline the host's /dev/kmsg: probe ends (exit $rc, not 124)" test "$rc" != 124
	check "... and shows nothing of the host's kernel log" \
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=json.dumps(d).lower(); sys.exit("linux version" in c or "kernel command line" in c)' "$TMP/out"
	fresh
	rm "$T/$THP/enabled" && mknod "$T/$THP/enabled" c 1 3    # /dev/null
	R --sysroot "$T" apply thp > "$TMP/out" 2> "$TMP/err"
	rc=$?
	check "THP enabled a device node: apply refused (exit $rc)" test "$rc" = 2
	check "... saying it is not a regular file" grep -q 'not a regular file' "$TMP/err"
	check "... and the node is still a character device" test -c "$T/$THP/enabled"
else
	skip "not root: no device nodes (mknod) to try"
fi

# A hard link carries a write out of the tree: refused, both untouched.
fresh
cp "$T/$THP/enabled" "$TMP/outside/thp" && rm "$T/$THP/enabled" && ln "$TMP/outside/thp" "$T/$THP/enabled"
before=$(sha256sum < "$TMP/outside/thp")
R --sysroot "$T" apply thp > "$TMP/out" 2> "$TMP/err"
rc=$?
check "THP enabled hard-linked to a file outside: apply refused (exit $rc)" test "$rc" = 2
check "... saying it has other hard links" grep -q 'other hard links' "$TMP/err"
check "... and the file outside is untouched" test "$(sha256sum < "$TMP/outside/thp")" = "$before"

# ---- libpci sees only what the path layer read ----

D=$(cd "$SRCDIR/tests/trees/small/sys/bus/pci/devices" && ls | head -1)
C=sys/bus/pci/devices/$D/config
# A PCIe config space no device of the tree has: an x32 link at 2.5 GT/s.
python3 - "$TMP/outside/config" <<'EOF'
import struct, sys
c = bytearray(256)
struct.pack_into('<HHHH', c, 0, 0x15b3, 0x1021, 0, 0x10)   # ids, status: capability list
c[0x0b], c[0x34] = 0x02, 0x40
struct.pack_into('<BBH', c, 0x40, 0x10, 0, 0x0002)         # PCIe capability, v2, endpoint
struct.pack_into('<I', c, 0x4c, 32 << 4 | 1)               # LnkCap: x32, 2.5 GT/s
struct.pack_into('<H', c, 0x52, 32 << 4 | 1)               # LnkSta
open(sys.argv[1], 'wb').write(c)
EOF
link_width() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print([(x.get("link") or {}).get("width") for x in d["pci"]["devices"] if x["bdf"] == sys.argv[2]][0])' "$1" "$D"; }
fresh
ln -s "$TMP/outside/config" "$T/$C"
R --sysroot "$T" probe --json > "$TMP/out" 2> /dev/null
check "$D/config a symlink out of the tree: probe exits 0" test $? = 0
check "... and the config outside is never read (link width $(link_width "$TMP/out"), not 32)" \
	test "$(link_width "$TMP/out")" != 32
rm "$T/$C" && cp "$TMP/outside/config" "$T/$C"
R --sysroot "$T" probe --json > "$TMP/out" 2> /dev/null
check "... while the same bytes inside the tree are read (link width $(link_width "$TMP/out"))" \
	test "$(link_width "$TMP/out")" = 32
fresh
mkfifo "$T/$C"
for cmd in "probe" "audit thp" "apply --dry-run thp"; do
	R --sysroot "$T" $cmd > "$TMP/out" 2>&1
	rc=$?
	check "$D/config a FIFO: '$cmd' ends (exit $rc, not 124)" test "$rc" != 124
done

# ---- torn writes: a kill at any instant leaves the old value or the new ----

if strace -e inject=write:signal=KILL:when=1 true 2> /dev/null; then
	fresh
	old=$(cat "$T/$THP/enabled")
	torn=0 tries=0
	for k in $(seq 1 12); do
		fresh
		strace -o /dev/null -e trace=write,ftruncate,pwrite64,renameat,rename,renameat2 \
			-e inject=write,ftruncate,pwrite64,renameat,rename,renameat2:signal=KILL:when=$k \
			"$RIGTUNE" --sysroot "$T" apply thp > /dev/null 2>&1
		tries=$((tries + 1))
		now=$(cat "$T/$THP/enabled")
		case $now in
		"$old" | "always madvise [never]") ;;
		*) torn=$((torn + 1)); diag "kill at write/rename $k left: '$now'" ;;
		esac
	done
	check "a kill at each of the first $tries writes leaves THP enabled old or new ($torn torn)" test "$torn" = 0
else
	skip "strace cannot inject signals here"
fi

# ---- sizes that made readers quadratic ----

fresh
N=$T/sys/devices/system/node/node0
python3 -c 'print(" ".join(["10"] * 160000))' > "$N/distance"
R --sysroot "$T" probe > /dev/null 2>&1
check "a 160,000-word node distance file: probe ends (exit $?, not 124)" test $? != 124
fresh
python3 -c 'import sys; sys.stdout.write(" ".join("w%d" % i for i in range(800000)) + " [never]\n")' > "$T/$THP/enabled"
R --sysroot "$T" apply --dry-run thp > /dev/null 2>&1
check "an 8 MB THP enabled file: apply --dry-run ends (exit $?, not 124)" test $? != 124

# A --pci-dump listing one address twice is not one machine's.
printf '0000:00:01.0 x\n00: 22 10 80 14 00 00 00 00 00 00 00 06 00 00 00 00\n\n0000:00:01.0 x\n00: 22 10 81 14 00 00 00 00 00 00 00 06 00 00 00 00\n\n' > "$TMP/dup.txt"
R --sysroot "$T" --pci-dump "$TMP/dup.txt" probe --json > "$TMP/out" 2> /dev/null
check "a dump listing 0000:00:01.0 twice: listed once, and pci.error says so" python3 -c '
import json, sys; p = json.load(open(sys.argv[1]))["pci"]
sys.exit(0 if len(p["devices"]) == 1 and "listed twice" in (p["error"] or "") else 1)' "$TMP/out"

# An absurd node MemTotal: kb * 1024 would wrap to a plausible number.
fresh
sed -i 's/MemTotal: *[0-9]*/MemTotal:       18446744073709551 /' "$T/sys/devices/system/node/node0/meminfo"
R --sysroot "$T" probe --json > "$TMP/out" 2> /dev/null
check "an absurd node MemTotal (2^64 bytes): memory unknown, not a wrapped number" python3 -c '
import json, sys; d = json.load(open(sys.argv[1]))
sys.exit(0 if d["numa"]["nodes"][0].get("memory_bytes") is None else 1)' "$TMP/out"

done_testing
