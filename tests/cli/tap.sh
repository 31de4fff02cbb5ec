# Minimal TAP helpers for rigtune's shell tests (sourced). RIGTUNE is the
# binary under test; SRCDIR the source root; SHARED the ../shared fixtures.
tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND exits 0
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
not() { ! "$@"; }  # check "..." not grep -q ...: passes when the command fails
diag() { sed 's/^/# /' >&2; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
: "${RIGTUNE:?RIGTUNE must name the rigtune binary}"
: "${SRCDIR:?SRCDIR must name the source root}"
SHARED=${SHARED:-$SRCDIR/../shared}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
