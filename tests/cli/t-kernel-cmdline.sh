#!/bin/bash
# [kernel] cmdline on copies of the kvm-epyc-2cpu snapshot given a boot
# loader's configuration: GRUB (etc/default/grub.d/rigtune.cfg) and
# systemd-boot (etc/kernel/cmdline), the originals kept in
# var/lib/rigtune/originals (not the runtime journal), revert restoring
# them byte for byte, audit's "pending reboot", and apply --bootloader
# running a fake update-grub / kernel-install found in PATH with a fixed
# argv.
. "$SRCDIR/tests/cli/tap.sh"
export LC_ALL=C.UTF-8
SNAP=$SRCDIR/tests/fixtures/kvm-epyc-2cpu.tar.gz
if [ ! -e "$SNAP" ]; then
	echo "ok 1 # SKIP no $SNAP"; echo "1..1"; exit 0
fi
R() { "$RIGTUNE" "$@"; }
tree() { # NAME: a fresh copy of the snapshot
	rm -rf "$TMP/$1" && mkdir -p "$TMP/$1" && tar xzf "$SNAP" -C "$TMP/$1" && echo "$TMP/$1"
}
sums() { (cd "$1" && find . \( -path ./run -o -path ./var \) -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); }
mkdir -p "$TMP/p" "$TMP/bin"
printf '[kernel]\ncmdline = hugepagesz=1G hugepages=64 iommu=pt\n' > "$TMP/p/k.ini"
printf '[kernel]\ncmdline = iommu=pt\n' > "$TMP/p/k2.ini"
# fakes: record argv, one line per call, each argument in brackets
for tool in update-grub kernel-install; do
	cat > "$TMP/bin/$tool" <<-EOF
	#!/bin/sh
	printf '%s' "\$(basename "\$0")" >> "$TMP/calls"
	for a in "\$@"; do printf ' [%s]' "\$a" >> "$TMP/calls"; done
	echo >> "$TMP/calls"
	exit \${FAKE_RC:-0}
	EOF
	chmod +x "$TMP/bin/$tool"
done

# ---- GRUB ----
G=$(tree grub)
mkdir -p "$G/etc/default" && echo 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"' > "$G/etc/default/grub"
sums "$G" > "$TMP/grub.sum"
R --sysroot "$G" apply --dry-run "$TMP/p/k.ini" > "$TMP/out" 2>&1
check "--dry-run: exit 0, nothing written" test $? = 0 -a ! -e "$G/etc/default/grub.d" -a ! -e "$G/var"
R --sysroot "$G" apply "$TMP/p/k.ini" > "$TMP/out" 2>&1; rc=$?
check "GRUB: apply exits 0" test $rc = 0
check "... writes grub.d/rigtune.cfg appending the tokens to GRUB_CMDLINE_LINUX_DEFAULT" \
	grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT hugepagesz=1G hugepages=64 iommu=pt"' \
	"$G/etc/default/grub.d/rigtune.cfg"
check "... leaves /etc/default/grub alone" grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"' "$G/etc/default/grub"
check "... says it takes effect at the next boot" grep -q 'takes effect at the next boot' "$TMP/out"
check "the original (absent, and the grub.d it creates) kept in var/lib/rigtune/originals" \
	grep -qx "absent etc/default/grub.d" "$G/var/lib/rigtune/originals/etc_default_grub.d_rigtune.cfg"
check "... and not in the runtime journal" test ! -e "$G/run/rigtune/journal"
R --sysroot "$G" audit "$TMP/p/k.ini" > "$TMP/out" 2>&1; rc=$?
check "audit: the file is in place" grep -Eq '^PASS +kernel.cmdline ' "$TMP/out"
check "audit: pending reboot, naming the tokens /proc/cmdline lacks (exit 1)" test $rc = 1 -a -n \
	"$(grep -E '^FAIL +kernel.cmdline.booted +hugepagesz=1G hugepages=64 iommu=pt +pending reboot' "$TMP/out")"
# once booted with them, nothing is pending
cp "$G/proc/cmdline" "$TMP/cmdline.saved"
echo "$(cat "$G/proc/cmdline") hugepagesz=1G hugepages=64 iommu=pt" > "$G/proc/cmdline"
R --sysroot "$G" audit "$TMP/p/k.ini" > "$TMP/out" 2>&1
check "audit after the reboot: passes (exit 0)" test $? = 0
cp "$TMP/cmdline.saved" "$G/proc/cmdline"
R --sysroot "$G" apply "$TMP/p/k2.ini" > "$TMP/out" 2>&1
check "a profile with fewer tokens removes the others" \
	grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT iommu=pt"' "$G/etc/default/grub.d/rigtune.cfg"
check "... the first original stays" grep -qx "absent etc/default/grub.d" "$G/var/lib/rigtune/originals/etc_default_grub.d_rigtune.cfg"
: > "$TMP/calls"
PATH=$TMP/bin:$PATH R --sysroot "$G" apply --bootloader "$TMP/p/k2.ini" > "$TMP/out" 2>&1; rc=$?
check "apply --bootloader: exit 0" test $rc = 0
check "... ran update-grub once, with no argument" test "$(cat "$TMP/calls")" = "update-grub"
: > "$TMP/calls"
PATH=$TMP/bin:$PATH FAKE_RC=3 R --sysroot "$G" apply --bootloader "$TMP/p/k2.ini" > "$TMP/out" 2>&1; rc=$?
check "a failing update-grub: exit 2, saying so" test $rc = 2 -a -n "$(grep 'update-grub exited with status 3' "$TMP/out")"
PATH=/nonexistent R --sysroot "$G" apply --bootloader "$TMP/p/k2.ini" > "$TMP/out" 2>&1; rc=$?
check "no update-grub in PATH: exit 2" test $rc = 2 -a -n "$(grep 'cannot run update-grub' "$TMP/out")"
: > "$TMP/calls"
PATH=$TMP/bin:$PATH R --sysroot "$G" apply --dry-run --bootloader "$TMP/p/k2.ini" > "$TMP/out" 2>&1
check "--dry-run --bootloader only shows the command" test -z "$(cat "$TMP/calls")" -a -n "$(grep 'would run update-grub' "$TMP/out")"
R --sysroot "$G" revert > "$TMP/out" 2>&1; rc=$?
check "revert: exit 0, naming the file" test $rc = 0 -a -n "$(grep 'etc/default/grub.d/rigtune.cfg restored' "$TMP/out")"
check "... rigtune.cfg and the grub.d it created removed, the original record dropped" \
	test ! -e "$G/etc/default/grub.d" -a -z "$(ls "$G/var/lib/rigtune/originals" 2>/dev/null)"
check "... every file as before apply" cmp -s <(sums "$G") "$TMP/grub.sum"

# ---- systemd-boot ----
S=$(tree sdboot)
mkdir -p "$S/etc/kernel" && echo 'root=UUID=1234 rw quiet iommu=pt' > "$S/etc/kernel/cmdline"
sums "$S" > "$TMP/sd.sum"
R --sysroot "$S" apply "$TMP/p/k.ini" > "$TMP/out" 2>&1; rc=$?
check "systemd-boot: apply exits 0" test $rc = 0
check "... etc/kernel/cmdline gets the tokens it lacks, once each" \
	grep -qx 'root=UUID=1234 rw quiet iommu=pt hugepagesz=1G hugepages=64' "$S/etc/kernel/cmdline"
R --sysroot "$S" apply "$TMP/p/k.ini" > "$TMP/out" 2>&1
check "a second apply changes nothing" grep -q '^nothing to change' "$TMP/out"
: > "$TMP/calls"
echo 6.99.0-test > "$S/proc/sys/kernel/osrelease"
PATH=$TMP/bin:$PATH R --sysroot "$S" apply --bootloader "$TMP/p/k.ini" > "$TMP/out" 2>&1
check "--bootloader runs kernel-install add RELEASE /boot/vmlinuz-RELEASE" \
	test "$(cat "$TMP/calls")" = "kernel-install [add] [6.99.0-test] [/boot/vmlinuz-6.99.0-test]"
R --sysroot "$S" revert > "$TMP/out" 2>&1
check "revert restores the original line" grep -qx 'root=UUID=1234 rw quiet iommu=pt' "$S/etc/kernel/cmdline"

# ---- no boot loader, and files rigtune must not write ----
N=$(tree none)
R --sysroot "$N" apply --dry-run "$TMP/p/k.ini" > "$TMP/out" 2>&1; rc=$?
check "no boot loader configuration: a skip saying so (exit 0)" test $rc = 0 -a -n "$(grep '^skip kernel.cmdline: no boot loader' "$TMP/out")"
mkdir -p "$N/etc/default" && echo 'GRUB_CMDLINE_LINUX_DEFAULT=""' > "$N/etc/default/grub"
ln -s ../../../outside "$N/etc/default/grub.d"
R --sysroot "$N" apply "$TMP/p/k.ini" > "$TMP/out" 2>&1
check "a grub.d symlink leading out of the root stays inside it" test ! -e "$TMP/outside/rigtune.cfg"
done_testing
