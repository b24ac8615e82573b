"""Microsoft.Network: virtual networks (and subnets), network security groups (and security rules),
public IP addresses and network interfaces.

- :mod:`.common`            the provider, api-versions, base types, reference helpers
- :mod:`.virtual_networks`  virtualNetworks and virtualNetworks/subnets
- :mod:`.security_groups`   networkSecurityGroups and networkSecurityGroups/securityRules
- :mod:`.public_ips`        publicIPAddresses
- :mod:`.interfaces`        networkInterfaces
- :mod:`.routing`           routeTables (+ routes), natGateways, publicIPPrefixes, ipGroups, applicationSecurityGroups
"""
# Imported in the order the types are listed in the provider manifest.
from . import virtual_networks  # isort: skip
from . import security_groups  # isort: skip
from . import public_ips  # isort: skip
from . import interfaces  # isort: skip
from . import routing  # isort: skip
from .common import PROVIDER

__all__ = ["PROVIDER", "interfaces", "public_ips", "routing", "security_groups", "virtual_networks"]
