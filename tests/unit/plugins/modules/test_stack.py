# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack module: arguments -> StackManager -> result, errors through DockerModule's funnel."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.modules import stack as stack_module
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.swarm.swarm_fakes import FakeSwarm

DEFINITION = {'services': {'web': {'image': 'web:1', 'deploy': {'replicas': 2}, 'secrets': ['token']}},
              'secrets': {'token': {'environment': 'TOKEN'}}}


@pytest.fixture
def swarm(monkeypatch):
    swarm = FakeSwarm()
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: swarm.engine())
    return swarm


def test_check_mode_then_deploy(run_module, swarm):
    args = {'name': 'app', 'definition': DEFINITION, 'environment': {'TOKEN': 'hunter2'}, '_ansible_diff': True}
    planned = run_module(stack_module.main, dict(args, _ansible_check_mode=True))
    assert swarm.writes == []
    assert [(a['action'], a['kind']) for a in planned['actions']] == [('create', 'network'), ('create', 'secret'),
                                                                      ('create', 'service')]
    assert planned['services'][0]['id'] is None and planned['diff'][0]['before'] == {}
    done = run_module(stack_module.main, args)
    assert done['actions'] == planned['actions'] and done['services'][0]['replicas'] == 2
    assert 'hunter2' not in repr(planned) + repr(done)
    assert run_module(stack_module.main, args)['changed'] is False


def test_bad_input_fails_with_the_option_before_any_write(run_module, swarm):
    result = run_module(stack_module.main, {'name': 'app', 'definition': {'services': {'b': {'build': {'context': '.'}}}}})
    assert result['failed'] is True and result['option'] == 'definition'
    assert result['msg'].startswith('services.b: build-only service')
    assert swarm.writes == []


def test_compose_errors_name_the_option(run_module, swarm):
    result = run_module(stack_module.main, {'name': 'app', 'definition': {'services': {'b': {'image': 'i', 'bogus': 1}}}})
    assert result['failed'] is True and result['option'] == 'definition' and 'bogus' in result['msg']


def test_files_and_definition_exclude_each_other(run_module, swarm):
    result = run_module(stack_module.main, {'name': 'app', 'definition': DEFINITION, 'files': ['compose.yaml']})
    assert result['failed'] is True and 'mutually exclusive' in result['msg']
