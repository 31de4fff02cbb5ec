#!/bin/bash
# The command line itself: every command's --help lists every option its
# parser takes (and the global ones); -v is repeatable (-vv says more than
# -v); colour follows --color=auto|always|never, TERM=dumb and NO_COLOR.
. "$SRCDIR/tests/cli/tap.sh"
R() { "$RIGTUNE" "$@"; }
SMALL=$SRCDIR/tests/trees/small

# The long options each command file's getopt tables hold, against the
# --help of the command that owns the file.
for pair in apply:apply bench:bench report:report snapshot:snapshot watch:watch; do
	file=${pair%%:*} cmd=${pair#*:}
	opts=$(grep -oE '\{"[a-z-]+", *(no|required|optional)_argument' "$SRCDIR/cli/cmd-$file.c" | sed -E 's/\{"([a-z-]+)".*/--\1/' | sort -u)
	help=$(R "$cmd" --help)
	[ "$cmd" = apply ] && help="$help
$(R revert --help)"   # cmd-apply.c parses revert's options too
	missing=""
	for o in $opts; do grep -qE -- "(^| )$o( |$|=|,)" <<<"$help" || missing="$missing $o"; done
	check "$cmd --help lists all $(echo $opts | wc -w) of its options${missing:+ (missing:$missing)}" test -n "$opts" -a -z "$missing"
done
check "bench --help lists --quick, --scope, --isa and --smt" bash -c 'h=$("$0" bench --help); for o in --quick --scope --isa --smt; do grep -q -- "^  $o " <<<"$h" || exit 1; done' "$RIGTUNE"
check "verify --help lists --json and --quick" bash -c 'h=$("$0" verify --help); grep -q -- "^  --json " <<<"$h" && grep -q -- "^  --quick " <<<"$h"' "$RIGTUNE"
cmds=$(sed -nE 's/^[[:space:]]*\{"([a-z]+)", cmd_[a-z]+,.*/\1/p' "$SRCDIR/cli/main.c")
bad=""
for c in $cmds; do
	help=$(R "$c" --help)
	usage=$(head -1 <<<"$help")
	# every option of the usage line is explained under Options, and the global options follow
	for o in $(grep -oE -- '--[a-z-]+' <<<"$usage"); do
		sed -n '/^Options:/,/^Global/p' <<<"$help" | grep -qE -- "^  (-[a-z], )?$o( |$)" || bad="$bad $c:$o"
	done
	for g in --sysroot --pci-dump --json --color -v; do grep -qE -- "^  (-[a-z], )?$g[ =[,]" <<<"$help" || bad="$bad $c:$g"; done
done
check "every command's --help explains the options of its usage line and lists the global ones${bad:+ (missing:$bad)}" test -z "$bad"

R --sysroot "$SMALL" -v probe >/dev/null 2>"$TMP/v1"
R --sysroot "$SMALL" -vv probe >/dev/null 2>"$TMP/v2"
R --sysroot "$SMALL" -v probe -v >/dev/null 2>"$TMP/v3"
check "-vv says how long probing took; -v alone does not" \
	bash -c 'grep -q "^rigtune: probed .* ms" "$1" && ! grep -q "probed" "$2"' _ "$TMP/v2" "$TMP/v1"
check "-v -v counts as -vv" grep -q "^rigtune: probed" "$TMP/v3"

esc=$'\033['
R --sysroot "$SMALL" --color=always audit base-inference >"$TMP/always" 2>/dev/null
check "--color=always colours a pipe" grep -qF "$esc" "$TMP/always"
R --sysroot "$SMALL" --color audit base-inference >"$TMP/bare" 2>/dev/null
check "--color alone is always" grep -qF "$esc" "$TMP/bare"
R --sysroot "$SMALL" audit base-inference >"$TMP/auto" 2>/dev/null
check "auto: no colour in a pipe" bash -c '! grep -qF "$1" "$2"' _ "$esc" "$TMP/auto"
R --sysroot "$SMALL" --color=never audit base-inference >/dev/null 2>&1
R --color=sometimes probe >/dev/null 2>"$TMP/err"; rc=$?
check "--color=sometimes: exit 2, saying the choices" bash -c '[ "$1" = 2 ] && grep -q "auto, always, never" "$2"' _ $rc "$TMP/err"
if command -v script >/dev/null; then
	# on a terminal (script gives one): colour unless TERM=dumb, NO_COLOR or --color=never
	tty_run() { env -u NO_COLOR "$@" script -qec "\"$RIGTUNE\" --sysroot \"$SMALL\" $TTY_ARGS audit base-inference" /dev/null 2>/dev/null; }
	TTY_ARGS= tty_run TERM=xterm >"$TMP/tty"
	check "auto on a terminal: colour" grep -qF "$esc" "$TMP/tty"
	TTY_ARGS= tty_run TERM=dumb >"$TMP/dumb"
	check "auto on a terminal with TERM=dumb: no colour" bash -c '! grep -qF "$1" "$2"' _ "$esc" "$TMP/dumb"
	TTY_ARGS= tty_run TERM=xterm NO_COLOR=1 >"$TMP/nocolor"
	check "auto on a terminal with NO_COLOR=1: no colour" bash -c '! grep -qF "$1" "$2"' _ "$esc" "$TMP/nocolor"
	TTY_ARGS=--color=never tty_run TERM=xterm >"$TMP/never"
	check "--color=never on a terminal: no colour" bash -c '! grep -qF "$1" "$2"' _ "$esc" "$TMP/never"
else
	skip "script(1) not installed: colour on a terminal not tested"
fi
done_testing
