# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Swarm membership (init, join, promote/demote, settings, leave), nodes and info against the in-memory swarm."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.swarm.cluster import SwarmMembership
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.errors import SwarmError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.info import SwarmInfo
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.nodes import SwarmNode, find_node
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.swarm.swarm_fakes import (
    FakeEngine,
    FakeSwarm,
    make_node,
)

PRESENT = {'state': 'present', 'listen_addr': '0.0.0.0:2377'}


def membership(engine, check_mode=False, manager=None, warnings=None, **params):
    return SwarmMembership(engine, dict(PRESENT, **params), check_mode=check_mode,
                           manager_factory=(lambda: manager) if manager is not None else None,
                           warn=warnings.append if warnings is not None else None, sleep=lambda s: None).run()


def test_init_once_then_no_change():
    engine = FakeEngine(None, 'node-a')
    first = membership(engine, advertise_addr='10.0.0.4', default_addr_pool=['10.20.0.0/16'], subnet_size=26)
    assert first['changed'] is True and first['actions'] == ['init']
    assert engine.init_kwargs['advertise_addr'] == '10.0.0.4' and engine.init_kwargs['subnet_size'] == 26
    assert first['swarm']['is_manager'] is True and first['swarm']['id'] == 'swarm0001'
    again = membership(engine, advertise_addr='10.0.0.4')
    assert again['changed'] is False and again['actions'] == []
    assert 'JoinTokens' not in repr(again) and 'SWMTKN' not in repr(again)


def test_check_mode_init_writes_nothing():
    engine = FakeEngine(None, 'node-a')
    result = membership(engine, check_mode=True)
    assert result['actions'] == ['init'] and engine.local_state == 'inactive'
    assert result['diff']['after']['local_node_state'] == 'active'


def test_settings_are_updated_and_only_when_they_differ():
    swarm = FakeSwarm()
    manager = swarm.engine()
    result = membership(manager, task_history_retention_limit=3, dispatcher_heartbeat_period=10, labels={'env': 'test'})
    assert result['actions'] == ['update'] and swarm.writes == ['update_swarm']
    spec = swarm.swarm['Spec']
    assert spec['Orchestration']['TaskHistoryRetentionLimit'] == 3
    assert spec['Dispatcher']['HeartbeatPeriod'] == 10 * 10 ** 9 and spec['Labels'] == {'env': 'test'}
    assert result['swarm']['settings']['dispatcher_heartbeat_period'] == 10
    assert result['diff']['before']['task_history_retention_limit'] == 5
    again = membership(manager, task_history_retention_limit=3, dispatcher_heartbeat_period=10, labels={'env': 'test'})
    assert again['changed'] is False and swarm.writes == ['update_swarm']


def test_init_only_settings_of_an_existing_swarm_are_warnings():
    warnings = []
    membership(FakeSwarm().engine(), warnings=warnings, data_path_port=7789)
    assert warnings == ["data_path_port=7789 differs from the swarm's 4789, which only swarm init sets; it is left as it is"]


def test_present_on_a_worker_is_refused():
    swarm = FakeSwarm()
    with pytest.raises(SwarmError) as raised:
        membership(swarm.engine(swarm.nodes_[1]['ID']))
    assert 'is a worker' in raised.value.msg


def test_autolock_key_goes_to_a_private_file(tmp_path):
    swarm = FakeSwarm()
    path = str(tmp_path / 'unlock-key')
    result = membership(swarm.engine(), autolock_managers=True, unlock_key_path=path)
    assert result['actions'] == ['update', 'write unlock key']
    with open(path) as handle:
        assert handle.read().strip() == 'SWMKEY-1-unlock'
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert 'SWMKEY' not in repr(result)
    assert membership(swarm.engine(), autolock_managers=True, unlock_key_path=path)['changed'] is False


def test_a_locked_manager_needs_its_key():
    swarm = FakeSwarm()
    engine = swarm.engine()
    engine.local_state = 'locked'
    with pytest.raises(SwarmError) as raised:
        membership(engine)
    assert raised.value.option == 'unlock_key'
    result = membership(engine, unlock_key='SWMKEY-1-unlock')
    assert result['actions'][0] == 'unlock' and engine.local_state == 'active'


def join(engine, manager, role='worker', check_mode=False):
    return SwarmMembership(engine, {'state': 'join', 'role': role, 'listen_addr': '0.0.0.0:2377', 'advertise_addr': '10.0.0.9'},
                           check_mode=check_mode, manager_factory=lambda: manager, sleep=lambda s: None).run()


def test_join_takes_the_token_from_the_manager():
    swarm = FakeSwarm()
    node = FakeEngine(None, 'node-new')
    node.target = swarm
    result = join(node, swarm.engine(), role='manager')
    assert result['actions'] == ['join as manager']
    remote_addrs, token, kwargs = node.join_args
    assert token == 'SWMTKN-1-manager-secret' and remote_addrs == [swarm.nodes_[0]['Status']['Addr'] + ':2377']
    assert kwargs['advertise_addr'] == '10.0.0.9'
    assert 'SWMTKN' not in repr(result)
    again = join(node, swarm.engine(), role='manager')
    assert again['changed'] is False


def test_join_check_mode_writes_nothing():
    swarm = FakeSwarm()
    node = FakeEngine(None, 'node-new')
    node.target = swarm
    assert join(node, swarm.engine(), check_mode=True)['actions'] == ['join as worker']
    assert node.local_state == 'inactive' and swarm.writes == []


def test_a_member_with_another_role_is_promoted_or_demoted_through_the_manager():
    swarm = FakeSwarm()
    worker = swarm.engine(swarm.nodes_[1]['ID'])
    result = join(worker, swarm.engine(), role='manager')
    assert result['actions'] == ['promote to manager'] and swarm.nodes_[1]['Spec']['Role'] == 'manager'
    assert join(worker, swarm.engine(), role='worker')['actions'] == ['demote to worker']


def test_a_node_of_another_swarm_is_refused():
    other = FakeSwarm()
    stranger = other.engine(other.nodes_[2]['ID'])
    with pytest.raises(SwarmError) as raised:
        join(stranger, FakeSwarm().engine())
    assert 'another swarm' in raised.value.msg


def test_join_needs_a_manager_or_a_token():
    with pytest.raises(SwarmError) as raised:
        SwarmMembership(FakeEngine(None, 'x'), {'state': 'join'}).run()
    assert raised.value.option == 'manager'


def test_leave():
    swarm = FakeSwarm()
    worker = swarm.engine(swarm.nodes_[2]['ID'])
    result = SwarmMembership(worker, {'state': 'absent'}).run()
    assert result['actions'] == ['leave'] and worker.local_state == 'inactive'
    assert SwarmMembership(worker, {'state': 'absent'}).run()['changed'] is False


def test_a_manager_leaves_only_with_force_or_through_another_manager():
    swarm = FakeSwarm(nodes=[make_node('vm-1', 'manager'), make_node('vm-2', 'manager'), make_node('vm-3')])
    second = swarm.engine(swarm.nodes_[1]['ID'])
    with pytest.raises(SwarmError) as raised:
        SwarmMembership(second, {'state': 'absent'}).run()
    assert raised.value.option == 'force'
    result = SwarmMembership(second, {'state': 'absent'}, manager_factory=swarm.engine, sleep=lambda s: None).run()
    assert result['actions'] == ['demote', 'leave', 'remove node']
    assert [n['Description']['Hostname'] for n in swarm.nodes_] == ['vm-1', 'vm-3']


def test_find_node():
    nodes = [make_node('vm-1', 'manager'), make_node('vm-2', state='down'), make_node('vm-2')]
    assert find_node(nodes, 'vm-2') is nodes[2]
    assert find_node(nodes, nodes[1]['ID']) is nodes[1]
    assert find_node(nodes, 'vm-9') is None
    with pytest.raises(SwarmError):
        find_node([make_node('vm-2'), make_node('vm-2')], 'vm-2')


def node_task(swarm, check_mode=False, **params):
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds
    return SwarmNode(swarm.engine(), dict({'state': 'present', 'labels_state': 'merge', 'wait': True, 'wait_timeout': 10},
                                          **params), check_mode=check_mode, clock=lambda: clock[0], sleep=sleep).run()


def test_node_labels_merge_or_replace_and_are_idempotent():
    swarm = FakeSwarm(nodes=[make_node('vm-1', 'manager', labels={'a': '1'})])
    result = node_task(swarm, node='vm-1', labels={'b': '2'})
    assert result['changed'] and result['node']['labels'] == {'a': '1', 'b': '2'}
    assert result['diff']['before']['labels'] == {'a': '1'}
    assert node_task(swarm, node='vm-1', labels={'b': '2'})['changed'] is False
    assert node_task(swarm, node='vm-1', labels={'c': '3'}, labels_state='replace')['node']['labels'] == {'c': '3'}
    assert swarm.writes == ['update_node', 'update_node']


def test_drain_waits_until_no_task_runs_there_and_check_mode_writes_nothing():
    swarm = FakeSwarm()
    swarm.engine().create_service({'ContainerSpec': {'Image': 'i'}}, name='s', mode={'Replicated': {'Replicas': 3}})
    planned = node_task(swarm.read_only(), check_mode=True, node='vm-2', availability='drain')
    assert planned['changed'] and planned['node']['availability'] == 'drain'
    swarm.read_only_ = False
    result = node_task(swarm, node='vm-2', availability='drain')
    assert result['node']['availability'] == 'drain'
    assert not [t for t in swarm.tasks_ if t['NodeID'] == swarm.nodes_[1]['ID'] and t['Status']['State'] == 'running']


def test_node_removal():
    swarm = FakeSwarm()
    with pytest.raises(SwarmError) as raised:
        node_task(swarm, node='vm-3', state='absent')
    assert raised.value.option == 'force'
    swarm.nodes_[2]['Status']['State'] = 'down'
    assert node_task(swarm, node='vm-3', state='absent')['changed'] is True
    assert node_task(swarm, node='vm-3', state='absent')['changed'] is False
    with pytest.raises(SwarmError):
        node_task(swarm, node='vm-1', state='absent', force=True)  # a manager: demote it first


def test_unknown_node():
    with pytest.raises(SwarmError) as raised:
        node_task(FakeSwarm(), node='vm-9', availability='drain')
    assert 'no node vm-9' in raised.value.msg and raised.value.option == 'node'


def test_info_of_a_manager_and_of_a_worker():
    swarm = FakeSwarm()
    swarm.engine().create_service({'ContainerSpec': {'Image': 'i'}}, name='app_s', mode={'Replicated': {'Replicas': 2}},
                                  labels={'com.docker.stack.namespace': 'app'})
    swarm.engine().create_service({'ContainerSpec': {'Image': 'j'}}, name='other')
    info = SwarmInfo(swarm.engine(), {'nodes': True, 'services': True, 'tasks': True, 'stack': 'app'}).run()
    assert [n['hostname'] for n in info['nodes']] == ['vm-1', 'vm-2', 'vm-3']
    assert [(s['name'], s['stack'], s['replicas']) for s in info['services']] == [('app_s', 'app', 2)]
    assert [(t['service'], t['state']) for t in info['tasks']] == [('app_s', 'running')] * 2
    assert 'SWMTKN' not in repr(info)
    worker = SwarmInfo(swarm.engine(swarm.nodes_[1]['ID']), {}).run()
    assert worker['swarm']['is_manager'] is False and worker['nodes'] == []


def test_node_labels_with_the_join_and_on_the_first_manager():
    swarm = FakeSwarm()
    node = FakeEngine(None, 'node-new')
    node.target = swarm
    params = {'state': 'join', 'role': 'worker', 'listen_addr': '0.0.0.0:2377', 'node_labels': {'zone': 'b'}}
    planned = SwarmMembership(node, params, check_mode=True, manager_factory=swarm.engine).run()
    assert planned['actions'] == ['join as worker', 'set node labels'] and swarm.writes == []
    done = SwarmMembership(node, params, manager_factory=swarm.engine).run()
    assert done['actions'] == ['join as worker', 'set node labels']
    assert swarm.nodes_[-1]['Spec']['Labels'] == {'zone': 'b'}
    assert SwarmMembership(node, params, manager_factory=swarm.engine).run()['changed'] is False
    # with a role change, one write does both
    swarm.writes.clear()
    both = SwarmMembership(node, dict(params, role='manager', node_labels={'zone': 'c'}), manager_factory=swarm.engine).run()
    assert both['actions'] == ['promote to manager', 'set node labels'] and swarm.writes == ['update_node']
    manager = membership(swarm.engine(), node_labels={'disk': 'ssd'})
    assert manager['actions'] == ['set node labels'] and swarm.nodes_[0]['Spec']['Labels'] == {'disk': 'ssd'}
