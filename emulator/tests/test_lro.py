"""The generic long-running-operation machinery, through a test-only provider served in-process.

Providers for Microsoft.Network / Microsoft.Compute build on exactly this: a ResourceType with
async_put / async_delete, whose operations answer via Azure-AsyncOperation and Location.
"""

import threading
import time

import pytest
import requests
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import GenericResource

from dockyard_emulator.errors import ArmError
from dockyard_emulator.registry import Provider
from dockyard_emulator.resource_type import ResourceType
from dockyard_emulator.server import Emulator, HttpsServer

API = "2024-01-01"
PROVIDER = Provider("Dockyard.Test")


@PROVIDER.resource_type
class Widgets(ResourceType):
    name = "widgets"
    api_versions = (API,)
    async_put = async_delete = True
    put_headers = ("Azure-AsyncOperation", "Location")  # both, so the test exercises a PUT's Location URL too
    released = []

    def build(self, ctx, rid, body, existing):
        size = (body.get("properties") or {}).get("size", 1)
        if not isinstance(size, int) or size < 1:
            raise ArmError(400, "InvalidParameter", "size must be a positive integer.", target="properties.size")
        return {"properties": {"size": size}}

    def provisioned(self, ctx, resource):
        if resource["body"]["properties"]["size"] == 13:
            raise ArmError(409, "UnluckyWidget", "Widgets of size 13 fail to provision.")
        resource["internal"]["backend"] = "ready"
        self.save(ctx, resource["id"], resource["body"], resource["internal"])

    def release(self, ctx, resource):
        self.released.append((resource["body"]["name"], resource["internal"].get("backend")))


@PROVIDER.resource_type
class Gears(ResourceType):
    name = "widgets/gears"
    api_versions = (API,)
    tracked = False


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    app = Emulator(tmp_path_factory.mktemp("lro"), {"lro_seconds": 0.3, "retry_after": 1, "port": 0})
    app.registry.add(PROVIDER)  # a test-only provider, registered as providers.PROVIDERS registers the real ones
    server = HttpsServer(app, ("127.0.0.1", 0))
    app.base_url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    from azure.identity import ClientSecretCredential
    bundle = str(app.state_dir / "ca-bundle.pem")
    identity = app.identity
    credential = ClientSecretCredential(identity["tenant_id"], identity["client_id"], identity["client_secret"],
                                        authority=app.base_url, disable_instance_discovery=True,
                                        connection_verify=bundle)
    client = ResourceManagementClient(credential, identity["subscription_id"], base_url=app.base_url,
                                      connection_verify=bundle)
    client.resource_groups.create_or_update("rg-lro", {"location": "westeurope"})
    yield app, client, credential, bundle
    server.shutdown()
    server.server_close()


def widget(app, name):
    return (f"/subscriptions/{app.identity['subscription_id']}/resourceGroups/rg-lro/providers/Dockyard.Test/"
            f"widgets/{name}")


def test_async_put_and_delete(local):
    app, client, credential, bundle = local
    session = requests.Session()
    session.verify, session.trust_env = bundle, False
    session.headers["Authorization"] = "Bearer " + credential.get_token("https://management.azure.com/.default").token
    url = f"{app.base_url}{widget(app, 'w1')}?api-version={API}"
    first = session.put(url, json={"location": "westeurope", "properties": {"size": 2}})
    assert first.status_code == 201 and first.json()["properties"]["provisioningState"] == "Creating"
    assert first.headers["Retry-After"] == "1"
    status = session.get(first.headers["Azure-AsyncOperation"]).json()
    assert status["status"] == "InProgress"
    assert session.get(first.headers["Location"]).status_code == 202
    busy = session.put(url, json={"location": "westeurope", "properties": {"size": 3}})
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "AnotherOperationInProgress"
    while session.get(first.headers["Azure-AsyncOperation"]).json()["status"] == "InProgress":
        time.sleep(0.05)
    done = client.resources.begin_create_or_update_by_id(
        widget(app, "w1"), GenericResource(location="westeurope", properties={"size": 3}), api_version=API).result()
    assert done.properties == {"size": 3, "provisioningState": "Succeeded"}
    assert session.get(first.headers["Azure-AsyncOperation"]).json()["status"] == "Succeeded"
    final = session.get(first.headers["Location"])
    assert final.status_code == 200 and final.json()["properties"]["provisioningState"] == "Succeeded"
    gear = client.resources.begin_create_or_update_by_id(widget(app, "w1") + "/gears/g1",
                                                         GenericResource(properties={}), api_version=API).result()
    assert gear.id == widget(app, "w1") + "/gears/g1"
    listed = session.get(f"{app.base_url}{widget(app, 'w1')}/gears?api-version={API}").json()["value"]
    assert [g["name"] for g in listed] == ["g1"]
    client.resources.begin_delete_by_id(widget(app, "w1"), api_version=API).result()
    assert ("w1", "ready") in Widgets.released
    assert session.get(f"{app.base_url}{widget(app, 'w1')}/gears/g1?api-version={API}").status_code == 404


def test_failed_provisioning(local):
    app, client, _, _ = local
    poller = client.resources.begin_create_or_update_by_id(
        widget(app, "w13"), GenericResource(location="westeurope", properties={"size": 13}), api_version=API)
    with pytest.raises(Exception, match="UnluckyWidget"):
        poller.result()
    assert client.resources.get_by_id(widget(app, "w13"), api_version=API).properties["provisioningState"] == "Failed"


def test_validation_and_parent_rules(local):
    from azure.core.exceptions import HttpResponseError
    app, client, _, _ = local
    with pytest.raises(HttpResponseError) as info:
        client.resources.begin_create_or_update_by_id(
            widget(app, "bad"), GenericResource(location="westeurope", properties={"size": 0}), api_version=API)
    assert info.value.error.code == "InvalidParameter" and info.value.status_code == 400
    with pytest.raises(HttpResponseError) as info:
        client.resources.begin_create_or_update_by_id(widget(app, "none") + "/gears/g", GenericResource(),
                                                      api_version=API)
    assert info.value.error.code == "ParentResourceNotFound"
