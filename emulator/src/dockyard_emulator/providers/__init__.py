"""Resource providers: one module (or package) per namespace, each with a ``PROVIDER``.

``PROVIDERS`` is the registration: every emulator serves the providers of these modules, and
``/providers`` lists them in this order (see ``registry.Registry.load``). Add a provider by adding
its module and one line here.
"""

PROVIDERS = (
    "authorization",      # Microsoft.Authorization: management locks and role assignments (metadata)
    "compute",            # Microsoft.Compute: VMs, disks, extensions, sizes and images
    "container_registry",  # Microsoft.ContainerRegistry: registries, each a real registry server
    "managed_identity",   # Microsoft.ManagedIdentity: user-assigned identities
    "network",            # Microsoft.Network: VNets, subnets, NSGs, public IPs, NICs
    "resources",          # Microsoft.Resources: subscriptions, locations, providers, resource groups
    "deployments",        # Microsoft.Resources/deployments: ARM template deployments and what-if
    "storage",            # Microsoft.Storage: storage accounts (metadata, keys)
)
