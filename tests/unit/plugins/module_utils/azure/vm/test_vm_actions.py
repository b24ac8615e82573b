# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ActionLog: every write is recorded; outside check mode it runs and is waited for; SDK errors name the action;
independent writes run together."""

from __future__ import annotations

import threading

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.actions import ActionLog, Write
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


def _write(arm, name, body=None):
    return Write('create', 'network_security_group', name, rid('rg', 'Microsoft.Network/networkSecurityGroups', name), 'no rules',
                 lambda: arm.network.network_security_groups.begin_create_or_update('rg', name, body or {'location': 'westeurope'}))


def test_apply_together_runs_the_writes_concurrently(arm):
    both_started = threading.Barrier(2, timeout=30)  # a serial run would never have two waits in flight: BrokenBarrierError

    def wait(poller, operation):
        both_started.wait()
        return arm.wait(poller, operation)

    log = ActionLog(arm.context(wait=wait))
    results = log.apply_together([_write(arm, 'nsg1'), _write(arm, 'nsg2')])
    assert [result['name'] for result in results] == ['nsg1', 'nsg2']
    assert [action['name'] for action in log.actions] == ['nsg1', 'nsg2']
    assert sorted(arm.names()) == ['nsg1', 'nsg2']


def test_apply_together_in_check_mode_records_in_order(arm):
    log = ActionLog(arm.context(check_mode=True))
    assert log.apply_together([_write(arm, 'nsg1'), _write(arm, 'nsg2')]) == [None, None]
    assert [action['name'] for action in log.actions] == ['nsg1', 'nsg2'] and arm.calls == []


def test_apply_together_waits_for_all_then_raises_the_first_failure(arm):
    arm.fail_on['virtual_networks.begin_create_or_update'] = azure_error(400, 'InvalidAddressPrefix', 'bad prefix')
    vnet = Write('create', 'virtual_network', 'vnet1', rid('rg', 'Microsoft.Network/virtualNetworks', 'vnet1'), '10.0.0.0/16',
                 lambda: arm.network.virtual_networks.begin_create_or_update('rg', 'vnet1', {'location': 'westeurope'}))
    with pytest.raises(AzureModuleError) as info:
        ActionLog(arm.context()).apply_together([vnet, _write(arm, 'nsg1')])
    assert info.value.msg == 'Could not create virtual network vnet1: InvalidAddressPrefix: bad prefix'
    assert info.value.extra == {'error_code': 'InvalidAddressPrefix', 'status_code': 400}
    assert arm.names() == ['nsg1'], 'the other write completed'
