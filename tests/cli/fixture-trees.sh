# Fixture trees for shell tests (sourced after tap.sh). Sets TREES to
# "name=dir" pairs: rigtune's own (snapshots in tests/fixtures, trees
# written by tests/gen) and, when ../shared is there, the real machines in
# ../shared/fixtures/sysfs (their names also in SHARED_TREES).
# Trees are READ-ONLY for tests: copy one (cp -a) before writing to it.
# Each is built once per build directory and shared between tests (a
# generated tree is 30 000 files); a stamp of the generators' contents
# rebuilds them when a generator changes.
TREES=""
SHARED_TREES=""
TREE_CACHE=${BUILDDIR:-$TMP}/test-trees
mkdir -p "$TREE_CACHE"

# cached_tree NAME STAMP-TEXT COMMAND...: run COMMAND DIR once per stamp.
cached_tree() {
	local name=$1 stamp=$2 dir="$TREE_CACHE/$1"; shift 2
	(
		flock 9
		if [ "$(cat "$dir.stamp" 2>/dev/null)" != "$stamp" ]; then
			rm -rf "$dir" "$dir.stamp" && mkdir -p "$dir" &&
				"$@" "$dir" >/dev/null && echo "$stamp" > "$dir.stamp"
		fi
	) 9>"$TREE_CACHE/$name.lock"
	[ -f "$dir.stamp" ] && TREES="$TREES $name=$dir"
}

untar_into() { # TARBALL DIR: unpack; hwloc's tarballs hold one top directory
	tar xf "$1" -C "$2" 2>/dev/null || return 1
	if [ ! -d "$2/sys" ]; then
		local top
		top=$(find "$2" -mindepth 2 -maxdepth 2 -name sys -type d | head -1)
		[ -n "$top" ] && mv "$(dirname "$top")"/* "$2"/ && rmdir "$(dirname "$top")"
	fi
}

for t in "$SRCDIR"/tests/fixtures/*.tar.gz; do
	[ -e "$t" ] && cached_tree "$(basename "$t" .tar.gz)" "$(sha1sum < "$t")" untar_into "$t"
done
gen_stamp=$(cat "$SRCDIR"/tests/gen/* 2>/dev/null | sha1sum)
gen_tree() { # NAME SCRIPT ARGS...
	local name=$1 script=$2; shift 2
	[ -x "$SRCDIR/tests/gen/$script" ] || return 0
	gen_run() { local dir=${*: -1}; "$SRCDIR/tests/gen/$script" "$dir" "${@:1:$#-1}"; }
	cached_tree "$name" "$gen_stamp $*" gen_run "$@"
}
gen_tree genoa-nps1 mktree-genoa --nps 1
gen_tree genoa-nps4 mktree-genoa --nps 4
gen_tree genoa-degraded mktree-genoa --nps 1 --variant degraded
gen_tree mi300x mktree-mi300x
gen_tree hgx-h100 mktree-hgx
if [ -d "$SHARED/fixtures/sysfs" ]; then
	for t in "$SHARED"/fixtures/sysfs/*.tar.bz2; do
		n=$(basename "$t" .tar.bz2)
		before=$TREES
		cached_tree "$n" "$(sha1sum < "$t")" untar_into "$t"
		[ "$TREES" != "$before" ] && SHARED_TREES="$SHARED_TREES $n"
	done
fi
# tree_dir NAME: the directory of a tree in TREES, or nothing.
tree_dir() { local p; for p in $TREES; do [ "${p%%=*}" = "$1" ] && echo "${p#*=}"; done; }
