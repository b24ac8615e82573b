"""What a resource group holds, as what-if and complete mode see it: its top-level resources (not the
deployments, nor resources another resource manages, such as a VM's OS disk), in removal order."""
from __future__ import annotations

from typing import Any

from ...context import Context
from .records import TYPE


def group_listing(ctx: Context, group_id: str) -> list[dict[str, Any]]:
    """GET bodies of the group's top-level resources that a template could have declared."""
    prefix = f"{group_id}/providers/"
    found = []
    for record in ctx.store.resources(prefix):
        rest = record["id"][len(prefix):].split("/")
        if len(rest) != 3 or record["type"] == TYPE.lower():
            continue
        rtype = ctx.app.registry.type(record["type"])
        if rtype is None or not rtype.tracked or record["body"].get("managedBy"):
            continue
        found.append(rtype.render(ctx, record))
    return found


def removal_order(ctx: Context, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dependents first (VMs before their NICs, NICs before public IPs and VNets), as a group's deletion does."""
    def rank(body: dict[str, Any]) -> int:
        rtype = ctx.app.registry.type(str(body.get("type", "")))
        return rtype.removal_rank if rtype else 100
    return sorted(bodies, key=rank)


__all__ = ["group_listing", "removal_order"]
