"""ARM protocol basics checked with plain HTTP: authentication, api-version, errors, metadata."""

import pytest

API = "api-version=2025-04-01"


@pytest.fixture(scope="module")
def arm(emulator):
    session = emulator.http()
    session.headers["Authorization"] = f"Bearer {emulator.token()}"
    return session


def test_missing_token_is_401_with_challenge(emulator):
    response = emulator.http().get(f"{emulator.url}/subscriptions/{emulator.subscription}/resourcegroups?{API}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
    assert response.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")
    assert response.headers["x-ms-request-id"] and response.headers["x-ms-correlation-request-id"]


def test_invalid_token_is_401(emulator):
    response = emulator.http().get(f"{emulator.url}/subscriptions?{API}",
                                   headers={"Authorization": "Bearer abc.def.ghi"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_token_for_another_audience_is_401(emulator, arm):
    token = emulator.credential().get_token("https://vault.azure.net/.default").token
    response = emulator.http().get(f"{emulator.url}/subscriptions?{API}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"


def test_missing_api_version_is_400(emulator, arm):
    response = arm.get(f"{emulator.url}/subscriptions/{emulator.subscription}/resourcegroups")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "MissingApiVersionParameter", "message":
                                         "The api-version query parameter (?api-version=) is required for all "
                                         "requests."}}


def test_unsupported_api_version_is_400(emulator, arm):
    response = arm.get(f"{emulator.url}/subscriptions/{emulator.subscription}/resourcegroups?api-version=2099-01-01")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "NoRegisteredProviderFound"


@pytest.mark.parametrize("path, code", [
    ("/resourceGroups/missing/providers/Microsoft.Nope/things/x", "InvalidResourceNamespace"),
    ("/resourceGroups/missing/providers/Microsoft.ManagedIdentity/nothings/x", "InvalidResourceType"),
    ("/resourceGroups/missing?x=1", "ResourceGroupNotFound"),
    ("/resourceGroups/missing/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x", "ResourceGroupNotFound"),
])
def test_not_found_paths(emulator, arm, path, code):
    path, _, extra = path.partition("?")
    version = "2025-04-01" if extra else "2023-01-31"  # resource groups / managed identities
    response = arm.get(f"{emulator.url}/subscriptions/{emulator.subscription}{path}?api-version={version}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == code


def test_other_subscription_is_not_found(emulator, arm):
    response = arm.get(f"{emulator.url}/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups?{API}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "SubscriptionNotFound"


def test_subscription_and_locations(emulator, arm):
    sub = arm.get(f"{emulator.url}/subscriptions/{emulator.subscription}?api-version=2022-12-01").json()
    assert sub["subscriptionId"] == emulator.subscription and sub["state"] == "Enabled"
    assert sub["tenantId"] == emulator.env["AZURE_TENANT_ID"]
    names = {loc["name"] for loc in arm.get(
        f"{emulator.url}/subscriptions/{emulator.subscription}/locations?api-version=2022-12-01").json()["value"]}
    assert {"westeurope", "northeurope", "eastus", "eastus2", "westus2", "uksouth", "germanywestcentral"} <= names


def test_providers_via_sdk(emulator):
    client = emulator.client()
    namespaces = {p.namespace for p in client.providers.list()}
    assert {"Microsoft.Resources", "Microsoft.ManagedIdentity"} <= namespaces
    msi = client.providers.get("Microsoft.ManagedIdentity")
    assert msi.registration_state == "Registered"
    types = {t.resource_type: t for t in msi.resource_types}
    assert "2023-01-31" in types["userAssignedIdentities"].api_versions
    assert "West Europe" in types["userAssignedIdentities"].locations


def test_typed_collections_and_control_api(emulator, arm):
    client = emulator.client()
    client.resource_groups.create_or_update("rg-collections", {"location": "eastus"})
    base = f"{emulator.url}/subscriptions/{emulator.subscription}"
    put = arm.put(f"{base}/resourceGroups/rg-collections/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
                  f"ua1?api-version=2023-01-31", json={"location": "eastus"})
    assert put.status_code == 201 and put.json()["properties"]["isolationScope"] == "None"
    in_group = arm.get(f"{base}/resourceGroups/rg-collections/providers/Microsoft.ManagedIdentity/"
                       "userAssignedIdentities?api-version=2023-01-31").json()["value"]
    in_sub = arm.get(f"{base}/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=2023-01-31")
    assert [i["name"] for i in in_group] == ["ua1"] and "ua1" in [i["name"] for i in in_sub.json()["value"]]
    assert arm.delete(emulator.url + put.json()["id"] + "?api-version=2023-01-31").status_code == 200
    assert arm.delete(emulator.url + put.json()["id"] + "?api-version=2023-01-31").status_code == 204
    deleted = emulator.control("DELETE", "requests")["deleted"]
    assert deleted > 0 and emulator.control("GET", "requests")["value"] == []
    arm.get(f"{base}?api-version=2022-12-01")
    entries = emulator.control("GET", "requests")["value"]
    assert len(entries) == 1 and entries[0]["seq"] > deleted - 1 and entries[0]["write"] is False
