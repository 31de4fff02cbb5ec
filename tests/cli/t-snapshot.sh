#!/bin/bash
# rigtune snapshot: the tarball unpacked is a valid --sysroot that probes
# the same as the source, keeps PCI symlinks, and holds nothing private.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/fixture-trees.sh"

# probe --json without what only the live host can tell: the CPUID
# hypervisor leaf, NVML and /dev/hsmp are not files.
portable_probe() {
	"$RIGTUNE" --sysroot "$1" probe --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
d["host"].pop("virtualization", None)
for k in ("nvlink", "nvlink_note", "nvlink_gpus", "socket_link"):
    d["links"].pop(k, None)
json.dump(d, sys.stdout, indent=1, sort_keys=True)'
}
same_probe() { # DIR1 DIR2
	diff <(portable_probe "$1") <(portable_probe "$2") > "$TMP/d" || { head -20 "$TMP/d" | diag; return 1; }
}

"$RIGTUNE" snapshot -o "$TMP/live.tar.gz" > "$TMP/out"; rc=$?
check "snapshot of this host exits 0" [ $rc -eq 0 ]
check "snapshot says what it wrote" grep -q "files" "$TMP/out"
mkdir -p "$TMP/live" && tar xzf "$TMP/live.tar.gz" -C "$TMP/live"
check "the live snapshot probes like the live host" same_probe / "$TMP/live"
check "nothing from processes goes in (no proc/<pid>, environ, cmdline of processes)" \
	bash -c "! tar tzf '$TMP/live.tar.gz' | grep -Eq '^proc/([0-9]|self)|environ|/keys'"
check "only sys/ and proc/ go in" bash -c "! tar tzf '$TMP/live.tar.gz' | grep -Evq '^(sys|proc)/'"
if [ -d /sys/bus/pci/devices ] && ls /sys/bus/pci/devices | grep -q .; then
	check "PCI devices are kept as relative symlinks" \
		bash -c "tar tvzf '$TMP/live.tar.gz' | grep -q 'sys/bus/pci/devices/.* -> \.\./'"
fi
"$RIGTUNE" snapshot 2>/dev/null; rc=$?
check "snapshot without -o is a usage error (exit 2)" [ $rc -eq 2 ]
"$RIGTUNE" snapshot -o /nonexistent-dir/x.tar.gz 2>/dev/null; rc=$?
check "an unwritable output is exit 2" [ $rc -eq 2 ]

for pair in $TREES; do
	name=${pair%%=*}; dir=${pair#*=}
	"$RIGTUNE" --sysroot "$dir" snapshot -o "$TMP/$name.tar.gz" > /dev/null; rc=$?
	check "$name: snapshot of a captured tree exits 0" [ $rc -eq 0 ]
	mkdir -p "$TMP/re-$name" && tar xzf "$TMP/$name.tar.gz" -C "$TMP/re-$name"
	check "$name: its snapshot probes the same" same_probe "$dir" "$TMP/re-$name"
done
done_testing
