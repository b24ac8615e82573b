# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dockyard.azure.resource_group(_info) through ansible-playbook against the emulator."""

from __future__ import annotations

import uuid

import pytest
from azure_rest import IDENTITY_API, Arm, unique


@pytest.fixture
def arm(emulator):
    return Arm(emulator.env)


def test_create_is_idempotent_with_zero_writes(emulator, ansible_playbook, arm):
    name = unique("rg-idem")
    variables = {"rg_name": name, "rg_location": "westeurope", "rg_tags": {"env": "test"}}

    before = emulator.last_sequence()
    first = ansible_playbook("resource_group.yml", variables)
    group = first.task("Resource group")
    assert group["status"] == "changed"
    assert group["result"]["resource_group"]["name"] == name
    assert group["result"]["resource_group"]["tags"] == {"env": "test"}
    writes = emulator.arm_writes(before)
    assert [(entry["method"], entry["status"]) for entry in writes] == [("PUT", 201)]

    status, body = arm.group(name)
    assert status == 200 and body["location"] == "westeurope" and body["tags"] == {"env": "test"}

    before = emulator.last_sequence()
    second = ansible_playbook("resource_group.yml", variables)
    assert second.task("Resource group")["status"] == "ok"
    assert emulator.arm_writes(before) == []
    assert emulator.requests(before), "the second run should still have read the group"


def test_check_mode_writes_nothing_and_predicts(emulator, ansible_playbook, arm):
    name = unique("rg-check")
    before = emulator.last_sequence()
    run = ansible_playbook("resource_group.yml", {"rg_name": name, "rg_location": "westeurope"}, check=True)
    assert run.task("Resource group")["status"] == "changed"
    assert emulator.arm_writes(before) == []
    assert arm.group(name)[0] == 404


def test_tag_update_shows_diff_and_replace_mode(emulator, ansible_playbook, arm):
    name = unique("rg-tags")
    ansible_playbook("resource_group.yml", {"rg_name": name, "rg_location": "westeurope", "rg_tags": {"a": "1"}})

    # Check mode + diff: the diff is reported, nothing is written.
    before = emulator.last_sequence()
    planned = ansible_playbook("resource_group.yml", {"rg_name": name, "rg_tags": {"b": "2"}}, check=True, diff=True)
    diff = planned.task("Resource group")["result"]["diff"]
    assert diff["before"]["tags"] == {"a": "1"}
    assert diff["after"]["tags"] == {"a": "1", "b": "2"}
    assert emulator.arm_writes(before) == []

    appended = ansible_playbook("resource_group.yml", {"rg_name": name, "rg_tags": {"b": "2"}}, diff=True)
    assert appended.task("Resource group")["status"] == "changed"
    assert arm.group(name)[1]["tags"] == {"a": "1", "b": "2"}

    replaced = ansible_playbook("resource_group.yml", {"rg_name": name, "rg_tags": {"c": "3"}, "rg_append_tags": False}, diff=True)
    diff = replaced.task("Resource group")["result"]["diff"]
    assert diff["before"]["tags"] == {"a": "1", "b": "2"} and diff["after"]["tags"] == {"c": "3"}
    assert arm.group(name)[1]["tags"] == {"c": "3"}


def test_location_change_is_refused_before_any_write(emulator, ansible_playbook):
    name = unique("rg-loc")
    ansible_playbook("resource_group.yml", {"rg_name": name, "rg_location": "westeurope"})
    before = emulator.last_sequence()
    run = ansible_playbook("resource_group.yml", {"rg_name": name, "rg_location": "eastus"}, expect_failure=True)
    message = run.task("Resource group")["result"]["msg"]
    assert "westeurope" in message and "eastus" in message
    assert emulator.arm_writes(before) == []


def test_delete_nonempty_needs_force_then_absent_is_unchanged(emulator, ansible_playbook, arm):
    name = unique("rg-del")
    ansible_playbook("resource_group.yml", {"rg_name": name, "rg_location": "westeurope"})
    identity_path = "/resourceGroups/%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-app" % name
    assert arm.call("PUT", identity_path, IDENTITY_API, {"location": "westeurope"})[0] in (200, 201)

    refused = ansible_playbook("resource_group.yml", {"rg_name": name, "rg_state": "absent"}, expect_failure=True)
    message = refused.task("Resource group")["result"]["msg"]
    assert "id-app" in message and "force_delete_nonempty" in message
    assert arm.group(name)[0] == 200

    deleted = ansible_playbook("resource_group.yml", {"rg_name": name, "rg_state": "absent", "rg_force": True})
    assert deleted.task("Resource group")["status"] == "changed"
    assert arm.group(name)[0] == 404
    assert arm.call("GET", identity_path, IDENTITY_API)[0] == 404, "deleting the group must delete its contents"

    before = emulator.last_sequence()
    again = ansible_playbook("resource_group.yml", {"rg_name": name, "rg_state": "absent"})
    assert again.task("Resource group")["status"] == "ok"
    assert emulator.arm_writes(before) == []


def test_info_lists_by_name_and_tag(emulator, ansible_playbook):
    tagged, other = unique("rg-info"), unique("rg-info")
    marker = uuid.uuid4().hex[:6]
    ansible_playbook("resource_group.yml", {"rg_name": tagged, "rg_location": "westeurope", "rg_tags": {"marker": marker}})
    ansible_playbook("resource_group.yml", {"rg_name": other, "rg_location": "northeurope"})

    by_tag = ansible_playbook("resource_group_info.yml", {"rg_tag_filter": ["marker:" + marker]})
    assert [group["name"] for group in by_tag.task("Resource group info")["result"]["resource_groups"]] == [tagged]

    by_name = ansible_playbook("resource_group_info.yml", {"rg_name": other, "rg_list_resources": True})
    groups = by_name.task("Resource group info")["result"]["resource_groups"]
    assert len(groups) == 1 and groups[0]["location"] == "northeurope" and groups[0]["resources"] == []

    missing = ansible_playbook("resource_group_info.yml", {"rg_name": unique("rg-none")})
    assert missing.task("Resource group info")["result"]["resource_groups"] == []


def test_wrong_secret_is_one_clear_line(ansible_playbook):
    run = ansible_playbook("resource_group.yml", {"rg_name": unique("rg-auth"), "rg_location": "westeurope"},
                           env={"AZURE_CLIENT_SECRET": "not-the-secret"}, expect_failure=True)
    message = run.task("Resource group")["result"]["msg"]
    assert "AADSTS7000215" in message
    assert "\n" not in message and "Traceback" not in message


def test_lifecycle_survives_30_percent_throttling_and_server_errors(emulator, ansible_playbook, arm):
    name = unique("rg-faults")
    before = emulator.last_sequence()
    emulator.set_faults(throttle_rate=0.15, error_rate=0.15, retry_after=1, seed=7)
    try:
        run = ansible_playbook("resource_group_lifecycle.yml", {"rg_name": name})
    finally:
        emulator.reset_faults()
    assert run.task("Delete")["status"] == "changed"
    injected = [entry["status"] for entry in emulator.requests(before) if entry["status"] in (429, 500, 503)]
    assert injected, "no fault was injected, so this test proved nothing"
    assert arm.group(name)[0] == 404
