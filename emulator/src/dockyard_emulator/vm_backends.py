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

Each receives the stored VM record (``vm["body"]`` the ARM representation, ``vm["internal"]`` the
emulator-private data, including the ``customData`` ARM never returns) and may keep its own data in
``vm["internal"]["backend"]`` (the provider saves the record afterwards). Raise ``ArmError`` to
fail the operation; the LRO then ends Failed with that error.

``none`` keeps metadata only. Another backend lives in ``dockyard_emulator.backends.<name>``,
which is imported on first use and registers its class in ``BACKENDS`` (constructed with the app).
"""

import importlib

from .web import ArmError


class VmBackend:
    name = ""

    def __init__(self, app=None):
        self.app = app

    def provision(self, ctx, vm):
        """Create or reconfigure the machine for ``vm``."""

    def power(self, ctx, vm, action):
        """Apply a power action: 'start', 'powerOff', 'deallocate' or 'restart'."""

    def delete(self, ctx, vm):
        """Remove the machine of ``vm`` (its disks are handled by the provider)."""

    def delete_disk(self, ctx, disk):
        """Drop what the backend keeps for the disk resource ``disk``."""

    def instance_view(self, ctx, vm):
        """Fields to merge into the VM's instance view."""
        return {}

    def addresses(self, ctx, vm):
        return None


class NoneBackend(VmBackend):
    """Metadata only: every operation succeeds at once."""

    name = "none"


BACKENDS = {"none": NoneBackend}


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
        instances[name] = BACKENDS[name](app)
    return instances[name]
