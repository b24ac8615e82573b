# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A template VM on the emulator's container backend: the quickstart's vm-simple-linux plus a Custom Script
extension, deployed through arm_deployment. The VM boots with the template's SSH key, the extension's
script runs in it, and a re-run is unchanged with zero PUTs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from azure_rest import GROUP_API, Arm, unique
from conftest import DEPLOY, FORKS, corpus_file

SSH = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
       "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"]


@pytest.mark.container_vm
def test_template_vm_boots_and_runs_its_extension(container_emulator, container_playbook, tmp_path):
    arm = Arm(container_emulator.env)
    key = tmp_path / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    rg = unique("arm-vm")
    assert arm.call("PUT", "/resourcegroups/" + rg, GROUP_API, {"location": "westeurope"})[0] == 201
    tpl = json.loads(Path(corpus_file("vm-simple-linux")).read_text(encoding="utf-8"))
    marker = unique("ran")
    tpl["resources"].append({
        "type": "Microsoft.Compute/virtualMachines/extensions", "apiVersion": "2022-03-01",
        "name": "[format('{0}/{1}', parameters('vmName'), 'setup')]", "location": "[parameters('location')]",
        "dependsOn": ["[resourceId('Microsoft.Compute/virtualMachines', parameters('vmName'))]"],
        "properties": {"publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1",
                       "settings": {"commandToExecute": "echo %s > /tmp/marker && cat /tmp/marker" % marker}}})
    case = {"id": "vm", "rg": rg, "template": tpl,
            "parameters": {"adminUsername": "azureuser", "authenticationType": "sshPublicKey", "vmSize": "Standard_B2s",
                           "ubuntuOSVersion": "Ubuntu-2204", "dnsLabelPrefix": unique("tplvm")},
            "secure_parameters": {"adminPasswordOrKey": (tmp_path / "id.pub").read_text().strip()}}
    first = container_playbook(DEPLOY, {"cases": [case]}, env=FORKS)
    deployed = next(e for e in first.results if e["task"] == "Deploy")
    assert deployed["status"] == "changed"
    assert deployed["result"]["outputs"]["adminUsername"] == "azureuser"

    status, view = arm.call("GET", "/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/simpleLinuxVM/"
                                   "instanceView" % rg, "2024-07-01")
    assert status == 200, view
    setup = next(e for e in view["extensions"] if e["name"] == "setup")
    assert setup["statuses"][0]["code"] == "ProvisioningState/succeeded"
    assert marker in setup["statuses"][0]["message"]
    status, pip = arm.network(rg, "publicIPAddresses", "simpleLinuxVMPublicIP")
    address = pip["properties"]["ipAddress"]
    seen = subprocess.run(["ssh", *SSH, "-i", str(key), "azureuser@" + address, "cat /tmp/marker"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert seen.stdout.strip() == marker, seen.stderr

    before = container_emulator.last_sequence()
    again = container_playbook(DEPLOY, {"cases": [case]}, env=FORKS)
    assert next(e for e in again.results if e["task"] == "Deploy")["status"] == "ok"
    assert [e for e in container_emulator.arm_writes(before) if e["method"] != "POST"] == []
