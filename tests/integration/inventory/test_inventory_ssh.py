# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example inventory (inventories/azure_vms.yml) with container VMs: a playbook reaches them over SSH,
and playbooks/deploy.yml targets them.

Marked `container_vm`: the VMs are system containers of the emulator's container backend (shared with
the other container tests of the session, see tests/integration/conftest.py)."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
from conftest import REPO_ROOT, RUN_TIMEOUT_S, run_env
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from dockyard_emulator.fleet import FleetSpec, create_fleet

pytestmark = pytest.mark.container_vm

INVENTORY = REPO_ROOT / "inventories" / "azure_vms.yml"
SSH_ARGS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=20"


@pytest.fixture(scope="module")
def docker_vms(container_emulator, tmp_path_factory):
    """Two container VMs with their public IPs in a group of their own, and the SSH key that opens them."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = tmp_path_factory.mktemp("inventory-ssh") / "id_ed25519"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                          serialization.NoEncryption()))
    private.chmod(0o600)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    spec = FleetSpec(prefix="invssh%s" % uuid.uuid4().hex[:4], vms=2, groups=1, public_ip_every=1,
                     ssh_public_key=public + " inventory-test", workers=2)
    vms = create_fleet(container_emulator.env, spec)
    return dict(spec=spec, vms=vms, key=str(private))


def ansible(emulator, docker_vms, *command, results=None):
    env = run_env(emulator, {"DOCKYARD_RESOURCE_GROUP": docker_vms["spec"].group_name(0)})
    if results is not None:
        env.update({"ANSIBLE_CALLBACK_PLUGINS": str(REPO_ROOT / "tests/integration/callback_plugins"),
                    "ANSIBLE_CALLBACKS_ENABLED": "result_log", "DOCKYARD_RESULT_LOG": str(results)})
    extra = json.dumps({"docker_host_ssh_private_key_file": docker_vms["key"], "docker_host_ssh_common_args": SSH_ARGS})
    return subprocess.run([*command, "-i", str(INVENTORY), "-e", extra], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, check=False, timeout=RUN_TIMEOUT_S)


def test_a_playbook_reaches_the_inventory_hosts_over_ssh(container_emulator, docker_vms, tmp_path):
    results = tmp_path / "results.jsonl"
    run = ansible(container_emulator, docker_vms, "ansible-playbook",
                  str(REPO_ROOT / "tests/integration/playbooks/inventory_ssh.yml"), results=results)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    entries = [json.loads(line) for line in results.read_text().splitlines()]
    names = sorted(vm["name"] for vm in docker_vms["vms"])
    assert sorted((entry["host"], entry["task"], entry["status"]) for entry in entries) == sorted(
        [(name, "Host name of the machine", "ok") for name in names]
        + [(name, "The machine is the VM the inventory named", "ok") for name in names])
    hostnames = {entry["host"]: entry["result"]["stdout"] for entry in entries if entry["task"] == "Host name of the machine"}
    assert hostnames == {name: name for name in names}  # the fleet's computer name is the VM name


def play_hosts(listing, play):
    """The hosts `ansible-playbook --list-hosts` shows for play number `play`."""
    block = listing.split("play #%d (" % play, 1)[1].split("play #%d (" % (play + 1), 1)[0]
    return [line.strip() for line in block.split("hosts (", 1)[1].splitlines()[1:] if line.strip()]


def test_deploy_playbook_targets_the_inventory_group(container_emulator, docker_vms):
    names = sorted(vm["name"] for vm in docker_vms["vms"])
    listed = ansible(container_emulator, docker_vms, "ansible-playbook", str(REPO_ROOT / "playbooks/deploy.yml"),
                     "--list-hosts")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert sorted(play_hosts(listed.stdout, 2)) == names
    narrowed = ansible(container_emulator, docker_vms, "ansible-playbook", str(REPO_ROOT / "playbooks/deploy.yml"),
                       "--list-hosts", "-e", "deploy_hosts=docker_hosts:&%s" % names[1])
    assert play_hosts(narrowed.stdout, 2) == [names[1]], narrowed.stdout + narrowed.stderr
