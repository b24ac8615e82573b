"""Microsoft.Storage: storage accounts (metadata: endpoints, SKU, kind, keys), so templates that create a
storage account, read its endpoints with reference() or its keys with listKeys() deploy as on Azure.

Creation is a long-running operation answered 202 with a Location URL (as the Storage provider does);
an update of an existing account answers 200 at once. Names are global on Azure: an account name used
in another resource group is taken. No data plane: the endpoints are names only.
"""
from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from ..context import Context
from ..errors import ArmError
from ..registry import Provider
from ..resource_type import ResourceId, ResourceType, utcnow
from ..store import Resource
from ..web import Response

PROVIDER = Provider("Microsoft.Storage")
VERSIONS = ("2025-01-01", "2024-01-01", "2023-05-01", "2023-04-01", "2023-01-01", "2022-09-01", "2022-05-01",
            "2021-09-01", "2021-08-01", "2021-06-01", "2021-04-01", "2021-02-01", "2021-01-01", "2020-08-01-preview",
            "2019-06-01", "2019-04-01", "2018-11-01", "2018-07-01", "2018-02-01", "2017-10-01", "2017-06-01",
            "2016-12-01", "2016-05-01", "2016-01-01", "2015-06-15")
SKUS = ("Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Premium_LRS", "Premium_ZRS",
        "Standard_GZRS", "Standard_RAGZRS", "StandardV2_LRS", "StandardV2_GRS", "StandardV2_ZRS", "StandardV2_GZRS")
KINDS = ("Storage", "StorageV2", "BlobStorage", "FileStorage", "BlockBlobStorage")
NAME = re.compile(r"^[a-z0-9]{3,24}$")
TYPE = "Microsoft.Storage/storageAccounts"


def _canonical(value: Any, allowed: tuple[str, ...]) -> str | None:
    return next((option for option in allowed if isinstance(value, str) and value.lower() == option.lower()), None)


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(64)).decode()


@PROVIDER.resource_type
class StorageAccounts(ResourceType):
    name = "storageAccounts"
    api_versions = VERSIONS
    async_put = True
    put_headers = ("Location",)          # a creation is answered 202 with a Location only
    lro_headers = ("Location",)
    actions = ("listKeys", "regenerateKey")
    removal_rank = 40

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        if not NAME.match(rid.name):
            raise ArmError(400, "AccountNameInvalid", f"{rid.name} is not a valid storage account name. Storage account "
                           "name must be between 3 and 24 characters in length and use numbers and lower-case letters "
                           "only.")
        taken = [r for r in ctx.store.resources("/subscriptions/", [TYPE])
                 if r["body"]["name"] == rid.name and r["id"].lower() != rid.id.lower()]
        if taken:
            raise ArmError(409, "StorageAccountAlreadyTaken", f"The storage account named {rid.name} is already taken.")
        old = existing["body"] if existing else {}
        sku = _canonical((body.get("sku") or {}).get("name"), SKUS)
        if sku is None:
            raise ArmError(400, "InvalidValuesForRequestParameters" if body.get("sku") else "MissingRequiredProperty",
                           f"Values for request parameters are invalid: sku.name '{(body.get('sku') or {}).get('name')}'."
                           if body.get("sku") else "The required property 'sku' is missing from the request.")
        kind = _canonical(body.get("kind") or old.get("kind"), KINDS)
        if kind is None:
            raise ArmError(400, "InvalidValuesForRequestParameters", f"Values for request parameters are invalid: kind "
                           f"'{body.get('kind')}'.")
        props = body.get("properties") or {}
        old_props = old.get("properties") or {}
        name, location = rid.name, body["location"]
        properties: dict[str, Any] = {k: v for k, v in props.items() if k not in ("provisioningState", "primaryEndpoints")}
        properties.setdefault("supportsHttpsTrafficOnly", True)
        properties.setdefault("minimumTlsVersion", "TLS1_0")
        properties.setdefault("allowBlobPublicAccess", False)
        properties.setdefault("networkAcls", {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [],
                                              "defaultAction": "Allow"})
        properties.setdefault("encryption", {"services": {"file": {"keyType": "Account", "enabled": True},
                                                          "blob": {"keyType": "Account", "enabled": True}},
                                             "keySource": "Microsoft.Storage"})
        if kind in ("StorageV2", "BlobStorage"):
            properties.setdefault("accessTier", "Hot")
        endpoints = {service: f"https://{name}.{service}.core.windows.net/" for service in ("blob", "queue", "table",
                                                                                            "file")}
        if kind == "StorageV2":
            endpoints.update(dfs=f"https://{name}.dfs.core.windows.net/", web=f"https://{name}.z6.web.core.windows.net/")
        properties.update(primaryEndpoints=endpoints, primaryLocation=location, statusOfPrimary="available",
                          creationTime=old_props.get("creationTime") or utcnow())
        internal = (existing["internal"] if existing else None) or {"keys": [_key(), _key()], "keyTime": utcnow()}
        result: dict[str, Any] = {"sku": {"name": sku, "tier": "Premium" if sku.startswith("Premium") else "Standard"},
                                  "kind": kind, "properties": properties, "_internal": internal}
        if body.get("identity"):
            result["identity"] = body["identity"]
        return result

    def put(self, ctx: Context, rid: ResourceId, body: dict[str, Any] | None = None) -> Response:
        response = super().put(ctx, rid, body)
        if response.status == 201:          # Storage answers a creation 202 with a Location and no body
            response.status, response.body = 202, None
        return response

    def keys(self, resource: Resource) -> dict[str, Any]:
        internal = resource["internal"]
        return {"keys": [{"keyName": f"key{i + 1}", "value": value, "permissions": "FULL",
                          "creationTime": internal.get("keyTime")} for i, value in enumerate(internal["keys"])]}

    def action_listkeys(self, ctx: Context, resource: Resource) -> Response:
        return Response(200, self.keys(resource))

    def action_regeneratekey(self, ctx: Context, resource: Resource) -> Response:
        name = str(ctx.json().get("keyName", ""))
        if name not in ("key1", "key2"):
            raise ArmError(400, "InvalidValuesForRequestParameters", "Values for request parameters are invalid: "
                           "keyName.")
        resource["internal"]["keys"][int(name[-1]) - 1] = _key()
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return Response(200, self.keys(resource))
