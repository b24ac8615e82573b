# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The swarm module: arguments -> SwarmMembership -> result, through DockerModule's client and error funnel."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.modules import swarm as swarm_module
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.swarm.swarm_fakes import FakeEngine, FakeSwarm


@pytest.fixture
def engines(monkeypatch):
    """docker_host -> fake engine; the module's clients are looked up here."""
    table = {}
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: table[params['docker_host']])
    return table


def test_init_and_idempotence(run_module, engines):
    engines['tcp://vm1:2376'] = FakeEngine(None, 'node-1')
    first = run_module(swarm_module.main, {'docker_host': 'tcp://vm1:2376', 'advertise_addr': '10.0.0.4'})
    assert first['changed'] is True and first['actions'] == ['init'] and 'diff' not in first
    second = run_module(swarm_module.main, {'docker_host': 'tcp://vm1:2376', 'advertise_addr': '10.0.0.4', '_ansible_diff': True})
    assert second['changed'] is False and second['diff']['before']['local_node_state'] == 'active'


def test_join_through_a_manager_keeps_the_token_out_of_the_result(run_module, engines):
    swarm = FakeSwarm()
    engines['tcp://vm1:2376'] = swarm.engine()
    node = FakeEngine(None, 'node-9')
    node.target = swarm
    engines['tcp://vm9:2376'] = node
    result = run_module(swarm_module.main, {'docker_host': 'tcp://vm9:2376', 'state': 'join', 'role': 'worker',
                                            'manager': {'docker_host': 'tcp://vm1:2376'}})
    assert result['actions'] == ['join as worker'] and result['swarm']['node_id'] == 'node-9'
    assert 'SWMTKN' not in repr(result)


def test_a_given_join_token_is_not_logged(run_module, engines):
    node = FakeEngine(None, 'node-9')
    node.target = FakeSwarm()
    engines['tcp://vm9:2376'] = node
    result = run_module(swarm_module.main, {'docker_host': 'tcp://vm9:2376', 'state': 'join', 'remote_addrs': ['10.0.0.4:2377'],
                                            'join_token': 'SWMTKN-1-worker-secret'})
    assert result['changed'] is True and 'SWMTKN-1-worker-secret' not in repr(result)


def test_autolock_needs_a_key_file(run_module, engines):
    result = run_module(swarm_module.main, {'docker_host': 'tcp://vm1:2376', 'autolock_managers': True})
    assert result['failed'] is True and 'unlock_key_path' in result['msg']


def test_engine_refusals_are_one_line_with_the_option(run_module, engines):
    swarm = FakeSwarm()
    engines['tcp://vm2:2376'] = swarm.engine(swarm.nodes_[1]['ID'])
    result = run_module(swarm_module.main, {'docker_host': 'tcp://vm2:2376'})
    assert result['failed'] is True and result['option'] == 'state' and 'is a worker' in result['msg']
