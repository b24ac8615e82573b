# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Track before/after values of compared fields, for `changed` and Ansible's diff mode (private to dockyard.azure)."""

from __future__ import annotations

import copy
from typing import Any


class DifferenceTracker:
    """Records compared fields; `changed` says whether any differs, `diff()` gives Ansible's diff dict.

    >>> tracker = DifferenceTracker()
    >>> tracker.add('location', 'westeurope', 'westeurope')
    >>> tracker.add('tags', {'env': 'dev'}, {'env': 'prod'})
    >>> tracker.changed, tracker.changed_fields
    (True, ['tags'])
    """

    def __init__(self) -> None:
        self._before: dict[str, Any] = {}
        self._after: dict[str, Any] = {}
        self._changed: list[str] = []

    def add(self, name: str, before: Any, after: Any, changed: bool | None = None) -> None:
        """Record field `name`. `changed` overrides plain equality (e.g. case-insensitive locations)."""
        self._before[name] = copy.deepcopy(before)
        self._after[name] = copy.deepcopy(after)
        differs = (before != after) if changed is None else bool(changed)
        if differs and name not in self._changed:
            self._changed.append(name)
        elif not differs and name in self._changed:
            self._changed.remove(name)

    def merge(self, other: DifferenceTracker, prefix: str = '') -> None:
        """Add another tracker's fields, optionally under `prefix` (e.g. 'subnet.')."""
        for name in other._before:
            self.add(prefix + name, other._before[name], other._after[name], changed=name in other._changed)

    def has_difference_for(self, name: str) -> bool:
        return name in self._changed

    @property
    def changed(self) -> bool:
        return bool(self._changed)

    @property
    def changed_fields(self) -> list[str]:
        return list(self._changed)

    @property
    def before(self) -> dict[str, Any]:
        return copy.deepcopy(self._before)

    @property
    def after(self) -> dict[str, Any]:
        return copy.deepcopy(self._after)

    def diff(self, before_exists: bool = True, after_exists: bool = True) -> dict[str, dict[str, Any]]:
        """Ansible's {'before': ..., 'after': ...}; an absent side is shown as an empty dict."""
        return {
            'before': self.before if before_exists else {},
            'after': self.after if after_exists else {},
        }
