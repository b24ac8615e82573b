# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VM state helpers shared by vm and vm_info: REST-shaped dicts, resource IDs, power states, result shape.

Everything here is pure. The VM code works on plain dicts in the shape of Azure's REST API
(camelCase keys, a nested ``properties``), whatever the SDK generation: ``to_rest`` turns the
SDK's models (TypeSpec-generated mapping models or older msrest models) into such dicts, and
request bodies are sent as such dicts, which every SDK generation accepts.
"""

from __future__ import annotations

import copy

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import azure_operation, is_not_found

POWER_RUNNING = 'running'
POWER_STOPPED = 'stopped'
POWER_DEALLOCATED = 'deallocated'

# Transitional power states count as the state they are heading to.
_POWER_ALIASES = {
    'starting': POWER_RUNNING,
    'running': POWER_RUNNING,
    'stopping': POWER_STOPPED,
    'stopped': POWER_STOPPED,
    'deallocating': POWER_DEALLOCATED,
    'deallocated': POWER_DEALLOCATED,
}

VM_STATES = ('present', 'absent', 'started', 'stopped', 'deallocated', 'restarted')

# Tag on every resource the vm module creates besides the VM: the ID of the VM that owns it.
OWNER_TAG = 'dockyard-owned-by'
# Tag on the VM: sha256 of its custom data (Azure never returns custom data).
CUSTOM_DATA_TAG = 'dockyard-custom-data-sha256'
# Tags the module manages itself; users cannot set them.
RESERVED_TAGS = (OWNER_TAG, CUSTOM_DATA_TAG)


def to_rest(obj):
    """An SDK model (or dict, or list of them) as a plain REST-shaped dict; None stays None."""
    if obj is None:
        return None
    if isinstance(obj, dict) and type(obj) is dict:  # pylint: disable=unidiomatic-typecheck
        return copy.deepcopy(obj)
    if isinstance(obj, (list, tuple)):
        return [to_rest(item) for item in obj]
    as_dict = getattr(obj, 'as_dict', None)
    if callable(as_dict) and hasattr(obj, 'keys'):
        # TypeSpec-generated models (azure-mgmt-compute 35+, -network 30+) are mappings of the REST JSON.
        return as_dict()
    serialize = getattr(obj, 'serialize', None)
    if callable(serialize):
        # msrest models of older SDKs: serialize() produces the REST JSON.
        return serialize(keep_readonly=True)
    if hasattr(obj, 'keys'):
        return dict(obj)
    raise TypeError('Cannot convert %s to a REST dict' % type(obj).__name__)


def read_or_none(what, call, *args, **kwargs):
    """A read through the SDK as a REST-shaped dict; None when Azure answers 404.

    Other errors become one AzureModuleError that starts with 'Could not read <what>'.
    """
    with azure_operation('Could not read %s' % what):
        try:
            return to_rest(call(*args, **kwargs))
        except Exception as exc:  # pylint: disable=broad-except
            if is_not_found(exc):
                return None
            raise


def get_path(data, *keys, **kwargs):
    """data[k1][k2]... with None/missing anywhere giving `default` (list indexes allowed)."""
    default = kwargs.get('default')
    current = data
    for key in keys:
        if current is None:
            return default
        if isinstance(key, int):
            if not isinstance(current, list) or len(current) <= key:
                return default
            current = current[key]
        else:
            if not isinstance(current, dict):
                return default
            current = current.get(key)
    return default if current is None else current


def lower(value):
    return value.lower() if isinstance(value, str) else value


def ids_equal(first, second):
    """Azure resource IDs compare case-insensitively."""
    if not first or not second:
        return first == second
    return first.rstrip('/').lower() == second.rstrip('/').lower()


def parse_resource_id(resource_id):
    """'/subscriptions/s/resourceGroups/g/providers/P.N/type/name[/child/cname]' -> dict, or None."""
    if not resource_id or not resource_id.startswith('/'):
        return None
    parts = resource_id.strip('/').split('/')
    if len(parts) < 4 or parts[0].lower() != 'subscriptions' or parts[2].lower() != 'resourcegroups':
        return None
    result = {'subscription': parts[1], 'resource_group': parts[3], 'namespace': None, 'type': None, 'name': None, 'children': []}
    if len(parts) >= 8 and parts[4].lower() == 'providers':
        result['namespace'] = parts[5]
        result['type'] = parts[6]
        result['name'] = parts[7]
        rest = parts[8:]
        result['children'] = [(rest[i], rest[i + 1]) for i in range(0, len(rest) - 1, 2)]
    return result


def make_resource_id(subscription, resource_group, namespace_type, name, *children):
    """make_resource_id(sub, 'rg', 'Microsoft.Network/virtualNetworks', 'vnet', 'subnets', 'default')."""
    rid = '/subscriptions/%s/resourceGroups/%s/providers/%s/%s' % (subscription, resource_group, namespace_type, name)
    for index in range(0, len(children) - 1, 2):
        rid += '/%s/%s' % (children[index], children[index + 1])
    return rid


def name_from_id(resource_id):
    return resource_id.rstrip('/').rsplit('/', 1)[-1] if resource_id else None


def power_state_from_instance_view(instance_view):
    """'running' / 'stopped' / 'deallocated' (transitional states folded) from an instance view; None if unknown."""
    for status in (instance_view or {}).get('statuses') or []:
        code = status.get('code') or ''
        if code.startswith('PowerState/'):
            state = code.split('/', 1)[1].lower()
            return _POWER_ALIASES.get(state, state)
    return None


def raw_power_state(instance_view):
    """The PowerState code as Azure reports it (e.g. 'starting'), or None."""
    for status in (instance_view or {}).get('statuses') or []:
        code = status.get('code') or ''
        if code.startswith('PowerState/'):
            return code.split('/', 1)[1].lower()
    return None


def power_actions(current, state, previous=None):
    """The power operations that take a VM in power state `current` to module state `state`.

    `previous` is the power state before this run's own changes (a resize may deallocate):
    with state=present the VM goes back to it. Returns a list of 'start', 'power_off',
    'deallocate', 'restart'. A VM that is deallocated already counts as stopped.
    """
    if state == 'present':
        if previous == POWER_RUNNING and current != POWER_RUNNING:
            return ['start']
        if previous == POWER_STOPPED and current == POWER_RUNNING:
            return ['power_off']
        if previous == POWER_DEALLOCATED and current != POWER_DEALLOCATED:
            return ['deallocate']
        return []
    if state == 'started':
        return [] if current == POWER_RUNNING else ['start']
    if state == 'stopped':
        return ['power_off'] if current not in (POWER_STOPPED, POWER_DEALLOCATED) else []
    if state == 'deallocated':
        return [] if current == POWER_DEALLOCATED else ['deallocate']
    if state == 'restarted':
        return ['restart'] if current == POWER_RUNNING else ['start']
    return []


POWER_RESULT = {'start': POWER_RUNNING, 'restart': POWER_RUNNING, 'power_off': POWER_STOPPED, 'deallocate': POWER_DEALLOCATED}


def primary_nic_id(vm):
    nics = get_path(vm, 'properties', 'networkProfile', 'networkInterfaces', default=[])
    for nic in nics:
        if get_path(nic, 'properties', 'primary'):
            return nic.get('id')
    return nics[0].get('id') if nics else None


def primary_ip_configuration(nic):
    configs = get_path(nic, 'properties', 'ipConfigurations', default=[])
    for config in configs:
        if get_path(config, 'properties', 'primary'):
            return config
    return configs[0] if configs else None


def nic_addresses(nic):
    """(private_ip, public_ip_id, subnet_id, nsg_id) of a NIC's primary IP configuration."""
    config = primary_ip_configuration(nic) or {}
    return (
        get_path(config, 'properties', 'privateIPAddress'),
        get_path(config, 'properties', 'publicIPAddress', 'id'),
        get_path(config, 'properties', 'subnet', 'id'),
        get_path(nic, 'properties', 'networkSecurityGroup', 'id'),
    )


def choose_ansible_host(public_ip, fqdn, private_ip):
    """The address to reach the VM on: its public IP, else its FQDN, else its private IP."""
    return public_ip or fqdn or private_ip


def _disk_to_dict(disk):
    if not disk:
        return None
    return {
        'name': disk.get('name'),
        'id': get_path(disk, 'managedDisk', 'id'),
        'lun': disk.get('lun'),
        'size_gb': disk.get('diskSizeGB'),
        'type': get_path(disk, 'managedDisk', 'storageAccountType'),
        'caching': disk.get('caching'),
        'delete_option': disk.get('deleteOption'),
    }


def identity_to_dict(identity):
    if not identity or (identity.get('type') or 'None') == 'None':
        return {'type': 'None', 'principal_id': None, 'user_assigned': []}
    return {
        'type': identity.get('type'),
        'principal_id': identity.get('principalId'),
        'user_assigned': sorted((identity.get('userAssignedIdentities') or {}).keys()),
    }


def vm_to_dict(vm, nic=None, public_ip=None, power_state=None):
    """The documented return shape of a VM from its REST dict and those of its primary NIC and public IP."""
    if not vm:
        return {}
    props = vm.get('properties') or {}
    parsed = parse_resource_id(vm.get('id')) or {}
    image = get_path(props, 'storageProfile', 'imageReference', default={})
    os_disk = _disk_to_dict(get_path(props, 'storageProfile', 'osDisk'))
    if os_disk is not None:
        os_disk.pop('lun', None)
    ssh_keys = get_path(props, 'osProfile', 'linuxConfiguration', 'ssh', 'publicKeys', default=[])
    if power_state is None:
        power_state = raw_power_state(props.get('instanceView'))
    private_ip, public_ip_id, subnet_id, nsg_id = nic_addresses(nic) if nic else (None, None, None, None)
    public_address = get_path(public_ip, 'properties', 'ipAddress')
    fqdn = get_path(public_ip, 'properties', 'dnsSettings', 'fqdn')
    tags = dict(vm.get('tags') or {})
    return {
        'id': vm.get('id'),
        'name': vm.get('name'),
        'resource_group': parsed.get('resource_group'),
        'location': vm.get('location'),
        'vm_id': props.get('vmId'),
        'size': get_path(props, 'hardwareProfile', 'vmSize'),
        'zone': (vm.get('zones') or [None])[0],
        'provisioning_state': props.get('provisioningState'),
        'power_state': power_state,
        'image': {
            'publisher': image.get('publisher'),
            'offer': image.get('offer'),
            'sku': image.get('sku'),
            'version': image.get('version'),
            'exact_version': image.get('exactVersion'),
            'id': image.get('id'),
        },
        'admin_username': get_path(props, 'osProfile', 'adminUsername'),
        'computer_name': get_path(props, 'osProfile', 'computerName'),
        'ssh_public_keys': [key.get('keyData') for key in ssh_keys],
        'password_authentication': not get_path(props, 'osProfile', 'linuxConfiguration', 'disablePasswordAuthentication', default=False),
        'os_disk': os_disk or {},
        'data_disks': [_disk_to_dict(disk) for disk in get_path(props, 'storageProfile', 'dataDisks', default=[])],
        'nic': nic.get('id') if nic else primary_nic_id(vm),
        'network_interfaces': [item.get('id') for item in get_path(props, 'networkProfile', 'networkInterfaces', default=[])],
        'subnet': subnet_id,
        'network_security_group': nsg_id,
        'public_ip_id': public_ip_id,
        'private_ip': private_ip,
        'public_ip': public_address,
        'fqdn': fqdn,
        'ansible_host': choose_ansible_host(public_address, fqdn, private_ip),
        'priority': props.get('priority') or 'Regular',
        'eviction_policy': props.get('evictionPolicy'),
        'max_price': get_path(props, 'billingProfile', 'maxPrice'),
        'identity': identity_to_dict(vm.get('identity')),
        'boot_diagnostics': bool(get_path(props, 'diagnosticsProfile', 'bootDiagnostics', 'enabled', default=False)),
        'custom_data_sha256': tags.get(CUSTOM_DATA_TAG),
        'tags': tags,
    }
