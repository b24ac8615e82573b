"""Microsoft.Compute virtual machines and their disks (providers/compute/virtual_machines.py, vm_profile.py,
vm_storage.py, disks.py) through the unmodified azure-mgmt-compute client (models checked strictly)."""

import base64
import uuid

import pytest
from azure.core.exceptions import ResourceNotFoundError
from compute_helpers import error, network, power, ssh_key, vm_body
from sdk_models import strict, strict_all


@pytest.fixture
def rg(fast):
    name = f"rg-vm-{uuid.uuid4().hex[:6]}"
    fast.resource.resource_groups.create_or_update(name, {"location": "westeurope"})
    return name


def test_vm_lifecycle(fast, rg):
    pip = fast.network.public_ip_addresses.begin_create_or_update(rg, "pip", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    nic = network(fast, rg, public_ip=pip.id)
    vms = fast.compute.virtual_machines
    vm = strict(vms.begin_create_or_update(rg, "web1", vm_body(nic.id)).result())
    props = vm.properties
    assert props.provisioning_state == "Succeeded" and props.vm_id and props.time_created
    assert props.os_profile.custom_data is None and props.os_profile.admin_password is None
    assert props.os_profile.linux_configuration.disable_password_authentication is True
    assert props.os_profile.linux_configuration.ssh.public_keys[0].key_data == ssh_key()
    image = props.storage_profile.image_reference
    assert image.version == "latest" and image.exact_version == "0.20250311.2048"
    os_disk = props.storage_profile.os_disk
    assert os_disk.disk_size_gb == 30 and os_disk.managed_disk.id.endswith(f"/disks/{os_disk.name}")
    assert os_disk.name.startswith("web1_OsDisk_1_") and os_disk.delete_option == "Delete"
    data = props.storage_profile.data_disks[0]
    assert data.managed_disk.id.endswith("/disks/" + data.name) and data.disk_size_gb == 8
    assert vm.etag == '"1"'

    disk = strict(fast.compute.disks.get(rg, os_disk.name))
    assert disk.managed_by == vm.id and disk.properties.disk_state == "Attached"
    assert disk.properties.disk_size_gb == 30 and disk.sku.name == "StandardSSD_LRS"
    assert strict(fast.network.network_interfaces.get(rg, "nic")).properties.virtual_machine.id == vm.id

    viewed = strict(vms.get(rg, "web1", expand="instanceView"))
    assert power(viewed) == ["PowerState/running"]
    assert "ProvisioningState/succeeded" in [s.code for s in viewed.properties.instance_view.statuses]
    assert strict(vms.instance_view(rg, "web1")).computer_name == "web1"
    assert vms.get(rg, "web1").properties.instance_view is None

    for action, expected in (("begin_power_off", "stopped"), ("begin_deallocate", "deallocated"),
                             ("begin_power_off", "deallocated"), ("begin_start", "running"),
                             ("begin_restart", "running")):
        assert getattr(vms, action)(rg, "web1").result() is None
        assert power(vms.get(rg, "web1", expand="instanceView")) == [f"PowerState/{expected}"], action
        disk_state = fast.compute.disks.get(rg, os_disk.name).properties.disk_state
        assert disk_state == ("Reserved" if expected == "deallocated" else "Attached")
    restart = error(lambda: vms.begin_restart(rg, "web1") if vms.begin_deallocate(rg, "web1").result() is None
                    else None)
    assert restart.status_code == 409 and restart.error.code == "OperationNotAllowed"
    vms.begin_start(rg, "web1").result()

    listed = strict_all(vms.list(rg, expand="instanceView"))
    assert [v.name for v in listed] == ["web1"] and power(listed[0]) == ["PowerState/running"]
    everything = strict_all(vms.list_all(status_only="true"))
    assert "web1" in [v.name for v in everything]
    assert all(v.properties.instance_view.statuses for v in everything)
    sizes = {s.name for s in strict_all(vms.list_available_sizes(rg, "web1"))}
    assert "Standard_B2s" in sizes and "Standard_A1_v2" not in sizes  # a gen2 image can't boot on A_v2

    # PATCH merges; tags are replaced as a whole.
    patched = strict(vms.begin_update(rg, "web1", {"tags": {"env": "prod"},
                                                   "properties": {"hardwareProfile": {"vmSize": "Standard_B2s"}}}
                                      ).result())
    assert patched.tags == {"env": "prod"} and patched.properties.hardware_profile.vm_size == "Standard_B2s"
    assert patched.properties.os_profile.admin_username == "deploy" and patched.etag == '"2"'
    assert power(vms.get(rg, "web1", expand="instanceView")) == ["PowerState/running"]

    # PUT update answers 200; changing immutable properties is refused.
    body = vm_body(nic.id, size="Standard_B2s")
    body["properties"]["storageProfile"]["dataDisks"][0]["name"] = data.name
    body["properties"]["storageProfile"]["osDisk"]["name"] = os_disk.name
    del body["properties"]["osProfile"]["customData"]
    assert vms.begin_create_or_update(rg, "web1", body).result().properties.provisioning_state == "Succeeded"
    body["properties"]["osProfile"]["adminUsername"] = "someoneelse"
    changed = error(lambda: vms.begin_create_or_update(rg, "web1", body))
    assert changed.error.code == "PropertyChangeNotAllowed" and "adminUsername" in changed.error.message
    body["properties"]["osProfile"]["adminUsername"] = "deploy"
    body["properties"]["osProfile"]["customData"] = base64.b64encode(b"#cloud-config\nv: 2\n").decode()
    assert error(lambda: vms.begin_create_or_update(rg, "web1", body)).error.code == "PropertyChangeNotAllowed"

    # Dependencies: the NIC and the disks are in use.
    nic_in_use = error(lambda: fast.network.network_interfaces.begin_delete(rg, "nic"))
    assert nic_in_use.error.code == "NicInUse" and vm.id in nic_in_use.error.message
    assert error(lambda: fast.compute.disks.begin_delete(rg, os_disk.name)).error.code == "OperationNotAllowed"
    other = vm_body(nic.id)
    other["properties"]["osProfile"]["computerName"] = "web2"
    assert error(lambda: vms.begin_create_or_update(rg, "web2", other)).error.code == "NicInUse"

    # DELETE honours deleteOption: NIC and OS disk Delete; a data disk set to Detach stays.
    fast.compute.virtual_machines.begin_update(rg, "web1", {"properties": {"storageProfile": {"dataDisks": [
        {"lun": 0, "name": data.name, "createOption": "Empty", "diskSizeGB": 8, "deleteOption": "Detach"}]}}}
    ).result()
    vms.begin_delete(rg, "web1").result()
    with pytest.raises(ResourceNotFoundError):
        vms.get(rg, "web1")
    with pytest.raises(ResourceNotFoundError):
        fast.network.network_interfaces.get(rg, "nic")
    with pytest.raises(ResourceNotFoundError):
        fast.compute.disks.get(rg, os_disk.name)
    kept = strict(fast.compute.disks.get(rg, data.name))
    assert kept.managed_by is None and kept.properties.disk_state == "Unattached"
    assert fast.network.public_ip_addresses.get(rg, "pip").properties.ip_configuration is None
    fast.compute.disks.begin_delete(rg, data.name).result()
    assert [d.name for d in fast.compute.disks.list_by_resource_group(rg)] == []


def test_identity_patch_and_spot(fast, rg):
    nic = network(fast, rg)
    msi = fast.resource.resources.begin_create_or_update_by_id(
        fast.rid(f"/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"),
        {"location": "westeurope"}, api_version="2023-01-31").result()
    msi2 = fast.resource.resources.begin_create_or_update_by_id(
        msi.id[:-1] + "2", {"location": "westeurope"}, api_version="2023-01-31").result()
    body = vm_body(nic.id, priority="Spot", evictionPolicy="Deallocate", billingProfile={"maxPrice": -1})
    body["identity"] = {"type": "SystemAssigned, UserAssigned",
                        "userAssignedIdentities": {msi.id: {}, msi2.id: {}}}
    body["zones"] = ["2"]
    vm = strict(fast.compute.virtual_machines.begin_create_or_update(rg, "spot", body).result())
    assert vm.properties.priority == "Spot" and vm.properties.eviction_policy == "Deallocate"
    assert vm.properties.billing_profile.max_price == -1 and vm.zones == ["2"]
    assert vm.identity.principal_id and set(vm.identity.user_assigned_identities) == {msi.id, msi2.id}
    assert vm.identity.user_assigned_identities[msi.id].client_id == msi.properties["clientId"]
    assert fast.compute.disks.get(rg, vm.properties.storage_profile.os_disk.name).zones == ["2"]
    removed = fast.compute.virtual_machines.begin_update(rg, "spot", {
        "identity": {"userAssignedIdentities": {msi2.id: None}}}).result()
    assert list(removed.identity.user_assigned_identities) == [msi.id]
    assert removed.identity.principal_id == vm.identity.principal_id
    assert removed.tags == {"env": "dev", "team": "a"}


@pytest.mark.parametrize("change, code, target", [
    (lambda b: b["properties"]["hardwareProfile"].update(vmSize="Standard_Nope_v9"), "InvalidParameter", "vmSize"),
    (lambda b: b["properties"]["storageProfile"]["imageReference"].update(offer="debian-99"),
     "PlatformImageNotFound", "imageReference"),
    (lambda b: b["properties"]["osProfile"]["linuxConfiguration"]["ssh"].update(publicKeys=[]),
     "InvalidParameter", "linuxConfiguration"),
    (lambda b: b["properties"]["osProfile"].update(computerName="bad_name"), "InvalidParameter", "computerName"),
    (lambda b: b["properties"]["osProfile"].update(adminUsername="root"), "InvalidParameter", "adminUsername"),
    (lambda b: b["properties"]["osProfile"].update(customData="not base64!"), "InvalidParameter", "customData"),
    (lambda b: b["properties"]["storageProfile"]["osDisk"].update(diskSizeGB=10), "InvalidParameter",
     "osDisk.diskSizeGB"),
    (lambda b: b["properties"]["hardwareProfile"].update(vmSize="Standard_A1_v2"), "BadRequest", None),
    (lambda b: b["properties"]["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"][0].update(
        keyData="ssh-rsa AAAA"), "InvalidParameter", "linuxConfiguration.ssh.publicKeys.keyData"),
    (lambda b: b["properties"].update(evictionPolicy="Delete"), "InvalidParameter", "evictionPolicy"),
])
def test_vm_validation_errors(fast, rg, change, code, target):
    nic = network(fast, rg)
    body = vm_body(nic.id)
    change(body)
    failure = error(lambda: fast.compute.virtual_machines.begin_create_or_update(rg, "bad", body))
    assert failure.status_code in (400, 404) and failure.error.code == code
    assert failure.error.target == target
    assert [v.name for v in fast.compute.virtual_machines.list(rg)] == []


def test_vm_name_and_missing_group(fast, rg):
    nic = network(fast, rg)
    bad = error(lambda: fast.compute.virtual_machines.begin_create_or_update(rg, "bad_name.", vm_body(nic.id)))
    assert bad.error.code == "InvalidParameter" and bad.error.target == "vmName"
    missing = error(lambda: fast.compute.virtual_machines.begin_create_or_update("no-such-rg", "x", vm_body(nic.id)))
    assert missing.status_code == 404 and missing.error.code == "ResourceGroupNotFound"
    assert error(lambda: fast.compute.virtual_machines.get("no-such-rg", "x")).error.code == "ResourceGroupNotFound"
    assert error(lambda: fast.compute.virtual_machines.get(rg, "x")).error.code == "ResourceNotFound"


def test_lro_protocol_and_manifest(fast, rg):
    nic = network(fast, rg)
    session = fast.http()
    url = fast.url + fast.rid(f"/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/raw")
    created = session.put(url, params={"api-version": "2024-07-01"}, json=vm_body(nic.id))
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["provisioningState"] == "Creating"
    assert "customData" not in created.json()["properties"]["osProfile"]
    status_url = created.headers["Azure-AsyncOperation"]
    assert "/providers/Microsoft.Compute/locations/westeurope/operations/" in status_url
    assert "Location" not in created.headers  # Compute answers a PUT with Azure-AsyncOperation only
    while session.get(status_url).json()["status"] == "InProgress":
        pass
    stopped = session.post(url + "/powerOff", params={"api-version": "2024-07-01"})
    assert stopped.status_code == 202 and stopped.headers["Azure-AsyncOperation"]
    view = session.get(url + "/instanceView", params={"api-version": "2024-07-01"}).json()
    assert "PowerState/stopping" in [s["code"] for s in view["statuses"]]
    while session.get(stopped.headers["Azure-AsyncOperation"]).json()["status"] == "InProgress":
        pass
    manifest = session.get(fast.url + fast.rid("/providers/Microsoft.Compute"), params={"api-version": "2022-09-01"})
    types = {t["resourceType"]: t["apiVersions"] for t in manifest.json()["resourceTypes"]}
    assert "2026-04-01" in types["virtualMachines"] and "2024-07-01" in types["virtualMachines"]
    assert "2026-03-02" in types["disks"] and "2024-03-02" in types["disks"]
    assert "locations/vmSizes" in types and "locations/publishers" in types


def test_resource_group_deletion_cascades_in_dependency_order(fast, rg):
    pip = fast.network.public_ip_addresses.begin_create_or_update(rg, "pip", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    nsg = fast.network.network_security_groups.begin_create_or_update(rg, "nsg", {"location": "westeurope"}).result()
    nic = network(fast, rg, public_ip=pip.id)
    fast.network.network_interfaces.begin_create_or_update(rg, "nic", {
        "location": "westeurope", "properties": {"networkSecurityGroup": {"id": nsg.id}, "ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": nic.properties.ip_configurations[0].properties.subnet.id},
                                                 "publicIPAddress": {"id": pip.id}}}]}}).result()
    body = vm_body(nic.id)
    body["properties"]["networkProfile"]["networkInterfaces"][0]["properties"]["deleteOption"] = "Detach"
    body["properties"]["storageProfile"]["osDisk"]["deleteOption"] = "Detach"
    fast.compute.virtual_machines.begin_create_or_update(rg, "web1", body).result()
    names = sorted(r.type for r in fast.resource.resources.list_by_resource_group(rg))
    assert names == ["Microsoft.Compute/disks", "Microsoft.Compute/disks", "Microsoft.Compute/virtualMachines",
                     "Microsoft.Network/networkInterfaces", "Microsoft.Network/networkSecurityGroups",
                     "Microsoft.Network/publicIPAddresses", "Microsoft.Network/virtualNetworks"]
    fast.resource.resource_groups.begin_delete(rg).result()
    assert not fast.resource.resource_groups.check_existence(rg)
    assert list(fast.app.store.resources(fast.rid(f"/resourceGroups/{rg}/"))) == []
