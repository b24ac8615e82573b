"""What-if: Azure's change model (Create, Modify with property deltas, NoChange, Delete in
complete mode, Ignore in incremental mode, Deploy when unpredictable) in the REST shape of
WhatIfOperationResult."""

import copy

from template_helpers import GROUP_ID, FakeStore, deploy, deployment

from dockyard_emulator.templates import DesiredResource, compute_what_if

VNET_ID = f"{GROUP_ID}/providers/Microsoft.Network/virtualNetworks/vnet"


def _vnet(prefix="10.0.0.0/16", tags=None, location="eastus"):
    body = {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-05-01", "name": "vnet", "location": location,
            "properties": {"addressSpace": {"addressPrefixes": [prefix]},
                           "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}
    if tags is not None:
        body["tags"] = tags
    return {"resources": [body]}


def _changes(result):
    assert result["status"] == "Succeeded" and result["error"] is None
    return result["properties"]["changes"]


def test_create_when_nothing_exists():
    (change,) = _changes(deployment(_vnet()).what_if([]))
    assert change["changeType"] == "Create" and change["resourceId"] == VNET_ID and change["before"] is None
    assert change["after"]["apiVersion"] == "2023-05-01" and change["after"]["properties"]["addressSpace"] == {"addressPrefixes": ["10.0.0.0/16"]}
    assert "delta" not in change


def test_no_change_ignores_read_only_computed_and_provider_default_properties():
    store = FakeStore()
    deploy(_vnet(tags={"env": "dev"}), store=store)
    state = store.resources[VNET_ID.lower()]
    state["properties"]["subnets"][0]["id"] = f"{VNET_ID}/subnets/default"              # computed ids
    state["properties"]["subnets"][0]["properties"]["provisioningState"] = "Succeeded"
    state["properties"]["enableDdosProtection"] = False                                 # a provider default
    state["location"] = "eastus"
    (change,) = _changes(deployment(_vnet(tags={"env": "dev"}, location="East US"), store=store).what_if(store.in_group()))
    assert change["changeType"] == "NoChange"
    assert change["before"]["properties"]["provisioningState"] == "Succeeded"


def test_ids_compare_without_case():
    desired = {"id": VNET_ID.upper(), "type": "Microsoft.Network/virtualNetworks", "name": "vnet",
               "properties": {"dhcpOptions": {"id": VNET_ID.upper()}}}
    existing = {"id": VNET_ID, "type": "Microsoft.Network/virtualNetworks", "name": "vnet", "properties": {"dhcpOptions": {"id": VNET_ID}}}
    result = compute_what_if([DesiredResource(desired)], lambda rid, api: existing if rid.lower() == VNET_ID.lower() else None, [], "Incremental")
    assert [c["changeType"] for c in _changes(result)] == ["NoChange"]


def test_modify_reports_property_level_deltas():
    store = FakeStore()
    deploy(_vnet(tags={"env": "dev"}), store=store)
    (change,) = _changes(deployment(_vnet("10.1.0.0/16", tags={"env": "prod", "owner": "ops"}), store=store).what_if(store.in_group()))
    assert change["changeType"] == "Modify"
    assert change["after"]["properties"]["addressSpace"]["addressPrefixes"] == ["10.1.0.0/16"]
    assert change["after"]["properties"]["provisioningState"] == "Succeeded"          # predicted: existing + template
    delta = {d["path"]: d for d in change["delta"]}
    assert delta["tags.env"] == {"path": "tags.env", "propertyChangeType": "Modify", "before": "dev", "after": "prod"}
    assert delta["tags.owner"] == {"path": "tags.owner", "propertyChangeType": "Create", "after": "ops"}
    prefixes = delta["properties.addressSpace.addressPrefixes"]
    assert prefixes["propertyChangeType"] == "Array"
    assert prefixes["children"] == [{"path": "0", "propertyChangeType": "Modify", "before": "10.0.0.0/16", "after": "10.1.0.0/16"}]
    assert set(delta) == {"tags.env", "tags.owner", "properties.addressSpace.addressPrefixes"}


def test_array_of_objects_element_changes_and_removals():
    store = FakeStore()
    template = _vnet()
    template["resources"][0]["properties"]["subnets"].append({"name": "second", "properties": {"addressPrefix": "10.0.1.0/24"}})
    deploy(template, store=store)
    changed = _vnet()
    changed["resources"][0]["properties"]["subnets"][0]["properties"]["addressPrefix"] = "10.0.9.0/24"
    (change,) = _changes(deployment(changed, store=store).what_if(store.in_group()))
    (subnets,) = [d for d in change["delta"] if d["path"] == "properties.subnets"]
    first, second = subnets["children"]
    assert first["path"] == "0" and first["propertyChangeType"] == "Modify"
    assert first["children"] == [{"path": "properties.addressPrefix", "propertyChangeType": "Modify",
                                  "before": "10.0.0.0/24", "after": "10.0.9.0/24"}]
    assert second["path"] == "1" and second["propertyChangeType"] == "Delete" and second["before"]["name"] == "second"


def test_write_only_secrets_are_not_deltas():
    template = {"parameters": {"pw": {"type": "securestring"}}, "resources": [{
        "type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01", "name": "vm", "location": "eastus",
        "properties": {"osProfile": {"adminUsername": "azureuser", "adminPassword": "[parameters('pw')]"}}}]}
    store = FakeStore()
    deploy(template, {"pw": {"value": "first"}}, store=store)
    del store.resources[f"{GROUP_ID}/providers/microsoft.compute/virtualmachines/vm".lower()]["properties"]["osProfile"]["adminPassword"]
    (change,) = _changes(deployment(template, {"pw": {"value": "second"}}, store=store).what_if(store.in_group()))
    assert change["changeType"] == "NoChange"


def test_incremental_ignores_and_complete_deletes_what_the_template_lacks():
    store = FakeStore()
    deploy(_vnet(), store=store)
    store.put({"id": f"{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/stray", "name": "stray",
               "type": "Microsoft.Storage/storageAccounts", "location": "eastus"})
    incremental = {c["resourceId"].rsplit("/", 1)[1]: c["changeType"] for c in _changes(deployment(_vnet(), store=store).what_if(store.in_group()))}
    assert incremental == {"vnet": "NoChange", "stray": "Ignore"}
    complete = deployment(_vnet(), store=store, mode="Complete").what_if(store.in_group())
    by_name = {c["resourceId"].rsplit("/", 1)[1]: c for c in _changes(complete)}
    assert by_name["stray"]["changeType"] == "Delete" and by_name["stray"]["before"]["name"] == "stray"
    assert by_name["stray"]["after"] is None


def test_deploy_when_a_value_depends_on_a_resource_not_created_yet():
    store = FakeStore()
    store.put({"id": f"{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/st", "name": "st",
               "type": "Microsoft.Storage/storageAccounts", "location": "eastus", "tags": {"ip": "old"}})
    template = {"resources": [
        {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-05-01", "name": "ip", "location": "eastus", "properties": {}},
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2022-09-01", "name": "st", "location": "eastus",
         "tags": {"ip": "[reference('ip').ipAddress]"}}]}
    by_name = {c["resourceId"].rsplit("/", 1)[1]: c for c in _changes(deployment(template, store=store).what_if(store.in_group()))}
    assert by_name["ip"]["changeType"] == "Create"
    assert by_name["st"]["changeType"] == "Deploy"
    assert by_name["st"]["after"]["tags"]["ip"] == "[reference('ip').ipAddress]"        # shown unevaluated, as Azure does


def test_nested_deployment_resources_are_listed_not_the_deployment():
    template = {"resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "n",
                               "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                                              "template": copy.deepcopy(_vnet())}}]}
    changes = _changes(deployment(template).what_if([]))
    assert [(c["resourceId"], c["changeType"]) for c in changes] == [(VNET_ID, "Create")]


def test_changes_are_sorted_by_resource_id():
    template = {"resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2022-09-01", "name": name,
                               "location": "eastus"} for name in ("zeta", "alpha", "Mid")]}
    ids = [c["resourceId"].rsplit("/", 1)[1] for c in _changes(deployment(template).what_if([]))]
    assert ids == ["alpha", "Mid", "zeta"]
