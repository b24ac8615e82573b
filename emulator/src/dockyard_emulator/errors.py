"""The emulator's one error hierarchy.

Every exception the emulator raises on purpose derives from :class:`EmulatorError`, which carries
the HTTP status and the ARM error code the error is answered with. Code that turns an error into
an answer decides by the error's class (and these two attributes), never by reading its message.

- :class:`ArmError` and :class:`AadError` are answers: ``body()`` is ARM's or Entra ID's error
  document (``web.error_response`` sends it); the server answers them as they are.
- The others are raised where the work happens (a VM backend, the image build, an extension
  handler, the control API, the CLI) and are turned into an answer at their seam.
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any


class EmulatorError(Exception):
    """Root of the emulator's errors: a message plus the status and ARM code that answer it."""

    status: int = 500
    code: str = "InternalServerError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ArmError(EmulatorError):
    """An error answered with ARM's envelope {"error": {"code", "message", "target", "details"}}."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None, target: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code = status, code
        self.details, self.headers, self.target = details, headers or {}, target

    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return error

    def body(self) -> dict[str, Any]:
        return {"error": self.error()}


def not_found(kind: str, name: str, rg: str | None = None) -> ArmError:
    """ARM's 404 for a missing resource group or resource."""
    if kind == "resourceGroups":
        return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")
    where = f" under resource group '{rg}'" if rg else ""
    return ArmError(404, "ResourceNotFound", f"The Resource '{kind}/{name}'{where} was not found. For more "
                    "details please go to https://aka.ms/ARMResourceNotFoundFix")


class AadError(EmulatorError):
    """An error answered in Entra ID's format: {"error", "error_description", "error_codes", ...}."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(description)
        self.status, self.code = status, error
        self.aadsts, self.description = aadsts, description
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.code,
            "error_description": f"AADSTS{self.aadsts}: {self.description} Trace ID: {trace} "
                                 f"Correlation ID: {correlation} Timestamp: {stamp}",
            "error_codes": [self.aadsts], "timestamp": stamp, "trace_id": trace, "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.aadsts}",
        }


class TokenError(EmulatorError):
    """A JSON Web Token is malformed, uses an unknown algorithm or its signature does not verify."""

    status = 401
    code = "InvalidAuthenticationToken"


class RegistryAuthError(EmulatorError):
    """A container registry's token endpoint refuses a request; answered in the registry's error format
    ``{"errors": [{"code", "message"}]}`` (Docker's clients show the message)."""

    status = 401
    code = "UNAUTHORIZED"

    def __init__(self, message: str, status: int = 401, code: str = "UNAUTHORIZED") -> None:
        super().__init__(message)
        self.status, self.code = status, code


class FaultSettingsError(EmulatorError):
    """Fault settings given to the control API are not valid (the message names the setting)."""

    status = 400
    code = "InvalidFaultSettings"


class HandlerError(EmulatorError):
    """A VM extension's handler refused its configuration before running anything. The message is the
    handler's own; it becomes the extension's "Enable failed: ..." status, the operation then fails."""

    status = 400
    code = "VMExtensionProvisioningError"


# VM backends ------------------------------------------------------------------------------------
class BackendError(EmulatorError):
    """A VM backend could not do what the Compute provider asked; the message says why and what to do."""

    code = "OSProvisioningInternalError"


class MachineSpecError(BackendError):
    """The VM's settings would make a broken machine (host name, admin user, SSH keys, custom data)."""

    status = 400
    code = "InvalidParameter"


class CustomDataError(MachineSpecError):
    """Custom data that cloud-init would refuse outright (bad base64, bad YAML, a malformed module)."""


class VmNotFound(BackendError):
    """The machine behind a VM is gone (removed behind the emulator's back)."""

    status = 409
    code = "VMNotFoundInBackend"


class VmNotRunning(BackendError):
    """The machine is stopped, so nothing can run in it."""


class ImageBuildError(EmulatorError):
    """The container VMs' system image could not be built (debootstrap, docker import)."""

    code = "InternalOperationError"


class ControlApiError(EmulatorError):
    """The CLI could not use a running emulator's control API: it refused the request."""


class NotRunningError(ControlApiError):
    """The CLI found no emulator answering for a state directory."""
