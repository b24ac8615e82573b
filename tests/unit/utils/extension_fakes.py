# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Compute/Network client for the VM extension tests.

Extensions are kept REST-shaped; GET never returns protectedSettings (as Azure). A `runner`
decides what a handler run produces: it gets the stored extension (with its protected settings)
and returns (provisioningState, instanceView). A Failed run fails the LRO the way azure-core does.
"""

from __future__ import annotations

import copy
import types

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

SUB = '00000000-0000-0000-0000-000000000000'
VM_ID = '6f1c5a36-2f38-4d3e-9d3b-0d7a2c1b9e11'


def azure_error(status, code, message):
    cls = ResourceNotFoundError if status == 404 else HttpResponseError
    exc = cls(message='(%s) %s' % (code, message))
    exc.status_code = status
    exc.error = types.SimpleNamespace(code=code, message=message, details=[])
    return exc


class Poller:
    def __init__(self, value=None, error=None):
        self._value = value
        self._error = error

    def result(self, timeout=None):
        if self._error is not None:
            raise self._error
        return copy.deepcopy(self._value)

    def done(self):
        return True

    def status(self):
        return 'Succeeded'


def succeeded_view(stdout='', stderr=''):
    return {
        'name': 'ext', 'type': 'Microsoft.Azure.Extensions.CustomScript', 'typeHandlerVersion': '2.1.10',
        'statuses': [{'code': 'ProvisioningState/succeeded', 'level': 'Info', 'displayStatus': 'Provisioning succeeded',
                      'message': 'Enable succeeded'}],
        'substatuses': [
            {'code': 'ComponentStatus/StdOut/succeeded', 'level': 'Info', 'displayStatus': 'Provisioning succeeded', 'message': stdout},
            {'code': 'ComponentStatus/StdErr/succeeded', 'level': 'Info', 'displayStatus': 'Provisioning succeeded', 'message': stderr},
        ],
    }


def failed_view(stdout='', stderr='', message='Enable failed: failed to execute command: command terminated with exit status=1'):
    return {
        'statuses': [{'code': 'ProvisioningState/failed/1', 'level': 'Error', 'displayStatus': 'Provisioning failed',
                      'message': message}],
        'substatuses': [
            {'code': 'ComponentStatus/StdOut/failed', 'level': 'Info', 'message': stdout},
            {'code': 'ComponentStatus/StdErr/failed', 'level': 'Info', 'message': stderr},
        ],
    }


def ok_runner(stored):
    return 'Succeeded', succeeded_view('done\n')


class _VMs:
    def __init__(self, fake):
        self.fake = fake

    def get(self, resource_group, name, **kwargs):
        self.fake.record('virtual_machines.get', resource_group, name)
        vm = self.fake.vms.get((resource_group, name))
        if vm is None:
            raise azure_error(404, 'ResourceNotFound', "The Resource 'Microsoft.Compute/virtualMachines/%s' was not found." % name)
        return copy.deepcopy(vm)


class _Extensions:
    def __init__(self, fake):
        self.fake = fake

    def _id(self, resource_group, vm_name, name):
        return ('/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s/extensions/%s'
                % (SUB, resource_group, vm_name, name))

    def get(self, resource_group, vm_name, name, expand=None):
        self.fake.record('virtual_machine_extensions.get', resource_group, vm_name, name, expand)
        stored = self.fake.extensions.get((resource_group, vm_name, name))
        if stored is None:
            raise azure_error(404, 'NotFound', "The entity was not found in this Azure location.")
        result = copy.deepcopy(stored)
        result['properties'].pop('protectedSettings', None)
        if expand != 'instanceView':
            result['properties'].pop('instanceView', None)
        return result

    def _run(self, key, stored):
        state, view = self.fake.runner(copy.deepcopy(stored))
        stored['properties']['provisioningState'] = state
        stored['properties']['instanceView'] = view
        self.fake.runs.append(copy.deepcopy(stored))
        if state == 'Failed':
            message = (view.get('statuses') or [{}])[0].get('message', '')
            return Poller(error=azure_error(200, 'VMExtensionProvisioningError',
                                            "VM has reported a failure when processing extension '%s'. Error message: \"%s\"."
                                            % (key[2], message)))
        result = copy.deepcopy(stored)
        result['properties'].pop('protectedSettings', None)
        return Poller(result)

    def begin_create_or_update(self, resource_group, vm_name, name, body):
        self.fake.record('virtual_machine_extensions.begin_create_or_update', resource_group, vm_name, name, body)
        key = (resource_group, vm_name, name)
        stored = copy.deepcopy(body)
        stored.update(id=self._id(*key), name=name, type='Microsoft.Compute/virtualMachines/extensions')
        self.fake.extensions[key] = stored
        return self._run(key, stored)

    def begin_update(self, resource_group, vm_name, name, body):
        self.fake.record('virtual_machine_extensions.begin_update', resource_group, vm_name, name, body)
        key = (resource_group, vm_name, name)
        stored = self.fake.extensions[key]
        if 'tags' in body:
            stored['tags'] = copy.deepcopy(body['tags'])
        stored['properties'].update(copy.deepcopy(body.get('properties') or {}))
        return self._run(key, stored)

    def begin_delete(self, resource_group, vm_name, name):
        self.fake.record('virtual_machine_extensions.begin_delete', resource_group, vm_name, name)
        self.fake.extensions.pop((resource_group, vm_name, name), None)
        return Poller()


class _NICs:
    def __init__(self, fake):
        self.fake = fake

    def get(self, resource_group, name, **kwargs):
        self.fake.record('network_interfaces.get', resource_group, name)
        return copy.deepcopy(self.fake.nics[(resource_group, name)])


class _PublicIPs:
    def __init__(self, fake):
        self.fake = fake

    def get(self, resource_group, name, **kwargs):
        self.fake.record('public_ip_addresses.get', resource_group, name)
        return copy.deepcopy(self.fake.public_ips[(resource_group, name)])


class FakeAzure:
    """`calls` records ('operations.method', args...); writes() lists the calls that change state."""

    def __init__(self, runner=ok_runner):
        self.calls = []
        self.vms = {}
        self.extensions = {}
        self.nics = {}
        self.public_ips = {}
        self.runs = []
        self.runner = runner
        self.compute = types.SimpleNamespace(virtual_machines=_VMs(self), virtual_machine_extensions=_Extensions(self))
        self.network = types.SimpleNamespace(network_interfaces=_NICs(self), public_ip_addresses=_PublicIPs(self))

    def record(self, name, *args):
        self.calls.append((name,) + args)

    def client(self, name):
        return {'compute': self.compute, 'network': self.network}[name]

    def writes(self):
        return [call for call in self.calls if '.begin_' in call[0]]

    def reset_calls(self):
        self.calls = []

    def add_vm(self, resource_group='rg', name='vm1', vm_id=VM_ID, public_ip='20.1.2.3'):
        nic_id = '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkInterfaces/%s-nic' % (SUB, resource_group, name)
        pip_id = '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/publicIPAddresses/%s-pip' % (SUB, resource_group, name)
        self.vms[(resource_group, name)] = {
            'id': '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s' % (SUB, resource_group, name),
            'name': name, 'location': 'westeurope',
            'properties': {'vmId': vm_id, 'networkProfile': {'networkInterfaces': [{'id': nic_id, 'properties': {'primary': True}}]}},
        }
        ip_config = {'name': 'ipconfig1', 'properties': {'primary': True, 'privateIPAddress': '10.0.0.4'}}
        if public_ip:
            ip_config['properties']['publicIPAddress'] = {'id': pip_id}
            self.public_ips[(resource_group, name + '-pip')] = {'id': pip_id, 'properties': {'ipAddress': public_ip}}
        self.nics[(resource_group, name + '-nic')] = {'id': nic_id, 'properties': {'ipConfigurations': [ip_config]}}
        return self.vms[(resource_group, name)]

    def protected_settings_sent(self):
        """Protected settings of every write, in order."""
        sent = []
        for call in self.writes():
            if call[0].endswith('begin_create_or_update') or call[0].endswith('begin_update'):
                sent.append((call[-1].get('properties') or {}).get('protectedSettings'))
        return sent
