# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose module's main(): check mode, option errors, loader and connection errors."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import manager as compose_manager
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError
from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.modules import compose as compose_module
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.docker.fake_engine import FakeEngine

FIXTURES = os.path.join(os.path.dirname(__file__), '..', 'module_utils', 'compose', 'fixtures')
WRITES = ('create_container_from_config', 'start', 'stop', 'restart', 'remove_container', 'rename',
          'create_network', 'remove_network', 'create_volume', 'remove_volume', 'pull', 'build',
          'connect_container_to_network', 'disconnect_container_from_network', 'put_archive', 'load_image',
          'tag', 'remove_image', 'unpause')


class FakeClient:
    """An engine with one image and nothing else; records every call."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        if name in WRITES:
            def write(*args, **kwargs):
                self.calls.append(name)
                raise AssertionError('write call %s in check mode' % name)
            return write
        raise AttributeError(name)

    def containers(self, **kwargs):
        self.calls.append('containers')
        return []

    def networks(self, **kwargs):
        self.calls.append('networks')
        return []

    def volumes(self, **kwargs):
        self.calls.append('volumes')
        return {'Volumes': []}

    def images(self, **kwargs):
        self.calls.append('images')
        return [{'Id': 'sha256:' + 'a' * 64, 'RepoTags': ['dockyard-test/busybox:latest']}]


@pytest.fixture
def webdb():
    with open(os.path.join(FIXTURES, 'webdb.model.json')) as handle:
        return json.load(handle)


@pytest.fixture
def fake_engine(monkeypatch, webdb):
    client = FakeClient()
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: client)
    monkeypatch.setattr(compose_manager, 'load_project', lambda **kwargs: webdb)
    return client


def test_check_mode_returns_the_plan_without_write_calls(run_module, fake_engine, tmp_path):
    result = run_module(compose_module.main, {'project_src': str(tmp_path), '_ansible_check_mode': True,
                                              '_ansible_diff': True})
    assert result['changed'] is True
    assert [(a['action'], a['type'], a['name']) for a in result['actions']] == [
        ('create', 'network', 'webdb_default'), ('create', 'network', 'webdb_front'),
        ('create', 'volume', 'webdb_data'),
        ('create', 'container', 'webdb-db-1'), ('create', 'container', 'webdb-web-1')]
    assert not [c for c in fake_engine.calls if c in WRITES]
    assert sorted(result['diff']['after']['services']) == ['db', 'web']
    assert result['diff']['before']['services']['web'] == {'containers': {}}


def test_loader_errors_surface_as_is(run_module, monkeypatch, tmp_path):
    def broken(**kwargs):
        raise ComposeError('compose.yaml: services.web.ports[0]: invalid port "x"')
    monkeypatch.setattr(compose_manager, 'load_project', broken)
    result = run_module(compose_module.main, {'project_src': str(tmp_path)})
    assert result['failed'] is True
    assert result['msg'] == 'compose.yaml: services.web.ports[0]: invalid port "x"'


@pytest.mark.parametrize('args,message', [
    ({'project_name': 'x'}, 'state=present needs project_src, files or definition'),
    ({'definition': {'services': {}}, 'scale': {'web': -1}}, 'scale.web must be a number of containers'),
    ({'definition': {'services': {}}, 'remove_volumes': True}, 'remove_volumes and remove_images apply to state=absent only'),
    ({'project_src': '/nonexistent/dir'}, 'project_src: /nonexistent/dir is not a directory'),
    ({'files': ['a.yml'], 'definition': {'services': {}}}, 'mutually exclusive'),
])
def test_bad_options_are_named(run_module, args, message):
    result = run_module(compose_module.main, args)
    assert result['failed'] is True
    assert message in result['msg']


def test_connection_error_is_one_line(run_module, monkeypatch, webdb, tmp_path):
    monkeypatch.setattr(compose_manager, 'load_project', lambda **kwargs: webdb)
    result = run_module(compose_module.main, {'project_src': str(tmp_path), 'docker_host': 'ftp://nowhere'})
    assert result['failed'] is True
    assert result['msg'] == 'docker_host must start with unix://, tcp:// or ssh:// (got ftp://nowhere)'


# ------------------------------------------------------------------ a whole run against a fake engine

@pytest.fixture
def engine(monkeypatch):
    """A fake engine behind the real SDK client the module builds."""
    fake = FakeEngine()
    fake.add_image('dockyard-test/busybox:latest')
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: fake.client())
    return fake


def test_project_directory_deploys_then_is_idempotent(run_module, engine, tmp_path):
    (tmp_path / 'compose.yaml').write_text('name: shop\nservices:\n  web:\n    image: dockyard-test/busybox:latest\n'
                                           '    environment:\n      MODE: ${MODE:-plain}\n')
    (tmp_path / '.env').write_text('MODE=from-dotenv\n')
    result = run_module(compose_module.main, {'project_src': str(tmp_path)})
    assert result['changed'] is True and result['project_name'] == 'shop'
    web = engine.container('shop-web-1')
    assert 'MODE=from-dotenv' in web['Config']['Env']
    assert web['Config']['Labels']['com.docker.compose.project.config_files'] == str(tmp_path / 'compose.yaml')
    assert web['Config']['Labels']['com.docker.compose.project.environment_file'] == str(tmp_path / '.env')
    engine.calls.clear()
    again = run_module(compose_module.main, {'project_src': str(tmp_path)})
    assert again['changed'] is False and again['actions'] == [] and engine.writes() == []


def test_engine_failure_is_one_line_with_what_changed(run_module, engine):
    engine.fail[('POST', r'/containers/[^/]+/start')] = (500, 'no space left\non device')
    result = run_module(compose_module.main, {'project_name': 'demo', 'definition': {
        'services': {'web': {'image': 'dockyard-test/busybox:latest'}}}})
    assert result['failed'] is True and result['changed'] is True and result['project_name'] == 'demo'
    assert result['msg'] == 'start container demo-web-1: no space left on device'
