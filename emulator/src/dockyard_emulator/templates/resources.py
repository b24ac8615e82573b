"""Template resources expanded into planned instances: copy loops, conditions, child resources,
full types, names and ids, declared dependencies; and the dependency graph cut into batches."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .errors import ExpressionError, TemplateError, at, circular_dependency, resource_invalid, validation_failed
from .evaluator import Context, evaluate_value, lookup
from .expressions import calls, parse_template_string
from .ids import build_id, split_type
from .jsonpos import JsonPath
from .scope import DeploymentScope
from .template import TemplateContext, ci

if TYPE_CHECKING:
    from .deployment import Deployment

DEPLOYMENTS_TYPE = "microsoft.resources/deployments"
HEADER_KEYS = {"name", "type", "apiversion", "copy", "dependson", "condition", "resources", "comments", "scope",
               "subscriptionid", "resourcegroup", "existing", "metadata", "import"}


@dataclass
class PlannedResource:
    """One resource instance the deployment will apply (or skip when its condition is false)."""

    id: str
    type: str
    name: str
    api_version: str
    path: JsonPath                              # where its definition sits in the template
    raw: dict[str, Any]
    owner: TemplateContext
    copy_indices: dict[str | None, int] = field(default_factory=dict)
    condition: bool = True
    copy_name: str | None = None
    copy_index: int | None = None
    declared_depends: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)     # ids, resolved
    symbolic: str | None = None                 # languageVersion 2.0 symbolic name
    existing: bool = False                      # declared 'existing': referenced, never deployed
    target: DeploymentScope | None = None       # nested deployments: the group they deploy into

    @property
    def is_deployment(self) -> bool:
        return self.type.lower() == DEPLOYMENTS_TYPE

    def context(self, where: str = "properties", preview: bool = False) -> Context:
        return Context(self.owner, where=where, copy_indices=dict(self.copy_indices))

    def label(self) -> str:
        return self.name


@dataclass
class CopyLoop:
    name: str
    mode: str
    batch_size: int
    instances: list[PlannedResource] = field(default_factory=list)


def _evaluate_header(value: Any, ctx: Context, resource_label: str, where: tuple[int, int] | None) -> Any:
    try:
        return evaluate_value(value, ctx, property_copy=False)
    except ExpressionError as exc:
        raise resource_invalid(resource_label, where, str(exc).rstrip(".") + ".") from None


def _resource_list(section: Any) -> list[tuple[Any, str | None, dict[str, Any]]]:
    """(path key, symbolic name, definition): resources as an array, or as an object (languageVersion 2.0)."""
    if isinstance(section, dict):
        return [(name, name, definition) for name, definition in section.items()]
    return [(index, None, definition) for index, definition in enumerate(section or [])]


def expand(deployment: Deployment, tc: TemplateContext, section: Any, path: JsonPath,
           parent: PlannedResource | None = None, parent_ctx: Context | None = None,
           loops: dict[str, CopyLoop] | None = None) -> list[PlannedResource]:
    """Every instance of every resource in `section` (children included), in template order."""
    planned: list[PlannedResource] = []
    loops = loops if loops is not None else deployment.loops
    for key, symbolic, raw in _resource_list(section):
        here = (*path, key)
        where = tc.positions.get((*tc.base_path, *here))
        label = str(ci(raw, "name", key))
        if not isinstance(raw, dict):
            raise validation_failed(f"The template resource at path '{here}' is not an object.")
        base_ctx = parent_ctx or tc.context("resource")
        header_ctx = replace(base_ctx, allow_reference=False, where="name")
        instances: list[tuple[Context, str | None, int | None]] = [(base_ctx, None, None)]
        loop = ci(raw, "copy")
        if isinstance(loop, dict):
            copy_name = str(_evaluate_header(ci(loop, "name"), header_ctx, label, where))
            count = _evaluate_header(ci(loop, "count"), header_ctx, label, where)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise resource_invalid(label, where, f"The copy count must be a non-negative integer; got '{count}'.")
            mode = str(ci(loop, "mode", "parallel")).lower()
            size = _evaluate_header(ci(loop, "batchSize", 1 if mode == "serial" else 0), header_ctx, label, where)
            loops.setdefault(copy_name.lower(), CopyLoop(copy_name, mode, int(size or 0)))
            instances = [(base_ctx.with_copy(copy_name, i, default=True), copy_name, i) for i in range(count)]
        for ctx, loop_name, index in instances:
            header = replace(ctx, allow_reference=False, where="name")
            item = _plan_one(deployment, tc, raw, here, where, label, ctx, header, parent, symbolic)
            item.copy_name, item.copy_index = loop_name, index
            if loop_name:
                loops[loop_name.lower()].instances.append(item)
            planned.append(item)
            children = ci(raw, "resources")
            if children:
                planned.extend(expand(deployment, tc, children, (*here, "resources"), item, ctx, loops))
    return planned


def _plan_one(deployment: Deployment, tc: TemplateContext, raw: dict[str, Any], here: JsonPath,
              where: tuple[int, int] | None, label: str, ctx: Context, header: Context,
              parent: PlannedResource | None, symbolic: str | None) -> PlannedResource:
    condition = True
    if lookup(raw, "condition")[0]:
        condition = _evaluate_header(ci(raw, "condition"), replace(ctx, where="condition"), label, where)
        if not isinstance(condition, bool):
            condition = str(condition).lower() == "true"
    if parent is not None and not parent.condition:
        condition = False
    resource_type = str(_evaluate_header(ci(raw, "type"), header, label, where) or "")
    name = str(_evaluate_header(ci(raw, "name"), header, label, where) or "")
    api_version = str(_evaluate_header(ci(raw, "apiVersion"), header, label, where) or "")
    if parent is not None and "/" not in resource_type.strip("/"):
        resource_type, name = f"{parent.type}/{resource_type}", f"{parent.name}/{name}"
    if not resource_type or not name:
        raise resource_invalid(name or label, where, "The resource must have a 'type' and a 'name'.")
    try:
        _, types = split_type(resource_type)
    except ExpressionError as exc:
        raise resource_invalid(name, where, str(exc)) from None
    if len([s for s in name.strip("/").split("/") if s]) != len(types):
        raise validation_failed(
            f"The template resource '{name}' for type '{resource_type}'{at(where)} has incorrect segment lengths. A nested "
            "resource type must have identical number of segments as its resource name. A root resource type must have "
            "segment length one greater than its resource name. Please see https://aka.ms/arm-syntax-resources for usage details.")
    target = deployment.target
    if resource_type.lower() == DEPLOYMENTS_TYPE:
        sub = _evaluate_header(ci(raw, "subscriptionId"), header, label, where)
        group = _evaluate_header(ci(raw, "resourceGroup"), header, label, where)
        if sub or group:
            target = deployment.scope_for(sub, group)
    scope_value = _evaluate_header(ci(raw, "scope"), header, label, where) if lookup(raw, "scope")[0] else None
    if scope_value:
        scope_id = str(scope_value)
        if not scope_id.startswith("/"):                     # 'Microsoft.Storage/storageAccounts/name' form
            parts = [part for part in scope_id.split("/") if part]
            scope_type = "/".join([parts[0], *parts[1::2]])
            scope_id = build_id(target.group_path, scope_type, parts[2::2])
        resource_id = build_id(scope_id, resource_type, [name])
    elif resource_type.lower() == "microsoft.resources/resourcegroups":
        resource_id = f"{target.subscription_path}/resourceGroups/{name}"
    else:
        resource_id = build_id(target.group_path, resource_type, [name])
    depends = _evaluate_header(ci(raw, "dependsOn") or [], header, label, where)
    if not isinstance(depends, list):
        raise resource_invalid(name, where, "The 'dependsOn' property must be an array.")
    item = PlannedResource(resource_id, resource_type, name, api_version, here, raw, tc, dict(ctx.copy_indices),
                           condition=bool(condition), declared_depends=[str(d) for d in depends if d],
                           symbolic=symbolic, existing=bool(ci(raw, "existing", False)), target=target)
    return item


def matches(planned: list[PlannedResource], loops: dict[str, CopyLoop], target: str) -> list[PlannedResource]:
    """The template resources a dependsOn entry or a reference() target names."""
    lowered = target.strip().lower()
    if lowered.startswith("/"):
        return [p for p in planned if p.id.lower() == lowered.rstrip("/")]
    found = [p for p in planned if p.symbolic and p.symbolic.lower() == lowered]
    if not found and lowered in loops:
        found = list(loops[lowered].instances)
    if not found:
        found = [p for p in planned if p.name.lower() == lowered or f"{p.type}/{p.name}".lower() == lowered]
    return found


def implicit_targets(item: PlannedResource) -> list[str]:
    """Targets of reference() and list*() calls in a resource's evaluated-later fields."""
    targets: list[str] = []
    ctx = replace(item.context(), allow_reference=False)

    def walk(value: Any, skip_template: bool = False) -> None:
        if isinstance(value, str):
            try:
                node = parse_template_string(value)
            except ExpressionError:
                return
            for call in calls(node) if node is not None else []:
                lowered = call.name.lower()
                if (lowered == "reference" or (lowered.startswith("list") and "." not in lowered)) and call.args:
                    try:
                        from .evaluator import evaluate
                        result = evaluate(call.args[0], ctx)
                    except (ExpressionError, TemplateError):
                        continue
                    if isinstance(result, str):
                        targets.append(result)
        elif isinstance(value, list):
            for element in value:
                walk(element)
        elif isinstance(value, dict):
            for key, element in value.items():
                if skip_template and key.lower() == "template":
                    continue
                walk(element)

    for key, value in item.raw.items():
        if key.lower() not in HEADER_KEYS:
            walk(value, skip_template=item.is_deployment and key.lower() == "properties")
    return targets


def order(planned: list[PlannedResource]) -> list[list[PlannedResource]]:
    """Kahn levels: each batch depends only on earlier batches.  Cycles are ARM's InvalidTemplate."""
    active = {p.id.lower(): p for p in planned}
    remaining = {key: {d.lower() for d in p.depends_on if d.lower() in active} for key, p in active.items()}
    batches: list[list[PlannedResource]] = []
    done: set[str] = set()
    while remaining:
        ready = [key for key, deps in remaining.items() if deps <= done]
        if not ready:
            raise circular_dependency(_cycle(remaining, active))
        batches.append([active[key] for key in ready])
        done.update(ready)
        for key in ready:
            del remaining[key]
    return batches


def _cycle(remaining: dict[str, set[str]], active: dict[str, PlannedResource]) -> list[str]:
    start = next(iter(remaining))
    seen: list[str] = []
    node = start
    while node not in seen:
        seen.append(node)
        node = next(dep for dep in sorted(remaining[node]) if dep in remaining)
    cycle = seen[seen.index(node):]
    return [active[key].id for key in cycle]
