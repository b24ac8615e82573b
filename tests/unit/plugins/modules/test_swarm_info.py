# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The swarm_info module: a read-only view, never a token."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.modules import swarm_info as swarm_info_module
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.swarm.swarm_fakes import FakeSwarm


def test_nodes_and_services(run_module, monkeypatch):
    swarm = FakeSwarm().read_only()
    swarm.services_.append({'ID': 's1', 'Version': {'Index': 3}, 'Spec': {
        'Name': 'app_web', 'Labels': {'com.docker.stack.namespace': 'app'},
        'TaskTemplate': {'ContainerSpec': {'Image': 'web:1'}}, 'Mode': {'Global': {}},
        'EndpointSpec': {'Mode': 'dnsrr', 'Ports': [{'TargetPort': 80, 'PublishedPort': 8080, 'PublishMode': 'host'}]}}})
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: swarm.engine())
    result = run_module(swarm_info_module.main, {'_ansible_check_mode': True})
    assert result['changed'] is False
    assert [n['role'] for n in result['nodes']] == ['manager', 'worker', 'worker']
    assert result['services'][0]['mode'] == 'global' and result['services'][0]['ports'] == ['host:8080->80/tcp']
    assert result['swarm']['is_manager'] is True and 'SWMTKN' not in repr(result)
