# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.modules.resource_group_info import ARGUMENT_SPEC, ResourceGroupInfo
from ansible_collections.dockyard.azure.tests.unit.utils.azure_fakes import FakeModule, module_params


def run(client, **params):
    return ResourceGroupInfo(FakeModule(client, module_params(ARGUMENT_SPEC, **params))).run()


def test_one_group_by_name(fake_client):
    fake_client.add_group('rg1', tags={'env': 'dev'})
    fake_client.add_group('rg2')
    result = run(fake_client, name='rg1')
    assert result['changed'] is False
    assert [group['name'] for group in result['resource_groups']] == ['rg1']
    assert result['resource_groups'][0]['provisioning_state'] == 'Succeeded'
    assert fake_client.calls == [('get', 'rg1')]


def test_missing_group_gives_empty_list(fake_client):
    assert run(fake_client, name='nope')['resource_groups'] == []


def test_list_all_filtered_by_tags(fake_client):
    fake_client.add_group('a', tags={'env': 'dev', 'owner': 'web'})
    fake_client.add_group('b', tags={'env': 'prod', 'owner': 'web'})
    fake_client.add_group('c', tags={'env': 'dev'})
    result = run(fake_client, tags=['env:dev', 'owner'])
    assert [group['name'] for group in result['resource_groups']] == ['a']
    assert [group['name'] for group in run(fake_client)['resource_groups']] == ['a', 'b', 'c']


def test_tag_value_with_colon(fake_client):
    fake_client.add_group('a', tags={'url': 'https://x'})
    assert len(run(fake_client, tags=['url:https://x'])['resource_groups']) == 1


def test_list_resources(fake_client):
    fake_client.add_group('rg1')
    fake_client.add_resource('rg1', 'vnet1')
    group = run(fake_client, name='rg1', list_resources=True)['resource_groups'][0]
    assert [(item['name'], item['type']) for item in group['resources']] == [('vnet1', 'Microsoft.Network/virtualNetworks')]


def test_resources_not_listed_by_default(fake_client):
    fake_client.add_group('rg1')
    assert 'resources' not in run(fake_client, name='rg1')['resource_groups'][0]
