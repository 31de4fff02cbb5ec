#!/bin/bash
# t-hostile-tree's cases again on a tree whose filesystem is mounted nodev,
# where the path layer opens files directly (common/sysroot.c,
# open_nodev_file) instead of through O_PATH and /proc/self/fd: device
# nodes, FIFOs, symlinks and hard links out of the tree must be refused
# just the same. The tmpfs is mounted in a mount namespace of this test's
# own (unshare -m as root, unshare -Urm otherwise, where no device node
# can be made); without either, the test is skipped.
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
if [ "$(id -u)" = 0 ]; then
	NS=(unshare -m)
else
	NS=(unshare -Urm)
	export RIGTUNE_TEST_USERNS=1
fi
if ! "${NS[@]}" mount -t tmpfs -o nodev tmpfs "$D" 2> /dev/null; then
	echo "1..0 # SKIP no mount namespace with a nodev tmpfs here (${NS[*]} mount failed)"
	exit 0
fi
export RIGTUNE_TEST_NODEV=1
exec "${NS[@]}" bash -c 'mount -t tmpfs -o nodev tmpfs "$1" && TMPDIR=$1 exec bash "$2"' _ "$D" \
	"$SRCDIR/tests/cli/t-hostile-tree.sh"
