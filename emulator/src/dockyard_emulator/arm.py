"""ARM core: provider/resource-type registry, routing by ARM path and the generic resource handlers.

A provider module creates a ``Provider`` and registers ``ResourceType`` subclasses (and, for
paths that are not resources, routes). Requests under
``/subscriptions/{sub}[/resourceGroups/{rg}]/providers/{namespace}/{type}/{name}[/{childType}/{name}...][/{action}]``
are dispatched to the resource type; the generic PUT/GET/PATCH/DELETE/LIST below give every
type ARM's semantics (ids, 201/200, provisioningState, long-running operations, errors).
"""

import datetime
import importlib
import pkgutil
import re
from dataclasses import dataclass

from . import locations, lro
from .web import ArmError, Response, Route, not_found


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class Context:
    """What a handler sees: the emulator (store, settings, identity) and the request (None in completions)."""

    app: object
    request: object = None

    @property
    def store(self):
        return self.app.store

    @property
    def subscription(self):
        return self.app.identity["subscription_id"]

    @property
    def api_version(self):
        return self.request.query.get("api-version") if self.request else None

    def url(self, path, **query):
        query.setdefault("api-version", self.api_version)
        qs = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
        return f"{self.app.base_url}{path}" + (f"?{qs}" if qs else "")


class Provider:
    """A resource provider namespace, e.g. Microsoft.ManagedIdentity."""

    def __init__(self, namespace, registry=None):
        self.namespace = namespace
        self.types = {}  # lower-cased type path -> ResourceType instance
        self.routes = []
        self.extra_types = {}  # non-resource types listed in the manifest (e.g. locations/vmSizes) -> api-versions
        (registry or REGISTRY).add(self)

    def resource_type(self, cls):
        """Class decorator: register a ResourceType subclass."""
        instance = cls(self)
        self.types[cls.name.lower()] = instance
        return cls

    def route(self, methods, template, api_versions=None, manifest_type=None):
        """Decorator for a handler ``f(ctx, **path_vars) -> Response`` of a non-resource path.

        ``manifest_type`` (e.g. "locations/vmSizes") lists the path in the provider's manifest."""
        if manifest_type:
            self.extra_types[manifest_type] = api_versions

        def register(func):
            self.routes.append(Route(methods, template, func, api_versions))
            return func
        return register

    def manifest(self, subscription):
        displays = [locations.DISPLAY[n] for n in locations.NAMES]
        types = [{"resourceType": t.name, "locations": [] if not t.tracked else displays,
                  "apiVersions": list(t.api_versions), "defaultApiVersion": t.api_versions[0],
                  "capabilities": "None"} for t in self.types.values()]
        types += [{"resourceType": name, "locations": displays, "apiVersions": list(versions),
                   "defaultApiVersion": versions[0], "capabilities": "None"}
                  for name, versions in self.extra_types.items()]
        versions = sorted({v for t in self.types.values() for v in t.api_versions}, reverse=True)
        types += [{"resourceType": extra, "locations": [], "apiVersions": versions}
                  for extra in ("operations", "locations", "locations/operations", "locations/operationStatuses",
                                "locations/operationResults") if extra not in self.extra_types]
        return {"id": f"/subscriptions/{subscription}/providers/{self.namespace}", "namespace": self.namespace,
                "registrationState": "Registered", "registrationPolicy": "RegistrationRequired",
                "resourceTypes": types}


class Registry:
    def __init__(self):
        self.providers = {}

    def add(self, provider):
        self.providers[provider.namespace.lower()] = provider

    def provider(self, namespace):
        return self.providers.get(namespace.lower())

    def type(self, full_type):
        namespace, _, name = full_type.partition("/")
        provider = self.provider(namespace)
        return provider and provider.types.get(name.lower())

    def routes(self):
        return [route for p in self.providers.values() for route in p.routes]

    def load(self):
        """Import every module of dockyard_emulator.providers; each registers itself."""
        from . import providers
        for info in pkgutil.iter_modules(providers.__path__):
            importlib.import_module(f"{providers.__name__}.{info.name}")
        return self


REGISTRY = Registry()


def check_api_version(ctx, versions, type_name):
    if versions and ctx.api_version not in versions:
        raise ArmError(400, "NoRegisteredProviderFound",
                       f"No registered resource provider found for location 'global' and API version "
                       f"'{ctx.api_version}' for type '{type_name}'. The supported api-versions are "
                       f"'{', '.join(versions)}'. The supported locations are '{', '.join(locations.NAMES)}'.")


def resource_group_id(subscription, rg):
    return f"/subscriptions/{subscription}/resourceGroups/{rg}"


def require_group(ctx, rg, allow_deleting=False):
    """The resource group record (404 when missing, 409 while it is being deleted unless allowed)."""
    group = ctx.store.resource(resource_group_id(ctx.subscription, rg))
    if group is None:
        raise not_found("resourceGroups", rg)
    if not allow_deleting and group["body"]["properties"].get("provisioningState") == "Deleting":
        raise ArmError(409, "ResourceGroupBeingDeleted",
                       f"The resource group '{group['body']['name']}' is in deprovisioning state and cannot perform "
                       "this operation.")
    return group


class ResourceType:
    """Generic ARM resource semantics; subclasses set the class attributes and override the hooks."""

    name = ""                     # type path under the namespace, e.g. "virtualNetworks/subnets"
    api_versions = ()             # newest first
    tracked = True                # has location and tags; listed by /resources
    async_put = False             # PUT answers with a long-running operation
    async_delete = False          # DELETE answers 202 with a long-running operation
    lro_headers = ("Azure-AsyncOperation", "Location")
    operation_path = "/subscriptions/{subscription}/providers/{namespace}/locations/{location}/{kind}/{id}"
    states = {"create": "Creating", "update": "Updating", "delete": "Deleting"}
    actions = ()                  # POST actions, each handled by ``action_<name>(ctx, resource)``
    operation_kinds = ("operationStatuses", "operationResults")  # Azure-AsyncOperation / Location URL kinds
    removal_rank = 100            # removal order when a parent or resource group goes (lower: earlier)

    def __init__(self, provider):
        self.provider = provider
        self.full_type = f"{provider.namespace}/{self.name}"

    # hooks --------------------------------------------------------------------------------
    def build(self, ctx, rid, body, existing):
        """Validate a PUT body; return the representation's fields besides id/name/type/location/tags.

        A returned ``"_internal"`` key is not part of the representation: it replaces the resource's
        emulator-private data (e.g. a VM's customData, which ARM never returns)."""
        return {"properties": dict(body.get("properties") or {})}

    def provisioned(self, ctx, resource):
        """Called when a create/update completes (backend work); raise ArmError to fail the operation."""

    def release(self, ctx, resource):
        """Called before a resource is removed (directly or with its parent / resource group)."""

    def check_delete(self, ctx, resource):
        """Raise ArmError when the resource may not be deleted (e.g. still in use)."""

    def background_work(self, ctx, target, kind):
        """A callable ``work(ctx)`` to run outside any transaction before an operation of ``kind`` on
        ``target`` completes (slow backend work), or None to complete on the LRO timer."""
        return None

    def render(self, ctx, resource):
        return resource["body"]

    # helpers ------------------------------------------------------------------------------
    def check_scope(self, ctx, rid):
        """The resource's group (and parent) must exist."""
        require_group(ctx, rid.rg)
        if rid.parent and ctx.store.resource(rid.parent) is None:
            raise ArmError(404, "ParentResourceNotFound",
                           f"Can not perform requested operation on nested resource. Parent resource "
                           f"'{rid.parent.rsplit('/', 1)[-1]}' not found.")

    def location_error(self, given):
        return ArmError(400, "LocationNotAvailableForResourceType",
                        f"The provided location '{given}' is not available for resource type '{self.full_type}'. "
                        f"List of available regions for the resource type is '{','.join(locations.NAMES)}'.")

    def location_change_error(self, rid, existing, given):
        return ArmError(400, "InvalidResourceLocation",
                        f"The resource '{rid.name}' already exists in location '{existing}' in resource group "
                        f"'{rid.rg}'. A resource with the same name cannot be created in location '{given}'. "
                        "Please select a new resource name.")

    def get_existing(self, ctx, rid):
        resource = ctx.store.resource(rid.id)
        if resource is None:
            require_group(ctx, rid.rg, allow_deleting=True)
            raise not_found(self.full_type, rid.name, rid.rg)
        return resource

    @staticmethod
    def busy(ctx, rid):
        return ctx.store.operations_for(rid.id.lower())

    def save(self, ctx, rid_or_id, body, internal=None):
        rid = getattr(rid_or_id, "id", rid_or_id)
        ctx.store.save_resource(rid, self.full_type, body, internal, utcnow())

    # generic handlers ---------------------------------------------------------------------
    def get(self, ctx, rid):
        return Response(200, self.render(ctx, self.get_existing(ctx, rid)))

    def put(self, ctx, rid, body=None):
        self.check_scope(ctx, rid)
        body = ctx.request.json() if body is None else body
        existing = ctx.store.resource(rid.id)
        if existing and self.busy(ctx, rid):
            raise ArmError(409, "AnotherOperationInProgress",
                           f"Another operation on resource '{rid.name}' is in progress; retry after it completes.")
        doc = {"id": existing["id"] if existing else rid.id, "name": existing["body"]["name"] if existing else rid.name,
               "type": self.full_type}
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
        self.save(ctx, rid, doc, internal)
        headers = {}
        if self.async_put:
            headers = lro.start(ctx, self, doc["id"], kind, doc.get("location"),
                                work=self.background_work(ctx, doc["id"], kind))
        else:
            self.provisioned(ctx, ctx.store.resource(rid.id))
        return Response(200 if existing else 201, self.render(ctx, ctx.store.resource(rid.id)), headers)

    def patch(self, ctx, rid):
        existing = self.get_existing(ctx, rid)
        patch = ctx.request.json()
        body = dict(existing["body"])
        for key, value in patch.items():
            if key == "properties" and isinstance(value, dict):
                body["properties"] = {**body.get("properties", {}), **value}
            elif key not in ("id", "name", "type"):
                body[key] = value
        response = self.put(ctx, rid, body)
        response.status = 200
        return response

    def delete(self, ctx, rid):
        resource = ctx.store.resource(rid.id)
        if resource is None:
            require_group(ctx, rid.rg, allow_deleting=True)
            return Response(204)
        running = self.busy(ctx, rid)
        if running:
            if running[0]["kind"] == "delete":
                return Response(202, None, lro.headers(ctx, running[0]))
            raise ArmError(409, "AnotherOperationInProgress",
                           f"Another operation on resource '{rid.name}' is in progress; retry after it completes.")
        self.check_delete(ctx, resource)
        if not self.async_delete:
            self.remove(ctx, resource["id"])
            return Response(200)
        resource["body"].setdefault("properties", {})["provisioningState"] = self.states["delete"]
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return Response(202, None, lro.start(ctx, self, resource["id"], "delete", resource["body"].get("location"),
                                             work=self.background_work(ctx, resource["id"], "delete")))

    def list(self, ctx, prefix):
        items = ctx.store.resources(prefix, [self.full_type])
        return Response(200, {"value": [self.render(ctx, r) for r in items]})

    def action(self, ctx, rid, name):
        handler = getattr(self, f"action_{name}", None)
        if name not in [a.lower() for a in self.actions] or handler is None:
            raise ArmError(404, "InvalidResourceType", f"The resource type '{self.name}/{name}' could not be "
                           f"found in the namespace '{self.provider.namespace}' for api version '{ctx.api_version}'.")
        return handler(ctx, self.get_existing(ctx, rid))

    # long-running operation completion (called by lro.settle) -----------------------------
    def complete(self, ctx, op):
        """Finish ``op``; return the final body for the Location URL (None for deletes)."""
        if op["kind"] == "delete":
            self.remove(ctx, op["target"])
            return None
        resource = ctx.store.resource(op["target"])
        if resource is None:
            raise ArmError(404, "ResourceNotFound", f"The resource '{op['target']}' no longer exists.")
        if op["kind"] in ("create", "update"):
            self.provisioned(ctx, resource)
            resource = ctx.store.resource(op["target"])
            resource["body"]["properties"]["provisioningState"] = "Succeeded"
            self.save(ctx, resource["id"], resource["body"], resource["internal"])
            return self.render(ctx, resource)
        return getattr(self, f"complete_{op['kind']}")(ctx, resource, op)

    def failed(self, ctx, op, error):
        resource = ctx.store.resource(op["target"])
        if resource is not None:
            resource["body"].setdefault("properties", {})["provisioningState"] = "Failed"
            self.save(ctx, resource["id"], resource["body"], resource["internal"])

    @staticmethod
    def remove(ctx, resource_id):
        """Delete a resource and everything nested under it, releasing each via its type."""
        doomed = ctx.store.resources(resource_id + "/") + [ctx.store.resource(resource_id)]
        rank = lambda r: getattr(REGISTRY.type(r["type"]), "removal_rank", 100)  # noqa: E731
        for resource in sorted(filter(None, doomed), key=lambda r: (rank(r), -len(r["id"]))):
            resource = ctx.store.resource(resource["id"])  # a release may already have removed it
            if resource is None:
                continue
            rtype = REGISTRY.type(resource["type"])
            if rtype:
                rtype.release(ctx, resource)
            ctx.store.delete_resource(resource["id"])


class ResourceId:
    """A typed resource id parsed from a request path."""

    def __init__(self, subscription, rg, rg_name, namespace, types, names):
        self.rg = rg_name
        base = resource_group_id(subscription, rg_name) if rg else f"/subscriptions/{subscription}"
        pairs = "/".join(f"{t}/{n}" for t, n in zip(types, names))
        self.id = f"{base}/providers/{namespace}/{pairs}"
        self.name = names[-1]
        self.parent = self.id.rsplit("/", 2)[0] if len(names) > 1 else None


def typed_resource(ctx, subscription, rg, namespace, rest):
    """Dispatch ``.../providers/{namespace}/{rest...}`` to the registered resource type."""
    method = ctx.request.method
    provider = REGISTRY.provider(namespace)
    if provider is None:
        raise ArmError(404, "InvalidResourceNamespace", f"The resource namespace '{namespace}' is invalid.")
    types, names = rest[0::2], rest[1::2]
    rtype = provider.types.get("/".join(types).lower())
    action = None
    if rtype is None and len(types) > 1 and len(types) > len(names):
        rtype, action = provider.types.get("/".join(types[:-1]).lower()), types[-1].lower()
        types = types[:-1]
    if rtype is None:
        raise ArmError(404, "InvalidResourceType", f"The resource type '{'/'.join(types)}' could not be found in "
                       f"the namespace '{provider.namespace}' for api version '{ctx.api_version}'.")
    check_api_version(ctx, rtype.api_versions, rtype.name)
    rg_name = None
    if rg is not None:
        group = ctx.store.resource(resource_group_id(subscription, rg))
        rg_name = group["body"]["name"] if group else rg
    canonical = rtype.name.split("/")
    rid = ResourceId(subscription, rg, rg_name, provider.namespace, canonical, names) if names else None
    if action:
        if method != "POST":
            raise method_not_allowed(method)
        return rtype.action(ctx, rid, action)
    if len(names) < len(types):  # a collection (rid, if any, is the parent resource)
        if method != "GET":
            raise method_not_allowed(method)
        if rid:
            if ctx.store.resource(rid.id) is None:
                raise not_found(rtype.full_type.rsplit("/", 1)[0], rid.name, rg_name)
            prefix = f"{rid.id}/{canonical[-1]}/"
        elif rg is not None:
            require_group(ctx, rg, allow_deleting=True)
            prefix = f"{resource_group_id(subscription, rg_name)}/providers/{provider.namespace}/{canonical[0]}/"
        else:
            prefix = f"/subscriptions/{subscription}/"
        return rtype.list(ctx, prefix)
    if rg is None:
        raise ArmError(400, "InvalidRequestUri", "Resources of this type live in a resource group.")
    handler = {"GET": rtype.get, "PUT": rtype.put, "PATCH": rtype.patch, "DELETE": rtype.delete}.get(method)
    if method == "HEAD":
        return Response(204 if ctx.store.resource(rid.id) else 404)
    if handler is None:
        raise method_not_allowed(method)
    return handler(ctx, rid)


def method_not_allowed(method):
    return ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'.")


ARM_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)(?:/resourcegroups/(?P<rg>[^/]+))?/providers/(?P<ns>[^/]+)/(?P<rest>.+?)/?$",
    re.IGNORECASE)


def dispatch(ctx):
    """Route an authenticated ARM request (api-version present) to a route or a resource type."""
    path = ctx.request.path
    sub = re.match(r"^/subscriptions/([^/]+)", path, re.IGNORECASE)
    if sub and sub.group(1).lower() != ctx.subscription.lower():
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub.group(1)}' could not be found.")
    lro.settle(ctx)
    matches = [(r, m) for r in REGISTRY.routes() + lro.ROUTES for m in [r.regex.fullmatch(path)] if m]
    for route, match in matches:
        if ctx.request.method in route.methods:
            if route.api_versions:
                check_api_version(ctx, route.api_versions, path.rstrip("/").rsplit("/", 1)[-1])
            return route.handler(ctx, **match.groupdict())
    if matches:
        raise method_not_allowed(ctx.request.method)
    match = ARM_PATH.match(path)
    if match:
        return typed_resource(ctx, ctx.subscription, match["rg"], match["ns"], match["rest"].split("/"))
    raise ArmError(404, "InvalidResourceType", f"The resource type could not be found for the request path "
                   f"'{path}' and api version '{ctx.api_version}'.")
