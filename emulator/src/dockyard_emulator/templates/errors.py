"""ARM's errors for templates: codes and message texts worded as Resource Manager words them.

One exception type, TemplateError, carries an ARM error (code, message, optional target and
inner details) so the HTTP layer can answer with `{"error": err.to_error()}`.  ExpressionError
is the raw failure of one expression; the template layer wraps it with the location ARM cites
("The template resource 'x' at line '12' and column '9' is not valid: ...").
"""

from __future__ import annotations

from typing import Any

FUNCTIONS_HELP = "Please see https://aka.ms/arm-functions for usage details."
RESOURCES_HELP = "Please see https://aka.ms/arm-syntax-resources for usage details."
DEPLOY_HELP = "Please see https://aka.ms/arm-deploy for usage details."


class TemplateError(Exception):
    """An ARM error: `code`, `message`, optional `target` and inner `details`."""

    def __init__(self, code: str, message: str, *, target: str | None = None,
                 details: list[TemplateError] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.target = target
        self.details = list(details or [])

    def to_error(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            body["target"] = self.target
        if self.details:
            body["details"] = [detail.to_error() for detail in self.details]
        return body

    def __repr__(self) -> str:
        return f"TemplateError({self.code!r}, {self.message!r})"


class ExpressionError(Exception):
    """A template language expression failed; the message is ARM's inner sentence."""


def validation_failed(inner: str) -> TemplateError:
    """InvalidTemplate as ARM reports a template that fails validation."""
    return TemplateError("InvalidTemplate", f"Deployment template validation failed: '{inner}'.")


def parse_failed(reason: str, path: str, line: int, position: int) -> TemplateError:
    """InvalidTemplate for JSON that does not parse (Newtonsoft's wording, as ARM relays it)."""
    return TemplateError("InvalidTemplate",
                         f"Deployment template parse failed: '{reason} Path '{path}', line {line}, position {position}.'.")


def at(line_col: tuple[int, int] | None) -> str:
    """ARM's " at line 'L' and column 'C'" fragment (empty when the position is unknown)."""
    if not line_col:
        return ""
    return f" at line '{line_col[0]}' and column '{line_col[1]}'"


def resource_invalid(name: str, line_col: tuple[int, int] | None, reason: str) -> TemplateError:
    return validation_failed(f"The template resource '{name}'{at(line_col)} is not valid: {reason}. {FUNCTIONS_HELP}")


def section_invalid(kind: str, name: str, line_col: tuple[int, int] | None, reason: str) -> TemplateError:
    """kind: 'variable', 'output', 'parameter' ... as in "The template variable 'x' is not valid"."""
    return validation_failed(f"The template {kind} '{name}'{at(line_col)} is not valid: {reason}. {FUNCTIONS_HELP}")


def circular_dependency(resource_ids: list[str]) -> TemplateError:
    listed = "', '".join(resource_ids)
    return validation_failed(f"Circular dependency detected on resource: '{listed}'. {RESOURCES_HELP}")


def resource_not_found(resource_id: str) -> TemplateError:
    """ARM's ResourceNotFound for a reference() to a resource that does not exist."""
    parts = [p for p in resource_id.split("/") if p]
    lowered = [p.lower() for p in parts]
    group = parts[lowered.index("resourcegroups") + 1] if "resourcegroups" in lowered else ""
    if "providers" in lowered:
        rest = parts[len(lowered) - lowered[::-1].index("providers"):]
        type_name = "/".join(rest) if rest else resource_id
    else:
        type_name = resource_id
    where = f" under resource group '{group}'" if group else ""
    return TemplateError("ResourceNotFound",
                         f"The Resource '{type_name}'{where} was not found. "
                         "For more details please go to https://aka.ms/ARMResourceNotFoundFix")


def invalid_template_deployment(deployment_name: str, details: list[TemplateError], tracking_id: str = "") -> TemplateError:
    """The preflight failure the caller raises when a provider refuses a resource before any write."""
    tracking = f" The tracking id is '{tracking_id}'." if tracking_id else ""
    return TemplateError("InvalidTemplateDeployment",
                         f"The template deployment '{deployment_name}' is not valid according to the validation procedure."
                         f"{tracking} See inner errors for details.", details=details)


def deployment_failed(details: list[TemplateError]) -> TemplateError:
    """The error of a deployment whose operations failed (each operation's error as a detail)."""
    return TemplateError("DeploymentFailed",
                         "At least one resource deployment operation failed. Please list deployment operations for details. "
                         "Please see https://aka.ms/arm-deployment-operations for usage details.", details=details)
