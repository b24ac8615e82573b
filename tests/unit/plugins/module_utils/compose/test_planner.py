# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the pure Compose planner, hashing, labels and container spec.

Fixtures are models printed by the reference CLI (``docker compose config --format json``,
Compose 2.40.3) and the labels that CLI put on the containers, networks and volumes it created.
"""

from __future__ import annotations

import copy
import json
import os

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import hashing, planner, spec
from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
IMAGE_ID = 'sha256:' + 'a' * 64
OTHER_IMAGE_ID = 'sha256:' + 'b' * 64
# ID of hashproj-web-1 when the reference CLI computed hashproj.labels.json (worker uses network_mode service:web)
HASHPROJ_WEB_ID = 'b505eb8fbc8b1733d517ee2e9d5719051b728be74caa5d9f49986723c03bcc35'


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


@pytest.fixture
def webdb():
    return load('webdb.model.json')


def images_for(model, image_id=IMAGE_ID):
    return {spec.image_ref(model['name'], n, s): image_id for n, s in model['services'].items()}


def empty_observed(model):
    return {'containers': [], 'networks': {}, 'volumes': {}, 'images': images_for(model)}


def applied(model, plan, observed):
    """The observed state after a plan was applied (what the engine would leave)."""
    project = model['name']
    after = copy.deepcopy(observed)
    by_id = {c['id']: c for c in after['containers']}
    for action in plan['networks']:
        if action['action'] == 'remove':
            after['networks'].pop(action['name'], None)
        else:
            after['networks'][action['name']] = {'id': 'n-' + action['name'], 'labels': {
                L.PROJECT: project, L.NETWORK: action['key'], L.CONFIG_HASH: action['config_hash']}}
    for action in plan['volumes']:
        if action['action'] == 'remove':
            after['volumes'].pop(action['name'], None)
        else:
            after['volumes'][action['name']] = {'labels': {L.PROJECT: project, L.VOLUME: action['key'],
                                                           L.CONFIG_HASH: action['config_hash']}}
    counter = [len(after['containers'])]
    first_ids = {}

    def new_id():
        counter[0] += 1
        return '%064x' % counter[0]

    for name, svc in sorted(plan['services'].items(), key=lambda kv: kv[1]['order']):
        service = model['services'].get(name, {})
        for entry in svc['containers']:
            action = entry['action']
            if action == 'remove':
                after['containers'] = [c for c in after['containers'] if c['id'] != entry['id']]
                continue
            if action in ('create', 'recreate'):
                if entry.get('id'):
                    after['containers'] = [c for c in after['containers'] if c['id'] != entry['id']]
                resolved = planner.resolve_references(service, first_ids)
                container = {'id': new_id(), 'name': entry['name'], 'service': name, 'number': entry['number'],
                             'oneoff': False, 'config_hash': hashing.service_hash(resolved),
                             'image_label': after['images'].get(svc['image']), 'state': 'running',
                             'health': None, 'exit_code': None, 'networks': []}
                after['containers'].append(container)
            else:
                container = by_id[entry['id']]
                container['state'] = 'exited' if action == 'stop' else 'running'
            first_ids.setdefault(name, container['id'])
    return after


def deployed(model, options=None):
    observed = empty_observed(model)
    plan = planner.make_plan(model['name'], model, observed, options)
    return applied(model, plan, observed)


def actions(plan, kind=None):
    return [(a['action'], a['type'], a['name']) for a in plan['actions'] if kind is None or a['type'] == kind]


# ------------------------------------------------------------------ hashes match the Compose CLI

def test_hashes_equal_the_labels_compose_put():
    model = load('hashproj.model.json')
    expected = load('hashproj.labels.json')
    for name in ('db', 'web'):
        assert hashing.service_hash(model['services'][name]) == \
            expected['services'][name][L.CONFIG_HASH], name
    worker = planner.resolve_references(model['services']['worker'], {'web': HASHPROJ_WEB_ID})
    assert hashing.service_hash(worker) == expected['services']['worker'][L.CONFIG_HASH]
    for key in ('front', 'back'):
        assert hashing.network_hash(model['networks'][key]) == expected['networks'][key][L.CONFIG_HASH]
    assert hashing.volume_hash(model['volumes']['data']) == expected['volumes']['data'][L.CONFIG_HASH]


def test_hash_ignores_key_order_of_the_model():
    model = load('hashproj.model.json')
    service = model['services']['web']
    shuffled = dict(reversed(list(service.items())))
    shuffled['ulimits'] = dict(reversed(list(service['ulimits'].items())))
    assert hashing.service_hash(shuffled) == hashing.service_hash(service)


def test_hash_ignores_scale_profiles_depends_on_and_pull_policy():
    service = load('hashproj.model.json')['services']['web']
    changed = dict(service, scale=5, profiles=['x'], pull_policy='always', depends_on={})
    assert hashing.service_hash(changed) == hashing.service_hash(service)
    assert hashing.service_hash(dict(service, environment={'A': '1'})) != hashing.service_hash(service)


def test_depends_on_label_like_compose():
    model = load('hashproj.model.json')
    expected = load('hashproj.labels.json')
    for name, service in model['services'].items():
        assert L.depends_on_label(service) == expected['services'][name][L.DEPENDS_ON]


def test_go_json_escapes_like_go():
    assert hashing.go_json({'a': '<&>', 'n': 1.0, 'f': 0.5}) == '{"a":"\\u003c\\u0026\\u003e","n":1,"f":0.5}'


# ------------------------------------------------------------------ converge

def test_fresh_deploy_creates_networks_volumes_then_services_in_dependency_order(webdb):
    plan = planner.make_plan('webdb', webdb, empty_observed(webdb))
    assert actions(plan) == [
        ('create', 'network', 'webdb_default'), ('create', 'network', 'webdb_front'),
        ('create', 'volume', 'webdb_data'),
        ('create', 'container', 'webdb-db-1'), ('create', 'container', 'webdb-web-1'),
    ]
    assert plan['changed'] is True
    assert plan['services']['db']['order'] < plan['services']['web']['order']


def test_second_plan_is_empty(webdb):
    observed = deployed(webdb)
    plan = planner.make_plan('webdb', webdb, observed)
    assert plan['actions'] == []
    assert plan['changed'] is False
    assert all(e['action'] == 'noop' for s in plan['services'].values() for e in s['containers'])


def test_changed_environment_recreates_only_that_service(webdb):
    observed = deployed(webdb)
    webdb['services']['web']['environment'] = {'MODE': 'blue'}
    plan = planner.make_plan('webdb', webdb, observed)
    assert actions(plan) == [('recreate', 'container', 'webdb-web-1')]
    assert plan['actions'][0]['reason'] == 'configuration changed'


def test_changed_image_recreates(webdb):
    observed = deployed(webdb)
    observed['images'] = images_for(webdb, OTHER_IMAGE_ID)
    plan = planner.make_plan('webdb', webdb, observed)
    assert sorted(actions(plan)) == [('recreate', 'container', 'webdb-db-1'), ('recreate', 'container', 'webdb-web-1')]


def test_recreate_policies(webdb):
    observed = deployed(webdb)
    assert len(planner.make_plan('webdb', webdb, observed, {'recreate': 'always'})['actions']) == 2
    webdb['services']['web']['environment'] = {'MODE': 'blue'}
    assert planner.make_plan('webdb', webdb, observed, {'recreate': 'never'})['actions'] == []


def test_scale_down_removes_the_highest_numbers(webdb):
    observed = deployed(webdb, {'scale': {'web': 3}})
    names = sorted(c['name'] for c in observed['containers'] if c['service'] == 'web')
    assert names == ['webdb-web-1', 'webdb-web-2', 'webdb-web-3']
    plan = planner.make_plan('webdb', webdb, observed, {'scale': {'web': 1}})
    assert actions(plan) == [('remove', 'container', 'webdb-web-2'), ('remove', 'container', 'webdb-web-3')]


def test_scale_up_numbers_after_the_highest(webdb):
    observed = deployed(webdb)
    plan = planner.make_plan('webdb', webdb, observed, {'scale': {'web': 3}})
    assert actions(plan) == [('create', 'container', 'webdb-web-2'), ('create', 'container', 'webdb-web-3')]


def test_scale_from_model_and_errors(webdb):
    webdb['services']['web']['scale'] = 2
    plan = planner.make_plan('webdb', webdb, empty_observed(webdb))
    assert ('create', 'container', 'webdb-web-2') in actions(plan)
    with pytest.raises(planner.PlanError, match='scale: no such service: nope'):
        planner.make_plan('webdb', webdb, empty_observed(webdb), {'scale': {'nope': 1}})
    webdb['services']['web']['container_name'] = 'fixed'
    with pytest.raises(planner.PlanError, match='services.web: container_name fixed cannot be used with scale 2'):
        planner.make_plan('webdb', webdb, empty_observed(webdb))


def test_orphans_warned_or_removed(webdb):
    observed = deployed(webdb)
    del webdb['services']['web']
    plan = planner.make_plan('webdb', webdb, observed)
    assert plan['actions'] == []
    assert any('webdb-web-1' in w and 'remove_orphans' in w for w in plan['warnings'])
    plan = planner.make_plan('webdb', webdb, observed, {'remove_orphans': True})
    assert actions(plan) == [('remove', 'container', 'webdb-web-1')]
    # a service disabled by a profile is no orphan
    plan = planner.make_plan('webdb', webdb, observed, {'remove_orphans': True, 'all_service_names': ['web', 'db']})
    assert plan['actions'] == []


def test_exited_container_is_started_and_stopped_state_stops(webdb):
    observed = deployed(webdb)
    observed['containers'][0]['state'] = 'exited'
    plan = planner.make_plan('webdb', webdb, observed)
    assert [a['action'] for a in plan['actions']] == ['start']
    plan = planner.make_plan('webdb', webdb, deployed(webdb), {'state': 'stopped'})
    assert sorted(actions(plan)) == [('stop', 'container', 'webdb-db-1'), ('stop', 'container', 'webdb-web-1')]


def test_completed_one_shot_dependency_is_left_alone(webdb):
    webdb['services']['web']['depends_on'] = {'db': {'condition': 'service_completed_successfully', 'required': True}}
    observed = deployed(webdb)
    db = [c for c in observed['containers'] if c['service'] == 'db'][0]
    db.update(state='exited', exit_code=0)
    assert planner.make_plan('webdb', webdb, observed)['actions'] == []
    db.update(exit_code=1)
    assert actions(planner.make_plan('webdb', webdb, observed)) == [('start', 'container', 'webdb-db-1')]


def test_restarted_state_restarts_running_containers(webdb):
    plan = planner.make_plan('webdb', webdb, deployed(webdb), {'state': 'restarted'})
    assert [a['action'] for a in plan['actions']] == ['restart', 'restart']


def test_dependency_with_restart_true_restarts_dependents():
    model = load('hashproj.model.json')
    observed = deployed(model)
    model['services']['db']['environment'] = {'CHANGED': '1'}
    plan = planner.make_plan('hashproj', model, observed)
    acts = actions(plan, 'container')
    assert acts[0] == ('recreate', 'container', 'hashproj-db-1')
    assert ('restart', 'container', 'hashproj-web-1') in acts  # depends_on db with restart: true


def test_network_mode_service_follows_the_new_container():
    model = load('hashproj.model.json')
    observed = deployed(model)
    assert planner.make_plan('hashproj', model, observed)['actions'] == []
    model['services']['web']['environment'] = {'CHANGED': '1'}
    plan = planner.make_plan('hashproj', model, observed)
    assert sorted(actions(plan, 'container')) == [
        ('recreate', 'container', 'hashproj-web-1'), ('recreate', 'container', 'hashproj-worker-1'),
        ('recreate', 'container', 'hashproj-worker-2')]


def test_duplicate_numbers_are_cleaned_up(webdb):
    observed = deployed(webdb)
    dup = dict(observed['containers'][0], id='f' * 64, name='abc_' + observed['containers'][0]['name'])
    observed['containers'].append(dup)
    plan = planner.make_plan('webdb', webdb, observed)
    assert [(a['action'], a['id']) for a in plan['actions']] == [('remove', 'f' * 64)]


def test_only_selected_services_and_their_dependencies(webdb):
    plan = planner.make_plan('webdb', webdb, empty_observed(webdb), {'services': ['db']})
    assert set(plan['services']) == {'db'}
    plan = planner.make_plan('webdb', webdb, empty_observed(webdb), {'services': ['web']})
    assert set(plan['services']) == {'db', 'web'}
    with pytest.raises(planner.PlanError, match='services: no such service: nope'):
        planner.make_plan('webdb', webdb, empty_observed(webdb), {'services': ['nope']})


# ------------------------------------------------------------------ images

def test_missing_image_is_pulled_and_never_fails(webdb):
    observed = empty_observed(webdb)
    observed['images'] = {}
    plan = planner.make_plan('webdb', webdb, observed)
    assert actions(plan, 'image') == [('pull', 'image', 'dockyard-test/busybox:latest')]
    with pytest.raises(planner.PlanError, match=r'services\.db\.image: dockyard-test/busybox:latest is not present '
                                                r'on the engine and pull is never'):
        planner.make_plan('webdb', webdb, observed, {'pull': 'never'})


def test_build_section_builds_when_missing(webdb):
    webdb['services']['web']['build'] = {'context': '/tmp/x', 'dockerfile': 'Dockerfile'}
    del webdb['services']['web']['image']
    observed = empty_observed(webdb)
    observed['images'] = {'dockyard-test/busybox:latest': IMAGE_ID}
    plan = planner.make_plan('webdb', webdb, observed)
    assert actions(plan, 'image') == [('build', 'image', 'webdb-web')]
    observed['images']['webdb-web'] = IMAGE_ID
    assert actions(planner.make_plan('webdb', webdb, observed), 'image') == []
    assert actions(planner.make_plan('webdb', webdb, observed, {'build': 'always'}), 'image') == \
        [('build', 'image', 'webdb-web')]


# ------------------------------------------------------------------ errors

def test_dependency_cycle_is_named(webdb):
    webdb['services']['db']['depends_on'] = {'web': {'condition': 'service_started', 'required': True}}
    with pytest.raises(planner.PlanError, match='services: dependency cycle db -> web -> db'):
        planner.make_plan('webdb', webdb, empty_observed(webdb))


def test_missing_required_dependency(webdb):
    webdb['services']['web']['depends_on'] = {'cache': {'condition': 'service_started', 'required': True}}
    with pytest.raises(planner.PlanError, match='services.web.depends_on: service cache is not enabled'):
        planner.make_plan('webdb', webdb, empty_observed(webdb))
    webdb['services']['web']['depends_on']['cache']['required'] = False
    planner.make_plan('webdb', webdb, empty_observed(webdb))


def test_external_network_must_exist(webdb):
    webdb['networks']['front'] = {'name': 'shared', 'external': True}
    with pytest.raises(planner.PlanError, match='networks.front: network shared declared as external'):
        planner.make_plan('webdb', webdb, empty_observed(webdb))
    observed = empty_observed(webdb)
    observed['networks']['shared'] = {'id': 'x', 'labels': {}}
    assert ('create', 'network', 'shared') not in actions(planner.make_plan('webdb', webdb, observed))


def test_unsupported_key_is_named(webdb):
    webdb['services']['web']['develop'] = {}
    planner.make_plan('webdb', webdb, empty_observed(webdb))
    webdb['services']['web']['provider'] = {'type': 'model'}
    with pytest.raises(planner.PlanError, match='services.web.provider is not supported'):
        planner.make_plan('webdb', webdb, empty_observed(webdb))


def test_changed_network_config_recreates_network_and_its_containers(webdb):
    observed = deployed(webdb)
    for c in observed['containers']:
        c['networks'] = ['webdb_default'] + (['webdb_front'] if c['service'] == 'web' else [])
    webdb['networks']['front']['internal'] = True
    plan = planner.make_plan('webdb', webdb, observed)
    assert actions(plan) == [('recreate', 'network', 'webdb_front'), ('recreate', 'container', 'webdb-web-1')]


def test_changed_volume_config_is_kept_with_a_warning(webdb):
    observed = deployed(webdb)
    webdb['volumes']['data']['driver_opts'] = {'type': 'tmpfs'}
    plan = planner.make_plan('webdb', webdb, observed)
    assert plan['actions'] == []
    assert any('webdb_data' in w for w in plan['warnings'])


# ------------------------------------------------------------------ absent

def test_absent_removes_containers_networks_and_volumes_when_asked(webdb):
    observed = deployed(webdb)
    plan = planner.make_plan('webdb', webdb, observed, {'state': 'absent'})
    assert actions(plan) == [('remove', 'container', 'webdb-web-1'), ('remove', 'container', 'webdb-db-1'),
                             ('remove', 'network', 'webdb_default'), ('remove', 'network', 'webdb_front')]
    options = {'state': 'absent', 'remove_volumes': True, 'remove_images': 'all'}
    plan = planner.make_plan('webdb', webdb, observed, options)
    assert actions(plan)[-2:] == [('remove', 'volume', 'webdb_data'),
                                  ('remove', 'image', 'dockyard-test/busybox:latest')]
    assert planner.make_plan('webdb', webdb, applied(webdb, plan, observed), {'state': 'absent'})['actions'] == []


def test_absent_by_name_only(webdb):
    observed = deployed(webdb)
    plan = planner.make_plan('webdb', {'name': 'webdb', 'services': {}}, observed, {'state': 'absent'})
    assert sorted(a for a in actions(plan) if a[1] == 'container') == [
        ('remove', 'container', 'webdb-db-1'), ('remove', 'container', 'webdb-web-1')]


# ------------------------------------------------------------------ diff

def test_diff_shows_per_service_before_and_after(webdb):
    observed = deployed(webdb)
    webdb['services']['web']['environment'] = {'MODE': 'blue'}
    plan = planner.make_plan('webdb', webdb, observed, {'scale': {'web': 2}})
    before, after = planner.diff(plan, observed)
    assert list(before['services']['web']['containers']) == ['webdb-web-1']
    assert sorted(after['services']['web']['containers']) == ['webdb-web-1', 'webdb-web-2']
    assert before['services']['web']['containers']['webdb-web-1']['config_hash'] != \
        after['services']['web']['containers']['webdb-web-1']['config_hash']
    assert before['services']['db'] == after['services']['db']


# ------------------------------------------------------------------ container spec

def test_create_body_for_a_service(webdb):
    service = webdb['services']['web']
    labels = L.container_labels('webdb', 'web', service, 1, 'h', IMAGE_ID,
                                {'working_dir': '/p', 'config_files': ['/p/compose.yaml']})
    body, extra = spec.create_body('webdb', 'web', service, webdb, 'webdb-web-1', labels, service['image'])
    assert body['Cmd'] == ['httpd', '-f', '-p', '8080']
    assert body['HostConfig']['PortBindings'] == {'8080/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '18080'}]}
    assert body['HostConfig']['NetworkMode'] == 'webdb_default'
    assert body['NetworkingConfig']['EndpointsConfig']['webdb_default']['Aliases'] == ['webdb-web-1', 'web']
    assert [name for name, _endpoint in extra] == ['webdb_front']
    assert body['Labels'][L.PROJECT] == 'webdb'
    assert body['Labels'][L.CONFIG_FILES] == '/p/compose.yaml'
    assert body['Labels'][L.DEPENDS_ON] == 'db:service_healthy:false'
    assert body['Labels']['a.b'] == 'c'
    db, _extra = spec.create_body('webdb', 'db', webdb['services']['db'], webdb, 'webdb-db-1', {}, 'img')
    assert db['Healthcheck'] == {'Test': ['CMD', 'true'], 'Interval': 10 ** 9}
    assert db['HostConfig']['Binds'] == ['webdb_data:/data:rw']
    assert db['Env'] == ['FOO=bar']


def test_create_body_resources_and_limits():
    model = load('hashproj.model.json')
    body, _extra = spec.create_body('hashproj', 'web', model['services']['web'], model, 'hashproj-web-1', {}, 'img')
    host = body['HostConfig']
    assert host['Memory'] == 64 * 1024 ** 2
    assert host['NanoCpus'] == 5 * 10 ** 8
    assert host['Ulimits'] == [{'Name': 'nofile', 'Soft': 1024, 'Hard': 2048},
                               {'Name': 'nproc', 'Soft': 512, 'Hard': 512}]
    assert host['ExtraHosts'] == ['gateway.local:127.0.0.2']
    assert host['RestartPolicy'] == {'Name': 'unless-stopped', 'MaximumRetryCount': 0}
    assert host['LogConfig'] == {'Type': 'json-file', 'Config': {'max-file': '2', 'max-size': '1m'}}
    assert '7000/tcp' in body['ExposedPorts'] and '9090/udp' in body['ExposedPorts']
    worker, _extra = spec.create_body('hashproj', 'worker', model['services']['worker'], model, 'w', {}, 'img',
                                      network_mode_container='abc')
    assert worker['HostConfig']['NetworkMode'] == 'container:abc'
    assert 'NetworkingConfig' not in worker


@pytest.mark.parametrize('text,expected', [('1s', 10 ** 9), ('1m30s', 90 * 10 ** 9), ('500ms', 5 * 10 ** 8),
                                           ('1h', 3600 * 10 ** 9), (2, 2 * 10 ** 9)])
def test_durations(text, expected):
    assert spec.duration_ns(text) == expected


@pytest.mark.parametrize('text,expected', [('67108864', 67108864), ('64m', 64 * 1024 ** 2), ('1g', 1024 ** 3),
                                           ('10kb', 10240), (512, 512)])
def test_sizes(text, expected):
    assert spec.size_bytes(text) == expected


def test_bad_duration_is_reported():
    with pytest.raises(spec.SpecError, match='invalid duration'):
        spec.duration_ns('10 parsecs')


def test_project_paths(tmp_path):
    (tmp_path / 'compose.yaml').write_text('services: {}\n')
    (tmp_path / 'compose.override.yaml').write_text('services: {}\n')
    (tmp_path / '.env').write_text('A=1\n')
    working_dir, files, env_files = L.project_paths(str(tmp_path))
    assert working_dir == str(tmp_path)
    assert files == [str(tmp_path / 'compose.yaml'), str(tmp_path / 'compose.override.yaml')]
    assert env_files == [str(tmp_path / '.env')]
    _run, files, env_files = L.project_paths(str(tmp_path), ['a.yml'], ['x.env'])
    assert files == [str(tmp_path / 'a.yml')] and env_files == [str(tmp_path / 'x.env')]


def test_secrets_and_configs_become_bind_mounts_or_copies():
    model = {
        'secrets': {'db_password': {'file': '/srv/app/db_password.txt'}, 'token': {'environment': 'API_TOKEN'}},
        'configs': {'nginx': {'content': 'worker_processes 1;'}, 'ext': {'external': True}},
    }
    service = {
        'secrets': [{'source': 'db_password'}, {'source': 'token', 'target': 'api-token', 'mode': '0400', 'uid': '33'}],
        'configs': [{'source': 'nginx', 'target': '/etc/nginx/nginx.conf'}],
    }
    mounts, binds = spec._mounts(service, model, 'proj')  # pylint: disable=protected-access
    assert binds == []
    assert mounts == [{'Type': 'bind', 'Source': '/srv/app/db_password.txt', 'Target': '/run/secrets/db_password', 'ReadOnly': True}]
    assert spec.copies(service, model, {'API_TOKEN': 's3cret'}) == [
        ('/run/secrets/api-token', b's3cret', 0o400, 33, 0),
        ('/etc/nginx/nginx.conf', b'worker_processes 1;', 0o444, 0, 0),
    ]
    with pytest.raises(spec.SpecError, match='environment variable API_TOKEN is not set'):
        spec.copies(service, model, {})
    with pytest.raises(spec.SpecError, match="external config 'ext' is not supported"):
        spec._mounts({'configs': [{'source': 'ext'}]}, model, 'proj')  # pylint: disable=protected-access
