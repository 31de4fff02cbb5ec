#!/bin/bash
# Rig certification: hardware findings are checks with no profile line
# asking. Genoa trees with planted faults (tests/gen/mktree-genoa --plant)
# fail audit with each fault a failing check naming its device; benign
# look-alikes (an idle GPU in an x8-wired slot, a Gen4 drive under a Gen5
# port) fail nothing. The PCIe verdicts are compared, on every tree, with
# an independent reading of the tree (tests/cli/pcie-oracle over sysfs,
# and over `lspci -F` of an lspci dump). Waivers, gpu_link_width_min,
# recommend and status too.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/fixture-trees.sh"
export LC_ALL=C.UTF-8

WORK=$TMP
if [ -d /dev/shm ] && [ -w /dev/shm ]; then   # 30 000 files a tree: tmpfs is much faster
	WORK=$(mktemp -d /dev/shm/t-findings.XXXXXX) && trap 'rm -rf "$TMP" "$WORK"' EXIT || WORK=$TMP
fi
mkdir -p "$WORK/p"
export RIGTUNE_PROFILE_PATH="$WORK/p:$SRCDIR/profiles"
profile() { cat > "$WORK/p/$1.ini" && chmod 0644 "$WORK/p/$1.ini"; }
R() { "$RIGTUNE" "$@"; }
ORACLE=$SRCDIR/tests/cli/pcie-oracle
# pyjson FILE EXPR: a Python expression over d (the document) must hold.
pyjson() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
# status_of FILE ID: the status of one check of an audit --json document.
status_of() { python3 -c 'import json,sys; print(" ".join(c["status"] for c in json.load(open(sys.argv[1]))["checks"] if c["id"] == sys.argv[2]) or "none")' "$1" "$2"; }
failing_links() { python3 -c 'import json,sys; print("".join(l + "\n" for l in sorted(c["id"][len("pcie.link."):] for c in json.load(open(sys.argv[1]))["checks"] if c["id"].startswith("pcie.link.") and c["status"] == "fail")), end="")' "$1"; }

# A profile every healthy generated Genoa passes: only what the tree has.
profile quiet <<'EOF2'
[thp]
enabled = madvise
EOF2

plant() { # NAME ARGS...: a Genoa tree with faults planted, under $WORK
	local name=$1; shift
	python3 "$SRCDIR/tests/gen/mktree-genoa" "$WORK/$name" "$@" > /dev/null 2>&1
}
OK=$(tree_dir genoa-nps1)    # the healthy Genoa, shared read-only
if [ -z "$OK" ] || ! plant all --plant nvme-x2,gpu-x8,nic-irq-far,empty-channel; then
	skip "tests/gen/mktree-genoa cannot run here"
	done_testing
	exit
fi

R --sysroot "$OK" audit quiet --json > "$WORK/ok.json"
check "healthy Genoa: the quiet profile passes (exit 0)" test $? = 0
check "healthy Genoa: the Gen4 drive under a Gen5 root port is no finding" \
	test "$(status_of "$WORK/ok.json" pcie.link.0000:c1:00.0) $(status_of "$WORK/ok.json" pcie.slot.0000:c1:00.0)" = "none none"

# ---- the planted faults (one tree: 30 000 files each) ----
R --sysroot "$WORK/all" audit quiet --json > "$WORK/all.json"
check "planted faults: exit 1" test $? = 1
R --sysroot "$WORK/all" audit base-inference > /dev/null 2>&1
check "planted faults: audit base-inference exits 1" test $? = 1
check "each planted fault is its own failing check, nothing else fails" pyjson "$WORK/all.json" \
	"{c['id'] for c in d['checks'] if c['status'] == 'fail'} == {'pcie.link.0000:c1:00.0', 'pcie.link.0000:01:00.0', 'irq.locality.0000:41:00.0', 'memory.channels.socket0', 'memory.channels.socket1'}"
check "... and the summary counts them" pyjson "$WORK/all.json" "d['summary']['fail'] == 5"
names() { # ID TEXT DESCRIPTION
	check "$3" pyjson "$WORK/all.json" \
		"any(c['id'] == '$1' and '$2' in (c['subject'] or '') + ' ' + (c['actual'] or '') for c in d['checks'])"
}
names pcie.link.0000:c1:00.0 "trained at Gen4 x2" "NVMe trained x2 of x4: its width"
names pcie.link.0000:c1:00.0 "can do Gen4 x4" "... what both ends can do"
names pcie.link.0000:c1:00.0 "limiting hop 0000:c0:01.1" "... and the port to look at"
names pcie.link.0000:01:00.0 "0000:01:00.0 " "x16 GPU trained x8 behind an x16 port: the GPU"
names pcie.link.0000:01:00.0 "trained at Gen4 x8" "... its width"
names pcie.link.0000:01:00.0 "limiting hop 0000:00:01.1" "... and its port"
names irq.locality.0000:41:00.0 "0000:41:00.0 " "NIC IRQs on the far node: the NIC"
names irq.locality.0000:41:00.0 "outside its node 0" "... and where they run"
names memory.channels.socket0 "11 of 12 channels" "an empty channel on socket 0"

# ---- benign look-alikes fail nothing ----
plant idle --plant gpu-idle-x8slot,empty-slot
R --sysroot "$WORK/idle" audit quiet --json > "$WORK/idle.json"
check "idle GPU in an x8-wired slot, and an empty slot: exit 0" test $? = 0
check "... the empty slot is no finding" pyjson "$WORK/idle.json" "not any('0000:80:01.1' in c['id'] for c in d['checks'])"
R --sysroot "$WORK/idle" probe -v > "$WORK/probe.txt"
check "probe: a root port with its link down and nothing below is an empty slot" \
	grep -Eq '^  0000:80:01.1 .* empty slot \(link down; Gen5 x16 capable\)$' "$WORK/probe.txt"
R --sysroot "$WORK/idle" probe --json > "$WORK/probe.json"
check "... width 0 in JSON, as lspci's x0" pyjson "$WORK/probe.json" \
	"[(x['link']['width'], x['link']['empty_slot']) for x in d['pci']['devices'] if x['bdf'] == '0000:80:01.1'] == [(0, True)]"
check "... an info finding, not a fault" test "$(status_of "$WORK/idle.json" pcie.link.0000:01:00.0)" = info
check "... counted as info" pyjson "$WORK/idle.json" "d['summary']['info'] >= 1 and d['summary']['fail'] == 0"
plant x8slot --plant gpu-x8slot
R --sysroot "$WORK/x8slot" audit quiet --json > "$WORK/x8slot.json"
check "busy x16 GPU in an x8-wired slot: exit 0" test $? = 0
check "... info with the bandwidth it costs" pyjson "$WORK/x8slot.json" \
	"any(c['status'] == 'info' and 'costs 15.75 GB/s' in c['actual'] for c in d['checks'] if c['id'] == 'pcie.slot.0000:01:00.0')"
profile wide <<'EOF2'
[thp]
enabled = madvise
[expect]
gpu_link_width_min = 16
EOF2
R --sysroot "$WORK/x8slot" audit wide > "$WORK/out" 2>&1
check "gpu_link_width_min = 16 makes the x8 slot a failure (exit 1)" test $? = 1
check "... naming the GPU and its width" grep -Eq '^FAIL +expect.gpu_link_width_min .*0000:01:00.0 x8' "$WORK/out"
R --sysroot "$OK" audit wide > /dev/null 2>&1
check "... and skips (exit 0) on a host without a GPU" test $? = 0

# ---- waivers ----
profile waived <<'EOF2'
[thp]
enabled = madvise
[expect]
waive = pcie.link.0000:c1:00.0, memory.channels.*, no.such.finding
EOF2
R --sysroot "$WORK/all" audit waived --json > "$WORK/w.json"
check "waived: the NVMe link and both channels no longer fail" pyjson "$WORK/w.json" \
	"{c['id'] for c in d['checks'] if c['status'] == 'fail'} == {'pcie.link.0000:01:00.0', 'irq.locality.0000:41:00.0'}"
check "... each waived finding shows its waiver's file:line" pyjson "$WORK/w.json" \
	"all(c['status'] == 'info' and c['source'].endswith('waived.ini:4') for c in d['checks'] if c['id'] in ('pcie.link.0000:c1:00.0', 'memory.channels.socket0', 'memory.channels.socket1'))"
check "... a waiver that matches nothing is reported, with its line" pyjson "$WORK/w.json" \
	"any(c['id'] == 'waive.no.such.finding' and c['status'] == 'warn' and c['source'].endswith('waived.ini:4') for c in d['checks'])"
profile waiveall <<'EOF2'
[thp]
enabled = madvise
[expect]
waive = pcie.link.*, irq.locality.0000:41:00.0, memory.channels.*
EOF2
R --sysroot "$WORK/all" audit waiveall > "$WORK/out" 2>&1
check "waiving every fault: exit 0" test $? = 0
check "... and the text says so" grep -Eq '^INFO +pcie.link.0000:c1:00.0 .*waiveall.ini:4$' "$WORK/out"
profile badwidth <<'EOF2'
[expect]
gpu_link_width_min = 12
EOF2
R --sysroot "$OK" audit badwidth > /dev/null 2> "$WORK/err"
check "gpu_link_width_min = 12: profile error with file:line (exit 2)" \
	bash -c "[ $? = 2 ] && grep -q 'badwidth.ini:2' '$WORK/err'"

# ---- report: every format counts the findings ----
R --sysroot "$WORK/all" report quiet --no-bench --format junit -o "$WORK/r.xml" 2>/dev/null
check "report junit: the link is a failure testcase" \
	python3 -c 'import sys, xml.etree.ElementTree as E; sys.exit(0 if any(t.get("name") == "pcie.link.0000:c1:00.0" and t.find("failure") is not None for t in E.parse(sys.argv[1]).iter("testcase")) else 1)' "$WORK/r.xml"
R --sysroot "$WORK/all" report quiet --no-bench --format prometheus -o "$WORK/r.prom" 2>/dev/null
check "report prometheus: the link check is 0" grep -q '^rigtune_check_passed{check="pcie.link.0000:c1:00.0",profile="quiet"} 0$' "$WORK/r.prom"
check "report prometheus: the link check's status is fail (2)" grep -q '^rigtune_check_status{check="pcie.link.0000:c1:00.0",profile="quiet"} 2$' "$WORK/r.prom"
R --sysroot "$WORK/all" report quiet --no-bench > "$WORK/r.txt" 2>/dev/null
check "report text: verdict FAIL counting the findings" grep -q '^Verdict: FAIL — 1 pass, 5 fail' "$WORK/r.txt"
check "... each with its device" grep -q '^        on 0000:01:00.0 .*: trained at Gen4 x8' "$WORK/r.txt"
R --sysroot "$WORK/all" report quiet --no-bench --format html -o "$WORK/r.html" 2>/dev/null
check "report html: counts the findings" grep -q 'FAIL: 1 pass, 5 fail, 0 skip, 0 error, 0 warn, 0 info' "$WORK/r.html"

# ---- report: which machine it is ----
hgx=$(tree_dir hgx-h100)
if [ -n "$hgx" ]; then
	R --sysroot "$hgx" report gpu-server-nvidia --no-bench > "$WORK/m.txt" 2>/dev/null
	check "report names the machine (SMBIOS type 1, 2, 0)" bash -c "grep -q '^  system:   NVIDIA DGXH100\$' '$WORK/m.txt' && grep -q '^  BIOS:     American Megatrends' '$WORK/m.txt'"
	check "... no serial number without --serials" bash -c "! grep -qi serial '$WORK/m.txt'"
	check "... no hostname for a captured tree" bash -c "! grep -q '^  host:' '$WORK/m.txt'"
	R --sysroot "$hgx" report gpu-server-nvidia --no-bench --serials --format json -o "$WORK/m.json" 2>/dev/null
	check "report JSON: 32 DIMMs with part numbers, 8 GPUs with their links" pyjson "$WORK/m.json" \
		"len(d['machine']['dimms']) == 32 and all(x['part_number'] for x in d['machine']['dimms']) and len(d['machine']['gpus']) == 8 and [g['link'] for g in d['machine']['gpus'] if g['bdf'] == '0000:9d:00.0'] == ['Gen4 x16']"
	check "... serials with --serials" pyjson "$WORK/m.json" "d['machine']['sys_serial'] and all(x['serial'] for x in d['machine']['dimms'])"
else
	skip "the hgx-h100 tree is not available"
fi

# ---- the PCIe verdicts against an independent reading of each tree ----
oracle_sysfs() { # NAME DIR
	R --sysroot "$2" audit --json > "$WORK/o.json" 2>"$WORK/o.err"
	if [ $? -gt 1 ]; then not_ok "$1: audit runs (exit 0 or 1)"; diag < "$WORK/o.err"; return; fi
	check "$1: failing pcie.link checks are the links the sysfs files show trained low" \
		diff <(failing_links "$WORK/o.json") <("$ORACLE" --sysfs "$2")
}
for pair in $TREES; do oracle_sysfs "${pair%%=*}" "${pair#*=}"; done
for t in idle x8slot all; do oracle_sysfs "planted $t" "$WORK/$t"; done
if command -v lspci > /dev/null; then
	python3 "$SRCDIR/tests/gen/pcidump.py" "$WORK/idle" -o "$WORK/idle.dump"
	lspci -F "$WORK/idle.dump" -s 80:01.1 -vv > "$WORK/idle.lspci" 2>/dev/null
	check "lspci -F says x0 for the empty slot" grep -q 'LnkSta:.*Width x0' "$WORK/idle.lspci"
	# (lspci 3.9's -PP crashes on a tree with an empty slot: idle's oracle is sysfs only)
	for t in all x8slot; do
		python3 "$SRCDIR/tests/gen/pcidump.py" "$WORK/$t" -o "$WORK/$t.dump"
		lspci -F "$WORK/$t.dump" -PP -vv > "$WORK/$t.lspci" 2>/dev/null ||
			{ not_ok "lspci -F $t.dump -PP -vv fails"; continue; }
		R --sysroot "$WORK/$t" --pci-dump "$WORK/$t.dump" audit quiet --json > "$WORK/o.json" 2>/dev/null
		check "planted $t: failing links agree with lspci -F on its dump" \
			diff <(failing_links "$WORK/o.json") <("$ORACLE" --lspci "$WORK/$t.lspci")
	done
	for f in "$SHARED"/fixtures/lspci/cap-*; do
		[ -f "$f" ] || { skip "no ../shared lspci dumps"; break; }
		lspci -F "$f" -PP -vv > "$WORK/d.lspci" 2>/dev/null
		R --sysroot "$OK" --pci-dump "$f" audit quiet --json > "$WORK/o.json" 2>/dev/null
		check "$(basename "$f"): failing links agree with lspci -F" \
			diff <(failing_links "$WORK/o.json") <("$ORACLE" --lspci "$WORK/d.lspci")
	done
else
	skip "lspci is not installed"
fi

# ---- recommend ----
recommends() { # NAME DIR PROFILE
	[ -n "$2" ] || { skip "tree $1 is not available"; return; }
	R --sysroot "$2" recommend --json > "$WORK/rec.json"
	check "recommend on $1: $3" pyjson "$WORK/rec.json" "d['profile'] == '$3' and len(d['reason']) > 10"
}
recommends genoa-nps1 "$(tree_dir genoa-nps1)" epyc-genoa
recommends genoa-nps4 "$(tree_dir genoa-nps4)" epyc-genoa-nps4
recommends genoa-degraded "$(tree_dir genoa-degraded)" epyc-genoa
recommends hgx-h100 "$(tree_dir hgx-h100)" gpu-server-nvidia
recommends mi300x "$(tree_dir mi300x)" gpu-server-amd-instinct
recommends "Genoa with one GPU" "$WORK/all" epyc-genoa
check "... saying the GPU is too few for a GPU server" pyjson "$WORK/rec.json" "'1 GPU' in d['reason']"
recommends kvm-epyc-2cpu "$(tree_dir kvm-epyc-2cpu)" base-inference
check "... a VM says why" pyjson "$WORK/rec.json" "'virtual machine' in d['reason']"
for n in $SHARED_TREES; do
	R --sysroot "$(tree_dir "$n")" recommend > "$WORK/rec.txt" 2>&1
	check "recommend on the real $n: a shipped profile and a reason" \
		bash -c "[ $? = 0 ] && [ -f '$SRCDIR/profiles/'\$(head -1 '$WORK/rec.txt')'.ini' ] && [ \$(wc -l < '$WORK/rec.txt') = 2 ]"
done
R --sysroot "$OK" audit > /dev/null 2> "$WORK/err"
check "audit without a profile audits the recommended one" grep -q 'recommended profile epyc-genoa: ' "$WORK/err"

# ---- status ----
mv "$WORK/x8slot" "$WORK/st"     # the last user of this tree: status writes it
R --sysroot "$WORK/st" status > "$WORK/out"
check "status before any apply: none applied, exit 0" bash -c "[ $? = 0 ] && grep -q '^no profile applied' '$WORK/out'"
echo always > "$WORK/st/sys/kernel/mm/transparent_hugepage/enabled"
R --sysroot "$WORK/st" apply epyc-genoa > /dev/null 2>&1
R --sysroot "$WORK/st" status > "$WORK/out"
check "status after apply: the profile, everything holds, exit 0" \
	bash -c "[ $? = 0 ] && grep -q 'epyc-genoa.ini' '$WORK/out' && grep -q '^Drift: *none' '$WORK/out'"
check "... what it changed, per setting" grep -Eq '^  cpu.governor +384 files, schedutil -> performance, all hold$' "$WORK/out"
echo madvise > "$WORK/st/sys/kernel/mm/transparent_hugepage/enabled"
R --sysroot "$WORK/st" status --json > "$WORK/st.json"
check "a value changed since: exit 1" test $? = 1
check "... the file, what apply wrote and what it holds now" pyjson "$WORK/st.json" \
	"[(c['label'], c['applied'], c['current']) for c in d['changes'] if c['state'] == 'changed since'] == [('thp.enabled', 'never', 'madvise')]"

# ---- PCI enumeration failed: a profile asking nothing of PCI still says so ----
mkdir "$WORK/st/sys/bus/pci/devices/not-an-address"
R --sysroot "$WORK/st" audit quiet --json > "$WORK/noenum.json"
check "PCI enumeration failed: the audit warns, naming what broke it" pyjson "$WORK/noenum.json" \
	"[(c['status'], 'not-an-address: not a PCI address' in c['actual']) for c in d['checks'] if c['id'] == 'pcie.enumeration'] == [('warn', True)]"
R --sysroot "$WORK/st" audit quiet > "$WORK/out"
check "... in the text report too" grep -q '^WARN *pcie.enumeration' "$WORK/out"

done_testing
