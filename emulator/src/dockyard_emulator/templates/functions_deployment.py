"""Template functions tied to the deployment: parameters, variables, scope objects, resource ids,
reference() and list*(), copyIndex(), pickZones() and the lambda functions."""

from __future__ import annotations

import functools
from typing import Any

from .errors import ExpressionError
from .evaluator import Context, Function, Lambda, evaluate
from .expressions import Node
from .functions_values import expect
from .ids import build_id


def _not_expected(name: str, why: str = "") -> ExpressionError:
    return ExpressionError(f"The template function '{name}' is not expected at this location.{(' ' + why) if why else ''}")


def _strings(name: str, args: list[Any]) -> list[str]:
    """Resource id segments: strings, and integers as text (copyIndex() is a common name part)."""
    return [str(arg) if isinstance(arg, int) and not isinstance(arg, bool) else expect(name, arg, "string") for arg in args]


def _resource_id(ctx: Context, args: list[Any]) -> str:
    values = _strings("resourceId", args)
    scope = ctx.host.scope
    position = next((i for i, value in enumerate(values[:3]) if "/" in value.strip("/")), None)
    if position is None or len(values) < position + 2:
        raise ExpressionError("Unable to evaluate template language function 'resourceId': function requires a resource type "
                              "and at least one resource name argument.")
    subscription, group = scope.subscription_id, scope.resource_group
    if position == 1:
        group = values[0]
    elif position == 2:
        subscription, group = values[0], values[1]
    prefix = f"/subscriptions/{subscription}" + (f"/resourceGroups/{group}" if group else "")
    return build_id(prefix, values[position], values[position + 1:])


def _subscription_resource_id(ctx: Context, args: list[Any]) -> str:
    values = _strings("subscriptionResourceId", args)
    subscription = ctx.host.scope.subscription_id
    if values and "/" not in values[0].strip("/") and len(values) > 2:
        subscription, values = values[0], values[1:]
    return build_id(f"/subscriptions/{subscription}", values[0], values[1:], "subscriptionResourceId")


def _tenant_resource_id(ctx: Context, args: list[Any]) -> str:
    values = _strings("tenantResourceId", args)
    return build_id("", values[0], values[1:], "tenantResourceId")


def _extension_resource_id(ctx: Context, args: list[Any]) -> str:
    values = _strings("extensionResourceId", args)
    return build_id(values[0], values[1], values[2:], "extensionResourceId")


def _resource_group(ctx: Context, args: list[Any]) -> dict[str, Any]:
    if ctx.host.scope.resource_group is None:
        raise _not_expected("resourceGroup", "The function is not available in a subscription-scope deployment.")
    return ctx.host.scope.resource_group_object()


def _reference(ctx: Context, args: list[Any]) -> Any:
    if not ctx.allow_reference:
        raise _not_expected("reference", "Please see https://aka.ms/arm-functions#reference for usage details.")
    target = expect("reference", args[0], "string")
    api_version = expect("reference", args[1], "string") if len(args) > 1 and args[1] is not None else None
    full = len(args) > 2 and str(args[2]).lower() == "full"
    return ctx.host.reference(ctx, target, api_version, full)


def list_function(name: str) -> Function:
    def call(ctx: Context, args: list[Any]) -> Any:
        if not ctx.allow_reference:
            raise _not_expected(name)
        target = expect(name, args[0], "string")
        api_version = expect(name, args[1], "string")
        return ctx.host.list_call(ctx, name, target, api_version, args[2] if len(args) > 2 else None)
    return Function(call, 2, 3)


def _copy_index(ctx: Context, args: list[Any]) -> int:
    loop: str | None = None
    offset = 0
    if args:
        if isinstance(args[0], str):
            loop = args[0]
            offset = expect("copyIndex", args[1], "int") if len(args) > 1 else 0
        else:
            offset = expect("copyIndex", args[0], "int")
    key = loop.lower() if loop else None
    if key not in ctx.copy_indices:
        if loop:
            raise ExpressionError(f"The template function 'copyIndex' is not expected at this location. "
                                  f"The copy loop '{loop}' is not found.")
        raise _not_expected("copyIndex", "The function can only be used in a resource with copy specified.")
    return ctx.copy_indices[key] + offset


def _pick_zones(ctx: Context, args: list[Any]) -> list[str]:
    count = expect("pickZones", args[3], "int") if len(args) > 3 else 1
    offset = expect("pickZones", args[4], "int") if len(args) > 4 else 0
    return [str((offset + i) % 3 + 1) for i in range(min(count, 3))]


def _lambda(ctx: Context, nodes: tuple[Node, ...]) -> Lambda:
    names = [evaluate(node, ctx) for node in nodes[:-1]]
    return Lambda(tuple(expect("lambda", name, "string") for name in names), nodes[-1], ctx)


def _lambda_variable(ctx: Context, args: list[Any]) -> Any:
    name = expect("lambdaVariables", args[0], "string").lower()
    if name not in ctx.lambda_vars:
        raise ExpressionError(f"The lambda variable '{args[0]}' is not defined.")
    return ctx.lambda_vars[name]


def _fn(name: str, value: Any) -> Lambda:
    if not isinstance(value, Lambda):
        raise ExpressionError(f"The template language function '{name}' expects a lambda function.")
    return value


def _call(lam: Lambda, *values: Any) -> Any:
    return lam(*values[:max(1, len(lam.params))])


def _filter(ctx: Context, args: list[Any]) -> list[Any]:
    lam = _fn("filter", args[1])
    return [item for index, item in enumerate(expect("filter", args[0], "array")) if _call(lam, item, index)]


def _map(ctx: Context, args: list[Any]) -> list[Any]:
    lam = _fn("map", args[1])
    return [_call(lam, item, index) for index, item in enumerate(expect("map", args[0], "array"))]


def _reduce(ctx: Context, args: list[Any]) -> Any:
    lam = _fn("reduce", args[2])
    accumulated = args[1]
    for index, item in enumerate(expect("reduce", args[0], "array")):
        accumulated = _call(lam, accumulated, item, index)
    return accumulated


def _sort(ctx: Context, args: list[Any]) -> list[Any]:
    lam = _fn("sort", args[1])
    return sorted(expect("sort", args[0], "array"),
                  key=functools.cmp_to_key(lambda a, b: -1 if lam(a, b) else (1 if lam(b, a) else 0)))


def _to_object(ctx: Context, args: list[Any]) -> dict[str, Any]:
    key_fn = _fn("toObject", args[1])
    value_fn = _fn("toObject", args[2]) if len(args) > 2 else None
    return {expect("toObject", key_fn(item), "string"): value_fn(item) if value_fn else item
            for item in expect("toObject", args[0], "array")}


def _group_by(ctx: Context, args: list[Any]) -> dict[str, list[Any]]:
    key_fn = _fn("groupBy", args[1])
    groups: dict[str, list[Any]] = {}
    for item in expect("groupBy", args[0], "array"):
        groups.setdefault(expect("groupBy", key_fn(item), "string"), []).append(item)
    return groups


FUNCTIONS: dict[str, Function] = {
    "parameters": Function(lambda ctx, a: ctx.host.parameter(expect("parameters", a[0], "string")), 1, 1),
    "variables": Function(lambda ctx, a: ctx.host.variable(expect("variables", a[0], "string")), 1, 1),
    "resourcegroup": Function(_resource_group, 0, 0),
    "subscription": Function(lambda ctx, a: ctx.host.scope.subscription_object(), 0, 0),
    "tenant": Function(lambda ctx, a: ctx.host.scope.tenant_object(), 0, 0),
    "deployment": Function(lambda ctx, a: ctx.host.deployment_object(), 0, 0),
    "environment": Function(lambda ctx, a: ctx.host.scope.environment, 0, 0),
    "resourceid": Function(_resource_id, 2, None),
    "subscriptionresourceid": Function(_subscription_resource_id, 2, None),
    "tenantresourceid": Function(_tenant_resource_id, 2, None),
    "extensionresourceid": Function(_extension_resource_id, 3, None),
    "reference": Function(_reference, 1, 3),
    "copyindex": Function(_copy_index, 0, 2),
    "pickzones": Function(_pick_zones, 3, 5),
    "lambda": Function(_lambda, 2, None, lazy=True),
    "lambdavariables": Function(_lambda_variable, 1, 1),
    "filter": Function(_filter, 2, 2),
    "map": Function(_map, 2, 2),
    "reduce": Function(_reduce, 3, 3),
    "sort": Function(_sort, 2, 2),
    "toobject": Function(_to_object, 2, 3),
    "mapvalues": Function(lambda ctx, a: {k: _fn("mapValues", a[1])(v) for k, v in expect("mapValues", a[0], "object").items()}, 2, 2),
    "groupby": Function(_group_by, 2, 2),
}
