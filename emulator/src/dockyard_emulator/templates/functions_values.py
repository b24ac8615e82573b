"""Template functions over values: logic, comparison, numbers, conversions, arrays and objects."""

from __future__ import annotations

import json
from typing import Any

from .errors import ExpressionError
from .evaluator import Context, Function, evaluate, lookup, type_name
from .expressions import Node

_TYPES = {"string": str, "int": int, "bool": bool, "array": list, "object": dict}


def expect(function: str, value: Any, *kinds: str) -> Any:
    """Check an argument's JSON type the way ARM words the failure."""
    for kind in kinds:
        wanted = _TYPES[kind]
        if isinstance(value, wanted) and not (kind == "int" and isinstance(value, bool)):
            return value
    names = " or ".join({"string": "String", "int": "Integer", "bool": "Boolean", "array": "Array",
                         "object": "Object"}[k] for k in kinds)
    raise ExpressionError(f"The template language function '{function}' expects its parameter to be of type '{names}'. "
                          f"The provided value is of type '{type_name(value)}'.")


def deep_equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(deep_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(deep_equal(a, b) for a, b in zip(left, right))
    return type(left) is type(right) and left == right or (
        isinstance(left, (int, float)) and isinstance(right, (int, float)) and left == right)


def _bool_args(name: str, args: list[Any]) -> list[bool]:
    return [expect(name, arg, "bool") for arg in args]


def _if(ctx: Context, nodes: tuple[Node, ...]) -> Any:
    condition = evaluate(nodes[0], ctx)
    from .evaluator import UNKNOWN
    if condition is UNKNOWN:
        return UNKNOWN
    return evaluate(nodes[1] if expect("if", condition, "bool") else nodes[2], ctx)


def _compare(name: str, args: list[Any]) -> int:
    left, right = args
    if isinstance(left, str) and isinstance(right, str):
        return (left > right) - (left < right)
    for value in (left, right):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpressionError(f"The template language function '{name}' expects two parameters of the same type: "
                                  f"'Integer' or 'String'. The provided values are of type '{type_name(left)}' and '{type_name(right)}'.")
    return (left > right) - (left < right)


def _int(ctx: Context, args: list[Any]) -> int:
    value = args[0]
    if isinstance(value, bool):
        raise ExpressionError("The template language function 'int' expects a string or an integer.")
    if isinstance(value, (int, float)):
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise ExpressionError(f"The template language function 'int' cannot convert '{value}' to an integer.") from None


def _bool(ctx: Context, args: list[Any]) -> bool:
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ExpressionError(f"The template language function 'bool' cannot convert '{value}' to a boolean.")


def _float(ctx: Context, args: list[Any]) -> float:
    try:
        return float(args[0])
    except (TypeError, ValueError):
        raise ExpressionError(f"The template language function 'float' cannot convert '{args[0]}' to a float.") from None


def _div(ctx: Context, args: list[Any]) -> int:
    left, right = (expect("div", a, "int") for a in args)
    if right == 0:
        raise ExpressionError("The template language function 'div' cannot divide by zero.")
    quotient = abs(left) // abs(right)
    return quotient if (left >= 0) == (right >= 0) else -quotient


def _mod(ctx: Context, args: list[Any]) -> int:
    left, right = (expect("mod", a, "int") for a in args)
    if right == 0:
        raise ExpressionError("The template language function 'mod' cannot divide by zero.")
    return left - right * _div(ctx, [left, right])


def _min_max(name: str, args: list[Any]) -> int:
    values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    if not values:
        raise ExpressionError(f"The template language function '{name}' expects at least one value.")
    numbers = [expect(name, v, "int") for v in values]
    return min(numbers) if name == "min" else max(numbers)


def _range(ctx: Context, args: list[Any]) -> list[int]:
    start, count = (expect("range", a, "int") for a in args)
    if count < 0 or count > 10000:
        raise ExpressionError("The template language function 'range' expects a count between 0 and 10000.")
    return list(range(start, start + count))


def _empty(ctx: Context, args: list[Any]) -> bool:
    value = args[0]
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _length(ctx: Context, args: list[Any]) -> int:
    return len(expect("length", args[0], "string", "array", "object"))


def _contains(ctx: Context, args: list[Any]) -> bool:
    container, item = args
    if isinstance(container, str):
        return isinstance(item, (str, int)) and str(item) in container   # case-sensitive
    if isinstance(container, dict):
        return isinstance(item, str) and lookup(container, item)[0]    # keys: case-insensitive
    if isinstance(container, list):
        return any(deep_equal(element, item) for element in container)
    raise ExpressionError(f"The template language function 'contains' expects a string, an array or an object, got '{type_name(container)}'.")


def merge_objects(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """union() of objects: later values win, nested objects merge recursively."""
    result = dict(left)
    for key, value in right.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_objects(result[key], value)
        else:
            result[key] = value
    return result


def _union(ctx: Context, args: list[Any]) -> Any:
    if all(isinstance(a, dict) for a in args):
        merged: dict[str, Any] = {}
        for arg in args:
            merged = merge_objects(merged, arg)
        return merged
    if all(isinstance(a, list) for a in args):
        result: list[Any] = []
        for arg in args:
            for item in arg:
                if not any(deep_equal(item, seen) for seen in result):
                    result.append(item)
        return result
    raise ExpressionError("The template language function 'union' expects all parameters to be arrays or all to be objects.")


def _intersection(ctx: Context, args: list[Any]) -> Any:
    first, rest = args[0], args[1:]
    if all(isinstance(a, dict) for a in args):
        return {k: v for k, v in first.items() if all(k in other and deep_equal(other[k], v) for other in rest)}
    if all(isinstance(a, list) for a in args):
        result: list[Any] = []
        for item in first:
            if all(any(deep_equal(item, o) for o in other) for other in rest) and not any(deep_equal(item, r) for r in result):
                result.append(item)
        return result
    raise ExpressionError("The template language function 'intersection' expects all parameters to be arrays or all to be objects.")


def _concat(ctx: Context, args: list[Any]) -> Any:
    if args and all(isinstance(a, list) or a is None for a in args) and any(isinstance(a, list) for a in args):
        return [item for arg in args if arg for item in arg]
    from .dotnet import to_text
    if any(isinstance(a, (list, dict)) for a in args):
        raise ExpressionError("The template language function 'concat' expects parameters of the same type: all strings or all arrays.")
    return "".join(to_text(a) for a in args)


def _create_object(ctx: Context, args: list[Any]) -> dict[str, Any]:
    if len(args) % 2:
        raise ExpressionError("The template language function 'createObject' must have an even number of parameters.")
    return {expect("createObject", args[i], "string"): args[i + 1] for i in range(0, len(args), 2)}


def _first_last(name: str, args: list[Any]) -> Any:
    value = expect(name, args[0], "array", "string")
    if not value:
        return "" if isinstance(value, str) else None
    return value[0] if name == "first" else value[-1]


def _take_skip(name: str, args: list[Any]) -> Any:
    value = expect(name, args[0], "array", "string")
    count = max(0, expect(name, args[1], "int"))
    return value[:count] if name == "take" else value[count:]


def _index_of(name: str, args: list[Any]) -> int:
    container, item = args
    if isinstance(container, str):
        haystack, needle = container.lower(), str(item).lower()   # string search: case-insensitive
        return haystack.find(needle) if name == "indexOf" else haystack.rfind(needle)
    items = list(enumerate(expect(name, container, "array")))
    for index, element in (items if name == "indexOf" else reversed(items)):
        if deep_equal(element, item):
            return index
    return -1


def _json(ctx: Context, args: list[Any]) -> Any:
    try:
        return json.loads(expect("json", args[0], "string"))
    except json.JSONDecodeError as exc:
        raise ExpressionError(f"The template language function 'json' expects a valid JSON string: {exc.msg}.") from None


def _items(ctx: Context, args: list[Any]) -> list[dict[str, Any]]:
    obj = expect("items", args[0], "object")
    return [{"key": key, "value": obj[key]} for key in sorted(obj, key=str.upper)]


def _try_get(ctx: Context, args: list[Any]) -> Any:
    value = args[0]
    for key in args[1:]:
        if isinstance(value, dict) and isinstance(key, str):
            value = lookup(value, key)[1]
        elif isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def _array(ctx: Context, args: list[Any]) -> list[Any]:
    return args[0] if isinstance(args[0], list) else [args[0]]


def _flatten(ctx: Context, args: list[Any]) -> list[Any]:
    return [item for inner in expect("flatten", args[0], "array") for item in expect("flatten", inner, "array")]


def _simple(fn: Any, lo: int, hi: int | None = None) -> Function:
    return Function(lambda ctx, args: fn(args), lo, lo if hi is None else hi)


FUNCTIONS: dict[str, Function] = {
    "equals": _simple(lambda a: deep_equal(a[0], a[1]), 2),
    "not": _simple(lambda a: not expect("not", a[0], "bool"), 1),
    "and": Function(lambda ctx, a: all(_bool_args("and", a)), 2, None),
    "or": Function(lambda ctx, a: any(_bool_args("or", a)), 2, None),
    "if": Function(_if, 3, 3, lazy=True),
    "coalesce": Function(lambda ctx, a: next((v for v in a if v is not None), None), 1, None),
    "true": _simple(lambda a: True, 0),
    "false": _simple(lambda a: False, 0),
    "null": _simple(lambda a: None, 0),
    "bool": Function(_bool, 1, 1),
    "int": Function(_int, 1, 1),
    "float": Function(_float, 1, 1),
    "json": Function(_json, 1, 1),
    "add": _simple(lambda a: expect("add", a[0], "int") + expect("add", a[1], "int"), 2),
    "sub": _simple(lambda a: expect("sub", a[0], "int") - expect("sub", a[1], "int"), 2),
    "mul": _simple(lambda a: expect("mul", a[0], "int") * expect("mul", a[1], "int"), 2),
    "div": Function(_div, 2, 2),
    "mod": Function(_mod, 2, 2),
    "min": Function(lambda ctx, a: _min_max("min", a), 1, None),
    "max": Function(lambda ctx, a: _min_max("max", a), 1, None),
    "range": Function(_range, 2, 2),
    "greater": _simple(lambda a: _compare("greater", a) > 0, 2),
    "greaterorequals": _simple(lambda a: _compare("greaterOrEquals", a) >= 0, 2),
    "less": _simple(lambda a: _compare("less", a) < 0, 2),
    "lessorequals": _simple(lambda a: _compare("lessOrEquals", a) <= 0, 2),
    "empty": Function(_empty, 1, 1),
    "length": Function(_length, 1, 1),
    "contains": Function(_contains, 2, 2),
    "union": Function(_union, 1, None),
    "intersection": Function(_intersection, 2, None),
    "concat": Function(_concat, 1, None),
    "createobject": Function(_create_object, 0, None),
    "createarray": Function(lambda ctx, a: list(a), 0, None),
    "array": Function(_array, 1, 1),
    "first": _simple(lambda a: _first_last("first", a), 1),
    "last": _simple(lambda a: _first_last("last", a), 1),
    "take": _simple(lambda a: _take_skip("take", a), 2),
    "skip": _simple(lambda a: _take_skip("skip", a), 2),
    "indexof": _simple(lambda a: _index_of("indexOf", a), 2),
    "lastindexof": _simple(lambda a: _index_of("lastIndexOf", a), 2),
    "items": Function(_items, 1, 1),
    "objectkeys": _simple(lambda a: list(expect("objectKeys", a[0], "object")), 1),
    "trygetvalue": Function(_try_get, 2, None),
    "tryget": Function(_try_get, 2, None),
    "flatten": Function(_flatten, 1, 1),
    "shallowmerge": _simple(lambda a: {k: v for obj in expect("shallowMerge", a[0], "array") for k, v in obj.items()}, 1),
}
