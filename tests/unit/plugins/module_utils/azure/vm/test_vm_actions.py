# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ActionLog: every write is recorded; outside check mode it runs and is waited for; SDK errors name the action."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.actions import ActionLog
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import FakeArm, azure_error, rid

NSG_ID = rid('rg', 'Microsoft.Network/networkSecurityGroups', 'nsg1')


@pytest.fixture
def arm():
    return FakeArm(groups=('rg',))


def create_nsg(arm, log, wait=True):
    return log.apply('create', 'network_security_group', 'nsg1', NSG_ID, 'no rules',
                     lambda: arm.network.network_security_groups.begin_create_or_update('rg', 'nsg1', {'location': 'westeurope'}),
                     wait=wait)


def test_apply_records_runs_and_waits(arm):
    log = ActionLog(arm.context())
    created = create_nsg(arm, log)
    assert created['id'] == NSG_ID and created['properties']['provisioningState'] == 'Succeeded'
    assert log.actions == [{'action': 'create', 'type': 'network_security_group', 'name': 'nsg1', 'id': NSG_ID, 'detail': 'no rules'}]
    assert arm.writes() == ['network_security_groups.begin_create_or_update']
    assert arm.waited_for == ['create of network security group nsg1']


def test_without_wait_nothing_is_awaited(arm):
    log = ActionLog(arm.context())
    assert create_nsg(arm, log, wait=False) is None
    assert arm.writes() == ['network_security_groups.begin_create_or_update'] and arm.waited_for == []


def test_check_mode_records_without_calling(arm):
    log = ActionLog(arm.context(check_mode=True))
    assert create_nsg(arm, log) is None
    log.apply('delete', 'network_security_group', 'nsg1', NSG_ID, 'gone', lambda: pytest.fail('called in check mode'))
    assert [action['action'] for action in log.actions] == ['create', 'delete']
    assert log.deleted(NSG_ID.upper()) and not log.deleted(rid('rg', 'Microsoft.Network/networkSecurityGroups', 'other'))
    assert arm.calls == []


def test_sdk_errors_name_the_action(arm):
    arm.fail_on['network_security_groups.begin_create_or_update'] = azure_error(409, 'InUseSubnetCannotBeDeleted', 'in use')
    with pytest.raises(AzureModuleError) as info:
        create_nsg(arm, ActionLog(arm.context()))
    assert info.value.msg == 'Could not create network security group nsg1: InUseSubnetCannotBeDeleted: in use'
