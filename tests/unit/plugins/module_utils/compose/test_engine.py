# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Compose engine applying plans to an engine: a fake engine behind the real SDK's HTTP transport."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import hashing, state
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


def locked(writes):
    """The writes of a run that changed something, without the lock it took first and released last."""
    assert writes[0] == 'create container' and writes[-1] == 'remove container', writes
    return writes[1:-1]


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
    writes = locked(kinds(fake.writes()))
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
    assert locked(kinds(fake.writes())) == ['stop container', 'rename container', 'create container', 'connect network',
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
    fake.fail[('POST', r'/containers/[^/]+/start')] = (500, 'driver failed programming external connectivity\non endpoint')
    engine = ComposeEngine(fake.client())
    with pytest.raises(EngineError) as info:
        engine.run('webdb', webdb, {}, META)
    assert info.value.msg == 'start container webdb-db-1: driver failed programming external connectivity on endpoint'
    assert isinstance(info.value, ComposeError) and '\n' not in info.value.msg
    assert engine.changed is True  # the networks and the volume were created before
    assert fake.container('webdb_dockyard-lock') is None  # the lock is released on failure too


def test_a_name_taken_by_a_container_outside_the_project_is_refused_before_any_write(fake, webdb):
    fake.client().create_container(IMAGE, name='webdb-db-1')  # someone else's container has the name
    fake.calls.clear()
    with pytest.raises(ComposeError) as info:
        ComposeEngine(fake.client()).run('webdb', webdb, {}, META)
    assert info.value.msg.startswith('services.db: container name webdb-db-1 is already in use by container ')
    assert 'not part of project webdb' in info.value.msg and fake.writes() == []


def test_a_container_a_concurrent_run_made_after_the_observation_is_no_foreign_name(fake, webdb, monkeypatch):
    # Run B observes an empty project; run A creates webdb-db-1 before B checks the names it will create.
    # B must not call A's container someone else's: it waits for A's lock and plans again.
    observe, raced = state.observe, []

    def observe_then_race(client, project, model):
        observed = observe(client, project, model)
        if not raced:
            raced.append(True)
            run(fake, webdb)  # run A, start to end
        return observed

    monkeypatch.setattr(state, 'observe', observe_then_race)
    engine = ComposeEngine(fake.client())
    engine.run('webdb', webdb, {}, META)
    assert not engine.changed and sorted(c['Name'].lstrip('/') for c in fake.containers.values()
                                         if not c['Name'].endswith('lock')) == ['webdb-db-1', 'webdb-web-1']


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


# ---------------------------------------------------------------- issue 11: every check before the first write

def _one_service(**service):
    return {'name': 'p', 'services': {'app': dict({'image': IMAGE, 'networks': {'default': None}}, **service)},
            'networks': {'default': {'name': 'p_default'}}}


def test_npipe_volume_is_refused_before_the_network_is_created(fake):
    model = _one_service(volumes=[{'type': 'npipe', 'source': r'\\.\pipe\docker_engine',
                                   'target': r'\\.\pipe\docker_engine'}])
    with pytest.raises(ComposeError, match=r'services\.app\.volumes\[0\].*npipe') as info:
        run(fake, model)
    assert fake.writes() == [], info.value.msg


def test_duplicate_container_name_is_refused_before_anything_is_created(fake):
    model = _one_service(container_name='same')
    model['services']['other'] = {'image': IMAGE, 'container_name': 'same', 'networks': {'default': None}}
    with pytest.raises(ComposeError, match='container_name.*same') as info:
        run(fake, model)
    assert fake.writes() == [], info.value.msg


def test_missing_secret_file_is_refused_before_the_network_is_created(fake, tmp_path):
    model = _one_service(secrets=[{'source': 'token'}])
    model['secrets'] = {'token': {'name': 'p_token', 'file': str(tmp_path / 'missing.txt')}}
    with pytest.raises(ComposeError, match=r'secrets\.token.*missing\.txt') as info:
        run(fake, model)
    assert fake.writes() == [], info.value.msg


def test_unset_environment_secret_is_refused_before_the_network_is_created(fake):
    model = _one_service(secrets=[{'source': 'token'}])
    model['secrets'] = {'token': {'name': 'p_token', 'environment': 'UNSET_TOKEN'}}
    with pytest.raises(ComposeError, match='UNSET_TOKEN') as info:
        run(fake, model, environment={})
    assert fake.writes() == [], info.value.msg


# ---------------------------------------------------------------- issue 11: concurrent runs, duplicate networks

def test_a_run_waits_for_the_lock_of_another_run_then_plans_again(fake, webdb):
    """The other run (here: the test, holding the lock) did the work meanwhile: this run then changes nothing."""
    import threading

    from ansible_collections.dockyard.azure.plugins.module_utils.compose.lock import ProjectLock
    other = ProjectLock(fake.client(), 'webdb', timeout=5)
    other.acquire()

    def the_other_run_finishes():
        other_run = ComposeEngine(fake.client())
        plan, observed = other_run.plan('webdb', webdb, {})
        other_run._apply('webdb', webdb, plan, observed, {}, META, {}, None, 300)
        other.release()

    timer = threading.Timer(0.3, the_other_run_finishes)
    timer.start()
    engine, plan, _warnings = run(fake, webdb)
    timer.join()
    assert engine.lock_waited >= 0.2 and engine.changed is False and plan['actions'] == []
    assert len([c for c in fake.containers.values() if c['Name'].startswith('/webdb-')]) == 2


def test_an_empty_duplicate_network_left_by_a_race_is_removed_with_a_warning(fake, webdb):
    run(fake, webdb)
    kept = next(n for n in fake.networks.values() if n['Name'] == 'webdb_default')
    duplicate = fake.add_network('webdb_default', labels=kept['Labels'], created='2026-01-03T00:00:00Z')
    fake.calls.clear()
    changed = copy.deepcopy(webdb)
    changed['services']['web']['environment'] = {'MODE': 'blue'}  # a recreate: starts fail while the name is ambiguous
    engine, plan, warnings = run(fake, changed)
    assert duplicate not in fake.networks and kept['Id'] in fake.networks
    assert tuple(plan['actions'][0][k] for k in ('action', 'type', 'name')) == ('remove', 'network', 'webdb_default')
    assert any('network webdb_default exists twice' in w and '(empty)' in w for w in warnings)
    assert fake.container('webdb-web-1')['State']['Running']


def test_a_duplicate_in_use_hands_its_containers_to_the_network_kept(fake, webdb):
    run(fake, webdb)
    kept = next(n for n in fake.networks.values() if n['Name'] == 'webdb_default')
    stray = fake.client().create_container(IMAGE, name='webdb-stray')['Id']
    fake.containers[stray]['Config']['Labels'] = {L.PROJECT: 'other'}
    duplicate = fake.add_network('webdb_default', labels=kept['Labels'], containers=[stray], created='2026-01-03T00:00:00Z')
    engine, plan, warnings = run(fake, webdb)
    assert duplicate not in fake.networks and stray in kept['Containers']
    assert any('after moving its containers' in w for w in warnings)


def test_a_duplicate_network_that_is_not_the_project_s_stops_the_run_before_any_write(fake, webdb):
    run(fake, webdb)
    fake.add_network('webdb_default', labels={'owner': 'someone else'})
    fake.calls.clear()
    with pytest.raises(ComposeError, match='network webdb_default is ambiguous: several networks have this name'):
        run(fake, webdb, {'recreate': 'always'})
    assert fake.writes() == []


def test_absent_removes_every_network_of_the_project_by_id_duplicates_too(fake, webdb):
    run(fake, webdb)
    kept = next(n for n in fake.networks.values() if n['Name'] == 'webdb_default')
    fake.add_network('webdb_default', labels=kept['Labels'])
    run(fake, webdb, {'state': 'absent'})
    assert fake.networks == {}


def test_containers_are_created_on_networks_named_by_id(fake, webdb):
    run(fake, webdb)
    web = fake.container('webdb-web-1')
    network_ids = {n['Name']: n['Id'] for n in fake.networks.values()}
    assert web['HostConfig']['NetworkMode'] in network_ids.values()
    assert web['NetworkSettings']['Networks']['webdb_front']['NetworkID'] == network_ids['webdb_front']
