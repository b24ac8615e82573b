# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power states and transitions, addresses, the result shape."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import (
    ansible_host,
    choose_ansible_host,
    nic_addresses,
    power_actions,
    power_state_from_instance_view,
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


def test_nic_addresses_are_named():
    nic = {'properties': {'networkSecurityGroup': {'id': 'nsg'}, 'ipConfigurations': [
        {'properties': {'primary': False, 'privateIPAddress': '10.0.0.9'}},
        {'properties': {'primary': True, 'privateIPAddress': '10.0.0.5', 'publicIPAddress': {'id': 'pip'}, 'subnet': {'id': 'sn'}}}]}}
    addresses = nic_addresses(nic)
    assert (addresses.private_ip, addresses.public_ip_id, addresses.subnet_id, addresses.nsg_id) == ('10.0.0.5', 'pip', 'sn', 'nsg')
    assert nic_addresses(None) == (None, None, None, None)


def test_ansible_host_of_nic_and_public_ip():
    nic = {'properties': {'ipConfigurations': [{'properties': {'privateIPAddress': '10.0.0.5'}}]}}
    assert ansible_host(nic, {'properties': {'ipAddress': '20.1.1.1', 'dnsSettings': {'fqdn': 'a.b.c'}}}) == '20.1.1.1'
    assert ansible_host(nic, {'properties': {'dnsSettings': {'fqdn': 'a.b.c'}}}) == 'a.b.c'
    assert ansible_host(nic, None) == '10.0.0.5'
    assert ansible_host(None, None) is None
