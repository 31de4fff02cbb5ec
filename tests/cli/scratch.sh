# Scratch space for shell tests that write trees and profiles (sourced
# after tap.sh): WORK (where trees go; $TMP unless scratch_on_tmpfs), a
# profile directory first on RIGTUNE_PROFILE_PATH, and a tree's manifest
# to prove that nothing in it changed.
WORK=$TMP

# scratch_on_tmpfs NAME: WORK on /dev/shm when there is one: a generated
# tree of 30 000 files takes under a second there, a minute on a busy disk.
scratch_on_tmpfs() {
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		WORK=$(mktemp -d "/dev/shm/$1.XXXXXX") && trap 'rm -rf "$TMP" "$WORK"' EXIT || WORK=$TMP
	fi
}

# profile_dir [DIR...]: profiles are looked up in $WORK/p, then in DIRs.
profile_dir() {
	local path=$WORK/p dir

	mkdir -p "$WORK/p"
	for dir in "$@"; do path=$path:$dir; done
	export RIGTUNE_PROFILE_PATH=$path
}

# profile NAME: stdin to $WORK/p/NAME.ini, as root would require it
profile() {
	cat > "$WORK/p/$1.ini" && chmod 0644 "$WORK/p/$1.ini"
	[ "$(id -u)" = 0 ] && chown root:root "$WORK/p/$1.ini"
	return 0
}

# manifest DIR: every entry of DIR (type, mode, path, link target) and the
# content of every file, but the paths in MANIFEST_SKIP (e.g. "./run ./var",
# rigtune's own state, or "./run/rigtune.lock").
MANIFEST_SKIP=""
manifest() {
	local skip=() path

	for path in $MANIFEST_SKIP; do skip+=(-path "$path" -prune -o); done
	(cd "$1" && find . "${skip[@]}" -printf '%y %m %p %l\n' | LC_ALL=C sort &&
		find . "${skip[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
