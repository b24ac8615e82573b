"""Microsoft.Authorization locks and role assignments at resource-group scope (metadata), over raw HTTP."""

import uuid

import pytest
from deployment_helpers import new_group


def url(fast, rg, kind, name):
    return f"{fast.url}/subscriptions/{fast.subscription}/resourceGroups/{rg}/providers/Microsoft.Authorization/{kind}/{name}"


def test_lock_lifecycle(fast):
    http, rg = fast.http(), new_group(fast, "auth")
    answer = http.put(url(fast, rg, "locks", "keep"), params={"api-version": "2016-09-01"},
                      json={"properties": {"level": "canNotDelete", "notes": "keep it"}})
    assert answer.status_code == 201
    assert answer.json()["properties"] == {"level": "CanNotDelete", "notes": "keep it", "owners": []}
    refused = http.put(url(fast, rg, "locks", "bad"), params={"api-version": "2016-09-01"},
                       json={"properties": {"level": "Sometimes"}})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "LockLevelInvalid"
    assert http.delete(url(fast, rg, "locks", "keep"), params={"api-version": "2016-09-01"}).status_code == 200


@pytest.mark.parametrize("name, properties, code", [
    ("not-a-guid", {}, "InvalidRoleAssignmentId"),
    (None, {"roleDefinitionId": "contributor"}, "InvalidRoleDefinitionId"),
    (None, {"principalId": "someone"}, "InvalidPrincipalId"),
])
def test_role_assignment_checks(fast, name, properties, code):
    http, rg = fast.http(), new_group(fast, "auth")
    definition = f"/subscriptions/{fast.subscription}/providers/Microsoft.Authorization/roleDefinitions/" \
                 "b24988ac-6180-42a0-ab88-20f7382dd24c"
    body = {"properties": {"roleDefinitionId": definition, "principalId": str(uuid.uuid4()), **properties}}
    answer = http.put(url(fast, rg, "roleAssignments", name or str(uuid.uuid4())), params={"api-version": "2022-04-01"},
                      json=body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code


def test_role_assignment_records_its_scope(fast):
    http, rg = fast.http(), new_group(fast, "auth")
    definition = f"/subscriptions/{fast.subscription}/providers/Microsoft.Authorization/roleDefinitions/" \
                 "b24988ac-6180-42a0-ab88-20f7382dd24c"
    name = str(uuid.uuid4())
    answer = http.put(url(fast, rg, "roleAssignments", name), params={"api-version": "2022-04-01"},
                      json={"properties": {"roleDefinitionId": definition, "principalId": str(uuid.uuid4())}})
    assert answer.status_code == 201
    assert answer.json()["properties"]["scope"] == f"/subscriptions/{fast.subscription}/resourceGroups/{rg}"
