#!/bin/bash
# rigtune probe, IRQs: a 2-node tree written here (chip-name variants,
# legacy INTx, a NIC whose IRQs run on the other node, a device on node
# -1, irqbalance), the generated Genoa trees (ok: no IRQ attention;
# degraded: the NIC's IRQs on the wrong socket), the live host (every MSI
# vector in /proc/interrupts listed with its BDF) and every fixture.
. "$(dirname "$0")/tap.sh"
# Only the trees this test needs (fixture-trees.sh generates them all).
SHARED_TREES=""
for t in "$SHARED"/fixtures/sysfs/*.tar.bz2; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .tar.bz2); mkdir -p "$TMP/fx/$n" && tar xf "$t" -C "$TMP/fx/$n" 2>/dev/null || continue
	d=$(dirname "$(find "$TMP/fx/$n" -maxdepth 2 -name sys -type d | head -1)")
	SHARED_TREES="$SHARED_TREES $n=$d"
done
genoa() { # NAME ARGS...: a tree from tests/gen/mktree-genoa, or nothing
	local n=$1; shift
	[ -x "$SRCDIR/tests/gen/mktree-genoa" ] && "$SRCDIR/tests/gen/mktree-genoa" "$TMP/$n" "$@" >/dev/null 2>&1 && echo "$TMP/$n"
}

jq_py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); irq={i['irq']: i for i in d['irqs']}; $2" "$1"; }

T=$TMP/tree
node() { # ID CPULIST
	mkdir -p "$T/sys/devices/system/node/node$1"
	echo "$2" > "$T/sys/devices/system/node/node$1/cpulist"
	printf 'Node %s MemTotal:       16777216 kB\n' "$1" > "$T/sys/devices/system/node/node$1/meminfo"
}
dev() { # BDF NODE DRIVER LEGACY MSI...
	local d=$T/sys/bus/pci/devices/$1; shift
	mkdir -p "$d/msi_irqs"
	echo "$1" > "$d/numa_node"; echo "$3" > "$d/irq"
	[ "$2" = - ] || ln -s "../../../bus/pci/drivers/$2" "$d/driver"
	shift 3
	for i in "$@"; do echo msix > "$d/msi_irqs/$i"; done
}
irqdir() { # IRQ AFFINITY EFFECTIVE NODE
	mkdir -p "$T/proc/irq/$1"
	echo "$2" > "$T/proc/irq/$1/smp_affinity_list"; echo ff > "$T/proc/irq/$1/smp_affinity"
	echo "$3" > "$T/proc/irq/$1/effective_affinity_list"; echo "$4" > "$T/proc/irq/$1/node"
}
node 0 0-3; node 1 4-7
mkdir -p "$T/proc/4242"; echo irqbalance > "$T/proc/4242/comm"
cat > "$T/proc/interrupts" <<'EOF'
            CPU0       CPU1       CPU2       CPU3       CPU4       CPU5       CPU6       CPU7
   0:         40          0          0          0          0          0          0          0  IR-IO-APIC    2-edge      timer
  16:          0          0          3          0          0          0          0          0   IO-APIC   16-fasteoi   i801_smbus
  24:          5          0          0          0          0          0          0          0   PCI-MSI-edge      eth0
  30:          0          0          0          0          0        100          0          0  IR-PCI-MSIX-0000:41:00.0    0-edge      mlx5_comp0@pci:0000:41:00.0
  31:          0          0          0          0          0          0        100          0  IR-PCI-MSIX-0000:41:00.0    1-edge      mlx5_comp1@pci:0000:41:00.0
  32:          0          0          0          0          0          0          7          0  PCI-MSIX-0000:42:00.0    0-edge      virtio3-input.0
  40:          1          0          0          0          0          0          0          0   ITS-MSI 524288 Edge      nvme0q0
 NMI:         17         17         17         17         17         17         17         17   Non-maskable interrupts
EOF
dev 0000:00:1f.3 0 i801_smbus 16
dev 0000:01:00.0 0 e1000e 11 24
dev 0000:41:00.0 0 mlx5_core 0 30 31
dev 0000:42:00.0 -1 virtio-pci 0
dev 0000:c1:00.0 1 nvme 0 40
irqdir 0 0 0 -1; irqdir 16 0-7 2 -1; irqdir 24 0-7 1 0
irqdir 30 0-7 5 0; irqdir 31 0-7 6 0; irqdir 32 0-7 6 -1; irqdir 40 4-7 4 1

"$RIGTUNE" --sysroot "$T" probe --json > "$TMP/t.json"; rc=$?
check "synthetic tree: probe --json exits 0" [ $rc -eq 0 ]
check "every numbered IRQ listed, NMI left out" jq_py "$TMP/t.json" 'sys.exit(sorted(irq) != [0,16,24,30,31,32,40])'
check "IR-PCI-MSIX-<BDF> vectors belong to the NIC" jq_py "$TMP/t.json" 'sys.exit(not (irq[30]["device"] == irq[31]["device"] == "0000:41:00.0"))'
check "old PCI-MSI-edge chip: device from msi_irqs" jq_py "$TMP/t.json" 'sys.exit(irq[24]["device"] != "0000:01:00.0" or irq[24]["name"] != "eth0")'
check "PCI-MSIX-<BDF> without msi_irqs: device from the chip name" jq_py "$TMP/t.json" 'sys.exit(irq[32]["device"] != "0000:42:00.0")'
check "ITS-MSI with a separate Edge column: name nvme0q0" jq_py "$TMP/t.json" 'sys.exit(irq[40]["name"] != "nvme0q0" or irq[40]["device"] != "0000:c1:00.0")'
check "legacy INTx: device from its irq file" jq_py "$TMP/t.json" 'sys.exit(irq[16]["device"] != "0000:00:1f.3")'
check "the timer belongs to no device" jq_py "$TMP/t.json" 'sys.exit(irq[0]["device"] is not None)'
check "NIC on node 0, IRQs on CPUs 5 and 6: remote" jq_py "$TMP/t.json" 'sys.exit(not (irq[30]["remote"] and irq[31]["remote"]))'
check "device numa_node -1: not flagged" jq_py "$TMP/t.json" 'sys.exit(irq[32]["remote"] or irq[32]["device_node"] is not None)'
check "local IRQs are not flagged" jq_py "$TMP/t.json" 'sys.exit(irq[24]["remote"] or irq[40]["remote"])'
check "schema keys on every IRQ" jq_py "$TMP/t.json" \
	'sys.exit(not all(all(k in i for k in ("irq","device","name","affinity","effective","managed","remote")) for i in d["irqs"]))'
check "cpulists as strings" jq_py "$TMP/t.json" 'sys.exit(irq[30]["affinity"] != "0-7" or irq[30]["effective"] != "5")'
check "irqbalance seen" jq_py "$TMP/t.json" 'sys.exit(not d["irq_info"]["irqbalance_running"])'

"$RIGTUNE" --sysroot "$T" probe > "$TMP/t.txt"
check "text: the NIC's IRQs on the other node are an attention line" \
	grep -qx "  ! 0000:41:00.0 (mlx5_core): 2 IRQs run on node 1 CPUs, device is on node 0" "$TMP/t.txt"
check "text: one attention line only" [ "$(sed -n '/^IRQs/,$p' "$TMP/t.txt" | grep -c '^  !')" -eq 1 ]
check "text: a summary line per device" grep -q "^  0000:c1:00.0 *nvme: 1 IRQ on CPUs 4 (node 1)" "$TMP/t.txt"
check "text: irqbalance noted" grep -q "irqbalance: *running" "$TMP/t.txt"

if dir=$(genoa ok --nps 1); then
	"$RIGTUNE" --sysroot "$dir" probe > "$TMP/ok.txt"
	check "Genoa (ok): no IRQ attention line" bash -c "! sed -n '/^IRQs/,\$p' '$TMP/ok.txt' | grep -q '^  !'"
	check "Genoa (ok): nvme I/O queues are managed" grep -q "^  0000:c1:00.0 *nvme: .*managed" "$TMP/ok.txt"
else
	skip "tests/gen/mktree-genoa is not there"
fi
if dir=$(genoa deg --nps 1 --variant degraded); then
	"$RIGTUNE" --sysroot "$dir" probe > "$TMP/deg.txt"
	check "Genoa (degraded): the NIC's IRQs on socket 1 are an attention line" \
		grep -q "^  ! 0000:41:00.0 (mlx5_core): [0-9]* IRQs run on node 1 CPUs, device is on node 0" "$TMP/deg.txt"
else
	skip "tests/gen/mktree-genoa is not there"
fi

"$RIGTUNE" probe --json > "$TMP/live.json"; rc=$?
check "live host: exit 0" [ $rc -eq 0 ]
check "live host: every MSI vector in /proc/interrupts is listed with its BDF and action" python3 - "$TMP/live.json" <<'EOF'
import glob, json, os, sys
irqs = {i["irq"]: i for i in json.load(open(sys.argv[1]))["irqs"]}
rows = {}
for line in open("/proc/interrupts").read().splitlines()[1:]:
    head = line.split(":", 1)[0].strip()
    if head.isdigit():
        rows[int(head)] = line.split()[-1]
bad = []
for d in glob.glob("/sys/bus/pci/devices/*/msi_irqs/*"):
    n, bdf = int(os.path.basename(d)), d.split("/")[5]
    if n in rows and (n not in irqs or irqs[n]["device"] != bdf or not irqs[n]["name"].endswith(rows[n])):
        bad.append((n, bdf, irqs.get(n)))
print("# checked", sum(1 for d in glob.glob("/sys/bus/pci/devices/*/msi_irqs/*") if int(os.path.basename(d)) in rows), "vectors")
if bad:
    print("#", bad)
    sys.exit(1)
EOF
check "live host: managed from a read-only smp_affinity only where the file is read-only" python3 - "$TMP/live.json" <<'EOF'
import json, os, stat, sys
for i in json.load(open(sys.argv[1]))["irqs"]:
    if i["managed_source"] == "read-only smp_affinity":
        mode = os.stat("/proc/irq/%d/smp_affinity" % i["irq"]).st_mode
        if mode & 0o222:
            sys.exit(1)
EOF

for pair in $SHARED_TREES; do
	"$RIGTUNE" --sysroot "${pair#*=}" probe > /dev/null; rc=$?
	check "${pair%%=*}: probe exits 0 (IRQs)" [ $rc -eq 0 ]
done
[ -n "$SHARED_TREES" ] || skip "no ../shared fixtures"
done_testing
