"""Helpers of the Microsoft.Compute tests: a NIC, a VM body, an SSH key, power states, the SDK's error."""

import base64
import struct

import pytest
from azure.core.exceptions import HttpResponseError


def ssh_key(seed=7):
    def string(data):
        return struct.pack(">I", len(data)) + data
    blob = string(b"ssh-ed25519") + string(bytes([seed]) * 32)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} test@dockyard"


def network(fast, rg, nic_name="nic", vnet="vnet", public_ip=None):
    existing = {v.name for v in fast.network.virtual_networks.list(rg)}
    if vnet not in existing:
        fast.network.virtual_networks.begin_create_or_update(rg, vnet, {
            "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.5.0.0/16"]},
                                                     "subnets": [{"name": "default", "properties": {
                                                         "addressPrefix": "10.5.0.0/24"}}]}}).result()
    subnet = fast.network.subnets.get(rg, vnet, "default")
    config = {"subnet": {"id": subnet.id}}
    if public_ip:
        config["publicIPAddress"] = {"id": public_ip}
    return fast.network.network_interfaces.begin_create_or_update(rg, nic_name, {
        "location": "westeurope", "properties": {"ipConfigurations": [{"name": "ipconfig1",
                                                                       "properties": config}]}}).result()


def vm_body(nic_id, size="Standard_B1s", image=("Debian", "debian-12", "12-gen2", "latest"), **extra):
    publisher, offer, sku, version = image
    body = {
        "location": "westeurope",
        "tags": {"env": "dev", "team": "a"},
        "properties": {
            "hardwareProfile": {"vmSize": size},
            "storageProfile": {"imageReference": {"publisher": publisher, "offer": offer, "sku": sku,
                                                  "version": version},
                               "osDisk": {"createOption": "FromImage", "deleteOption": "Delete",
                                          "managedDisk": {"storageAccountType": "StandardSSD_LRS"}},
                               "dataDisks": [{"lun": 0, "createOption": "Empty", "diskSizeGB": 8,
                                              "deleteOption": "Delete"}]},
            "osProfile": {"computerName": "web1", "adminUsername": "deploy",
                          "customData": base64.b64encode(b"#cloud-config\n").decode(),
                          "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {"publicKeys": [
                              {"path": "/home/deploy/.ssh/authorized_keys", "keyData": ssh_key()}]}}},
            "networkProfile": {"networkInterfaces": [{"id": nic_id, "properties": {"deleteOption": "Delete"}}]},
        },
    }
    for key, value in extra.items():
        body["properties"][key] = value
    return body


def error(call):
    with pytest.raises(HttpResponseError) as info:
        result = call()
        if hasattr(result, "result"):
            result.result()
    return info.value


def power(vm):
    return [s.code for s in vm.properties.instance_view.statuses if s.code.startswith("PowerState/")]
