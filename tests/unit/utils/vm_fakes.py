# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory stand-in for the Compute, Network and Resource SDK clients the VM code calls.

It keeps REST-shaped dicts, records every call as 'operations.method', raises azure-core's own
exceptions for 404/409, and applies a few ARM rules (a NIC in use cannot be deleted; deleting a
VM deletes the disks whose deleteOption is Delete). Shared by the vm unit tests; it has no tests.
"""

from __future__ import annotations

import base64
import copy
import struct
import types

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

SUB = '00000000-0000-0000-0000-000000000000'


def _ssh_string(data):
    return struct.pack('>I', len(data)) + data


def ed25519_key(seed=1, comment='user@host'):
    blob = _ssh_string(b'ssh-ed25519') + _ssh_string(bytes([seed]) * 32)
    return 'ssh-ed25519 %s %s' % (base64.b64encode(blob).decode(), comment)


def rsa_key(bits=2048):
    modulus = (1 << (bits - 1)) | 1
    blob = _ssh_string(b'ssh-rsa') + _ssh_string(b'\x01\x00\x01') + _ssh_string(b'\x00' + modulus.to_bytes(bits // 8, 'big'))
    return 'ssh-rsa %s' % base64.b64encode(blob).decode()


ED25519 = ed25519_key()
WRITE_PREFIX = 'begin_'


def azure_error(status, code, message):
    cls = ResourceNotFoundError if status == 404 else HttpResponseError
    exc = cls(message='(%s) %s' % (code, message))
    exc.status_code = status
    exc.error = types.SimpleNamespace(code=code, message=message, details=[])
    return exc


class Poller:
    def __init__(self, value=None):
        self._value = value

    def result(self, timeout=None):
        return copy.deepcopy(self._value)

    def done(self):
        return True

    def status(self):
        return 'Succeeded'


def rid(rg, provider_type, name):
    return '/subscriptions/%s/resourceGroups/%s/providers/%s/%s' % (SUB, rg, provider_type, name)


class _Ops:
    def __init__(self, azure, label):
        self._azure = azure
        self._label = label

    def _record(self, method, *args, **kwargs):
        self._azure.calls.append(('%s.%s' % (self._label, method), args, kwargs))
        failure = self._azure.fail_on.get('%s.%s' % (self._label, method))
        if failure:
            raise failure


class _Generic(_Ops):
    """get / begin_create_or_update / begin_delete / list / list_all for a Microsoft.Network type."""

    def __init__(self, azure, label, provider_type, on_put=None, on_delete=None):
        super().__init__(azure, label)
        self._type = provider_type
        self._on_put = on_put
        self._on_delete = on_delete

    def get(self, rg, name, expand=None):
        self._record('get', rg, name)
        return self._azure.read(rid(rg, self._type, name))

    def begin_create_or_update(self, rg, name, body):
        self._record('begin_create_or_update', rg, name, body)
        self._azure.require_group(rg)
        resource_id = rid(rg, self._type, name)
        existing = self._azure.resources.get(resource_id.lower())
        stored = copy.deepcopy(body)
        stored.update(id=resource_id, name=name, type=self._type)
        stored.setdefault('properties', {})['provisioningState'] = 'Succeeded'
        if self._on_put:
            self._on_put(stored, existing)
        self._azure.resources[resource_id.lower()] = stored
        return Poller(stored)

    def begin_delete(self, rg, name):
        self._record('begin_delete', rg, name)
        resource_id = rid(rg, self._type, name).lower()
        if resource_id in self._azure.resources and self._on_delete:
            self._on_delete(self._azure.resources[resource_id])
        self._azure.resources.pop(resource_id, None)
        return Poller(None)

    def list(self, rg):
        self._record('list', rg)
        prefix = ('/subscriptions/%s/resourceGroups/%s/' % (SUB, rg)).lower()
        return [copy.deepcopy(r) for key, r in self._azure.resources.items() if key.startswith(prefix) and r['type'] == self._type]

    def list_all(self):
        self._record('list_all')
        return [copy.deepcopy(r) for r in self._azure.resources.values() if r['type'] == self._type]


class _Subnets(_Ops):
    def begin_create_or_update(self, rg, vnet, name, body):
        self._record('begin_create_or_update', rg, vnet, name, body)
        stored = self._azure.resources[rid(rg, 'Microsoft.Network/virtualNetworks', vnet).lower()]
        subnet = copy.deepcopy(body)
        subnet['id'] = stored['id'] + '/subnets/' + name
        stored['properties'].setdefault('subnets', []).append(subnet)
        return Poller(subnet)


class _VirtualMachines(_Ops):
    TYPE = 'Microsoft.Compute/virtualMachines'

    def _vm(self, rg, name):
        vm = self._azure.resources.get(rid(rg, self.TYPE, name).lower())
        if vm is None:
            self._azure.require_group(rg)
            raise azure_error(404, 'ResourceNotFound', "The Resource '%s' was not found." % name)
        return vm

    def _with_view(self, vm):
        vm = copy.deepcopy(vm)
        vm['properties']['instanceView'] = {'statuses': [
            {'code': 'ProvisioningState/succeeded'}, {'code': 'PowerState/%s' % self._azure.power[vm['id'].lower()]}]}
        return vm

    def get(self, rg, name, expand=None):
        self._record('get', rg, name, expand=expand)
        vm = self._vm(rg, name)
        return self._with_view(vm) if expand == 'instanceView' else copy.deepcopy(vm)

    def begin_create_or_update(self, rg, name, body):
        self._record('begin_create_or_update', rg, name, body)
        self._azure.require_group(rg)
        vm_id = rid(rg, self.TYPE, name)
        existing = self._azure.resources.get(vm_id.lower())
        stored = copy.deepcopy(body)
        stored.update(id=vm_id, name=name, type=self.TYPE)
        props = stored['properties']
        props['provisioningState'] = 'Succeeded'
        props['vmId'] = (existing or {}).get('properties', {}).get('vmId') or 'vmid-%d' % len(self._azure.calls)
        props.get('osProfile', {}).pop('customData', None)  # Azure never returns it
        os_disk = props['storageProfile']['osDisk']
        os_disk.setdefault('diskSizeGB', 30)
        os_disk.setdefault('managedDisk', {})['id'] = rid(rg, 'Microsoft.Compute/disks', os_disk['name'])
        for disk in props['storageProfile'].get('dataDisks', []):
            disk.setdefault('managedDisk', {})['id'] = rid(rg, 'Microsoft.Compute/disks', disk['name'])
            disk['createOption'] = 'Empty' if disk.get('createOption') == 'Empty' else disk.get('createOption')
        reference = props['storageProfile']['imageReference']
        if 'publisher' in reference:
            reference['exactVersion'] = reference['version']
        for nic_ref in props['networkProfile']['networkInterfaces']:
            nic = self._azure.resources[nic_ref['id'].lower()]
            nic['properties']['virtualMachine'] = {'id': vm_id}
        for disk in [os_disk] + props['storageProfile'].get('dataDisks', []):
            self._azure.disks[disk['managedDisk']['id'].lower()] = disk.get('deleteOption', 'Detach')
        self._azure.resources[vm_id.lower()] = stored
        self._azure.power.setdefault(vm_id.lower(), 'running')
        return Poller(stored)

    def begin_update(self, rg, name, patch):
        self._record('begin_update', rg, name, patch)
        vm = self._vm(rg, name)
        new_size = patch.get('properties', {}).get('hardwareProfile', {}).get('vmSize')
        if new_size and self._azure.power[vm['id'].lower()] != 'deallocated' and \
                new_size not in self._azure.available_sizes.get(name, self._azure.sizes['westeurope']):
            raise azure_error(409, 'OperationNotAllowed', 'size not available on the current cluster')
        _merge(vm, patch)
        for disk in vm['properties']['storageProfile'].get('dataDisks', []):
            disk.setdefault('managedDisk', {}).setdefault('id', rid(rg, 'Microsoft.Compute/disks', disk['name']))
        return Poller(vm)

    def begin_delete(self, rg, name):
        self._record('begin_delete', rg, name)
        vm = self._azure.resources.pop(rid(rg, self.TYPE, name).lower(), None)
        if vm:
            self._azure.power.pop(vm['id'].lower(), None)
            for nic_ref in vm['properties']['networkProfile']['networkInterfaces']:
                nic = self._azure.resources.get(nic_ref['id'].lower())
                if nic:
                    nic['properties'].pop('virtualMachine', None)
            storage = vm['properties']['storageProfile']
            for disk in [storage['osDisk']] + storage.get('dataDisks', []):
                if disk.get('deleteOption') == 'Delete':
                    self._azure.disks.pop(disk['managedDisk']['id'].lower(), None)
        return Poller(None)

    def _power_op(self, method, rg, name, state):
        self._record(method, rg, name)
        vm = self._vm(rg, name)
        self._azure.power[vm['id'].lower()] = state
        return Poller(None)

    def begin_start(self, rg, name):
        return self._power_op('begin_start', rg, name, 'running')

    def begin_power_off(self, rg, name):
        return self._power_op('begin_power_off', rg, name, 'stopped')

    def begin_deallocate(self, rg, name):
        return self._power_op('begin_deallocate', rg, name, 'deallocated')

    def begin_restart(self, rg, name):
        return self._power_op('begin_restart', rg, name, 'running')

    def list(self, rg, expand=None):
        self._record('list', rg, expand=expand)
        prefix = ('/subscriptions/%s/resourceGroups/%s/' % (SUB, rg)).lower()
        return [self._with_view(r) if expand else copy.deepcopy(r) for key, r in self._azure.resources.items()
                if key.startswith(prefix) and r['type'] == self.TYPE]

    def list_all(self, status_only=None):
        self._record('list_all', status_only=status_only)
        return [self._with_view(r) if status_only else copy.deepcopy(r) for r in self._azure.resources.values()
                if r['type'] == self.TYPE]

    def list_available_sizes(self, rg, name):
        self._record('list_available_sizes', rg, name)
        return [{'name': size} for size in self._azure.available_sizes.get(name, self._azure.sizes['westeurope'])]


class _Sizes(_Ops):
    def list(self, location):
        self._record('list', location)
        return [{'name': name, 'numberOfCores': 2} for name in self._azure.sizes.get(location, [])]


class _Images(_Ops):
    def list(self, location, publisher, offer, sku):
        self._record('list', location, publisher, offer, sku)
        versions = self._azure.images.get((location, publisher.lower(), offer.lower(), sku.lower()))
        if versions is None:
            raise azure_error(404, 'NotFound', 'Artifact: VMImage was not found.')
        return [{'name': v, 'location': location, 'id': 'x/%s' % v} for v in versions]

    def get(self, location, publisher, offer, sku, version):
        self._record('get', location, publisher, offer, sku, version)
        versions = self._azure.images.get((location, publisher.lower(), offer.lower(), sku.lower())) or []
        if version not in versions:
            raise azure_error(404, 'NotFound', 'Artifact: VMImage was not found.')
        return {'name': version}


class _Disks(_Ops):
    def begin_delete(self, rg, name):
        self._record('begin_delete', rg, name)
        self._azure.disks.pop(rid(rg, 'Microsoft.Compute/disks', name).lower(), None)
        return Poller(None)


class _Groups(_Ops):
    def get(self, name):
        self._record('get', name)
        if name.lower() not in self._azure.groups:
            raise azure_error(404, 'ResourceGroupNotFound', "Resource group '%s' could not be found." % name)
        return {'id': '/subscriptions/%s/resourceGroups/%s' % (SUB, name), 'name': name,
                'location': self._azure.groups[name.lower()]}


def _merge(target, patch, top=True):
    """ARM PATCH: JSON merge of the body, except that `tags` (and lists) are replaced as a whole."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict) and not (top and key == 'tags'):
            _merge(target[key], value, top=False)
        else:
            target[key] = copy.deepcopy(value)


class FakeAzure:
    """The fake backend; `client(name)` is the client factory the VM code takes."""

    def __init__(self):
        self.calls = []
        self.fail_on = {}
        self.groups = {'rg': 'westeurope'}
        self.resources = {}
        self.power = {}
        self.disks = {}
        self.sizes = {'westeurope': ['Standard_B1s', 'Standard_B2s', 'Standard_B4ms', 'Standard_D2s_v5', 'Standard_D4s_v5']}
        self.available_sizes = {}
        self.images = {
            ('westeurope', 'debian', 'debian-12', '12-gen2'): ['0.20240101.1', '0.20241111.1924', '0.20240909.1860'],
            ('westeurope', 'canonical', 'ubuntu-24_04-lts', 'server'): ['24.04.202409120'],
        }
        self._nic_count = 0
        self._pip_count = 0
        self.compute = types.SimpleNamespace(
            virtual_machines=_VirtualMachines(self, 'virtual_machines'),
            virtual_machine_sizes=_Sizes(self, 'virtual_machine_sizes'),
            virtual_machine_images=_Images(self, 'virtual_machine_images'),
            disks=_Disks(self, 'disks'),
        )
        self.network = types.SimpleNamespace(
            virtual_networks=_Generic(self, 'virtual_networks', 'Microsoft.Network/virtualNetworks', on_put=self._put_vnet),
            subnets=_Subnets(self, 'subnets'),
            network_interfaces=_Generic(self, 'network_interfaces', 'Microsoft.Network/networkInterfaces',
                                        on_put=self._put_nic, on_delete=self._delete_nic),
            public_ip_addresses=_Generic(self, 'public_ip_addresses', 'Microsoft.Network/publicIPAddresses', on_put=self._put_pip),
            network_security_groups=_Generic(self, 'network_security_groups', 'Microsoft.Network/networkSecurityGroups'),
        )
        self.resource = types.SimpleNamespace(resource_groups=_Groups(self, 'resource_groups'))

    def client(self, name):
        return {'compute': self.compute, 'network': self.network, 'resource': self.resource}[name]

    # helpers for the fake's own rules
    def require_group(self, rg):
        if rg.lower() not in self.groups:
            raise azure_error(404, 'ResourceGroupNotFound', "Resource group '%s' could not be found." % rg)

    def read(self, resource_id):
        found = self.resources.get(resource_id.lower())
        if found is None:
            parsed = resource_id.split('/')
            self.require_group(parsed[4])
            raise azure_error(404, 'ResourceNotFound', "The Resource '%s' was not found." % resource_id)
        return copy.deepcopy(found)

    def _put_vnet(self, stored, existing):
        for subnet in stored['properties'].get('subnets', []):
            subnet['id'] = stored['id'] + '/subnets/' + subnet['name']

    def _put_nic(self, stored, existing):
        if existing and existing['properties'].get('virtualMachine'):
            stored['properties']['virtualMachine'] = existing['properties']['virtualMachine']
        for config in stored['properties']['ipConfigurations']:
            config['id'] = stored['id'] + '/ipConfigurations/' + config['name']
            old = (existing or {}).get('properties', {}).get('ipConfigurations', [{}])[0].get('properties', {})
            if old.get('privateIPAddress'):
                config['properties']['privateIPAddress'] = old['privateIPAddress']
            else:
                self._nic_count += 1
                config['properties']['privateIPAddress'] = '10.0.0.%d' % (3 + self._nic_count)

    def _delete_nic(self, nic):
        if nic['properties'].get('virtualMachine'):
            raise azure_error(400, 'NicInUse', 'Network Interface %s is used by existing resource %s.'
                              % (nic['id'], nic['properties']['virtualMachine']['id']))

    def _put_pip(self, stored, existing):
        address = (existing or {}).get('properties', {}).get('ipAddress')
        if not address:
            self._pip_count += 1
            address = '20.0.0.%d' % self._pip_count
        stored['properties']['ipAddress'] = address
        label = stored['properties'].get('dnsSettings', {}).get('domainNameLabel')
        if label:
            stored['properties']['dnsSettings']['fqdn'] = '%s.%s.cloudapp.azure.com' % (label, stored['location'])

    # views for assertions
    def names(self, provider_type=None):
        return sorted(r['name'] for r in self.resources.values() if provider_type is None or r['type'] == provider_type)

    def writes(self):
        return [call[0] for call in self.calls if call[0].split('.')[1].startswith(WRITE_PREFIX)]

    def reads(self):
        return [call[0] for call in self.calls if not call[0].split('.')[1].startswith(WRITE_PREFIX)]

    def reset_calls(self):
        self.calls = []
