"""A template deployment the caller drives: validate, apply batches, evaluate each resource right
before it is applied, run nested deployments, read outputs; and what-if.

    deployment = Deployment(template_text, parameters, scope=scope, get_resource=..., list_keys=...)
    deployment.validate()                      # InvalidTemplate before anything is written
    for batch in deployment.batches():         # resources of one batch are independent
        for item in batch:
            body = deployment.evaluate(item)   # reference() sees what earlier batches created
            ...PUT body...
    outputs = deployment.outputs()

`get_resource(id, api_version)` returns a resource's current GET body (or None); `list_keys(id,
api_version, function, body)` answers listKeys()/list*() calls.  Nested inline deployments are
Microsoft.Resources/deployments items: `deployment.nested(item)` is their own Deployment.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any, Callable

from .errors import ExpressionError, TemplateError, at, resource_invalid, resource_not_found, section_invalid, validation_failed
from .evaluator import UNKNOWN, Context, evaluate_value, lookup
from .expressions import calls, is_expression, parse_template_string
from .functions import is_known_function
from .hashing import murmur_hash64
from .jsonpos import JsonDocument, JsonPath, parse_json
from .resources import HEADER_KEYS, CopyLoop, PlannedResource, expand, implicit_targets, matches, order
from .scope import DeploymentScope
from .template import TemplateContext, ci
from .whatif import DesiredResource, compute_what_if

GetResource = Callable[[str, "str | None"], "dict[str, Any] | None"]
ListKeys = Callable[[str, "str | None", str, Any], Any]
CANONICAL_KEYS = {key.lower(): key for key in (
    "location", "properties", "tags", "sku", "kind", "zones", "identity", "plan", "managedBy", "extendedLocation", "etag")}
_ONLY_IN_DEFAULTS = ("utcnow", "newguid")


class Deployment:
    """One deployment of one template at one scope (see the module docstring for the flow)."""

    def __init__(self, template: str | dict[str, Any] | JsonDocument, parameters: dict[str, Any] | None = None, *,
                 scope: DeploymentScope, name: str | None = None, mode: str = "Incremental",
                 get_resource: GetResource | None = None, list_keys: ListKeys | None = None,
                 now: dt.datetime | None = None, positions: dict[JsonPath, tuple[int, int]] | None = None,
                 base_path: JsonPath = (), outer: TemplateContext | None = None,
                 outer_copy: dict[str | None, int] | None = None, evaluation_scope: DeploymentScope | None = None) -> None:
        if isinstance(template, str):
            template = parse_json(template)
        if isinstance(template, JsonDocument):
            positions, template = template.positions, template.value
        if not isinstance(template, dict):
            raise validation_failed("The template must be a JSON object.")
        self.name = name or scope.deployment_name
        self.mode = mode
        self.target = replace(scope, deployment_name=self.name)
        self.get_resource = get_resource
        self.list_keys = list_keys
        self.now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        self.template = template
        self.context = TemplateContext(self, template, positions or {}, base_path, evaluation_scope or self.target,
                                       dict(parameters or {}), self.now, outer=outer)
        self.context.base_copy = dict(outer_copy or {})
        self.loops: dict[str, CopyLoop] = {}
        self.planned: list[PlannedResource] = []
        self.preview = False                    # what-if / preflight: unknown states are UNKNOWN
        self._batches: list[list[PlannedResource]] | None = None

    # -- validation ------------------------------------------------------------------------
    def validate(self, preflight: bool = True) -> None:
        """ARM's validation: template shape, expressions, parameters, variables, resources,
        dependencies; with preflight, every resource body is evaluated too (no writes)."""
        if self._batches is None:
            section = ci(self.template, "resources")
            if not isinstance(section, (list, dict)):
                raise validation_failed("Required property 'resources' not found in JSON. Path '', line 1, position 1.")
            self._check_expressions()
            if self.context.outer is None:
                self.context.check_parameters()
                for key in list(self.context.variable_defs):
                    self.context.variable(self.context.variable_defs[key][0])
            self.planned = expand(self, self.context, section, ("resources",) if isinstance(section, list)
                                  else (next(k for k in self.template if k.lower() == "resources"),))
            self._refuse_linked_templates()
            self._resolve_dependencies()
            self._check_output_references()
            self._batches = order(self.resources)
        if preflight:
            self._preflight()

    def _check_expressions(self) -> None:
        """Syntax, unknown functions and misplaced utcNow()/newGuid(), everywhere, before evaluating."""
        user = _user_function_names(self.template)
        for key, value in self.template.items():
            lowered = key.lower()
            if lowered == "resources":
                entries = value.items() if isinstance(value, dict) else enumerate(value or [])
                for index, raw in entries:
                    label = str(ci(raw, "name", index)) if isinstance(raw, dict) else str(index)
                    self._check_value(raw, user, False, self._failure("resource", key, index, label))
            elif lowered in ("parameters", "variables", "outputs"):
                for name, raw in (value or {}).items():
                    self._check_value(raw, user, lowered == "parameters", self._failure(lowered[:-1], key, name, name))

    def _failure(self, kind: str, section: str, entry: Any, label: str) -> Callable[[str], TemplateError]:
        where = self.context.position(section, entry)
        if kind == "resource":
            return lambda message: resource_invalid(label, where, message)
        return lambda message: section_invalid(kind, label, where, message)

    def _check_value(self, value: Any, user: set[str], in_defaults: bool, fail: Callable[[str], TemplateError]) -> None:
        if isinstance(value, str):
            try:
                node = parse_template_string(value)
            except ExpressionError as exc:
                raise fail(str(exc)) from None
            for call in calls(node) if node is not None else []:
                lowered = call.name.lower()
                if not is_known_function(call.name) or ("." in lowered and lowered not in user):
                    raise fail(f"The template function '{call.name}' is not valid.")
                if lowered in _ONLY_IN_DEFAULTS and not in_defaults:
                    raise fail(f"The template function '{call.name}' is not expected at this location. "
                               "The function can only be used with parameter default values.")
        elif isinstance(value, list):
            for item in value:
                self._check_value(item, user, in_defaults, fail)
        elif isinstance(value, dict):
            nested_template = lookup(value, "resources")[0] and (lookup(value, "parameters")[0] or lookup(value, "$schema")[0])
            for key, item in value.items():
                if nested_template:        # an inline template: utcNow() is fine in its parameter defaults
                    self._check_value(item, user, key.lower() == "parameters", fail)
                else:
                    self._check_value(item, user, in_defaults and key.lower() != "metadata", fail)

    def _refuse_linked_templates(self) -> None:
        for item in self.planned:
            properties = ci(item.raw, "properties") or {}
            if item.is_deployment and item.condition and lookup(properties, "templateLink")[0]:
                link = ci(properties, "templateLink") or {}
                where = ci(link, "uri") or ci(link, "id") or ci(link, "relativePath") or "the linked template"
                raise resource_invalid(item.name, self._where(item),
                                       f"Linked templates cannot be deployed offline: the emulator does not download "
                                       f"'{where}'. Put the template inline in the 'template' property instead.")
            if item.is_deployment and item.condition and not isinstance(ci(properties, "template"), dict):
                raise resource_invalid(item.name, self._where(item), "The nested deployment has no inline 'template'.")

    def _resolve_dependencies(self) -> None:
        active = self.resources
        seen: dict[str, PlannedResource] = {}
        for item in active:
            if item.id.lower() in seen:
                raise validation_failed(f"The resource '{item.id}'{at(self._where(item))} is defined multiple times in a "
                                        "template. Please see https://aka.ms/arm-syntax-resources for usage details.")
            seen[item.id.lower()] = item
        for item in active:
            depends: list[str] = []
            for target in item.declared_depends:
                found = matches(self.planned, self.loops, target)
                if not found and target.strip().lower() not in self.loops:      # an empty copy loop is fine
                    raise validation_failed(f"The resource '{target}' is not defined in the template. "
                                            "Please see https://aka.ms/arm-syntax for usage details.")
                depends += [f.id for f in found if f.condition and not f.existing and f is not item]
            for target in implicit_targets(item):
                found = matches(self.planned, self.loops, target)
                if not found and not target.startswith("/"):
                    raise resource_invalid(item.name, self._where(item), f"The template reference '{target}' is not valid: "
                                           "could not find template resource or resource copy with this name.")
                depends += [f.id for f in found if f.condition and not f.existing and f is not item]
            item.depends_on = list(dict.fromkeys(depends))
        for loop in self.loops.values():
            if loop.mode != "serial":
                continue
            size = max(loop.batch_size, 1)
            members = [m for m in loop.instances if m.condition]
            for position, member in enumerate(members):
                if position >= size:
                    group = position // size
                    earlier = [m.id for m in members[(group - 1) * size:group * size]]
                    member.depends_on = list(dict.fromkeys(member.depends_on + earlier))

    def _check_output_references(self) -> None:
        """reference('name') in outputs must name a template resource (ARM checks it up front)."""
        for name, definition in (ci(self.template, "outputs") or {}).items():
            holder = PlannedResource("", "", name, "", (), {"value": definition}, self.context)
            for target in implicit_targets(holder):
                if not target.startswith("/") and not matches(self.planned, self.loops, target):
                    raise section_invalid("output", name, self.context.position("outputs", name),
                                          f"The template reference '{target}' is not valid: could not find template "
                                          "resource or resource copy with this name.")

    def _preflight(self) -> None:
        self.preview = True
        try:
            for item in self.resources:
                body = self.evaluate(item)
                if item.is_deployment and not _has_unknown(ci(body.get("properties") or {}, "parameters")):
                    self.nested(item).validate(preflight=True)
        finally:
            self.preview = False

    # -- the plan ----------------------------------------------------------------------------
    @property
    def resources(self) -> list[PlannedResource]:
        """Resources this deployment applies, in template order (false conditions left out)."""
        return [item for item in self.planned if item.condition and not item.existing]

    def batches(self) -> list[list[PlannedResource]]:
        """Dependency order: every resource of a batch depends only on earlier batches."""
        if self._batches is None:
            self.validate(preflight=False)
        return [list(batch) for batch in self._batches or []]

    def _where(self, item: PlannedResource) -> tuple[int, int] | None:
        return item.owner.positions.get((*item.owner.base_path, *item.path))

    def scope_for(self, subscription_id: Any, resource_group: Any) -> DeploymentScope:
        """The scope of a nested deployment aimed at another group (its location read when known)."""
        subscription = str(subscription_id or self.target.subscription_id)
        group = str(resource_group) if resource_group else (self.target.resource_group if not subscription_id else None)
        location, tags = None, None
        if group and self.get_resource is not None:
            state = self.get_resource(f"/subscriptions/{subscription}/resourceGroups/{group}", None)
            if state:
                location, tags = state.get("location"), state.get("tags") or {}
        return self.target.for_group(subscription, group, location, tags)

    def evaluate(self, item: PlannedResource) -> dict[str, Any]:
        """The resource's body with every expression evaluated now (call it right before applying)."""
        ctx = item.context()
        body: dict[str, Any] = {"id": item.id, "name": item.name, "type": item.type, "apiVersion": item.api_version}
        try:
            for key, raw in item.raw.items():
                lowered = key.lower()
                if lowered in HEADER_KEYS:
                    continue
                if item.is_deployment and lowered == "properties" and isinstance(raw, dict):
                    inner = {k: v for k, v in raw.items() if k.lower() != "template"}
                    body["properties"] = evaluate_value(inner, ctx)
                    if lookup(raw, "template")[0]:
                        body["properties"]["template"] = ci(raw, "template")
                    continue
                body[CANONICAL_KEYS.get(lowered, key)] = evaluate_value(raw, ctx)
        except ExpressionError as exc:
            raise resource_invalid(item.name, self._where(item), str(exc).rstrip(".") + ".") from None
        return body

    def nested(self, item: PlannedResource) -> Deployment:
        """The Deployment of a nested inline template (Microsoft.Resources/deployments item)."""
        raw_properties = ci(item.raw, "properties") or {}
        properties = self.evaluate(item).get("properties") or {}
        template = ci(raw_properties, "template")
        prop_key = next(k for k in item.raw if k.lower() == "properties")
        template_key = next(k for k in raw_properties if k.lower() == "template")
        base = (*item.owner.base_path, *item.path, prop_key, template_key)
        target = item.target or self.target
        if target.resource_group != self.target.resource_group or target.subscription_id != self.target.subscription_id:
            target = self.scope_for(target.subscription_id, target.resource_group)   # the group may exist by now
        options = ci(properties, "expressionEvaluationOptions") or {}
        common: dict[str, Any] = dict(scope=target, name=item.name, mode=str(ci(properties, "mode", "Incremental")),
                                      get_resource=self.get_resource, list_keys=self.list_keys, now=self.now,
                                      positions=item.owner.positions, base_path=base)
        if str(ci(options, "scope", "outer")).lower() == "inner":
            child = Deployment(template, ci(properties, "parameters") or {}, **common)
        else:
            child = Deployment(template, {}, outer=item.owner, outer_copy=item.copy_indices,
                               evaluation_scope=item.owner.scope, **common)
        child.preview = self.preview
        return child

    def deployment_resource(self, item: PlannedResource, child: Deployment, outputs: dict[str, Any]) -> dict[str, Any]:
        """The GET body of a finished nested deployment, so reference('name').outputs works."""
        return {"id": item.id, "name": item.name, "type": "Microsoft.Resources/deployments",
                "properties": {"provisioningState": "Succeeded", "mode": child.mode, "outputs": outputs,
                               "parameters": child.context.parameters_view() if child.context.outer is None else {},
                               "outputResources": [{"id": r.id} for r in child.resources],
                               "templateHash": child.template_hash()}}

    def resource_ids(self) -> list[str]:
        """Ids this deployment (nested inline deployments included) declares: complete mode keeps these."""
        ids: list[str] = []
        for item in self.resources:
            ids.append(item.id)
            if item.is_deployment:
                child = self.nested(item)
                child.validate(preflight=False)
                ids.extend(child.resource_ids())
        return ids

    # -- what expressions see ----------------------------------------------------------------
    def _template_resource(self, target: str) -> PlannedResource | None:
        found = matches(self.planned, self.loops, target)
        found.sort(key=lambda item: not item.condition)          # 'new or existing' pairs: the deployed one
        return found[0] if found else None

    def _target_id(self, function: str, target: str) -> tuple[str, PlannedResource | None]:
        item = self._template_resource(target)
        if target.startswith("/"):
            return target.rstrip("/"), item
        if item is None:
            raise ExpressionError(f"The template reference '{target}' is not valid: could not find template resource "
                                  "or resource copy with this name.")
        return item.id, item

    def reference(self, ctx: Context, target: str, api_version: str | None, full: bool) -> Any:
        resource_id, item = self._target_id("reference", target)
        api_version = api_version or (item.api_version if item else None)
        state = self.get_resource(resource_id, api_version) if self.get_resource else None
        if state is None:
            if self.preview and item is not None and not item.existing:
                return UNKNOWN
            raise resource_not_found(resource_id)
        if full:
            return {**state, "apiVersion": state.get("apiVersion", api_version)}
        properties = state.get("properties")
        return properties if properties is not None else {}

    def list_call(self, ctx: Context, function: str, target: str, api_version: str | None, body: Any) -> Any:
        resource_id, item = self._target_id(function, target)
        if self.preview and item is not None and (self.get_resource is None or self.get_resource(resource_id, api_version) is None):
            return UNKNOWN
        if self.list_keys is None:
            raise ExpressionError(f"The template function '{function}' is not supported here.")
        result = self.list_keys(resource_id, api_version, function, body)
        if result is None:
            raise resource_not_found(resource_id)
        return result

    def template_hash(self) -> str:
        return str(murmur_hash64(json.dumps(self.template, sort_keys=True).encode("utf-8")))

    def deployment_object(self) -> dict[str, Any]:
        head = {k: v for k, v in self.template.items() if k.lower() in ("$schema", "contentversion", "metadata")}
        result: dict[str, Any] = {"name": self.name, "properties": {
            "template": head, "templateHash": self.template_hash(), "parameters": dict(self.context.provided),
            "mode": self.mode, "provisioningState": "Accepted"}}
        if self.target.resource_group is None:
            result["location"] = self.target.location
        return result

    def outputs(self) -> dict[str, Any]:
        """The template's outputs (REST shape: name -> {type, value}); call after the last batch."""
        return self.context.outputs()

    def parameters_view(self) -> dict[str, Any]:
        return self.context.parameters_view()

    # -- what-if -----------------------------------------------------------------------------
    def what_if(self, existing_in_scope: list[dict[str, Any]] | None = None,
                write_only: set[str] | None = None) -> dict[str, Any]:
        """Azure's WhatIfOperationResult for this deployment against the current state."""
        self.validate()
        desired: list[DesiredResource] = []
        self.preview = True
        try:
            self._collect_desired(desired)
        finally:
            self.preview = False
        return compute_what_if(desired, self.get_resource, existing_in_scope, self.mode, write_only=write_only)

    def _collect_desired(self, desired: list[DesiredResource]) -> None:
        for item in self.resources:
            body = self.evaluate(item)
            if not item.is_deployment:
                desired.append(DesiredResource(body, _has_unknown(body)))
                continue
            try:
                child = self.nested(item)
                child.validate(preflight=False)
                child.preview = True
                child._collect_desired(desired)
            except TemplateError:
                if not _has_unknown(body.get("properties")):
                    raise


def _user_function_names(template: Any) -> set[str]:
    """namespace.member names declared by the template and by the inline templates it nests."""
    names: set[str] = set()
    if isinstance(template, dict):
        for namespace in ci(template, "functions") or []:
            names.update(f"{ci(namespace, 'namespace', '')}.{member}".lower() for member in ci(namespace, "members") or {})
        for value in template.values():
            names |= _user_function_names(value)
    elif isinstance(template, list):
        for value in template:
            names |= _user_function_names(value)
    return names


def _has_unknown(value: Any) -> bool:
    """True when evaluation left an expression text behind (a value what-if cannot know)."""
    if isinstance(value, str):
        return is_expression(value)
    if isinstance(value, list):
        return any(_has_unknown(item) for item in value)
    if isinstance(value, dict):
        return any(_has_unknown(item) for key, item in value.items() if key.lower() != "template")
    return False
