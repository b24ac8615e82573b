"""Evaluation of parsed expressions and of template values that hold them.

A Context carries what an expression may see: the Host (parameters, variables, scope,
reference() and list*() through the deployment's callbacks), the copy loop indices in force,
lambda variables, and where the expression sits (reference() only where ARM allows it, utcNow()
and newGuid() only in parameter defaults).  During what-if an unknowable value (the state of a
resource not deployed yet) is UNKNOWN; it spreads through every function that receives it and
a template string whose value is unknown keeps its expression text, as Azure's what-if shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .errors import ExpressionError
from .expressions import Call, Index, Literal, Node, Property, parse_template_string

if TYPE_CHECKING:
    from .scope import DeploymentScope


class _Unknown:
    """A value what-if cannot know before the deployment runs."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


class Host(Protocol):
    """What a deployment offers to expressions (implemented by template.TemplateContext)."""

    scope: DeploymentScope
    now: dt.datetime

    def parameter(self, name: str) -> Any: ...

    def variable(self, name: str) -> Any: ...

    def reference(self, ctx: Context, target: str, api_version: str | None, full: bool) -> Any: ...

    def list_call(self, ctx: Context, function: str, target: str, api_version: str | None, body: Any) -> Any: ...

    def deployment_object(self) -> dict[str, Any]: ...

    def user_function(self, name: str) -> Callable[[Context, list[Any]], Any] | None: ...


@dataclass(frozen=True)
class Lambda:
    params: tuple[str, ...]
    body: Node
    ctx: Context

    def __call__(self, *values: Any) -> Any:
        bound = dict(self.ctx.lambda_vars)
        bound.update({name.lower(): value for name, value in zip(self.params, values)})
        return evaluate(self.body, replace(self.ctx, lambda_vars=bound))


@dataclass(frozen=True)
class Context:
    host: Host
    where: str = "properties"            # 'parameterDefault', 'name', 'properties', 'outputs', ...
    allow_reference: bool = True
    copy_indices: dict[str | None, int] = field(default_factory=dict)
    lambda_vars: dict[str, Any] = field(default_factory=dict)

    def with_copy(self, loop: str | None, index: int, default: bool = False) -> Context:
        indices = dict(self.copy_indices)
        indices[loop.lower() if loop else None] = index
        if default:
            indices[None] = index
        return replace(self, copy_indices=indices)


FunctionImpl = Callable[[Context, list[Any]], Any]
LazyImpl = Callable[[Context, tuple[Node, ...]], Any]


@dataclass(frozen=True)
class Function:
    impl: Callable[..., Any]
    min_args: int = 0
    max_args: int | None = None
    lazy: bool = False                   # receives the argument nodes unevaluated


def type_name(value: Any) -> str:
    """ARM's names for JSON types in its messages."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


def lookup(obj: dict[str, Any], name: str) -> tuple[bool, Any]:
    """ARM resolves property names case-insensitively (exact match first)."""
    if name in obj:
        return True, obj[name]
    lowered = name.lower()
    for key, value in obj.items():
        if key.lower() == lowered:
            return True, value
    return False, None


def _access_property(target: Any, name: str) -> Any:
    if target is UNKNOWN:
        return UNKNOWN
    if isinstance(target, dict):
        found, value = lookup(target, name)
        if found:
            return value
        available = ", ".join(target)
        raise ExpressionError(f"The language expression property '{name}' doesn't exist, available properties are '{available}'.")
    raise ExpressionError(f"The language expression property '{name}' can't be evaluated, "
                          f"property name must be a string. The target is of type '{type_name(target)}'.")


def _access_index(target: Any, index: Any) -> Any:
    if target is UNKNOWN or index is UNKNOWN:
        return UNKNOWN
    if isinstance(target, list):
        if isinstance(index, bool) or not isinstance(index, int):
            raise ExpressionError(f"The language expression property array index '{index}' is not valid: it must be an integer.")
        if not 0 <= index < len(target):
            raise ExpressionError(f"The language expression property array index '{index}' is out of bounds.")
        return target[index]
    if isinstance(target, dict) and isinstance(index, str):
        return _access_property(target, index)
    raise ExpressionError(f"The language expression property '{index}' can't be evaluated on a value of type '{type_name(target)}'.")


def evaluate(node: Node, ctx: Context) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Property):
        return _access_property(evaluate(node.target, ctx), node.name)
    if isinstance(node, Index):
        return _access_index(evaluate(node.target, ctx), evaluate(node.index, ctx))
    return _call(node, ctx)


def _call(node: Call, ctx: Context) -> Any:
    from .functions import resolve_function  # the function table imports this module

    function = resolve_function(node.name, ctx)
    count = len(node.args)
    if count < function.min_args or (function.max_args is not None and count > function.max_args):
        if function.min_args == function.max_args:
            wanted = f"{function.min_args} parameter(s)"
        elif function.max_args is None:
            wanted = f"at least {function.min_args} parameter(s)"
        else:
            wanted = f"{function.min_args} to {function.max_args} parameter(s)"
        raise ExpressionError(f"The template language function '{node.name}' must have {wanted}.")
    if function.lazy:
        return function.impl(ctx, node.args)
    args = [evaluate(arg, ctx) for arg in node.args]
    if any(arg is UNKNOWN for arg in args):
        return UNKNOWN
    return function.impl(ctx, args)


def evaluate_string(value: str, ctx: Context) -> Any:
    """A template string: evaluated when it is an expression (kept as text if UNKNOWN)."""
    node = parse_template_string(value)
    if node is None:
        return value
    result = evaluate(node, ctx)
    return value if result is UNKNOWN else result


def evaluate_value(value: Any, ctx: Context, *, property_copy: bool = True) -> Any:
    """A JSON value with expressions inside; `copy` arrays inside objects expand property loops."""
    if isinstance(value, str):
        return evaluate_string(value, ctx)
    if isinstance(value, list):
        return [evaluate_value(item, ctx, property_copy=property_copy) for item in value]
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if property_copy and key.lower() == "copy" and is_property_copy(item):
                result.update(expand_property_copy(item, ctx))
                continue
            result[key] = evaluate_value(item, ctx, property_copy=property_copy)
        return result
    return value


def is_property_copy(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, dict) and lookup(item, "name")[0] and lookup(item, "count")[0] for item in value)


def expand_property_copy(loops: list[dict[str, Any]], ctx: Context) -> dict[str, Any]:
    """Property (and variable) iteration: {"copy": [{"name", "count", "input"}]} -> name: [inputs]."""
    result: dict[str, Any] = {}
    for loop in loops:
        name = evaluate_value(lookup(loop, "name")[1], ctx)
        count = evaluate_value(lookup(loop, "count")[1], ctx)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ExpressionError(f"The copy count for '{name}' must be a non-negative integer, got '{count}'.")
        has_input, template = lookup(loop, "input")
        if not has_input:
            raise ExpressionError(f"The copy property '{name}' must have an 'input'.")
        result[name] = [evaluate_value(template, ctx.with_copy(name, index)) for index in range(count)]
    return result
