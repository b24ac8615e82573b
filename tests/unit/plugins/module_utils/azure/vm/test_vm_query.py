# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vm_info reads: a constant number of calls whatever the number of VMs, joined in memory."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.manager import VmManager
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.query import VmQuery
from ansible_collections.dockyard.azure.plugins.modules.vm import ARGUMENT_SPEC
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import FakeArm, azure_error
from ansible_collections.dockyard.azure.tests.unit.utils.ssh_keys import ED25519


def create(azure, name, rg='rg', public_ip=True, tags=None):
    values = {key: spec.get('default') for key, spec in ARGUMENT_SPEC.items()}
    values.update(name=name, resource_group=rg, size='Standard_B2s', image='debian12', ssh_public_keys=[ED25519],
                  public_ip=public_ip, tags=tags)
    VmManager(azure.context(), values).run()


@pytest.fixture
def azure():
    return FakeArm(groups=('rg', 'other'))


@pytest.mark.parametrize('count', [1, 3, 8])
def test_group_listing_makes_three_calls_for_any_number_of_vms(azure, count):
    for index in range(count):
        create(azure, 'vm%d' % index, public_ip=index % 2 == 0)
    create(azure, 'elsewhere', rg='other')
    azure.reset_calls()
    query = VmQuery(azure.context())
    vms = query.query(resource_group='rg')
    assert len(vms) == count
    assert [c[0] for c in azure.calls] == ['virtual_machines.list', 'network_interfaces.list', 'public_ip_addresses.list']
    assert query.calls == 3
    first = [vm for vm in vms if vm['name'] == 'vm0'][0]
    assert first['power_state'] == 'running' and first['public_ip'] and first['ansible_host'] == first['public_ip']
    if count > 1:
        second = [vm for vm in vms if vm['name'] == 'vm1'][0]
        assert second['public_ip'] is None and second['ansible_host'] == second['private_ip']


def test_subscription_listing(azure):
    for index in range(4):
        create(azure, 'vm%d' % index)
    create(azure, 'elsewhere', rg='other')
    azure.reset_calls()
    vms = VmQuery(azure.context()).query()
    assert len(vms) == 5
    assert [c[0] for c in azure.calls] == ['virtual_machines.list_all', 'network_interfaces.list_all', 'public_ip_addresses.list_all']
    assert azure.calls[0][2] == {'status_only': 'true'}
    assert all(vm['power_state'] == 'running' and vm['private_ip'] for vm in vms)


def test_one_vm_three_calls(azure):
    create(azure, 'vm1')
    azure.power[list(azure.power)[0]] = 'deallocated'
    azure.reset_calls()
    vms = VmQuery(azure.context()).query(resource_group='rg', name='vm1')
    assert [c[0] for c in azure.calls] == ['virtual_machines.get', 'network_interfaces.get', 'public_ip_addresses.get']
    assert vms[0]['power_state'] == 'deallocated'
    assert VmQuery(azure.context()).query(resource_group='rg', name='nope') == []


def test_tag_filter(azure):
    create(azure, 'web', tags={'role': 'docker'})
    create(azure, 'db', tags={'role': 'db'})
    assert [vm['name'] for vm in VmQuery(azure.context()).query(resource_group='rg', tags=['role:docker'])] == ['web']
    assert len(VmQuery(azure.context()).query(resource_group='rg', tags=['role'])) == 2
    azure.reset_calls()
    assert VmQuery(azure.context()).query(resource_group='rg', tags=['missing']) == []
    assert [c[0] for c in azure.calls] == ['virtual_machines.list'], 'no network reads when no VM matches'


def test_group_listing_falls_back_to_status_only_subscription_listing(azure):
    create(azure, 'vm1')
    create(azure, 'elsewhere', rg='other')
    azure.fail_on['virtual_machines.list'] = azure_error(400, 'InvalidParameter', '$expand needs $filter')
    azure.reset_calls()
    vms = VmQuery(azure.context()).query(resource_group='rg')
    assert [vm['name'] for vm in vms] == ['vm1']
    assert [c[0] for c in azure.calls] == ['virtual_machines.list', 'virtual_machines.list_all', 'network_interfaces.list',
                                           'public_ip_addresses.list']
