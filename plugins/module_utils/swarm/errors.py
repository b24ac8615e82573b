# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of the swarm package (private to dockyard.azure): all are DockyardErrors."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError


class SwarmError(DockyardError):
    """A swarm or node operation cannot be done as asked (wrong state, wrong input, refused by the engine)."""


class StackInputError(DockyardError):
    """The project cannot be deployed as a stack; found before any write to the engine."""


class StackConvergeError(DockyardError):
    """The stack was written but its services did not converge (failed tasks, rollback, timeout)."""
