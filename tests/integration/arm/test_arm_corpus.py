# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real public templates (emulator/tests/templates/corpus, see each SOURCES.md) deployed through
dockyard.azure.arm_deployment on the emulator: check mode first (what-if only, no PUT), then the real
run (changed, the same changes, the template's outputs), then a re-run (changed: false, zero PUTs)."""

from __future__ import annotations

import re
import subprocess

import pytest
from azure_rest import unique
from conftest import corpus_file

# Azure's own values for these inputs (the sources are in emulator/tests/templates/test_template_hashes.py).
MODM_VM_ID = ("/subscriptions/31e9f9a0-9fd2-4294-a0a3-0101246d9700/resourceGroups/rg-modm201-20230913120256"
              "/providers/Microsoft.Compute/virtualMachines/bobjacmodm201")
PINNED = {
    "unique_test_value": ("[uniqueString('test', 'value')]", "bhxq2thzm5dym"),
    "unique_azapi": ("[uniqueString('/subscriptions/00000000-0000-0000-0000-000000000000', 'resource-id')]",
                     "cwvxuqg24sifi"),
    "unique_modm": ("[uniqueString('%s')]" % MODM_VM_ID, "yvjxno3je5on2"),
    "guid_test_value": ("[guid('test', 'value')]", "95b33d6a-06a0-5961-9b94-a0f6c648352b"),
    "guid_test": ("[guid('test')]", "d6a5baf1-8b9b-542a-8525-2982f1f98a0c"),
}


SUBSCRIPTION_TEMPLATES = ("create-rg", "create-rg-lock-outer", "create-rg-lock-inner")
PRINCIPAL = "11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def ssh_public_key(tmp_path_factory):
    path = tmp_path_factory.mktemp("ssh") / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return (path.parent / "id.pub").read_text().strip()


def corpus_cases(new_group, ssh_public_key):
    """(case, expected outputs or a check of them) for the corpus templates that deploy on the emulator."""
    group = new_group
    cases = [
        ({"template_file": corpus_file("vm-simple-linux"), "parameters_file": corpus_file(
            "vm-simple-linux", "azuredeploy.parameters.json"),
          "parameters": {"adminUsername": "azureuser", "authenticationType": "sshPublicKey", "dnsLabelPrefix": "corpusvm",
                         "ubuntuOSVersion": "Ubuntu-2204", "vmSize": "Standard_B2s"},
          "secure_parameters": {"adminPasswordOrKey": ssh_public_key}},
         {"adminUsername": "azureuser", "hostname": "corpusvm.westeurope.cloudapp.azure.com",
          "sshCommand": "ssh azureuser@corpusvm.westeurope.cloudapp.azure.com"}),
        ({"template_file": corpus_file("vnet-two-subnets")}, {}),
        ({"template_file": corpus_file("security-group-create")}, {}),
        ({"template_file": corpus_file("multiple-security-rules"),
          "parameters_file": corpus_file("multiple-security-rules", "azuredeploy.parameters.json")}, {}),
        ({"template_file": corpus_file("copy-variables")}, lambda outputs: len(outputs["exampleArray"]) == 5
         and outputs["exampleArray"][4] == {"name": "myDataDisk5", "diskSizeGB": "1", "diskIndex": 4}),
        ({"template_file": corpus_file("storage-account-create"), "parameters": {"storageAccountType": "Standard_GRS"}},
         lambda outputs: re.fullmatch(r"store[a-z0-9]{13}", outputs["storageAccountName"]) is not None
         and outputs["storageAccountId"].endswith("/storageAccounts/" + outputs["storageAccountName"])),
        ({"template_file": corpus_file("serial-copy-storage")}, {}),
        ({"template": {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                       "contentVersion": "1.0.0.0", "resources": [],
                       "outputs": {key: {"type": "string", "value": expr} for key, (expr, _pin) in PINNED.items()}}},
         {key: value for key, (_expr, value) in PINNED.items()}),
    ]
    result = []
    for index, (case, expected) in enumerate(cases):
        name = case.get("template_file", "pinned-hashes").split("/")[-2] if "template_file" in case else "pinned-hashes"
        result.append(({"id": "c%02d-%s" % (index, name), "rg": group("arm-c%02d" % index), **case}, expected))
    # Subscription scope: create-rg, and create-rg-lock-role-assignment before (outer scope) and after (inner
    # scope) its Bicep rewrite: a group, then a nested deployment into it with a lock and a role assignment.
    for name in SUBSCRIPTION_TEMPLATES:
        parameters = {"rgName": unique("arm-sub")}
        if name != "create-rg":
            parameters.update(rgLocation="westeurope", principalId=PRINCIPAL)
        result.append(({"id": name, "location": "westeurope", "name": unique("subdep"), "template_file": corpus_file(name),
                        "parameters": parameters}, {}))
    return result


def _changes(entry):
    return [(change["resource_id"].lower(), change["change_type"]) for change in entry["result"]["changes"]]


def test_corpus_check_then_deploy_then_unchanged(emulator, deploy, new_group, ssh_public_key, arm):
    cases = corpus_cases(new_group, ssh_public_key)
    plain = [case for case, _expected in cases]

    before = emulator.last_sequence()
    planned = deploy(plain, check=True)[0]
    check_writes = emulator.arm_writes(before)
    assert {entry["method"] for entry in check_writes} <= {"POST"}
    assert all(entry["path"].endswith("/whatIf") for entry in check_writes)

    before = emulator.last_sequence()
    deployed = deploy(plain)[0]
    puts = [entry for entry in emulator.arm_writes(before) if entry["method"] == "PUT"]
    assert len(puts) == len(plain) and all("/providers/Microsoft.Resources/deployments/" in e["path"] for e in puts)
    for case, expected in cases:
        first, plan = deployed[case["id"]], planned[case["id"]]
        assert first["status"] == "changed", case["id"]
        assert plan["status"] == "changed", case["id"]
        assert _changes(plan) == _changes(first), case["id"]
        assert {kind for _rid, kind in _changes(first)} <= {"Create"}, case["id"]
        outputs = first["result"]["outputs"]
        if callable(expected):
            assert expected(outputs), (case["id"], outputs)
        else:
            assert outputs == expected, case["id"]
        assert first["result"]["deployment"]["provisioning_state"] == "Succeeded"
        if case.get("name"):
            assert first["result"]["name"] == case["name"]
        elif "template_file" in case:
            assert first["result"]["name"] == "ansible-azuredeploy"
        else:
            assert first["result"]["name"].startswith("ansible-inline-")
    storage = deployed[cases[5][0]["id"]]["result"]["outputs"]["storageAccountName"]
    assert ("Microsoft.Storage/storageAccounts", storage) in arm.resources(cases[5][0]["rg"])
    for case, _expected in cases:
        if case["id"] not in SUBSCRIPTION_TEMPLATES:
            continue
        group = case["parameters"]["rgName"]
        status, body = arm.group(group)
        assert status == 200 and body["tags"] == {"Note": "subscription level deployment"}, case["id"]
        if case["id"] != "create-rg":
            assert len(deployed[case["id"]]["result"]["changes"]) == 3, case["id"]      # the group, the lock, the role
            status, lock = arm.call("GET", "/resourceGroups/%s/providers/Microsoft.Authorization/locks/DontDelete"
                                    % group, "2016-09-01")
            assert status == 200 and lock["properties"]["level"] == "CanNotDelete", case["id"]

    before = emulator.last_sequence()
    again = deploy(plain)[0]
    writes = emulator.arm_writes(before)
    assert [entry for entry in writes if entry["method"] != "POST"] == []
    for case, _expected in cases:
        rerun = again[case["id"]]
        assert rerun["status"] == "ok", case["id"]
        assert {kind for _rid, kind in _changes(rerun)} <= {"NoChange"}, case["id"]
        assert rerun["result"]["outputs"] == deployed[case["id"]]["result"]["outputs"], case["id"]
