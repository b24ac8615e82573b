"""The ``container`` VM backend: ARM's VM records in, container VMs (:mod:`.machines`) out.

The VM key is the lower-cased ARM id. The machines' id (labels, network name) is kept in the
state dir, so a restarted emulator finds its containers again. Errors of the machines are
answered by their class (:mod:`dockyard_emulator.errors`): a refused setting is a 400
``InvalidParameter``, a vanished container a 409 ``VMNotFoundInBackend``, anything else a 500
``OSProvisioningInternalError``.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docker.errors

from ...errors import ArmError, BackendError, VmNotFound
from ..protocol import RUN_COMMAND_TIMEOUT
from .guest import MachineSpec
from .machines import ContainerMachines

if TYPE_CHECKING:
    from ...context import Context
    from ...store import Resource

log = logging.getLogger("dockyard_emulator.backends.container")


def vm_key(vm: Resource) -> str:
    return vm["id"].lower()


def machine_spec(vm: Resource) -> MachineSpec:
    """What the VM's container is made from, read from its ARM record."""
    props = vm["body"]["properties"]
    profile = props.get("osProfile") or {}
    linux = profile.get("linuxConfiguration") or {}
    keys = [k.get("keyData", "") for k in (linux.get("ssh") or {}).get("publicKeys") or []]
    return {"computer_name": profile.get("computerName") or vm["body"]["name"],
            "admin_username": profile.get("adminUsername"), "ssh_public_keys": keys,
            "custom_data": (vm.get("internal") or {}).get("customData"),
            "os_disk_name": ((props.get("storageProfile") or {}).get("osDisk") or {}).get("name")}


def arm_error(exc: BackendError) -> ArmError:
    """The ARM error a failed machine operation is answered with (status and code from its class)."""
    if isinstance(exc, VmNotFound):
        return ArmError(exc.status, exc.code, f"The VM's container is gone: {exc}. Delete and recreate the VM.")
    return ArmError(exc.status, exc.code, f"Container VM: {exc}")


def planned_addresses(ctx: Context, vm: Resource) -> tuple[str | None, list[str]]:
    """(the address of the VM's public IP resource or None, the addresses other public IPs hold)."""
    if getattr(ctx, "store", None) is None:
        return None, []
    pips = ctx.store.resources(f"/subscriptions/{ctx.subscription}/", ["Microsoft.Network/publicIPAddresses"])
    avoid = {p["body"]["properties"].get("ipAddress") for p in pips} - {None}
    references = vm["body"]["properties"].get("networkProfile", {}).get("networkInterfaces", [])
    primary = next((r for r in references if (r.get("properties") or {}).get("primary")), None) or \
        (references[0] if references else None)
    nic = ctx.store.resource(primary["id"]) if primary else None
    wanted = None
    for config in (nic["body"]["properties"].get("ipConfigurations", []) if nic else []):
        pip_id = (config["properties"].get("publicIPAddress") or {}).get("id")
        if config["properties"].get("primary") and pip_id:
            pip = ctx.store.resource(pip_id)
            wanted = pip and pip["body"]["properties"].get("ipAddress")
    avoid.discard(wanted)
    return wanted, sorted(avoid)


class ContainerBackend:
    """Implements :class:`~dockyard_emulator.backends.protocol.VmBackend` with container VMs."""

    name = "container"
    asynchronous = True  # booting a VM or running a script takes seconds to minutes: not in a transaction
    os_families = ("Linux",)  # every image boots the emulator's Debian system image: no Windows

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._machines: ContainerMachines | None = None
        self._lock = threading.Lock()

    def machines(self) -> ContainerMachines:
        """The container VMs (the Docker engine is reached on first use)."""
        with self._lock:
            if self._machines is None:
                try:
                    self._machines = ContainerMachines(self.state_dir)
                except docker.errors.DockerException as exc:
                    raise ArmError(500, "VMBackendNotAvailable", f"The container VM backend cannot reach the Docker "
                                   f"engine: {exc}. Start Docker or restart the emulator with --vm-backend none.") from exc
            return self._machines

    def public_address(self, ctx: Context, taken: set[str]) -> str | None:
        """Public IP resources get their (static) address on the VM network when they are created."""
        try:
            return self.machines().free_address(taken)
        except (BackendError, docker.errors.DockerException) as exc:
            log.warning("no address on the VM network for a public IP: %s", exc)
            return None

    def host_address(self, ctx: Context) -> str | None:
        """The gateway of the VMs' bridge network: this machine's address on it (made when missing)."""
        try:
            return self.machines().gateway()
        except (BackendError, docker.errors.DockerException) as exc:
            log.warning("no address on the VM network for this machine: %s", exc)
            return None

    def provision(self, ctx: Context, vm: Resource) -> None:
        machines, key = self.machines(), vm_key(vm)
        internal = vm.setdefault("internal", {})
        power = internal.get("power", "running")
        try:
            if not machines.exists(key):
                wanted, avoid = planned_addresses(ctx, vm)
                machines.create(key, {**machine_spec(vm), "address": wanted, "avoid_addresses": avoid})
                if power in ("stopped", "deallocated"):
                    machines.stop(key)
            elif power == "running" and machines.power_state(key) != "running":
                machines.start(key)
            internal["backend"] = {"kind": self.name, "container": machines.container_name(key),
                                   "address": machines.address(key)}
        except BackendError as exc:
            raise arm_error(exc) from exc

    def power(self, ctx: Context, vm: Resource, action: str) -> None:
        machines, key = self.machines(), vm_key(vm)
        try:
            {"start": machines.start, "powerOff": machines.stop, "deallocate": machines.deallocate,
             "restart": machines.restart}[action](key)
        except BackendError as exc:
            raise arm_error(exc) from exc

    def delete(self, ctx: Context, vm: Resource, keep_os_disk: bool | None = None) -> None:
        """The OS disk's data is kept (committed) unless its deleteOption is Delete; see delete_disk."""
        os_disk = ((vm["body"]["properties"].get("storageProfile") or {}).get("osDisk") or {})
        if keep_os_disk is None:
            keep_os_disk = os_disk.get("deleteOption") != "Delete"
        self.machines().delete(vm_key(vm), keep_os_disk=keep_os_disk)

    def reconcile(self, ctx: Context, vms: list[Resource]) -> None:
        """Emulator start: find the containers by label and give them the power state ARM records."""
        machines = self.machines()
        found = {v["vm_key"]: v for v in machines.find_existing()}
        for vm in vms:
            data = (vm.get("internal") or {}).get("backend") or {}
            if data.get("kind") != self.name or data.get("deleted") or ctx.store.operations_for(vm["id"].lower()):
                continue
            key, want = vm_key(vm), vm["internal"].get("power", "running")
            have = found.get(key)
            if have is None:
                log.warning("the container of VM %s is gone; delete and recreate the VM", vm["id"])
                continue
            try:
                if want == "running" and have["power_state"] != "running":
                    log.info("starting the container of VM %s (ARM: running)", vm["id"])
                    machines.start(key)
                elif want in ("stopped", "deallocated") and have["power_state"] == "running":
                    log.info("stopping the container of VM %s (ARM: %s)", vm["id"], want)
                    machines.stop(key)
            except BackendError as exc:
                log.warning("could not reconcile VM %s: %s", vm["id"], exc)

    def delete_disk(self, ctx: Context, disk: Resource) -> None:
        """A Microsoft.Compute/disks resource is deleted: drop the data a VM delete kept for it."""
        self.machines().delete_os_disk(disk["body"]["name"])

    def instance_view(self, ctx: Context, vm: Resource) -> dict[str, Any]:
        if self.machines().power_state(vm_key(vm)) != "running":
            return {}
        return {"computerName": machine_spec(vm)["computer_name"], "osName": "debian", "osVersion": "12"}

    def machine_info(self, ctx: Context, vm: Resource, lines: int = 40) -> dict[str, Any] | None:
        """For the web view: the VM's container, address, container state and the tails of its logs."""
        machines, key = self.machines(), vm_key(vm)
        info: dict[str, Any] = {"container": machines.container_name(key), "address": machines.address(key)}
        try:
            info.update(machines.logs(key, lines))
        except VmNotFound:
            info["status"] = "missing"
        return info

    def addresses(self, ctx: Context, vm: Resource) -> tuple[str, int] | None:
        address = self.machines().address(vm_key(vm))
        return (address, 22) if address else None

    def run_command(self, ctx: Context, vm: Resource, script: str | bytes, env: dict[str, str] | None = None,
                    timeout: float = RUN_COMMAND_TIMEOUT) -> tuple[int, str, str] | None:
        """For the Custom Script extension: (exit code, stdout tail, stderr tail)."""
        try:
            return self.machines().run_command(vm_key(vm), script, env or {}, timeout)
        except BackendError as exc:
            raise arm_error(exc) from exc
