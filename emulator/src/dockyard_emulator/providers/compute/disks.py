"""Microsoft.Compute's disk resource provider (DiskRP): managed disks, snapshots, disk accesses and disk
encryption sets.

Disks are standalone (every createOption Azure has, as metadata: Empty, Copy from a disk or snapshot,
FromImage of the marketplace catalogue, Import/ImportSecure of a blob, Upload/UploadPreparedSecure,
Restore) or made for a VM's OS and data disks when its operation completes (``attach``), with the SKU
tier, IOPS, throughput and state Azure reports. What DiskRP does on the wire, as recorded: a PUT
(create or update) and a PATCH answer 202 with Azure-AsyncOperation and Location and a body that is
only what the client has set plus provisioningState ``Updating``; the resource with everything Azure
computed comes from the operation and from GET. ``beginGetAccess`` / ``endGetAccess`` grant and revoke a
SAS (the disk is ``ActiveSAS`` meanwhile); the SAS URL points nowhere (the emulator stores no blobs).
"""
from __future__ import annotations

import math
import re
import secrets
import uuid
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId, merge_patch, utcnow
from ...schema_type import SchemaType, new_guid, now
from ...store import Operation, Resource
from ...web import Response
from . import catalogue
from .common import DISK_VERSIONS, PROVIDER, STORAGE_TYPES, canonical, image_id, invalid

SKU_TIERS = {"Standard_LRS": "Standard", "Premium_LRS": "Premium", "StandardSSD_LRS": "StandardSSD",
             "UltraSSD_LRS": "Ultra", "Premium_ZRS": "Premium", "StandardSSD_ZRS": "StandardSSD",
             "PremiumV2_LRS": "PremiumV2"}
CREATE_OPTIONS = ("Empty", "Attach", "FromImage", "Import", "ImportSecure", "Copy", "CopyStart", "Restore",
                  "Upload", "UploadPreparedSecure", "CopyFromSanSnapshot")
IMAGE_ID = re.compile(r"/Subscriptions/[^/]+/Providers/Microsoft\.Compute/Locations/[^/]+/Publishers/([^/]+)/"
                      r"ArtifactTypes/VMImage/Offers/([^/]+)/Skus/([^/]+)/Versions/([^/]+)$", re.I)
MIN_UPLOAD_BYTES = 20972032 + 512  # 20 MiB + the VHD footer


def disk_tier(storage: str, size_gb: int) -> tuple[str | None, int, int]:
    """(tier, IOPS, MBps) of a managed disk, as Azure reports them."""
    if storage.startswith("Premium_"):
        for limit, tier, iops, mbps in ((4, "P1", 120, 25), (8, "P2", 120, 25), (16, "P3", 120, 25),
                                        (32, "P4", 120, 25), (64, "P6", 240, 50), (128, "P10", 500, 100),
                                        (256, "P15", 1100, 125), (512, "P20", 2300, 150), (1024, "P30", 5000, 200),
                                        (2048, "P40", 7500, 250), (4096, "P50", 7500, 250)):
            if size_gb <= limit:
                return tier, iops, mbps
        return "P80", 20000, 900
    if storage.startswith("StandardSSD"):
        return None, 500, 100
    if storage in ("UltraSSD_LRS", "PremiumV2_LRS"):
        return None, 3000, 125
    return None, 500, 60


def sku(storage: str) -> dict[str, str]:
    return {"name": storage, "tier": SKU_TIERS.get(storage, "Standard")}


def source_id(value: Any) -> str:
    """An id as Azure accepts it in creationData (the spec's examples leave out the leading slash)."""
    text = str(value or "")
    return text if text.startswith("/") else "/" + text


class DiskRP(SchemaType):
    """What DiskRP's resource types share: 202 answers carrying only what the client set, LRO PATCH, SAS actions."""

    api_versions = DISK_VERSIONS
    async_put = async_delete = True
    create_status = update_status = 202
    put_headers = ("Azure-AsyncOperation", "Location")
    operation_kinds = ("operations", "operations?monitor=true")
    states = {"create": "Updating", "update": "Updating", "delete": "Deleting"}

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        doc = super().build(ctx, rid, body, existing)
        # what the client has set so far: a 202 answers with it (as recorded), not with what Azure computes
        request = {k: v for k, v in body.items() if k not in ("location", "tags")}
        if ctx.method == "PATCH" and existing:
            request = merge_patch(existing["internal"].get("given") or {}, self.conform(ctx, ctx.json()))
        internal = dict(existing["internal"]) if existing else {}
        internal["given"] = request
        doc["_internal"] = internal
        return doc

    def put_patched(self, ctx: Context, rid: ResourceId, body: dict[str, Any]) -> Response:
        return self.put(ctx, rid, body)  # DiskRP answers a PATCH as a PUT: 202 and a long-running operation

    def accepted(self, ctx: Context, resource: Resource, body: dict[str, Any]) -> dict[str, Any]:
        stored = resource["body"]
        given = resource["internal"].get("given") or {}
        answer: dict[str, Any] = {k: stored[k] for k in ("id", "name", "type", "location", "tags") if k in stored}
        answer.update({k: v for k, v in given.items() if k != "properties"})
        if "sku" in given or (ctx.method == "PATCH" and "sku" in stored):
            answer["sku"] = stored["sku"]
        answer["properties"] = {**given.get("properties", {}), **self.accepted_properties(stored),
                                "provisioningState": stored["properties"]["provisioningState"]}
        return answer

    def accepted_properties(self, stored: dict[str, Any]) -> dict[str, Any]:
        """Read-only properties a 202 answer carries besides what the client set."""
        return {}

    # beginGetAccess / endGetAccess ----------------------------------------------------------------
    actions: tuple[str, ...] = ("beginGetAccess", "endGetAccess")

    def action_begingetaccess(self, ctx: Context, resource: Resource) -> Response:
        request = ctx.json()
        access = canonical(request.get("access"), ("None", "Read", "Write"), "The value of parameter 'access' is "
                           "not valid: use Read or Write.", "access")
        seconds = request.get("durationInSeconds")
        if not isinstance(seconds, int) or seconds <= 0:
            raise invalid("Required parameter 'durationInSeconds' is missing or not a positive number of seconds.",
                          "durationInSeconds")
        if resource["body"].get("managedBy") and access == "Write":
            raise ArmError(409, "OperationNotAllowed", f"Disk {resource['body']['name']} is attached to VM "
                           f"{resource['body']['managedBy']}: write access cannot be granted.")
        self.save_internal(ctx, resource["id"], "grant", {"access": access,
                                                          "secure": bool(request.get("getSecureVMGuestStateSAS"))})
        return Response(202, None, self.start_operation(ctx, resource["id"], "grantAccess",
                                                        self.region(ctx, resource)))

    def action_endgetaccess(self, ctx: Context, resource: Resource) -> Response:
        return Response(202, None, self.start_operation(ctx, resource["id"], "revokeAccess",
                                                        self.region(ctx, resource)))

    def complete_grantAccess(self, ctx: Context, resource: Resource, op: Operation) -> dict[str, Any]:  # noqa: N802
        grant = resource["internal"].get("grant") or {}
        token = secrets.token_urlsafe(24)
        result = {"accessSAS": f"https://md-{token[:12].lower()}.blob.storage.azure.net/{token[12:]}/abcd?sv=2018-03-28"
                               f"&sr=b&si=emulator&sig={token}"}
        if grant.get("secure"):
            result["securityDataAccessSAS"] = result["accessSAS"].replace("/abcd?", "/vmgs?")
        resource["internal"]["sas"] = True
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return result

    def complete_revokeAccess(self, ctx: Context, resource: Resource, op: Operation) -> None:  # noqa: N802
        resource["internal"].pop("sas", None)
        resource["internal"].pop("grant", None)
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return None


def image_source(ctx: Context, reference: dict[str, Any]) -> tuple[catalogue.ImageEntry, str, tuple[str, str, str]] | None:
    """(catalogue entry, canonical id, (publisher, offer, sku)) of a marketplace image version id; None when it is
    not one Azure has."""
    match = IMAGE_ID.search(str(reference.get("id") or ""))
    if not match:
        return None
    found = catalogue.resolve(*match.groups())
    if found is None:
        return None
    names, entry, exact = found
    location = str(reference["id"]).split("/")[6]
    return entry, image_id(ctx, location, *names, exact), names


@PROVIDER.resource_type
class Disks(DiskRP):
    name = "disks"
    removal_rank = 40
    required = ("properties.creationData.createOption",)
    defaults = {"sku": {"name": "Standard_LRS"}}
    computed = {"properties.timeCreated": now, "properties.uniqueId": new_guid}

    def accepted_properties(self, stored: dict[str, Any]) -> dict[str, Any]:
        """What the disk's source decided (a platform or gallery image): in the 202 answer too."""
        return {k: stored["properties"][k] for k in ("osType", "hyperVGeneration", "supportedCapabilities",
                                                      "purchasePlan") if k in stored["properties"]}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        storage = canonical(doc["sku"].get("name"), STORAGE_TYPES, f"The value '{doc['sku'].get('name')}' of "
                            "parameter 'sku.name' is not valid.", "sku.name")
        doc["sku"] = sku(storage)
        props = doc["properties"]
        old = existing["body"]["properties"] if existing else None
        if old:
            props["creationData"] = old["creationData"]  # fixed at creation
            size = props.get("diskSizeGB", old.get("diskSizeGB"))
            if old.get("diskSizeGB") and (not isinstance(size, int) or size < old["diskSizeGB"]):
                raise invalid(f"Disk size {size} GB is smaller than the current size {old['diskSizeGB']} GB. Disks "
                              "can only be expanded.", "diskSizeGB", "OperationNotAllowed")
            for key in ("osType", "hyperVGeneration"):
                if key in old and key not in props:
                    props[key] = old[key]
        else:
            self.creation(ctx, props)
        size = props.get("diskSizeGB")
        if size is not None:
            limit = 65536 if storage in ("UltraSSD_LRS", "PremiumV2_LRS") else 32767
            if not isinstance(size, int) or not 1 <= size <= limit:
                raise invalid(f"The disk size {size} GB is not valid: give a size between 1 and {limit} GB.",
                              "diskSizeGB")
        self.performance(props, storage)

    def creation(self, ctx: Context, props: dict[str, Any]) -> None:
        """A new disk's creationData checked, and what its source decides (size, OS type, generation)."""
        data = props["creationData"]
        option = canonical(data.get("createOption"), CREATE_OPTIONS, f"The value '{data.get('createOption')}' of "
                           "parameter 'creationData.createOption' is not valid.", "creationData.createOption")
        data["createOption"] = option
        if option == "Empty" and props.get("diskSizeGB") is None:
            raise invalid("Required parameter 'diskSizeGB' is missing (null).", "diskSizeGB")
        if option in ("Copy", "CopyStart", "Restore"):
            if not data.get("sourceResourceId"):
                raise invalid("Required parameter 'creationData.sourceResourceId' is missing (null).",
                              "creationData.sourceResourceId")
            source = ctx.store.resource(source_id(data["sourceResourceId"]))
            if source is None:
                raise ArmError(404, "NotFound", f"Resource {data['sourceResourceId']} not found.",
                               target="creationData.sourceResourceId")
            data["sourceUniqueId"] = source["body"]["properties"].get("uniqueId") or str(uuid.uuid4())
            for key in ("diskSizeGB", "osType", "hyperVGeneration"):
                if key in source["body"]["properties"] and key not in props:
                    props[key] = source["body"]["properties"][key]
        elif option in ("Import", "ImportSecure"):
            if not data.get("sourceUri"):
                raise invalid("Required parameter 'creationData.sourceUri' is missing (null).", "creationData.sourceUri")
        elif option in ("Upload", "UploadPreparedSecure"):
            size = data.get("uploadSizeBytes")
            if option == "UploadPreparedSecure" or size is not None:
                if not isinstance(size, int) or size < MIN_UPLOAD_BYTES:
                    raise invalid(f"The value of parameter 'creationData.uploadSizeBytes' must be at least "
                                  f"{MIN_UPLOAD_BYTES} bytes (20 MiB plus the 512-byte VHD footer).",
                                  "creationData.uploadSizeBytes")
                props.setdefault("diskSizeGB", math.ceil((size - 512) / 1024 ** 3))
        elif option == "FromImage":
            reference = data.get("imageReference") or data.get("galleryImageReference")
            if not reference:
                raise invalid("Required parameter 'creationData.imageReference' is missing (null).",
                              "creationData.imageReference")
            if data.get("galleryImageReference"):
                self.from_gallery(ctx, props, data["galleryImageReference"])
                return
            found = image_source(ctx, data["imageReference"])
            if found is None:
                raise ArmError(404, "PlatformImageNotFound", f"The platform image '{data['imageReference'].get('id')}' "
                               "is not available. Verify that all fields in the image reference are correct.",
                               target="creationData.imageReference")
            if found:
                entry, canonical_id, names = found
                data["imageReference"]["id"] = canonical_id
                if tuple(n.lower() for n in names) in catalogue.PLANS:  # a disk of an image sold with a plan
                    props.setdefault("purchasePlan", {"name": names[2], "publisher": names[0], "product": names[1]})
                props.setdefault("osType", catalogue.os_type(entry))
                props.setdefault("hyperVGeneration", entry[0])
                props.setdefault("diskSizeGB", entry[2])
                capabilities = props.setdefault("supportedCapabilities", {})
                capabilities.setdefault("architecture", entry[1])
                capabilities.setdefault("acceleratedNetwork", True)

    @staticmethod
    def from_gallery(ctx: Context, props: dict[str, Any], reference: dict[str, Any]) -> None:
        """A disk from a gallery image version: OS type, generation and capabilities of its image definition."""
        from .galleries import image_definition
        definition = image_definition(ctx, str(reference.get("id") or ""))
        if definition is None:
            raise ArmError(404, "NotFound", f"The gallery image version '{reference.get('id')}' was not found.",
                           target="creationData.galleryImageReference.id")
        image = definition["body"]["properties"]
        features = {f.get("name"): f.get("value") for f in image.get("features") or []}
        props.setdefault("osType", image["osType"])
        props.setdefault("hyperVGeneration", image.get("hyperVGeneration", "V1"))
        capabilities = props.setdefault("supportedCapabilities", {})
        capabilities.setdefault("architecture", image.get("architecture", "x64"))
        capabilities.setdefault("acceleratedNetwork",
                                str(features.get("IsAcceleratedNetworkSupported", "True")).lower() == "true")
        if features.get("SecurityType"):
            capabilities.setdefault("supportedSecurityOption", features["SecurityType"])
        props.setdefault("diskSizeGB", 127 if image["osType"] == "Windows" else 30)

    @staticmethod
    def performance(props: dict[str, Any], storage: str) -> None:
        """What Azure computes from the SKU and size: tier, IOPS, throughput, bytes, encryption and access."""
        size = props.get("diskSizeGB")
        if size is not None:
            tier, iops, mbps = disk_tier(storage, size)
            props["diskSizeBytes"] = size * 1024 ** 3
            props.setdefault("diskIOPSReadWrite", iops)
            props.setdefault("diskMBpsReadWrite", mbps)
            if tier and not props.get("tier"):
                props["tier"] = tier
        props.setdefault("encryption", {"type": "EncryptionAtRestWithPlatformKey"})
        props.setdefault("networkAccessPolicy", "AllowAll")
        props.setdefault("publicNetworkAccess", "Enabled")

    # a VM's disks --------------------------------------------------------------------------------
    def attach(self, ctx: Context, vm: Resource, disk: dict[str, Any],
               image: tuple[catalogue.ImageEntry, dict[str, Any]] | None = None) -> None:
        """Create (if new) or update the disk resource of a VM's osDisk/dataDisk entry, attached to ``vm``.
        ``image``: for the OS disk, the image's catalogue entry and the VM's imageReference."""
        disk_id = disk["managedDisk"]["id"]
        record = ctx.store.resource(disk_id)
        storage = disk["managedDisk"]["storageAccountType"]
        body: dict[str, Any]
        if record is None:
            props: dict[str, Any] = {"timeCreated": utcnow(), "uniqueId": str(uuid.uuid4())}
            if image:
                image_entry, image_reference = image
                source = image_reference.get("id") or image_id(
                    ctx, vm["body"]["location"], image_reference["publisher"], image_reference["offer"],
                    image_reference["sku"], image_reference["exactVersion"])
                props.update(osType=catalogue.os_type(image_entry), hyperVGeneration=image_entry[0],
                             supportedCapabilities={"architecture": image_entry[1]},
                             creationData={"createOption": "FromImage", "imageReference": {"id": source}})
            else:
                props["creationData"] = {"createOption": "Empty"}
            body = {"id": disk_id, "name": disk["name"], "type": self.full_type, "location": vm["body"]["location"],
                    "sku": sku(storage), "properties": props}
            if vm["body"].get("zones"):
                body["zones"] = list(vm["body"]["zones"])
        else:
            body = record["body"]
        body["managedBy"] = vm["id"]
        props = {k: v for k, v in body["properties"].items() if k not in ("diskIOPSReadWrite", "diskMBpsReadWrite",
                                                                         "tier", "provisioningState")}
        props["diskSizeGB"] = disk["diskSizeGB"]
        self.performance(props, body["sku"]["name"])
        body["properties"] = {**props, "provisioningState": "Succeeded"}
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
        elif resource["internal"].get("sas"):
            state = "ActiveSAS"
        elif body["properties"].get("creationData", {}).get("createOption", "").startswith("Upload"):
            state = "ReadyToUpload"
        body["properties"] = {**body["properties"], "diskState": state}
        return body


@PROVIDER.resource_type
class Snapshots(DiskRP):
    name = "snapshots"
    removal_rank = 45
    required = ("properties.creationData.createOption",)
    defaults = {"sku": {"name": "Standard_LRS"}, "properties.incremental": False}
    computed = {"properties.timeCreated": now, "properties.uniqueId": new_guid}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        name = doc["sku"].get("name")
        storage = canonical(name, ("Standard_LRS", "Premium_LRS", "Standard_ZRS"), f"The value '{name}' of parameter "
                            "'sku.name' is not valid for a snapshot.", "sku.name")
        doc["sku"] = {"name": storage, "tier": "Premium" if storage.startswith("Premium") else "Standard"}
        props = doc["properties"]
        if existing:
            props["creationData"] = existing["body"]["properties"]["creationData"]
        else:
            Disks.creation(PROVIDER.instance(Disks), ctx, props)
        if props.get("diskSizeGB") is not None:
            props["diskSizeBytes"] = props["diskSizeGB"] * 1024 ** 3
        props.setdefault("encryption", {"type": "EncryptionAtRestWithPlatformKey"})
        props.setdefault("networkAccessPolicy", "AllowAll")
        props.setdefault("publicNetworkAccess", "Enabled")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = dict(resource["body"])
        body["properties"] = {**body["properties"],
                              "diskState": "ActiveSAS" if resource["internal"].get("sas") else "Unattached"}
        return body


@PROVIDER.resource_type
class DiskAccesses(DiskRP):
    name = "diskAccesses"
    removal_rank = 50
    actions = ()
    computed = {"properties.timeCreated": now}
    get_only = {"properties.privateEndpointConnections": lambda ctx, r: []}

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        target = resource["id"].lower()
        for disk in ctx.store.resources(f"/subscriptions/{ctx.subscription}/", ["Microsoft.Compute/disks"]):
            if str(disk["body"]["properties"].get("diskAccessId", "")).lower() == target:
                raise ArmError(409, "OperationNotAllowed", f"Disk access {resource['body']['name']} cannot be deleted "
                               f"because it is in use by disk {disk['id']}.")


@PROVIDER.resource_type
class DiskEncryptionSets(DiskRP):
    name = "diskEncryptionSets"
    removal_rank = 50
    actions = ()
    required = ("properties.activeKey.keyUrl",)
    defaults = {"properties.encryptionType": "EncryptionAtRestWithCustomerKey"}
    computed = {"properties.previousKeys": lambda ctx, rid, doc: []}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        identity = doc.get("identity") or {}
        kind = str(identity.get("type") or "None")
        if "systemassigned" in kind.lower():
            old = (existing["body"].get("identity") or {}) if existing else {}
            identity["principalId"] = old.get("principalId") or new_guid(ctx, rid, doc)
            identity["tenantId"] = ctx.app.identity["tenant_id"]
        key_url = doc["properties"]["activeKey"]["keyUrl"]
        if not re.match(r"^https://[^/]+/keys/[^/]+(/[^/]*)?$", str(key_url)):
            raise invalid(f"The key URL '{key_url}' is not a valid Key Vault key URL.", "activeKey.keyUrl")

    def accepted_properties(self, stored: dict[str, Any]) -> dict[str, Any]:
        return {"previousKeys": stored["properties"].get("previousKeys", [])}

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        target = resource["id"].lower()
        for disk in ctx.store.resources(f"/subscriptions/{ctx.subscription}/", ["Microsoft.Compute/disks"]):
            if str((disk["body"]["properties"].get("encryption") or {}).get("diskEncryptionSetId", "")).lower() == target:
                raise ArmError(409, "OperationNotAllowed", f"Disk encryption set {resource['body']['name']} cannot be "
                               f"deleted because it is in use by disk {disk['id']}.")


DISKS = PROVIDER.instance(Disks)
