# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure errors (private to dockyard.azure): the Azure exceptions and the mapping of SDK errors to one-line messages.

No SDK import at module level: SDK exceptions are recognised by their attributes, so this
works (and is testable) whichever azure-core version is installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AzureConfigError
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError, MissingLibraryError, one_line

__all__ = [
    'AzureConfigError', 'AzureModuleError', 'AzureTimeoutError', 'MissingAzureLibrary',
    'azure_error_details', 'azure_operation', 'format_azure_error', 'is_azure_sdk_error', 'is_not_found',
    'is_subscription_error', 'module_error',
]

MAX_DETAILS = 3
# ARM error codes that mean the subscription (not the resource) is wrong: a 404 with one of them is no
# 'resource not found', and the failure names the subscription_id option.
SUBSCRIPTION_ERRORS = ('SubscriptionNotFound', 'InvalidSubscriptionId')
SUBSCRIPTION_HINT = ('check subscription_id (or AZURE_SUBSCRIPTION_ID): it must be a subscription the credential can use')


class AzureModuleError(DockyardError):
    """A failure of an Azure call or an Azure-side rule, reported as is (`extra` goes into the result)."""


class AzureTimeoutError(AzureModuleError):
    """A long-running operation did not finish within the module's timeout."""


class MissingAzureLibrary(MissingLibraryError):
    """An Azure SDK package could not be imported; `package` is its pip name."""


class ErrorParts(NamedTuple):
    """What an ODataV4Format-like error object (an ARM error envelope) says."""

    code: str | None
    message: str | None
    details: list[Any]


def _error_parts(error: Any) -> ErrorParts:
    if error is None:
        return ErrorParts(None, None, [])
    return ErrorParts(getattr(error, 'code', None), getattr(error, 'message', None), list(getattr(error, 'details', None) or []))


def azure_error_details(exc: BaseException) -> dict[str, Any]:
    """Structured fields of an SDK exception, for the module result (error_code, status_code)."""
    code = _error_parts(getattr(exc, 'error', None)).code
    details: dict[str, Any] = {}
    if code:
        details['error_code'] = code
    status = getattr(exc, 'status_code', None)
    if status is not None:
        details['status_code'] = status
    return details


def format_azure_error(exc: BaseException, operation: str | None = None) -> str:
    """Turn any exception from the Azure SDK into one line, 'Code: message', prefixed by `operation`.

    ARM error envelopes give 'ResourceGroupNotFound: Resource group 'x' could not be found.';
    nested details are appended briefly; errors without a body fall back to the HTTP status.
    """
    code, message, details = _error_parts(getattr(exc, 'error', None))
    if code or message:
        text = '%s: %s' % (code, one_line(message or '')) if code else one_line(message)
        parts = []
        for detail in details[:MAX_DETAILS]:
            d_code, d_message = _error_parts(detail)[:2]
            if d_code or d_message:
                parts.append(one_line('%s: %s' % (d_code, d_message or '') if d_code else d_message))
        if parts:
            more = ' (+%d more)' % (len(details) - MAX_DETAILS) if len(details) > MAX_DETAILS else ''
            text += ' Details: ' + '; '.join(parts) + more
    else:
        status = getattr(exc, 'status_code', None)
        raw = str(getattr(exc, 'message', None) or exc).strip() or type(exc).__name__
        name = type(exc).__name__
        if status is not None:
            # Without an ARM body the message may end in a multi-line 'Content:' dump: keep the first line.
            reason = getattr(exc, 'reason', None)
            text = 'HTTP %s%s: %s' % (status, ' ' + reason if reason else '', one_line(raw.splitlines()[0]))
        elif name in ('ClientAuthenticationError', 'CredentialUnavailableError'):
            text = 'Authentication failed: ' + one_line(raw)
        else:
            text = one_line(raw) if raw.startswith(name) else '%s: %s' % (name, one_line(raw))
    if operation:
        return '%s: %s' % (operation, text)
    return text


def is_azure_sdk_error(exc: BaseException) -> bool:
    """True for azure-core's AzureError family (HTTP, auth, connection, polling errors)."""
    try:
        from azure.core.exceptions import AzureError  # pylint: disable=import-outside-toplevel
    except ImportError:
        return type(exc).__module__.startswith('azure.')
    return isinstance(exc, AzureError)


def is_subscription_error(exc: BaseException) -> bool:
    """True when Azure says the subscription itself is unknown or malformed."""
    return _error_parts(getattr(exc, 'error', None)).code in SUBSCRIPTION_ERRORS


def is_not_found(exc: BaseException) -> bool:
    """True for an SDK error meaning 'no such resource' (HTTP 404), e.g. ResourceGroupNotFound.

    A 404 that says the subscription is unknown is not one: the resource may well exist elsewhere."""
    return is_azure_sdk_error(exc) and getattr(exc, 'status_code', None) == 404 and not is_subscription_error(exc)


def module_error(exc: BaseException, operation: str | None = None) -> AzureModuleError:
    """The AzureModuleError of an SDK exception: 'operation: Code: message', naming subscription_id when it is at fault."""
    if is_subscription_error(exc):
        return AzureModuleError('%s; %s.' % (format_azure_error(exc, operation).rstrip('.'), SUBSCRIPTION_HINT),
                                option='subscription_id', **azure_error_details(exc))
    return AzureModuleError(format_azure_error(exc, operation), **azure_error_details(exc))


@contextmanager
def azure_operation(operation: str) -> Iterator[None]:
    """Re-raise SDK errors inside the block as AzureModuleError('<operation>: Code: message').

    Framework-free, so managers use it and unit tests see the same message the user gets.
    Also usable as a decorator: @azure_operation('list resource groups').
    """
    try:
        yield
    except AzureModuleError:
        raise
    except Exception as exc:  # pylint: disable=broad-except
        if not is_azure_sdk_error(exc):
            raise
        raise module_error(exc, operation) from exc
