"""Microsoft.Compute's shared parts: the provider, its api-versions and paths, and the small helpers
its resource types share (ARM's InvalidParameter, canonical spellings, image and disk ids)."""
from __future__ import annotations

from typing import Any

from ...context import Context
from ...errors import ArmError
from ...registry import Provider
from ...resource_type import ResourceId, resource_group_id

PROVIDER = Provider("Microsoft.Compute")
VM_VERSIONS = ("2026-04-01", "2025-11-01", "2025-04-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-09-01",
               "2023-07-01", "2023-03-01", "2022-11-01", "2022-08-01", "2022-03-01", "2021-11-01", "2021-07-01",
               "2021-04-01", "2021-03-01", "2020-12-01", "2020-06-01", "2019-12-01", "2019-07-01", "2019-03-01")
DISK_VERSIONS = ("2026-03-02", "2025-01-02", "2024-03-02", "2023-10-02", "2023-04-02", "2023-01-02", "2022-07-02",
                 "2022-03-02", "2021-12-01", "2021-08-01", "2021-04-01", "2020-12-01", "2020-09-30", "2020-06-30",
                 "2019-07-01")
SUB = "/subscriptions/{subscription}"
VM_PATH = SUB + "/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}"
LOCATION_PATH = SUB + "/providers/Microsoft.Compute/locations/{location}"
IMAGE_PATH = LOCATION_PATH + "/publishers/{publisher}/artifacttypes/vmimage/offers/{offer}/skus/{sku}"
STORAGE_TYPES = ("Standard_LRS", "Premium_LRS", "StandardSSD_LRS", "UltraSSD_LRS", "Premium_ZRS", "StandardSSD_ZRS",
                 "PremiumV2_LRS")
VM_TYPE = "Microsoft.Compute/virtualMachines"
DISK_TYPE = "Microsoft.Compute/disks"
EXTENSION_TYPE = "Microsoft.Compute/virtualMachines/extensions"


def invalid(message: str, target: str, code: str = "InvalidParameter", status: int = 400) -> ArmError:
    return ArmError(status, code, message, target=target)


def canonical(value: Any, allowed: tuple[str, ...], message: str, target: str) -> str:
    """The allowed spelling of ``value`` (ARM accepts enum values in any case); InvalidParameter otherwise."""
    for option in allowed:
        if isinstance(value, str) and value.lower() == option.lower():
            return option
    raise invalid(message, target)


DELETE_OPTIONS = ("Delete", "Detach")


def delete_option(value: Any, target: str) -> str:
    return canonical(value, DELETE_OPTIONS, "deleteOption must be Delete or Detach.", target)


def image_id(ctx: Context, location: str, *names: str) -> str:
    """The id of a marketplace image level: ``names`` are publisher[, offer[, sku[, version]]]."""
    path = f"/Subscriptions/{ctx.subscription}/Providers/Microsoft.Compute/Locations/{location}"
    for part, value in zip(("Publishers", "ArtifactTypes/VMImage/Offers", "Skus", "Versions"), names):
        path += f"/{part}/{value}"
    return path


def disk_id(rid: ResourceId, name: str) -> str:
    """The id of the managed disk ``name`` in the resource group of ``rid``."""
    return f"{resource_group_id(rid.id.split('/')[2], rid.rg)}/providers/Microsoft.Compute/disks/{name}"
