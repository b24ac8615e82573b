"""Microsoft.Compute's placement resources, metadata only (nothing stands behind them in the emulator):
availability sets, proximity placement groups, capacity reservation groups and their reservations,
dedicated host groups and hosts, interconnect blocks. Each is a SchemaType: the schema decides what is
stored; the declarations below are the defaults Azure fills, what it computes and the rules it checks.
"""
from __future__ import annotations

from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId, resource_id
from ...schema_type import SchemaType, new_guid, now
from ...store import Resource
from ...web import Response
from . import catalogue
from .common import PROVIDER, VM_TYPE, VM_VERSIONS, invalid


def vms_referencing(ctx: Context, resource: Resource, key: str) -> list[dict[str, str]]:
    """``[{"id": vm}]`` of the VMs whose ``properties[key]`` references ``resource`` (a back-reference list)."""
    target = resource["id"].lower()
    return [{"id": vm["id"]} for vm in ctx.store.resources(f"/subscriptions/{ctx.subscription}/", [VM_TYPE])
            if str((vm["body"]["properties"].get(key) or {}).get("id", "")).lower() == target]


def children_ids(ctx: Context, resource: Resource, child: str) -> list[dict[str, str]]:
    return [{"id": c["id"]} for c in ctx.store.resources(f"{resource['id']}/{child}/")
            if c["id"].count("/") == resource["id"].count("/") + 2]


class ComputeMetadata(SchemaType):
    api_versions = VM_VERSIONS
    operation_kinds = ("operations", "operations?monitor=true")


class AsyncComputeMetadata(ComputeMetadata):
    """Created, updated and deleted as long-running operations (PUT 201/200 + Azure-AsyncOperation; DELETE 202)."""

    async_put = async_delete = True


@PROVIDER.resource_type
class AvailabilitySets(ComputeMetadata):
    """Azure answers a create with 200 (recorded), fills sku Classic and the domain counts, and lists the VMs
    placed in the set on GET only."""

    name = "availabilitySets"
    create_status = 200
    removal_rank = 50
    defaults = {"sku": {"name": "Classic"}, "properties.platformFaultDomainCount": 2,
                "properties.platformUpdateDomainCount": 5}
    get_only = {"properties.virtualMachines": lambda ctx, r: vms_referencing(ctx, r, "availabilitySet")}
    actions = ("convertToVirtualMachineScaleSet", "startMigrationToVirtualMachineScaleSet",
               "cancelMigrationToVirtualMachineScaleSet", "validateMigrationToVirtualMachineScaleSet")

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        props = doc["properties"]
        if not 1 <= props["platformFaultDomainCount"] <= 3:
            raise invalid(f"The specified fault domain count {props['platformFaultDomainCount']} must fall in the "
                          "range 1 to 3.", "platformFaultDomainCount")
        if not 1 <= props["platformUpdateDomainCount"] <= 20:
            raise invalid(f"The specified update domain count {props['platformUpdateDomainCount']} must fall in "
                          "the range 1 to 20.", "platformUpdateDomainCount")
        sku = doc["sku"].get("name")
        if str(sku).lower() not in ("classic", "aligned"):
            raise invalid(f"The value '{sku}' of parameter 'sku.name' is not valid: use Classic or Aligned.", "sku.name")
        if existing and vms_referencing(ctx, existing, "availabilitySet"):
            before = existing["body"]["properties"]
            for key in ("platformFaultDomainCount", "platformUpdateDomainCount"):
                if before.get(key) != props[key]:
                    raise ArmError(409, "OperationNotAllowed", f"Changing property '{key}' is not allowed while "
                                   "virtual machines are in the availability set.")

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        if vms_referencing(ctx, resource, "availabilitySet"):
            raise ArmError(409, "OperationNotAllowed", f"Availability set {resource['body']['name']} cannot be deleted. "
                           "Before deleting an availability set please ensure that it does not contain any VM.")

    def migration(self, ctx: Context, resource: Resource, status: int) -> Response:
        """Metadata only: the emulator has no scale sets to migrate to; Azure's answer shapes are kept."""
        if status == 202:
            return Response(202, None, self.start_operation(ctx, resource["id"], "convert",
                                                            resource["body"]["location"], ("Location",)))
        return Response(status)

    def action_converttovirtualmachinescaleset(self, ctx: Context, resource: Resource) -> Response:
        return self.migration(ctx, resource, 202)

    def action_startmigrationtovirtualmachinescaleset(self, ctx: Context, resource: Resource) -> Response:
        return self.migration(ctx, resource, 204)

    def action_cancelmigrationtovirtualmachinescaleset(self, ctx: Context, resource: Resource) -> Response:
        return self.migration(ctx, resource, 204)

    def action_validatemigrationtovirtualmachinescaleset(self, ctx: Context, resource: Resource) -> Response:
        return self.migration(ctx, resource, 204)

    def complete_convert(self, ctx: Context, resource: Resource, op: Any) -> None:
        return None


@PROVIDER.route(["GET"], "/subscriptions/{subscription}/resourceGroups/{rg}/providers/Microsoft.Compute/"
                "availabilitySets/{name}/vmSizes", VM_VERSIONS)
def availability_set_sizes(ctx: Context, subscription: str, rg: str, name: str) -> Response:
    rtype = PROVIDER.instance(AvailabilitySets)
    rtype.get_existing(ctx, resource_id(ctx, subscription, rg, PROVIDER.namespace, ["availabilitySets"], [name]))
    return Response(200, {"value": [catalogue.size_entry(size) for size in catalogue.SIZES]})


@PROVIDER.resource_type
class ProximityPlacementGroups(ComputeMetadata):
    name = "proximityPlacementGroups"
    removal_rank = 60
    defaults = {"properties.proximityPlacementGroupType": "Standard"}
    get_only = {"properties.virtualMachines": lambda ctx, r: vms_referencing(ctx, r, "proximityPlacementGroup"),
                "properties.virtualMachineScaleSets": lambda ctx, r: [],
                "properties.availabilitySets": lambda ctx, r: [
                    {"id": s["id"]} for s in ctx.store.resources(f"/subscriptions/{ctx.subscription}/",
                                                                 ["Microsoft.Compute/availabilitySets"])
                    if str((s["body"]["properties"].get("proximityPlacementGroup") or {}).get("id", "")).lower()
                    == r["id"].lower()]}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        kind = doc["properties"]["proximityPlacementGroupType"]
        if str(kind).lower() not in ("standard", "ultra"):
            raise invalid(f"The value '{kind}' of parameter 'proximityPlacementGroupType' is not valid.",
                          "proximityPlacementGroupType")

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        if vms_referencing(ctx, resource, "proximityPlacementGroup"):
            raise ArmError(409, "OperationNotAllowed", f"Proximity placement group {resource['body']['name']} cannot "
                           "be deleted because it is in use.")


@PROVIDER.resource_type
class CapacityReservationGroups(ComputeMetadata):
    name = "capacityReservationGroups"
    removal_rank = 65
    get_only = {"properties.capacityReservations": lambda ctx, r: children_ids(ctx, r, "capacityReservations"),
                "properties.virtualMachinesAssociated": lambda ctx, r: vms_referencing(ctx, r, "capacityReservation")}

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        if children_ids(ctx, resource, "capacityReservations"):
            raise ArmError(409, "OperationNotAllowed", f"Capacity reservation group {resource['body']['name']} cannot "
                           "be deleted as it contains capacity reservations. Delete them first.")


@PROVIDER.resource_type
class CapacityReservations(AsyncComputeMetadata):
    name = "capacityReservationGroups/capacityReservations"
    removal_rank = 55
    required = ("sku.name",)
    computed = {"properties.reservationId": new_guid, "properties.timeCreated": now,
                "properties.provisioningTime": now, "properties.platformFaultDomainCount": lambda c, r, d: 1}
    get_only = {"properties.virtualMachinesAssociated": lambda ctx, r: []}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        if catalogue.size(doc["sku"]["name"])[0] is None:
            raise ArmError(409, "SkuNotAvailable", f"The requested VM size {doc['sku']['name']} is not available in the "
                           "current region. Please try another size or deploy to a different location or different "
                           "zone. See https://aka.ms/azureskunotavailable for details.")
        doc["sku"].setdefault("capacity", 0)


@PROVIDER.resource_type
class HostGroups(ComputeMetadata):
    name = "hostGroups"
    removal_rank = 65
    required = ("properties.platformFaultDomainCount",)
    get_only = {"properties.hosts": lambda ctx, r: children_ids(ctx, r, "hosts")}

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        if children_ids(ctx, resource, "hosts"):
            raise ArmError(409, "OperationNotAllowed", f"Dedicated host group {resource['body']['name']} cannot be "
                           "deleted as it contains dedicated hosts. Delete them first.")


@PROVIDER.resource_type
class DedicatedHosts(AsyncComputeMetadata):
    name = "hostGroups/hosts"
    removal_rank = 55
    required = ("sku.name",)
    defaults = {"properties.platformFaultDomain": 0, "properties.autoReplaceOnFailure": True,
                "properties.licenseType": "None"}
    computed = {"properties.hostId": new_guid, "properties.timeCreated": now, "properties.provisioningTime": now}
    get_only = {"properties.virtualMachines": lambda ctx, r: vms_referencing(ctx, r, "host")}
    actions = ("redeploy", "restart")

    def host_action(self, ctx: Context, resource: Resource, kind: str) -> Response:
        return Response(202, None, self.start_operation(ctx, resource["id"], kind, resource["body"]["location"],
                                                        ("Location",)))

    def action_redeploy(self, ctx: Context, resource: Resource) -> Response:
        return self.host_action(ctx, resource, "redeploy")

    def action_restart(self, ctx: Context, resource: Resource) -> Response:
        return self.host_action(ctx, resource, "restart")

    def complete_redeploy(self, ctx: Context, resource: Resource, op: Any) -> None:
        return None

    complete_restart = complete_redeploy


@PROVIDER.resource_type
class InterconnectBlocks(AsyncComputeMetadata):
    name = "interconnectBlocks"
    removal_rank = 60
    computed = {"properties.interconnectBlockId": new_guid, "properties.timeCreated": now,
                "properties.provisioningTime": now}
    get_only = {"properties.virtualMachinesAssociated": lambda ctx, r: []}
