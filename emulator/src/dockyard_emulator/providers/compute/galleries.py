"""Azure Compute Galleries and virtual machine scale sets, metadata only.

- ``galleries``, ``galleries/images`` (image definitions: OS type and state, identifier, Hyper-V generation,
  features) and ``galleries/images/versions`` (the source a version is made from must exist). A disk created
  ``FromImage`` with a ``galleryImageReference`` takes its OS type, generation and capabilities from the
  definition (:func:`image_definition`).
- ``virtualMachineScaleSets``: the scale set's model stored as given, with its ``sku.capacity`` instances as
  ``virtualMachineScaleSets/{name}/virtualMachines/{instanceId}`` (ids 0..n-1), whose managed run commands
  (``.../virtualMachines/{id}/runCommands``) are served like a VM's. No machine stands behind the instances.
"""
from __future__ import annotations

import uuid
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId, utcnow
from ...schema_type import SchemaType, get_path, new_guid, now
from ...store import Resource
from ...web import Response
from . import catalogue
from .common import PROVIDER, VM_VERSIONS, invalid
from .images import must_exist
from .run_commands import VmRunCommands

GALLERY_VERSIONS = ("2025-03-03", "2024-03-03", "2023-07-03", "2022-08-03", "2022-03-03", "2022-01-03", "2021-10-01",
                    "2021-07-01", "2020-09-30", "2019-12-01")


class GalleryType(SchemaType):
    api_versions = GALLERY_VERSIONS + VM_VERSIONS
    async_put = async_delete = True
    operation_kinds = ("operations", "operations?monitor=true")


@PROVIDER.resource_type
class Galleries(GalleryType):
    name = "galleries"
    removal_rank = 60
    computed = {"properties.identifier.uniqueName": lambda ctx, rid, doc: f"{ctx.subscription}-{rid.name.upper()}"}


@PROVIDER.resource_type
class GalleryImages(GalleryType):
    name = "galleries/images"
    removal_rank = 55
    required = ("properties.osType", "properties.osState", "properties.identifier.publisher",
                "properties.identifier.offer", "properties.identifier.sku")
    defaults = {"properties.hyperVGeneration": "V1", "properties.architecture": "x64"}
    immutable = ("properties.osType", "properties.osState", "properties.hyperVGeneration")

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        props = doc["properties"]
        for key, allowed in (("osType", ("Linux", "Windows")), ("osState", ("Generalized", "Specialized")),
                             ("hyperVGeneration", ("V1", "V2"))):
            match = [a for a in allowed if str(props[key]).lower() == a.lower()]
            if not match:
                raise invalid(f"The value '{props[key]}' of parameter '{key}' is not valid: use "
                              f"{' or '.join(allowed)}.", key)
            props[key] = match[0]


@PROVIDER.resource_type
class GalleryImageVersions(GalleryType):
    name = "galleries/images/versions"
    removal_rank = 50
    computed = {"properties.publishingProfile.publishedDate": now}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        storage = get_path(doc, "properties.storageProfile") or {}
        source = (storage.get("source") or {})
        sources = [source.get("id") or source.get("virtualMachineId"), (storage.get("osDiskImage") or {}).get(
            "source", {}).get("id")]
        reference = next((s for s in sources if s), None)
        if existing is None and reference is None and not (storage.get("osDiskImage") or {}).get("source", {}).get("uri"):
            raise invalid("Required parameter 'storageProfile.source' is missing (null).", "storageProfile.source")
        if reference:
            must_exist(ctx, reference, "storageProfile.source.id", ("Microsoft.Compute/images", "Microsoft.Compute/disks",
                                                                     "Microsoft.Compute/snapshots",
                                                                     "Microsoft.Compute/virtualMachines"))
        doc["properties"].setdefault("publishingProfile", {}).setdefault("replicaCount", 1)


def image_definition(ctx: Context, version_id: str) -> Resource | None:
    """The gallery image definition of a gallery image version id (None when the version does not exist)."""
    version = ctx.store.resource(version_id)
    if version is None or version["type"] != GALLERY_IMAGE_VERSIONS.full_type.lower():
        return None
    return ctx.store.resource(version["id"].rsplit("/", 2)[0])


@PROVIDER.resource_type
class ScaleSets(SchemaType):
    """virtualMachineScaleSets: the model as given; ``sku.capacity`` instances kept as child records."""

    name = "virtualMachineScaleSets"
    api_versions = VM_VERSIONS
    async_put = async_delete = True
    operation_kinds = ("operations", "operations?monitor=true")
    removal_rank = 15
    write_only = ("properties.virtualMachineProfile.osProfile.adminPassword",
                  "properties.virtualMachineProfile.osProfile.customData")
    required = ("sku.name",)
    defaults = {"properties.orchestrationMode": "Uniform", "properties.singlePlacementGroup": True,
                "properties.upgradePolicy": {"mode": "Manual"}}
    computed = {"properties.uniqueId": new_guid, "properties.timeCreated": now}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        size, _ = catalogue.size(doc["sku"]["name"])
        if size is None:
            raise invalid(f"The value {doc['sku']['name']} provided for the VM size is not valid.", "sku.name")
        doc["sku"] = {"name": size, "tier": doc["sku"].get("tier") or "Standard",
                      "capacity": int(doc["sku"].get("capacity", 2))}

    def provisioned(self, ctx: Context, resource: Resource) -> None:
        wanted = int(resource["body"]["sku"]["capacity"])
        instances = {r["id"].rsplit("/", 1)[1]: r for r in SCALE_SET_VMS.children(ctx, resource["id"])}
        for instance in range(wanted):
            if str(instance) not in instances:
                SCALE_SET_VMS.create_instance(ctx, resource, str(instance))
        for name, record in instances.items():
            if not name.isdigit() or int(name) >= wanted:
                self.remove(ctx, record["id"])


@PROVIDER.resource_type
class ScaleSetVms(SchemaType):
    """virtualMachineScaleSets/virtualMachines: the instances of a scale set (made by it, not by PUT)."""

    name = "virtualMachineScaleSets/virtualMachines"
    api_versions = VM_VERSIONS
    removal_rank = 12

    def children(self, ctx: Context, scale_set_id: str) -> list[Resource]:
        return [r for r in ctx.store.resources(scale_set_id + "/virtualMachines/", [self.full_type])
                if r["id"].count("/") == scale_set_id.count("/") + 2]

    def create_instance(self, ctx: Context, scale_set: Resource, instance: str) -> None:
        profile = scale_set["body"]["properties"].get("virtualMachineProfile") or {}
        body = {"id": f"{scale_set['id']}/virtualMachines/{instance}", "name": f"{scale_set['body']['name']}_{instance}",
                "type": self.full_type, "location": scale_set["body"]["location"], "instanceId": instance,
                "sku": {"name": scale_set["body"]["sku"]["name"], "tier": "Standard"},
                "properties": {"latestModelApplied": True, "vmId": str(uuid.uuid4()),
                               "hardwareProfile": {"vmSize": scale_set["body"]["sku"]["name"]},
                               "storageProfile": profile.get("storageProfile") or {},
                               "osProfile": {**(profile.get("osProfile") or {}),
                                             "computerName": f"{(profile.get('osProfile') or {}).get('computerNamePrefix', 'vm')}"
                                                             f"{int(instance):06x}"},
                               "provisioningState": "Succeeded", "timeCreated": utcnow()}}
        self.save(ctx, body["id"], body, {"power": "running"})

    def put(self, ctx: Context, rid: ResourceId, body: dict[str, Any] | None = None) -> Response:
        if ctx.store.resource(rid.id) is None:
            raise ArmError(404, "NotFound", f"The entity {rid.name} was not found in the scale set; instances are made "
                           "by the scale set's capacity.")
        return super().put(ctx, rid, body)


@PROVIDER.resource_type
class ScaleSetVmRunCommands(VmRunCommands):
    name = "virtualMachineScaleSets/virtualMachines/runCommands"


GALLERY_IMAGE_VERSIONS = PROVIDER.instance(GalleryImageVersions)
SCALE_SET_VMS = PROVIDER.instance(ScaleSetVms)
