"""What the emulated subscription may deploy: VM sizes it cannot get (SkuNotAvailable) and its vCPU quotas
(regional total and per size family), with Azure's answers, and ``locations/{l}/usages`` that reports them.

Both are settings of the emulator (``unavailable_sizes``, ``regional_cores_quota``, ``family_cores_quota``:
``dockyard-emulator faults`` or the control API), since on Azure they depend on the subscription. Cores are
counted as Azure counts them: every VM of the region that is not deallocated.
"""
from __future__ import annotations

import re
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId
from ...web import Response
from . import catalogue
from .common import LOCATION_PATH, PROVIDER, VM_TYPE, VM_VERSIONS


def family(size: str) -> str:
    """Azure's quota family of a size: Standard_D2s_v3 -> standardDSv3Family, Standard_B2ms -> standardBSFamily."""
    match = re.match(r"^(Standard|Basic)_([A-Z]+)\d+([a-z]*)(?:_(v\d+))?$", size)
    if not match:
        return "standardFamily"
    tier, series, letters, version = match.groups()
    if tier == "Basic":
        return "basicAFamily"
    kind = series + ("S" if "s" in letters else "")
    if series == "B" and not version:
        kind = "BS"
    return f"standard{kind}{version or ''}Family"


def usage(ctx: Context, location: str, skip: str | None = None) -> dict[str, int]:
    """vCPUs in use in ``location`` (key 'cores': all; others: per family), leaving out the VM ``skip``."""
    counted: dict[str, int] = {"cores": 0}
    for vm in ctx.store.resources(f"/subscriptions/{ctx.subscription}/", [VM_TYPE]):
        if vm["body"].get("location") != location or vm["internal"].get("power") == "deallocated" or \
                (skip and vm["id"].lower() == skip.lower()):
            continue
        name, figures = catalogue.size(vm["body"]["properties"]["hardwareProfile"]["vmSize"])
        if name and figures:
            counted["cores"] += figures[0]
            counted[family(name)] = counted.get(family(name), 0) + figures[0]
    return counted


def check(ctx: Context, rid: ResourceId, size: str, cores: int, location: str, zones: list[str] | None) -> None:
    """Azure's answers when the subscription cannot deploy ``size`` here: SkuNotAvailable, or a quota exceeded."""
    if ctx.app.faults.size_unavailable(size, location):
        raise ArmError(409, "SkuNotAvailable", f"The requested size for resource '{rid.id}' is currently not available "
                       f"in location '{location}' zones '{','.join(zones or [])}' for subscription "
                       f"'{ctx.subscription}'. Please try another size or deploy to a different location or zones. See "
                       "https://aka.ms/azureskunotavailable for details.")
    used = usage(ctx, location, skip=rid.id)
    settings = ctx.app.faults.settings
    for name, limit, current in ((family(size), settings["family_cores_quota"], used.get(family(size), 0)),
                                 ("cores", settings["regional_cores_quota"], used["cores"])):
        if current + cores > limit:
            label = f"{name} Cores" if name != "cores" else "Total Regional Cores"
            raise ArmError(409, "OperationNotAllowed", f"Operation could not be completed as it results in exceeding "
                           f"approved {label} quota. Additional details - Deployment Model: Resource Manager, Location: "
                           f"{location}, Current Limit: {limit}, Current Usage: {current}, Additional Required: {cores}, "
                           f"(Minimum) New Limit Required: {current + cores}. Submit a request for Quota increase at "
                           "https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView by "
                           "specifying parameters listed in the ‘Details’ section for deployment to succeed. Please "
                           "read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/"
                           "per-vm-quota-requests")


@PROVIDER.route(["GET"], LOCATION_PATH + "/usages", VM_VERSIONS, manifest_type="locations/usages")
def list_usages(ctx: Context, subscription: str, location: str) -> Response:
    location = catalogue._location(location)
    used = usage(ctx, location)
    settings = ctx.app.faults.settings
    families = sorted({family(name) for name in catalogue.SIZES})
    value: list[dict[str, Any]] = [{"unit": "Count", "currentValue": used["cores"], "limit": settings["regional_cores_quota"],
                                    "name": {"value": "cores", "localizedValue": "Total Regional vCPUs"}}]
    value += [{"unit": "Count", "currentValue": used.get(f, 0), "limit": settings["family_cores_quota"],
               "name": {"value": f, "localizedValue": f.replace("standard", "Standard ").replace("Family", " Family vCPUs")}}
              for f in families]
    return Response(200, {"value": value})
