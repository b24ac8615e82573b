# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spec comparison against what real engines return, and the planner's reading of a CLI-deployed stack.

fixtures/cli_stack: compose.yaml deployed with `docker stack deploy` (Docker CLI 28.2.2) to a Docker
20.10 manager in an emulator VM, and what the engine then returned (engine.json: services, networks,
configs, secrets of the stack).
"""

from __future__ import annotations

import copy
import json
import os

from ansible_collections.dockyard.azure.plugins.module_utils.compose.loader import load_project
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.spec_compare import (
    canonical_spec,
    changed_fields,
    mode_kind,
)
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_convert import convert_project
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_model import ObservedSwarm
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_planner import plan_stack

FIXTURE = os.path.join(os.path.dirname(__file__), 'fixtures', 'cli_stack')
SECOND = 10 ** 9


def cli_stack():
    with open(os.path.join(FIXTURE, 'engine.json')) as handle:
        engine = json.load(handle)
    model = load_project(project_dir=FIXTURE, project_name='clistack', environment={})
    desired = convert_project(model, 'clistack', {})
    observed = ObservedSwarm(services=engine['services'], networks=engine['networks'], configs=engine['configs'],
                             secrets=engine['secrets'], nodes=[])
    return desired, observed


def test_a_stack_the_cli_deployed_is_what_we_would_deploy():
    desired, observed = cli_stack()
    names = observed.network_names()
    for service in observed.services:
        key = service['Spec']['Name'][len('clistack_'):]
        ours = copy.deepcopy(desired.services[key].spec)
        # The CLI named its config and secret without a version: compare with those names.
        for ref in ours['TaskTemplate']['ContainerSpec'].get('Configs') or []:
            ref['ConfigName'] = 'clistack_cfg'
        for ref in ours['TaskTemplate']['ContainerSpec'].get('Secrets') or []:
            ref['SecretName'] = 'clistack_sec'
        assert canonical_spec(ours, names) == canonical_spec(service['Spec'], names), key


def test_the_planner_adopts_the_cli_stack_without_touching_its_services():
    desired, observed = cli_stack()
    plan = plan_stack(desired, observed)
    # The config's data is readable and equal; the secret's is not: one label update asks the engine.
    assert [a.as_dict() for a in plan.actions] == [
        {'action': 'adopt', 'kind': 'secret', 'name': 'clistack_sec', 'key': 'sec', 'changes': ['labels']}]
    assert {key: entry.action for key, entry in plan.services.items()} == {'job': 'none', 'web': 'none'}
    assert plan.object_names == {('config', 'cfg'): 'clistack_cfg', ('secret', 'sec'): 'clistack_sec'}
    # Once the engine said the secret's data differs, the run moves the service to a new version.
    refused = plan_stack(desired, observed, secret_checks={'clistack_sec': False})
    kinds = [(a.action, a.kind) for a in refused.actions]
    assert kinds == [('create', 'secret'), ('update', 'service'), ('remove', 'secret')]
    assert refused.services['web'].changes == ['TaskTemplate.ContainerSpec.Secrets']


def test_engine_defaults_are_equal_to_their_absence():
    ours = {'Name': 'a_s', 'TaskTemplate': {'ContainerSpec': {'Image': 'i'}}, 'EndpointSpec': {'Mode': 'vip'}}
    engine = {'Name': 'a_s', 'Labels': {},
              'TaskTemplate': {'ContainerSpec': {'Image': 'i', 'Isolation': 'default', 'StopGracePeriod': 10 * SECOND,
                                                 'Privileges': {'CredentialSpec': None, 'SELinuxContext': None,
                                                                'NoNewPrivileges': False}, 'DNSConfig': {}},
                               'Resources': {}, 'Placement': {}, 'ForceUpdate': 0, 'Runtime': 'container',
                               'RestartPolicy': {'Condition': 'any', 'Delay': 5 * SECOND, 'MaxAttempts': 0}},
              'Mode': {'Replicated': {'Replicas': 1}},
              'UpdateConfig': {'Parallelism': 1, 'FailureAction': 'pause', 'Monitor': 5 * SECOND, 'MaxFailureRatio': 0,
                               'Order': 'stop-first'},
              'EndpointSpec': {'Mode': 'vip'}}
    assert canonical_spec(ours) == canonical_spec(engine)


def test_real_differences_are_found():
    base = {'Name': 'a_s', 'TaskTemplate': {'ContainerSpec': {'Image': 'i', 'Env': ['A=1']}},
            'Mode': {'Replicated': {'Replicas': 1}}}
    env = copy.deepcopy(base)
    env['TaskTemplate']['ContainerSpec']['Env'] = ['A=2']
    assert changed_fields(canonical_spec(base), canonical_spec(env)) == ['TaskTemplate.ContainerSpec.Env']
    scaled = copy.deepcopy(base)
    scaled['Mode'] = {'Replicated': {'Replicas': 0}}
    assert canonical_spec(scaled)['Mode'] == {'Replicated': {'Replicas': 0}}
    assert changed_fields(canonical_spec(base), canonical_spec(scaled)) == ['Mode.Replicated.Replicas']
    # An update config with Parallelism left out means 0 (all at once), not the default 1.
    partial = dict(base, UpdateConfig={'FailureAction': 'rollback'})
    assert canonical_spec(partial)['UpdateConfig'] == {'FailureAction': 'rollback', 'Monitor': 5 * SECOND,
                                                       'Order': 'stop-first'}
    # A restart delay of 0 is not the default 5s.
    no_delay = copy.deepcopy(base)
    no_delay['TaskTemplate']['RestartPolicy'] = {'Condition': 'any', 'Delay': 0}
    assert 'TaskTemplate.RestartPolicy.Delay' in changed_fields(canonical_spec(base), canonical_spec(no_delay))
    assert mode_kind(base) == 'Replicated' and mode_kind({'Mode': {'Global': {}}}) == 'Global'


def test_networks_by_id_and_secret_targets_are_normalised():
    ours = {'Name': 'a', 'TaskTemplate': {'ContainerSpec': {'Image': 'i', 'Secrets': [
        {'SecretName': 's', 'File': {'Name': '/run/secrets/s'}}]}, 'Networks': [{'Target': 'a_net', 'Aliases': ['x', 'a']}]}}
    engine = {'Name': 'a', 'TaskTemplate': {'ContainerSpec': {'Image': 'i', 'Secrets': [
        {'SecretName': 's', 'SecretID': 'abc', 'File': {'Name': 's', 'UID': '0', 'GID': '0', 'Mode': 0o444}}]},
        'Networks': [{'Target': 'net-id', 'Aliases': ['a', 'x']}]}}
    assert canonical_spec(ours, {'net-id': 'a_net'}) == canonical_spec(engine, {'net-id': 'a_net'})


def _service(**container):
    return {'Name': 'a_s', 'TaskTemplate': {'ContainerSpec': dict({'Image': 'i'}, **container)},
            'Mode': {'Replicated': {'Replicas': 2}}}


def test_order_the_engine_does_not_keep_is_not_a_change():
    # The loader's environment is a mapping: its order says nothing, and ports come back in the engine's order.
    ours = _service(Env=['B=2', 'A=1'])
    ours['EndpointSpec'] = {'Mode': 'dnsrr', 'Ports': [
        {'TargetPort': 9090, 'PublishedPort': 9090, 'PublishMode': 'host'},
        {'TargetPort': 8080, 'PublishedPort': 8080}]}
    engine = _service(Env=['A=1', 'B=2'])
    engine['EndpointSpec'] = {'Mode': 'dnsrr', 'Ports': [
        {'Protocol': 'tcp', 'TargetPort': 8080, 'PublishedPort': 8080, 'PublishMode': 'ingress'},
        {'Protocol': 'tcp', 'TargetPort': 9090, 'PublishedPort': 9090, 'PublishMode': 'host'}]}
    assert changed_fields(canonical_spec(engine), canonical_spec(ours)) == []


def test_changes_a_user_makes_are_each_found_where_they_are():
    base = _service()
    cases = {
        # A section the base spec lacks is reported whole.
        'TaskTemplate.Placement': lambda s: s['TaskTemplate'].update(
            Placement={'Constraints': ['node.role == worker']}),
        'Labels': lambda s: s.update(Labels={'com.docker.stack.namespace': 'a', 'tier': 'front'}),
        'EndpointSpec.Mode': lambda s: s.update(EndpointSpec={'Mode': 'dnsrr'}),
        'EndpointSpec.Ports': lambda s: s.update(EndpointSpec={'Ports': [{'TargetPort': 80, 'PublishedPort': 8080,
                                                                          'PublishMode': 'host'}]}),
        'TaskTemplate.ContainerSpec.Image': lambda s: s['TaskTemplate']['ContainerSpec'].update(Image='j'),
        'UpdateConfig.FailureAction': lambda s: s.update(UpdateConfig={'Parallelism': 1, 'FailureAction': 'rollback'}),
        'TaskTemplate.RestartPolicy.Condition': lambda s: s['TaskTemplate'].update(
            RestartPolicy={'Condition': 'on-failure'}),
        'Mode.Replicated.Replicas': lambda s: s.update(Mode={'Replicated': {'Replicas': 0}}),
    }
    for path, change in cases.items():
        changed = copy.deepcopy(base)
        change(changed)
        assert changed_fields(canonical_spec(base), canonical_spec(changed)) == [path], path


def test_global_and_job_modes():
    assert mode_kind({'Mode': {'ReplicatedJob': {}}}) == 'ReplicatedJob'
    assert mode_kind({}) == 'Replicated'
    # An unset job's counts are the engine's defaults (1 and 1).
    job = {'Name': 'a_j', 'TaskTemplate': {'ContainerSpec': {'Image': 'i'}}, 'Mode': {'ReplicatedJob': {}}}
    engine_job = copy.deepcopy(job)
    engine_job['Mode'] = {'ReplicatedJob': {'MaxConcurrent': 1, 'TotalCompletions': 1}}
    assert canonical_spec(job) == canonical_spec(engine_job)
    assert canonical_spec(job) != canonical_spec(dict(job, Mode={'GlobalJob': {}}))
