# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Paths in the Compose tree (private to dockyard.azure; internal to the Compose loader).

A path is a tuple of keys and list indexes, ``('services', 'web', 'ports', 0)``. Patterns use
``'*'`` for any key and ``'[]'`` for any index; the loader's per-key rules (casts, merge rules,
unicity, canonical forms) are tables of (pattern, function).
"""

from __future__ import annotations

from collections.abc import Sequence

# The prefix of every per-service rule.
SERVICE: tuple[str, ...] = ('services', '*')


def key_text(path: Sequence[str | int]) -> str:
    """Render a path tuple as ``services.web.ports[0]``."""
    out = ''
    for part in path:
        if isinstance(part, int):
            out += '[%d]' % part
        else:
            out += ('.' if out else '') + str(part)
    return out


def matches(path: Sequence[str | int], pattern: Sequence[str | int]) -> bool:
    """Match a concrete path against a pattern ('*' any key, '[]' any index)."""
    if len(path) != len(pattern):
        return False
    for part, pat in zip(path, pattern):
        if pat == '*':
            continue
        if pat == '[]':
            if not isinstance(part, int):
                return False
            continue
        if part != pat:
            return False
    return True
