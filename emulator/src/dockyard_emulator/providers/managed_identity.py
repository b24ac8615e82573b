"""Microsoft.ManagedIdentity: user-assigned identities and their federated identity credentials."""

from __future__ import annotations

import uuid
from typing import Any

from ..context import Context
from ..errors import ArmError
from ..registry import Provider
from ..resource_type import ResourceId, ResourceType
from ..store import Resource

PROVIDER = Provider("Microsoft.ManagedIdentity")
VERSIONS = ("2024-11-30", "2023-07-31-preview", "2023-01-31", "2022-01-31-preview", "2021-09-30-preview",
            "2018-11-30", "2015-08-31-preview")


@PROVIDER.resource_type
class UserAssignedIdentities(ResourceType):
    name = "userAssignedIdentities"
    api_versions = VERSIONS

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        if existing:
            properties = dict(existing["body"]["properties"])
        else:
            properties = {"tenantId": ctx.app.identity["tenant_id"], "principalId": str(uuid.uuid4()),
                          "clientId": str(uuid.uuid4())}
        if (ctx.api_version or "") >= "2023-01-31":
            properties["isolationScope"] = (body.get("properties") or {}).get("isolationScope", "None")
        return {"properties": properties}


@PROVIDER.resource_type
class FederatedIdentityCredentials(ResourceType):
    name = "userAssignedIdentities/federatedIdentityCredentials"
    api_versions = VERSIONS[:4]
    tracked = False

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        properties = body.get("properties") or {}
        for key in ("issuer", "subject", "audiences"):
            if not properties.get(key):
                raise ArmError(400, "BadRequest", f"The property '{key}' is required for a federated identity "
                               "credential.", target=f"properties.{key}")
        return {"properties": {"issuer": properties["issuer"], "subject": properties["subject"],
                               "audiences": list(properties["audiences"])}}
