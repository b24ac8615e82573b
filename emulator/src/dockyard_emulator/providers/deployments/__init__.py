"""Microsoft.Resources/deployments: ARM template deployments at resource-group and subscription scope.

The template language, the plan and what-if are the pure engine of ``dockyard_emulator.templates``;
this package is what ARM does around it: the REST surface and its long-running operations
(``routes``), the records, their operations and the history per scope (``records``), the run itself,
which writes every resource through the provider registry as a client's PUT would (``runner``,
``calls``), and the reading of requests and errors (``request``). Deployments belong to the
Microsoft.Resources namespace, so this package adds its type and routes to that provider.
"""
from __future__ import annotations

from . import records, routes  # noqa: F401  (registers the type and the routes on the provider)
from .records import PROVIDER

__all__ = ["PROVIDER"]
