# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Azure reports about a VM, shared by vm and vm_info (private to dockyard.azure): power states, addresses, the result shape.

Everything here is pure and works on REST dicts (see arm.py).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import RestDict, get_path, parse_resource_id

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
# Tag on the VM: sha256 of the inbound rules last applied to the NSG its NIC uses (inbound_rules.rules_sha256),
# so an unchanged run need not read the NSG (see the vm module's inbound_rules_compare option).
RULES_TAG = 'dockyard-inbound-rules-sha256'
# Tags the module manages itself; users cannot set them.
RESERVED_TAGS = (OWNER_TAG, CUSTOM_DATA_TAG, RULES_TAG)


def raw_power_state(instance_view: RestDict | None) -> str | None:
    """The PowerState code as Azure reports it (e.g. 'starting'), or None."""
    for status in (instance_view or {}).get('statuses') or []:
        code = status.get('code') or ''
        if code.startswith('PowerState/'):
            return code.split('/', 1)[1].lower()
    return None


def power_state_from_instance_view(instance_view: RestDict | None) -> str | None:
    """'running' / 'stopped' / 'deallocated' (transitional states folded) from an instance view; None if unknown."""
    state = raw_power_state(instance_view)
    return None if state is None else _POWER_ALIASES.get(state, state)


def power_actions(current: str | None, state: str, previous: str | None = None) -> list[str]:
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


def primary_nic_id(vm: RestDict | None) -> str | None:
    nics = get_path(vm, 'properties', 'networkProfile', 'networkInterfaces', default=[])
    for nic in nics:
        if get_path(nic, 'properties', 'primary'):
            return nic.get('id')
    return nics[0].get('id') if nics else None


def primary_ip_configuration(nic: RestDict | None) -> RestDict | None:
    configs = get_path(nic, 'properties', 'ipConfigurations', default=[])
    for config in configs:
        if get_path(config, 'properties', 'primary'):
            return config
    return configs[0] if configs else None


class NicAddresses(NamedTuple):
    """What a NIC's primary IP configuration points at."""

    private_ip: str | None
    public_ip_id: str | None
    subnet_id: str | None
    nsg_id: str | None


NO_ADDRESSES = NicAddresses(None, None, None, None)


def nic_addresses(nic: RestDict | None) -> NicAddresses:
    """The addresses of a NIC's primary IP configuration (all None without a NIC)."""
    if not nic:
        return NO_ADDRESSES
    config = primary_ip_configuration(nic) or {}
    return NicAddresses(
        private_ip=get_path(config, 'properties', 'privateIPAddress'),
        public_ip_id=get_path(config, 'properties', 'publicIPAddress', 'id'),
        subnet_id=get_path(config, 'properties', 'subnet', 'id'),
        nsg_id=get_path(nic, 'properties', 'networkSecurityGroup', 'id'),
    )


def choose_ansible_host(public_ip: str | None, fqdn: str | None, private_ip: str | None) -> str | None:
    """The address to reach the VM on: its public IP, else its FQDN, else its private IP."""
    return public_ip or fqdn or private_ip


def ansible_host(nic: RestDict | None, public_ip: RestDict | None) -> str | None:
    """choose_ansible_host for a VM's primary NIC and that NIC's public IP (REST dicts, either may be None)."""
    return choose_ansible_host(get_path(public_ip, 'properties', 'ipAddress'),
                               get_path(public_ip, 'properties', 'dnsSettings', 'fqdn'), nic_addresses(nic).private_ip)


def _disk_to_dict(disk: RestDict | None) -> dict[str, Any] | None:
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


def identity_to_dict(identity: RestDict | None) -> dict[str, Any]:
    if not identity or (identity.get('type') or 'None') == 'None':
        return {'type': 'None', 'principal_id': None, 'user_assigned': []}
    return {
        'type': identity.get('type'),
        'principal_id': identity.get('principalId'),
        'user_assigned': sorted((identity.get('userAssignedIdentities') or {}).keys()),
    }


def vm_to_dict(vm: RestDict | None, nic: RestDict | None = None, public_ip: RestDict | None = None,
               power_state: str | None = None) -> dict[str, Any]:
    """The documented return shape of a VM from its REST dict and those of its primary NIC and public IP."""
    if not vm:
        return {}
    props = vm.get('properties') or {}
    parsed = parse_resource_id(vm.get('id'))
    image = get_path(props, 'storageProfile', 'imageReference', default={})
    os_disk = _disk_to_dict(get_path(props, 'storageProfile', 'osDisk'))
    if os_disk is not None:
        os_disk.pop('lun', None)
    ssh_keys = get_path(props, 'osProfile', 'linuxConfiguration', 'ssh', 'publicKeys', default=[])
    if power_state is None:
        power_state = raw_power_state(props.get('instanceView'))
    private_ip, public_ip_id, subnet_id, nsg_id = nic_addresses(nic)
    public_address = get_path(public_ip, 'properties', 'ipAddress')
    fqdn = get_path(public_ip, 'properties', 'dnsSettings', 'fqdn')
    tags = dict(vm.get('tags') or {})
    return {
        'id': vm.get('id'),
        'name': vm.get('name'),
        'resource_group': parsed.resource_group if parsed else None,
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
        'os_type': get_path(props, 'storageProfile', 'osDisk', 'osType'),
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
