"""One template's evaluation context: parameters, variables, user functions and outputs.

TemplateContext is the Host expressions see.  Parameter values are checked the way ARM checks
them (declared names only, types, allowedValues, lengths, ranges; missing ones are errors),
defaults are evaluated where utcNow() and newGuid() are allowed, variables are evaluated once
on first use (variable copy loops included) and circular definitions are reported.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable

from .errors import ExpressionError, at, section_invalid, validation_failed
from .evaluator import Context, evaluate_value, expand_property_copy, is_property_copy, lookup, type_name
from .jsonpos import JsonPath
from .scope import DeploymentScope

if TYPE_CHECKING:
    from .deployment import Deployment

SECURE_TYPES = ("securestring", "secureobject")
_TYPE_LABELS = {"string": "String, Uri", "securestring": "String, Uri", "int": "Integer", "bool": "Boolean",
                "object": "Object", "secureobject": "Object", "array": "Array"}
OUTPUT_TYPES = {"string": "String", "securestring": "SecureString", "int": "Int", "bool": "Bool", "object": "Object",
                "secureobject": "SecureObject", "array": "Array"}
_PENDING = object()


def ci(obj: Any, key: str, default: Any = None) -> Any:
    """A template keyword looked up case-insensitively ('defaultValue', 'DefaultValue')."""
    if not isinstance(obj, dict):
        return default
    found, value = lookup(obj, key)
    return value if found else default


def _coerce(declared: str, value: Any) -> tuple[bool, Any]:
    if declared in ("string", "securestring"):
        return isinstance(value, str), value
    if declared == "int":
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return True, int(value)
        return isinstance(value, int) and not isinstance(value, bool), value
    if declared == "bool":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return True, value.lower() == "true"
        return isinstance(value, bool), value
    if declared in ("object", "secureobject"):
        return isinstance(value, dict), value
    if declared == "array":
        return isinstance(value, list), value
    return True, value


class TemplateContext:
    """Parameters, variables and functions of one template (the Host of its expressions)."""

    def __init__(self, deployment: Deployment, template: dict[str, Any], positions: dict[JsonPath, tuple[int, int]],
                 base_path: JsonPath, scope: DeploymentScope, provided: dict[str, Any], now: dt.datetime,
                 outer: TemplateContext | None = None) -> None:
        self.deployment = deployment
        self.template = template
        self.positions = positions
        self.base_path = base_path
        self.scope = scope
        self.now = now
        self.outer = outer                       # nested template with 'outer' scope: names resolve in the parent
        self.base_copy: dict[str | None, int] = {}
        self.provided = provided
        self.definitions: dict[str, tuple[str, dict[str, Any]]] = {
            name.lower(): (name, definition) for name, definition in (ci(template, "parameters") or {}).items()}
        self.variable_defs: dict[str, tuple[str, Any]] = {}
        for name, value in (ci(template, "variables") or {}).items():
            if name.lower() == "copy" and is_property_copy(value):
                for loop in value:
                    self.variable_defs[str(ci(loop, "name")).lower()] = (str(ci(loop, "name")), {"__copy__": loop})
            else:
                self.variable_defs[name.lower()] = (name, value)
        self._parameters: dict[str, Any] = {}
        self._variables: dict[str, Any] = {}
        self._functions = self._read_functions()

    # -- positions -------------------------------------------------------------------------
    def position(self, *path: Any) -> tuple[int, int] | None:
        return self.positions.get((*self.base_path, *path))

    def context(self, where: str = "properties", allow_reference: bool = True) -> Context:
        return Context(self, where=where, allow_reference=allow_reference, copy_indices=dict(self.base_copy))

    # -- parameters ------------------------------------------------------------------------
    def check_parameters(self) -> None:
        """Preflight: every provided name is declared, every declared one has a valid value."""
        unknown = [name for name in self.provided if name.lower() not in self.definitions]
        if unknown:
            supported = ", ".join(name for name, _ in self.definitions.values())
            raise validation_failed(
                f"The template parameters '{', '.join(unknown)}' in the parameters file are not valid; they are not present in "
                f"the original template and can therefore not be provided at deployment time. The only supported parameters "
                f"for this template are '{supported}'. Please see https://aka.ms/arm-pass-parameter-values for usage details.")
        for key in self.definitions:
            self._parameter_value(key)

    def parameter(self, name: str) -> Any:
        if self.outer is not None:
            return self.outer.parameter(name)
        key = name.lower()
        if key not in self.definitions:
            raise ExpressionError(f"The template parameter '{name}' is not found. "
                                  "Please see https://aka.ms/arm-syntax-parameters for usage details.")
        return self._parameter_value(key)

    def is_secure(self, name: str) -> bool:
        entry = self.definitions.get(name.lower())
        return entry is not None and str(ci(entry[1], "type", "")).lower() in SECURE_TYPES

    def _parameter_value(self, key: str) -> Any:
        if key in self._parameters:
            if self._parameters[key] is _PENDING:
                raise ExpressionError(f"The template parameter '{self.definitions[key][0]}' default value refers to itself.")
            return self._parameters[key]
        name, definition = self.definitions[key]
        where = self.position("parameters", name)
        declared = str(ci(definition, "type", "")).lower()
        given = next((value for pname, value in self.provided.items() if pname.lower() == key), _PENDING)
        self._parameters[key] = _PENDING
        try:
            if given is not _PENDING:
                value = self._unwrap(name, given)
            elif lookup(definition, "defaultValue")[0]:
                try:
                    value = evaluate_value(ci(definition, "defaultValue"), self.context("parameterDefault", allow_reference=False))
                except ExpressionError as exc:
                    raise section_invalid("parameter", name, where, str(exc).rstrip(".") + ".") from None
            else:
                raise validation_failed(f"The value for the template parameter '{name}'{at(where)} is not provided. "
                                        "Please see https://aka.ms/arm-create-parameter-file for usage details.")
            value = self._check(name, definition, declared, value, where)
        except BaseException:
            del self._parameters[key]
            raise
        self._parameters[key] = value
        return value

    def _unwrap(self, name: str, given: Any) -> Any:
        if isinstance(given, dict) and lookup(given, "reference")[0] and not lookup(given, "value")[0]:
            raise validation_failed(f"The template parameter '{name}' is a Key Vault reference; Key Vault references "
                                    "are not supported by the offline emulator. Pass the value instead.")
        if isinstance(given, dict) and lookup(given, "value")[0]:
            return ci(given, "value")
        return given

    def _check(self, name: str, definition: dict[str, Any], declared: str, value: Any, where: tuple[int, int] | None) -> Any:
        secure = declared in SECURE_TYPES
        ok, value = _coerce(declared, value)
        if not ok:
            raise validation_failed(f"Template parameter JToken type is not valid. Expected '{_TYPE_LABELS.get(declared, declared)}'. "
                                    f"Actual '{type_name(value)}'. Please see https://aka.ms/arm-deploy/#parameter-file for usage details.")
        shown = "" if secure else f" '{value}'"
        allowed = ci(definition, "allowedValues")
        if isinstance(allowed, list):
            from .functions_values import deep_equal
            candidates = value if declared == "array" else [value]
            if not all(any(deep_equal(item, option) for option in allowed) for item in candidates):
                options = ",".join(str(option) for option in allowed)
                raise validation_failed(f"The provided value{shown} for the template parameter '{name}'{at(where)} is not valid. "
                                        f"The parameter value is not part of the allowed value(s): '{options}'.")
        if isinstance(value, (str, list)):
            low, high = ci(definition, "minLength"), ci(definition, "maxLength")
            if isinstance(low, int) and len(value) < low:
                raise validation_failed(f"The provided value for the template parameter '{name}'{at(where)} is not valid. "
                                        f"Length of the value should be greater than or equal to '{low}'.")
            if isinstance(high, int) and len(value) > high:
                raise validation_failed(f"The provided value for the template parameter '{name}'{at(where)} is not valid. "
                                        f"Length of the value should be less than or equal to '{high}'.")
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = ci(definition, "minValue"), ci(definition, "maxValue")
            if isinstance(low, int) and value < low:
                raise validation_failed(f"The provided value{shown} for the template parameter '{name}'{at(where)} is not valid. "
                                        f"The value must be greater than or equal to '{low}'.")
            if isinstance(high, int) and value > high:
                raise validation_failed(f"The provided value{shown} for the template parameter '{name}'{at(where)} is not valid. "
                                        f"The value must be less than or equal to '{high}'.")
        return value

    def parameters_view(self) -> dict[str, Any]:
        """properties.parameters of the deployment as ARM returns it: secure values left out."""
        view: dict[str, Any] = {}
        for key, (name, definition) in self.definitions.items():
            declared = str(ci(definition, "type", "")).lower()
            entry: dict[str, Any] = {"type": OUTPUT_TYPES.get(declared, declared)}
            if declared not in SECURE_TYPES:
                entry["value"] = self._parameter_value(key)
            view[name] = entry
        return view

    # -- variables -------------------------------------------------------------------------
    def variable(self, name: str) -> Any:
        if self.outer is not None:
            return self.outer.variable(name)
        key = name.lower()
        if key not in self.variable_defs:
            raise ExpressionError(f"The template variable '{name}' is not found. "
                                  "Please see https://aka.ms/arm-syntax-variables for usage details.")
        if key in self._variables:
            if self._variables[key] is _PENDING:
                raise ExpressionError(f"The template variable '{self.variable_defs[key][0]}' is involved in a circular reference.")
            return self._variables[key]
        self._variables[key] = _PENDING
        display, raw = self.variable_defs[key]
        try:
            ctx = self.context("variables")
            if isinstance(raw, dict) and "__copy__" in raw:
                value = expand_property_copy([raw["__copy__"]], ctx)[display]
            else:
                value = evaluate_value(raw, ctx)
        except ExpressionError as exc:
            del self._variables[key]
            path = ("variables", "copy") if isinstance(raw, dict) and "__copy__" in raw else ("variables", display)
            raise section_invalid("variable", display, self.position(*path), str(exc).rstrip(".") + ".") from None
        except BaseException:
            del self._variables[key]
            raise
        self._variables[key] = value
        return value

    # -- host services -----------------------------------------------------------------------
    def reference(self, ctx: Context, target: str, api_version: str | None, full: bool) -> Any:
        return self.deployment.reference(ctx, target, api_version, full)

    def list_call(self, ctx: Context, function: str, target: str, api_version: str | None, body: Any) -> Any:
        return self.deployment.list_call(ctx, function, target, api_version, body)

    def deployment_object(self) -> dict[str, Any]:
        return self.deployment.deployment_object()

    def user_function(self, name: str) -> Callable[[Context, list[Any]], Any] | None:
        found = self._functions.get(name.lower())
        if found is None and self.outer is not None:
            return self.outer.user_function(name)
        return found

    def _read_functions(self) -> dict[str, Callable[[Context, list[Any]], Any]]:
        table: dict[str, Callable[[Context, list[Any]], Any]] = {}
        for namespace in ci(self.template, "functions") or []:
            prefix = str(ci(namespace, "namespace", ""))
            for member, definition in (ci(namespace, "members") or {}).items():
                table[f"{prefix}.{member}".lower()] = _user_function(self, f"{prefix}.{member}", definition)
        return table

    # -- outputs -----------------------------------------------------------------------------
    def outputs(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, definition in (ci(self.template, "outputs") or {}).items():
            ctx = self.context("outputs")
            try:
                if lookup(definition, "condition")[0] and not evaluate_value(ci(definition, "condition"), ctx):
                    continue
                declared = str(ci(definition, "type", "")).lower()
                loop = ci(definition, "copy")
                if isinstance(loop, dict):
                    count = evaluate_value(ci(loop, "count"), ctx)
                    value = [evaluate_value(ci(loop, "input"), ctx.with_copy(None, i)) for i in range(int(count))]
                else:
                    value = evaluate_value(ci(definition, "value"), ctx)
            except ExpressionError as exc:
                raise section_invalid("output", name, self.position("outputs", name), str(exc).rstrip(".") + ".") from None
            entry: dict[str, Any] = {"type": OUTPUT_TYPES.get(declared, declared)}
            if declared not in SECURE_TYPES:
                entry["value"] = value
            result[name] = entry
        return result


class _FunctionHost:
    """What a user-defined function's body sees: its own parameters, the scope, nothing else."""

    def __init__(self, owner: TemplateContext, values: dict[str, Any]) -> None:
        self.owner, self.values = owner, values
        self.scope, self.now = owner.scope, owner.now

    def parameter(self, name: str) -> Any:
        if name.lower() not in self.values:
            raise ExpressionError(f"The function parameter '{name}' is not found.")
        return self.values[name.lower()]

    def variable(self, name: str) -> Any:
        raise ExpressionError("User-defined functions cannot use variables.")

    def reference(self, ctx: Context, target: str, api_version: str | None, full: bool) -> Any:
        raise ExpressionError("User-defined functions cannot use the reference function.")

    def list_call(self, ctx: Context, function: str, target: str, api_version: str | None, body: Any) -> Any:
        raise ExpressionError("User-defined functions cannot use list functions.")

    def deployment_object(self) -> dict[str, Any]:
        return self.owner.deployment_object()

    def user_function(self, name: str) -> Callable[[Context, list[Any]], Any] | None:
        return self.owner.user_function(name)


def _user_function(owner: TemplateContext, name: str, definition: dict[str, Any]) -> Callable[[Context, list[Any]], Any]:
    params = [str(ci(p, "name")) for p in ci(definition, "parameters") or []]

    def call(ctx: Context, args: list[Any]) -> Any:
        if len(args) != len(params):
            raise ExpressionError(f"The function '{name}' expects {len(params)} parameter(s), got {len(args)}.")
        host = _FunctionHost(owner, {p.lower(): v for p, v in zip(params, args)})
        return evaluate_value(ci(ci(definition, "output") or {}, "value"), Context(host, where="function", allow_reference=False))
    return call


def unwrap_parameters_file(document: dict[str, Any]) -> dict[str, Any]:
    """The 'parameters' of a deploymentParameters.json document (REST shape: name -> {value})."""
    if "parameters" in document and ("$schema" in document or "contentVersion" in document):
        return dict(document["parameters"])
    return dict(document)
