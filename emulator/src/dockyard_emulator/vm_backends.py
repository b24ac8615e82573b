"""VM backends: what stands behind a Microsoft.Compute/virtualMachines resource.

The Compute provider keeps ARM's view (model, provisioning and power state, instance view) and
calls the backend chosen with ``--vm-backend`` at these points:

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

A backend whose work is slow sets ``asynchronous = True``: the provider then runs ``provision``,
``power``, ``delete`` and ``run_command`` in a background thread (``lro.start(work=...)``), outside
the store transaction, and completes the operation afterwards.

Each receives the stored VM record (``vm["body"]`` the ARM representation, ``vm["internal"]`` the
emulator-private data, including the ``customData`` ARM never returns) and may keep its own data in
``vm["internal"]["backend"]`` (the provider saves the record afterwards). Raise ``ArmError`` to
fail the operation; the LRO then ends Failed with that error.

``none`` keeps metadata only. Another backend lives in ``dockyard_emulator.backends.<name>``;
``BACKENDS`` names it as ``"module:Class"`` and it is imported on first use only, so the ``none``
backend never needs the Docker SDK.
"""

import importlib
import logging
import threading

from .web import ArmError

log = logging.getLogger("dockyard_emulator.vm_backends")


class VmBackend:
    name = ""
    asynchronous = False   # slow work: run it outside the request's transaction

    def __init__(self, app=None):
        self.app = app

    def provision(self, ctx, vm):
        """Create or reconfigure the machine for ``vm``."""

    def power(self, ctx, vm, action):
        """Apply a power action: 'start', 'powerOff', 'deallocate' or 'restart'."""

    def delete(self, ctx, vm, keep_os_disk=None):
        """Remove the machine of ``vm`` (its disks are handled by the provider). ``keep_os_disk`` None: per
        the OS disk's deleteOption; False: the OS disk goes too (resource group deletion)."""

    def delete_disk(self, ctx, disk):
        """Drop what the backend keeps for the disk resource ``disk``."""

    def instance_view(self, ctx, vm):
        """Fields to merge into the VM's instance view."""
        return {}

    def addresses(self, ctx, vm):
        return None

    def run_command(self, ctx, vm, script, env=None, timeout=5400.0):
        """(exit code, stdout tail, stderr tail) of ``script`` run as root in the VM; None: no machine."""
        return None

    def reconcile(self, ctx, vms):
        """Emulator start: find the machines of ``vms`` (stored VM records) again."""

    def public_address(self, ctx, taken):
        """An address for a new public IP resource where the backend's VMs answer, or None (198.18.0.0/15)."""
        return None


class NoneBackend(VmBackend):
    """Metadata only: every operation succeeds at once."""

    name = "none"


BACKENDS = {"none": NoneBackend, "container": "dockyard_emulator.backends.container:ContainerBackend"}


def _resolve(name):
    entry = BACKENDS.get(name)
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        try:
            entry = getattr(importlib.import_module(module), attr)
        except ImportError as exc:
            raise ArmError(500, "VMBackendNotAvailable", f"The emulator's VM backend '{name}' cannot be loaded: "
                           f"{exc}. Install what it needs (the Docker SDK: pip install docker) or restart the "
                           "emulator with --vm-backend none.") from exc
        BACKENDS[name] = entry
    return entry


def backend(app):
    """The backend instance configured for ``app`` (one per emulator process)."""
    name = app.settings.get("vm_backend") or "none"
    instances = app.__dict__.setdefault("_vm_backends", {})
    if name not in instances:
        if name not in BACKENDS:
            try:
                importlib.import_module(f"{__package__}.backends.{name}")
            except ImportError:
                pass
        if name not in BACKENDS:
            raise ArmError(400, "VMBackendNotAvailable", f"The emulator's VM backend '{name}' is not available in "
                           f"this version (available: {', '.join(sorted(BACKENDS))}). Restart the emulator with "
                           "--vm-backend none.")
        instances[name] = _resolve(name)(app)
    return instances[name]


def startup(app):
    """At emulator start (serve): reconcile the stored VMs with the backend's machines, in the background."""
    if (app.settings.get("vm_backend") or "none") == "none":
        return None
    from .arm import Context

    def run():
        ctx = Context(app)
        try:
            vms = app.store.resources("/subscriptions/", ["Microsoft.Compute/virtualMachines"])
            backend(app).reconcile(ctx, vms)
        except Exception:  # noqa: BLE001 - a failed reconcile must not stop the emulator
            log.exception("reconciling the VMs with the %s backend failed", app.settings.get("vm_backend"))

    thread = threading.Thread(target=run, name="vm-reconcile", daemon=True)
    thread.start()
    return thread
