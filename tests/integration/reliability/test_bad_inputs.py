# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module and both roles refuse bad input with an error naming the option, before any write (issue 11).

The rows are in bad_inputs.py. Each group of rows is one playbook (one task, or one block for a
role, per row), run with ansible-playbook against the emulator and the local engine. "No write"
is checked where a write would show: the emulator's request log (no ARM write at all during the
playbook), the engine's event stream (no event of a ``dybadin`` project), and the scratch
directory (no file a row names).
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid

import pytest
from azure_rest import Arm
from bad_inputs import ROWS
from harness import OUTPUT, Playbook, engine_writes, unique, write_playbook

WRONG_SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
GROUPS = {
    "azure": ("resource_group", "resource_group_info", "vm", "vm_info", "vm_extension", "docker_extension", "docker_tls"),
    "arm": ("arm_deployment", "arm_deployment_info", "vm_run_command", "container_registry", "container_registry_info"),
    "docker": ("compose", "compose_info", "image_copy", "image_push", "swarm", "swarm_info", "swarm_node", "stack"),
    "roles": ("role:docker_host", "role:compose_app"),
}


def test_the_table_has_at_least_150_rows_across_all_modules_and_both_roles():
    targets = {target for target, _args, _fragment in ROWS}
    modules = {name[:-3] for name in os.listdir(os.path.join(os.path.dirname(__file__), "..", "..", "..", "plugins", "modules"))
               if name.endswith(".py") and not name.startswith("_")}
    assert len(ROWS) >= 150
    assert modules <= targets, "modules without a bad-input row: %s" % sorted(modules - targets)
    assert {"role:docker_host", "role:compose_app"} <= targets
    assert sorted(targets) == sorted(t for group in GROUPS.values() for t in group if t in targets)


def fill(value, places):
    if isinstance(value, str):
        for key, replacement in places.items():
            value = value.replace(key, replacement)
        return value
    if isinstance(value, list):
        return [fill(item, places) for item in value]
    if isinstance(value, dict):
        return {fill(key, places): fill(item, places) for key, item in value.items()}
    return value


def rows_tasks(rows):
    tasks = []
    for index, (target, args, _fragment) in rows:
        name = "row %03d" % index
        if target.startswith("role:"):
            tasks.append({"name": name, "block": [
                {"name": name + " role", "ansible.builtin.include_role": {"name": "dockyard.azure." + target[5:]}, "vars": args},
                {"name": name + " succeeded", "ansible.builtin.debug": {"msg": "the role did not refuse the input"}},
            ], "rescue": [
                # A loop's failure says 'One or more items failed': the items' own messages are what the user reads.
                {"name": name + " failed", "ansible.builtin.debug": {"msg": "{{ ansible_failed_result.msg }} {{ "
                                                                            "ansible_failed_result.results | default([]) "
                                                                            "| selectattr('msg', 'defined') "
                                                                            "| map(attribute='msg') | join(' | ') }}"}},
            ]})
        else:
            tasks.append({"name": name, "dockyard.azure." + target: args, "ignore_errors": True})
    return tasks


def message_of(run, index, target):
    """The error message of a row, or None when the row was accepted."""
    name = "row %03d" % index
    if target.startswith("role:"):
        if run.results_of(name + " succeeded"):
            return None
        return str(run.result(name + " failed")["result"].get("msg"))
    entry = run.result(name)
    if entry["status"] != "failed":
        return None
    return str(entry["result"].get("msg"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory, emulator):
    """The placeholders' values: a resource group, two sets of TLS material, a file, a project directory."""
    root = tmp_path_factory.mktemp("bad-inputs")
    group = unique("dybadin-rg-")
    status, body = Arm(emulator.env).call("PUT", "/resourcegroups/" + group, "2022-09-01", {"location": "westeurope"})
    assert status in (200, 201), body
    (root / "a-file").write_text("not a directory\n")
    (root / "with-compose-file").mkdir()
    (root / "with-compose-file" / "compose.yaml").write_text("services:\n  app:\n    image: busybox\n")
    (root / "template.json").write_text(json.dumps({"contentVersion": "1.0.0.0", "resources": []}))
    (root / "not-json.json").write_text("{ this is not JSON\n")
    setup = write_playbook(root, "setup", [
        {"name": "TLS material %d" % n, "dockyard.azure.docker_tls": {"path": str(root / ("pki%d" % n)),
                                                                      "ip_addresses": ["10.0.0.4"]}} for n in (1, 2)])
    Playbook(setup, root, emulator.env).run()
    return {"@RG@": group, "@TMP@": str(root), "@PKI1@": str(root / "pki1"), "@PKI2@": str(root / "pki2"),
            "@SUB@": WRONG_SUBSCRIPTION, "@FOREIGN@": "dyforeign" + uuid.uuid4().hex[:6]}


def run_group(group, scratch, emulator, tmp_path, engine=None):
    rows = [(index, (target, fill(args, scratch), fill(fragment, scratch))) for index, (target, args, fragment) in enumerate(ROWS)
            if target in GROUPS[group]]
    playbook = write_playbook(tmp_path, "bad-inputs-" + group, rows_tasks(list(rows)))
    since = emulator.last_sequence()
    started = time.time()
    run = Playbook(playbook, tmp_path, emulator.env).run()
    finished = time.time()
    # ARM's what-if is a POST (ARM counts it as an action) that changes nothing: it is the check that finds
    # what only the template engine can (undeclared or missing parameters, unknown functions).
    arm_writes = [w for w in emulator.arm_writes(since) if not (w["method"] == "POST" and w["path"].endswith("/whatIf"))]
    events = engine_writes(engine, started, finished, match="dybadin") if engine is not None else []
    unclear, report = [], []
    for index, (target, _args, fragment) in rows:
        message = message_of(run, index, target)
        seconds = sum(entry.get("seconds", 0) for entry in run.results if entry["task"].startswith("row %03d" % index))
        report.append({"row": index, "target": target, "fragment": fragment, "message": message, "seconds": seconds})
        if message is None:
            unclear.append("row %03d %s: accepted (%s)" % (index, target, json.dumps(ROWS[index][1])[:300]))
        elif fragment not in message:
            unclear.append("row %03d %s: %r not in %r" % (index, target, fragment, message[:400]))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / ("bad-inputs-%s.json" % group)).write_text(json.dumps(report, indent=1))  # what each row answered
    return rows, arm_writes, events, unclear


def file_writes(scratch):
    """Paths the rows would have written (TLS directories, staging directories, a project outside its stage)."""
    root = scratch["@TMP@"]
    allowed = {"a-file", "with-compose-file", "pki1", "pki2", "setup.yml", "template.json", "not-json.json"}
    return sorted(name for name in os.listdir(root) if name not in allowed and not re.match(r"(results|output)-", name))


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_bad_input_is_refused_naming_the_option_before_any_write(group, scratch, emulator, engine, busybox, tmp_path,
                                                                 figures):
    foreign = None
    if group == "docker":
        foreign = engine.containers.create(busybox, name=scratch["@FOREIGN@"], command=["true"])
    try:
        rows, arm_writes, events, unclear = run_group(group, scratch, emulator, tmp_path, engine)
    finally:
        if foreign is not None:
            foreign.remove(force=True)
    written = file_writes(scratch)
    figures("bad_inputs", rows=len(rows), clear_errors=len(rows) - len(unclear),
            writes_before_error=len(arm_writes) + len(events) + len(written))
    problems = list(unclear)
    problems += ["ARM write %s %s (%s)" % (w["method"], w["path"], w.get("status")) for w in arm_writes]
    problems += ["engine event %s %s %s" % (e.get("Type"), e.get("Action"), (e.get("Actor") or {}).get("Attributes", {}).get("name"))
                 for e in events]
    problems += ["file written: %s" % name for name in written]
    assert not problems, "\n".join(problems)
