"""The seam between the Compute provider and what stands behind a VM (``--vm-backend``).

The Compute provider keeps ARM's view (model, provisioning and power state, instance view, disks)
and calls its emulator's backend at these points:

- ``provision(ctx, vm)``      a create or update completed (the VM is to be running afterwards,
                              unless it was deallocated/stopped and the update keeps it so)
- ``power(ctx, vm, action)``  start | powerOff | deallocate | restart completed
- ``delete(ctx, vm)``         the VM is being removed (directly or with its resource group); its
                              disks are then deleted or detached per their deleteOption
- ``delete_disk(ctx, disk)``  a Microsoft.Compute/disks resource is being removed (a backend that
                              keeps a VM's OS disk data after the VM went drops it here)
- ``instance_view(ctx, vm)``  extra instance-view fields the backend knows (e.g. the real OS name)
- ``addresses(ctx, vm)``      where the VM answers (host, port) for SSH, or None
- ``run_command(ctx, vm, script, env, timeout)``  run a script in the VM as root (the Custom Script
                              extension): (exit code, stdout tail, stderr tail), or None when the
                              backend has no machine to run it in (``none``: extensions are metadata)
- ``reconcile(ctx, vms)``     at emulator start: find the machines of the stored VMs again and
                              bring their power state in line with ARM's
- ``public_address(ctx, taken)``  an address for a new public IP resource where the backend's VMs
                              answer, or None (the Network provider then takes one of 198.18.0.0/15)
- ``host_address(ctx)``       the address of this machine that the backend's VMs reach (where services
                              the VMs use listen, e.g. container registries), or None: loopback only
- ``machine_info(ctx, vm, lines)``  read-only, for the web view (``webui``): the machine's name,
                              address and state and the last ``lines`` of its console and custom data
                              output, or None when there is no machine (``none``)

A backend whose work is slow sets ``asynchronous = True``: the provider then runs ``provision``,
``power``, ``delete`` and ``run_command`` in a background thread (``lro.start(work=...)``), outside
the store transaction, and completes the operation afterwards.

Each receives the stored VM record (``vm["body"]`` the ARM representation, ``vm["internal"]`` the
emulator-private data, including the ``customData`` ARM never returns) and may keep its own data in
``vm["internal"]["backend"]`` (the provider saves the record afterwards). Raise ``ArmError`` to
fail the operation; the LRO then ends Failed with that error.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..context import Context
    from ..store import Resource

# The Custom Script extension's time limit: what ``run_command`` gets when no other is given.
RUN_COMMAND_TIMEOUT = 5400.0


class VmBackend(Protocol):
    """What the Compute provider needs from a VM backend (see the module's docstring)."""

    name: str
    asynchronous: bool   # slow work: run it outside the request's transaction
    os_families: tuple[str, ...]  # the OS families it can boot ("Linux", "Windows"): others are refused at PUT

    def provision(self, ctx: Context, vm: Resource) -> None:
        """Create or reconfigure the machine for ``vm``."""

    def power(self, ctx: Context, vm: Resource, action: str) -> None:
        """Apply a power action: 'start', 'powerOff', 'deallocate' or 'restart'."""

    def delete(self, ctx: Context, vm: Resource, keep_os_disk: bool | None = None) -> None:
        """Remove the machine of ``vm`` (its disks are handled by the provider). ``keep_os_disk`` None: per
        the OS disk's deleteOption; False: the OS disk goes too (resource group deletion)."""

    def delete_disk(self, ctx: Context, disk: Resource) -> None:
        """Drop what the backend keeps for the disk resource ``disk``."""

    def instance_view(self, ctx: Context, vm: Resource) -> dict[str, Any]:
        """Fields to merge into the VM's instance view."""

    def addresses(self, ctx: Context, vm: Resource) -> tuple[str, int] | None:
        """(host, port) where the VM's sshd answers, or None."""

    def run_command(self, ctx: Context, vm: Resource, script: str | bytes, env: dict[str, str] | None = None,
                    timeout: float = RUN_COMMAND_TIMEOUT) -> tuple[int, str, str] | None:
        """(exit code, stdout tail, stderr tail) of ``script`` run as root in the VM; None: no machine."""

    def reconcile(self, ctx: Context, vms: list[Resource]) -> None:
        """Emulator start: find the machines of ``vms`` (stored VM records) again."""

    def public_address(self, ctx: Context, taken: set[str]) -> str | None:
        """An address for a new public IP resource where the backend's VMs answer, or None."""

    def host_address(self, ctx: Context) -> str | None:
        """This machine's address as the VMs reach it (and this machine too), or None (loopback only)."""

    def machine_info(self, ctx: Context, vm: Resource, lines: int = 40) -> dict[str, Any] | None:
        """{"container", "address", "status", "console", "custom_data"} of ``vm``'s machine, or None."""
