"""The ``container`` VM backend: every VM is a system container with sshd and room for its own Docker.

- :mod:`.backend`     :class:`ContainerBackend`, the ``VmBackend`` the Compute provider calls (ARM records in)
- :mod:`.machines`    :class:`ContainerMachines`, the containers' lifecycle (create, power, delete, run)
- :mod:`.guest`       what is written into a new VM (provisioning script, boot service) and its checks
- :mod:`.cloud_init`  custom data turned into the first-boot script cloud-init would run
- :mod:`.image`       the Debian system image the VMs boot, built locally with debootstrap

Cleanup of everything one emulator's backend made: ``ContainerMachines(state_dir).cleanup()``.
"""
from .backend import ContainerBackend
from .machines import ContainerMachines

__all__ = ["ContainerBackend", "ContainerMachines"]
