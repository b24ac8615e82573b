"""Microsoft.ContainerRegistry with the plain SDK client (azure-mgmt-containerregistry), and the real
registry servers behind it: Docker's registry protocol (v2) with ACR's token endpoints, over HTTPS."""

import hashlib
import json
import os
import socket
import time
import uuid

import pytest
from conftest import Emulator

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"


def registries(emu):
    from azure.mgmt.containerregistry import ContainerRegistryManagementClient
    return ContainerRegistryManagementClient(emu.credential(), emu.subscription, base_url=emu.url,
                                             connection_verify=emu.env["REQUESTS_CA_BUNDLE"], polling_interval=0.05)


def unique(prefix="acr"):
    return prefix + uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def acr(emulator):
    emulator.client().resource_groups.create_or_update("rg-acr", {"location": "westeurope"})
    return registries(emulator)


def create(acr, name, sku="Basic", admin=True, group="rg-acr", **properties):
    return acr.registries.begin_create(group, name, {"location": "westeurope", "sku": {"name": sku},
                                                     "properties": {"adminUserEnabled": admin, **properties}}).result()


class Registry:
    """The registry protocol over HTTPS, authenticating at the realm the registry names."""

    def __init__(self, emu, login_server):
        self.login_server, self.http = login_server, emu.http()
        challenge = self.http.get(f"https://{login_server}/v2/")
        assert challenge.status_code == 401
        scheme, _, params = challenge.headers["WWW-Authenticate"].partition(" ")
        assert scheme == "Bearer"
        fields = dict(p.split("=", 1) for p in params.split(","))
        self.realm, self.service = fields["realm"].strip('"'), fields["service"].strip('"')

    def token(self, scope, auth=None):
        return self.http.get(self.realm, params={"service": self.service, "scope": scope}, auth=auth)

    def bearer(self, scope, auth):
        answer = self.token(scope, auth)
        assert answer.status_code == 200, answer.text
        return {"Authorization": "Bearer " + answer.json()["access_token"]}

    def push(self, repository, tag, auth, payload=b"layer"):
        """Upload one blob and an OCI manifest referring to it; the manifest's digest."""
        headers = self.bearer(f"repository:{repository}:pull,push", auth)
        base = f"https://{self.login_server}/v2/{repository}"
        blobs = {}
        for data in (payload, b"{}"):
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            started = self.http.post(f"{base}/blobs/uploads/", headers=headers)
            assert started.status_code == 202, started.text
            location = started.headers["Location"]
            location = location if location.startswith("https://") else f"https://{self.login_server}{location}"
            done = self.http.put(location, params={"digest": digest}, data=data,
                                 headers={**headers, "Content-Type": "application/octet-stream"})
            assert done.status_code == 201, done.text
            blobs[data] = digest
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blobs[b"{}"], "size": 2},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": blobs[payload],
                        "size": len(payload)}]}).encode()
        answer = self.http.put(f"{base}/manifests/{tag}", data=manifest,
                               headers={**headers, "Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        assert answer.status_code == 201, answer.text
        return answer.headers["Docker-Content-Digest"]

    def manifest(self, repository, tag, auth):
        headers = self.bearer(f"repository:{repository}:pull", auth)
        return self.http.get(f"https://{self.login_server}/v2/{repository}/manifests/{tag}",
                             headers={**headers, "Accept": "application/vnd.oci.image.manifest.v1+json"})


def admin(acr, name, group="rg-acr", which=0):
    credentials = acr.registries.list_credentials(group, name)
    return credentials.username, credentials.passwords[which].value


def answers(login_server):
    host, port = login_server.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def test_create_is_a_long_running_operation_and_the_registry_serves(emulator, acr):
    name = unique()
    http = emulator.http()
    http.headers["Authorization"] = "Bearer " + emulator.token()
    url = (f"{emulator.url}/subscriptions/{emulator.subscription}/resourceGroups/rg-acr/providers/"
           f"{REGISTRY_TYPE}/{name}?api-version=2025-11-01")
    created = http.put(url, json={"location": "westeurope", "sku": {"name": "Standard"}, "tags": {"app": "demo"}})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["properties"]["provisioningState"] == "Creating"
    assert body["sku"] == {"name": "Standard", "tier": "Standard"}
    status_url = created.headers["Azure-AsyncOperation"]
    assert status_url.split("?")[0].startswith(url.split("?")[0] + "/operationStatuses/registries-")
    assert "Location" not in created.headers  # an async PUT answers 201 with Azure-AsyncOperation only (ARM's RPC)
    for _ in range(200):
        if http.get(status_url).json()["status"] != "InProgress":
            break
        time.sleep(0.05)
    assert http.get(status_url).json()["status"] == "Succeeded"
    assert acr.registries.get("rg-acr", name).login_server == body["properties"]["loginServer"]
    registry = acr.registries.begin_update("rg-acr", name, {"tags": {"app": "demo", "env": "test"}}).result()
    assert registry.provisioning_state == "Succeeded" and registry.tags == {"app": "demo", "env": "test"}
    assert http.get(status_url).json()["status"] == "Succeeded"
    got = http.get(url).json()
    assert got["properties"]["adminUserEnabled"] is False
    assert got["properties"]["policies"]["azureADAuthenticationAsArmPolicy"] == {"status": "enabled"}
    assert {"creationDate", "publicNetworkAccess", "zoneRedundancy", "anonymousPullEnabled",
            "roleAssignmentMode", "networkRuleSet", "encryption"} <= set(got["properties"])
    assert answers(registry.login_server)
    assert Registry(emulator, registry.login_server).service == registry.login_server
    assert name in [r.name for r in acr.registries.list_by_resource_group("rg-acr")]
    assert name in [r.name for r in acr.registries.list()]


def test_names_are_global_alphanumeric_and_checked_before_any_write(emulator, acr):
    emulator.client().resource_groups.create_or_update("rg-acr-other", {"location": "westeurope"})
    name = unique()
    create(acr, name)
    check = acr.registries.check_name_availability
    assert check({"name": unique(), "type": REGISTRY_TYPE}).name_available is True
    taken = check({"name": name.upper(), "type": REGISTRY_TYPE})
    assert (taken.name_available, taken.reason, taken.message) == (
        False, "AlreadyExists", f"The registry {name.upper()} is already in use.")
    for bad in ("acr", "my-registry", "a" * 51, "reg_01"):
        invalid = check({"name": bad, "type": REGISTRY_TYPE})
        assert invalid.name_available is False and invalid.reason == "Invalid", bad
    seq = emulator.last_seq()
    from azure.core.exceptions import HttpResponseError
    with pytest.raises(HttpResponseError) as conflict:
        create(acr, name.upper(), group="rg-acr-other")
    assert conflict.value.error.code == "AlreadyInUse"
    assert f"{name}.azurecr.io is already in use" in conflict.value.error.message
    with pytest.raises(HttpResponseError) as invalid:
        create(acr, "my-registry", group="rg-acr-other")
    assert invalid.value.status_code == 400 and invalid.value.error.code == "InvalidResourceName"
    with pytest.raises(HttpResponseError) as sku:
        create(acr, unique(), sku="Classic", group="rg-acr-other")
    assert sku.value.error.code == "InvalidSkuName"
    writes = [r for r in emulator.requests_since(seq) if r["write"]]
    assert all(w["status"] >= 400 for w in writes), writes
    assert [r.name for r in acr.registries.list_by_resource_group("rg-acr-other")] == []
    # a name check is a read in the request log
    seq = emulator.last_seq()
    check({"name": name, "type": REGISTRY_TYPE})
    logged = emulator.requests_since(seq)
    assert logged and not any(entry["write"] for entry in logged)


def test_admin_credentials_only_while_enabled_and_regenerated_one_at_a_time(emulator, acr):
    from azure.core.exceptions import HttpResponseError
    name = unique()
    create(acr, name, admin=False)
    with pytest.raises(HttpResponseError) as refused:
        acr.registries.list_credentials("rg-acr", name)
    assert refused.value.error.code == "UnAuthorizedForCredentialOperations"
    assert "admin user is disabled" in refused.value.error.message
    registry = acr.registries.begin_update("rg-acr", name, {"properties": {"adminUserEnabled": True}}).result()
    before = acr.registries.list_credentials("rg-acr", name)
    assert before.username == name and [p.name for p in before.passwords] == ["password", "password2"]
    after = acr.registries.regenerate_credential("rg-acr", name, {"name": "password2"})
    assert after.passwords[0].value == before.passwords[0].value
    assert after.passwords[1].value != before.passwords[1].value
    reg = Registry(emulator, registry.login_server)
    assert reg.token("registry:catalog:*", (name, after.passwords[0].value)).status_code == 200
    assert reg.token("registry:catalog:*", (name, after.passwords[1].value)).status_code == 200
    stale = reg.token("registry:catalog:*", (name, before.passwords[1].value))
    assert stale.status_code == 401
    assert stale.json()["errors"][0]["code"] == "UNAUTHORIZED"
    acr.registries.begin_update("rg-acr", name, {"properties": {"adminUserEnabled": False}}).result()
    assert reg.token("registry:catalog:*", (name, after.passwords[0].value)).status_code == 401


def test_push_and_pull_with_the_admin_user(emulator, acr):
    name = unique()
    registry = create(acr, name)
    reg, auth = Registry(emulator, registry.login_server), admin(acr, name)
    digest = reg.push("app/web", "1.0", auth)
    pulled = reg.manifest("app/web", "1.0", auth)
    assert pulled.status_code == 200 and pulled.headers["Docker-Content-Digest"] == digest
    catalog = emulator.http().get(f"https://{registry.login_server}/v2/_catalog",
                                  headers=reg.bearer("registry:catalog:*", auth))
    assert catalog.json()["repositories"] == ["app/web"]
    no_token = emulator.http().get(f"https://{registry.login_server}/v2/app/web/tags/list")
    assert no_token.status_code == 401
    assert reg.token("repository:app/web:pull", None).status_code == 401  # no anonymous pull
    usages = emulator.http()
    usages.headers["Authorization"] = "Bearer " + emulator.token()
    value = usages.get(f"{emulator.url}/subscriptions/{emulator.subscription}/resourceGroups/rg-acr/providers/"
                       f"{REGISTRY_TYPE}/{name}/listUsages?api-version=2025-11-01").json()["value"]
    size = next(u for u in value if u["name"] == "Size")
    assert size["currentValue"] > 0 and size["limit"] == 10 * 2**30


def test_entra_token_exchange_like_az_acr_login(emulator, acr):
    name = unique()
    registry = create(acr, name, admin=False)
    reg = Registry(emulator, registry.login_server)
    exchange_url = reg.realm.rsplit("/", 1)[0] + "/exchange"
    aad = emulator.credential().get_token("https://management.azure.com/.default").token
    exchanged = reg.http.post(exchange_url, data={"grant_type": "access_token", "service": reg.service,
                                                  "tenant": emulator.env["AZURE_TENANT_ID"], "access_token": aad})
    assert exchanged.status_code == 200, exchanged.text
    refresh = exchanged.json()["refresh_token"]
    digest = reg.push("team/api", "v1", (ZERO_GUID, refresh))  # docker login -u 0000... -p <refresh token>
    oauth = reg.http.post(reg.realm, data={"grant_type": "refresh_token", "service": reg.service,
                                           "scope": "repository:team/api:pull", "refresh_token": refresh})
    assert oauth.status_code == 200
    pulled = reg.http.get(f"https://{reg.login_server}/v2/team/api/manifests/v1",
                          headers={"Authorization": "Bearer " + oauth.json()["access_token"],
                                   "Accept": "application/vnd.oci.image.manifest.v1+json"})
    assert pulled.headers["Docker-Content-Digest"] == digest
    # a refresh token is for one registry; an ARM token is not a refresh token; garbage is refused
    other = Registry(emulator, create(acr, unique(), admin=False).login_server)
    assert other.token("registry:catalog:*", (ZERO_GUID, refresh)).status_code == 401
    assert reg.token("registry:catalog:*", (ZERO_GUID, aad)).status_code == 401
    bad = reg.http.post(exchange_url, data={"grant_type": "access_token", "service": reg.service,
                                            "access_token": aad[:-4] + "AAAA"})
    assert bad.status_code == 401 and bad.json()["errors"][0]["code"] == "UNAUTHORIZED"
    storage = emulator.credential().get_token("https://storage.azure.com/.default").token
    wrong_audience = reg.http.post(exchange_url, data={"grant_type": "access_token", "service": reg.service,
                                                       "access_token": storage})
    assert wrong_audience.status_code == 401 and "audience" in wrong_audience.json()["errors"][0]["message"]


def test_anonymous_pull_when_enabled_on_standard(emulator, acr):
    from azure.core.exceptions import HttpResponseError
    with pytest.raises(HttpResponseError) as basic:
        create(acr, unique(), sku="Basic", anonymousPullEnabled=True)
    assert basic.value.error.code == "AnonymousPullNotSupported"
    name = unique()
    registry = create(acr, name, sku="Standard", anonymousPullEnabled=True)
    reg = Registry(emulator, registry.login_server)
    reg.push("public/tool", "1", admin(acr, name))
    anonymous = reg.token("repository:public/tool:pull,push", None)
    assert anonymous.status_code == 200
    token = anonymous.json()["access_token"]
    pulled = reg.http.get(f"https://{reg.login_server}/v2/public/tool/manifests/1",
                          headers={"Authorization": "Bearer " + token,
                                   "Accept": "application/vnd.oci.image.manifest.v1+json"})
    assert pulled.status_code == 200
    upload = reg.http.post(f"https://{reg.login_server}/v2/public/tool/blobs/uploads/",
                           headers={"Authorization": "Bearer " + token})
    assert upload.status_code == 401  # pull only


def test_delete_stops_the_server_and_drops_its_storage(emulator, acr):
    name = unique()
    registry = create(acr, name)
    Registry(emulator, registry.login_server).push("x/y", "1", admin(acr, name))
    storage = emulator.state_dir / "registries" / name / "storage"
    assert storage.exists()
    acr.registries.begin_delete("rg-acr", name).result()
    assert not answers(registry.login_server)
    assert not storage.parent.exists()
    assert acr.registries.check_name_availability({"name": name, "type": REGISTRY_TYPE}).name_available


def test_resource_group_deletion_takes_its_registries(emulator, acr):
    emulator.client().resource_groups.create_or_update("rg-acr-doomed", {"location": "westeurope"})
    name = unique()
    registry = create(acr, name, group="rg-acr-doomed")
    emulator.client().resource_groups.begin_delete("rg-acr-doomed").result()
    assert not answers(registry.login_server)
    assert not (emulator.state_dir / "registries" / name).exists()


def test_registries_survive_an_emulator_restart(tmp_path):
    emu = Emulator(tmp_path / "state", "--port", 0, "--lro-seconds", 0.1)
    try:
        emu.client().resource_groups.create_or_update("rg-keep", {"location": "westeurope"})
        acr = registries(emu)
        name = unique()
        registry = create(acr, name, group="rg-keep")
        auth = admin(acr, name, group="rg-keep")
        digest = Registry(emu, registry.login_server).push("keep/me", "1", auth)
        pid_file = emu.state_dir / "registries" / name / "registry.pid"
        pid = int(pid_file.read_text())
        emu.stop()
        assert not os.path.exists(f"/proc/{pid}") and not answers(registry.login_server)
        emu.options = ()
        emu.start()
        assert answers(registry.login_server)  # served again once the emulator answers
        assert int(pid_file.read_text()) != pid
        pulled = Registry(emu, registry.login_server).manifest("keep/me", "1", admin(registries(emu), name, "rg-keep"))
        assert pulled.headers["Docker-Content-Digest"] == digest
    finally:
        emu.stop()


def test_a_registry_left_by_a_killed_emulator_is_adopted_then_stopped(tmp_path):
    import signal
    emu = Emulator(tmp_path / "state", "--port", 0, "--lro-seconds", 0.1)
    try:
        emu.client().resource_groups.create_or_update("rg-orphan", {"location": "westeurope"})
        registry = create(registries(emu), unique(), group="rg-orphan")
        pid = int((emu.state_dir / "registries" / registry.name / "registry.pid").read_text())
        os.kill(json.loads((emu.state_dir / "endpoint.json").read_text())["pid"], signal.SIGKILL)
        time.sleep(0.5)
        assert answers(registry.login_server)  # the server outlives the killed emulator...
        emu.options = ()
        emu.start()
        assert int((emu.state_dir / "registries" / registry.name / "registry.pid").read_text()) == pid  # ...is adopted
        emu.stop()
        assert not os.path.exists(f"/proc/{pid}") and not answers(registry.login_server)  # ...and stopped with it
    finally:
        emu.stop()
