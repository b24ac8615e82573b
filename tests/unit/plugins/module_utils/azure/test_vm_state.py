# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power states and transitions, resource IDs, REST conversion of SDK models, the result shape."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm_state import (
    choose_ansible_host,
    ids_equal,
    make_resource_id,
    parse_resource_id,
    power_actions,
    power_state_from_instance_view,
    to_rest,
    vm_to_dict,
)


@pytest.mark.parametrize('code, state', [
    ('PowerState/running', 'running'), ('PowerState/starting', 'running'), ('PowerState/stopped', 'stopped'),
    ('PowerState/stopping', 'stopped'), ('PowerState/deallocated', 'deallocated'), ('PowerState/deallocating', 'deallocated'),
])
def test_power_state_from_instance_view(code, state):
    view = {'statuses': [{'code': 'ProvisioningState/succeeded'}, {'code': code}]}
    assert power_state_from_instance_view(view) == state


def test_unknown_power_state():
    assert power_state_from_instance_view(None) is None
    assert power_state_from_instance_view({'statuses': [{'code': 'ProvisioningState/failed'}]}) is None


@pytest.mark.parametrize('current, state, previous, actions', [
    ('running', 'present', 'running', []),
    ('deallocated', 'present', 'running', ['start']),
    ('deallocated', 'present', 'stopped', []),
    ('running', 'present', 'stopped', ['power_off']),
    ('stopped', 'present', 'stopped', []),
    ('running', 'started', None, []),
    ('stopped', 'started', None, ['start']),
    ('deallocated', 'started', None, ['start']),
    (None, 'started', None, ['start']),
    ('running', 'stopped', None, ['power_off']),
    ('stopped', 'stopped', None, []),
    ('deallocated', 'stopped', None, []),
    ('running', 'deallocated', None, ['deallocate']),
    ('stopped', 'deallocated', None, ['deallocate']),
    ('deallocated', 'deallocated', None, []),
    ('running', 'restarted', None, ['restart']),
    ('stopped', 'restarted', None, ['start']),
    ('deallocated', 'restarted', None, ['start']),
])
def test_power_actions(current, state, previous, actions):
    assert power_actions(current, state, previous) == actions


def test_resource_ids():
    rid = make_resource_id('s', 'rg', 'Microsoft.Network/virtualNetworks', 'v', 'subnets', 'default')
    assert rid == '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/default'
    parsed = parse_resource_id(rid)
    assert parsed['resource_group'] == 'rg' and parsed['type'] == 'virtualNetworks' and parsed['name'] == 'v'
    assert parsed['children'] == [('subnets', 'default')]
    assert parse_resource_id('nic0') is None
    assert ids_equal(rid.upper(), rid + '/')


def test_to_rest_of_sdk_models():
    from azure.mgmt.compute import models as compute_models  # pylint: disable=import-outside-toplevel
    from azure.mgmt.network import models as network_models  # pylint: disable=import-outside-toplevel
    vm = compute_models.VirtualMachine({'location': 'westeurope', 'properties': {'hardwareProfile': {'vmSize': 'Standard_B2s'}}})
    assert to_rest(vm) == {'location': 'westeurope', 'properties': {'hardwareProfile': {'vmSize': 'Standard_B2s'}}}
    nic = network_models.NetworkInterface({'properties': {'ipConfigurations': [{'name': 'ip', 'properties': {'privateIPAddress': '10.0.0.4'}}]}})
    assert to_rest(nic)['properties']['ipConfigurations'][0]['properties']['privateIPAddress'] == '10.0.0.4'
    assert to_rest({'a': [1]}) == {'a': [1]}
    assert to_rest(None) is None


def test_ansible_host_preference():
    assert choose_ansible_host('1.2.3.4', 'x.cloudapp.azure.com', '10.0.0.4') == '1.2.3.4'
    assert choose_ansible_host(None, 'x.cloudapp.azure.com', '10.0.0.4') == 'x.cloudapp.azure.com'
    assert choose_ansible_host(None, None, '10.0.0.4') == '10.0.0.4'


def test_vm_to_dict_joins_nic_and_public_ip():
    vm = {'id': '/subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/vm1', 'name': 'vm1',
          'location': 'westeurope', 'zones': ['2'], 'properties': {
              'hardwareProfile': {'vmSize': 'Standard_B2s'},
              'instanceView': {'statuses': [{'code': 'PowerState/starting'}]},
              'networkProfile': {'networkInterfaces': [{'id': 'nic-a', 'properties': {'primary': False}},
                                                       {'id': 'nic-b', 'properties': {'primary': True}}]}}}
    nic = {'id': 'nic-b', 'properties': {'ipConfigurations': [{'properties': {
        'privateIPAddress': '10.0.0.5', 'publicIPAddress': {'id': 'pip'}, 'subnet': {'id': 'sn'}}}]}}
    pip = {'id': 'pip', 'properties': {'ipAddress': '20.1.1.1', 'dnsSettings': {'fqdn': 'a.b.c'}}}
    result = vm_to_dict(vm, nic, pip)
    assert result['resource_group'] == 'RG' and result['zone'] == '2'
    assert result['power_state'] == 'starting'
    assert (result['private_ip'], result['public_ip'], result['fqdn'], result['ansible_host']) == ('10.0.0.5', '20.1.1.1', 'a.b.c', '20.1.1.1')
    assert result['nic'] == 'nic-b' and result['network_interfaces'] == ['nic-a', 'nic-b']
    assert result['priority'] == 'Regular' and result['identity']['type'] == 'None'
    assert vm_to_dict(None) == {}
