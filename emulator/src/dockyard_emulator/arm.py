"""ARM routing: an authenticated ARM request to a provider's route or resource type.

Requests under
``/subscriptions/{sub}[/resourceGroups/{rg}]/providers/{namespace}/{type}/{name}[/{childType}/{name}...][/{action}]``
are dispatched to the registered resource type (:mod:`.resource_type` gives each ARM's generic
semantics); other paths go to the routes providers register (:mod:`.registry`) and to the
long-running-operation URLs (:mod:`.lro`).
"""
from __future__ import annotations

import re

from . import lro
from .context import Context
from .errors import ArmError, not_found
from .resource_type import check_api_version, require_group, resource_group_id, resource_id
from .web import Response

ARM_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)(?:/resourcegroups/(?P<rg>[^/]+))?/providers/(?P<ns>[^/]+)/(?P<rest>.+?)/?$",
    re.IGNORECASE)


def method_not_allowed(method: str) -> ArmError:
    return ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'.")


def typed_resource(ctx: Context, method: str, rg: str | None, namespace: str, rest: list[str]) -> Response:
    """Dispatch ``.../providers/{namespace}/{rest...}`` to the registered resource type."""
    subscription = ctx.subscription
    provider = ctx.app.registry.provider(namespace)
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
    canonical = rtype.name.split("/")
    rid = resource_id(ctx, subscription, rg, provider.namespace, canonical, names) if names else None
    if action:
        if method != "POST" or rid is None:
            raise method_not_allowed(method)
        return rtype.action(ctx, rid, action)
    if len(names) < len(types):  # a collection (rid, if any, is the parent resource)
        if method != "GET":
            raise method_not_allowed(method)
        if rid:
            if ctx.store.resource(rid.id) is None:
                raise not_found(rtype.full_type.rsplit("/", 1)[0], rid.name, rid.rg)
            prefix = f"{rid.id}/{canonical[-1]}/"
        elif rg is not None:
            group = require_group(ctx, rg, allow_deleting=True)
            prefix = f"{resource_group_id(subscription, group['body']['name'])}/providers/{provider.namespace}/{canonical[0]}/"
        else:
            prefix = f"/subscriptions/{subscription}/"
        return rtype.list(ctx, prefix)
    if rg is None or rid is None:
        raise ArmError(400, "InvalidRequestUri", "Resources of this type live in a resource group.")
    if method == "HEAD":
        return Response(204 if ctx.store.resource(rid.id) else 404)
    handler = {"GET": rtype.get, "PUT": rtype.put, "PATCH": rtype.patch, "DELETE": rtype.delete}.get(method)
    if handler is None:
        raise method_not_allowed(method)
    return handler(ctx, rid)


def dispatch(ctx: Context) -> Response:
    """Route an authenticated ARM request (api-version present) to a route or a resource type."""
    assert ctx.request is not None
    path, method = ctx.request.path, ctx.request.method
    sub = re.match(r"^/subscriptions/([^/]+)", path, re.IGNORECASE)
    if sub and sub.group(1).lower() != ctx.subscription.lower():
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub.group(1)}' could not be found.")
    lro.settle(ctx)
    matches = [(r, m) for r in ctx.app.registry.routes() + lro.ROUTES for m in [r.regex.fullmatch(path)] if m]
    for route, match in matches:
        if method in route.methods:
            if route.api_versions:
                check_api_version(ctx, route.api_versions, path.rstrip("/").rsplit("/", 1)[-1])
            return route.handler(ctx, **match.groupdict())
    if matches:
        raise method_not_allowed(method)
    found = ARM_PATH.match(path)
    if found:
        return typed_resource(ctx, method, found["rg"], found["ns"], found["rest"].split("/"))
    raise ArmError(404, "InvalidResourceType", f"The resource type could not be found for the request path "
                   f"'{path}' and api version '{ctx.api_version}'.")
