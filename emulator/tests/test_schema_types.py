"""The schema-driven behaviour (schema.py, schema_type.py) and the resource types declared with it, the run
command and VM actions with the ``none`` backend, and ARM's ``/batch``; raw REST and the unmodified SDK."""

import uuid

import pytest
from compute_helpers import error, network, vm_body
from sdk_models import strict

CV, NV, DV = "2024-07-01", "2024-05-01", "2024-03-02"


@pytest.fixture
def rg(fast):
    name = f"rg-schema-{uuid.uuid4().hex[:6]}"
    fast.resource.resource_groups.create_or_update(name, {"location": "westeurope"})
    return name


def url(fast, rg, path):
    return fast.url + fast.rid(f"/resourceGroups/{rg}/providers/{path}")


def test_unknown_keys_are_refused_by_compute_and_dropped_by_network(fast, rg):
    session = fast.http()
    refused = session.put(url(fast, rg, "Microsoft.Compute/availabilitySets/a1"), params={"api-version": CV},
                          json={"location": "westeurope", "properties": {"platformFaultDomainCount": 2, "bogus": 1}})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "InvalidRequestContent"
    assert "Could not find member 'bogus' on object of type 'Properties'. Path 'properties.bogus'" in \
        refused.json()["error"]["message"]
    top = session.put(url(fast, rg, "Microsoft.Compute/availabilitySets/a1"), params={"api-version": CV},
                      json={"location": "westeurope", "hardware_profile": {}})
    assert "object of type 'ResourceDefinition'" in top.json()["error"]["message"]
    kept = session.put(url(fast, rg, "Microsoft.Network/routeTables/rt"), params={"api-version": NV},
                       json={"location": "westeurope", "properties": {"bogus": 1, "disableBgpRoutePropagation": "true"}})
    assert kept.status_code == 201 and "bogus" not in kept.json()["properties"]
    assert kept.json()["properties"]["disableBgpRoutePropagation"] is True  # a boolean given as a string


def test_schema_keys_are_stored_and_returned_and_tags_only_when_given(fast, rg):
    vnet = fast.network.virtual_networks.begin_create_or_update(rg, "v", {
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]},
                                                 "flowTimeoutInMinutes": 10}}).result()
    assert strict(vnet).flow_timeout_in_minutes == 10 and vnet.tags is None
    raw = fast.http().get(url(fast, rg, "Microsoft.Network/virtualNetworks/v"), params={"api-version": NV}).json()
    assert "tags" not in raw and raw["properties"]["flowTimeoutInMinutes"] == 10


def test_availability_sets_and_proximity_placement_groups(fast, rg):
    sets = fast.compute.availability_sets
    created = strict(sets.create_or_update(rg, "as1", {"location": "westeurope",
                                                       "properties": {"platformUpdateDomainCount": 20}}))
    assert created.sku.name == "Classic" and created.platform_fault_domain_count == 2
    assert created.platform_update_domain_count == 20 and created.virtual_machines is None
    assert sets.get(rg, "as1").virtual_machines == []  # GET lists the VMs placed in the set
    assert error(lambda: sets.create_or_update(rg, "as2", {"location": "westeurope", "properties": {
        "platformFaultDomainCount": 4}})).error.code == "InvalidParameter"
    session = fast.http()
    first = session.put(url(fast, rg, "Microsoft.Compute/availabilitySets/as3"), params={"api-version": CV},
                        json={"location": "westeurope"})
    assert first.status_code == 200 and "provisioningState" not in first.json()["properties"]  # as recorded
    ppg = strict(fast.compute.proximity_placement_groups.create_or_update(rg, "ppg", {"location": "westeurope"}))
    assert ppg.proximity_placement_group_type == "Standard"
    sets.delete(rg, "as1")
    assert error(lambda: sets.get(rg, "as1")).error.code == "ResourceNotFound"


def test_disks_answer_202_with_what_the_client_set(fast, rg):
    session = fast.http()
    disk = url(fast, rg, "Microsoft.Compute/disks/d1")
    created = session.put(disk, params={"api-version": DV}, json={
        "location": "westeurope", "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": "64"}})
    assert created.status_code == 202 and {"Azure-AsyncOperation", "Location"} <= set(created.headers)
    assert created.json()["properties"] == {"creationData": {"createOption": "Empty"}, "diskSizeGB": 64,
                                            "provisioningState": "Updating"}
    got = strict(fast.compute.disks.get(rg, "d1"))
    assert got.disk_size_bytes == 64 * 1024 ** 3 and got.sku.name == "Standard_LRS" and got.unique_id
    copy = fast.compute.disks.begin_create_or_update(rg, "d2", {"location": "westeurope", "properties": {
        "creationData": {"createOption": "Copy", "sourceResourceId": got.id}}}).result()
    assert copy.disk_size_gb == 64 and copy.creation_data.source_unique_id == got.unique_id
    upload = fast.compute.disks.begin_create_or_update(rg, "d3", {"location": "westeurope", "properties": {
        "creationData": {"createOption": "Upload", "uploadSizeBytes": 32 * 1024 ** 3 + 512}}}).result()
    assert upload.disk_state == "ReadyToUpload" and upload.disk_size_gb == 32
    grant = fast.compute.disks.begin_grant_access(rg, "d1", {"access": "Read", "durationInSeconds": 60}).result()
    assert grant.access_sas.startswith("https://") and fast.compute.disks.get(rg, "d1").disk_state == "ActiveSAS"
    fast.compute.disks.begin_revoke_access(rg, "d1").result()
    assert fast.compute.disks.get(rg, "d1").disk_state == "Unattached"
    snapshot = fast.compute.snapshots.begin_create_or_update(rg, "s1", {"location": "westeurope", "properties": {
        "creationData": {"createOption": "Copy", "sourceResourceId": got.id}}}).result()
    assert strict(snapshot).disk_size_gb == 64 and snapshot.incremental is False


def test_public_ip_defaults_and_prefixes(fast, rg):
    session = fast.http()
    created = session.put(url(fast, rg, "Microsoft.Network/publicIPAddresses/ip"), params={"api-version": NV},
                          json={"location": "westeurope"})
    body = created.json()
    assert created.status_code == 201 and set(created.headers) & {"Azure-AsyncOperation", "Location"} == {
        "Azure-AsyncOperation"}
    assert body["sku"] == {"name": "Basic", "tier": "Regional"}
    assert body["properties"]["publicIPAllocationMethod"] == "Dynamic" and "ipAddress" not in body["properties"]
    assert body["properties"]["ddosSettings"] == {"protectionMode": "VirtualNetworkInherited"}
    prefix = fast.network.public_ip_prefixes.begin_create_or_update(rg, "pfx", {
        "location": "westeurope", "sku": {"name": "Standard"}, "properties": {"prefixLength": 30}}).result()
    assert strict(prefix).ip_prefix.endswith("/30")
    tagged = session.patch(url(fast, rg, "Microsoft.Network/publicIPPrefixes/pfx"), params={"api-version": NV},
                           json={"tags": {"a": "b"}})
    assert tagged.status_code == 200 and "Azure-AsyncOperation" not in tagged.headers
    assert tagged.json()["tags"] == {"a": "b"}


def test_windows_vm_with_the_none_backend_and_its_actions(fast, rg):
    nic = network(fast, rg)
    body = vm_body(nic.id, size="Standard_D2_v2", image=("MicrosoftWindowsServer", "WindowsServer",
                                                         "2016-Datacenter", "latest"))
    body["properties"]["osProfile"] = {"computerName": "win1", "adminUsername": "testuser",
                                       "adminPassword": "Aa!1()-xyz", "windowsConfiguration": {}}
    vms = fast.compute.virtual_machines
    vm = strict(vms.begin_create_or_update(rg, "win1", body).result())
    assert vm.storage_profile.os_disk.os_type == "Windows" and vm.os_profile.admin_password is None
    assert vm.os_profile.windows_configuration.enable_automatic_updates is True
    result = vms.begin_run_command(rg, "win1", {"commandId": "RunPowerShellScript"}).result()
    assert [s.code for s in result.value] == ["ComponentStatus/StdOut/succeeded", "ComponentStatus/StdErr/succeeded"]
    assert error(lambda: vms.begin_run_command(rg, "win1", {"commandId": "RunShellScript"})).error.code == \
        "InvalidParameter"
    assert error(lambda: vms.generalize(rg, "win1")).error.code == "OperationNotAllowed"  # still running
    vms.begin_power_off(rg, "win1").result()
    vms.begin_redeploy(rg, "win1").result()
    vms.generalize(rg, "win1")
    view = vms.instance_view(rg, "win1")
    assert "OSState/generalized" in [s.code for s in view.statuses]
    assert error(lambda: vms.begin_start(rg, "win1")).error.code == "OperationNotAllowed"
    image = fast.compute.images.begin_create_or_update(rg, "img", {"location": "westeurope", "properties": {
        "sourceVirtualMachine": {"id": vm.id}}}).result()
    assert image.storage_profile.os_disk.os_type == "Windows"
    short = dict(body, properties=dict(body["properties"], osProfile=dict(body["properties"]["osProfile"],
                                                                           adminPassword="password")))
    assert "password must be between 8-123" in error(lambda: vms.begin_create_or_update(rg, "win2", short)).error.message


def test_run_command_catalogue_and_managed_run_commands(fast, rg):
    listed = list(fast.compute.virtual_machine_run_commands.list("westeurope"))
    assert {"RunShellScript", "RunPowerShellScript", "ifconfig"} <= {c.id for c in listed}
    assert fast.compute.virtual_machine_run_commands.get("westeurope", "RunShellScript").os_type == "Linux"
    nic = network(fast, rg)
    fast.compute.virtual_machines.begin_create_or_update(rg, "lnx", vm_body(nic.id)).result()
    result = fast.compute.virtual_machines.begin_run_command(rg, "lnx", {"commandId": "RunShellScript",
                                                                         "script": ["echo hi"]}).result()
    assert result.value[0].message == "Enable succeeded: \n[stdout]\n\n[stderr]\n"  # nothing runs with `none`
    managed = fast.compute.virtual_machine_run_commands
    managed.begin_create_or_update(rg, "lnx", "rc", {"location": "westeurope", "properties": {
        "source": {"script": "echo hi"}, "runAsPassword": "secret"}}).result()
    got = managed.get_by_virtual_machine(rg, "lnx", "rc", expand="instanceView")
    assert got.properties.run_as_password is None and "Not executed" in got.properties.instance_view.execution_message


def test_batch_dispatches_each_request_with_the_callers_token(fast, rg):
    session = fast.http()
    inner = fast.url + fast.rid(f"/resourceGroups/{rg}?api-version=2022-09-01")
    missing = fast.rid(f"/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/none?api-version={CV}")
    answer = session.post(fast.url + "/batch", params={"api-version": "2015-11-01"}, json={"requests": [
        {"httpMethod": "GET", "name": "a", "url": inner}, {"httpMethod": "GET", "name": "b", "url": missing}]})
    assert answer.status_code == 200
    first, second = answer.json()["responses"]
    assert (first["name"], first["httpStatusCode"], first["content"]["name"]) == ("a", 200, rg)
    assert first["contentLength"] > 0 and "x-ms-request-id" in first["headers"]
    assert (second["httpStatusCode"], second["content"]["error"]["code"]) == (404, "ResourceNotFound")
    anonymous = session.post(fast.url + "/batch", params={"api-version": "2015-11-01"}, json={"requests": []},
                             headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_batch_inner_requests_are_logged_as_batched_and_pay_no_latency_of_their_own(fast, rg, monkeypatch):
    """The latency setting stands for the client's round trip: a batch pays it once, not once per inner request
    (sleeps counted, not timed). Each inner request is in the log, marked ``batched``."""
    from dockyard_emulator import faults

    session = fast.http()
    inner = [{"httpMethod": "GET", "name": str(i), "url": fast.url + fast.rid(f"/resourceGroups/{rg}?api-version=2022-09-01")}
             for i in range(3)]
    sleeps = []
    monkeypatch.setattr(faults.time, "sleep", sleeps.append)
    since = fast.app.store.requests()[-1]["seq"]
    try:
        fast.app.faults.update({"latency_ms": 40})
        answer = session.post(fast.url + "/batch", params={"api-version": "2015-11-01"}, json={"requests": inner})
    finally:
        fast.app.faults.update({"latency_ms": 0})
    assert answer.status_code == 200 and [r["httpStatusCode"] for r in answer.json()["responses"]] == [200, 200, 200]
    assert sleeps == [0.04]
    logged = [(entry["method"], entry["path"].rsplit("/", 1)[-1], entry["batched"])
              for entry in fast.app.store.requests(since) if entry["kind"] == "arm"]
    assert logged == [("GET", rg, True)] * 3 + [("POST", "batch", False)]


def test_sku_not_available_and_cores_quota(fast, rg):
    nic = network(fast, rg)
    vms = fast.compute.virtual_machines
    try:
        fast.app.faults.update({"unavailable_sizes": ["Standard_B1s@westeurope"]})
        refused = error(lambda: vms.begin_create_or_update(rg, "q1", vm_body(nic.id))).error
        assert refused.code == "SkuNotAvailable"
        assert "is currently not available in location 'westeurope' zones '' for subscription" in refused.message
        fast.app.faults.update({"unavailable_sizes": [], "family_cores_quota": 1})
        quota = error(lambda: vms.begin_create_or_update(rg, "q1", vm_body(nic.id, size="Standard_B2s"))).error
        assert quota.code == "OperationNotAllowed" and "exceeding approved standardBSFamily Cores quota" in quota.message
        usages = {u.name.value: u for u in fast.compute.usage.list("westeurope")}
        assert usages["standardBSFamily"].limit == 1 and usages["cores"].limit == 350
    finally:
        fast.app.faults.update({}, reset=True)
