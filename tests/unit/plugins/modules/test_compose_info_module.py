# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose_info module's main(): projects of an engine, one project, errors."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose.engine import ComposeEngine
from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.modules import compose_info as compose_info_module
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.docker.fake_engine import FakeEngine


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine()
    fake.add_image('dockyard-test/busybox:latest')
    model = {'name': 'demo', 'services': {'web': {'image': 'dockyard-test/busybox:latest', 'networks': {'default': None}}},
             'networks': {'default': {'name': 'demo_default'}}}
    ComposeEngine(fake.client()).run('demo', model, {}, {'working_dir': '/srv/demo', 'config_files': []})
    fake.calls.clear()
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: fake.client())
    return fake


def test_lists_projects_and_describes_one_without_writing(run_module, engine):
    result = run_module(compose_info_module.main, {})
    assert result['changed'] is False
    assert [(p['name'], p['status'], p['services']) for p in result['projects']] == [('demo', 'running(1)', ['web'])]
    result = run_module(compose_info_module.main, {'project_name': 'demo'})
    assert result['exists'] is True and result['networks'] == ['demo_default']
    assert result['services'][0]['containers'][0]['name'] == 'demo-web-1'
    assert run_module(compose_info_module.main, {'project_name': 'gone'})['exists'] is False
    assert engine.writes() == []


def test_engine_error_is_one_line(run_module, engine):
    engine.fail[('GET', '/containers/json')] = (500, 'engine is\nshutting down')
    result = run_module(compose_info_module.main, {'project_name': 'demo'})
    assert result['failed'] is True
    assert result['msg'] == 'cannot read the state of project demo: engine is shutting down'
