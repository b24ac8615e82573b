# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for Azure long-running operations (LROPoller) with a deadline (private to dockyard.azure)."""

from __future__ import annotations

from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureTimeoutError


def wait_for_poller(poller: Any, timeout: int, operation: str) -> Any:
    """Wait up to `timeout` seconds for `poller` and return its result.

    Raises AzureTimeoutError naming `operation` if it is still running; SDK errors
    (a Failed/Canceled operation) propagate for the caller's error handler.
    """
    result = poller.result(timeout=timeout)
    if not poller.done():
        status = None
        try:
            status = poller.status()
        except Exception:  # pylint: disable=broad-except
            pass  # the status is only a hint in the message
        raise AzureTimeoutError(
            'Timed out after %s seconds waiting for %s%s. The operation may still complete in Azure; '
            're-run the task to pick up its result, or raise the timeout option.'
            % (timeout, operation, ' (last status: %s)' % status if status else ''),
            operation=operation, timeout=timeout)
    return result
