"""Resource groups and generic resources through the unmodified azure-mgmt-resource client."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.resource.resources.models import GenericResource, ResourceGroup

IDENTITY_API = "2023-01-31"


def with_status(pipeline_response, deserialized, headers):
    return pipeline_response.http_response.status_code, deserialized


def identity_id(emulator, rg, name):
    return (f"/subscriptions/{emulator.subscription}/resourceGroups/{rg}/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}")


def test_group_lifecycle(emulator):
    client = emulator.client()
    status, group = client.resource_groups.create_or_update(
        "Dock-RG1", {"location": "West Europe", "tags": {"env": "test"}}, cls=with_status)
    assert status == 201 and isinstance(group, ResourceGroup)
    assert group.location == "westeurope" and group.properties.provisioning_state == "Succeeded"
    assert group.id == f"/subscriptions/{emulator.subscription}/resourceGroups/Dock-RG1"
    status, group = client.resource_groups.create_or_update(
        "dock-rg1", {"location": "westeurope", "tags": {"env": "prod"}}, cls=with_status)
    assert status == 200 and group.tags == {"env": "prod"} and group.name == "Dock-RG1"
    assert client.resource_groups.get("DOCK-RG1").tags == {"env": "prod"}
    assert client.resource_groups.check_existence("dock-rg1") is True
    assert client.resource_groups.check_existence("no-such-rg") is False
    assert "Dock-RG1" in [g.name for g in client.resource_groups.list(filter="tagName eq 'env' and tagValue eq 'prod'")]
    assert "Dock-RG1" not in [g.name for g in client.resource_groups.list(filter="tagName eq 'env' and "
                                                                          "tagValue eq 'test'")]
    assert client.resource_groups.update("dock-rg1", {"tags": {"owner": "me"}}).tags == {"owner": "me"}
    poller = client.resource_groups.begin_delete("dock-rg1")
    assert poller.status() == "InProgress"
    poller.result()
    assert poller.status() == "Succeeded"
    assert client.resource_groups.check_existence("dock-rg1") is False
    with pytest.raises(ResourceNotFoundError) as info:
        client.resource_groups.get("dock-rg1")
    assert info.value.error.code == "ResourceGroupNotFound"


@pytest.mark.parametrize("body, code", [
    ({"tags": {}}, "LocationRequired"),
    ({"location": "atlantis"}, "LocationNotAvailableForResourceGroup"),
])
def test_group_validation(emulator, body, code):
    with pytest.raises(HttpResponseError) as info:
        emulator.client().resource_groups.create_or_update("rg-invalid", body)
    assert info.value.status_code == 400 and info.value.error.code == code


def test_group_location_cannot_change(emulator):
    client = emulator.client()
    client.resource_groups.create_or_update("rg-moving", {"location": "eastus"})
    with pytest.raises(HttpResponseError) as info:
        client.resource_groups.create_or_update("rg-moving", {"location": "westus2"})
    assert info.value.status_code == 409 and info.value.error.code == "InvalidResourceGroupLocation"  # as ARM answers


def test_identity_lifecycle_and_group_cascade(emulator):
    client = emulator.client()
    client.resource_groups.create_or_update("rg-ids", {"location": "northeurope"})
    rid = identity_id(emulator, "rg-ids", "id-one")
    created = client.resources.begin_create_or_update_by_id(
        rid, GenericResource(location="North Europe", tags={"role": "vm"}), api_version=IDENTITY_API).result()
    assert created.id == rid and created.properties["clientId"] and created.properties["principalId"]
    assert created.properties["tenantId"] == emulator.env["AZURE_TENANT_ID"]
    again = client.resources.get_by_id(rid.lower(), api_version=IDENTITY_API)
    assert again.id == rid and again.properties["clientId"] == created.properties["clientId"]
    client.resources.begin_create_or_update_by_id(identity_id(emulator, "rg-ids", "id-two"),
                                                  GenericResource(location="northeurope", tags={"role": "db"}),
                                                  api_version=IDENTITY_API).result()
    listed = client.resources.list_by_resource_group("rg-ids", filter="tagName eq 'role' and tagValue eq 'vm'")
    assert [r.name for r in listed] == ["id-one"]
    by_type = client.resources.list(filter="resourceType eq 'Microsoft.ManagedIdentity/userAssignedIdentities'",
                                    expand="createdTime,provisioningState")
    mine = [r for r in by_type if r.id.startswith(f"/subscriptions/{emulator.subscription}/resourceGroups/rg-ids/")]
    assert len(mine) == 2 and mine[0].created_time and mine[0].provisioning_state == "Succeeded"
    client.resources.begin_delete_by_id(identity_id(emulator, "rg-ids", "id-two"), api_version=IDENTITY_API).result()
    assert not client.resources.check_existence_by_id(identity_id(emulator, "rg-ids", "id-two"),
                                                      api_version=IDENTITY_API)
    client.resource_groups.begin_delete("rg-ids", force_deletion_types="Microsoft.Compute/virtualMachines").result()
    with pytest.raises(ResourceNotFoundError):
        client.resources.get_by_id(rid, api_version=IDENTITY_API)
    assert not [r for r in client.resources.list() if "/resourceGroups/rg-ids/" in r.id]


def test_identity_requires_location_and_group(emulator):
    client = emulator.client()
    client.resource_groups.create_or_update("rg-ids-2", {"location": "uksouth"})
    with pytest.raises(HttpResponseError) as info:
        client.resources.begin_create_or_update_by_id(identity_id(emulator, "rg-ids-2", "x"),
                                                      GenericResource(tags={}), api_version=IDENTITY_API).result()
    assert info.value.error.code == "LocationRequired"
    with pytest.raises(ResourceNotFoundError) as info:
        client.resources.begin_create_or_update_by_id(identity_id(emulator, "nope", "x"),
                                                      GenericResource(location="uksouth"), api_version=IDENTITY_API).result()
    assert info.value.error.code == "ResourceGroupNotFound"


def test_request_log_counts_writes(emulator):
    client = emulator.client()
    client.resource_groups.list()  # make sure the token is cached before counting
    list(client.resource_groups.list())
    seq = emulator.last_seq()
    client.resource_groups.create_or_update("rg-count", {"location": "eastus2"})
    client.resource_groups.get("rg-count")
    client.resource_groups.update("rg-count", {"tags": {"a": "b"}})
    client.resource_groups.begin_delete("rg-count").result()
    entries = emulator.requests_since(seq)
    writes = [(e["method"], e["status"]) for e in entries if e["write"]]
    assert writes == [("PUT", 201), ("PATCH", 200), ("DELETE", 202)]
    reads = [e for e in entries if not e["write"]]
    assert reads and all(e["method"] == "GET" for e in reads)
    assert all(e["seq"] > seq for e in entries) and [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert all(e["duration_ms"] >= 0 and e["kind"] == "arm" for e in entries)
