"""Microsoft.Storage storage accounts over raw HTTP (the collection has no storage client): the creation LRO,
endpoints, keys, and the errors Azure gives for names and SKUs."""

import time

import pytest
from deployment_helpers import new_group

API = "2023-05-01"


@pytest.fixture(scope="module")
def http(fast):
    return fast.http()


def account_url(fast, rg, name, suffix=""):
    return (f"{fast.url}/subscriptions/{fast.subscription}/resourceGroups/{rg}/providers/Microsoft.Storage/"
            f"storageAccounts/{name}{suffix}")


def create(fast, http, rg, name, **body):
    payload = {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2", **body}
    return http.put(account_url(fast, rg, name), params={"api-version": API}, json=payload)


def test_create_is_a_202_with_a_location_then_the_account(fast, http):
    rg = new_group(fast, "st")
    answer = create(fast, http, rg, "dockyardst01", tags={"app": "web"})
    assert answer.status_code == 202 and answer.content == b""
    location = answer.headers["Location"]
    deadline = time.monotonic() + 10
    while (result := http.get(location)).status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert result.status_code == 200
    account = http.get(account_url(fast, rg, "dockyardst01"), params={"api-version": API}).json()
    assert account["sku"] == {"name": "Standard_LRS", "tier": "Standard"} and account["kind"] == "StorageV2"
    props = account["properties"]
    assert props["provisioningState"] == "Succeeded" and props["accessTier"] == "Hot"
    assert props["primaryEndpoints"]["blob"] == "https://dockyardst01.blob.core.windows.net/"
    assert account["tags"] == {"app": "web"}
    again = create(fast, http, rg, "dockyardst01", tags={"app": "api"})
    assert again.status_code == 200 and again.json()["tags"] == {"app": "api"}


def test_keys(fast, http):
    rg = new_group(fast, "st")
    create(fast, http, rg, "dockyardkeys1")
    keys = http.post(account_url(fast, rg, "dockyardkeys1", "/listKeys"), params={"api-version": API}).json()["keys"]
    assert [k["keyName"] for k in keys] == ["key1", "key2"] and all(len(k["value"]) > 40 for k in keys)
    renewed = http.post(account_url(fast, rg, "dockyardkeys1", "/regenerateKey"), params={"api-version": API},
                        json={"keyName": "key2"}).json()["keys"]
    assert renewed[0]["value"] == keys[0]["value"] and renewed[1]["value"] != keys[1]["value"]


@pytest.mark.parametrize("name, body, status, code", [
    ("Bad_Name", {}, 400, "AccountNameInvalid"),
    ("ab", {}, 400, "AccountNameInvalid"),
    ("dockyardsku1", {"sku": {"name": "Gold_LRS"}}, 400, "InvalidValuesForRequestParameters"),
    ("dockyardsku2", {"sku": None}, 400, "MissingRequiredProperty"),
])
def test_refused_accounts(fast, http, name, body, status, code):
    rg = new_group(fast, "st")
    payload = {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2", **body}
    if payload["sku"] is None:
        del payload["sku"]
    answer = http.put(account_url(fast, rg, name), params={"api-version": API}, json=payload)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)


def test_names_are_global(fast, http):
    first, second = new_group(fast, "st"), new_group(fast, "st")
    create(fast, http, first, "dockyardglob1")
    answer = create(fast, http, second, "dockyardglob1")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "StorageAccountAlreadyTaken"
