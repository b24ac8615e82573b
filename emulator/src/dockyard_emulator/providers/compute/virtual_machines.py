"""Microsoft.Compute/virtualMachines: the VM resource type, its power actions, instance view and the
``instanceView`` / ``vmSizes`` sub-resources.

A VM's ARM view lives here; what stands behind it (nothing, or a container) is the emulator's VM
backend (``ctx.backend``), called when operations complete. Power state is kept in the VM's private
data; while a power operation runs, the instance view shows the transitional state (starting,
stopping, deallocating). OS and data disks are created as Microsoft.Compute/disks resources when the
VM's create/update completes (:mod:`.disks`), and removed or detached with the VM according to their
deleteOption. The PUT body's checks are in :mod:`.vm_profile` and :mod:`.vm_storage`.
"""
from __future__ import annotations

import uuid
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId, ResourceType, Work, merge_patch, resource_id, utcnow
from ...store import Operation, Resource
from ...web import Response
from . import capacity, catalogue, vm_profile, vm_storage
from .common import LOCATION_PATH, PROVIDER, VM_PATH, VM_TYPE, VM_VERSIONS, invalid
from .disks import DISKS
from .extensions import EXTENSIONS
from .run_commands import RunCommandAction
from .vm_actions import EXTRA_ACTIONS, VmActions

POWER_ACTIONS = {"start": "starting", "poweroff": "stopping", "deallocate": "deallocating", "restart": "starting"}
POWER_AFTER = {"start": "running", "poweroff": "stopped", "deallocate": "deallocated", "restart": "running"}
POWER_DISPLAY = {"running": "VM running", "stopped": "VM stopped", "deallocated": "VM deallocated",
                 "starting": "VM starting", "stopping": "VM stopping", "deallocating": "VM deallocating"}


def backend_action(kind: str) -> str:
    """The backend's name of a power operation kind (ARM's action path is lower-cased powerOff)."""
    return {"poweroff": "powerOff"}.get(kind, kind)


@PROVIDER.resource_type
class VirtualMachines(VmActions, RunCommandAction, ResourceType):
    name = "virtualMachines"
    api_versions = VM_VERSIONS
    async_put = async_delete = True
    operation_kinds = ("operations", "operations?monitor=true")
    actions = ("start", "powerOff", "deallocate", "restart") + EXTRA_ACTIONS
    removal_rank = 10
    write_only = ("properties.osProfile.adminPassword", "properties.osProfile.customData", "properties.userData")
    # CRP answers at most 50 VMs of each region in a page of a listing (see paging.py).
    page_size = 50
    page_per_location = True

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        vm_profile.check_name(rid)
        props = body.get("properties") or {}
        old_body = existing["body"] if existing else {}
        old = old_body.get("properties", {})
        internal = dict(existing["internal"]) if existing else {"power": "running"}
        location = body["location"]
        size_name, figures = vm_profile.hardware(props, old)
        if not existing or old.get("hardwareProfile", {}).get("vmSize") != size_name:
            capacity.check(ctx, rid, size_name, figures[0], location, body.get("zones", old_body.get("zones")))
        storage = props.get("storageProfile") or {}
        image, image_entry = vm_profile.image(ctx, storage.get("imageReference") or old.get("storageProfile", {}).get(
            "imageReference"), old.get("storageProfile", {}).get("imageReference"), location)
        vm_profile.check_boot(size_name, figures, image_entry)
        windows = catalogue.os_type(image_entry) == "Windows"
        if windows and "Windows" not in getattr(ctx.backend, "os_families", ("Linux", "Windows")):
            raise invalid(f"The emulator's '{ctx.backend.name}' VM backend boots Linux images only, and "
                          f"'{image.get('offer') or image.get('id')}' is a Windows image. Create Windows VMs with an "
                          "emulator started with --vm-backend none (metadata only).", "imageReference")
        if not existing and "publisher" in image:
            vm_profile.check_plan(image, body.get("plan"))
        os_profile, internal = vm_profile.os_profile(rid, props.get("osProfile"), old.get("osProfile"), internal,
                                                     existing, windows)
        os_disk = vm_storage.os_disk(ctx, rid, storage.get("osDisk"), old.get("storageProfile", {}).get("osDisk"),
                                     image_entry, figures, size_name)
        data_disks = vm_storage.data_disks(ctx, rid, storage.get("dataDisks"), old.get("storageProfile", {}), figures,
                                           "dataDisks" not in storage and existing is not None, size_name)
        network = vm_profile.network_profile(ctx, rid, props.get("networkProfile") or old.get("networkProfile"),
                                             old.get("networkProfile"), location, internal)
        properties: dict[str, Any] = {"hardwareProfile": {"vmSize": size_name},
                      "provisioningState": None,
                      "vmId": old.get("vmId") or str(uuid.uuid4()),
                      "storageProfile": {"imageReference": image, "osDisk": os_disk, "dataDisks": data_disks},
                      "osProfile": os_profile, "networkProfile": network,
                      "timeCreated": old.get("timeCreated") or utcnow()}
        vm_profile.priority(props, old, properties)
        for key in ("diagnosticsProfile", "securityProfile", "additionalCapabilities", "licenseType",
                    "availabilitySet", "proximityPlacementGroup", "scheduledEventsProfile", "applicationProfile"):
            value = props.get(key, old.get(key))
            if value is not None:
                properties[key] = value
        if "userData" in props:
            internal["userData"] = vm_profile.base64_field(props["userData"], "userData", 87380)
        doc: dict[str, Any] = {"properties": properties, "_internal": internal}
        identity = vm_profile.identity(ctx, body.get("identity", old_body.get("identity")), old_body.get("identity"))
        if identity:
            doc["identity"] = identity
        zones = body.get("zones", old_body.get("zones"))
        if existing and sorted(zones or []) != sorted(old_body.get("zones") or []):
            raise invalid("Changing property 'zones' is not allowed.", "zones", "PropertyChangeNotAllowed")
        if zones:
            if not isinstance(zones, list) or len(zones) != 1 or str(zones[0]) not in ("1", "2", "3"):
                raise invalid(f"The zones '{zones}' are not valid: give one of '1', '2', '3'.", "zones")
            doc["zones"] = [str(zones[0])]
        if body.get("plan"):
            doc["plan"] = body["plan"]
        doc["etag"] = '"%d"' % (int(str(old_body.get("etag") or '"0"').strip('"') or 0) + 1)
        return doc

    # ARM handlers -------------------------------------------------------------------------------
    def accepted(self, ctx: Context, resource: Resource, body: dict[str, Any]) -> dict[str, Any]:
        """A create's answer shows the disks as requested: Azure names data disks and gives managed disks their
        ids while the VM is provisioned, so the 201 has neither unless the request set them."""
        rendered = self.render(ctx, resource)
        if resource["body"]["properties"].get("provisioningState") != "Creating":
            return rendered
        storage = rendered["properties"]["storageProfile"]
        given = ((body.get("properties") or {}).get("storageProfile") or {})
        given_data = {d.get("lun"): d for d in given.get("dataDisks") or [] if isinstance(d, dict)}
        os_disk = {**storage["osDisk"], "managedDisk": {k: v for k, v in storage["osDisk"]["managedDisk"].items()
                                                        if k != "id"}}
        data = []
        for disk in storage["dataDisks"]:
            if disk["createOption"] != "Attach":
                asked = given_data.get(disk["lun"]) or {}
                disk = {k: v for k, v in disk.items() if k != "name" or asked.get("name")}
                disk["managedDisk"] = {k: v for k, v in disk["managedDisk"].items() if k != "id"}
            data.append(disk)
        rendered["properties"] = {**rendered["properties"],
                                  "storageProfile": {**storage, "osDisk": os_disk, "dataDisks": data}}
        return rendered

    def patch(self, ctx: Context, rid: ResourceId) -> Response:
        existing = self.get_existing(ctx, rid)
        body = merge_patch({k: v for k, v in existing["body"].items() if k not in ("id", "name", "type")},
                           self.conform(ctx, self.patch_body(ctx, keep_location=False)))
        return self.put_patched(ctx, rid, body)

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = dict(resource["body"])
        query = ctx.query
        expand = {e.strip().lower() for e in query.get("$expand", "").split(",")}
        if "instanceview" in expand or query.get("statusonly", "").lower() == "true":
            body["properties"] = {**body["properties"], "instanceView": self.instance_view(ctx, resource)}
        if "userdata" in expand and resource["internal"].get("userData"):
            body["properties"] = {**body["properties"], "userData": resource["internal"]["userData"]}
        extensions = ctx.store.resources(resource["id"] + "/extensions/", [EXTENSIONS.full_type])
        if extensions:  # Azure lists a VM's extensions in its "resources"
            body["resources"] = [EXTENSIONS.render(ctx, e) for e in extensions]
        return body

    def instance_view(self, ctx: Context, vm: Resource) -> dict[str, Any]:
        props = vm["body"]["properties"]
        running = ctx.store.operations_for(vm["id"].lower())
        kind = running[0]["kind"] if running else ""
        state = props["provisioningState"]
        when = vm["changed"]
        status = {"code": f"ProvisioningState/{state.lower()}", "level": "Info",
                  "displayStatus": "Provisioning succeeded" if state == "Succeeded" else state}
        if state == "Succeeded":
            status["time"] = when
        elif state == "Failed":
            status.update(level="Error", displayStatus="Provisioning failed")
        power = {"create": "starting"}.get(kind) or POWER_ACTIONS.get(kind) or vm["internal"].get("power", "running")
        statuses = [status, {"code": f"PowerState/{power}", "level": "Info", "displayStatus": POWER_DISPLAY[power]}]
        if vm["internal"].get("generalized"):
            statuses.insert(1, {"code": "OSState/generalized", "level": "Info", "displayStatus": "VM generalized"})
        disks = [props["storageProfile"]["osDisk"]] + props["storageProfile"]["dataDisks"]
        entry = vm_profile.image_entry(ctx, props["storageProfile"]["imageReference"])
        view = {"computerName": props["osProfile"]["computerName"], "hyperVGeneration": entry[0],
                "disks": [{"name": d["name"], "statuses": [{"code": "ProvisioningState/succeeded", "level": "Info",
                                                            "displayStatus": "Provisioning succeeded",
                                                            "time": when}]} for d in disks],
                "statuses": statuses}
        if power != "deallocated":
            view.update(osName=entry[3], osVersion=entry[4])
            ready = power == "running"
            windows = catalogue.os_type(entry) == "Windows"
            agent = ("2.7.41491.1131" if windows else "2.13.1.1") if ready else "Unknown"
            view["vmAgent"] = {"vmAgentVersion": agent, "extensionHandlers": [],
                               "statuses": [{"code": "ProvisioningState/succeeded" if ready else
                                             "ProvisioningState/Unavailable", "level": "Info" if ready else "Warning",
                                             "displayStatus": "Ready" if ready else "Not Ready",
                                             "message": "Guest Agent is running" if ready else
                                             "VM status blob is found but not yet populated.", "time": when}]}
        extensions = ctx.store.resources(vm["id"] + "/extensions/", ["Microsoft.Compute/virtualMachines/extensions"])
        if extensions:
            views = [EXTENSIONS.extension_view(ctx, e) for e in extensions]
            view["extensions"] = views
            if "vmAgent" in view:
                view["vmAgent"]["extensionHandlers"] = [
                    {"type": v["type"], "typeHandlerVersion": v["typeHandlerVersion"],
                     "status": {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Ready"}}
                    for v in views]
        if (props.get("diagnosticsProfile") or {}).get("bootDiagnostics", {}).get("enabled"):
            view["bootDiagnostics"] = {}
        view.update(ctx.backend.instance_view(ctx, vm))
        return view

    # completion hooks ---------------------------------------------------------------------------
    def provisioned(self, ctx: Context, resource: Resource) -> None:
        """A create/update completed: create and attach its disks, detach removed ones, run the backend."""
        props = resource["body"]["properties"]
        storage = props["storageProfile"]
        entry = vm_profile.image_entry(ctx, storage["imageReference"])
        wanted = {storage["osDisk"]["managedDisk"]["id"].lower()}
        DISKS.attach(ctx, resource, storage["osDisk"], (entry, storage["imageReference"]))
        for disk in storage["dataDisks"]:
            DISKS.attach(ctx, resource, disk)
            wanted.add(disk["managedDisk"]["id"].lower())
        for disk in DISKS.attached_to(ctx, resource["id"]):
            if disk["id"].lower() not in wanted:
                DISKS.detach(ctx, disk)
        vm_backend = ctx.backend
        if not vm_backend.asynchronous:  # an asynchronous backend did its work in background_work
            vm_backend.provision(ctx, resource)
        self.save(ctx, resource["id"], resource["body"], resource["internal"])

    # backend work outside the request's transaction (asynchronous backends) --------------------
    BACKEND_KINDS = ("create", "update", "delete", "reimage", "runCommand") + tuple(POWER_AFTER)

    def background_work(self, ctx: Context, target: str, kind: str) -> Work | None:
        vm_backend = ctx.backend
        if not vm_backend.asynchronous or kind not in self.BACKEND_KINDS:
            return None
        if kind == "runCommand":
            return self.run_command_work(ctx, target)

        def work(wctx: Context) -> None:
            vm = wctx.store.resource(target)
            if vm is None:
                return
            if kind in ("create", "update"):
                vm_backend.provision(wctx, vm)
                self.save_internal(wctx, target, "backend", vm["internal"].get("backend"))
            elif kind == "delete":
                vm_backend.delete(wctx, vm)
                self.machine_deleted(wctx, vm)
            elif kind == "reimage":
                vm_backend.delete(wctx, vm, keep_os_disk=False)
                vm_backend.provision(wctx, vm)
                self.save_internal(wctx, target, "backend", vm["internal"].get("backend"))
            else:
                vm_backend.power(wctx, vm, backend_action(kind))
        return work

    def background_removal(self, ctx: Context, resource: Resource) -> Work | None:
        """Work for a resource group deletion: remove the machine (and its OS disk data: the disk goes too)."""
        vm_backend = ctx.backend
        if not vm_backend.asynchronous:
            return None
        target = resource["id"]

        def work(wctx: Context) -> None:
            vm = wctx.store.resource(target)
            if vm is None or (vm["internal"].get("backend") or {}).get("deleted"):
                return
            vm_backend.delete(wctx, vm, keep_os_disk=False)
            self.machine_deleted(wctx, vm)
        return work

    def machine_deleted(self, ctx: Context, vm: Resource) -> None:
        """Record that the backend removed the VM's machine (its release then leaves the backend alone)."""
        self.save_internal(ctx, vm["id"], "backend", dict(vm["internal"].get("backend") or {}, deleted=True))

    def release(self, ctx: Context, resource: Resource) -> None:
        """The VM goes: stop its backend, then delete or detach NICs and disks per their deleteOption."""
        if not (resource["internal"].get("backend") or {}).get("deleted"):
            ctx.backend.delete(ctx, resource)
        props = resource["body"]["properties"]
        for reference in props.get("networkProfile", {}).get("networkInterfaces", []):
            if (reference.get("properties") or {}).get("deleteOption") == "Delete" and \
                    ctx.store.resource(reference["id"]):
                self.remove(ctx, reference["id"])
        storage = props.get("storageProfile", {})
        for disk in [storage.get("osDisk")] + storage.get("dataDisks", []):
            record = ctx.store.resource(((disk or {}).get("managedDisk") or {}).get("id") or "")
            if record is None:
                continue
            if disk.get("deleteOption") == "Delete":
                self.remove(ctx, record["id"])
            else:
                DISKS.detach(ctx, record)

    # power actions --------------------------------------------------------------------------------
    def power_action(self, ctx: Context, resource: Resource, action: str) -> Response:
        name = resource["body"]["name"]
        if ctx.store.operations_for(resource["id"].lower()):
            raise ArmError(409, "OperationNotAllowed", f"Operation '{action}' is not allowed on VM '{name}' since "
                           "another operation is in progress on it. Retry after it completes.")
        props = resource["body"]["properties"]
        if resource["internal"].get("generalized") and action in ("start", "restart"):
            raise ArmError(409, "OperationNotAllowed", f"Operation '{action}' is not allowed on VM '{name}' since the "
                           "VM is generalized.")
        if action == "restart" and resource["internal"].get("power") == "deallocated":
            raise ArmError(409, "OperationNotAllowed", f"Operation 'restart' is not allowed on VM '{name}' since the "
                           "VM is deallocated. Start the VM instead.")
        props["provisioningState"] = "Updating"
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return Response(202, None, self.start_operation(ctx, resource["id"], action, resource["body"]["location"]))

    def action_start(self, ctx: Context, resource: Resource) -> Response:
        return self.power_action(ctx, resource, "start")

    def action_poweroff(self, ctx: Context, resource: Resource) -> Response:
        return self.power_action(ctx, resource, "poweroff")

    def action_deallocate(self, ctx: Context, resource: Resource) -> Response:
        return self.power_action(ctx, resource, "deallocate")

    def action_restart(self, ctx: Context, resource: Resource) -> Response:
        return self.power_action(ctx, resource, "restart")

    def complete(self, ctx: Context, op: Operation) -> dict[str, Any] | None:
        if op["kind"] not in POWER_AFTER:
            return super().complete(ctx, op)
        resource = self.operation_target(ctx, op)
        vm_backend = ctx.backend
        if not vm_backend.asynchronous:  # an asynchronous backend did it in background_work
            vm_backend.power(ctx, resource, backend_action(op["kind"]))
        if not (op["kind"] == "poweroff" and resource["internal"].get("power") == "deallocated"):
            resource["internal"]["power"] = POWER_AFTER[op["kind"]]  # powering off a deallocated VM keeps it so
        resource["body"]["properties"]["provisioningState"] = "Succeeded"
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return None


VMS = PROVIDER.instance(VirtualMachines)


def _vm(ctx: Context, subscription: str, rg: str, vm: str) -> Resource:
    return VMS.get_existing(ctx, resource_id(ctx, subscription, rg, PROVIDER.namespace, ["virtualMachines"], [vm]))


@PROVIDER.route(["GET"], VM_PATH + "/instanceView", VM_VERSIONS)
def vm_instance_view(ctx: Context, subscription: str, rg: str, vm: str) -> Response:
    return Response(200, VMS.instance_view(ctx, _vm(ctx, subscription, rg, vm)))


@PROVIDER.route(["GET"], VM_PATH + "/vmSizes", VM_VERSIONS)
def vm_available_sizes(ctx: Context, subscription: str, rg: str, vm: str) -> Response:
    record = _vm(ctx, subscription, rg, vm)
    reference = record["body"]["properties"]["storageProfile"]["imageReference"]
    entry = vm_profile.image_entry(ctx, reference)
    sizes = [name for name, figures in catalogue.SIZES.items() if catalogue.can_boot(name, figures, entry)]
    return Response(200, {"value": [catalogue.size_entry(name) for name in sizes]})


@PROVIDER.route(["GET"], LOCATION_PATH + "/virtualMachines", VM_VERSIONS, manifest_type="locations/virtualMachines")
def vms_by_location(ctx: Context, subscription: str, location: str) -> Response:
    name = catalogue._location(location)
    vms = [vm for vm in ctx.store.resources(f"/subscriptions/{ctx.subscription}/", [VM_TYPE])
           if vm["body"].get("location") == name]
    return Response(200, {"value": [VMS.render(ctx, vm) for vm in vms]})
