"""A deployment request read the way ARM reads it: the body parsed with positions (so errors cite the
line and column of the request, and the template path), the scope, the mode, and the template engine's
Deployment built over it; and the engine's errors turned into ARM's answers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ... import locations
from ...context import Context
from ...errors import ArmError
from ...resource_type import require_group
from ...templates import Deployment, DeploymentScope, TemplateError, invalid_template_deployment
from ...templates.jsonpos import JsonPath, parse_json, path_text
from ...templates.template import SECURE_TYPES, ci
from .calls import ArmCalls
from .records import deployment_id, scope_path

NAME = re.compile(r"^[-\w._()]+$")
NAME_LIMIT = 64
_AT = re.compile(r"at line '(\d+)' and column '(\d+)'")
_PARSE_AT = re.compile(r"line (\d+), position (\d+)")


class TemplateArmError(ArmError):
    """ARM's InvalidTemplate answer, with the TemplateViolation that names the line, column and path."""

    def __init__(self, status: int, code: str, message: str, info: dict[str, Any] | None = None,
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(status, code, message, details)
        self.info = info

    def error(self) -> dict[str, Any]:
        error = super().error()
        if self.info:
            error["additionalInfo"] = [{"type": "TemplateViolation", "info": self.info}]
        return error


@dataclass
class Target:
    """Where a deployment lives: a resource group, or the subscription itself (group None)."""

    subscription: str
    group: str | None
    name: str

    @property
    def id(self) -> str:
        return deployment_id(self.subscription, self.group, self.name)

    @property
    def scope(self) -> str:
        return scope_path(self.subscription, self.group)


@dataclass
class DeploymentRequest:
    """A parsed PUT / validate / whatIf body."""

    target: Target
    deployment: Deployment
    mode: str
    location: str | None
    template: dict[str, Any]
    stored_parameters: dict[str, Any]            # what the record may keep: no secure values
    secure_values: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)     # debugSetting, onErrorDeployment ...
    tags: dict[str, str] = field(default_factory=dict)


def target(ctx: Context, rg: str | None, name: str) -> Target:
    """The deployment's target, with the group spelt as created (ResourceGroupNotFound when it is missing)."""
    if len(name) > NAME_LIMIT:
        raise ArmError(400, "DeploymentNameLengthLimitExceeded",
                       f"The provided deployment name '{name}' has a length of '{len(name)}' which exceeds the maximum "
                       f"length of '{NAME_LIMIT}'. Please see https://aka.ms/arm-deploy for usage details.")
    if not NAME.match(name):
        raise ArmError(400, "InvalidDeploymentName",
                       f"The deployment name '{name}' is invalid. It can only contain letters, digits, '-', '.', '_', "
                       "'(' and ')'. Please see https://aka.ms/arm-deploy for usage details.")
    group = None
    if rg is not None:
        group = require_group(ctx, rg)["body"]["name"]
    return Target(ctx.subscription, group, name)


def template_error(error: TemplateError, positions: dict[JsonPath, tuple[int, int]], name: str) -> ArmError:
    """The engine's error as ARM answers a request: InvalidTemplate (with its TemplateViolation), or the
    preflight refusal InvalidTemplateDeployment around any other error."""
    if error.code != "InvalidTemplate":
        return ArmError(400, "InvalidTemplateDeployment",
                        invalid_template_deployment(name, [error]).message, [error.to_error()])
    found = _AT.search(error.message) or _PARSE_AT.search(error.message)
    info = None
    if found:
        line, column = int(found.group(1)), int(found.group(2))
        paths = sorted((p for p, where in positions.items() if where == (line, column)), key=len)
        info = {"lineNumber": line, "linePosition": column, "path": path_text(paths[0]) if paths else ""}
    return TemplateArmError(400, "InvalidTemplate", error.message, info)


def parse(ctx: Context, where: Target, calls: ArmCalls) -> DeploymentRequest:
    """Read the request body into a Deployment over the parsed template (nothing evaluated yet)."""
    assert ctx.request is not None
    text = ctx.request.body.decode("utf-8", "replace")
    if not text.strip():
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                       "'The request body is empty.'")
    try:
        document = parse_json(text)
    except TemplateError as exc:
        reason = exc.message.split("'", 1)[-1].rsplit("'", 1)[0]
        raise ArmError(400, "InvalidRequestContent",
                       f"The request content was invalid and could not be deserialized: '{reason}'.") from None
    body = document.value
    if not isinstance(body, dict) or not isinstance(ci(body, "properties"), dict):
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                       "'Required property 'properties' not found in JSON. Path '', line 1, position 1.'.")
    props_key = next(k for k in body if k.lower() == "properties")
    props = body[props_key]
    for link, what in (("templateLink", "template"), ("parametersLink", "parameters")):
        given = ci(props, link)
        if given:
            uri = ci(given, "uri") or ci(given, "id") or ci(given, "relativePath") or ""
            raise ArmError(400, "InvalidContentLink",
                           f"Unable to download deployment content from '{uri}': the emulator has no network access, so "
                           f"linked {what} are not downloaded. Send the {what} inline ('properties.{what}').")
    template = ci(props, "template")
    if not isinstance(template, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                       "'properties.template' must be a JSON object (the emulator does not download templateLink).")
    mode = str(ci(props, "mode", "Incremental"))
    if mode.lower() not in ("incremental", "complete"):
        raise ArmError(400, "InvalidDeploymentMode", f"The deployment mode '{mode}' is not supported. Supported modes "
                       "are 'Incremental' and 'Complete'.")
    mode = mode.capitalize()
    location = ci(body, "location")
    group_state = None
    if where.group is None:
        if not location:
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        if locations.normalize(location) is None:
            raise ArmError(400, "LocationNotAvailableForDeployment", f"The provided location '{location}' is not "
                           f"available for deployment. List of available regions is '{','.join(locations.NAMES)}'.")
        location = locations.normalize(location)
    else:
        group_state = ctx.store.resource(f"{where.scope}")
    parameters = ci(props, "parameters") or {}
    if not isinstance(parameters, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                       "'properties.parameters' must be a JSON object.")
    group_body = group_state["body"] if group_state else {}
    scope = DeploymentScope(where.subscription, where.group, location or group_body.get("location") or "westus",
                            tenant_id=ctx.app.identity["tenant_id"], deployment_name=where.name,
                            resource_group_tags=dict(group_body.get("tags") or {}), subscription_name="Dockyard Emulator")
    template_key = next(k for k in props if k.lower() == "template")
    deployment = Deployment(template, parameters, scope=scope, mode=mode, get_resource=calls.get,
                            list_keys=lambda rid, version, function, payload: _list_call(calls, rid, version, function,
                                                                                          payload),
                            positions=document.positions, base_path=(props_key, template_key))
    secure = {name.lower() for name, definition in (ci(template, "parameters") or {}).items()
              if str(ci(definition, "type", "")).lower() in SECURE_TYPES}
    stored = {k: v for k, v in parameters.items() if k.lower() not in secure}
    secure_values = [_value(v) for k, v in parameters.items() if k.lower() in secure and _value(v) not in (None, "")]
    extra = {k: props[k] for k in props if k.lower() in ("debugsetting", "onerrordeployment")}
    tags = ci(body, "tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ArmError(400, "InvalidTag", "The tags must be an object of string values.")
    return DeploymentRequest(where, deployment, mode, location if where.group is None else None, template, stored,
                             [str(v) for v in secure_values if isinstance(v, (str, int))], extra, tags)


def _value(given: Any) -> Any:
    return given.get("value") if isinstance(given, dict) and "value" in given else given


def _list_call(calls: ArmCalls, resource_id: str, api_version: str | None, function: str, payload: Any) -> Any:
    answer = calls.post(f"{resource_id}/{function}", api_version, payload)
    return answer.body if answer.ok else None


def check_served(ctx: Context, deployment: Deployment) -> list[TemplateError]:
    """Preflight: every resource type and api-version the template deploys must be served (ARM asks each
    resource provider; a type or api-version nobody serves is refused before anything is written)."""
    problems: list[TemplateError] = []
    for item in _all_resources(deployment):
        rtype = ctx.app.registry.type(item.type)
        namespace = item.type.split("/", 1)[0]
        if ctx.app.registry.provider(namespace) is None:
            problems.append(TemplateError("NoRegisteredProviderFound",
                                          f"No registered resource provider found for location '{deployment.target.location}' "
                                          f"and API version '{item.api_version}' for type '{item.type.split('/', 1)[-1]}'. "
                                          f"The resource namespace '{namespace}' is not served by the emulator.",
                                          target=item.id))
        elif rtype is None:
            problems.append(TemplateError("InvalidResourceType", f"The resource type '{item.type.split('/', 1)[-1]}' "
                                          f"could not be found in the namespace '{namespace}' for api version "
                                          f"'{item.api_version}'.", target=item.id))
        elif rtype.api_versions and item.api_version not in rtype.api_versions:
            problems.append(TemplateError("NoRegisteredProviderFound",
                                          f"No registered resource provider found for location '{deployment.target.location}' "
                                          f"and API version '{item.api_version}' for type '{rtype.name}'. The supported "
                                          f"api-versions are '{', '.join(rtype.api_versions)}'. The supported locations are "
                                          f"'{', '.join(locations.NAMES)}'.", target=item.id))
    return problems


def _all_resources(deployment: Deployment) -> list[Any]:
    found = []
    for item in deployment.resources:
        found.append(item)
        if item.is_deployment:
            try:
                child = deployment.nested(item)
                child.validate(preflight=False)
            except TemplateError:
                continue                    # evaluated when it runs (it may read what earlier resources create)
            found.extend(_all_resources(child))
    return found




def mask_secrets(value: Any, secure_values: list[str]) -> Any:
    """``value`` with every secure parameter value replaced by '***' (a what-if 'after' of a VM would
    otherwise show the admin password it is given)."""
    if not secure_values:
        return value
    if isinstance(value, str):
        if value in secure_values:
            return "***"
        for secret in secure_values:
            if len(secret) >= 8:
                value = value.replace(secret, "***")
        return value
    if isinstance(value, list):
        return [mask_secrets(item, secure_values) for item in value]
    if isinstance(value, dict):
        return {key: mask_secrets(item, secure_values) for key, item in value.items()}
    return value
