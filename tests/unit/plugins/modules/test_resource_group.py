# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""resource_group through main(): option errors, check and diff mode, SDK errors (the manager: test_resource_groups.py)."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.modules import resource_group
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import azure_error


def test_main_fails_on_bad_auth_options_before_any_call(run_module):
    result = run_module(resource_group.main, {'name': 'rg1', 'location': 'westeurope', 'subscription_id': 'sub-1',
                                              'client_secret': 'hunter2', 'tenant_id': 't'})
    assert result['failed'] is True
    assert result['option'] == 'client_id'
    assert result['msg'].startswith('client_secret is set but client_id is missing')
    assert 'hunter2' not in str(result)


def test_main_end_to_end_over_the_fake_arm(run_module, arm):
    args = {'name': 'rg1', 'location': 'westeurope', 'tags': {'env': 'dev'}, 'subscription_id': 'sub-1',
            '_ansible_check_mode': True, '_ansible_diff': True}
    result = run_module(resource_group.main, args)
    assert result['changed'] is True
    assert result['diff'] == {'before': {}, 'after': {'location': 'westeurope', 'tags': {'env': 'dev'}}}
    assert arm.writes() == []


def test_main_reports_sdk_errors_as_one_line(run_module, arm):
    arm.fail_on['resource_groups.create_or_update'] = azure_error(403, 'AuthorizationFailed', 'The client does not have authorization.')
    result = run_module(resource_group.main, {'name': 'rg1', 'location': 'westeurope', 'subscription_id': 'sub-1'})
    assert result['failed'] is True
    assert result['msg'] == "Could not create or update resource group 'rg1': AuthorizationFailed: The client does not have authorization."
    assert result['error_code'] == 'AuthorizationFailed'
    assert result['status_code'] == 403


def test_main_refuses_reserved_characters_in_tag_names_before_any_call(run_module, arm):
    result = run_module(resource_group.main, {'name': 'rg1', 'location': 'westeurope', 'tags': {'a/b': 'x'}})
    assert result['failed'] is True and result['option'] == 'tags'
    assert result['msg'] == "tags: 'a/b' is not a valid tag name (1-512 characters, none of < > % & \\ ? /)."
    assert arm.calls == []
