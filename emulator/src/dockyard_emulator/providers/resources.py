"""Microsoft.Resources: subscriptions, locations, providers, resource groups and generic resource listing."""

from __future__ import annotations

import re
from typing import Any, Callable

from .. import locations
from ..context import Context
from ..errors import ArmError, not_found
from ..registry import Provider
from ..resource_type import ResourceId, ResourceType, Work, resource_group_id
from ..store import Resource
from ..web import Response

PROVIDER = Provider("Microsoft.Resources")
VERSIONS = ("2025-04-01", "2025-03-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-07-01", "2022-09-01",
            "2021-04-01", "2021-01-01", "2020-10-01", "2020-06-01", "2019-10-01", "2019-08-01", "2019-07-01",
            "2019-05-10", "2019-05-01", "2019-03-01", "2018-09-01", "2018-05-01", "2018-02-01", "2017-08-01",
            "2017-06-01", "2017-05-10", "2016-09-01", "2016-07-01", "2016-06-01", "2016-02-01", "2015-11-01",
            "2015-01-01", "2014-04-01")
SUBSCRIPTION_VERSIONS = ("2024-11-01", "2022-12-01", "2022-09-01", "2022-01-01", "2021-01-01", "2020-01-01",
                         "2019-11-01", "2019-06-01", "2018-06-01", "2016-06-01", "2016-01-01", "2015-11-01",
                         "2014-04-01")
GROUP_NAME = re.compile(r"^[-\w._()]{1,90}$")
FORCE_DELETION_TYPES = {"microsoft.compute/virtualmachines", "microsoft.compute/virtualmachinescalesets"}
SUB = "/subscriptions/{subscription}"


@PROVIDER.resource_type
class ResourceGroups(ResourceType):
    name = "resourceGroups"
    api_versions = VERSIONS
    async_delete = True
    lro_headers = ("Location",)
    operation_path = "/subscriptions/{subscription}/operationresults/{id}"

    @staticmethod
    def group_id(ctx: Context, rg: str) -> ResourceId:
        existing = ctx.store.resource(resource_group_id(ctx.subscription, rg))
        return ResourceId(existing["id"] if existing else resource_group_id(ctx.subscription, rg), rg, rg)

    def check_scope(self, ctx: Context, rid: ResourceId) -> None:
        if not GROUP_NAME.match(rid.name) or rid.name.endswith("."):
            raise ArmError(400, "InvalidResourceGroup", f"The provided resource group name '{rid.name}' has these "
                           "invalid characters: see https://aka.ms/ResourceGroupNamingRestrictions. The name can "
                           "only be a letter, digit, '-', '.', '(', ')' or '_', up to 90 characters, and may not "
                           "end with '.'.")
        existing = ctx.store.resource(rid.id)
        if existing and existing["body"]["properties"]["provisioningState"] == "Deleting":
            raise ArmError(409, "ResourceGroupBeingDeleted", f"The resource group '{rid.name}' is in "
                           "deprovisioning state and cannot perform this operation.")

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        return {"managedBy": body["managedBy"]} if body.get("managedBy") else {}

    def location_error(self, given: str) -> ArmError:
        return ArmError(400, "LocationNotAvailableForResourceGroup", f"The provided location '{given}' is not "
                        f"available for resource group. List of available regions is '{','.join(locations.NAMES)}'.")

    def location_change_error(self, rid: ResourceId, existing: str, given: str) -> ArmError:
        return ArmError(409, "InvalidResourceGroupLocation", f"Invalid resource group location '{given}'. The "
                        f"Resource group already exists in location '{existing}'.")

    def get_existing(self, ctx: Context, rid: ResourceId) -> Resource:
        resource = ctx.store.resource(rid.id)
        if resource is None:
            raise not_found("resourceGroups", rid.name)
        return resource

    def delete(self, ctx: Context, rid: ResourceId) -> Response:
        self.get_existing(ctx, rid)
        given = ctx.query.get("forcedeletiontypes")
        if given and any(t.strip().lower() not in FORCE_DELETION_TYPES for t in given.split(",")):
            raise ArmError(400, "InvalidForceDeletionType", f"The force deletion type '{given}' is not supported. "
                           "Supported types: Microsoft.Compute/virtualMachines, "
                           "Microsoft.Compute/virtualMachineScaleSets.")
        return super().delete(ctx, rid)

    def background_work(self, ctx: Context, target: str, kind: str) -> Work | None:
        """Slow backend work of the group's resources (e.g. removing container VMs) runs before the removal."""
        if kind != "delete":
            return None
        works = []
        for resource in ctx.store.resources(target + "/"):
            rtype = ctx.app.registry.type(resource["type"])
            removal = rtype.background_removal(ctx, resource) if rtype else None
            if removal is not None:
                works.append(removal)
        if not works:
            return None

        def work(wctx: Context) -> None:
            for step in works:
                step(wctx)
        return work


GROUPS = PROVIDER.instance(ResourceGroups)


def _group_handler(method: str) -> Callable[..., Response]:
    def handler(ctx: Context, subscription: str, rg: str) -> Response:
        rid = GROUPS.group_id(ctx, rg)
        if method == "HEAD":
            return Response(204 if ctx.store.resource(rid.id) else 404)
        answer: Response = getattr(GROUPS, method.lower())(ctx, rid)
        return answer
    return handler


for _method in ("GET", "HEAD", "PUT", "PATCH", "DELETE"):
    PROVIDER.route([_method], SUB + "/resourcegroups/{rg}", VERSIONS)(_group_handler(_method))


# $filter ------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(?:(?P<punct>[(),])|'(?P<literal>(?:[^']|'')*)'|(?P<word>[A-Za-z_$][\w.$/]*))")
FIELDS = {
    "resourcetype": lambda r: r["body"]["type"], "name": lambda r: r["body"]["name"],
    "location": lambda r: r["body"].get("location", ""), "resourcegroup": lambda r: r["id"].split("/")[4],
}


def _bad_filter(text):
    return ArmError(400, "InvalidFilterInQueryString", f"Invalid $filter '{text}' specified in the query string. "
                    "Supported: resourceType, name, location, resourceGroup, tagName, tagValue with 'eq', "
                    "substringof(), startswith(), 'and', 'or' and parentheses.")


def compile_filter(text):
    """A predicate over stored resources for ARM's OData $filter subset."""
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match:
            raise _bad_filter(text)
        kind = match.lastgroup
        tokens.append((kind, match[kind].replace("''", "'") if kind == "literal" else match[kind]))
        pos = match.end()
    tokens.append(("end", None))
    cursor = [0]

    def take(kind=None, value=None):
        token = tokens[cursor[0]]
        if (kind and token[0] != kind) or (value and str(token[1]).lower() != value):
            raise _bad_filter(text)
        cursor[0] += 1
        return token[1]

    def peek(value):
        return str(tokens[cursor[0]][1]).lower() == value

    def expr():
        terms = [term()]
        while peek("or"):
            take()
            terms.append(term())
        return lambda r: any(t(r) for t in terms)

    def term():
        conditions = [factor()]
        while peek("and"):
            take()
            conditions.append(factor())
        tests = [c for c in conditions if callable(c)]
        tag = dict(c for c in conditions if not callable(c))
        if tag:
            name, value = (tag.get("tagname") or "").lower(), tag.get("tagvalue")
            tests.append(lambda r: any((not name or k.lower() == name) and (value is None or v == value)
                                       for k, v in (r["body"].get("tags") or {}).items()))
        return lambda r: all(t(r) for t in tests)

    def field(word):
        if word.lower() not in FIELDS:
            raise _bad_filter(text)
        return FIELDS[word.lower()]

    def factor():
        if peek("("):
            take()
            inner = expr()
            take("punct", ")")
            return inner
        word = take("word").lower()
        if word in ("substringof", "startswith"):
            take("punct", "(")
            first = take()
            take("punct", ",")
            second = take()
            take("punct", ")")
            if word == "substringof":
                get, needle = field(second), first.lower()
                return lambda r: needle in get(r).lower()
            get, prefix = field(first), second.lower()
            return lambda r: get(r).lower().startswith(prefix)
        take("word", "eq")
        value = take("literal")
        if word in ("tagname", "tagvalue"):
            return (word, value)
        get = field(word)
        return lambda r: get(r).lower() == value.lower()

    predicate = expr()
    take("end")
    return predicate


def _filtered(ctx, items):
    text, top = ctx.query.get("$filter"), ctx.query.get("$top")
    if text:
        keep = compile_filter(text)
        items = [r for r in items if keep(r)]
    return items[: int(top)] if top and top.isdigit() else items


# routes ----------------------------------------------------------------------------------------
@PROVIDER.route(["GET"], SUB + "/resourcegroups", VERSIONS)
def list_groups(ctx, subscription):
    groups = ctx.store.resources(f"/subscriptions/{subscription}/resourcegroups/", [GROUPS.full_type])
    return Response(200, {"value": [GROUPS.render(ctx, g) for g in _filtered(ctx, groups)]})


def _generic(ctx, prefix):
    """GenericResourceExpanded items of the tracked resources under ``prefix``."""
    expand = {e.strip() for e in ctx.query.get("$expand", "").split(",")}
    resources = [r for r in ctx.store.resources(prefix)
                 if getattr(ctx.app.registry.type(r["type"]), "tracked", False) and r["type"] != GROUPS.full_type.lower()]
    items = []
    for resource in _filtered(ctx, resources):
        body = resource["body"]
        item = {k: body[k] for k in ("id", "name", "type", "sku", "kind", "location", "identity", "managedBy",
                                     "plan", "tags", "zones", "extendedLocation") if k in body}
        item.update({"createdTime": resource["created"]} if "createdTime" in expand else {})
        item.update({"changedTime": resource["changed"]} if "changedTime" in expand else {})
        if "provisioningState" in expand:
            item["provisioningState"] = body.get("properties", {}).get("provisioningState")
        items.append(item)
    return Response(200, {"value": items})


@PROVIDER.route(["GET"], SUB + "/resources", VERSIONS)
def list_resources(ctx, subscription):
    return _generic(ctx, f"/subscriptions/{subscription}/")


@PROVIDER.route(["GET"], SUB + "/resourcegroups/{rg}/resources", VERSIONS)
def list_group_resources(ctx, subscription, rg):
    rid = GROUPS.group_id(ctx, rg)
    GROUPS.get_existing(ctx, rid)
    return _generic(ctx, rid.id + "/")


def _subscription(ctx):
    sub = ctx.subscription
    return {"id": f"/subscriptions/{sub}", "authorizationSource": "RoleBased", "managedByTenants": [],
            "subscriptionId": sub, "tenantId": ctx.app.identity["tenant_id"], "displayName": "Dockyard Emulator",
            "state": "Enabled", "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                                         "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}}


@PROVIDER.route(["GET"], "/subscriptions", SUBSCRIPTION_VERSIONS)
def list_subscriptions(ctx):
    return Response(200, {"value": [_subscription(ctx)], "count": {"type": "Total", "value": 1}})


@PROVIDER.route(["GET"], SUB, SUBSCRIPTION_VERSIONS)
def get_subscription(ctx, subscription):
    return Response(200, _subscription(ctx))


@PROVIDER.route(["GET"], SUB + "/locations", SUBSCRIPTION_VERSIONS)
def list_locations(ctx, subscription):
    return Response(200, {"value": locations.location_list(ctx.subscription)})


@PROVIDER.route(["GET"], "/tenants", SUBSCRIPTION_VERSIONS)
def list_tenants(ctx):
    tenant = ctx.app.identity["tenant_id"]
    return Response(200, {"value": [{"id": f"/tenants/{tenant}", "tenantId": tenant, "tenantCategory": "Home",
                                     "displayName": "Dockyard Emulator", "defaultDomain": "dockyard.emulator"}]})


def _provider(ctx: Context, namespace: str) -> Provider:
    provider = ctx.app.registry.provider(namespace)
    if provider is None:
        raise ArmError(404, "InvalidResourceNamespace", f"The resource namespace '{namespace}' is invalid.")
    return provider


@PROVIDER.route(["GET"], SUB + "/providers", VERSIONS)
@PROVIDER.route(["GET"], "/providers", VERSIONS)
def list_providers(ctx, subscription=None):
    return Response(200, {"value": [p.manifest(ctx.subscription) for p in ctx.app.registry.providers.values()]})


@PROVIDER.route(["GET"], SUB + "/providers/{namespace}", VERSIONS)
@PROVIDER.route(["GET"], "/providers/{namespace}", VERSIONS)
@PROVIDER.route(["POST"], SUB + "/providers/{namespace}/register", VERSIONS)
@PROVIDER.route(["POST"], SUB + "/providers/{namespace}/unregister", VERSIONS)
def get_provider(ctx, namespace, subscription=None):
    return Response(200, _provider(ctx, namespace).manifest(ctx.subscription))


# tags at a scope (Microsoft.Resources/tags/default): the subscription's own tags, or a resource group's ---------
TAG_SCOPES = (SUB, SUB + "/resourcegroups/{rg}")


def _tag_target(ctx: Context, rg: str | None) -> tuple[str, Resource | None]:
    if rg is None:
        return f"/subscriptions/{ctx.subscription}", None
    group = ctx.store.resource(resource_group_id(ctx.subscription, rg))
    if group is None:
        raise not_found("resourceGroups", rg)
    return group["id"], group


def tags_at_scope(ctx: Context, subscription: str, rg: str | None = None) -> Response:
    """GET/PUT/PATCH/DELETE ``{scope}/providers/Microsoft.Resources/tags/default``; a PATCH body carries
    ``operation`` (Merge, Replace or Delete) and ``properties.tags``."""
    scope, group = _tag_target(ctx, rg)
    current = dict((group["body"].get("tags") if group else ctx.store.get("subscription_tags")) or {})
    method = ctx.method
    if method in ("PUT", "PATCH"):
        body = ctx.json()
        given = (body.get("properties") or {}).get("tags")
        if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                           "deserialized: 'properties.tags' must be an object of string values.")
        operation = str(body.get("operation") or "Replace").lower() if method == "PATCH" else "replace"
        if operation not in ("merge", "replace", "delete"):
            raise ArmError(400, "InvalidRequestContent", f"The tag patch operation '{body.get('operation')}' is not "
                           "valid: use Merge, Replace or Delete.")
        if operation == "merge":
            current.update(given)
        elif operation == "replace":
            current = dict(given)
        else:
            current = {k: v for k, v in current.items() if k not in given or given[k] not in ("", v)}
    elif method == "DELETE":
        current = {}
    if method != "GET":
        if group is not None:
            group["body"]["tags"] = current
            ctx.store.save_resource(group["id"], group["type"], group["body"], group["internal"], group["changed"])
        else:
            ctx.store.put("subscription_tags", current)
    if method == "DELETE":
        return Response(200)
    return Response(200, {"id": f"{scope}/providers/Microsoft.Resources/tags/default", "name": "default",
                          "type": "Microsoft.Resources/tags", "properties": {"tags": current}})


for _scope in TAG_SCOPES:
    PROVIDER.route(["GET", "PUT", "PATCH", "DELETE"], _scope + "/providers/Microsoft.Resources/tags/default",
                   VERSIONS)(tags_at_scope)
