# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""StackManager end to end against the in-memory swarm: plan, writes, convergence, failures."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.errors import StackConvergeError, StackInputError, SwarmError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_engine import StackEngine
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_manager import StackManager
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.swarm.swarm_fakes import (
    FakeEngine,
    FakeSwarm,
    make_node,
)


class Clock:
    """Time that moves only when the code sleeps."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def app(api_env='one', replicas=2, secret='s3cret', cache=True, api_mode=None):
    services = {
        'web': {'image': 'web:1', 'configs': [{'source': 'page', 'target': '/www/index.html'}], 'secrets': ['token'],
                'networks': ['front'], 'ports': [{'target': 80, 'published': 8080, 'mode': 'host'}],
                'deploy': {'replicas': replicas, 'endpoint_mode': 'dnsrr'}},
        'api': {'image': 'api:1', 'environment': {'API_ENV': api_env}, 'networks': ['front'],
                'deploy': {'mode': api_mode} if api_mode else {'update_config': {'failure_action': 'rollback'}}},
    }
    if cache:
        services['cache'] = {'image': 'cache:1'}
    return {'services': services, 'networks': {'front': {'attachable': True}},
            'configs': {'page': {'content': 'hello'}}, 'secrets': {'token': {'environment': 'TOKEN'}}}


def run(swarm, definition, check_mode=False, prune=False, state='present', environment=None, warnings=None, diff=False,
        parallel=1):
    clock = Clock()
    engine = swarm.engine()
    params = {'name': 'app', 'state': state, 'definition': definition, 'prune': prune, 'wait': True, 'wait_timeout': 30,
              'environment': dict({'TOKEN': 's3cret'}, **(environment or {}))}
    manager = StackManager(lambda: engine, params, check_mode=check_mode, diff=diff,
                           warn=(warnings.append if warnings is not None else None),
                           engine_factory=lambda client: StackEngine(client, clock=clock, sleep=clock.sleep,
                                                                     parallel=parallel))
    return manager.run()


def actions(result):
    return [(a['action'], a['kind'], a.get('key') or a['name']) for a in result['actions']]


@pytest.fixture
def swarm():
    return FakeSwarm()


def test_first_deploy_then_nothing_to_do(swarm):
    first = run(swarm, app())
    assert actions(first) == [('create', 'network', 'default'), ('create', 'network', 'front'), ('create', 'config', 'page'),
                              ('create', 'secret', 'token'), ('create', 'service', 'api'), ('create', 'service', 'cache'),
                              ('create', 'service', 'web')]
    assert first['changed'] is True
    assert {s['key']: s['replicas'] for s in first['services']} == {'api': None, 'cache': None, 'web': 2}
    writes = list(swarm.writes)
    again = run(swarm, app())
    assert again['changed'] is False and again['actions'] == []
    assert swarm.writes == writes
    assert {s['key']: s['version'] for s in again['services']} == {s['key']: s['version'] for s in first['services']}


def test_services_are_written_concurrently_and_reported_in_order(swarm):
    result = run(swarm, app(), parallel=4)
    assert sorted(swarm.writes).count('create_service') == 3
    assert [s['key'] for s in result['services']] == ['api', 'cache', 'web']
    assert all(s['id'] for s in result['services'])
    assert run(swarm, app(), parallel=4)['changed'] is False


def test_check_mode_plans_exactly_and_writes_nothing(swarm):
    run(swarm, app())
    planned = run(swarm.read_only(), app(api_env='two', replicas=1), check_mode=True, diff=True)
    swarm.read_only_ = False
    done = run(swarm, app(api_env='two', replicas=1))
    assert planned['actions'] == done['actions'] == [
        {'action': 'update', 'kind': 'service', 'name': 'app_api', 'key': 'api', 'changes': ['TaskTemplate.ContainerSpec.Env']},
        {'action': 'update', 'kind': 'service', 'name': 'app_web', 'key': 'web', 'changes': ['Mode.Replicated.Replicas']}]
    diffs = {d['before_header']: d for d in planned['diff']}
    assert diffs['service app_api']['before']['TaskTemplate']['ContainerSpec']['Env'] == ['API_ENV=one']
    assert diffs['service app_api']['after']['TaskTemplate']['ContainerSpec']['Env'] == ['API_ENV=two']


def test_only_the_changed_service_is_written(swarm):
    first = run(swarm, app())
    versions = {s['key']: s['version'] for s in first['services']}
    swarm.writes.clear()
    result = run(swarm, app(api_env='two'))
    assert swarm.writes == ['update_service']
    after = {s['key']: s['version'] for s in result['services']}
    assert [k for k in versions if versions[k] != after[k]] == ['api']


def test_an_update_keeps_the_force_update_counter(swarm):
    run(swarm, app())
    service = next(s for s in swarm.services_ if s['Spec']['Name'] == 'app_api')
    service['Spec']['TaskTemplate']['ForceUpdate'] = 7  # somebody ran `docker service update --force`
    run(swarm, app(api_env='two'))
    assert service['Spec']['TaskTemplate']['ForceUpdate'] == 7


def test_secret_rotation_creates_a_version_and_removes_the_old_one(swarm):
    run(swarm, app())
    old = [s['Spec']['Name'] for s in swarm.secrets_]
    result = run(swarm, app(), environment={'TOKEN': 'rotated'})
    new = [a['name'] for a in result['actions'] if a['kind'] == 'secret' and a['action'] == 'create']
    assert actions(result) == [('create', 'secret', 'token'), ('update', 'service', 'web'), ('remove', 'secret', old[0])]
    assert [s['Spec']['Name'] for s in swarm.secrets_] == new
    assert 'rotated' not in repr(result)


def test_prune_removes_services_that_left_the_project(swarm):
    run(swarm, app())
    kept = run(swarm, app(cache=False))
    assert kept['changed'] is False
    pruned = run(swarm, app(cache=False), prune=True)
    # cache was the only user of the default network: the project has no default network any more.
    assert actions(pruned) == [('remove', 'service', 'app_cache'), ('remove', 'network', 'app_default')]
    assert sorted(s['Spec']['Name'] for s in swarm.services_) == ['app_api', 'app_web']


def test_a_mode_change_recreates_the_service(swarm):
    run(swarm, app())
    result = run(swarm, app(api_mode='global'))
    assert actions(result) == [('recreate', 'service', 'api')]
    api = next(s for s in swarm.services_ if s['Spec']['Name'] == 'app_api')
    assert api['Spec']['Mode'] == {'Global': {}}


def test_a_rolled_back_update_fails_with_the_task_error(swarm):
    run(swarm, app())
    swarm.next_update = 'rollback'
    with pytest.raises(StackConvergeError) as raised:
        run(swarm, app(api_env='broken'))
    message = raised.value.msg
    assert message.startswith('service app_api: update rolled back (rollback completed): task errors: failed on vm-2:')
    assert 'task: non-zero exit (3)' in message
    assert raised.value.extra['changed'] is True
    assert raised.value.extra['actions'][0]['name'] == 'app_api'


def test_services_that_never_converge_time_out_with_their_state(swarm):
    run(swarm, app())
    original = FakeEngine._run_tasks

    def pending(self, service):  # the scheduler finds no node for the new tasks
        original(self, service)
        for task in self.cluster.tasks_:
            if task['ServiceID'] == service['ID'] and task['DesiredState'] == 'running':
                task['Status'] = {'State': 'pending', 'Err': 'no suitable node (host-mode port already in use on 3 nodes)'}
    FakeEngine._run_tasks = pending
    try:
        with pytest.raises(StackConvergeError) as raised:
            run(swarm, app(replicas=3))
    finally:
        FakeEngine._run_tasks = original
    assert 'did not converge within 30s (app_web: 0/3 running)' in raised.value.msg
    assert 'no suitable node' in raised.value.msg


def test_state_absent_removes_like_docker_stack_rm(swarm):
    run(swarm, app())
    result = run(swarm, None, state='absent')
    assert [(a['action'], a['kind']) for a in result['actions']] == [('remove', 'service')] * 3 + [
        ('remove', 'config'), ('remove', 'secret'), ('remove', 'network'), ('remove', 'network')]
    assert swarm.services_ == [] and swarm.configs_ == [] and swarm.secrets_ == []
    assert [n['Name'] for n in swarm.networks_] == ['ingress']
    assert run(swarm, None, state='absent')['changed'] is False


def test_bad_input_is_refused_before_any_write(swarm):
    bad = app()
    bad['services']['web']['deploy']['placement'] = {'constraints': ['node.labels.zone == nowhere']}
    with pytest.raises(StackInputError) as raised:
        run(swarm, bad)
    assert 'services.web.deploy.placement.constraints: no node of the swarm satisfies node.labels.zone == nowhere' \
        in raised.value.msg
    assert swarm.writes == []


def test_a_worker_is_not_a_manager(swarm):
    worker = swarm.engine(swarm.nodes_[1]['ID'])
    params = {'name': 'app', 'state': 'present', 'definition': app(), 'environment': {'TOKEN': 'x'}}
    with pytest.raises(SwarmError) as raised:
        StackManager(lambda: worker, params).run()
    assert 'is not a swarm manager' in raised.value.msg and raised.value.option == 'docker_host'


def test_invalid_stack_name():
    with pytest.raises(DockyardError) as raised:
        StackManager(lambda: None, {'name': 'Bad Name', 'state': 'present', 'definition': app()}).run()
    assert raised.value.option == 'name'


def test_ignored_keys_are_warned(swarm):
    warnings = []
    definition = app()
    definition['services']['cache']['privileged'] = True
    run(swarm, definition, warnings=warnings)
    assert warnings == ['services.cache: ignored by swarm (as docker stack deploy does): privileged']


def test_volume_driver_must_be_on_the_nodes_the_service_may_use():
    swarm = FakeSwarm(nodes=[make_node('vm-1', 'manager', plugins=('local', 'rexray')),
                             make_node('vm-2', plugins=('local',), labels={'disk': 'ssd'})])
    definition = {'services': {'db': {'image': 'db:1', 'volumes': ['data:/data']}}, 'volumes': {'data': {'driver': 'rexray'}}}
    with pytest.raises(StackInputError) as raised:
        run(swarm, definition)
    assert 'volume driver rexray is not installed on node(s) vm-2' in raised.value.msg
    definition['services']['db']['deploy'] = {'placement': {'constraints': ['node.role == manager']}}
    assert run(swarm, definition)['changed'] is True


def test_a_network_of_a_just_removed_stack_is_created_again(swarm):
    """Deploying right after `state: absent`: the manager still lists the old network, the swarm has not got it."""
    run(swarm, app())
    run(swarm, app(), state='absent')
    stale = {'Name': 'app_front', 'Id': 'stale0001', 'Driver': 'overlay', 'Scope': 'swarm',
             'Labels': {'com.docker.stack.namespace': 'app'}, 'Attachable': True, 'Internal': False}
    swarm.networks_.append(stale)
    swarm.lingering['app_front'] = 2  # two refused creates, then the node's copy is gone
    before = len(swarm.writes)
    result = run(swarm, app(), parallel=4)
    assert ('create', 'network', 'app_front') in [(a['action'], a['kind'], a['name']) for a in result['actions']]
    assert [a for a in result['actions'] if a['kind'] == 'network'][-1]['changes'] == [
        'removed from the swarm, still listed by the manager']
    assert swarm.writes[before:].count('create_network') == 2  # the default network, then app_front once for all services
    assert sorted(s['Spec']['Name'] for s in swarm.services_) == ['app_api', 'app_cache', 'app_web']
    assert [n['Name'] for n in swarm.networks_].count('app_front') == 1
    assert run(swarm, app())['changed'] is False


def test_a_network_that_stays_listed_is_a_clear_error(swarm):
    run(swarm, app())
    run(swarm, app(), state='absent')
    swarm.networks_.append({'Name': 'app_front', 'Id': 'stale0001', 'Driver': 'overlay', 'Scope': 'swarm',
                            'Labels': {'com.docker.stack.namespace': 'app'}, 'Attachable': True, 'Internal': False})
    swarm.lingering['app_front'] = 10 ** 6
    with pytest.raises(SwarmError, match='network app_front was removed from the swarm but the manager still lists it'):
        run(swarm, app())


def test_removing_again_while_the_manager_still_lists_the_network_is_no_change(swarm):
    run(swarm, app())
    run(swarm, app(), state='absent')
    swarm.networks_.append({'Name': 'app_front', 'Id': 'stale0001', 'Driver': 'overlay', 'Scope': 'swarm',
                            'Labels': {'com.docker.stack.namespace': 'app'}, 'Attachable': True, 'Internal': False})
    swarm.lingering['app_front'] = 1
    writes = list(swarm.writes)
    again = run(swarm, app(), state='absent')
    assert again['changed'] is False and again['actions'] == []
    assert swarm.writes == writes
