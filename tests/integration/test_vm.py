# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dockyard.azure.vm and vm_info through ansible-playbook against the emulator."""

from __future__ import annotations

import base64
import re
import struct

import pytest
from azure_rest import Arm, unique

NOT_ARM = ("/oauth2/", "/.well-known/", "/_emulator/", "/discovery/")


def ssh_key(seed=7):
    def string(data):
        return struct.pack(">I", len(data)) + data
    blob = string(b"ssh-ed25519") + string(bytes([seed]) * 32)
    return "ssh-ed25519 %s test@dockyard" % base64.b64encode(blob).decode()


@pytest.fixture
def arm(emulator):
    return Arm(emulator.env)


@pytest.fixture
def rg(ansible_playbook):
    name = unique("rg-vm")
    ansible_playbook("vm_setup.yml", {"rg": name})
    return name


def arm_reads(emulator, since):
    """ARM GETs after `since` (token and discovery requests are not ARM)."""
    return [entry for entry in emulator.requests(since)
            if entry.get("kind", "arm") == "arm" and entry["method"] == "GET" and not any(part in entry["path"] for part in NOT_ARM)]


def without_polls(entries):
    """Drop LRO status polls (operation status / results URLs), keep resource reads."""
    polls = re.compile(r"/(operations|operationStatuses|operationResults|asyncoperations)/", re.IGNORECASE)
    return [entry for entry in entries if not polls.search(entry["path"])]


def base_vars(rg, name, **extra):
    variables = {"rg": rg, "vm_name": name, "ssh_keys": [ssh_key()], "dns_label": name}
    variables.update(extra)
    if not variables.get("public_ip", True):
        del variables["dns_label"]  # a DNS label belongs to a public IP
    return variables


def test_create_check_mode_idempotency(emulator, ansible_playbook, arm, rg):
    name = unique("vm")
    variables = base_vars(rg, name, custom_data="#cloud-config\nruncmd: [touch /tmp/ok]\n")

    before = emulator.last_sequence()
    checked = ansible_playbook("vm_present.yml", variables, check=True, diff=True).task("Converge the VM")
    assert checked["status"] == "changed"
    assert emulator.arm_writes(before) == [], "check mode must not write"
    assert [(a["action"], a["type"]) for a in checked["result"]["actions"]] == [
        ("create", "virtual_network"), ("create", "network_security_group"), ("create", "public_ip"),
        ("create", "network_interface"), ("create", "virtual_machine")]
    assert checked["result"]["diff"]["before"] == {}

    before = emulator.last_sequence()
    created = ansible_playbook("vm_present.yml", variables).task("Converge the VM")
    assert created["status"] == "changed"
    vm = created["result"]["vm"]
    assert vm["power_state"] == "running"
    assert vm["admin_username"] == "deploy"
    assert vm["private_ip"] and vm["public_ip"] and vm["fqdn"].startswith(name + ".")
    assert vm["ansible_host"] == vm["public_ip"]
    assert vm["os_disk"]["name"] == name + "-osdisk"
    assert vm["nic"].endswith("/networkInterfaces/%s-nic" % name)
    assert vm["tags"]["dockyard-custom-data-sha256"]
    writes = [(e["method"], e["path"].rsplit("/", 2)[-2]) for e in emulator.arm_writes(before)]
    # The VNet, NSG and public IP do not depend on each other: written together (in any order), then the NIC, then the VM.
    assert sorted(writes[:3]) == [("PUT", "networkSecurityGroups"), ("PUT", "publicIPAddresses"), ("PUT", "virtualNetworks")]
    assert writes[3:] == [("PUT", "networkInterfaces"), ("PUT", "virtualMachines")]
    for kind, owned in (("virtualNetworks", name + "-vnet"), ("networkSecurityGroups", name + "-nsg"),
                        ("publicIPAddresses", name + "-pip"), ("networkInterfaces", name + "-nic")):
        status, body = arm.network(rg, kind, owned)
        assert status == 200 and body["tags"]["dockyard-owned-by"].lower() == vm["id"].lower()

    before = emulator.last_sequence()
    again = ansible_playbook("vm_present.yml", variables).task("Converge the VM")
    assert again["status"] == "ok"
    assert emulator.arm_writes(before) == []
    # A no-change run reads the VM (with its instance view), its NIC and its public IP: 3 calls. The NSG is not read: the
    # VM's own GET returns the digest of the inbound rules last applied (tag dockyard-inbound-rules-sha256).
    reads = without_polls(arm_reads(emulator, before))
    assert len(reads) == 3, [e["path"] for e in reads]
    assert not any("networkSecurityGroups" in e["path"] for e in reads)

    before = emulator.last_sequence()
    full = ansible_playbook("vm_present.yml", dict(variables, rules_compare="full")).task("Converge the VM")
    assert full["status"] == "ok" and emulator.arm_writes(before) == []
    reads = without_polls(arm_reads(emulator, before))
    assert len(reads) == 4 and "networkSecurityGroups" in reads[-1]["path"], "inbound_rules_compare=full reads the NSG"


def test_power_transitions(emulator, ansible_playbook, rg):
    name = unique("vm")
    variables = base_vars(rg, name)
    ansible_playbook("vm_present.yml", variables)
    for state, expected, changed in (("stopped", "stopped", True), ("stopped", "stopped", False),
                                     ("deallocated", "deallocated", True), ("stopped", "deallocated", False),
                                     ("started", "running", True), ("started", "running", False),
                                     ("restarted", "running", True)):
        before = emulator.last_sequence()
        result = ansible_playbook("vm_present.yml", dict(variables, vm_state=state)).task("Converge the VM")
        assert result["result"]["vm"]["power_state"] == expected, state
        assert (result["status"] == "changed") is changed, state
        if not changed:
            assert emulator.arm_writes(before) == []
        info = ansible_playbook("vm_info.yml", {"rg": rg, "vm_name": name}).task("Read VMs")
        assert info["result"]["vms"][0]["power_state"] == expected


def test_resize_and_tag_diff(emulator, ansible_playbook, rg):
    name = unique("vm")
    variables = base_vars(rg, name, vm_tags={"env": "dev"})
    ansible_playbook("vm_present.yml", variables)

    resized = ansible_playbook("vm_present.yml", dict(variables, vm_size="Standard_B2s")).task("Converge the VM")
    assert resized["status"] == "changed"
    assert resized["result"]["vm"]["size"] == "Standard_B2s"
    assert resized["result"]["vm"]["power_state"] == "running"
    before = emulator.last_sequence()
    assert ansible_playbook("vm_present.yml", dict(variables, vm_size="Standard_B2s")).task("Converge the VM")["status"] == "ok"
    assert emulator.arm_writes(before) == []

    before = emulator.last_sequence()
    tagged = ansible_playbook("vm_present.yml", dict(variables, vm_size="Standard_B2s", vm_tags={"env": "prod"}), diff=True).task("Converge the VM")
    assert tagged["status"] == "changed"
    diff = tagged["result"]["diff"]
    assert diff["before"]["tags"]["env"] == "dev" and diff["after"]["tags"]["env"] == "prod"
    assert [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in emulator.arm_writes(before)] == [("PATCH", name)]


def test_immutable_change_needs_replace(emulator, ansible_playbook, rg):
    name = unique("vm")
    variables = base_vars(rg, name, custom_data="#cloud-config\n")
    ansible_playbook("vm_present.yml", variables)
    before = emulator.last_sequence()
    result = ansible_playbook("vm_errors.yml", {"rg": rg, "ssh_keys": [ssh_key()], "existing_vm": name}).task("Immutable change")
    assert result["status"] == "failed"
    assert "admin_username (deploy -> someoneelse)" in result["result"]["msg"] and "replace=true" in result["result"]["msg"]

    replaced = ansible_playbook("vm_present.yml", dict(variables, custom_data="#cloud-config\nv: 2\n", replace=True)).task("Converge the VM")
    assert replaced["status"] == "changed"
    assert [a["action"] for a in replaced["result"]["actions"]] == ["delete", "create"]
    first_ip = replaced["result"]["vm"]["public_ip"]
    assert first_ip, "the owned public IP (and its address) survives a replace"
    assert emulator.arm_writes(before)


def test_absent_removes_owned_resources_only(emulator, ansible_playbook, arm, rg):
    vnet = unique("shared")
    status, body = arm.network(rg, "virtualNetworks", vnet, "PUT", {
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
                                                 "subnets": [{"name": "default", "properties": {"addressPrefix": "10.20.0.0/24"}}]}})
    assert status in (200, 201), body
    name = unique("vm")
    variables = base_vars(rg, name, vnet=vnet)
    ansible_playbook("vm_present.yml", variables)

    before = emulator.last_sequence()
    checked = ansible_playbook("vm_absent.yml", {"rg": rg, "vm_name": name, "vnet": vnet}, check=True).task("Remove the VM")
    assert checked["status"] == "changed" and emulator.arm_writes(before) == []

    removed = ansible_playbook("vm_absent.yml", {"rg": rg, "vm_name": name, "vnet": vnet}).task("Remove the VM")
    assert removed["status"] == "changed"
    deleted = sorted(e["path"].rsplit("/", 2)[-2] for e in emulator.arm_writes(before) if e["method"] == "DELETE")
    assert deleted == ["networkInterfaces", "networkSecurityGroups", "publicIPAddresses", "virtualMachines"]
    assert arm.resources(rg) == [("Microsoft.Network/virtualNetworks", vnet)], "only the pre-existing VNet is left"
    assert arm.vm(rg, name)[0] == 404
    assert arm.disk(rg, name + "-osdisk")[0] == 404

    before = emulator.last_sequence()
    again = ansible_playbook("vm_absent.yml", {"rg": rg, "vm_name": name, "vnet": vnet}).task("Remove the VM")
    assert again["status"] == "ok" and emulator.arm_writes(before) == []


def test_clear_errors_before_any_write(emulator, ansible_playbook, rg):
    before = emulator.last_sequence()
    run = ansible_playbook("vm_errors.yml", {"rg": rg, "ssh_keys": [ssh_key()]})
    assert emulator.arm_writes(before) == [], "bad input must be refused before any write"
    expected = {
        "Unknown size": r"^size: 'Standard_Nope_v9' is not a VM size available in location 'westeurope'\. Available sizes.*Standard_B1s",
        "Unknown image": r"^image: 'Debian:debian-99:99-gen2:latest' was not found in location 'westeurope'",
        "Unknown alias": r"^image: 'debian99' is neither a known alias",
        "Missing ssh key": r"^ssh_public_keys: at least one SSH public key is required",
        "Invalid name": r"^name: 'bad_name\.' is not a valid Linux VM name",
        "Missing resource group": r"^resource_group: resource group '.*-does-not-exist' does not exist \(ResourceGroupNotFound\)",
        "Docker api port": r"^inbound_rules\[0\]\.ports: the rule would open port 2375",
    }
    for task, pattern in expected.items():
        result = run.task(task)
        assert result["status"] == "failed", task
        assert re.search(pattern, result["result"]["msg"]), (task, result["result"]["msg"])


def test_vm_info_calls_do_not_grow_with_vms(emulator, ansible_playbook, rg):
    names = [unique("vm") for dummy in range(3)]
    for index, name in enumerate(names):
        ansible_playbook("vm_present.yml", base_vars(rg, name, vm_tags={"role": "docker" if index else "db"},
                                                     public_ip=index != 1))
    before = emulator.last_sequence()
    info = ansible_playbook("vm_info.yml", {"rg": rg}).task("Read VMs")
    vms = {vm["name"]: vm for vm in info["result"]["vms"]}
    assert set(vms) == set(names)
    assert all(vm["power_state"] == "running" and vm["private_ip"] for vm in vms.values())
    assert vms[names[1]]["public_ip"] is None and vms[names[1]]["ansible_host"] == vms[names[1]]["private_ip"]
    assert len(arm_reads(emulator, before)) == 3, "VMs with instance views, NICs and public IPs of the group: 3 calls"

    filtered = ansible_playbook("vm_info.yml", {"rg": rg, "vm_tag_filter": ["role:docker"]}).task("Read VMs")
    assert sorted(vm["name"] for vm in filtered["result"]["vms"]) == sorted(names[1:])


def test_converges_under_injected_faults_without_duplicates(emulator, ansible_playbook, arm, rg):
    name = unique("vm")
    variables = base_vars(rg, name)
    # About 25% of ARM requests answer 429 (with Retry-After) or 503, and some connections drop.
    emulator.set_faults(throttle_rate=0.15, error_rate=0.10, drop_rate=0.05, seed=3)
    try:
        for _attempt in range(3):
            if _run_tolerant(ansible_playbook, variables):
                break
    finally:
        emulator.reset_faults()
    final = ansible_playbook("vm_present.yml", variables).task("Converge the VM")
    assert final["result"]["vm"]["power_state"] == "running"
    expected = [("Microsoft.Compute/disks", name + "-osdisk"), ("Microsoft.Compute/virtualMachines", name),
                ("Microsoft.Network/networkInterfaces", name + "-nic"), ("Microsoft.Network/networkSecurityGroups", name + "-nsg"),
                ("Microsoft.Network/publicIPAddresses", name + "-pip"), ("Microsoft.Network/virtualNetworks", name + "-vnet")]
    assert [item for item in arm.resources(rg) if item[1].startswith(name)] == expected
    before = emulator.last_sequence()
    assert ansible_playbook("vm_present.yml", variables).task("Converge the VM")["status"] == "ok"
    assert emulator.arm_writes(before) == []


def _run_tolerant(ansible_playbook, variables):
    """One faulty run: it may fail (retries exhausted); re-running must then complete without duplicates."""
    try:
        ansible_playbook("vm_present.yml", variables)
        return True
    except AssertionError:
        return False
