"""The ARM schema of each resource type, and what ARM does with a request body against it.

The schema comes from the Azure SDK's model classes (``_generated_arm_schema``, made by
``tools/generate_emulator_schema.py``): for every model, its REST keys, their types and which are
read-only. :func:`conform` reads a request body as Azure's resource providers deserialize it
(ASP.NET's JSON.NET): keys match case-insensitively and take the schema's spelling, numbers and
booleans given as strings are converted, ``null`` is kept (a PATCH removes with it; a PUT drops it:
:func:`strip_nulls`), read-only keys are ignored
(clients send back what a GET gave them), and a key the schema does not know is refused with ARM's
``InvalidRequestContent`` (Microsoft.Compute and ARM itself) or ignored (Microsoft.Network, whose
provider drops what it does not know). What remains is what the resource stores and returns.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from ._generated_arm_schema import MODELS, ROOTS
from .errors import ArmError

SCALARS = {"s": "string", "i": "integer", "f": "number", "b": "boolean", "t": "date-time", "a": "any"}
_ROOTS_LOWER = {name.lower(): model for name, model in ROOTS.items()}
# ARM's own envelope of a PUT body: keys every resource definition may carry (the schema of the type
# says which of them it uses; ARM accepts the others and the provider ignores them).
ENVELOPE = ("id", "name", "type", "location", "tags", "properties", "sku", "plan", "kind", "zones", "identity",
            "managedBy", "extendedLocation", "etag", "scale", "systemData", "placement")

Unknown = Callable[[str, str, str], None]  # (key, model name, path) -> None, or raise


def root(full_type: str) -> str | None:
    """The schema model of a resource type (``Microsoft.Compute/disks``), None when the schema has none."""
    return _ROOTS_LOWER.get(full_type.lower())


def fields(model: str) -> dict[str, str]:
    return MODELS.get(model, {})


def field(model: str, key: str) -> tuple[str | None, str | None]:
    """(canonical key, type code) of ``key`` in ``model`` (case-insensitive); (None, None) when unknown."""
    known = MODELS.get(model, {})
    if key in known:
        return key, known[key]
    lower = key.lower()
    for name, code in known.items():
        if name.lower() == lower:
            return name, code
    return None, None


def split(code: str) -> tuple[bool, str]:
    """(read-only, type) of a field's code."""
    return (True, code[2:]) if code.startswith("r:") else (False, code)


def type_name(model: str) -> str:
    """The name Azure's deserializer reports for a model: 'Properties' for a resource's properties bag."""
    name = model.split(".", 1)[-1]
    return "Properties" if name.endswith("Properties") and not name.startswith("Virtual") else name


class BodyError(ArmError):
    """A request body Azure's deserializer refuses (InvalidRequestContent, with JSON.NET's wording)."""

    def __init__(self, reason: str, path: str, body: Any) -> None:
        position = _position(body, path)
        super().__init__(400, "InvalidRequestContent", "The request content was invalid and could not be "
                         f"deserialized: '{reason} Path '{path}', line 1, position {position}.'.")


def _position(body: Any, path: str) -> int:
    """Where JSON.NET would stop in the compact JSON text of ``body`` (the end of the last key of ``path``)."""
    text = json.dumps(body, separators=(",", ":"))
    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    found = text.find(f'"{key}"')
    return found + len(key) + 2 if found >= 0 else len(text)


def refuse_unknown(body: Any) -> Unknown:
    """The handler of unknown keys of Microsoft.Compute and ARM: InvalidRequestContent."""
    def unknown(key: str, model: str, path: str) -> None:
        raise BodyError(f"Could not find member '{key}' on object of type '{type_name(model)}'.", path, body)
    return unknown


def ignore_unknown(key: str, model: str, path: str) -> None:
    """The handler of unknown keys of Microsoft.Network: dropped."""


def conform(value: Any, code: str, unknown: Unknown, body: Any = None, path: str = "") -> Any:
    """``value`` read as the schema type ``code`` (see the module docstring); raises BodyError."""
    body = value if body is None else body
    if code.startswith("["):
        if not isinstance(value, list):
            raise BodyError(f"Error converting value to a list: expected an array, got {_json_kind(value)}.", path, body)
        return [conform(item, code[1:], unknown, body, f"{path}[{i}]") for i, item in enumerate(value)
                if item is not None]
    if code.startswith("{"):
        if not isinstance(value, dict):
            raise BodyError(f"Error converting value to a dictionary: expected an object, got {_json_kind(value)}.",
                            path, body)
        return {k: None if v is None else conform(v, code[1:], unknown, body, f"{path}.{k}" if path else k)
                for k, v in value.items()}
    if code in SCALARS:
        return _scalar(value, code, body, path)
    if not isinstance(value, dict):
        raise BodyError(f"Error converting value {json.dumps(value)} to type '{type_name(code)}'.", path, body)
    result: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        name, field_code = field(code, key)
        if name is None or field_code is None:
            unknown(key, code, where)
            continue
        readonly, kind = split(field_code)
        if readonly:
            continue
        result[name] = None if item is None else conform(item, kind, unknown, body, where)
    return result


def strip_nulls(value: Any) -> Any:
    """``value`` without its null members (in a PUT body, null is the same as absent)."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value if v is not None]
    return value


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def _scalar(value: Any, code: str, body: Any, path: str) -> Any:
    if code in ("a", "t"):
        return value
    if code == "s":
        if isinstance(value, (dict, list)):
            raise BodyError(f"Unexpected character encountered while parsing value: {'{' if isinstance(value, dict) else '['}.",
                            path, body)
        return value if isinstance(value, str) else json.dumps(value)
    if code == "b":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise BodyError(f"Could not convert string to boolean: {value}.", path, body) if isinstance(value, str) else \
            BodyError(f"Error converting value {json.dumps(value)} to type 'System.Boolean'.", path, body)
    if isinstance(value, (bool, dict, list)):
        raise BodyError(f"Error converting value {json.dumps(value)} to type "
                        f"'{'System.Int32' if code == 'i' else 'System.Double'}'.", path, body)
    if code == "i":
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise BodyError(f"Could not convert string to integer: {value}.", path, body) from None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value))
    except ValueError:
        raise BodyError(f"Could not convert string to double: {value}.", path, body) from None


def request_body(full_type: str, body: dict[str, Any], strict: bool) -> dict[str, Any]:
    """A PUT/PATCH body of ``full_type`` conformed to its schema (the body as it is when the type has none).

    ``strict``: unknown keys inside the representation are refused (Microsoft.Compute) rather than
    dropped (Microsoft.Network). Unknown top-level keys are always refused: ARM itself reads the
    envelope (type 'ResourceDefinition')."""
    model = root(full_type)
    if model is None:
        return body
    for key in body:
        if key.lower() not in {k.lower() for k in ENVELOPE} and field(model, key)[0] is None:
            raise BodyError(f"Could not find member '{key}' on object of type 'ResourceDefinition'.", key, body)
    conformed = conform(body, model, refuse_unknown(body) if strict else ignore_unknown)
    return {k: v for k, v in conformed.items() if k not in ("id", "name", "type")}


def readonly_paths(full_type: str) -> set[str]:
    """Dotted paths of the read-only keys of a type's schema (one level of nesting through models)."""
    model = root(full_type)
    found: set[str] = set()

    def walk(name: str, prefix: str, depth: int) -> None:
        for key, code in MODELS.get(name, {}).items():
            readonly, kind = split(code)
            path = f"{prefix}{key}"
            if readonly:
                found.add(path)
            elif depth < 2 and kind in MODELS:
                walk(kind, path + ".", depth + 1)
    if model:
        walk(model, "", 0)
    return found


def has_path(full_type: str, path: str) -> bool:
    """Whether a type's schema has the dotted ``path`` (e.g. 'properties.provisioningState'); True when the type
    has no schema (nothing to say otherwise)."""
    model = root(full_type)
    if model is None:
        return True
    for key in path.split("."):
        name, code = field(model, key)
        if name is None or code is None:
            return False
        model = split(code)[1]
    return True
