# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose and compose_info modules' logic: real loader, real SDK client, a fake engine behind its transport."""

from __future__ import annotations

import os

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError, ComposeOptionError
from ansible_collections.dockyard.azure.plugins.module_utils.compose.manager import ComposeInfoManager, ComposeManager
from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerContext
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.docker.fake_engine import FakeEngine
from ansible_collections.dockyard.azure.tests.unit.utils.fake_registry import FakeRegistry, PushingEngine

IMAGE = 'dockyard-test/busybox:latest'
DEFINITION = {'services': {'web': {'image': IMAGE, 'command': ['httpd', '-f'], 'profiles': []},
                           'debug': {'image': IMAGE, 'profiles': ['debug']}}}


@pytest.fixture
def fake():
    engine = FakeEngine()
    engine.add_image(IMAGE)
    return engine


def context(fake, check_mode=False, diff=False, connects=None):
    client = fake.client()
    warnings = []

    def connect():
        if connects is not None:
            connects.append(1)
        return client

    ctx = DockerContext(connect=connect, connect_to=lambda params, option=None: client, check_mode=check_mode,
                        diff=diff, warn=warnings.append)
    ctx.warnings = warnings
    return ctx


def compose(fake, check_mode=False, diff=False, **params):
    params.setdefault('project_name', 'demo')
    params.setdefault('definition', DEFINITION)
    return ComposeManager(context(fake, check_mode, diff), params).run()


def test_deploy_returns_actions_and_services_then_nothing_to_do(fake):
    result = compose(fake)
    assert result['changed'] is True and result['project_name'] == 'demo'
    assert [(a['action'], a['name']) for a in result['actions']] == [('create', 'demo_default'), ('create', 'demo-web-1')]
    assert [(s['name'], s['state']) for s in result['services']] == [('web', 'running')]
    again = compose(fake)
    assert again['changed'] is False and again['actions'] == [] and 'diff' not in again


def test_check_mode_with_diff(fake):
    result = compose(fake, check_mode=True, diff=True)
    assert result['changed'] is True and fake.writes() == []
    assert result['diff']['before'] == {'services': {'web': {'containers': {}}}, 'networks': [], 'volumes': []}
    assert list(result['diff']['after']['services']['web']['containers']) == ['demo-web-1']
    assert result['diff']['after']['networks'] == ['demo_default']


def test_services_of_other_profiles_are_no_orphans(fake):
    compose(fake, profiles=['debug'])
    result = compose(fake, remove_orphans=True)
    assert result['actions'] == [] and fake.container('demo-debug-1') is not None


def test_absent_by_name_only_removes_what_carries_the_project_label(fake):
    compose(fake)
    result = ComposeManager(context(fake), {'project_name': 'demo', 'state': 'absent'}).run()
    assert [(a['action'], a['type']) for a in result['actions']] == [('remove', 'container'), ('remove', 'network')]
    assert fake.containers == {} and fake.networks == {}


def test_bad_options_fail_before_the_engine_is_touched(fake):
    connects = []
    with pytest.raises(ComposeOptionError, match='remove_volumes and remove_images apply to state=absent only'):
        ComposeManager(context(fake, connects=connects), {'definition': DEFINITION, 'remove_volumes': True}).run()
    with pytest.raises(ComposeError, match=r"^\(inline content\): services.web.ports\[0\]: invalid port"):
        compose(fake, definition={'services': {'web': {'image': IMAGE, 'ports': ['x:y:z:w']}}})
    assert connects == [] and fake.calls == []


def test_a_failed_run_reports_what_it_changed(fake):
    fake.fail[('POST', r'/containers/[^/]+/start')] = (500, 'no space left on device')
    with pytest.raises(ComposeError) as info:
        compose(fake)
    assert info.value.msg == 'start container demo-web-1: no space left on device'
    assert info.value.extra == {'changed': True, 'project_name': 'demo'}  # the network was created


def test_info_lists_projects_and_describes_one(fake):
    compose(fake)
    fake.calls.clear()
    # an inline definition has no files; its working directory is the module's
    assert ComposeInfoManager(context(fake), None).run() == {'changed': False, 'projects': [
        {'name': 'demo', 'status': 'running(1)', 'services': ['web'], 'config_files': [], 'working_dir': os.getcwd()}]}
    info = ComposeInfoManager(context(fake), 'demo').run()
    assert info['exists'] is True and info['networks'] == ['demo_default'] and info['volumes'] == []
    assert info['services'][0]['containers'][0]['name'] == 'demo-web-1'
    assert ComposeInfoManager(context(fake), 'nothing').run()['exists'] is False
    assert fake.calls and fake.writes() == []


def test_info_refuses_a_project_name_compose_would_not_give(fake):
    with pytest.raises(ComposeError) as info:
        ComposeInfoManager(context(fake), '../x')
    assert info.value.option == 'project_name' and fake.calls == []


def test_pulls_from_a_registry_carry_its_credentials_only():
    engine = PushingEngine(FakeRegistry('myregistry.azurecr.io'))  # records the X-Registry-Auth of each pull
    private, public = 'myregistry.azurecr.io/app/web:1', 'dockyard-test/tool:1'
    engine.pullable.update({private, public})
    definition = {'services': {'web': {'image': private}, 'tool': {'image': public}}}
    compose(engine, definition=definition, registries=[
        {'server': 'myregistry.azurecr.io', 'username': 'myregistry', 'password': 'secret-1'}])
    assert sorted(engine.pull_auth, key=str) == [None, {'username': 'myregistry', 'password': 'secret-1'}]


def test_environment_option_is_on_top_of_the_process_environment(fake, monkeypatch, tmp_path):
    # the loader must see the module's whole environment (HOME for ~, any variable the files use),
    # with the option's values winning, not the option's dict alone
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('DOCKYARD_TEST_FROM_PROCESS', 'process')
    monkeypatch.setenv('DOCKYARD_TEST_OVERRIDDEN', 'process')
    definition = {'services': {'web': {
        'image': IMAGE,
        'environment': {'A': '${DOCKYARD_TEST_FROM_PROCESS}', 'B': '${DOCKYARD_TEST_OVERRIDDEN}',
                        'C': '${DOCKYARD_TEST_FROM_OPTION}'},
        'volumes': ['~/data:/data'],
    }}}
    compose(fake, definition=definition,
            environment={'DOCKYARD_TEST_OVERRIDDEN': 'option', 'DOCKYARD_TEST_FROM_OPTION': 'option'})
    container = fake.container('demo-web-1')
    assert sorted(container['Config']['Env']) == ['A=process', 'B=option', 'C=option']
    assert [(m['Source'], m['Destination']) for m in container['Mounts']] == [(str(tmp_path / 'data'), '/data')]
