#!/usr/bin/python3
# An Ansible module that applies or reverts a rigtune profile. It runs
# `rigtune apply PROFILE --json` (or `revert --json`) and turns the JSON
# into Ansible's changed and diff; check mode runs `apply --dry-run --json`
# and `audit --json` and writes nothing.
# GPL-2.0-or-later, like rigtune.

DOCUMENTATION = r"""
module: rigtune
short_description: Apply or revert a rigtune tuning profile
description:
  - Applies a rigtune profile (kernel settings: THP, hugepages, sysctls, CPU governor, IRQ placement), journaling every
    original value, or reverts the last apply.
  - In check mode nothing is written; C(changed) and the diff come from C(rigtune apply --dry-run), and the audit of the
    host against the profile is returned as C(audit).
options:
  profile:
    description: Profile name (searched in /etc/rigtune/profiles then /usr/share/rigtune/profiles) or path. Required
      for C(state=applied).
    type: str
  state:
    description: C(applied) applies the profile; C(reverted) puts back what the last apply changed.
    type: str
    choices: [applied, reverted]
    default: applied
  sysroot:
    description: Apply to a captured tree instead of the running kernel (tests).
    type: path
    default: /
  wait_lock:
    description: Seconds to wait for another rigtune apply or revert to finish.
    type: float
  binary:
    description: The rigtune executable; found on the PATH and in /usr/sbin by default.
    type: path
"""

RETURN = r"""
result:
  description: rigtune's JSON document (docs/schema/apply.json or revert.json).
  type: dict
  returned: always
audit:
  description: rigtune audit --json (docs/schema/audit.json), in check mode with state=applied.
  type: dict
  returned: check mode
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def run_json(module, args):
    rc, out, err = module.run_command(args)
    try:
        doc = json.loads(out) if out.strip() else None
    except ValueError:
        module.fail_json(msg="rigtune printed something that is not JSON", rc=rc, stdout=out, stderr=err)
    return rc, doc, err


def setting_line(s, value):
    name = s["label"] + (" " + s["target"] if s.get("target") else "")
    return "%s: %s\n" % (name, value if value is not None else "(none)")


def make_diff(doc):
    changed = [s for s in doc["settings"] if s["status"] in ("changed", "partial")]
    return {
        "before_header": "rigtune " + (doc.get("profile") or ""),
        "after_header": "rigtune " + (doc.get("profile") or ""),
        "before": "".join(setting_line(s, s["old"]) for s in changed),
        "after": "".join(setting_line(s, s["readback"] if s["status"] == "partial" else s["new"]) for s in changed),
    }


def journal_exists(sysroot):
    return os.path.exists(os.path.join(sysroot, "var/lib/rigtune/journal"))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type="str"),
            state=dict(type="str", choices=["applied", "reverted"], default="applied"),
            sysroot=dict(type="path", default="/"),
            wait_lock=dict(type="float"),
            binary=dict(type="path"),
        ),
        required_if=[("state", "applied", ["profile"])],
        supports_check_mode=True,
    )
    p = module.params
    binary = p["binary"] or module.get_bin_path("rigtune", required=True, opt_dirs=["/usr/sbin", "/usr/local/sbin"])
    base = [binary, "--sysroot", p["sysroot"], "--json"]
    lock = ["--wait-lock", str(p["wait_lock"])] if p["wait_lock"] is not None else []

    if p["state"] == "reverted":
        if module.check_mode:
            would = journal_exists(p["sysroot"])
            module.exit_json(changed=would, msg="a journal to revert" if would else "no journal: nothing to revert")
        rc, doc, err = run_json(module, base + ["revert"] + lock)
        if rc != 0 or doc is None:
            module.fail_json(msg="rigtune revert failed: " + err.strip(), rc=rc, result=doc, changed=bool(doc and doc["changed"]))
        module.exit_json(changed=doc["changed"], result=doc, diff=make_diff(doc))

    if module.check_mode:
        rc, doc, err = run_json(module, base + ["apply", p["profile"], "--dry-run"])
        if rc != 0 or doc is None:
            module.fail_json(msg="rigtune apply --dry-run failed: " + err.strip(), rc=rc)
        arc, audit, aerr = run_json(module, base + ["audit", p["profile"]])
        module.exit_json(changed=doc["changed"], result=doc, audit=audit, diff=make_diff(doc),
                         msg="%d settings would change" % doc["totals"]["changed"])
    rc, doc, err = run_json(module, base + ["apply", p["profile"]] + lock)
    if rc != 0 or doc is None:
        module.fail_json(msg="rigtune apply failed: " + err.strip(), rc=rc, result=doc,
                         changed=bool(doc and doc["changed"]))
    module.exit_json(changed=doc["changed"], result=doc, diff=make_diff(doc),
                     msg="%d settings changed" % doc["totals"]["changed"])


if __name__ == "__main__":
    main()
