"""Microsoft.Compute's captured state, metadata only: managed images, restore point collections, restore
points and the disk restore points Azure makes for each disk of the VM a restore point captures, and SSH
public key resources (``generateKeyPair`` really generates a key pair).

Sources are checked as Azure checks them (the snapshot, disk, blob or VM an image or a restore point is
made from must exist); nothing is copied, since the emulator keeps no disk contents outside container VMs.
"""
from __future__ import annotations

import copy
import uuid
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId
from ...schema_type import SchemaType, get_path, new_guid, now
from ...store import Resource
from ...web import Response
from .common import PROVIDER, VM_TYPE, VM_VERSIONS, invalid
from .disks import DiskRP, source_id
from .vm_profile import check_ssh_key


class ComputeMetadata(SchemaType):
    api_versions = VM_VERSIONS
    operation_kinds = ("operations", "operations?monitor=true")


def must_exist(ctx: Context, reference: Any, target: str, kinds: tuple[str, ...]) -> Resource:
    """The resource a ``{"id": ...}`` reference names; Azure's NotFound when it does not exist."""
    given = reference.get("id") if isinstance(reference, dict) else reference
    record = ctx.store.resource(source_id(given)) if given else None
    if record is None or record["type"] not in [k.lower() for k in kinds]:
        raise ArmError(404, "NotFound", f"Resource {given} not found.", target=target)
    return record


@PROVIDER.resource_type
class Images(ComputeMetadata):
    """Managed images (PUT/DELETE as long-running operations). An image is made from a generalized VM, or
    from OS/data disk sources: a managed disk, a snapshot or a blob URI."""

    name = "images"
    async_put = async_delete = True
    removal_rank = 50
    defaults = {"properties.hyperVGeneration": "V1"}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        props = doc.setdefault("properties", {})
        if props.get("sourceVirtualMachine"):
            vm = must_exist(ctx, props["sourceVirtualMachine"], "sourceVirtualMachine", (VM_TYPE,))
            if vm["internal"].get("generalized") is not True:
                raise ArmError(409, "OperationNotAllowed", f"The operation 'Create Image' is not allowed on VM "
                               f"'{vm['body']['name']}' since the VM is not generalized.")
            storage = vm["body"]["properties"]["storageProfile"]
            props["storageProfile"] = {
                "osDisk": {"osType": storage["osDisk"].get("osType", "Linux"), "osState": "Generalized",
                           "managedDisk": {"id": storage["osDisk"]["managedDisk"]["id"]},
                           "caching": storage["osDisk"].get("caching", "ReadWrite"),
                           "storageAccountType": storage["osDisk"]["managedDisk"]["storageAccountType"],
                           "diskSizeGB": storage["osDisk"]["diskSizeGB"]},
                "dataDisks": [{"lun": d["lun"], "managedDisk": {"id": d["managedDisk"]["id"]},
                               "caching": d.get("caching", "None"), "diskSizeGB": d["diskSizeGB"],
                               "storageAccountType": d["managedDisk"]["storageAccountType"]}
                              for d in storage.get("dataDisks", [])]}
        profile = props.get("storageProfile")
        if not profile or not profile.get("osDisk"):
            raise invalid("Required parameter 'storageProfile.osDisk' is missing (null).", "storageProfile.osDisk")
        for index, disk in enumerate([profile["osDisk"]] + list(profile.get("dataDisks") or [])):
            where = "storageProfile.osDisk" if index == 0 else f"storageProfile.dataDisks[{index - 1}]"
            sources = [k for k in ("managedDisk", "snapshot", "blobUri") if disk.get(k)]
            if not sources:
                raise invalid(f"One of 'managedDisk', 'snapshot' or 'blobUri' is required in {where}.", where)
            if disk.get("managedDisk"):
                must_exist(ctx, disk["managedDisk"], f"{where}.managedDisk", ("Microsoft.Compute/disks",))
            if disk.get("snapshot"):
                must_exist(ctx, disk["snapshot"], f"{where}.snapshot", ("Microsoft.Compute/snapshots",))
            if disk.get("diskEncryptionSet"):
                must_exist(ctx, disk["diskEncryptionSet"], f"{where}.diskEncryptionSet",
                           ("Microsoft.Compute/diskEncryptionSets",))
            disk.setdefault("caching", "ReadWrite" if index == 0 else "None")
        os_disk = profile["osDisk"]
        for key, allowed in (("osType", ("Linux", "Windows")), ("osState", ("Generalized", "Specialized"))):
            if str(os_disk.get(key, "")).lower() not in [a.lower() for a in allowed]:
                raise invalid(f"Required parameter 'storageProfile.osDisk.{key}' is missing or not one of "
                              f"{', '.join(allowed)}.", f"storageProfile.osDisk.{key}")
        profile.setdefault("dataDisks", [])


@PROVIDER.resource_type
class RestorePointCollections(ComputeMetadata):
    name = "restorePointCollections"
    create_status = 201
    removal_rank = 45
    computed = {"properties.restorePointCollectionId": new_guid}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        source = get_path(doc, "properties.source")
        if existing:
            old = existing["body"]["properties"].get("source") or {}
            if source and str(source.get("id", "")).lower() != str(old.get("id", "")).lower():
                raise self.changed("properties.source.id")
            doc["properties"]["source"] = old
            return
        if not source or not source.get("id"):
            raise invalid("Required parameter 'source' is missing (null).", "source")
        vm = must_exist(ctx, source, "source.id", (VM_TYPE, "Microsoft.Compute/restorePointCollections/restorePoints"))
        source["location"] = vm["body"].get("location") or doc.get("location")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = super().render(ctx, resource)
        if "restorepoints" in ctx.query.get("$expand", "").lower():
            points = [RESTORE_POINTS.render(ctx, p) for p in ctx.store.resources(resource["id"] + "/restorePoints/",
                                                                                   [RESTORE_POINTS.full_type])]
            body = {**body, "properties": {**body["properties"], "restorePoints": points}}
        return body


@PROVIDER.resource_type
class RestorePoints(ComputeMetadata):
    """A restore point of the collection's source VM: its metadata at capture time, and one disk restore
    point per disk not excluded (created with it)."""

    name = "restorePointCollections/restorePoints"
    tracked = False
    async_put = async_delete = True
    removal_rank = 40
    defaults = {"properties.consistencyMode": "ApplicationConsistent"}
    computed = {"properties.timeCreated": now}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        if existing:
            doc["properties"] = {**existing["body"]["properties"], **doc.get("properties", {})}
            return
        props = doc.setdefault("properties", {})
        collection = self.parent_of(ctx, rid)
        vm = ctx.store.resource((collection["body"]["properties"].get("source") or {}).get("id", ""))
        if vm is None or vm["type"] != VM_TYPE.lower():
            raise ArmError(404, "NotFound", "The source virtual machine of the restore point collection was not found.")
        excluded = {str(d.get("id", "")).lower() for d in props.get("excludeDisks") or []}
        vm_props = copy.deepcopy(vm["body"]["properties"])
        storage = vm_props.get("storageProfile", {})
        disks = []
        for disk in [storage.get("osDisk")] + list(storage.get("dataDisks", [])):
            if disk and disk["managedDisk"]["id"].lower() not in excluded:
                disk["diskRestorePoint"] = {"id": f"{rid.id}/diskRestorePoints/{disk['name']}_{uuid.uuid4()}"}
                disks.append(disk)
            for key in ("createOption", "deleteOption", "diskSizeGB", "toBeDetached", "writeAcceleratorEnabled"):
                (disk or {}).pop(key, None)
        props["sourceMetadata"] = {
            "vmId": vm_props.get("vmId"), "hardwareProfile": vm_props.get("hardwareProfile"),
            "storageProfile": {"osDisk": storage.get("osDisk"), "dataDisks": storage.get("dataDisks", []),
                               "diskControllerType": storage.get("diskControllerType", "SCSI")},
            "osProfile": {k: v for k, v in (vm_props.get("osProfile") or {}).items() if k != "customData"},
            "diagnosticsProfile": vm_props.get("diagnosticsProfile") or {"bootDiagnostics": {"enabled": False}},
            "location": vm["body"]["location"]}
        doc["_disks"] = disks

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        doc = super().build(ctx, rid, body, existing)
        disks = doc.pop("_disks", [])
        for disk in disks:
            record = ctx.store.resource(disk["managedDisk"]["id"])
            source = record["body"]["properties"] if record else {}
            point_id = disk["diskRestorePoint"]["id"]
            DISK_RESTORE_POINTS.save(ctx, point_id, {
                "id": point_id, "name": point_id.rsplit("/", 1)[1], "type": DISK_RESTORE_POINTS.full_type,
                "properties": {"timeCreated": doc["properties"]["timeCreated"], "sourceResourceId": disk["managedDisk"]["id"],
                               "osType": source.get("osType", "Linux"), "hyperVGeneration": source.get("hyperVGeneration", "V1"),
                               "familyId": str(uuid.uuid4()), "sourceUniqueId": source.get("uniqueId", str(uuid.uuid4())),
                               "supportedCapabilities": source.get("supportedCapabilities", {}),
                               "networkAccessPolicy": "AllowAll", "publicNetworkAccess": "Enabled",
                               "logicalSectorSize": 512, "provisioningState": "Succeeded"}})
        return doc


@PROVIDER.resource_type
class DiskRestorePoints(DiskRP):
    """Made by Azure with their restore point (one per disk); read and SAS access only."""

    name = "restorePointCollections/restorePoints/diskRestorePoints"
    tracked = False
    removal_rank = 35

    def put(self, ctx: Context, rid: ResourceId, body: dict[str, Any] | None = None) -> Response:
        raise ArmError(405, "MethodNotAllowed", "The requested resource does not support http method 'PUT'.")

    def delete(self, ctx: Context, rid: ResourceId) -> Response:
        raise ArmError(405, "MethodNotAllowed", "The requested resource does not support http method 'DELETE'.")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        return resource["body"]


@PROVIDER.resource_type
class SshPublicKeys(ComputeMetadata):
    """SSH public key resources; ``generateKeyPair`` makes a key pair, stores the public key and answers the
    private key once (RSA 3072 by default, Ed25519 on request, as Azure does)."""

    name = "sshPublicKeys"
    removal_rank = 60
    actions = ("generateKeyPair",)

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        key = get_path(doc, "properties.publicKey")
        if key is not None and not check_ssh_key(key):
            raise invalid("The value of parameter 'publicKey' is not a valid SSH public key (ssh-rsa of at least "
                          "2048 bits, or ssh-ed25519).", "publicKey", "InvalidParameter")

    def action_generatekeypair(self, ctx: Context, resource: Resource) -> Response:
        request = ctx.request.json(required=False) if ctx.request else {}
        kind = str(request.get("encryptionType") or "RSA")
        if kind.lower() not in ("rsa", "ed25519"):
            raise invalid(f"The value '{kind}' of parameter 'encryptionType' is not valid: use RSA or Ed25519.",
                          "encryptionType")
        private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
        if kind.lower() == "rsa":
            private_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
            private = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                                serialization.NoEncryption())
        else:
            private_key = ed25519.Ed25519PrivateKey.generate()
            private = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                                serialization.NoEncryption())
        public = private_key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                       serialization.PublicFormat.OpenSSH).decode()
        resource["body"].setdefault("properties", {})["publicKey"] = f"{public} generated-by-azure"
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return Response(200, {"privateKey": private.decode(), "publicKey": resource["body"]["properties"]["publicKey"],
                              "id": resource["id"]})


RESTORE_POINTS = PROVIDER.instance(RestorePoints)
DISK_RESTORE_POINTS = PROVIDER.instance(DiskRestorePoints)
