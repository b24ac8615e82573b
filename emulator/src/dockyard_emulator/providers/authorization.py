"""Microsoft.Authorization at resource-group scope: management locks and role assignments, as metadata.

Enough for templates that lock the group they create or grant a principal a role on it (the quickstart
create-rg-lock-role-assignment): the records are kept and returned with Azure's shapes and checks (a
role assignment's name is a GUID, its role definition an id). What they would enforce on Azure is not
enforced: a CanNotDelete lock does not stop a delete, and no call is authorised by a role.
"""

from __future__ import annotations

import re
from typing import Any

from ..context import Context
from ..errors import ArmError
from ..registry import Provider
from ..resource_type import ResourceId, ResourceType, utcnow
from ..store import Resource

PROVIDER = Provider("Microsoft.Authorization")
LOCK_VERSIONS = ("2020-05-01", "2017-04-01", "2016-09-01", "2015-01-01")
ROLE_VERSIONS = ("2022-04-01", "2020-10-01-preview", "2020-04-01-preview", "2018-09-01-preview", "2018-01-01-preview",
                 "2015-07-01")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
ROLE_DEFINITION = re.compile(r"^/subscriptions/[^/]+/providers/Microsoft\.Authorization/roleDefinitions/[0-9a-fA-F-]{36}$",
                             re.IGNORECASE)


@PROVIDER.resource_type
class Locks(ResourceType):
    name = "locks"
    api_versions = LOCK_VERSIONS
    tracked = False

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        props = body.get("properties") or {}
        level = next((v for v in ("CanNotDelete", "ReadOnly") if str(props.get("level", "")).lower() == v.lower()), None)
        if level is None:
            raise ArmError(400, "LockLevelInvalid", f"The lock level '{props.get('level')}' is not valid. Valid values "
                           "are 'CanNotDelete' and 'ReadOnly'.", target="properties.level")
        properties: dict[str, Any] = {"level": level}
        if props.get("notes"):
            properties["notes"] = str(props["notes"])
        properties["owners"] = list(props.get("owners") or [])
        return {"properties": properties}

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        """A lock has no provisioning state on Azure (it is written at once)."""
        body = dict(resource["body"])
        body["properties"] = {k: v for k, v in body["properties"].items() if k != "provisioningState"}
        return body


@PROVIDER.resource_type
class RoleAssignments(ResourceType):
    name = "roleAssignments"
    api_versions = ROLE_VERSIONS
    tracked = False

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        if not GUID.match(rid.name):
            raise ArmError(400, "InvalidRoleAssignmentId", f"The role assignment ID '{rid.name}' is not valid. The role "
                           "assignment ID must be a GUID.")
        props = body.get("properties") or {}
        definition = str(props.get("roleDefinitionId", ""))
        if not ROLE_DEFINITION.match(definition):
            raise ArmError(400, "InvalidRoleDefinitionId", f"The role definition ID '{definition}' is not valid.",
                           target="properties.roleDefinitionId")
        principal = str(props.get("principalId", ""))
        if not GUID.match(principal):
            raise ArmError(400, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.",
                           target="properties.principalId")
        if existing and (existing["body"]["properties"]["principalId"] != principal or
                         existing["body"]["properties"]["roleDefinitionId"].lower() != definition.lower()):
            raise ArmError(400, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope "
                           "are not allowed to be updated.")
        scope = rid.id.rsplit("/providers/Microsoft.Authorization/", 1)[0]
        now = (existing["body"]["properties"].get("createdOn") if existing else None) or utcnow()
        properties = {"roleDefinitionId": definition, "principalId": principal,
                      "principalType": props.get("principalType") or "User", "scope": scope,
                      "createdOn": now, "updatedOn": utcnow()}
        return {"properties": properties}
