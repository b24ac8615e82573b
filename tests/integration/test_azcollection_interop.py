# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure.azcollection, an Azure client we did not write, against the emulator (issue 10, "Must show").

Its modules run from the anchors' virtual environment (benchmarks/.venv, made by benchmarks/venv.sh: the
`ansible` package with azure.azcollection and its SDK requirements) and are pointed at the emulator with
environment variables only: ARM_CLOUD_METADATA_URL (azure-cli-core's cloud list, read from the emulator's
/metadata/endpoints), AZURE_CLOUD_ENVIRONMENT (the emulator's ARM URL, matched against that list),
AZURE_DISABLE_INSTANCE_DISCOVERY, and the service principal's AZURE_* variables. AZURE_CONFIG_DIR gives
azure-cli-core a directory of its own: it caches the cloud list in ~/.azure/cloudEndpoints.json and, once
that file exists, no longer reads ARM_CLOUD_METADATA_URL (a stale emulator URL would win).

The playbook creates a resource group, VNet, subnet, NSG, public IP, NIC, Linux VM (a container VM),
reads the VM and runs a Custom Script extension in it; a second run changes nothing. Then the
`azure_rm` inventory plugin, in its default batch mode (ARM's POST /batch), lists the VM.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest
from conftest import REPO_ROOT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

pytestmark = pytest.mark.container_vm

BENCH_BIN = REPO_ROOT / "benchmarks" / ".venv" / "bin"


@pytest.fixture(scope="module")
def azcollection():
    if not (BENCH_BIN / "ansible-playbook").exists():
        pytest.fail("benchmarks/.venv is missing: run `bash benchmarks/venv.sh` (make integration does)")
    return BENCH_BIN


def azure_env(emulator, config_dir):
    """Environment variables only: what azure.azcollection reads, mapped from `dockyard-emulator env`."""
    env = emulator.env
    return {
        "ARM_CLOUD_METADATA_URL": env["AZURE_ARM_ENDPOINT"] + "/metadata/endpoints?api-version=2022-09-01",
        "AZURE_CLOUD_ENVIRONMENT": env["AZURE_ARM_ENDPOINT"],
        "AZURE_DISABLE_INSTANCE_DISCOVERY": "true",
        "AZURE_SUBSCRIPTION_ID": env["AZURE_SUBSCRIPTION_ID"],
        "AZURE_CLIENT_ID": env["AZURE_CLIENT_ID"],
        "AZURE_SECRET": env["AZURE_CLIENT_SECRET"],
        "AZURE_TENANT": env["AZURE_TENANT_ID"],
        "AZURE_CONFIG_DIR": str(config_dir),
        "PATH": str(BENCH_BIN) + os.pathsep + os.environ.get("PATH", ""),
    }


def extension_view(emulator, rg):
    """The Custom Script extension's instance view, read with our own Azure SDK client."""
    from azure.identity import ClientSecretCredential
    from azure.mgmt.compute import ComputeManagementClient
    env = emulator.env
    credential = ClientSecretCredential(env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"],
                                        authority=env["AZURE_AUTHORITY_HOST"], disable_instance_discovery=True,
                                        connection_verify=env["REQUESTS_CA_BUNDLE"])
    client = ComputeManagementClient(credential, env["AZURE_SUBSCRIPTION_ID"], base_url=env["AZURE_ARM_ENDPOINT"],
                                     connection_verify=env["REQUESTS_CA_BUNDLE"])
    extension = client.virtual_machine_extensions.get(rg, "interop-vm", "interop-script", expand="instanceView")
    return extension.as_dict()["properties"]["instanceView"]


def test_azcollection_modules_and_inventory_work_against_the_emulator(
        container_emulator, container_playbook, azcollection, tmp_path):
    rg = "rg-azc-%s" % uuid.uuid4().hex[:6]
    key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    env = azure_env(container_emulator, tmp_path / "azure-config")
    extra = dict(interop_rg=rg, interop_ssh_key=key)

    first = container_playbook("azcollection_interop.yml", extra_vars=extra, env=env)
    assert first.changed == ["Resource group", "Virtual network", "Subnet", "Network security group", "Public IP address",
                             "Network interface", "Linux VM", "Custom Script extension"]
    view = extension_view(container_emulator, rg)  # the script ran in the container VM: its output is Azure's message
    assert view["statuses"][0]["code"] == "ProvisioningState/succeeded"
    assert view["statuses"][0]["message"] == "Enable succeeded: \n[stdout]\ninterop\n\n[stderr]\n"
    since = container_emulator.last_sequence()
    second = container_playbook("azcollection_interop.yml", extra_vars=extra, env=env)
    assert second.changed == [], "second run changed: %s" % second.changed
    assert container_emulator.arm_writes(since) == []

    inventory = tmp_path / "interop.azure_rm.yml"
    inventory.write_text("plugin: azure.azcollection.azure_rm\nauth_source: env\ninclude_vm_resource_groups:\n  - %s\n" % rg)
    since = container_emulator.last_sequence()
    listed = subprocess.run([str(azcollection / "ansible-inventory"), "-i", str(inventory), "--list"], cwd=tmp_path,
                            env={**os.environ, **container_emulator.env, **env}, capture_output=True, text=True,
                            timeout=300, check=False)
    assert listed.returncode == 0, listed.stdout[-2000:] + listed.stderr[-3000:]
    hosts = json.loads(listed.stdout)["_meta"]["hostvars"]
    names = [h["name"].get("__ansible_unsafe") if isinstance(h["name"], dict) else h["name"] for h in hosts.values()]
    assert names == ["interop-vm"]
    assert "POST /batch" in {"%s %s" % (e["method"], e["path"]) for e in container_emulator.requests(since)}
