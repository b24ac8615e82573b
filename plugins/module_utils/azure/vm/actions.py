# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The writes of one vm run (private to dockyard.azure): each is recorded as an action, and done unless in check mode.

The module returns the recorded actions (`actions`), so check mode shows the exact plan: the same
code path runs, only the SDK call is skipped. Writes that do not depend on each other (a new VM's
network security group, public IP and virtual network) go through `apply_together`: started at
once, then all waited for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple, TypedDict

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import RestDict, to_rest
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError, azure_operation
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError


class Action(TypedDict):
    """One item of the `actions` result: create, update, delete, start, power_off, deallocate or restart."""

    action: str
    type: str
    name: str | None
    id: str | None
    detail: str


class Write(NamedTuple):
    """A write of apply_together: the action's fields and the call that starts it (it returns a poller)."""

    action: str
    rtype: str
    name: str | None
    rid: str | None
    detail: str
    call: Callable[[], Any]


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
        return self._run(action, rtype, name, call, wait)

    def _run(self, action: str, rtype: str, name: str | None, call: Callable[[], Any], wait: bool = True) -> RestDict | None:
        what = rtype.replace('_', ' ')
        with azure_operation('Could not %s %s %s' % (action, what, name)):
            poller = call()
            if wait:
                return to_rest(self.ctx.wait(poller, '%s of %s %s' % (action, what, name)))
        return None

    def apply_together(self, writes: Sequence[Write]) -> list[RestDict | None]:
        """Record `writes` in order and, outside check mode, run them concurrently; their results, in order.

        Every write is waited for, whatever happens to the others, so a failure leaves nothing
        running that the error does not mention; then the first failure (in the given order) is
        raised, naming the other failures too. Azure keeps what did succeed, and a re-run finds
        and reuses it (the resources have deterministic names and this VM's ownership tag).
        """
        for write in writes:
            self.apply(write.action, write.rtype, write.name, write.rid, write.detail)
        if self.ctx.check_mode or not writes:
            return [None] * len(writes)
        if len(writes) == 1:
            write = writes[0]
            return [self._run(write.action, write.rtype, write.name, write.call)]
        with ThreadPoolExecutor(max_workers=len(writes)) as pool:
            futures = [pool.submit(self._run, write.action, write.rtype, write.name, write.call) for write in writes]
            outcomes = [_outcome(future) for future in futures]
        failures = [error for _result, error in outcomes if error is not None]
        if failures:
            first = failures[0]
            if len(failures) > 1 and isinstance(first, DockyardError):
                others = '; '.join(getattr(error, 'msg', str(error)) for error in failures[1:])
                raise AzureModuleError('%s (also failed: %s)' % (first.msg, others), first.option, **first.extra) from first
            raise first
        return [result for result, _error in outcomes]

    def deleted(self, rid: str) -> bool:
        """Whether this run deleted (or in check mode, plans to delete) the resource `rid`."""
        return rid.lower() in self._deleted


def _outcome(future: Any) -> tuple[Any, BaseException | None]:
    """(result, None) or (None, the exception) of a finished future."""
    try:
        return future.result(), None
    except Exception as exc:  # pylint: disable=broad-except
        return None, exc
