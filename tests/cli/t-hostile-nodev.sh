#!/bin/bash
# t-hostile-tree's cases again on a tree whose filesystem is mounted nodev,
# where the path layer opens files directly (common/sysroot.c,
# open_nodev_file) instead of through O_PATH and /proc/self/fd: device
# nodes, FIFOs, symlinks and hard links out of the tree must be refused
# just the same. The tmpfs is mounted in a mount namespace of this test's
# own (unshare -m), which takes root: in a user namespace the profiles'
# directories would belong to nobody (and apply refuses such a profile),
# and no device node could be made.
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP not root: no mount namespace with a nodev tmpfs (unshare -m)"
	exit 0
fi
if ! unshare -m mount -t tmpfs -o nodev tmpfs "$D" 2> /dev/null; then
	echo "1..0 # SKIP unshare -m cannot mount a nodev tmpfs here"
	exit 0
fi
export RIGTUNE_TEST_NODEV=1
exec unshare -m bash -c 'mount -t tmpfs -o nodev tmpfs "$1" && TMPDIR=$1 exec bash "$2"' _ "$D" \
	"$SRCDIR/tests/cli/t-hostile-tree.sh"
