"""Microsoft.Compute/disks: managed disks, standalone (createOption Empty) or made for a VM's OS and data
disks when its operation completes (``attach``), with the tier, IOPS and state Azure reports."""
from __future__ import annotations

import uuid
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId, ResourceType, utcnow
from ...store import Resource
from . import catalogue
from .common import DISK_VERSIONS, PROVIDER, STORAGE_TYPES, canonical, image_id, invalid


def disk_tier(storage: str, size_gb: int) -> tuple[str | None, int, int]:
    """(tier, IOPS, MBps) of a managed disk, as Azure reports them."""
    if storage.startswith("Premium"):
        for limit, tier, iops, mbps in ((4, "P1", 120, 25), (8, "P2", 120, 25), (16, "P3", 120, 25),
                                        (32, "P4", 120, 25), (64, "P6", 240, 50), (128, "P10", 500, 100),
                                        (256, "P15", 1100, 125), (512, "P20", 2300, 150), (1024, "P30", 5000, 200),
                                        (2048, "P40", 7500, 250), (4096, "P50", 7500, 250)):
            if size_gb <= limit:
                return tier, iops, mbps
        return "P80", 20000, 900
    return None, 500, 60


@PROVIDER.resource_type
class Disks(ResourceType):
    name = "disks"
    api_versions = DISK_VERSIONS
    async_put = async_delete = True
    removal_rank = 40

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        props = body.get("properties") or {}
        old = existing["body"] if existing else None
        if old:
            size = props.get("diskSizeGB", old["properties"]["diskSizeGB"])
            if not isinstance(size, int) or size < old["properties"]["diskSizeGB"]:
                raise invalid(f"Disk size {size} GB is smaller than the current size "
                              f"{old['properties']['diskSizeGB']} GB. Disks can only be expanded.", "diskSizeGB",
                              "OperationNotAllowed")
            storage = (body.get("sku") or {}).get("name") or old["sku"]["name"]
            doc = {k: old[k] for k in ("managedBy", "zones") if k in old}
            doc.update(sku=self.sku(storage), properties=self.properties(old["properties"], size, storage))
            return doc
        creation = props.get("creationData") or {}
        if str(creation.get("createOption", "")).lower() != "empty":
            raise invalid(f"The emulator creates standalone disks with createOption Empty only (given: "
                          f"'{creation.get('createOption')}').", "creationData.createOption")
        size = props.get("diskSizeGB")
        if not isinstance(size, int) or not 1 <= size <= 32767:
            raise invalid("Required parameter 'diskSizeGB' is missing or not valid: give a size between 1 and 32767 "
                          "GB.", "diskSizeGB")
        storage = canonical((body.get("sku") or {}).get("name") or "Standard_LRS", STORAGE_TYPES,
                            "The disk SKU is not valid.", "sku.name")
        base = {"creationData": {"createOption": "Empty"}, "timeCreated": utcnow(), "uniqueId": str(uuid.uuid4())}
        doc = {"sku": self.sku(storage), "properties": self.properties(base, size, storage)}
        if body.get("zones"):
            doc["zones"] = list(body["zones"])
        return doc

    @staticmethod
    def sku(storage: str) -> dict[str, str]:
        return {"name": storage, "tier": "Premium" if storage.startswith("Premium") else "Standard"}

    @staticmethod
    def properties(base: dict[str, Any], size: int, storage: str) -> dict[str, Any]:
        tier, iops, mbps = disk_tier(storage, size)
        props = {k: v for k, v in base.items() if k not in ("provisioningState", "diskState", "tier")}
        props.update(diskSizeGB=size, diskSizeBytes=size * 1024 ** 3, diskIOPSReadWrite=iops, diskMBpsReadWrite=mbps,
                     encryption={"type": "EncryptionAtRestWithPlatformKey"}, networkAccessPolicy="AllowAll",
                     publicNetworkAccess="Enabled")
        if tier:
            props["tier"] = tier
        return props

    def attach(self, ctx: Context, vm: Resource, disk: dict[str, Any],
               image: tuple[catalogue.ImageEntry, dict[str, Any]] | None = None) -> None:
        """Create (if new) or update the disk resource of a VM's osDisk/dataDisk entry, attached to ``vm``.
        ``image``: for the OS disk, the image's catalogue entry and the VM's imageReference."""
        disk_id = disk["managedDisk"]["id"]
        record = ctx.store.resource(disk_id)
        storage = disk["managedDisk"]["storageAccountType"]
        body: dict[str, Any]
        if record is None:
            base: dict[str, Any] = {"timeCreated": utcnow(), "uniqueId": str(uuid.uuid4())}
            if image:
                image_entry, image_reference = image
                base.update(osType="Linux", hyperVGeneration=image_entry[0],
                            supportedCapabilities={"architecture": image_entry[1]},
                            creationData={"createOption": "FromImage", "imageReference": {"id": image_id(
                                ctx, vm["body"]["location"], image_reference["publisher"], image_reference["offer"],
                                image_reference["sku"], image_reference["exactVersion"])}})
            else:
                base["creationData"] = {"createOption": "Empty"}
            body = {"id": disk_id, "name": disk["name"], "type": self.full_type, "location": vm["body"]["location"],
                    "tags": {}, "sku": self.sku(storage)}
            if vm["body"].get("zones"):
                body["zones"] = list(vm["body"]["zones"])
        else:
            body, base = record["body"], record["body"]["properties"]
        body["managedBy"] = vm["id"]
        body["properties"] = {**self.properties(base, disk["diskSizeGB"], body["sku"]["name"]),
                              "provisioningState": "Succeeded"}
        self.save(ctx, disk_id, body, record["internal"] if record else None)

    def detach(self, ctx: Context, record: Resource) -> None:
        record["body"].pop("managedBy", None)
        self.save(ctx, record["id"], record["body"], record["internal"])

    def attached_to(self, ctx: Context, vm_id: str) -> list[Resource]:
        group = "/".join(vm_id.split("/")[:5])
        return [d for d in ctx.store.resources(group + "/", [self.full_type], containing=vm_id)
                if (d["body"].get("managedBy") or "").lower() == vm_id.lower()]

    def release(self, ctx: Context, resource: Resource) -> None:
        ctx.backend.delete_disk(ctx, resource)

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        if resource["body"].get("managedBy"):
            raise ArmError(409, "OperationNotAllowed", f"Disk {resource['body']['name']} is attached to VM "
                           f"{resource['body']['managedBy']}.")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = dict(resource["body"])
        state = "Unattached"
        if body.get("managedBy"):
            vm = ctx.store.resource(body["managedBy"])
            state = "Reserved" if vm and vm["internal"].get("power") == "deallocated" else "Attached"
        body["properties"] = {**body["properties"], "diskState": state}
        return body


DISKS = PROVIDER.instance(Disks)
