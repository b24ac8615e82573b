"""The virtual machine actions besides power (those are in :mod:`.virtual_machines`): redeploy, reapply,
reimage, generalize, capture, attachDetachDataDisks, convertToManagedDisks, migrateToVirtualMachineScaleSet,
performMaintenance, simulateEviction, retrieveBootDiagnosticsData. Mixed into the VM resource type.

What each does, as Azure does it: long-running ones answer 202 with Azure-AsyncOperation and Location;
``generalize`` answers 200 at once and needs a stopped VM, and a generalized VM can no longer be started
(only captured into an image); ``redeploy`` and ``reapply`` keep the power state; ``reimage`` gives the VM a
fresh OS disk (with container VMs the machine is really rebuilt from its image, custom data run again);
data disks attach and detach as ``storageProfile.dataDisks`` edits would. Scale-set migration and the
conversion to managed disks are accepted as metadata (every emulated VM already has managed disks).
"""
from __future__ import annotations

from typing import Any

from ...context import Context
from ...errors import ArmError
from ...store import Operation, Resource
from ...web import Response
from .common import DISK_TYPE, delete_option, invalid
from .disks import DISKS
from .vm_storage import caching

EXTRA_ACTIONS = ("redeploy", "reapply", "reimage", "generalize", "capture", "attachDetachDataDisks",
                 "convertToManagedDisks", "migrateToVirtualMachineScaleSet", "performMaintenance", "simulateEviction",
                 "retrieveBootDiagnosticsData", "runCommand")


def not_allowed(action: str, vm: Resource, why: str) -> ArmError:
    return ArmError(409, "OperationNotAllowed", f"Operation '{action}' is not allowed on VM '{vm['body']['name']}' "
                    f"since {why}.")


class VmActions:
    """Actions of Microsoft.Compute/virtualMachines (see the module docstring)."""

    def _start(self, ctx: Context, vm: Resource, kind: str, headers: tuple[str, ...] | None = None) -> Response:
        rtype: Any = self
        if ctx.store.operations_for(vm["id"].lower()):
            raise not_allowed(kind, vm, "another operation is in progress on it. Retry after it completes")
        return Response(202, None, rtype.start_operation(ctx, vm["id"], kind, vm["body"]["location"], headers))

    # power-state preserving maintenance ----------------------------------------------------------
    def action_redeploy(self, ctx: Context, vm: Resource) -> Response:
        return self._start(ctx, vm, "redeploy")

    def action_reapply(self, ctx: Context, vm: Resource) -> Response:
        return self._start(ctx, vm, "reapply")

    def action_converttomanageddisks(self, ctx: Context, vm: Resource) -> Response:
        return self._start(ctx, vm, "convertToManagedDisks")

    def action_migratetovirtualmachinescaleset(self, ctx: Context, vm: Resource) -> Response:
        return self._start(ctx, vm, "migrateToVirtualMachineScaleSet", ("Location",))

    def action_reimage(self, ctx: Context, vm: Resource) -> Response:
        request = ctx.request.json(required=False) if ctx.request else {}
        if vm["internal"].get("generalized"):
            raise not_allowed("reimage", vm, "the VM is generalized")
        secrets = (request.get("osProfile") or {}) if isinstance(request, dict) else {}
        if secrets.get("customData"):
            vm["internal"]["customData"] = secrets["customData"]
        rtype: Any = self
        rtype.save(ctx, vm["id"], vm["body"], vm["internal"])
        return self._start(ctx, vm, "reimage")

    def complete_redeploy(self, ctx: Context, vm: Resource, op: Operation) -> None:
        return None

    def complete_reapply(self, ctx: Context, vm: Resource, op: Operation) -> None:
        return None

    def complete_convertToManagedDisks(self, ctx: Context, vm: Resource, op: Operation) -> None:  # noqa: N802
        return None

    def complete_migrateToVirtualMachineScaleSet(self, ctx: Context, vm: Resource, op: Operation) -> None:  # noqa: N802
        return None

    def complete_reimage(self, ctx: Context, vm: Resource, op: Operation) -> None:
        backend = ctx.backend
        if not backend.asynchronous:  # an asynchronous backend rebuilt the machine in its background work
            backend.delete(ctx, vm, keep_os_disk=False)
            backend.provision(ctx, vm)
        return None

    # generalize / capture -------------------------------------------------------------------------
    def action_generalize(self, ctx: Context, vm: Resource) -> Response:
        if vm["internal"].get("power", "running") not in ("stopped", "deallocated"):
            raise not_allowed("generalize", vm, "the VM is running. Please power off explicitly in case you shut "
                              "down the VM from inside the guest operating system")
        vm["internal"]["generalized"] = True
        rtype: Any = self
        rtype.save(ctx, vm["id"], vm["body"], vm["internal"])
        return Response(200)

    def action_capture(self, ctx: Context, vm: Resource) -> Response:
        raise ArmError(409, "OperationNotAllowed", f"Capture operation is not supported for virtual machine "
                       f"'{vm['body']['name']}' because it has managed disks: create an image "
                       "(Microsoft.Compute/images) with sourceVirtualMachine set to the generalized VM instead.")

    # data disks -----------------------------------------------------------------------------------
    def action_attachdetachdatadisks(self, ctx: Context, vm: Resource) -> Response:
        request = ctx.json()
        storage = vm["body"]["properties"]["storageProfile"]
        disks = list(storage.get("dataDisks", []))
        for item in request.get("dataDisksToDetach") or []:
            target = str(item.get("diskId") or "").lower()
            disks = [d for d in disks if d["managedDisk"]["id"].lower() != target]
        for item in request.get("dataDisksToAttach") or []:
            record = ctx.store.resource(str(item.get("diskId") or ""))
            if record is None or record["type"] != DISK_TYPE.lower():
                raise ArmError(404, "NotFound", f"Disk '{item.get('diskId')}' was not found.",
                               target="dataDisksToAttach.diskId")
            owner = record["body"].get("managedBy")
            if owner and owner.lower() != vm["id"].lower():
                raise ArmError(409, "OperationNotAllowed", f"Disk {record['body']['name']} is attached to VM {owner}.",
                               target="dataDisksToAttach")
            used = {d["lun"] for d in disks}
            lun = item.get("lun", next(n for n in range(64) if n not in used))
            if lun in used:
                raise invalid(f"A disk at LUN {lun} already exists.", "dataDisksToAttach.lun")
            disks.append({"lun": lun, "name": record["body"]["name"], "createOption": "Attach",
                          "caching": caching(item.get("caching") or "None", "dataDisksToAttach.caching"),
                          "writeAcceleratorEnabled": bool(item.get("writeAcceleratorEnabled")),
                          "managedDisk": {"storageAccountType": record["body"]["sku"]["name"], "id": record["id"]},
                          "deleteOption": delete_option(item.get("deleteOption") or "Detach",
                                                        "dataDisksToAttach.deleteOption"),
                          "diskSizeGB": record["body"]["properties"].get("diskSizeGB", 0), "toBeDetached": False})
        storage["dataDisks"] = sorted(disks, key=lambda d: d["lun"])
        rtype: Any = self
        rtype.save(ctx, vm["id"], vm["body"], vm["internal"])
        return self._start(ctx, vm, "attachDetachDataDisks")

    def complete_attachDetachDataDisks(self, ctx: Context, vm: Resource, op: Operation) -> dict[str, Any]:  # noqa: N802
        storage = vm["body"]["properties"]["storageProfile"]
        wanted = {d["managedDisk"]["id"].lower() for d in storage["dataDisks"]}
        wanted.add(storage["osDisk"]["managedDisk"]["id"].lower())
        for disk in storage["dataDisks"]:
            DISKS.attach(ctx, vm, disk)
        for disk in DISKS.attached_to(ctx, vm["id"]):
            if disk["id"].lower() not in wanted:
                DISKS.detach(ctx, disk)
        result: dict[str, Any] = dict(storage)
        return result

    # the others -------------------------------------------------------------------------------------
    def action_performmaintenance(self, ctx: Context, vm: Resource) -> Response:
        raise not_allowed("performMaintenance", vm, "the Subscription of this VM is not eligible")

    def action_simulateeviction(self, ctx: Context, vm: Resource) -> Response:
        if vm["body"]["properties"].get("priority") != "Spot":
            raise ArmError(409, "OperationNotAllowed", "Simulate eviction is supported only for Azure Spot virtual "
                           "machines.")
        rtype: Any = self
        if vm["body"]["properties"].get("evictionPolicy") == "Delete":
            rtype.start_operation(ctx, vm["id"], "delete", vm["body"]["location"])
        else:
            rtype.start_operation(ctx, vm["id"], "deallocate", vm["body"]["location"])
        return Response(204)

    def action_retrievebootdiagnosticsdata(self, ctx: Context, vm: Resource) -> Response:
        if not (vm["body"]["properties"].get("diagnosticsProfile") or {}).get("bootDiagnostics", {}).get("enabled"):
            raise ArmError(409, "OperationNotAllowed", "Boot diagnostics are not enabled for this virtual machine.")
        base = f"https://emulator-bootdiag.blob.core.windows.net/bootdiagnostics-{vm['body']['name'].lower()}"
        return Response(200, {"consoleScreenshotBlobUri": f"{base}/{vm['body']['name']}.screenshot.bmp?sv=2018-03-28",
                              "serialConsoleLogBlobUri": f"{base}/{vm['body']['name']}.serialconsole.log?sv=2018-03-28"})

