# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The generic ARM helpers: REST conversion of SDK models, reads that answer None on 404, resource IDs, locations."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    get_path,
    group_of,
    ids_equal,
    list_rest,
    locations_equal,
    make_resource_id,
    normalize_location,
    parse_resource_id,
    read_or_none,
    to_rest,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import FakeArm, azure_error


def test_resource_ids():
    rid = make_resource_id('s', 'rg', 'Microsoft.Network/virtualNetworks', 'v', 'subnets', 'default')
    assert rid == '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/default'
    parsed = parse_resource_id(rid)
    assert parsed.resource_group == 'rg' and parsed.type == 'virtualNetworks' and parsed.name == 'v'
    assert parsed.children == [('subnets', 'default')]
    assert parse_resource_id('nic0') is None
    assert ids_equal(rid.upper(), rid + '/')


def test_group_ids_and_groups_of_ids():
    parsed = parse_resource_id('/subscriptions/s/resourceGroups/RG')
    assert (parsed.subscription, parsed.resource_group, parsed.name) == ('s', 'RG', None)
    assert group_of('/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/n') == 'rg'
    assert group_of(None) is None and group_of('n') is None
    assert not ids_equal('/a/b', None) and ids_equal(None, None)


def test_to_rest_of_sdk_models():
    from azure.mgmt.compute import models as compute_models  # pylint: disable=import-outside-toplevel
    from azure.mgmt.network import models as network_models  # pylint: disable=import-outside-toplevel
    vm = compute_models.VirtualMachine({'location': 'westeurope', 'properties': {'hardwareProfile': {'vmSize': 'Standard_B2s'}}})
    assert to_rest(vm) == {'location': 'westeurope', 'properties': {'hardwareProfile': {'vmSize': 'Standard_B2s'}}}
    nic = network_models.NetworkInterface({'properties': {'ipConfigurations': [{'name': 'ip', 'properties': {'privateIPAddress': '10.0.0.4'}}]}})
    assert to_rest(nic)['properties']['ipConfigurations'][0]['properties']['privateIPAddress'] == '10.0.0.4'
    assert to_rest({'a': [1]}) == {'a': [1]}
    assert to_rest(None) is None


def test_get_path():
    data = {'a': {'b': [{'c': 1}]}, 'n': None}
    assert get_path(data, 'a', 'b', 0, 'c') == 1
    assert get_path(data, 'a', 'b', 5, 'c', default='x') == 'x'
    assert get_path(data, 'n', 'x', default=[]) == []
    assert get_path(None, 'a') is None


def test_locations_compare_without_case_and_spaces():
    assert normalize_location('West Europe') == 'westeurope' and normalize_location(None) is None
    assert locations_equal('West Europe', 'westeurope') and not locations_equal('westeurope', 'eastus')


@pytest.fixture
def arm():
    return FakeArm(groups=('rg',))


def test_read_or_none_reads_through_the_sdk_and_answers_none_on_404(arm):
    arm.add_resource('rg', 'vnet1', tags={'a': 'b'})
    vnet = read_or_none("vnet 'vnet1'", arm.network.virtual_networks.get, 'rg', 'vnet1')
    assert vnet['name'] == 'vnet1' and vnet['tags'] == {'a': 'b'} and isinstance(vnet, dict)
    assert read_or_none("vnet 'nope'", arm.network.virtual_networks.get, 'rg', 'nope') is None


def test_read_or_none_lets_the_caller_refuse_a_404(arm):
    seen = []

    def missing_group(exc):
        seen.append(exc.error.code)
        raise AzureModuleError('resource_group: no such group', option='resource_group')

    with pytest.raises(AzureModuleError, match='resource_group: no such group'):
        read_or_none("vnet 'x'", arm.network.virtual_networks.get, 'missing', 'x', on_not_found=missing_group)
    assert seen == ['ResourceGroupNotFound']


def test_read_or_none_and_list_rest_name_what_failed(arm):
    arm.fail_on['virtual_networks.get'] = azure_error(403, 'AuthorizationFailed', 'no access')
    with pytest.raises(AzureModuleError) as info:
        read_or_none("vnet 'vnet1'", arm.network.virtual_networks.get, 'rg', 'vnet1')
    assert info.value.msg == "Could not read vnet 'vnet1': AuthorizationFailed: no access"
    assert info.value.extra == {'error_code': 'AuthorizationFailed', 'status_code': 403}
    arm.fail_on['virtual_networks.list'] = azure_error(403, 'AuthorizationFailed', 'no access')
    with pytest.raises(AzureModuleError, match="^size: could not list: AuthorizationFailed"):
        list_rest('vnets', arm.network.virtual_networks.list, 'rg', error_prefix='size: could not list')


def test_list_rest_gives_rest_dicts(arm):
    arm.add_resource('rg', 'vnet1')
    arm.add_resource('rg', 'vnet2')
    assert [item['name'] for item in list_rest('vnets', arm.network.virtual_networks.list, 'rg')] == ['vnet1', 'vnet2']
