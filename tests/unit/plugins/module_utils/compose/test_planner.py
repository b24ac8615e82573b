# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure Compose planner: model + observed state in, plan out.

The observed states are what an engine would hold after the planned actions (applied() below),
so a second plan over them must be empty.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import hashing, planner, spec
from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.compose.models import IMAGE_ID, OTHER_IMAGE_ID, load


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
