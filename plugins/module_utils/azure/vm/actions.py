# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The writes of one vm run (private to dockyard.azure): each is recorded as an action, and done unless in check mode.

The module returns the recorded actions (`actions`), so check mode shows the exact plan: the same
code path runs, only the SDK call is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import RestDict, to_rest
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import azure_operation


class Action(TypedDict):
    """One item of the `actions` result: create, update, delete, start, power_off, deallocate or restart."""

    action: str
    type: str
    name: str | None
    id: str | None
    detail: str


class ActionLog:
    """Records the actions of a run and, outside check mode, performs them."""

    def __init__(self, ctx: AzureContext) -> None:
        self.ctx = ctx
        self.actions: list[Action] = []
        self._deleted: set[str] = set()  # IDs deleted (or, in check mode, to be deleted) by this run

    def apply(self, action: str, rtype: str, name: str | None, rid: str | None, detail: str,
              call: Callable[[], Any] | None = None, wait: bool = True) -> RestDict | None:
        """Record an action; outside check mode run `call` (it returns a poller) and, if `wait`, return its result."""
        self.actions.append(Action(action=action, type=rtype, name=name, id=rid, detail=detail))
        if action == 'delete' and rid:
            self._deleted.add(rid.lower())
        if self.ctx.check_mode or call is None:
            return None
        what = rtype.replace('_', ' ')
        with azure_operation('Could not %s %s %s' % (action, what, name)):
            poller = call()
            if wait:
                return to_rest(self.ctx.wait(poller, '%s of %s %s' % (action, what, name)))
        return None

    def deleted(self, rid: str) -> bool:
        """Whether this run deleted (or in check mode, plans to delete) the resource `rid`."""
        return rid.lower() in self._deleted
