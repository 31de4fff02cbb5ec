#!/bin/bash
# contrib/ansible: the rigtune module and role, run by ansible-playbook
# (Debian's ansible-core) against localhost on a copy of a captured tree:
# check mode writes nothing and says what would change, the first run
# changes, the second changes nothing, state=reverted puts every byte
# back; the role writes rigtune.conf and applies, and is idempotent too.
. "$SRCDIR/tests/cli/tap.sh"
if ! command -v ansible-playbook >/dev/null; then
	skip "ansible-playbook not installed (apt-get install ansible-core): Ansible module and role not tested"
	done_testing
	exit
fi
py=$(command -v /usr/bin/python3 || command -v python3)
export ANSIBLE_CONFIG=$SRCDIR/contrib/ansible/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
export ANSIBLE_LOCAL_TEMP=$TMP/ansible-local ANSIBLE_REMOTE_TEMP=$TMP/ansible-remote ANSIBLE_HOME=$TMP/ansible-home
export ANSIBLE_LIBRARY=$SRCDIR/contrib/ansible/roles/rigtune/library ANSIBLE_ROLES_PATH=$SRCDIR/contrib/ansible/roles
echo "localhost ansible_connection=local ansible_python_interpreter=$py" >"$TMP/inventory"

TREE=$TMP/tree
cp -a "$SRCDIR/tests/trees/small" "$TREE"
manifest() { (cd "$TREE" && find . \( -path ./run -o -path ./var \) -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); }
manifest >"$TMP/original"
cat >"$TMP/p.ini" <<'INI'
[profile]
description = ansible test
[thp]
enabled = never
[sysctl]
vm.swappiness = 1
INI

# play NAME STATE [ansible-playbook options]: run the module once; the
# recap's changed= count goes to $TMP/NAME.changed, the output to NAME.log.
play() {
	local name=$1 state=$2; shift 2
	cat >"$TMP/$name.yml" <<YML
- hosts: localhost
  gather_facts: false
  tasks:
    - name: rigtune $state
      rigtune:
        profile: "$TMP/p.ini"
        state: $state
        sysroot: "$TREE"
        binary: "$RIGTUNE"
YML
	ansible-playbook -i "$TMP/inventory" "$@" "$TMP/$name.yml" >"$TMP/$name.log" 2>&1
	local rc=$?
	sed -n 's/.*localhost *:.* changed=\([0-9]*\).*failed=\([0-9]*\).*/\1 \2/p' "$TMP/$name.log" >"$TMP/$name.changed"
	return $rc
}
# recap NAME "CHANGED FAILED": what the play's recap said
recap() { [ "$(cat "$TMP/$1.changed")" = "$2" ] || { diag <"$TMP/$1.log"; return 1; }; }

play check applied --check --diff
check "check mode: reports changed (changed=1, failed=0)" recap check "1 0"
check "check mode: the diff shows thp.enabled madvise -> never" \
	bash -c 'grep -q "^-thp.enabled: madvise" "$1" && grep -q "^+thp.enabled: never" "$1"' _ "$TMP/check.log"
check "check mode: nothing in the tree changed" cmp -s <(manifest) "$TMP/original"
check "check mode: no journal written" test ! -e "$TREE/var/lib/rigtune/journal"

play first applied --diff
check "first run: changed=1, failed=0" recap first "1 0"
check "first run: THP is now never, swappiness 1" \
	bash -c 'grep -q "\[never\]" "$1/sys/kernel/mm/transparent_hugepage/enabled" && [ "$(cat "$1/proc/sys/vm/swappiness")" = 1 ]' _ "$TREE"
play second applied
check "second run: changed=0, failed=0" recap second "0 0"
play revert reverted
check "state=reverted: changed=1, failed=0" recap revert "1 0"
check "state=reverted: every file is back byte for byte" cmp -s <(manifest) "$TMP/original"
play revert2 reverted
check "state=reverted again: changed=0 (no journal)" recap revert2 "0 0"

# The role, without the package manager and systemd (not on a test host).
cat >"$TMP/role.yml" <<YML
- hosts: localhost
  gather_facts: false
  roles:
    - role: rigtune
      rigtune_profile: "$TMP/p.ini"
      rigtune_manage_package: false
      rigtune_manage_units: false
      rigtune_conf_dir: "$TMP/etc/rigtune"
      rigtune_sysroot: "$TREE"
      rigtune_binary: "$RIGTUNE"
YML
role() { ansible-playbook -i "$TMP/inventory" "$TMP/role.yml" >"$TMP/$1.log" 2>&1;
	sed -n 's/.*localhost *:.* changed=\([0-9]*\).*failed=\([0-9]*\).*/\1 \2/p' "$TMP/$1.log" >"$TMP/$1.changed"; }
role role1
check "role, first run: the profile directory, rigtune.conf and the apply changed (changed=3, failed=0)" recap role1 "3 0"
check "role: rigtune.conf names the profile" grep -qx "PROFILE=$TMP/p.ini" "$TMP/etc/rigtune/rigtune.conf"
check "role: the tree is tuned" grep -q "\[never\]" "$TREE/sys/kernel/mm/transparent_hugepage/enabled"
role role2
check "role, second run: changed=0" recap role2 "0 0"
if ansible-playbook -i "$TMP/inventory" --syntax-check "$SRCDIR/contrib/ansible/site.yml" >"$TMP/syntax.log" 2>&1; then
	ok "the role's playbook with packages and units passes --syntax-check"
else
	not_ok "the role's playbook with packages and units passes --syntax-check"; diag <"$TMP/syntax.log"
fi
done_testing
