# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ResourcesById over the fake ARM: the generic by-ID operations, with the provider's pinned api-version."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.by_id import API_VERSIONS, ResourcesById, api_version_for
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import FakeArm, azure_error, rid

NSG_ID = rid('rg', 'Microsoft.Network/networkSecurityGroups', 'nsg1')
SUBNET_ID = rid('rg', 'Microsoft.Network/virtualNetworks', 'vnet1') + '/subnets/default'


@pytest.fixture
def arm():
    return FakeArm(groups=('rg',))


def test_api_version_per_provider():
    assert api_version_for(NSG_ID) == API_VERSIONS['microsoft.network']
    assert api_version_for(SUBNET_ID.upper().replace('/SUBSCRIPTIONS/', '/subscriptions/')) == API_VERSIONS['microsoft.network']
    with pytest.raises(ValueError, match='No api-version'):
        api_version_for(rid('rg', 'Microsoft.Storage/storageAccounts', 'sa'))


def test_put_get_delete_by_id(arm):
    by_id = ResourcesById(arm.context())
    assert by_id.get('nsg', NSG_ID) is None
    created = arm.wait(by_id.begin_put(NSG_ID, {'location': 'westeurope', 'tags': {'a': 'b'},
                                                'properties': {'securityRules': []}}), 'create')
    assert created['id'] == NSG_ID
    read = by_id.get('nsg', NSG_ID)
    assert read['tags'] == {'a': 'b'} and read['properties']['provisioningState'] == 'Succeeded'
    assert isinstance(read, dict) and isinstance(read['properties'], dict)  # plain REST dicts, not SDK models
    assert not hasattr(read, 'as_dict') and not hasattr(read['properties'], 'as_dict')
    arm.wait(by_id.begin_delete(NSG_ID), 'delete')
    assert by_id.get('nsg', NSG_ID) is None
    # The same REST calls a provider SDK makes (the fake names them as azure-mgmt-network does), with the pinned version.
    assert arm.writes() == ['network_security_groups.begin_create_or_update', 'network_security_groups.begin_delete']
    assert {version for method, path, version in arm.api_versions if 'networkSecurityGroups' in path} == {'2024-05-01'}


def test_child_resource_by_id(arm):
    by_id = ResourcesById(arm.context())
    arm.wait(by_id.begin_put(rid('rg', 'Microsoft.Network/virtualNetworks', 'vnet1'), {
        'location': 'westeurope', 'properties': {'addressSpace': {'addressPrefixes': ['10.0.0.0/16']}, 'subnets': []}}), 'vnet')
    arm.wait(by_id.begin_put(SUBNET_ID, {'name': 'default', 'properties': {'addressPrefix': '10.0.0.0/24'}}), 'subnet')
    assert arm.writes()[-1] == 'subnets.begin_create_or_update'
    assert by_id.get('subnet', SUBNET_ID)['properties']['addressPrefix'] == '10.0.0.0/24'


def test_read_errors_name_what_was_read(arm):
    arm.fail_on['network_security_groups.get'] = azure_error(403, 'AuthorizationFailed', 'no read permission')
    with pytest.raises(AzureModuleError) as info:
        ResourcesById(arm.context()).get("nsg '%s'" % NSG_ID, NSG_ID)
    assert info.value.msg == "Could not read nsg '%s': AuthorizationFailed: no read permission" % NSG_ID
