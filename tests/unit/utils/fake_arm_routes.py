# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ARM REST paths the collection's SDK calls use, each mapped to the SDK operation's name and a FakeArm handler."""

from __future__ import annotations

import re
from typing import NamedTuple

COMPUTE = 'Microsoft.Compute/'
NETWORK = 'Microsoft.Network/'
VM_TYPE = COMPUTE + 'virtualMachines'
EXTENSION_TYPE = VM_TYPE + '/extensions'
DISK_TYPE = COMPUTE + 'disks'
NIC_TYPE = NETWORK + 'networkInterfaces'
VNET_TYPE = NETWORK + 'virtualNetworks'
PIP_TYPE = NETWORK + 'publicIPAddresses'
NSG_TYPE = NETWORK + 'networkSecurityGroups'


class Route(NamedTuple):
    """An ARM request (method, path pattern) and what answers it: the SDK operation's name and a FakeArm handler."""

    method: str
    pattern: re.Pattern
    operation: str
    handler: str
    lro: bool


def _route(method: str, template: str, operation: str, handler: str, lro: bool = False) -> Route:
    regex = re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', template.replace('.', r'\.'))
    return Route(method, re.compile('^' + regex + '$', re.IGNORECASE), operation, handler, lro)


_S = '/subscriptions/{sub}'
_G = _S + '/resourceGroups/{rg}'
_VM = _G + '/providers/Microsoft.Compute/virtualMachines/{name}'
_IMAGES = _S + '/providers/Microsoft.Compute/locations/{location}/publishers/{publisher}/artifacttypes/vmimage/offers/{offer}/skus/{sku}'
NETWORK_TYPES = {
    'virtual_networks': VNET_TYPE, 'network_interfaces': NIC_TYPE, 'public_ip_addresses': PIP_TYPE,
    'network_security_groups': NSG_TYPE,
}

ROUTES = [
    _route('GET', _S + '/providers/{namespace}', 'providers.get', 'get_provider'),
    _route('GET', _S + '/resourcegroups', 'resource_groups.list', 'list_groups'),
    _route('GET', _G, 'resource_groups.get', 'get_group'),
    _route('PUT', _G, 'resource_groups.create_or_update', 'put_group'),
    _route('DELETE', _G, 'resource_groups.begin_delete', 'delete_group', lro=True),
    _route('GET', _G + '/resources', 'resources.list_by_resource_group', 'list_group_resources'),
    _route('GET', _S + '/providers/Microsoft.Compute/virtualMachines', 'virtual_machines.list_all', 'list_vms'),
    _route('GET', _G + '/providers/Microsoft.Compute/virtualMachines', 'virtual_machines.list', 'list_vms'),
    _route('GET', _VM, 'virtual_machines.get', 'get_vm'),
    _route('PUT', _VM, 'virtual_machines.begin_create_or_update', 'put_vm', lro=True),
    _route('PATCH', _VM, 'virtual_machines.begin_update', 'patch_vm', lro=True),
    _route('DELETE', _VM, 'virtual_machines.begin_delete', 'delete_vm', lro=True),
    _route('POST', _VM + '/start', 'virtual_machines.begin_start', 'power_vm', lro=True),
    _route('POST', _VM + '/powerOff', 'virtual_machines.begin_power_off', 'power_vm', lro=True),
    _route('POST', _VM + '/deallocate', 'virtual_machines.begin_deallocate', 'power_vm', lro=True),
    _route('POST', _VM + '/restart', 'virtual_machines.begin_restart', 'power_vm', lro=True),
    _route('GET', _VM + '/vmSizes', 'virtual_machines.list_available_sizes', 'available_sizes'),
    _route('GET', _VM + '/extensions/{extension}', 'virtual_machine_extensions.get', 'get_extension'),
    _route('PUT', _VM + '/extensions/{extension}', 'virtual_machine_extensions.begin_create_or_update', 'put_extension', lro=True),
    _route('PATCH', _VM + '/extensions/{extension}', 'virtual_machine_extensions.begin_update', 'patch_extension', lro=True),
    _route('DELETE', _VM + '/extensions/{extension}', 'virtual_machine_extensions.begin_delete', 'delete_extension', lro=True),
    _route('GET', _VM + '/runCommands/{command}', 'virtual_machine_run_commands.get_by_virtual_machine', 'get_run_command'),
    _route('PUT', _VM + '/runCommands/{command}', 'virtual_machine_run_commands.begin_create_or_update', 'put_run_command',
           lro=True),
    _route('DELETE', _VM + '/runCommands/{command}', 'virtual_machine_run_commands.begin_delete', 'delete_run_command',
           lro=True),
    _route('GET', _S + '/providers/Microsoft.Compute/locations/{location}/vmSizes', 'virtual_machine_sizes.list', 'location_sizes'),
    _route('GET', _IMAGES + '/versions', 'virtual_machine_images.list', 'list_images'),
    _route('GET', _IMAGES + '/versions/{version}', 'virtual_machine_images.get', 'get_image'),
    _route('DELETE', _G + '/providers/Microsoft.Compute/disks/{name}', 'disks.begin_delete', 'delete_disk', lro=True),
    _route('GET', _G + '/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}', 'subnets.get', 'get_subnet'),
    _route('PUT', _G + '/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}', 'subnets.begin_create_or_update',
           'put_subnet', lro=True),
]
for _label, _type in NETWORK_TYPES.items():
    _path = '/providers/%s' % _type
    ROUTES += [
        _route('GET', _S + _path, _label + '.list_all', 'list_network'),
        _route('GET', _G + _path, _label + '.list', 'list_network'),
        _route('GET', _G + _path + '/{name}', _label + '.get', 'get_network'),
        _route('PUT', _G + _path + '/{name}', _label + '.begin_create_or_update', 'put_network', lro=True),
        _route('DELETE', _G + _path + '/{name}', _label + '.begin_delete', 'delete_network', lro=True),
    ]

# Query options of the SDK methods, as their keyword arguments.
QUERY_KWARGS = {'$expand': 'expand', 'statusOnly': 'status_only'}
PATH_ARGS = ('rg', 'location', 'publisher', 'offer', 'sku', 'version', 'vnet', 'name', 'extension', 'command')
