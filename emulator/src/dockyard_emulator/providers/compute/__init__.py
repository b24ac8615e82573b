"""Microsoft.Compute: virtual machines, their extensions, managed disks, VM sizes and the marketplace
image catalogue.

- :mod:`.common`            the provider, api-versions, paths and shared helpers
- :mod:`.virtual_machines`  virtualMachines: power actions, instance view, sub-resources
- :mod:`.vm_profile`        a VM's PUT body checked: name, size, image, OS/network profile, priority, identity
- :mod:`.vm_storage`        a VM's OS and data disks checked
- :mod:`.disks`             DiskRP: disks (standalone and the VMs' own), snapshots, disk accesses, encryption sets
- :mod:`.images`            images, restore point collections / restore points / disk restore points, SSH keys
- :mod:`.placement`         availability sets, proximity placement groups, capacity reservations, dedicated hosts
- :mod:`.galleries`         compute galleries (images, versions) and VM scale sets (metadata)
- :mod:`.vm_actions`        VM actions besides power: redeploy, reimage, generalize, attachDetachDataDisks, ...
- :mod:`.run_commands`      the runCommand action, managed run commands, the run command catalogue
- :mod:`.capacity`          SkuNotAvailable, vCPU quotas and locations/usages
- :mod:`.sizes`             the VM size catalogue (by series); :mod:`.extension_images` the extension images
- :mod:`.extensions`        virtualMachines/extensions (Custom Script runs in the VM)
- :mod:`.custom_script`     the Custom Script handler's reading of its settings
- :mod:`.catalogue`         VM sizes and marketplace images, and their location-level routes
"""
from . import capacity, catalogue, disks, extension_images, extensions, galleries, images, placement, run_commands, virtual_machines
from .common import PROVIDER, VM_VERSIONS

PROVIDER.extra_types.update({"locations/operations": VM_VERSIONS, "virtualMachines/instanceView": VM_VERSIONS,
                             "virtualMachines/vmSizes": VM_VERSIONS})

__all__ = ["PROVIDER", "capacity", "catalogue", "disks", "extension_images", "extensions", "galleries", "images",
           "placement", "run_commands", "virtual_machines"]
