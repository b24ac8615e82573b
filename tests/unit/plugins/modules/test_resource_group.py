# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.modules import resource_group
from ansible_collections.dockyard.azure.plugins.modules.resource_group import ARGUMENT_SPEC, ResourceGroupManager
from ansible_collections.dockyard.azure.tests.unit.utils.azure_fakes import FakeModule, module_params


def run(client, check_mode=False, diff=False, **params):
    module = FakeModule(client, module_params(ARGUMENT_SPEC, **params), check_mode=check_mode, diff=diff)
    return ResourceGroupManager(module).run(), module


# --- create -------------------------------------------------------------------------------------

def test_create(fake_client):
    result, dummy = run(fake_client, diff=True, name='rg1', location='westeurope', tags={'env': 'dev', 'n': 1})
    assert result['changed'] is True
    assert fake_client.writes == [('create_or_update', 'rg1', {'location': 'westeurope', 'tags': {'env': 'dev', 'n': '1'}})]
    assert result['resource_group'] == {
        'id': '/subscriptions/sub-1/resourceGroups/rg1', 'name': 'rg1', 'location': 'westeurope',
        'tags': {'env': 'dev', 'n': '1'}, 'managed_by': None, 'provisioning_state': 'Succeeded'}
    assert result['diff'] == {'before': {}, 'after': {'location': 'westeurope', 'tags': {'env': 'dev', 'n': '1'}}}


def test_create_in_check_mode_writes_nothing_and_predicts(fake_client):
    result, dummy = run(fake_client, check_mode=True, name='rg1', location='westeurope')
    assert result['changed'] is True
    assert fake_client.writes == []
    assert result['resource_group']['id'] == '/subscriptions/sub-1/resourceGroups/rg1'
    assert result['resource_group']['provisioning_state'] is None


def test_create_without_location_fails_before_writing(fake_client):
    with pytest.raises(AzureModuleError) as info:
        run(fake_client, name='rg1')
    assert "location is required to create resource group 'rg1'" in info.value.msg
    assert fake_client.writes == []


def test_second_run_is_a_no_op(fake_client):
    run(fake_client, name='rg1', location='West Europe', tags={'env': 'dev'})
    fake_client.calls.clear()
    result, dummy = run(fake_client, diff=True, name='rg1', location='westeurope', tags={'env': 'dev'})
    assert result['changed'] is False
    assert fake_client.calls == [('get', 'rg1')]
    assert result['diff']['before'] == result['diff']['after']


# --- update -------------------------------------------------------------------------------------

def test_append_tags_merges(fake_client):
    fake_client.add_group('rg1', tags={'owner': 'platform', 'env': 'dev'})
    result, dummy = run(fake_client, diff=True, name='rg1', tags={'env': 'prod'})
    assert result['changed'] is True
    assert fake_client.writes == [('create_or_update', 'rg1', {'location': 'westeurope', 'tags': {'owner': 'platform', 'env': 'prod'}})]
    assert result['diff']['before']['tags'] == {'owner': 'platform', 'env': 'dev'}
    assert result['diff']['after']['tags'] == {'owner': 'platform', 'env': 'prod'}


def test_append_tags_subset_is_no_change(fake_client):
    fake_client.add_group('rg1', tags={'owner': 'platform', 'env': 'dev'})
    result, dummy = run(fake_client, name='rg1', tags={'env': 'dev'})
    assert result['changed'] is False
    assert fake_client.writes == []


def test_replace_tags(fake_client):
    fake_client.add_group('rg1', tags={'owner': 'platform', 'env': 'dev'})
    result, dummy = run(fake_client, name='rg1', tags={'env': 'dev'}, append_tags=False)
    assert result['changed'] is True
    assert result['resource_group']['tags'] == {'env': 'dev'}


def test_empty_tags_without_append_removes_all(fake_client):
    fake_client.add_group('rg1', tags={'owner': 'platform'})
    result, dummy = run(fake_client, name='rg1', tags={}, append_tags=False)
    assert result['changed'] is True
    assert fake_client.writes[0][2]['tags'] == {}


def test_update_in_check_mode_writes_nothing(fake_client):
    fake_client.add_group('rg1', tags={'env': 'dev'})
    result, dummy = run(fake_client, check_mode=True, diff=True, name='rg1', tags={'env': 'prod'})
    assert result['changed'] is True
    assert fake_client.writes == []
    assert result['resource_group']['tags'] == {'env': 'prod'}
    assert result['diff']['after']['tags'] == {'env': 'prod'}


def test_update_keeps_managed_by(fake_client):
    fake_client.add_group('rg1', managed_by='/subscriptions/sub-1/providers/x')
    run(fake_client, name='rg1', tags={'a': 'b'})
    assert fake_client.writes[0][2]['managedBy'] == '/subscriptions/sub-1/providers/x'


def test_location_change_is_refused(fake_client):
    fake_client.add_group('rg1', location='westeurope')
    with pytest.raises(AzureModuleError) as info:
        run(fake_client, name='rg1', location='eastus')
    assert "is in 'westeurope'; its location cannot be changed to 'eastus'" in info.value.msg
    assert fake_client.writes == []


def test_write_error_is_one_line_with_code(fake_client):
    fake_client.store['fail_writes'] = True
    with pytest.raises(AzureModuleError) as info:
        run(fake_client, name='rg1', location='westeurope')
    assert info.value.msg == ("Could not create or update resource group 'rg1': AuthorizationFailed: "
                              "The client does not have authorization.")
    assert info.value.extra['error_code'] == 'AuthorizationFailed'


# --- delete -------------------------------------------------------------------------------------

def test_delete_absent_group_is_a_no_op(fake_client):
    result, dummy = run(fake_client, name='rg1', state='absent')
    assert result == {'changed': False, 'resource_group': {}}
    assert fake_client.writes == []


def test_delete_empty_group_waits(fake_client):
    fake_client.add_group('rg1', tags={'env': 'dev'})
    result, module = run(fake_client, diff=True, name='rg1', state='absent')
    assert result['changed'] is True
    assert fake_client.writes == [('begin_delete', 'rg1')]
    assert module.waited_for == ["deletion of resource group 'rg1'"]
    assert result['diff'] == {'before': {'location': 'westeurope', 'tags': {'env': 'dev'}}, 'after': {}}


def test_delete_without_wait(fake_client):
    fake_client.add_group('rg1')
    result, module = run(fake_client, name='rg1', state='absent', wait=False)
    assert result['changed'] is True
    assert module.waited_for == []


def test_delete_nonempty_group_fails_and_lists_resources(fake_client):
    fake_client.add_group('rg1')
    fake_client.add_resource('rg1', 'vnet1')
    fake_client.add_resource('rg1', 'nic1', 'Microsoft.Network/networkInterfaces')
    with pytest.raises(AzureModuleError) as info:
        run(fake_client, name='rg1', state='absent')
    assert ("Resource group 'rg1' still contains 2 resource(s): vnet1 (Microsoft.Network/virtualNetworks), "
            "nic1 (Microsoft.Network/networkInterfaces)") in info.value.msg
    assert 'force_delete_nonempty=true' in info.value.msg
    assert len(info.value.extra['resources']) == 2
    assert fake_client.writes == []


def test_delete_nonempty_listing_is_capped(fake_client):
    fake_client.add_group('rg1')
    for index in range(12):
        fake_client.add_resource('rg1', 'disk%d' % index, 'Microsoft.Compute/disks')
    with pytest.raises(AzureModuleError) as info:
        run(fake_client, name='rg1', state='absent')
    assert 'still contains 12 resource(s)' in info.value.msg
    assert 'and 2 more' in info.value.msg


def test_force_delete_nonempty_group(fake_client):
    fake_client.add_group('rg1')
    fake_client.add_resource('rg1', 'vnet1')
    result, dummy = run(fake_client, name='rg1', state='absent', force_delete_nonempty=True)
    assert result['changed'] is True
    assert fake_client.writes == [('begin_delete', 'rg1')]


def test_delete_in_check_mode_writes_nothing(fake_client):
    fake_client.add_group('rg1')
    result, dummy = run(fake_client, check_mode=True, name='rg1', state='absent')
    assert result['changed'] is True
    assert fake_client.writes == []
    assert 'rg1' in fake_client.store['groups']


# --- the module entry point ---------------------------------------------------------------------

def test_main_fails_on_bad_auth_options_before_any_call(run_module):
    result = run_module(resource_group.main, {'name': 'rg1', 'location': 'westeurope', 'subscription_id': 'sub-1',
                                              'client_secret': 'hunter2', 'tenant_id': 't'})
    assert result['failed'] is True
    assert result['option'] == 'client_id'
    assert result['msg'].startswith('client_secret is set but client_id is missing')
    assert 'hunter2' not in str(result)


def test_main_end_to_end_with_fake_client(run_module, monkeypatch, fake_client):
    monkeypatch.setattr(AzureModule, 'client', lambda self, name: fake_client)
    args = {'name': 'rg1', 'location': 'westeurope', 'tags': {'env': 'dev'}, 'subscription_id': 'sub-1',
            '_ansible_check_mode': True, '_ansible_diff': True}
    result = run_module(resource_group.main, args)
    assert result['changed'] is True
    assert result['diff'] == {'before': {}, 'after': {'location': 'westeurope', 'tags': {'env': 'dev'}}}
    assert fake_client.writes == []


def test_main_reports_sdk_errors_as_one_line(run_module, monkeypatch, fake_client):
    monkeypatch.setattr(AzureModule, 'client', lambda self, name: fake_client)
    fake_client.store['fail_writes'] = True
    result = run_module(resource_group.main, {'name': 'rg1', 'location': 'westeurope', 'subscription_id': 'sub-1'})
    assert result['failed'] is True
    assert result['msg'] == "Could not create or update resource group 'rg1': AuthorizationFailed: The client does not have authorization."
    assert result['error_code'] == 'AuthorizationFailed'
    assert result['status_code'] == 403
