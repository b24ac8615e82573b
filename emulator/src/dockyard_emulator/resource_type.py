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

from . import locations, lro, paging, schema
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


def merge_patch(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON merge patch (RFC 7396), as ARM applies a PATCH body; ``tags`` and lists are replaced as a whole."""
    result = dict(base)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict) and key != "tags":
            result[key] = merge_patch(result[key], value)
        else:
            result[key] = value
    return result


IDENTITY_KEYS = ("name", "lun", "id")  # how list items of a body are matched with the items build() returned


def fill(built: Any, given: Any) -> Any:
    """``built`` (what a type's build() computed) completed with what ``given`` (the request body, conformed to
    the schema) has and build() did not set: the rule "store and return what the schema allows"."""
    if isinstance(built, dict) and isinstance(given, dict):
        result = dict(built)
        for key, value in given.items():
            result[key] = fill(result[key], value) if key in result else value
        return result
    if isinstance(built, list) and isinstance(given, list) and all(isinstance(i, dict) for i in built + given):
        for key in IDENTITY_KEYS:
            if all(key in i for i in built + given):
                by_key = {str(i[key]).lower(): i for i in given}
                return [fill(i, by_key.get(str(i[key]).lower(), {})) for i in built]
        if len(built) == len(given):
            return [fill(b, g) for b, g in zip(built, given)]
    return built


def drop_path(doc: dict[str, Any], path: str) -> None:
    """Remove the dotted ``path`` from ``doc`` (through lists: 'a.b[].c')."""
    head, _, rest = path.partition(".")
    many = head.endswith("[]")
    key = head[:-2] if many else head
    if key not in doc:
        return
    if not rest:
        doc.pop(key, None)
    elif many and isinstance(doc[key], list):
        for item in doc[key]:
            if isinstance(item, dict):
                drop_path(item, rest)
    elif isinstance(doc[key], dict):
        drop_path(doc[key], rest)


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
    create_status: int = 201               # status of a PUT that creates (some types answer 200, or 202)
    update_status: int = 200               # status of a PUT that updates an existing resource
    put_headers: tuple[str, ...] = ("Azure-AsyncOperation",)             # LRO headers of PUT / PATCH
    lro_headers: tuple[str, ...] = ("Azure-AsyncOperation", "Location")  # LRO headers of DELETE and actions
    strict_schema: bool = True             # unknown keys in a body: refused (ARM, Compute) or dropped (Network)
    write_only: tuple[str, ...] = ()       # dotted paths Azure accepts and never returns (secrets)
    # the URL path of its operations ({target}: the resource's id, for types whose operations live under it)
    operation_path: str = "/subscriptions/{subscription}/providers/{namespace}/locations/{location}/{kind}/{id}"
    states: dict[str, str] = {"create": "Creating", "update": "Updating", "delete": "Deleting"}
    actions: tuple[str, ...] = ()          # POST actions, each handled by ``action_<name>(ctx, resource)``
    # Azure-AsyncOperation / Location URL kinds of its operations
    operation_kinds: tuple[str, ...] = ("operationStatuses", "operationResults")
    removal_rank: int = 100                # removal order when a parent or resource group goes (lower: earlier)
    page_size: int = paging.DEFAULT_PAGE_SIZE  # items per page of a list; more remain -> nextLink ($skiptoken)
    page_per_location: bool = False        # page_size items of each location per page (Compute's VM listings)

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.full_type = f"{provider.namespace}/{self.name}"
        # Azure reports provisioningState only on the types whose schema has it (not e.g. availability sets)
        self.has_provisioning_state = schema.has_path(self.full_type, "properties.provisioningState")

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

    def busy_answer(self, ctx: Context, running: list[Operation]) -> ArmError:
        """The answer to a write while another operation runs on the resource (providers word it their way)."""
        return busy_error(running[0]["target"].rsplit("/", 1)[-1])

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

    def start_operation(self, ctx: Context, target: str, kind: str, location: str | None,
                        headers: tuple[str, ...] | None = None) -> dict[str, str]:
        """Record a long-running operation of ``kind`` on ``target`` (with its background work); its headers
        (``headers``: which LRO headers it answers with, the type's ``lro_headers`` by default)."""
        return lro.start(ctx, self, target, kind, location, work=self.background_work(ctx, target, kind),
                         header_names=headers)

    @staticmethod
    def region(ctx: Context, resource: Resource) -> str | None:
        """The location of a resource, or of its nearest tracked parent (child resources have none)."""
        current: Resource | None = resource
        while current is not None:
            if current["body"].get("location"):
                return str(current["body"]["location"])
            parent = current["id"].rsplit("/", 2)[0]
            current = ctx.store.resource(parent) if "/providers/" in parent else None
        return None

    def conform(self, ctx: Context, body: dict[str, Any], strict: bool | None = None) -> dict[str, Any]:
        """A request body read against the type's schema (see :mod:`.schema`)."""
        return schema.request_body(self.full_type, body, self.strict_schema if strict is None else strict)

    # generic handlers ---------------------------------------------------------------------
    def get(self, ctx: Context, rid: ResourceId) -> Response:
        return Response(200, self.render(ctx, self.get_existing(ctx, rid)))

    def put(self, ctx: Context, rid: ResourceId, body: dict[str, Any] | None = None) -> Response:
        """PUT (and, through put_patched, PATCH): ``body`` is a patched representation, None for the request's."""
        self.check_scope(ctx, rid)
        body = schema.strip_nulls(self.conform(ctx, ctx.json()) if body is None else self.conform(ctx, body, strict=False))
        existing = ctx.store.resource(rid.id)
        running = self.busy(ctx, rid) if existing else []
        if running:
            raise self.busy_answer(ctx, running)
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
            doc["location"] = location
            if body.get("tags") is not None:  # Azure returns no tags key for a resource created without tags
                tags = body["tags"]
                if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
                    raise ArmError(400, "InvalidTag", "The tags must be an object of string values.")
                doc["tags"] = tags
        built = self.build(ctx, rid, body, existing)
        given = {k: v for k, v in body.items() if k not in ("id", "name", "type", "location", "tags", "etag")}
        doc.update(fill(built, given))
        for path in self.write_only:
            drop_path(doc, path)
        internal = doc.pop("_internal", existing["internal"] if existing else None)
        kind = "update" if existing else "create"
        if self.has_provisioning_state:
            doc.setdefault("properties", {})["provisioningState"] = self.states[kind] if self.async_put else "Succeeded"
        self.save(ctx, rid.id, doc, internal)
        headers = {}
        if self.async_put:
            headers = self.start_operation(ctx, doc["id"], kind, doc.get("location"), self.put_headers)
        else:
            self.provisioned(ctx, self.get_existing(ctx, rid))
        return Response(self.update_status if existing else self.create_status,
                        self.accepted(ctx, self.get_existing(ctx, rid), body), headers)

    def accepted(self, ctx: Context, resource: Resource, body: dict[str, Any]) -> dict[str, Any]:
        """The body of a PUT/PATCH answer (the resource as rendered; some types answer with less)."""
        return self.render(ctx, resource)

    def patch(self, ctx: Context, rid: ResourceId) -> Response:
        existing = self.get_existing(ctx, rid)
        body = merge_patch({k: v for k, v in existing["body"].items() if k not in ("id", "name", "type")},
                           self.conform(ctx, self.patch_body(ctx)))
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
            raise self.busy_answer(ctx, running)
        self.check_delete(ctx, resource)
        if not self.async_delete:
            self.remove(ctx, resource["id"])
            return Response(200)
        if self.has_provisioning_state:
            resource["body"].setdefault("properties", {})["provisioningState"] = self.states["delete"]
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return Response(202, None, self.start_operation(ctx, resource["id"], "delete", resource["body"].get("location")))

    def list(self, ctx: Context, prefix: str) -> Response:
        items = ctx.store.resources(prefix, [self.full_type])
        return Response(200, paging.paged_list(ctx, items, self.page_size, self.page_per_location,
                                               lambda resource: self.render(ctx, resource)))

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
            if self.has_provisioning_state:
                resource["body"].setdefault("properties", {})["provisioningState"] = "Succeeded"
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
        if resource is not None and self.has_provisioning_state:
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
