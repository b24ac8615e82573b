# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The swarm_node module: labels, availability, check mode, errors."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.modules import swarm_node as swarm_node_module
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.swarm.swarm_fakes import FakeSwarm


def test_labels_with_diff_and_check_mode(run_module, monkeypatch):
    swarm = FakeSwarm()
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: swarm.engine())
    args = {'docker_host': 'tcp://vm1:2376', 'node': 'vm-2', 'labels': {'zone': 'b'}, '_ansible_diff': True}
    planned = run_module(swarm_node_module.main, dict(args, _ansible_check_mode=True))
    assert planned['changed'] is True and planned['node']['labels'] == {'zone': 'b'} and swarm.writes == []
    done = run_module(swarm_node_module.main, args)
    assert done['diff'] == {'before': {'availability': 'active', 'labels': {}, 'role': 'worker'},
                            'after': {'availability': 'active', 'labels': {'zone': 'b'}, 'role': 'worker'}}
    assert swarm.writes == ['update_node']
    assert run_module(swarm_node_module.main, args)['changed'] is False


def test_unknown_node_fails_naming_the_option(run_module, monkeypatch):
    swarm = FakeSwarm()
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: swarm.engine())
    result = run_module(swarm_node_module.main, {'node': 'vm-9', 'availability': 'drain'})
    assert result['failed'] is True and result['option'] == 'node'
    assert result['msg'] == 'node: no node vm-9 in the swarm (nodes: vm-1, vm-2, vm-3)'
