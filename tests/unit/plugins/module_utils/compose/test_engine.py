# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Compose engine applying plans to an engine: a fake engine behind the real SDK's HTTP transport."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import hashing
from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.plugins.module_utils.compose.engine import ComposeEngine
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError, EngineError
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.docker.fake_engine import FakeEngine

META = {'working_dir': '/srv/webdb', 'config_files': ['/srv/webdb/compose.yaml']}
IMAGE = 'dockyard-test/busybox:latest'


@pytest.fixture
def fake():
    engine = FakeEngine()
    engine.busybox = engine.add_image(IMAGE)
    return engine


def run(fake, model, options=None, check_mode=False, **kwargs):
    warnings = []
    engine = ComposeEngine(fake.client(), check_mode=check_mode, warn=warnings.append)
    plan, observed = engine.run(model['name'], model, options or {}, META, **kwargs)
    return engine, plan, warnings


def kinds(calls):
    """('POST', '/containers/<id>/start') -> 'start container'."""
    out = []
    for method, path in calls:
        parts = path.strip('/').split('/')
        out.append('%s %s' % (parts[-1] if len(parts) > 2 else {'DELETE': 'remove', 'POST': parts[-1]}[method],
                              parts[0].rstrip('s')))
    return out


def test_fresh_deploy_creates_resources_then_services_in_dependency_order(fake, webdb):
    engine, plan, _warnings = run(fake, webdb)
    assert engine.changed is True
    writes = kinds(fake.writes())
    # networks and volumes first (created concurrently), then db started before web is created
    assert sorted(writes[:3]) == ['create network', 'create network', 'create volume']
    assert writes[3:] == ['create container', 'start container', 'create container', 'connect network',
                          'start container']
    web = fake.container('webdb-web-1')
    labels = web['Config']['Labels']
    assert labels[L.PROJECT] == 'webdb' and labels[L.SERVICE] == 'web' and labels[L.IMAGE] == fake.busybox
    assert labels[L.CONFIG_HASH] == hashing.service_hash(webdb['services']['web'])
    assert labels['a.b'] == 'c' and labels[L.WORKING_DIR] == '/srv/webdb'
    assert sorted(web['NetworkSettings']['Networks']) == ['webdb_default', 'webdb_front']
    assert web['State']['Running'] and fake.container('webdb-db-1')['Mounts'][0]['Name'] == 'webdb_data'


def test_second_run_writes_nothing(fake, webdb):
    run(fake, webdb)
    fake.calls.clear()
    engine, plan, _warnings = run(fake, webdb)
    assert plan['actions'] == [] and engine.changed is False
    assert fake.writes() == []


def test_check_mode_plans_and_writes_nothing(fake, webdb):
    engine, plan, _warnings = run(fake, webdb, check_mode=True)
    assert engine.changed is True and len(plan['actions']) == 5
    assert fake.writes() == [] and fake.containers == {} and fake.networks == {}


def test_changed_service_is_recreated_and_keeps_its_name(fake, webdb):
    run(fake, webdb)
    old_web, old_db = fake.container('webdb-web-1')['Id'], fake.container('webdb-db-1')['Id']
    changed = copy.deepcopy(webdb)
    changed['services']['web']['environment'] = {'MODE': 'blue'}
    fake.calls.clear()
    engine, plan, _warnings = run(fake, changed)
    assert [(a['action'], a['name']) for a in plan['actions']] == [('recreate', 'webdb-web-1')]
    web = fake.container('webdb-web-1')
    assert web['Id'] != old_web and old_web not in fake.containers
    assert 'MODE=blue' in web['Config']['Env'] and web['State']['Running']
    assert fake.container('webdb-db-1')['Id'] == old_db
    assert kinds(fake.writes()) == ['stop container', 'rename container', 'create container', 'connect network',
                                    'remove container', 'start container']


def test_stopped_restarted_and_absent(fake, webdb):
    run(fake, webdb)
    engine, plan, _warnings = run(fake, webdb, {'state': 'stopped'})
    assert sorted(a['action'] for a in plan['actions']) == ['stop', 'stop']
    assert not any(c['State']['Running'] for c in fake.containers.values())
    engine, plan, _warnings = run(fake, webdb, {'state': 'restarted'})
    assert [a['action'] for a in plan['actions']] == ['start', 'start']
    engine, plan, _warnings = run(fake, webdb, {'state': 'absent', 'remove_volumes': True})
    assert fake.containers == {} and fake.networks == {} and fake.volumes == {}
    assert [a['type'] for a in plan['actions']] == ['container', 'container', 'network', 'network', 'volume']


def test_missing_image_is_pulled_and_a_pull_error_names_the_image(fake, webdb):
    model = copy.deepcopy(webdb)
    model['services']['db']['image'] = 'registry.local/db:1'
    fake.pullable.add('registry.local/db:1')
    engine, plan, _warnings = run(fake, model)
    assert plan['actions'][0] == {'action': 'pull', 'type': 'image', 'name': 'registry.local/db:1', 'service': 'db'}
    assert ('POST', '/images/create') in fake.calls and fake.container('webdb-db-1')['State']['Running']
    model['services']['web']['image'] = 'registry.local/web:2'
    fake.pull_errors['registry.local/web:2'] = 'manifest for registry.local/web:2\nnot found'
    with pytest.raises(EngineError, match='^pull image registry.local/web:2: manifest for registry.local/web:2 not found$'):
        run(fake, model)


def test_engine_refusal_is_one_line_naming_the_object_and_a_compose_error(fake, webdb):
    fake.client().create_container(IMAGE, name='webdb-db-1')  # someone else's container has the name
    engine = ComposeEngine(fake.client())
    with pytest.raises(EngineError) as info:
        engine.run('webdb', webdb, {}, META)
    assert info.value.msg.startswith('create container webdb-db-1: Conflict. The container name "/webdb-db-1" '
                                     'is already in use')
    assert isinstance(info.value, ComposeError) and '\n' not in info.value.msg
    assert engine.changed is True  # the networks and the volume were created before


def test_unhealthy_dependency_stops_the_dependent(fake, webdb):
    fake.health_on_start = 'unhealthy'
    with pytest.raises(EngineError, match='dependency failed to start: container webdb-db-1 is unhealthy'):
        run(fake, webdb)
    assert fake.container('webdb-web-1') is None


def test_wait_returns_once_every_container_runs_healthy(fake, webdb):
    engine, plan, _warnings = run(fake, webdb, wait=True, wait_timeout=5)
    assert engine.changed and all(c['State']['Running'] for c in fake.containers.values())


def test_secrets_and_configs_are_copied_into_the_container(fake):
    model = {'name': 'p', 'services': {'app': {
        'image': IMAGE, 'networks': {'default': None},
        'secrets': [{'source': 'token', 'target': 'api-token', 'mode': '0400', 'uid': '33'}],
        'configs': [{'source': 'conf', 'target': '/etc/app.conf'}]}},
        'networks': {'default': {'name': 'p_default'}},
        'secrets': {'token': {'name': 'p_token', 'environment': 'API_TOKEN'}},
        'configs': {'conf': {'name': 'p_conf', 'content': 'level=debug\n'}}}
    run(fake, model, environment={'API_TOKEN': 's3cret'})
    files = fake.container('p-app-1')['Files']
    assert files['/run/secrets/api-token'] == (b's3cret', 0o400, 33, 0)
    assert files['/etc/app.conf'] == (b'level=debug\n', 0o444, 0, 0)


def test_orphans_are_warned_about_then_removed_when_asked(fake, webdb):
    run(fake, webdb)
    smaller = copy.deepcopy(webdb)
    del smaller['services']['web']
    engine, plan, warnings = run(fake, smaller)
    assert plan['actions'] == [] and 'remove_orphans=true' in warnings[0]
    engine, plan, warnings = run(fake, smaller, {'remove_orphans': True})
    assert [(a['action'], a['name']) for a in plan['actions']] == [('remove', 'webdb-web-1')]
    assert fake.container('webdb-web-1') is None
