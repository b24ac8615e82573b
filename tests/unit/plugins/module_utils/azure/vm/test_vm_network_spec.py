# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired network: VNet/subnet defaults, references by name or ID, DNS labels, request bodies and comparisons."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.network_spec import (
    SubnetSpec,
    desired_network,
    nic_body,
    nic_differs,
    public_ip_body,
    public_ip_differs,
)

SUB = 'sub'


def params(**kw):
    base = {'network_interface': None, 'virtual_network': None, 'virtual_network_address_prefixes': None, 'subnet': None,
            'subnet_address_prefix': None, 'public_ip': None, 'dns_label': None, 'inbound_rules': None}
    base.update(kw)
    return base


def test_default_network():
    net = desired_network(params(), SUB, 'rg', 'vm1')
    assert net.mode == 'owned'
    assert net.vnet.name == 'vm1-vnet' and net.vnet.prefixes == ['10.0.0.0/16']
    assert net.subnet == SubnetSpec(name='default', prefix='10.0.0.0/24',
                                    id='/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vm1-vnet/subnets/default')
    assert net.nic.name == 'vm1-nic' and net.nsg.name == 'vm1-nsg' and net.public_ip.name == 'vm1-pip'
    assert net.public_ip.wanted is None and net.nsg.rules is None
    assert net.placement_explicit is False


def test_named_vnet_without_prefixes_is_used_not_created():
    net = desired_network(params(virtual_network='hub', subnet='apps'), SUB, 'rg', 'vm1')
    assert net.vnet.prefixes is None and net.subnet.prefix is None
    assert net.placement_explicit is True


def test_vnet_by_id_in_other_group():
    vnet_id = '/subscriptions/sub/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub'
    net = desired_network(params(virtual_network=vnet_id, virtual_network_address_prefixes=['10.5.0.0/16']), SUB, 'rg', 'vm1')
    assert net.vnet.resource_group == 'net'
    assert net.subnet.prefix == '10.5.0.0/16'


def test_subnet_outside_vnet_is_refused():
    with pytest.raises(AzureModuleError, match="subnet_address_prefix: '10.9.0.0/24' is not inside"):
        desired_network(params(virtual_network_address_prefixes=['10.0.0.0/16'], subnet_address_prefix='10.9.0.0/24'), SUB, 'rg', 'vm1')
    with pytest.raises(AzureModuleError, match='virtual_network_address_prefixes'):
        desired_network(params(virtual_network_address_prefixes=['10.0.0.1/16']), SUB, 'rg', 'vm1')


def test_dns_label_rules():
    with pytest.raises(AzureModuleError, match='dns_label: a DNS label needs a public IP'):
        desired_network(params(dns_label='abc'), SUB, 'rg', 'vm1')
    with pytest.raises(AzureModuleError, match="dns_label: 'Bad_Label' is not valid"):
        desired_network(params(public_ip=True, dns_label='Bad_Label'), SUB, 'rg', 'vm1')


def test_existing_nic_by_name_or_id():
    net = desired_network(params(network_interface='nic0'), SUB, 'rg', 'vm1')
    assert net.mode == 'existing_nic' and net.nic.id.endswith('/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic0')
    with pytest.raises(AzureModuleError, match='network_interface:'):
        desired_network(params(network_interface='/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/x'), SUB, 'rg', 'vm1')


def test_nic_and_public_ip_bodies():
    body = nic_body('westeurope', 'vmid', 'subnet-id', 'pip-id', 'nsg-id')
    config = body['properties']['ipConfigurations'][0]['properties']
    assert config['subnet'] == {'id': 'subnet-id'} and config['publicIPAddress'] == {'id': 'pip-id'}
    assert body['properties']['networkSecurityGroup'] == {'id': 'nsg-id'}
    actual = {'properties': {'ipConfigurations': [{'properties': {'subnet': {'id': 'SUBNET-ID'}, 'publicIPAddress': {'id': 'pip-id'}}}],
                             'networkSecurityGroup': {'id': 'nsg-id'}}}
    assert nic_differs(actual, 'subnet-id', 'pip-id', 'nsg-id') == []
    assert nic_differs(actual, 'subnet-id', None, 'other') == ['public_ip', 'nsg']
    pip = public_ip_body('westeurope', 'vmid', 'label', zone='2')
    assert pip['sku']['name'] == 'Standard' and pip['properties']['publicIPAllocationMethod'] == 'Static'
    assert pip['zones'] == ['2']
    assert not public_ip_differs('label', pip) and public_ip_differs('other', pip) and public_ip_differs(None, pip)
