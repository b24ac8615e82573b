"""A synchronous driver: the reference way to run a Deployment (tests use it; the HTTP layer
does the same steps, with LROs and parallel batches)."""

from __future__ import annotations

from typing import Any, Callable

from .deployment import Deployment
from .resources import PlannedResource

Apply = Callable[[dict[str, Any], PlannedResource, Deployment], Any]


def run_deployment(deployment: Deployment, apply: Apply) -> dict[str, Any]:
    """Validate, apply every batch in order (nested deployments recursively), return the outputs.

    `apply(body, item, deployment)` writes one resource; for a nested deployment it receives the
    finished deployment's GET body (with its outputs) so later reference() calls can read it.
    """
    deployment.validate()
    for batch in deployment.batches():
        for item in batch:
            if item.is_deployment:
                child = deployment.nested(item)
                outputs = run_deployment(child, apply)
                apply(deployment.deployment_resource(item, child, outputs), item, deployment)
            else:
                apply(deployment.evaluate(item), item, deployment)
    return deployment.outputs()
