# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The order of services by their dependencies (private to dockyard.azure; internal to the Compose package).

One walk for the loader's cycle check and the planner's service order, so both find the same
cycle in the same order: names and their dependencies sorted, dependencies first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def dependency_order(dependencies: Mapping[str, Iterable[str]]) -> tuple[list[str], list[str] | None]:
    """(names with their dependencies first, the first cycle found as [a, b, a] or None).

    Every dependency must be a key of `dependencies`; the order stops where a cycle is found.
    """
    ordered: list[str] = []
    done: set[str] = set()
    visiting: list[str] = []

    def visit(name: str) -> list[str] | None:
        if name in done:
            return None
        if name in visiting:
            return visiting[visiting.index(name):] + [name]
        visiting.append(name)
        for dep in sorted(dependencies[name]):
            cycle = visit(dep)
            if cycle:
                return cycle
        visiting.pop()
        done.add(name)
        ordered.append(name)
        return None

    for name in sorted(dependencies):
        cycle = visit(name)
        if cycle:
            return ordered, cycle
    return ordered, None
