"""Microsoft.ContainerRegistry/registries: ARM's view of a registry, each served by a real registry server.

PUT/PATCH/DELETE are long-running operations whose status lives under the registry
(``.../registries/{name}/operationStatuses/registries-{id}``, as ACR answers); the operation completes
once the registry's server answers (create/update) or has stopped and its storage is gone (delete).
Names are global (one namespace for the whole emulator, case-insensitive): 5-50 alphanumerics.
``loginServer`` is where the registry's server listens (``<host address>:<port>``, see
:mod:`.servers`), not ``<name>.azurecr.io``: no DNS name resolves here.
"""
from __future__ import annotations

import datetime
import re
import secrets
from pathlib import Path
from typing import Any

from ... import lro
from ...context import Context
from ...errors import ArmError
from ...registry import Provider
from ...resource_type import ResourceId, ResourceType, Work
from ...store import Resource
from ...web import Response
from .servers import REGISTRY_TYPE, servers

PROVIDER = Provider("Microsoft.ContainerRegistry")
VERSIONS = ("2025-11-01", "2025-04-01", "2023-11-01-preview", "2023-07-01", "2023-01-01-preview", "2022-12-01",
            "2021-09-01", "2019-05-01", "2017-10-01")
NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")
SKUS = ("Basic", "Standard", "Premium")
# what a SKU includes (listUsages): storage in bytes, webhooks
SKU_LIMITS = {"Basic": (10 * 2**30, 2), "Standard": (100 * 2**30, 10), "Premium": (500 * 2**30, 500)}
PASSWORD_NAMES = ("password", "password2")
ADMIN_DISABLED = ("Cannot perform credential operations for {id} as admin user is disabled. Kindly enable admin "
                  "user as per docs: https://docs.microsoft.com/en-us/azure/container-registry/"
                  "container-registry-authentication#admin-account")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a registry name, or None."""
    if not NAME.match(name or ""):
        return (f"The registry name '{name}' is invalid: registry names may contain only alphanumeric characters "
                "and must be between 5 and 50 characters.")
    return None


def holder(ctx: Context, name: str) -> Resource | None:
    """The registry that holds ``name`` anywhere in the emulator (names are global)."""
    for record in ctx.store.resources("/subscriptions/", [REGISTRY_TYPE]):
        if record["body"]["name"].lower() == name.lower():
            return record
    return None


def default_properties(version: str) -> dict[str, Any]:
    """What a registry has when the PUT does not say (2025-11-01's schema; older versions see a subset)."""
    properties: dict[str, Any] = {
        "adminUserEnabled": False,
        "networkRuleSet": {"defaultAction": "Allow", "ipRules": []},
        "policies": {"quarantinePolicy": {"status": "disabled"},
                     "trustPolicy": {"type": "Notary", "status": "disabled"},
                     "retentionPolicy": {"days": 7, "status": "disabled"},
                     "exportPolicy": {"status": "enabled"}},
        "encryption": {"status": "disabled"},
        "dataEndpointEnabled": False,
        "publicNetworkAccess": "Enabled",
        "networkRuleBypassOptions": "AzureServices",
        "zoneRedundancy": "Disabled",
        "anonymousPullEnabled": False,
    }
    if version >= "2023-01-01-preview":
        properties["policies"]["azureADAuthenticationAsArmPolicy"] = {"status": "enabled"}
    if version >= "2025-04-01":
        properties["networkRuleBypassAllowedForTasks"] = False
    if version >= "2025-11-01":
        properties["roleAssignmentMode"] = "LegacyRegistryPermissions"
    return properties


def _utcnow() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


@PROVIDER.resource_type
class Registries(ResourceType):
    name = "registries"
    api_versions = VERSIONS
    async_put = True
    async_delete = True
    actions = ("listCredentials", "regenerateCredential")
    operation_path = "{target}/{kind}/registries-{id}"
    operation_kinds = ("operationStatuses", "operationStatuses")
    removal_rank = 40

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        if existing is None:
            problem = name_problem(rid.name)
            if problem:
                raise ArmError(400, "InvalidResourceName", problem)
            taken = holder(ctx, rid.name)
            if taken is not None:
                raise ArmError(409, "AlreadyInUse", f"The registry DNS name {rid.name.lower()}.azurecr.io is already "
                               "in use. You can check if the name is already claimed using following API: "
                               "https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/"
                               "checknameavailability")
        sku = body.get("sku")
        if not isinstance(sku, dict) or not sku.get("name"):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                           "deserialized: 'Required property 'sku' not found in JSON.'", target="sku")
        sku_name = next((s for s in SKUS if s.lower() == str(sku["name"]).lower()), None)
        if sku_name is None:
            raise ArmError(400, "InvalidSkuName", f"The SKU '{sku['name']}' is not valid. The registry SKU must be one "
                           f"of: {', '.join(SKUS)}.", target="sku.name")
        given = body.get("properties") or {}
        if not isinstance(given, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                           "deserialized: 'properties' must be an object.", target="properties")
        for flag in ("adminUserEnabled", "anonymousPullEnabled", "dataEndpointEnabled"):
            if flag in given and not isinstance(given[flag], bool):
                raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be "
                               f"deserialized: '{flag}' must be true or false.", target=f"properties.{flag}")
        if given.get("anonymousPullEnabled") and sku_name == "Basic":
            raise ArmError(400, "AnonymousPullNotSupported", "Anonymous pull is not supported for SKU Basic. Use "
                           "SKU Standard or Premium.", target="properties.anonymousPullEnabled")
        old = existing["body"]["properties"] if existing else {}
        properties = default_properties(ctx.api_version or VERSIONS[0])
        properties.update({k: v for k, v in old.items() if k in properties})
        properties.update({k: v for k, v in given.items() if k in properties})
        internal = dict(existing["internal"]) if existing else {}
        if existing is None:
            internal.update(servers(ctx.app).allocate(ctx))
            internal["passwords"] = [secrets.token_urlsafe(32) for _ in PASSWORD_NAMES]
            internal["creationDate"] = _utcnow()
        properties.update({
            "loginServer": f"{internal['host']}:{internal['port']}",
            "creationDate": internal["creationDate"],
            "status": None, "dataEndpointHostNames": [], "privateEndpointConnections": [],
        })
        doc: dict[str, Any] = {"sku": {"name": sku_name, "tier": sku_name}, "properties": properties,
                               "_internal": internal}
        identity = body.get("identity") or (existing["body"].get("identity") if existing else None)
        if identity:
            doc["identity"] = identity
        return doc

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = dict(resource["body"])
        properties = dict(body.get("properties") or {})
        properties.setdefault("loginServer", f"{resource['internal'].get('host')}:{resource['internal'].get('port')}")
        body["properties"] = properties
        return body

    # the registry server ---------------------------------------------------------------------
    def background_work(self, ctx: Context, target: str, kind: str) -> Work | None:
        if kind in ("create", "update"):
            def start(work_ctx: Context) -> None:
                record = work_ctx.store.resource(target)
                if record is not None:
                    servers(work_ctx.app).ensure_running(work_ctx, record)
            return start
        if kind == "delete":
            name = target.rstrip("/").rsplit("/", 1)[-1]
            return lambda work_ctx: servers(work_ctx.app).remove(name)
        return None

    def background_removal(self, ctx: Context, resource: Resource) -> Work | None:
        name = resource["body"]["name"]
        return lambda work_ctx: servers(work_ctx.app).remove(name)

    def release(self, ctx: Context, resource: Resource) -> None:
        registry_servers = servers(ctx.app)
        if registry_servers.running(resource["body"]["name"]):
            registry_servers.remove(resource["body"]["name"])

    # actions ------------------------------------------------------------------------------------
    @staticmethod
    def credentials(resource: Resource) -> dict[str, Any]:
        passwords = resource["internal"].get("passwords") or []
        return {"username": resource["body"]["name"],
                "passwords": [{"name": n, "value": v} for n, v in zip(PASSWORD_NAMES, passwords)]}

    def _require_admin(self, resource: Resource) -> None:
        if not resource["body"]["properties"].get("adminUserEnabled"):
            raise ArmError(400, "UnAuthorizedForCredentialOperations", ADMIN_DISABLED.format(id=resource["id"]))

    def action_listcredentials(self, ctx: Context, resource: Resource) -> Response:
        self._require_admin(resource)
        return Response(200, self.credentials(resource))

    def action_regeneratecredential(self, ctx: Context, resource: Resource) -> Response:
        self._require_admin(resource)
        which = ctx.json().get("name")
        if which not in PASSWORD_NAMES:
            raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be "
                           f"deserialized: 'name' must be one of {', '.join(PASSWORD_NAMES)}.", target="name")
        passwords = list(resource["internal"].get("passwords") or [])
        passwords[PASSWORD_NAMES.index(which)] = secrets.token_urlsafe(32)
        resource["internal"]["passwords"] = passwords
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return Response(200, self.credentials(resource))


REGISTRIES = PROVIDER.instance(Registries)
REGISTRY_PATH = ("/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.ContainerRegistry/"
                 "registries/{registry}")


@PROVIDER.route(["GET"], REGISTRY_PATH + "/operationStatuses/{operation}")
def operation_status(ctx: Context, operation: str, **_: str) -> Response:
    """ACR's operation status URL (Azure-AsyncOperation and Location of its long-running operations)."""
    return lro.status(ctx, operation.removeprefix("registries-"))


@PROVIDER.route(["GET"], REGISTRY_PATH + "/listUsages", VERSIONS)
def list_usages(ctx: Context, group: str, registry: str, **_: str) -> Response:
    """Storage used (bytes under the registry's storage) and what its SKU includes."""
    rid = ResourceId(f"/subscriptions/{ctx.subscription}/resourceGroups/{group}/providers/"
                     f"Microsoft.ContainerRegistry/registries/{registry}", registry, group)
    record = REGISTRIES.get_existing(ctx, rid)
    storage_limit, webhook_limit = SKU_LIMITS[record["body"]["sku"]["name"]]
    root = servers(ctx.app).directory(registry) / "storage"
    used = sum(p.stat().st_size for p in Path(root).rglob("*") if p.is_file()) if root.exists() else 0
    return Response(200, {"value": [
        {"name": "Size", "limit": storage_limit, "currentValue": used, "unit": "Bytes"},
        {"name": "Webhooks", "limit": webhook_limit, "currentValue": 0, "unit": "Count"},
        {"name": "ScopeMaps", "limit": 100 if record["body"]["sku"]["name"] == "Basic" else 50000,
         "currentValue": 0, "unit": "Count"},
        {"name": "Tokens", "limit": 100 if record["body"]["sku"]["name"] == "Basic" else 50000,
         "currentValue": 0, "unit": "Count"},
    ]})


@PROVIDER.route(["POST"], "/subscriptions/{subscription}/providers/Microsoft.ContainerRegistry/checkNameAvailability",
                VERSIONS, manifest_type="checkNameAvailability")
def check_name_availability(ctx: Context, **_: str) -> Response:
    body = ctx.json()
    name, kind = body.get("name"), body.get("type")
    if not isinstance(name, str) or kind != REGISTRY_TYPE:
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                       f"'name' (a string) and 'type' ('{REGISTRY_TYPE}') are required.")
    problem = name_problem(name)
    if problem:
        return Response(200, {"nameAvailable": False, "reason": "Invalid", "message": problem})
    if holder(ctx, name) is not None:
        return Response(200, {"nameAvailable": False, "reason": "AlreadyExists",
                              "message": f"The registry {name} is already in use."})
    return Response(200, {"nameAvailable": True})
