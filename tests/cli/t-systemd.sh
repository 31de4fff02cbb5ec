#!/bin/bash
# systemd units: each passes `systemd-analyze verify` without a word of
# complaint (unknown keys are only warnings there, so any output fails),
# keeps the promises the boot integration makes (oneshot, skipped with
# rigtune.disable, able to write kernel tunables, inert until PROFILE is
# set), and scores OK in systemd's offline security review. Works without
# systemd as PID 1: verify only needs the unit files and their ExecStart.
. "$SRCDIR/tests/cli/tap.sh"
BUILDDIR=${BUILDDIR:?BUILDDIR must name the build directory}
units="rigtune.service rigtune-audit.service rigtune-audit.timer rigtune-watch.service"

if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze not installed"
	done_testing
	exit
fi

# verify insists ExecStart= exists: point it at the binary under test. The
# man pages named in Documentation= are looked up too: use the built ones.
mkdir -p "$TMP/units" "$TMP/man/man8" "$TMP/man/man5"
for u in $units; do
	sed -E "s|/[^ ]*/sbin/rigtune |$RIGTUNE |" "$BUILDDIR/systemd/$u" >"$TMP/units/$u"
done
man_opt=--man=no
if [ -f "$BUILDDIR/man/rigtune.8" ] && [ -f "$BUILDDIR/man/rigtune.ini.5" ] && command -v man >/dev/null; then
	cp "$BUILDDIR/man/rigtune.8" "$TMP/man/man8/"
	cp "$BUILDDIR/man/rigtune.ini.5" "$TMP/man/man5/"
	man_opt=--man=yes
fi
verify() { (cd "$TMP/units" && MANPATH=$TMP/man systemd-analyze verify "$man_opt" "$@" 2>&1); }

for u in $units; do
	if out=$(verify "./$u") && [ -z "$out" ]; then
		ok "$u: systemd-analyze verify reports nothing ($man_opt)"
	else
		not_ok "$u: systemd-analyze verify complains"
		echo "$out" | diag
	fi
done

# The check above must be able to fail: a misspelt key is only a warning.
cp "$TMP/units/rigtune.service" "$TMP/units/rigtune-bad.service"
echo "RemainAfterExitt=yes" >>"$TMP/units/rigtune-bad.service"
out=$(verify ./rigtune-bad.service)
check "a misspelt key makes verify speak (so silence means something)" \
	grep -q "Unknown key" <<<"$out"
rm -f "$TMP/units/rigtune-bad.service"

# An ExecStart that points nowhere must fail too.
sed "s|$RIGTUNE |/nonexistent/rigtune |" "$TMP/units/rigtune.service" >"$TMP/units/rigtune-gone.service"
if verify ./rigtune-gone.service >/dev/null; then
	not_ok "verify fails when ExecStart's binary is missing"
else
	ok "verify fails when ExecStart's binary is missing"
fi
rm -f "$TMP/units/rigtune-gone.service"

# What the units promise, read from the installed form (ExecStart as built).
key() { # UNIT KEY: every value of KEY= in UNIT, one a line
	sed -n "s/^$2=//p" "$BUILDDIR/systemd/$1"
}
svc=rigtune.service
check "$svc: Type=oneshot with RemainAfterExit=yes" \
	test "$(key $svc Type)/$(key $svc RemainAfterExit)" = "oneshot/yes"
check "$svc: skipped when rigtune.disable is on the kernel command line" \
	test "$(key $svc ConditionKernelCommandLine)" = '!rigtune.disable'
check "$svc: after systemd-sysctl and systemd-modules-load" \
	grep -qE '^After=.*systemd-sysctl\.service.*systemd-modules-load\.service' "$BUILDDIR/systemd/$svc"
check "$svc: before irqbalance" grep -qE '^Before=.*irqbalance\.service' "$BUILDDIR/systemd/$svc"
check "$svc: wanted by multi-user.target" test "$(key $svc WantedBy)" = multi-user.target
check "$svc: applies \${PROFILE} from /etc/rigtune/rigtune.conf" \
	test "$(key $svc ExecStart | sed -E 's|^/[^ ]*/||')" = 'rigtune apply ${PROFILE}' -a \
	"$(key $svc EnvironmentFile | sed -E 's|^-/.*/rigtune/||')" = rigtune.conf
for u in rigtune.service rigtune-watch.service; do
	if grep -qE '^(ProtectKernelTunables|PrivateNetwork|ProtectProc|ProcSubset)=' "$BUILDDIR/systemd/$u"; then
		not_ok "$u: nothing hides or freezes /sys, /proc/sys or /proc/irq"
	else
		ok "$u: nothing hides or freezes /sys, /proc/sys or /proc/irq"
	fi
	check "$u: ProtectSystem=strict, NoNewPrivileges, netlink and unix sockets only" \
		test "$(key $u ProtectSystem)/$(key $u NoNewPrivileges)/$(key $u RestrictAddressFamilies)" = \
		"strict/yes/AF_UNIX AF_NETLINK"
done
check "rigtune-audit.service: writes node_exporter's textfile directory" \
	grep -qE '^ExecStart=.* report \$\{PROFILE\} .*--format prometheus -o /var/lib/prometheus/node-exporter/rigtune\.prom' \
	"$BUILDDIR/systemd/rigtune-audit.service"
check "rigtune-audit.service: failed checks (exit 1) do not fail the unit" \
	test "$(key rigtune-audit.service SuccessExitStatus)" = 1
check "rigtune-audit.timer: hourly and after boot" \
	test "$(key rigtune-audit.timer OnCalendar)" = hourly -a -n "$(key rigtune-audit.timer OnBootSec)"
check "rigtune-watch.service: runs rigtune watch \${PROFILE}" \
	test "$(key rigtune-watch.service ExecStart | sed -E 's|^/[^ ]*/||')" = 'rigtune watch ${PROFILE}'

# Inert until PROFILE is set: run each unit's condition command with
# ${PROFILE} expanded as systemd does (it stands in quotes: one argument);
# systemd skips the unit when it exits 1.
run_cond() { # COMMAND VALUE
	eval "${1//\$\{PROFILE\}/$2}"
}
for u in rigtune.service rigtune-audit.service rigtune-watch.service; do
	cond=$(key $u ExecCondition)
	if [ -n "$cond" ] && ! run_cond "$cond" "" && run_cond "$cond" epyc-genoa; then
		ok "$u: skipped while PROFILE is unset, runs once it is set"
	else
		not_ok "$u: skipped while PROFILE is unset, runs once it is set ($cond)"
	fi
done

# systemd's own review of the sandboxing: "OK" (below 4.0) or better.
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	for u in rigtune.service rigtune-audit.service rigtune-watch.service; do
		line=$( (cd "$TMP/units" && systemd-analyze security --offline=true "./$u" 2>&1) | tail -1)
		score=$(sed -nE 's/.*: ([0-9.]+) .*/\1/p' <<<"$line")
		if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s < 4.0) }'; then
			ok "$u: exposure $score in systemd-analyze security"
		else
			not_ok "$u: exposure below 4.0 in systemd-analyze security ($line)"
		fi
	done
else
	skip "systemd-analyze security --offline not available"
fi
done_testing
