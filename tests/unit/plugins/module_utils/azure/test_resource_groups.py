# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ResourceGroupManager and ResourceGroupInfo over the fake ARM (the real ResourceManagementClient runs)."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.resource_groups import ResourceGroupInfo, ResourceGroupManager
from ansible_collections.dockyard.azure.plugins.modules.resource_group import ARGUMENT_SPEC
from ansible_collections.dockyard.azure.plugins.modules.resource_group_info import ARGUMENT_SPEC as INFO_ARGUMENT_SPEC
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import Call, FakeArm, azure_error


def module_params(argument_spec, **values):
    params = {name: spec.get('default') for name, spec in argument_spec.items()}
    params.update(values)
    return params


@pytest.fixture
def arm():
    return FakeArm(subscription='sub-1')


def run(arm, check_mode=False, diff=False, **params):
    result = ResourceGroupManager(arm.context(check_mode=check_mode, diff=diff), module_params(ARGUMENT_SPEC, **params)).run()
    return result, arm


def run_once(arm, check_mode=False, **params):
    return run(arm, check_mode=check_mode, **params)[0]


def run_info(arm, **params):
    return ResourceGroupInfo(arm.context(), module_params(INFO_ARGUMENT_SPEC, **params)).run()


# --- create -------------------------------------------------------------------------------------

def test_create(arm):
    result, dummy = run(arm, diff=True, name='rg1', location='westeurope', tags={'env': 'dev', 'n': 1})
    assert result['changed'] is True
    assert arm.write_calls() == [Call('resource_groups.create_or_update', ('rg1', {'location': 'westeurope', 'tags': {'env': 'dev', 'n': '1'}}), {})]
    assert result['resource_group'] == {
        'id': '/subscriptions/sub-1/resourceGroups/rg1', 'name': 'rg1', 'location': 'westeurope',
        'tags': {'env': 'dev', 'n': '1'}, 'managed_by': None, 'provisioning_state': 'Succeeded'}
    assert result['diff'] == {'before': {}, 'after': {'location': 'westeurope', 'tags': {'env': 'dev', 'n': '1'}}}


def test_create_in_check_mode_writes_nothing_and_predicts(arm):
    result, dummy = run(arm, check_mode=True, name='rg1', location='westeurope')
    assert result['changed'] is True
    assert arm.writes() == []
    assert result['resource_group']['id'] == '/subscriptions/sub-1/resourceGroups/rg1'
    assert result['resource_group']['provisioning_state'] is None


def test_create_without_location_fails_before_writing(arm):
    with pytest.raises(AzureModuleError) as info:
        run(arm, name='rg1')
    assert "location is required to create resource group 'rg1'" in info.value.msg
    assert arm.writes() == []


def test_second_run_is_a_no_op(arm):
    run(arm, name='rg1', location='West Europe', tags={'env': 'dev'})
    arm.reset_calls()
    result, dummy = run(arm, diff=True, name='rg1', location='westeurope', tags={'env': 'dev'})
    assert result['changed'] is False
    assert arm.calls == [Call('resource_groups.get', ('rg1',), {})]
    assert result['diff']['before'] == result['diff']['after']


# --- update -------------------------------------------------------------------------------------

def test_append_tags_merges(arm):
    arm.add_group('rg1', tags={'owner': 'platform', 'env': 'dev'})
    result, dummy = run(arm, diff=True, name='rg1', tags={'env': 'prod'})
    assert result['changed'] is True
    assert arm.write_calls() == [Call('resource_groups.create_or_update',
                                      ('rg1', {'location': 'westeurope', 'tags': {'owner': 'platform', 'env': 'prod'}}), {})]
    assert result['diff']['before']['tags'] == {'owner': 'platform', 'env': 'dev'}
    assert result['diff']['after']['tags'] == {'owner': 'platform', 'env': 'prod'}


def test_append_tags_subset_is_no_change(arm):
    arm.add_group('rg1', tags={'owner': 'platform', 'env': 'dev'})
    result, dummy = run(arm, name='rg1', tags={'env': 'dev'})
    assert result['changed'] is False
    assert arm.writes() == []


def test_replace_tags(arm):
    arm.add_group('rg1', tags={'owner': 'platform', 'env': 'dev'})
    result, dummy = run(arm, name='rg1', tags={'env': 'dev'}, append_tags=False)
    assert result['changed'] is True
    assert result['resource_group']['tags'] == {'env': 'dev'}


def test_empty_tags_without_append_removes_all(arm):
    arm.add_group('rg1', tags={'owner': 'platform'})
    result, dummy = run(arm, name='rg1', tags={}, append_tags=False)
    assert result['changed'] is True
    assert arm.write_calls()[0].body['tags'] == {}


def test_update_in_check_mode_writes_nothing(arm):
    arm.add_group('rg1', tags={'env': 'dev'})
    result, dummy = run(arm, check_mode=True, diff=True, name='rg1', tags={'env': 'prod'})
    assert result['changed'] is True
    assert arm.writes() == []
    assert result['resource_group']['tags'] == {'env': 'prod'}
    assert result['diff']['after']['tags'] == {'env': 'prod'}


def test_update_keeps_managed_by(arm):
    arm.add_group('rg1', managed_by='/subscriptions/sub-1/providers/x')
    run(arm, name='rg1', tags={'a': 'b'})
    assert arm.write_calls()[0].body['managedBy'] == '/subscriptions/sub-1/providers/x'


def test_location_change_is_refused(arm):
    arm.add_group('rg1', location='westeurope')
    with pytest.raises(AzureModuleError) as info:
        run(arm, name='rg1', location='eastus')
    assert "is in 'westeurope'; its location cannot be changed to 'eastus'" in info.value.msg
    assert arm.writes() == []


def test_write_error_is_one_line_with_code(arm):
    arm.fail_on['resource_groups.create_or_update'] = azure_error(403, 'AuthorizationFailed', 'The client does not have authorization.')
    with pytest.raises(AzureModuleError) as info:
        run(arm, name='rg1', location='westeurope')
    assert info.value.msg == ("Could not create or update resource group 'rg1': AuthorizationFailed: "
                              "The client does not have authorization.")
    assert info.value.extra['error_code'] == 'AuthorizationFailed'


# --- delete -------------------------------------------------------------------------------------

def test_delete_absent_group_is_a_no_op(arm):
    result, dummy = run(arm, name='rg1', state='absent')
    assert result == {'changed': False, 'resource_group': {}}
    assert arm.writes() == []


def test_delete_empty_group_waits(arm):
    arm.add_group('rg1', tags={'env': 'dev'})
    result, arm = run(arm, diff=True, name='rg1', state='absent')
    assert result['changed'] is True
    assert arm.write_calls() == [Call('resource_groups.begin_delete', ('rg1',), {})]
    assert arm.waited_for == ["deletion of resource group 'rg1'"]
    assert result['diff'] == {'before': {'location': 'westeurope', 'tags': {'env': 'dev'}}, 'after': {}}


def test_delete_without_wait(arm):
    arm.add_group('rg1')
    result, arm = run(arm, name='rg1', state='absent', wait=False)
    assert result['changed'] is True
    assert arm.waited_for == []


def test_delete_nonempty_group_fails_and_lists_resources(arm):
    arm.add_group('rg1')
    arm.add_resource('rg1', 'vnet1')
    arm.add_resource('rg1', 'nic1', 'Microsoft.Network/networkInterfaces')
    with pytest.raises(AzureModuleError) as info:
        run(arm, name='rg1', state='absent')
    assert ("Resource group 'rg1' still contains 2 resource(s): vnet1 (Microsoft.Network/virtualNetworks), "
            "nic1 (Microsoft.Network/networkInterfaces)") in info.value.msg
    assert 'force_delete_nonempty=true' in info.value.msg
    assert len(info.value.extra['resources']) == 2
    assert arm.writes() == []


def test_delete_nonempty_listing_is_capped(arm):
    arm.add_group('rg1')
    for index in range(12):
        arm.add_resource('rg1', 'disk%d' % index, 'Microsoft.Compute/disks')
    with pytest.raises(AzureModuleError) as info:
        run(arm, name='rg1', state='absent')
    assert 'still contains 12 resource(s)' in info.value.msg
    assert 'and 2 more' in info.value.msg


def test_force_delete_nonempty_group(arm):
    arm.add_group('rg1')
    arm.add_resource('rg1', 'vnet1')
    result, dummy = run(arm, name='rg1', state='absent', force_delete_nonempty=True)
    assert result['changed'] is True
    assert arm.write_calls() == [Call('resource_groups.begin_delete', ('rg1',), {})]


def test_delete_in_check_mode_writes_nothing(arm):
    arm.add_group('rg1')
    result, dummy = run(arm, check_mode=True, name='rg1', state='absent')
    assert result['changed'] is True
    assert arm.writes() == []
    assert 'rg1' in arm.groups


# --- resource_group_info -------------------------------------------------------------------------

def test_one_group_by_name(arm):
    arm.add_group('rg1', tags={'env': 'dev'})
    arm.add_group('rg2')
    result = run_info(arm, name='rg1')
    assert result['changed'] is False
    assert [group['name'] for group in result['resource_groups']] == ['rg1']
    assert result['resource_groups'][0]['provisioning_state'] == 'Succeeded'
    assert arm.calls == [Call('resource_groups.get', ('rg1',), {})]


def test_missing_group_gives_empty_list(arm):
    assert run_info(arm, name='nope')['resource_groups'] == []


def test_list_all_filtered_by_tags(arm):
    arm.add_group('a', tags={'env': 'dev', 'owner': 'web'})
    arm.add_group('b', tags={'env': 'prod', 'owner': 'web'})
    arm.add_group('c', tags={'env': 'dev'})
    result = run_info(arm, tags=['env:dev', 'owner'])
    assert [group['name'] for group in result['resource_groups']] == ['a']
    assert [group['name'] for group in run_info(arm)['resource_groups']] == ['a', 'b', 'c']


def test_tag_value_with_colon(arm):
    arm.add_group('a', tags={'url': 'https://x'})
    assert len(run_info(arm, tags=['url:https://x'])['resource_groups']) == 1


def test_list_resources(arm):
    arm.add_group('rg1')
    arm.add_resource('rg1', 'vnet1')
    group = run_info(arm, name='rg1', list_resources=True)['resource_groups'][0]
    assert [(item['name'], item['type']) for item in group['resources']] == [('vnet1', 'Microsoft.Network/virtualNetworks')]


def test_resources_not_listed_by_default(arm):
    arm.add_group('rg1')
    assert 'resources' not in run_info(arm, name='rg1')['resource_groups'][0]


# --- the SDK's own behaviour: bearer token, LRO polling, throttling -----------------------------

def test_create_update_noop_delete_through_the_sdk(arm):
    result = run_once(arm, name='rg1', location='westeurope', tags={'env': 'dev'})
    assert result['changed'] is True
    assert result['resource_group']['provisioning_state'] == 'Succeeded'
    assert arm.groups['rg1']['tags'] == {'env': 'dev'}
    assert all(auth_header == 'Bearer fake-token' for dummy, dummy2, auth_header in arm.requests)

    arm.requests.clear()
    assert run_once(arm, name='rg1', location='westeurope', tags={'env': 'dev'})['changed'] is False
    assert [method for method, dummy, dummy2 in arm.requests] == ['GET']

    arm.groups['rg1']['managedBy'] = '/subscriptions/x/providers/y'
    run_once(arm, name='rg1', tags={'team': 'web'})
    assert arm.groups['rg1']['tags'] == {'env': 'dev', 'team': 'web'}
    assert arm.groups['rg1']['managedBy'] == '/subscriptions/x/providers/y'

    result = run_once(arm, name='rg1', state='absent')
    assert result['changed'] is True
    assert 'rg1' not in arm.groups
    assert ('GET', '/operations/del-1') in [(m, p) for m, p, dummy in arm.requests]


def test_throttling_is_retried_by_the_sdk_policy(arm):
    arm.throttle_next = 2
    result = run_once(arm, name='rg1', location='westeurope')
    assert result['changed'] is True
    # two throttled GETs of the group, the one answered, the provider's locations; then the PUT
    assert [method for method, dummy, dummy2 in arm.requests] == ['GET', 'GET', 'GET', 'GET', 'PUT']


def test_check_mode_sends_only_reads(arm):
    run_once(arm, check_mode=True, name='rg1', location='westeurope')
    assert {method for method, dummy, dummy2 in arm.requests} == {'GET'}


def test_not_found_on_delete_path_is_no_change_and_errors_are_one_line(arm):
    assert run_once(arm, name='gone', state='absent')['changed'] is False
    arm.throttle_next = 10
    with pytest.raises(AzureModuleError) as info:
        run_once(arm, name='rg1', location='westeurope')
    assert info.value.msg == "Could not read resource group 'rg1': TooManyRequests: slow down"


def test_a_location_resource_groups_are_not_offered_in_is_refused_before_the_put(arm):
    """Issue 11: the PUT used to be sent, and Azure refused it (LocationNotAvailableForResourceGroup)."""
    with pytest.raises(AzureModuleError) as info:
        run_once(arm, name='rg1', location='nowhere')
    assert info.value.option == 'location' and "'nowhere' is not a location" in info.value.msg and 'westeurope' in info.value.msg
    assert [method for method, dummy, dummy2 in arm.requests] == ['GET', 'GET']


@pytest.mark.parametrize('name', ['bad/name', 'x' * 91, 'ends-with-dot.', '', 'has space'])
def test_a_name_azure_refuses_is_refused_before_any_call(arm, name):
    with pytest.raises(AzureModuleError) as info:
        run_once(arm, name=name, location='westeurope')
    assert info.value.option == 'name' and arm.requests == []
