# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""resource_group_info through main() (the manager: test_resource_groups.py)."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.modules import resource_group_info


def test_main_filters_by_tags_and_lists_resources(run_module, arm):
    arm.add_group('web', tags={'env': 'dev', 'role': 'web'})
    arm.add_group('db', tags={'env': 'dev'})
    arm.add_resource('web', 'vnet1')
    result = run_module(resource_group_info.main, {'tags': ['env:dev', 'role'], 'list_resources': True})
    assert result['changed'] is False
    assert [(group['name'], group['tags']) for group in result['resource_groups']] == [('web', {'env': 'dev', 'role': 'web'})]
    assert [item['name'] for item in result['resource_groups'][0]['resources']] == ['vnet1']
    assert [call.operation for call in arm.calls] == ['resource_groups.list', 'resources.list_by_resource_group']


def test_main_check_mode_and_missing_group(run_module, arm):
    result = run_module(resource_group_info.main, {'name': 'nope', '_ansible_check_mode': True})
    assert result['changed'] is False and result['resource_groups'] == []
