"""The function table: every template function by its case-insensitive name."""

from __future__ import annotations

from .errors import ExpressionError
from .evaluator import Context, Function
from .functions_deployment import FUNCTIONS as DEPLOYMENT_FUNCTIONS
from .functions_deployment import list_function
from .functions_strings import FUNCTIONS as STRING_FUNCTIONS
from .functions_values import FUNCTIONS as VALUE_FUNCTIONS

FUNCTIONS: dict[str, Function] = {**VALUE_FUNCTIONS, **STRING_FUNCTIONS, **DEPLOYMENT_FUNCTIONS}


def is_known_function(name: str) -> bool:
    lowered = name.lower()
    return lowered in FUNCTIONS or (lowered.startswith("list") and "." not in lowered) or "." in lowered


def resolve_function(name: str, ctx: Context) -> Function:
    lowered = name.lower()
    function = FUNCTIONS.get(lowered)
    if function is not None:
        return function
    if "." in lowered:
        user = ctx.host.user_function(name)
        if user is not None:
            return Function(user, 0, None)
    elif lowered.startswith("list"):          # listKeys, listSecrets, listCredentials ...
        return list_function(name)
    raise ExpressionError(f"The template function '{name}' is not valid.")
