"""A VM's storage profile checked as Azure checks it: the OS disk (from the image) and the data disks
(new empty disks or existing ones attached), with their storage types, sizes, caching and
deleteOption. The disk resources themselves are made when the VM's operation completes (:mod:`.disks`)."""
from __future__ import annotations

import uuid
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId
from . import catalogue
from .common import DISK_TYPE, STORAGE_TYPES, canonical, delete_option, disk_id, invalid

CACHING = ("None", "ReadOnly", "ReadWrite")


def caching(value: Any, target: str) -> str:
    return canonical(value, CACHING, "caching must be None, ReadOnly or ReadWrite.", target)


def default_storage(figures: catalogue.SizeFigures) -> str:
    """Premium SSD where the size supports it, else Standard HDD (Azure's default for a new disk)."""
    return "Premium_LRS" if figures[4] else "Standard_LRS"


def managed_disk(given: dict[str, Any] | None, default_storage: str, figures: catalogue.SizeFigures, target: str,
                 size_name: str = "", disk_name: str = "") -> str:
    storage = (given or {}).get("storageAccountType") or default_storage
    storage = canonical(storage, STORAGE_TYPES, f"The storage account type '{storage}' is not valid. Allowed: "
                        f"{', '.join(STORAGE_TYPES)}.", f"{target}.managedDisk.storageAccountType")
    if storage.startswith(("Premium", "UltraSSD")) and not figures[4]:
        raise invalid(f"Requested operation cannot be performed because the VM size {size_name} does not support "
                      f"the storage account type {storage} of disk '{disk_name}'. Consider updating the VM to a size "
                      "that supports Premium storage.", f"{target}.managedDisk.storageAccountType")
    return storage


def resized(given: dict[str, Any], old: dict[str, Any], target: str) -> dict[str, Any]:
    """A VM's existing disk entry with the size and deleteOption ``given`` (disks can only grow)."""
    size = given.get("diskSizeGB", old["diskSizeGB"])
    if not isinstance(size, int) or size < old["diskSizeGB"]:
        raise invalid(f"Disk size {size} GB is smaller than the current size {old['diskSizeGB']} GB of "
                      f"disk '{old['name']}'. Disks can only be expanded.", f"{target}.diskSizeGB", "OperationNotAllowed")
    result = dict(old, diskSizeGB=size)
    if given.get("deleteOption"):
        result["deleteOption"] = delete_option(given["deleteOption"], f"{target}.deleteOption")
    return result


def os_disk(ctx: Context, rid: ResourceId, given: dict[str, Any] | None, old: dict[str, Any] | None,
            image_entry: catalogue.ImageEntry, figures: catalogue.SizeFigures, size_name: str = "") -> dict[str, Any]:
    given = given or {}
    if old:
        if given.get("name") and given["name"] != old["name"]:
            raise invalid("Changing property 'osDisk.name' is not allowed.", "osDisk.name",
                          "PropertyChangeNotAllowed")
        return resized(given, old, "osDisk")
    option = given.get("createOption") or "FromImage"
    if option.lower() != "fromimage":
        raise invalid(f"The emulator creates OS disks from images only; createOption '{option}' is not "
                      "supported.", "osDisk.createOption")
    name = given.get("name") or f"{rid.name}_OsDisk_1_{uuid.uuid4().hex}"
    if ctx.store.resource(disk_id(rid, name)):
        raise invalid(f"Disk '{name}' already exists in resource group '{rid.rg.upper()}'. Only CreateOption."
                      "Attach is supported.", "/disks/" + name, "ConflictingUserInput")
    image_size = image_entry[2]
    size = given.get("diskSizeGB", image_size)
    if not isinstance(size, int) or size < image_size:
        raise invalid(f"The specified disk size {size} GB is smaller than the size of the corresponding disk in "
                      f"the VM image: {image_size} GB. This is not allowed. Please choose equal or greater size or "
                      "do not specify an explicit size.", "osDisk.diskSizeGB")
    if size > 4095:
        raise invalid(f"The specified disk size {size} GB is larger than the 4095 GB maximum of an OS disk.",
                      "osDisk.diskSizeGB")
    storage = managed_disk(given.get("managedDisk"), default_storage(figures), figures, "osDisk", size_name, name)
    return {"osType": catalogue.os_type(image_entry), "name": name, "createOption": "FromImage",
            "caching": caching(given.get("caching") or "ReadWrite", "osDisk.caching"),
            "managedDisk": {"storageAccountType": storage, "id": disk_id(rid, name)},
            "deleteOption": delete_option(given.get("deleteOption") or "Detach", "osDisk.deleteOption"),
            "diskSizeGB": size}


def data_disks(ctx: Context, rid: ResourceId, given: list[dict[str, Any]] | None, old_storage: dict[str, Any],
               figures: catalogue.SizeFigures, keep: bool, size_name: str = "") -> list[dict[str, Any]]:
    old = {d["lun"]: d for d in old_storage.get("dataDisks", [])}
    if keep:
        given = list(old.values())
    given = given or []
    if len(given) > figures[3]:
        raise invalid(f"The maximum number of data disks allowed to be attached to a VM of this size is "
                      f"{figures[3]}.", "dataDisks", "OperationNotAllowed", 409)
    result, luns = [], set()
    for disk in given:
        lun = disk.get("lun")
        if not isinstance(lun, int) or not 0 <= lun <= 63:
            raise invalid(f"The LUN '{lun}' of a data disk is not valid: it must be between 0 and 63.",
                          "dataDisks.lun")
        if lun in luns:
            raise invalid(f"A disk at LUN {lun} already exists.", "dataDisks")
        luns.add(lun)
        previous = old.get(lun)
        option = canonical(disk.get("createOption") or "Empty", ("Empty", "Attach", "FromImage"),
                           f"createOption '{disk.get('createOption')}' of the data disk at LUN {lun} is not "
                           "supported.", "dataDisks.createOption")
        if previous and (not disk.get("name") or disk.get("name") == previous["name"]):
            result.append(resized(disk, previous, "dataDisks"))
            continue
        if option == "Attach":
            target = ctx.store.resource((disk.get("managedDisk") or {}).get("id") or "")
            if target is None or target["type"] != DISK_TYPE.lower():
                raise ArmError(404, "NotFound", f"Disk '{(disk.get('managedDisk') or {}).get('id')}' was not "
                               "found.", target="dataDisks.managedDisk.id")
            if target["body"].get("managedBy") and target["body"]["managedBy"].lower() != rid.id.lower():
                raise ArmError(409, "OperationNotAllowed", f"Disk {target['body']['name']} is attached to VM "
                               f"{target['body']['managedBy']}.", target="dataDisks")
            name, size = target["body"]["name"], target["body"]["properties"]["diskSizeGB"]
            storage, managed_id = target["body"]["sku"]["name"], target["id"]
        elif option == "Empty":
            size = disk.get("diskSizeGB")
            if not isinstance(size, int) or not 1 <= size <= 32767:
                raise invalid(f"Required parameter 'dataDisk.diskSizeGB' is missing or not valid for the data "
                              f"disk at LUN {lun}: give a size between 1 and 32767 GB.", "dataDisk.diskSizeGB")
            name = disk.get("name") or f"{rid.name}_disk{lun + 2}_{uuid.uuid4().hex}"
            existing_disk = ctx.store.resource(disk_id(rid, name))
            if existing_disk and (existing_disk["body"].get("managedBy") or "").lower() != rid.id.lower():
                raise invalid(f"Disk '{name}' already exists in resource group '{rid.rg.upper()}'. Only "
                              "CreateOption.Attach is supported.", "/disks/" + name, "ConflictingUserInput")
            storage = managed_disk(disk.get("managedDisk"), default_storage(figures), figures, "dataDisks", size_name,
                                   name)
            managed_id = disk_id(rid, name)
        else:
            raise invalid("The emulator's images have no data disk images: createOption FromImage is not "
                          "supported for data disks.", "dataDisks.createOption")
        result.append({"lun": lun, "name": name, "createOption": option,
                       "caching": caching(disk.get("caching") or "None", "dataDisks.caching"),
                       "writeAcceleratorEnabled": bool(disk.get("writeAcceleratorEnabled")),
                       "managedDisk": {"storageAccountType": storage, "id": managed_id},
                       "deleteOption": delete_option(disk.get("deleteOption") or "Detach", "dataDisks.deleteOption"),
                       "diskSizeGB": size, "toBeDetached": False})
    return sorted(result, key=lambda d: d["lun"])
