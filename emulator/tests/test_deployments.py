"""Microsoft.Resources/deployments through the unmodified azure-mgmt-resource-deployments client (and raw
HTTP where the protocol itself is the point): CRUD, the LRO protocol, what-if, validate, cancel, export,
deployment operations, the history limit, complete mode and subscription scope."""

import json
import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from deployment_helpers import body, changes, corpus, deployments_client, new_group, nsg, storage, template, vnet

from dockyard_emulator.providers.deployments import records

API = "2024-11-01"


@pytest.fixture(scope="module")
def client(fast):
    return deployments_client(fast)


def path(fast, rg, name, suffix=""):
    return f"{fast.url}/subscriptions/{fast.subscription}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}{suffix}"


def wait_state(client, rg, name, states=("Succeeded", "Failed", "Canceled"), timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.deployments.get(rg, name).properties.provisioning_state
        if state in states:
            return state
        time.sleep(0.05)
    raise AssertionError(f"deployment {name} still {state}")


def test_put_answers_201_with_an_async_operation_under_the_deployment(fast, client):
    rg = new_group(fast)
    http = fast.http()
    tpl = template([vnet()], outputs={"space": {"type": "array",
                                                "value": "[reference('vnet1').addressSpace.addressPrefixes]"}})
    first = http.put(path(fast, rg, "web"), params={"api-version": API}, json=body(tpl))
    assert first.status_code == 201, first.text
    assert first.json()["properties"]["provisioningState"] == "Accepted"
    status_url = first.headers["Azure-AsyncOperation"]
    assert f"/resourceGroups/{rg}/providers/Microsoft.Resources/deployments/web/operationStatuses/" in status_url
    assert "Location" not in first.headers
    deadline = time.monotonic() + 10
    while http.get(status_url).json()["status"] == "InProgress" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert http.get(status_url).json()["status"] == "Succeeded"
    done = client.deployments.get(rg, "web")
    assert done.properties.provisioning_state == "Succeeded"
    assert done.properties.outputs == {"space": {"type": "Array", "value": ["10.10.0.0/16"]}}
    assert [r.id.rsplit("/", 1)[-1] for r in done.properties.output_resources] == ["vnet1"]
    assert done.properties.template_hash and done.properties.correlation_id
    again = http.put(path(fast, rg, "web"), params={"api-version": API}, json=body(tpl))
    assert again.status_code == 200           # a name in the history: updated in place
    wait_state(client, rg, "web")


def test_crud_with_the_sdk(fast, client):
    rg = new_group(fast)
    tpl = template([vnet()], parameters={"tagValue": {"type": "string", "defaultValue": "a"}})
    result = client.deployments.begin_create_or_update(rg, "crud", {**body(tpl, {"tagValue": {"value": "b"}}),
                                                                     "tags": {"team": "web"}}).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert result.tags == {"team": "web"}
    assert result.properties.parameters == {"tagValue": {"type": "String", "value": "b"}}
    assert client.deployments.check_existence(rg, "crud") is True
    assert "crud" in [d.name for d in client.deployments.list_by_resource_group(rg)]
    assert [d.name for d in client.deployments.list_by_resource_group(rg, filter="provisioningState eq 'Failed'")] == []
    assert fast.network.virtual_networks.get(rg, "vnet1").address_space.address_prefixes == ["10.10.0.0/16"]
    client.deployments.begin_delete(rg, "crud").result()
    assert client.deployments.check_existence(rg, "crud") is False
    with pytest.raises(ResourceNotFoundError) as info:
        client.deployments.get(rg, "crud")
    assert info.value.error.code == "DeploymentNotFound"
    assert fast.network.virtual_networks.get(rg, "vnet1")      # deleting a deployment keeps its resources


def test_delete_answers_202_with_a_location_then_204(fast, client):
    rg = new_group(fast)
    client.deployments.begin_create_or_update(rg, "gone", body(template())).result()
    http = fast.http()
    answer = http.delete(path(fast, rg, "gone"), params={"api-version": API})
    assert answer.status_code == 202
    location = answer.headers["Location"]
    assert f"/subscriptions/{fast.subscription}/operationresults/" in location
    deadline = time.monotonic() + 10
    while (result := http.get(location)).status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert result.status_code == 204
    assert http.delete(path(fast, rg, "gone"), params={"api-version": API}).status_code == 204


def test_what_if_before_and_after_a_deployment(fast, client):
    rg = new_group(fast)
    tpl = template([vnet(), nsg()])
    before = client.deployments.begin_what_if(rg, "wi", body(tpl)).result()
    assert before.status == "Succeeded"
    assert changes(before) == [("Create", "nsg1"), ("Create", "vnet1")]
    client.deployments.begin_create_or_update(rg, "wi", body(tpl)).result()
    assert changes(client.deployments.begin_what_if(rg, "wi", body(tpl)).result()) == \
        [("NoChange", "nsg1"), ("NoChange", "vnet1")]
    tpl["resources"][0]["tags"] = {"env": "prod"}
    modified = client.deployments.begin_what_if(rg, "wi", body(tpl)).result()
    assert changes(modified) == [("Modify", "vnet1"), ("NoChange", "nsg1")]
    vnet_change = next(c for c in modified.changes if c.change_type == "Modify")
    assert [(d.path, d.property_change_type, d.before, d.after) for d in vnet_change.delta] == \
        [("tags", "Create", None, {"env": "prod"})]  # the vnet was created without tags: Azure stores no tags key
    smaller = template([vnet()])
    assert changes(client.deployments.begin_what_if(rg, "wi", body(smaller)).result()) == \
        [("Ignore", "nsg1"), ("NoChange", "vnet1")]
    assert changes(client.deployments.begin_what_if(rg, "wi", body(smaller, mode="Complete")).result()) == \
        [("Delete", "nsg1"), ("NoChange", "vnet1")]


def test_what_if_answers_202_with_a_location_and_writes_nothing(fast):
    rg = new_group(fast)
    http = fast.http()
    seq = fast.app.store.requests()[-1]["seq"]
    answer = http.post(path(fast, rg, "wi", "/whatIf"), params={"api-version": API}, json=body(template([vnet()])))
    assert answer.status_code == 202 and "Location" in answer.headers
    assert f"/subscriptions/{fast.subscription}/operationresults/" in answer.headers["Location"]
    deadline = time.monotonic() + 10
    while (result := http.get(answer.headers["Location"])).status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert result.status_code == 200 and result.json()["status"] == "Succeeded"
    assert list(fast.resource.resources.list_by_resource_group(rg)) == []
    assert not fast.app.store.resources(f"/subscriptions/{fast.subscription}/resourceGroups/{rg}/providers/"
                                        "Microsoft.Resources/deployments/")
    writes = [e for e in fast.app.store.requests(seq) if e["write"] and e["method"] != "POST"]
    assert writes == []


def test_what_if_of_an_invalid_template_completes_with_the_error(fast, client):
    rg = new_group(fast)
    tpl = template([vnet()], parameters={"size": {"type": "string"}})
    result = client.deployments.begin_what_if(rg, "bad", body(tpl)).result()
    assert result.status == "Failed"
    assert result.error.code == "InvalidTemplate"
    assert "The value for the template parameter 'size'" in result.error.message
    info = result.error.additional_info[0]
    assert info.type == "TemplateViolation"
    assert info.info["path"] == "properties.template.parameters.size"
    assert info.info["lineNumber"] == 1 and info.info["linePosition"] > 1


def test_validate(fast, client):
    rg = new_group(fast)
    good = client.deployments.begin_validate(rg, "v", body(template([vnet(), storage("valid01")]))).result()
    assert good.properties.provisioning_state == "Succeeded"
    assert sorted(r.id.rsplit("/", 1)[-1] for r in good.properties.validated_resources) == ["valid01", "vnet1"]
    with pytest.raises(HttpResponseError) as info:
        client.deployments.begin_validate(rg, "v", body(template([vnet(depends=["nsg1"]), nsg()]),
                                                        {"unknown": {"value": 1}})).result()
    assert info.value.status_code == 400 and info.value.error.code == "InvalidTemplate"
    assert "The template parameters 'unknown'" in info.value.error.message
    assert list(fast.resource.resources.list_by_resource_group(rg)) == []
    assert not client.deployments.check_existence(rg, "v")


def test_export_template_and_operations(fast, client):
    rg = new_group(fast)
    tpl = template([vnet(), storage("exp01", depends=["vnet1"])])
    client.deployments.begin_create_or_update(rg, "exp", body(tpl)).result()
    exported = client.deployments.export_template(rg, "exp")
    assert exported.template["resources"] == tpl["resources"]
    operations = list(client.deployment_operations.list(rg, "exp"))
    kinds = [(o.properties.provisioning_operation, o.properties.target_resource.resource_name
              if o.properties.target_resource else None) for o in operations]
    assert kinds == [("Create", "vnet1"), ("Create", "exp01"), ("EvaluateDeploymentOutput", None)]
    assert all(o.properties.provisioning_state == "Succeeded" for o in operations)
    created = operations[1]
    assert created.properties.target_resource.resource_type == "Microsoft.Storage/storageAccounts"
    assert created.properties.status_code == "OK" and created.properties.duration.startswith("PT")
    one = client.deployment_operations.get(rg, "exp", created.operation_id)
    assert one.id.endswith(f"/deployments/exp/operations/{created.operation_id}")


def test_cancel_a_running_deployment(fast, client):
    rg = new_group(fast)
    loop = storage("[concat('cancel', copyIndex())]")
    loop["copy"] = {"name": "accounts", "count": 40, "mode": "serial", "batchSize": 1}
    poller = client.deployments.begin_create_or_update(rg, "long", body(template([loop])))
    client.deployments.cancel(rg, "long")
    with pytest.raises(HttpResponseError):
        poller.result()
    assert wait_state(client, rg, "long") == "Canceled"
    created = [r.name for r in fast.resource.resources.list_by_resource_group(rg)]
    assert len(created) < 40
    with pytest.raises(HttpResponseError) as info:
        client.deployments.cancel(rg, "long")
    assert info.value.status_code == 409 and info.value.error.code == "DeploymentCannotBeCancelled"


def test_a_running_deployment_cannot_be_overwritten(fast, client):
    rg = new_group(fast)
    loop = storage("[concat('busy', copyIndex())]")
    loop["copy"] = {"name": "accounts", "count": 20, "mode": "serial", "batchSize": 1}
    client.deployments.begin_create_or_update(rg, "busy", body(template([loop])))
    with pytest.raises(HttpResponseError) as info:
        client.deployments.begin_create_or_update(rg, "busy", body(template()))
    assert info.value.status_code == 409 and info.value.error.code == "DeploymentActive"
    client.deployments.cancel(rg, "busy")
    wait_state(client, rg, "busy")


def test_history_keeps_the_newest_deployments(fast, client, monkeypatch):
    monkeypatch.setattr(records, "TRIM_ABOVE", 5)
    monkeypatch.setattr(records, "TRIM_TO", 3)
    rg = new_group(fast)
    for index in range(5):
        client.deployments.begin_create_or_update(rg, f"d{index}", body(template())).result()
    client.deployments.begin_create_or_update(rg, "d0", body(template())).result()      # back to the newest place
    client.deployments.begin_create_or_update(rg, "d5", body(template())).result()      # 6 > 5: trimmed to 3
    assert sorted(d.name for d in client.deployments.list_by_resource_group(rg)) == ["d0", "d4", "d5"]


def test_history_limit_values_are_azures():
    assert (records.HISTORY_LIMIT, records.TRIM_ABOVE, records.TRIM_TO) == (800, 700, 600)


def test_complete_mode_deletes_what_the_template_no_longer_has(fast, client):
    rg = new_group(fast)
    client.deployments.begin_create_or_update(rg, "full", body(template([vnet(), nsg(), storage("keep01")]))).result()
    client.deployments.begin_create_or_update(rg, "full", body(template([vnet()]), mode="Complete")).result()
    assert sorted(r.name for r in fast.resource.resources.list_by_resource_group(rg)) == ["vnet1"]
    operations = list(client.deployment_operations.list(rg, "full"))
    deleted = sorted(o.properties.target_resource.resource_name for o in operations
                     if o.properties.provisioning_operation == "Delete")
    assert deleted == ["keep01", "nsg1"]


def test_nested_deployment_is_recorded_and_its_outputs_read(fast, client):
    rg = new_group(fast)
    inner = template([storage("[parameters('account')]")], parameters={"account": {"type": "string"}},
                     outputs={"blob": {"type": "string",
                                       "value": "[reference(parameters('account')).primaryEndpoints.blob]"}})
    tpl = template([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nestedTemplate",
                     "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                                    "parameters": {"account": {"value": "nestedacct01"}}, "template": inner}}],
                   outputs={"storageUri": {"type": "string",
                                           "value": "[reference('nestedTemplate').outputs.blob.value]"}})
    result = client.deployments.begin_create_or_update(rg, "outer", body(tpl)).result()
    assert result.properties.outputs["storageUri"]["value"] == "https://nestedacct01.blob.core.windows.net/"
    nested = client.deployments.get(rg, "nestedTemplate")
    assert nested.properties.provisioning_state == "Succeeded"
    assert nested.properties.parameters == {"account": {"type": "String", "value": "nestedacct01"}}
    assert sorted(d.name for d in client.deployments.list_by_resource_group(rg)) == ["nestedTemplate", "outer"]


def test_quickstart_locks_the_group_it_creates_in_both_scopes(fast, client):
    principal = "11111111-2222-3333-4444-555555555555"
    for version in ("create-rg-lock-outer", "create-rg-lock-inner"):
        group = f"locked-{version[-5:]}-{time.time_ns() % 10**6}"
        parameters = {"rgName": {"value": group}, "rgLocation": {"value": "westeurope"},
                      "principalId": {"value": principal}}
        client.deployments.begin_create_or_update_at_subscription_scope(
            version, {"location": "westeurope", **body(corpus(version), parameters)}).result()
        found = {(r["type"], r["body"]["name"]) for r in fast.app.store.resources(
            f"/subscriptions/{fast.subscription}/resourceGroups/{group}/providers/Microsoft.Authorization/")}
        assert ("microsoft.authorization/locks", "DontDelete") in found, version
        assert [kind for kind, _ in found].count("microsoft.authorization/roleassignments") == 1, version


def test_subscription_scope_creates_a_group_and_deploys_into_it(fast, client):
    group = f"subdep-{time.time_ns() % 10**8}"
    inner = template([storage("[parameters('account')]")], parameters={"account": {"type": "string"}},
                     outputs={"blob": {"type": "string",
                                       "value": "[reference(parameters('account')).primaryEndpoints.blob]"}})
    tpl = {"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
           "contentVersion": "1.0.0.0",
           "resources": [
               {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2021-04-01", "name": group,
                "location": "[deployment().location]", "properties": {}},
               {"type": "Microsoft.Resources/deployments", "apiVersion": "2021-04-01", "name": "intoGroup",
                "resourceGroup": group, "dependsOn": [f"[resourceId('Microsoft.Resources/resourceGroups', '{group}')]"],
                "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                               "parameters": {"account": {"value": "subacct01"}}, "template": inner}}],
           "outputs": {"blob": {"type": "string", "value": "[reference('intoGroup').outputs.blob.value]"}}}
    with pytest.raises(HttpResponseError) as info:
        client.deployments.begin_create_or_update_at_subscription_scope("sub", body(tpl)).result()
    assert info.value.error.code == "LocationRequired"
    result = client.deployments.begin_create_or_update_at_subscription_scope(
        "sub", {"location": "northeurope", **body(tpl)}).result()
    assert result.location == "northeurope"
    assert result.properties.outputs["blob"]["value"] == "https://subacct01.blob.core.windows.net/"
    assert fast.resource.resource_groups.get(group).location == "northeurope"
    assert client.deployments.get(group, "intoGroup").properties.provisioning_state == "Succeeded"
    assert "sub" in [d.name for d in client.deployments.list_at_subscription_scope()]
    assert [o.properties.target_resource.resource_name for o in client.deployment_operations.list_at_subscription_scope(
        "sub") if o.properties.target_resource] == [group, "intoGroup"]


def test_secure_parameters_are_never_returned_nor_kept(fast, client):
    rg = new_group(fast)
    secret = "Sup3r-Secret-Value-42"
    tpl = template([vnet()], parameters={"token": {"type": "securestring"}},
                   outputs={"hidden": {"type": "securestring", "value": "[parameters('token')]"},
                            "length": {"type": "int", "value": "[length(parameters('token'))]"}})
    seq = fast.app.store.requests()[-1]["seq"]
    client.deployments.begin_what_if(rg, "sec", body(tpl, {"token": {"value": secret}})).result()
    result = client.deployments.begin_create_or_update(rg, "sec", body(tpl, {"token": {"value": secret}})).result()
    assert result.properties.parameters == {"token": {"type": "SecureString"}}
    assert result.properties.outputs == {"hidden": {"type": "SecureString"}, "length": {"type": "Int", "value": 21}}
    http = fast.http()
    for url in (path(fast, rg, "sec"), path(fast, rg, "sec", "/operations")):
        assert secret not in http.get(url, params={"api-version": API}).text
    assert secret not in http.post(path(fast, rg, "sec", "/exportTemplate"), params={"api-version": API}).text
    assert secret not in json.dumps(fast.app.store.requests(seq))
    fast.app.store.db.execute("PRAGMA wal_checkpoint(FULL)")
    assert secret.encode() not in (fast.app.state_dir / "state.db").read_bytes()


def test_deleting_the_group_deletes_its_history(fast, client):
    rg = new_group(fast)
    client.deployments.begin_create_or_update(rg, "h", body(template())).result()
    fast.resource.resource_groups.begin_delete(rg).result()
    fast.resource.resource_groups.create_or_update(rg, {"location": "westeurope"})
    assert list(client.deployments.list_by_resource_group(rg)) == []


def test_older_resources_client_path_for_operations(fast, client):
    rg = new_group(fast)
    client.deployments.begin_create_or_update(rg, "old", body(template([vnet()]))).result()
    http = fast.http()
    answer = http.get(f"{fast.url}/subscriptions/{fast.subscription}/resourcegroups/{rg}/deployments/old/operations",
                      params={"api-version": "2022-09-01"})
    assert answer.status_code == 200
    assert [o["properties"]["provisioningOperation"] for o in answer.json()["value"]] == \
        ["Create", "EvaluateDeploymentOutput"]


def test_a_deployment_interrupted_by_a_restart_fails_saying_so(tmp_path):
    from azure.mgmt.resource.deployments import DeploymentsMgmtClient
    from conftest import Emulator

    emu = Emulator(tmp_path / "state", "--port", 0, "--lro-seconds", 0.3, "--retry-after", 1)
    try:
        client = DeploymentsMgmtClient(emu.credential(), emu.subscription, base_url=emu.url,
                                       connection_verify=emu.env["REQUESTS_CA_BUNDLE"], polling_interval=0.1)
        emu.client().resource_groups.create_or_update("restart", {"location": "westeurope"})
        loop = storage("[concat('restart', copyIndex())]")
        loop["copy"] = {"name": "accounts", "count": 50, "mode": "serial", "batchSize": 1}
        client.deployments.begin_create_or_update("restart", "long", body(template([loop])))
        assert client.deployments.get("restart", "long").properties.provisioning_state in ("Accepted", "Running")
        emu.stop()
        emu.start()
        client = DeploymentsMgmtClient(emu.credential(), emu.subscription, base_url=emu.url,
                                       connection_verify=emu.env["REQUESTS_CA_BUNDLE"], polling_interval=0.1)
        deadline = time.monotonic() + 20
        while (found := client.deployments.get("restart", "long")).properties.provisioning_state != "Failed" \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert found.properties.provisioning_state == "Failed"
        assert found.properties.error.code == "DeploymentInterrupted"
    finally:
        emu.stop()
