"""The REST surface of deployments, at resource-group scope and at subscription scope, as Azure answers it.

PUT answers 201 (200 for a name in the history) with ``Azure-AsyncOperation`` under the deployment
(``.../deployments/{name}/operationStatuses/{id}``) and runs in the background; validation errors are
answered at once (400 InvalidTemplate with its TemplateViolation, or InvalidTemplateDeployment).
``whatIf`` and DELETE answer 202 with a ``Location`` on ``/subscriptions/{s}/operationresults/{id}``;
a what-if whose template is invalid still completes, with ``{"status": "Failed", "error": ...}`` (as ARM
does). ``validate`` answers 200, or 400 with the error. ``cancel`` answers 204, or 409 once finished.
"""
from __future__ import annotations

import uuid
from typing import Any

from ... import lro
from ...context import Context
from ...errors import ArmError
from ...store import Resource
from ...templates import TemplateError, invalid_template_deployment
from ...web import Response
from .calls import ArmCalls
from .records import ACTIVE, API_VERSIONS, DEPLOYMENTS, JOBS, PROVIDER
from .request import DeploymentRequest, Target, check_served, mask_secrets, parse, target, template_error
from .runner import Runner
from .scope_listing import group_listing

GROUP = "/subscriptions/{subscription}/resourcegroups/{rg}"
SUBSCRIPTION = "/subscriptions/{subscription}"
DEPLOYMENTS_PATH = "/providers/Microsoft.Resources/deployments"


def _routes(methods: list[str], suffix: str, handler: Any, *, old_operations: bool = False) -> None:
    """Register ``handler`` at both scopes (and, for the operations, at ARM's older group path too)."""
    for scope in (GROUP, SUBSCRIPTION):
        PROVIDER.route(methods, scope + DEPLOYMENTS_PATH + suffix, API_VERSIONS)(handler)
    if old_operations:
        PROVIDER.route(methods, GROUP + "/deployments" + suffix, API_VERSIONS)(handler)


def _existing(ctx: Context, where: Target) -> Resource:
    return DEPLOYMENTS.existing(ctx, where.id, where.name)


# -- validation ------------------------------------------------------------------------------------
def _validate(ctx: Context, request: DeploymentRequest) -> None:
    """ARM's validation and preflight: template, parameters, expressions, dependencies, and that every type
    and api-version is served. Raises the ArmError ARM answers with; nothing is written."""
    dep = request.deployment
    try:
        dep.validate(preflight=True)
    except TemplateError as exc:
        raise template_error(exc, dep.context.positions, request.target.name) from None
    problems = check_served(ctx, dep)
    if problems:
        error = invalid_template_deployment(request.target.name, problems, str(uuid.uuid4()))
        raise ArmError(400, error.code, error.message, [p.to_error() for p in problems])


def _summary(ctx: Context, request: DeploymentRequest, state: str) -> dict[str, Any]:
    """properties of a deployment as ARM reports it when it accepts (or validates) one."""
    dep = request.deployment
    providers: dict[str, dict[str, set[str]]] = {}
    for item in dep.resources:
        namespace, _, kind = item.type.partition("/")
        providers.setdefault(namespace, {}).setdefault(kind, set()).add(dep.target.location)
    dependencies = []
    for item in dep.resources:
        if item.depends_on:
            by_id = {r.id.lower(): r for r in dep.resources}
            dependencies.append({"id": item.id, "resourceType": item.type, "resourceName": item.name,
                                 "dependsOn": [{"id": d, "resourceType": by_id[d.lower()].type,
                                                "resourceName": by_id[d.lower()].name}
                                               for d in item.depends_on if d.lower() in by_id]})
    summary: dict[str, Any] = {
        "templateHash": dep.template_hash(), "parameters": dep.parameters_view(), "mode": request.mode,
        "providers": [{"namespace": ns, "resourceTypes": [{"resourceType": k, "locations": sorted(v)}
                                                          for k, v in kinds.items()]} for ns, kinds in providers.items()],
        "dependencies": dependencies, **request.extra}
    if state:
        summary["provisioningState"] = state
    return summary


# -- deployments --------------------------------------------------------------------------------------
def put_deployment(ctx: Context, subscription: str, name: str, rg: str | None = None) -> Response:
    where = target(ctx, rg, name)
    calls = ArmCalls(ctx.app)
    request = parse(ctx, where, calls)
    existing = ctx.store.resource(where.id)
    if existing and existing["body"]["properties"].get("provisioningState") in ACTIVE:
        raise ArmError(409, "DeploymentActive", f"The deployment with resource id '{existing['id']}' cannot be saved, "
                       "because this would overwrite an existing deployment which is still active.")
    DEPLOYMENTS.check_quota(ctx, where.scope, name)
    _validate(ctx, request)
    record, updated = DEPLOYMENTS.new_record(
        ctx, where.id, name, request.location, _summary(ctx, request, ""),
        {"template": request.template, "parameters": request.stored_parameters}, request.tags)
    DEPLOYMENTS.trim_history(ctx, where.scope)
    runner = Runner(calls, request.deployment, record["id"], request.secure_values)
    headers = lro.start(ctx, DEPLOYMENTS, record["id"], "update" if updated else "create", record["id"], work=runner)
    return Response(200 if updated else 201, DEPLOYMENTS.render(ctx, record), headers)


def get_deployment(ctx: Context, subscription: str, name: str, rg: str | None = None) -> Response:
    return Response(200, _existing(ctx, target(ctx, rg, name))["body"])


def head_deployment(ctx: Context, subscription: str, name: str, rg: str | None = None) -> Response:
    return Response(204 if ctx.store.resource(target(ctx, rg, name).id) else 404)


def delete_deployment(ctx: Context, subscription: str, name: str, rg: str | None = None) -> Response:
    where = target(ctx, rg, name)
    record = ctx.store.resource(where.id)
    if record is None:
        return Response(204)
    if record["body"]["properties"].get("provisioningState") in ACTIVE:
        raise ArmError(409, "DeploymentActive", f"The deployment '{name}' cannot be deleted because it is still active. "
                       "Cancel it first (POST .../cancel) or wait for it to finish.")
    return Response(202, None, lro.start(ctx, JOBS, record["id"], "deletion", None))


def list_deployments(ctx: Context, subscription: str, rg: str | None = None) -> Response:
    where = target(ctx, rg, "list")
    records = [r["body"] for r in DEPLOYMENTS.history(ctx, where.scope)]
    wanted = ctx.query.get("$filter", "")
    if wanted:
        state = wanted.split("eq", 1)[-1].strip().strip("'").lower()
        if not wanted.replace(" ", "").lower().startswith("provisioningstateeq"):
            raise ArmError(400, "InvalidFilterInQueryString", f"Invalid $filter '{wanted}' specified in the query "
                           "string. Only \"provisioningState eq '{state}'\" is supported for deployments.")
        records = [b for b in records if str(b["properties"].get("provisioningState", "")).lower() == state]
    top = ctx.query.get("$top")
    if top and top.isdigit():
        records = records[-int(top):]
    return Response(200, {"value": records})


# -- actions ---------------------------------------------------------------------------------------
def validate_deployment(ctx: Context, subscription: str, name: str, rg: str | None = None) -> Response:
    where = target(ctx, rg, name)
    request = parse(ctx, where, ArmCalls(ctx.app))
    try:
        _validate(ctx, request)
    except ArmError as exc:
        return Response(400, exc.body())
    DEPLOYMENTS.trim_history(ctx, where.scope)
    body: dict[str, Any] = {"id": where.id, "name": name, "type": "Microsoft.Resources/deployments"}
    if request.location:
        body["location"] = request.location
    body["properties"] = {**_summary(ctx, request, "Succeeded"), "duration": "PT0S",
                          "correlationId": str(uuid.uuid4()),
                          "validatedResources": [{"id": item.id} for item in request.deployment.resources]}
    return Response(200, body)


def what_if(ctx: Context, subscription: str, name: str, rg: str | None = None) -> Response:
    where = target(ctx, rg, name)
    request = parse(ctx, where, ArmCalls(ctx.app))
    dep = request.deployment
    try:
        problems = []
        dep.validate(preflight=False)
        problems = check_served(ctx, dep)
        if problems:
            error = invalid_template_deployment(name, problems, str(uuid.uuid4()))
            result: dict[str, Any] = {"status": "Failed", "error": {**error.to_error(),
                                                                      "details": [p.to_error() for p in problems]}}
        else:
            listing = group_listing(ctx, where.scope) if where.group else []
            result = dep.what_if(existing_in_scope=listing)
    except TemplateError as exc:
        result = {"status": "Failed", "error": template_error(exc, dep.context.positions, name).error()}
    settings = ctx.json().get("properties", {}).get("whatIfSettings") or {}
    if str(settings.get("resultFormat", "")).lower() == "resourceidonly":
        for change in (result.get("properties") or {}).get("changes", []):
            for key in ("before", "after", "delta"):
                change.pop(key, None)
    DEPLOYMENTS.trim_history(ctx, where.scope)
    headers = lro.start(ctx, JOBS, f"{where.id}/whatIf/{uuid.uuid4()}", "whatIf", None)
    op = ctx.store.operation(headers["Location"].split("?", 1)[0].rsplit("/", 1)[-1])
    if op is not None:
        op["payload"] = mask_secrets(result, request.secure_values)
        ctx.store.save_operation(op)
    return Response(202, None, headers)


def cancel(ctx: Context, subscription: str, name: str, rg: str | None = None) -> Response:
    where = target(ctx, rg, name)
    record = _existing(ctx, where)
    state = record["body"]["properties"].get("provisioningState")
    if state not in ACTIVE:
        raise ArmError(409, "DeploymentCannotBeCancelled", f"The deployment '{name}' cannot be cancelled because it has "
                       f"provisioning state '{state}' or it has already expired.")
    record["internal"]["cancel"] = True
    DEPLOYMENTS.save(ctx, record["id"], record["body"], record["internal"])
    return Response(204)


def export_template(ctx: Context, subscription: str, name: str, rg: str | None = None) -> Response:
    record = _existing(ctx, target(ctx, rg, name))
    return Response(200, {"template": record["internal"].get("template") or {}})


def list_operations(ctx: Context, subscription: str, name: str, rg: str | None = None) -> Response:
    record = _existing(ctx, target(ctx, rg, name))
    operations = DEPLOYMENTS.operations(record)
    top = ctx.query.get("$top")
    if top and top.isdigit():
        operations = operations[:int(top)]
    return Response(200, {"value": operations})


def get_operation(ctx: Context, subscription: str, name: str, operation: str, rg: str | None = None) -> Response:
    record = _existing(ctx, target(ctx, rg, name))
    for entry in DEPLOYMENTS.operations(record):
        if entry["operationId"].lower() == operation.lower():
            return Response(200, entry)
    raise ArmError(404, "DeploymentOperationNotFound", f"Deployment operation '{operation}' of deployment '{name}' "
                   "could not be found.")


def operation_status(ctx: Context, subscription: str, name: str, op: str, rg: str | None = None) -> Response:
    return lro.status(ctx, op)


_routes(["GET"], "", list_deployments)
_routes(["PUT"], "/{name}", put_deployment)
_routes(["GET"], "/{name}", get_deployment)
_routes(["HEAD"], "/{name}", head_deployment)
_routes(["DELETE"], "/{name}", delete_deployment)
_routes(["POST"], "/{name}/validate", validate_deployment)
_routes(["POST"], "/{name}/whatIf", what_if)
_routes(["POST"], "/{name}/cancel", cancel)
_routes(["POST"], "/{name}/exportTemplate", export_template)
_routes(["GET"], "/{name}/operations", list_operations, old_operations=True)
_routes(["GET"], "/{name}/operations/{operation}", get_operation, old_operations=True)
_routes(["GET"], "/{name}/operationStatuses/{op}", operation_status)
