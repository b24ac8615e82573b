"""The provider base: :class:`ResourceType` gives every resource type ARM's semantics.

ids, 201 on create / 200 on update, provisioningState, long-running operations, ARM's errors and
dependent-resource removal. A provider subclasses it per type, sets the class attributes and
overrides the hooks (``build``, ``provisioned``, ``check_delete``, ``release``, ``render``,
``background_work``); the generic handlers do the rest.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from . import locations, lro
from .errors import ArmError, not_found
from .store import Operation, Resource
from .web import Response

if TYPE_CHECKING:
    from .context import Context
    from .registry import Provider

# Slow work an operation waits for, run outside any transaction (see lro.start).
Work = Callable[["Context"], None]


def utcnow() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def resource_group_id(subscription: str, rg: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{rg}"


@dataclass
class ResourceId:
    """A typed resource id (``rg`` the resource group's name as created, ``parent`` the parent's id)."""

    id: str
    name: str
    rg: str
    parent: str | None = None


def resource_id(ctx: Context, subscription: str, rg: str | None, namespace: str, types: list[str],
                names: list[str]) -> ResourceId:
    """The id of ``{namespace}/{type}/{name}[/{childType}/{name}...]`` in group ``rg`` (spelt as created)."""
    group = ctx.store.resource(resource_group_id(subscription, rg)) if rg is not None else None
    rg_name = group["body"]["name"] if group else rg
    base = resource_group_id(subscription, rg_name) if rg_name is not None else f"/subscriptions/{subscription}"
    full = f"{base}/providers/{namespace}/" + "/".join(f"{t}/{n}" for t, n in zip(types, names))
    return ResourceId(full, names[-1], rg_name or "", full.rsplit("/", 2)[0] if len(names) > 1 else None)


def check_api_version(ctx: Context, versions: tuple[str, ...] | None, type_name: str) -> None:
    if versions and ctx.api_version not in versions:
        raise ArmError(400, "NoRegisteredProviderFound",
                       f"No registered resource provider found for location 'global' and API version "
                       f"'{ctx.api_version}' for type '{type_name}'. The supported api-versions are "
                       f"'{', '.join(versions)}'. The supported locations are '{', '.join(locations.NAMES)}'.")


def require_group(ctx: Context, rg: str, allow_deleting: bool = False) -> Resource:
    """The resource group record (404 when missing, 409 while it is being deleted unless allowed)."""
    group = ctx.store.resource(resource_group_id(ctx.subscription, rg))
    if group is None:
        raise not_found("resourceGroups", rg)
    if not allow_deleting and group["body"]["properties"].get("provisioningState") == "Deleting":
        raise ArmError(409, "ResourceGroupBeingDeleted",
                       f"The resource group '{group['body']['name']}' is in deprovisioning state and cannot perform "
                       "this operation.")
    return group


def busy_error(name: str) -> ArmError:
    return ArmError(409, "AnotherOperationInProgress",
                    f"Another operation on resource '{name}' is in progress; retry after it completes.")


class ResourceType:
    """Generic ARM resource semantics; subclasses set the class attributes and override the hooks."""

    name: str = ""                         # type path under the namespace, e.g. "virtualNetworks/subnets"
    api_versions: tuple[str, ...] = ()     # newest first
    tracked: bool = True                   # has location and tags; listed by /resources
    async_put: bool = False                # PUT answers with a long-running operation
    async_delete: bool = False             # DELETE answers 202 with a long-running operation
    lro_headers: tuple[str, ...] = ("Azure-AsyncOperation", "Location")
    # the URL path of its operations ({target}: the resource's id, for types whose operations live under it)
    operation_path: str = "/subscriptions/{subscription}/providers/{namespace}/locations/{location}/{kind}/{id}"
    states: dict[str, str] = {"create": "Creating", "update": "Updating", "delete": "Deleting"}
    actions: tuple[str, ...] = ()          # POST actions, each handled by ``action_<name>(ctx, resource)``
    # Azure-AsyncOperation / Location URL kinds of its operations
    operation_kinds: tuple[str, ...] = ("operationStatuses", "operationResults")
    removal_rank: int = 100                # removal order when a parent or resource group goes (lower: earlier)

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.full_type = f"{provider.namespace}/{self.name}"

    # hooks --------------------------------------------------------------------------------
    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        """Validate a PUT body; return the representation's fields besides id/name/type/location/tags.

        A returned ``"_internal"`` key is not part of the representation: it replaces the resource's
        emulator-private data (e.g. a VM's customData, which ARM never returns)."""
        return {"properties": dict(body.get("properties") or {})}

    def provisioned(self, ctx: Context, resource: Resource) -> None:
        """Called when a create/update completes (backend work); raise ArmError to fail the operation."""

    def release(self, ctx: Context, resource: Resource) -> None:
        """Called before a resource is removed (directly or with its parent / resource group)."""

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        """Raise ArmError when the resource may not be deleted (e.g. still in use)."""

    def background_work(self, ctx: Context, target: str, kind: str) -> Work | None:
        """A callable ``work(ctx)`` to run outside any transaction before an operation of ``kind`` on
        ``target`` completes (slow backend work), or None to complete on the LRO timer."""
        return None

    def background_removal(self, ctx: Context, resource: Resource) -> Work | None:
        """Slow work to run before ``resource`` goes with its resource group (None: nothing slow)."""
        return None

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        return resource["body"]

    # helpers ------------------------------------------------------------------------------
    def check_scope(self, ctx: Context, rid: ResourceId) -> None:
        """The resource's group (and parent) must exist."""
        require_group(ctx, rid.rg)
        if rid.parent:
            self.parent_of(ctx, rid)

    @staticmethod
    def parent_of(ctx: Context, rid: ResourceId) -> Resource:
        """The record of a nested resource's parent (ARM's ParentResourceNotFound when it is missing)."""
        parent = ctx.store.resource(rid.parent) if rid.parent else None
        if parent is None:
            raise ArmError(404, "ParentResourceNotFound",
                           f"Can not perform requested operation on nested resource. Parent resource "
                           f"'{(rid.parent or '').rsplit('/', 1)[-1]}' not found.")
        return parent

    def location_error(self, given: str) -> ArmError:
        return ArmError(400, "LocationNotAvailableForResourceType",
                        f"The provided location '{given}' is not available for resource type '{self.full_type}'. "
                        f"List of available regions for the resource type is '{','.join(locations.NAMES)}'.")

    def location_change_error(self, rid: ResourceId, existing: str, given: str) -> ArmError:
        return ArmError(400, "InvalidResourceLocation",
                        f"The resource '{rid.name}' already exists in location '{existing}' in resource group "
                        f"'{rid.rg}'. A resource with the same name cannot be created in location '{given}'. "
                        "Please select a new resource name.")

    def get_existing(self, ctx: Context, rid: ResourceId) -> Resource:
        resource = ctx.store.resource(rid.id)
        if resource is None:
            require_group(ctx, rid.rg, allow_deleting=True)
            raise not_found(self.full_type, rid.name, rid.rg)
        return resource

    @staticmethod
    def busy(ctx: Context, rid: ResourceId) -> list[Operation]:
        return ctx.store.operations_for(rid.id.lower())

    def save(self, ctx: Context, resource_id: str, body: dict[str, Any], internal: dict[str, Any] | None = None) -> None:
        ctx.store.save_resource(resource_id, self.full_type, body, internal, utcnow())

    def save_internal(self, ctx: Context, resource_id: str, key: str, value: Any) -> None:
        """Set one key of a resource's private data in a transaction of its own (background work saving what
        it did); nothing when the resource is gone meanwhile."""
        with ctx.store.transaction():
            record = ctx.store.resource(resource_id)
            if record is not None:
                record["internal"][key] = value
                self.save(ctx, record["id"], record["body"], record["internal"])

    def start_operation(self, ctx: Context, target: str, kind: str, location: str | None) -> dict[str, str]:
        """Record a long-running operation of ``kind`` on ``target`` (with its background work); its headers."""
        return lro.start(ctx, self, target, kind, location, work=self.background_work(ctx, target, kind))

    # generic handlers ---------------------------------------------------------------------
    def get(self, ctx: Context, rid: ResourceId) -> Response:
        return Response(200, self.render(ctx, self.get_existing(ctx, rid)))

    def put(self, ctx: Context, rid: ResourceId, body: dict[str, Any] | None = None) -> Response:
        self.check_scope(ctx, rid)
        body = ctx.json() if body is None else body
        existing = ctx.store.resource(rid.id)
        if existing and self.busy(ctx, rid):
            raise busy_error(rid.name)
        doc: dict[str, Any] = {"id": existing["id"] if existing else rid.id,
                               "name": existing["body"]["name"] if existing else rid.name, "type": self.full_type}
        if self.tracked:
            given = body.get("location")
            if not given:
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            location = locations.normalize(given)
            if location is None:
                raise self.location_error(given)
            if existing and existing["body"]["location"] != location:
                raise self.location_change_error(rid, existing["body"]["location"], location)
            tags = body.get("tags") or {}
            if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
                raise ArmError(400, "InvalidTag", "The tags must be an object of string values.")
            doc.update(location=location, tags=tags)
        doc.update(self.build(ctx, rid, body, existing))
        internal = doc.pop("_internal", existing["internal"] if existing else None)
        kind = "update" if existing else "create"
        doc.setdefault("properties", {})["provisioningState"] = self.states[kind] if self.async_put else "Succeeded"
        self.save(ctx, rid.id, doc, internal)
        headers = {}
        if self.async_put:
            headers = self.start_operation(ctx, doc["id"], kind, doc.get("location"))
        else:
            self.provisioned(ctx, self.get_existing(ctx, rid))
        return Response(200 if existing else 201, self.render(ctx, self.get_existing(ctx, rid)), headers)

    def patch(self, ctx: Context, rid: ResourceId) -> Response:
        existing = self.get_existing(ctx, rid)
        body = dict(existing["body"])
        for key, value in self.patch_body(ctx).items():
            if key == "properties" and isinstance(value, dict):
                body["properties"] = {**body.get("properties", {}), **value}
            else:
                body[key] = value
        return self.put_patched(ctx, rid, body)

    @staticmethod
    def patch_body(ctx: Context, keep_location: bool = True) -> dict[str, Any]:
        """A PATCH body without the keys that name the resource (nor its location unless kept)."""
        dropped = ("id", "name", "type") if keep_location else ("id", "name", "type", "location")
        return {k: v for k, v in ctx.json().items() if k not in dropped}

    def put_patched(self, ctx: Context, rid: ResourceId, body: dict[str, Any]) -> Response:
        """Store a patched representation as a PUT would; a PATCH answers 200 either way."""
        response = self.put(ctx, rid, body)
        response.status = 200
        return response

    def delete(self, ctx: Context, rid: ResourceId) -> Response:
        resource = ctx.store.resource(rid.id)
        if resource is None:
            require_group(ctx, rid.rg, allow_deleting=True)
            return Response(204)
        running = self.busy(ctx, rid)
        if running:
            if running[0]["kind"] == "delete":
                return Response(202, None, lro.headers(ctx, running[0]))
            raise busy_error(rid.name)
        self.check_delete(ctx, resource)
        if not self.async_delete:
            self.remove(ctx, resource["id"])
            return Response(200)
        resource["body"].setdefault("properties", {})["provisioningState"] = self.states["delete"]
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return Response(202, None, self.start_operation(ctx, resource["id"], "delete", resource["body"].get("location")))

    def list(self, ctx: Context, prefix: str) -> Response:
        items = ctx.store.resources(prefix, [self.full_type])
        return Response(200, {"value": [self.render(ctx, r) for r in items]})

    def action(self, ctx: Context, rid: ResourceId, name: str) -> Response:
        handler = getattr(self, f"action_{name}", None)
        if name not in [a.lower() for a in self.actions] or handler is None:
            raise ArmError(404, "InvalidResourceType", f"The resource type '{self.name}/{name}' could not be "
                           f"found in the namespace '{self.provider.namespace}' for api version '{ctx.api_version}'.")
        response: Response = handler(ctx, self.get_existing(ctx, rid))
        return response

    # long-running operation completion (called by lro.finish) -----------------------------
    def complete(self, ctx: Context, op: Operation) -> dict[str, Any] | None:
        """Finish ``op``; return the final body for the Location URL (None for deletes)."""
        if op["kind"] == "delete":
            self.remove(ctx, op["target"])
            return None
        resource = self.operation_target(ctx, op)
        if op["kind"] in ("create", "update"):
            self.provisioned(ctx, resource)
            resource = self.operation_target(ctx, op)
            resource["body"]["properties"]["provisioningState"] = "Succeeded"
            self.save(ctx, resource["id"], resource["body"], resource["internal"])
            return self.render(ctx, resource)
        result: dict[str, Any] | None = getattr(self, f"complete_{op['kind']}")(ctx, resource, op)
        return result

    @staticmethod
    def operation_target(ctx: Context, op: Operation) -> Resource:
        resource = ctx.store.resource(op["target"])
        if resource is None:
            raise ArmError(404, "ResourceNotFound", f"The resource '{op['target']}' no longer exists.")
        return resource

    def failed(self, ctx: Context, op: Operation, error: ArmError) -> None:
        resource = ctx.store.resource(op["target"])
        if resource is not None:
            resource["body"].setdefault("properties", {})["provisioningState"] = "Failed"
            self.save(ctx, resource["id"], resource["body"], resource["internal"])

    @staticmethod
    def remove(ctx: Context, resource_id: str) -> None:
        """Delete a resource and everything nested under it, releasing each via its type."""
        registry = ctx.app.registry
        doomed = [r for r in ctx.store.resources(resource_id + "/") + [ctx.store.resource(resource_id)] if r]

        def rank(resource: Resource) -> int:
            rtype = registry.type(resource["type"])
            return rtype.removal_rank if rtype else 100

        for resource in sorted(doomed, key=lambda r: (rank(r), -len(r["id"]))):
            current = ctx.store.resource(resource["id"])  # a release may already have removed it
            if current is None:
                continue
            rtype = registry.type(current["type"])
            if rtype:
                rtype.release(ctx, current)
            ctx.store.delete_resource(current["id"])
