# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose model -> swarm objects: what `docker stack deploy` would send, and what swarm cannot take."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose.loader import load_project
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.errors import StackInputError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_convert import (
    convert_project,
    duration_ns,
    parse_constraint,
    versioned_name,
)

SECOND = 10 ** 9


def stack(definition, name='app', environment=None, tmp_path=None):
    model = load_project(content=definition, project_name=name, environment=environment or {},
                         project_dir=str(tmp_path) if tmp_path else None)
    return convert_project(model, name, environment or {})


def test_labels_names_and_defaults_as_the_cli_sets_them():
    result = stack({'services': {'web': {'image': 'web:1', 'labels': {'a': 'b'}, 'deploy': {'labels': {'tier': 'front'}}}}})
    spec = result.services['web'].spec
    assert spec['Name'] == 'app_web'
    assert spec['Labels'] == {'tier': 'front', 'com.docker.stack.namespace': 'app', 'com.docker.stack.image': 'web:1'}
    container = spec['TaskTemplate']['ContainerSpec']
    assert container['Labels'] == {'a': 'b', 'com.docker.stack.namespace': 'app'}
    assert spec['TaskTemplate']['Networks'] == [{'Target': 'app_default', 'Aliases': ['web']}]
    assert spec['Mode'] == {'Replicated': {}}
    assert spec['EndpointSpec'] == {'Mode': 'vip'}
    assert result.networks['default'].name == 'app_default' and result.networks['default'].driver == 'overlay'
    assert result.networks['default'].labels == {'com.docker.stack.namespace': 'app'}


def test_deploy_keys():
    result = stack({'services': {'web': {
        'image': 'web:1',
        'command': ['httpd', '-f'], 'entrypoint': ['/bin/busybox'],
        'environment': {'B': '2', 'A': '1', 'C': None},
        'healthcheck': {'test': 'wget -q localhost', 'interval': '1m30s', 'timeout': '500ms', 'retries': 3},
        'stop_grace_period': '3s',
        'ports': [{'target': 80, 'published': 8080, 'mode': 'host'}, '9000:90'],
        'deploy': {'replicas': 3, 'endpoint_mode': 'vip',
                   'resources': {'limits': {'cpus': '0.5', 'memory': '64M', 'pids': 100},
                                 'reservations': {'cpus': '0.25', 'memory': '32M'}},
                   'restart_policy': {'condition': 'on-failure', 'delay': '2s', 'max_attempts': 4},
                   'placement': {'constraints': ['node.role == worker', 'node.labels.zone!=b'],
                                 'preferences': [{'spread': 'node.labels.zone'}], 'max_replicas_per_node': 2},
                   'update_config': {'parallelism': 2, 'delay': '5s', 'failure_action': 'rollback', 'order': 'start-first'},
                   'rollback_config': {'monitor': '10s'}},
    }}})
    spec = result.services['web'].spec
    container = spec['TaskTemplate']['ContainerSpec']
    assert container['Command'] == ['/bin/busybox'] and container['Args'] == ['httpd', '-f']
    assert container['Env'] == ['A=1', 'B=2', 'C']
    assert container['Healthcheck'] == {'Test': ['CMD-SHELL', 'wget -q localhost'], 'Interval': 90 * SECOND,
                                        'Timeout': SECOND // 2, 'Retries': 3}
    assert container['StopGracePeriod'] == 3 * SECOND
    task = spec['TaskTemplate']
    assert task['Resources'] == {'Limits': {'NanoCPUs': SECOND // 2, 'MemoryBytes': 64 * 2 ** 20, 'Pids': 100},
                                 'Reservations': {'NanoCPUs': SECOND // 4, 'MemoryBytes': 32 * 2 ** 20}}
    assert task['RestartPolicy'] == {'Condition': 'on-failure', 'Delay': 2 * SECOND, 'MaxAttempts': 4}
    assert task['Placement'] == {'Constraints': ['node.role == worker', 'node.labels.zone!=b'],
                                 'Preferences': [{'Spread': {'SpreadDescriptor': 'node.labels.zone'}}], 'MaxReplicas': 2}
    assert spec['Mode'] == {'Replicated': {'Replicas': 3}}
    assert spec['EndpointSpec'] == {'Mode': 'vip', 'Ports': [
        {'Protocol': 'tcp', 'TargetPort': 80, 'PublishedPort': 8080, 'PublishMode': 'host'},
        {'Protocol': 'tcp', 'TargetPort': 90, 'PublishedPort': 9000, 'PublishMode': 'ingress'}]}
    assert spec['UpdateConfig'] == {'Parallelism': 2, 'Delay': 5 * SECOND, 'FailureAction': 'rollback', 'Order': 'start-first'}
    assert spec['RollbackConfig'] == {'Parallelism': 1, 'Monitor': 10 * SECOND}


@pytest.mark.parametrize('deploy, mode', [
    ({'mode': 'global'}, {'Global': {}}),
    ({'mode': 'replicated-job', 'replicas': 2}, {'ReplicatedJob': {'MaxConcurrent': 2, 'TotalCompletions': 2}}),
    ({'mode': 'global-job'}, {'GlobalJob': {}}),
    ({'replicas': 0}, {'Replicated': {'Replicas': 0}}),
])
def test_modes(deploy, mode):
    assert stack({'services': {'s': {'image': 'i', 'deploy': deploy}}}).services['s'].spec['Mode'] == mode


@pytest.mark.parametrize('restart, policy', [
    ('always', {'Condition': 'any'}), ('unless-stopped', {'Condition': 'any'}),
    ('on-failure:3', {'Condition': 'on-failure', 'MaxAttempts': 3}), ('no', None),
])
def test_legacy_restart_becomes_a_restart_policy(restart, policy):
    task = stack({'services': {'s': {'image': 'i', 'restart': restart}}}).services['s'].spec['TaskTemplate']
    assert task.get('RestartPolicy') == policy


def test_networks_volumes_and_mounts():
    result = stack({
        'services': {'s': {'image': 'i', 'networks': {'front': {'aliases': ['www']}, 'back': None},
                           'volumes': ['data:/data', {'type': 'volume', 'source': 'ext', 'target': '/ext', 'read_only': True},
                                       '/srv:/srv:ro', {'type': 'tmpfs', 'target': '/tmp', 'tmpfs': {'size': 1024}}]}},
        'networks': {'front': {'attachable': True, 'labels': {'x': 'y'}}, 'back': {'external': True, 'name': 'shared'}},
        'volumes': {'data': {'driver': 'rexray', 'driver_opts': {'size': '5'}}, 'ext': {'external': True, 'name': 'old-data'}},
    })
    task = result.services['s'].spec['TaskTemplate']
    assert task['Networks'] == [{'Target': 'app_front', 'Aliases': ['www', 's']}, {'Target': 'shared', 'Aliases': ['s']}]
    front = result.networks['front']
    assert front.attachable and front.labels == {'x': 'y', 'com.docker.stack.namespace': 'app'}
    assert result.networks['back'].external and result.networks['back'].name == 'shared'
    mounts = task['ContainerSpec']['Mounts']
    assert mounts[0] == {'Type': 'volume', 'Target': '/data', 'Source': 'app_data', 'VolumeOptions': {
        'Labels': {'com.docker.stack.namespace': 'app'}, 'DriverConfig': {'Name': 'rexray', 'Options': {'size': '5'}}}}
    assert mounts[1] == {'Type': 'volume', 'Target': '/ext', 'ReadOnly': True, 'Source': 'old-data', 'VolumeOptions': {}}
    assert mounts[2] == {'Type': 'bind', 'Target': '/srv', 'ReadOnly': True, 'Source': '/srv'}
    assert mounts[3] == {'Type': 'tmpfs', 'Target': '/tmp', 'TmpfsOptions': {'SizeBytes': 1024}}
    assert result.services['s'].volume_drivers == ['rexray']


def test_configs_and_secrets_get_versioned_names_from_their_content(tmp_path):
    (tmp_path / 'site.conf').write_text('listen 80\n')
    definition = {'services': {'s': {'image': 'i', 'configs': [{'source': 'site', 'target': '/etc/site.conf', 'mode': '0440'}],
                                     'secrets': ['token']}},
                  'configs': {'site': {'file': './site.conf'}},
                  'secrets': {'token': {'environment': 'TOKEN'}}}
    first = stack(definition, environment={'TOKEN': 'one'}, tmp_path=tmp_path)
    again = stack(definition, environment={'TOKEN': 'one'}, tmp_path=tmp_path)
    rotated = stack(definition, environment={'TOKEN': 'two'}, tmp_path=tmp_path)
    config, secret = first.configs['site'], first.secrets['token']
    assert config.base_name == 'app_site' and config.name == 'app_site-' + config.digest and config.data == b'listen 80\n'
    assert config.labels == {'com.docker.stack.namespace': 'app', 'dockyard.azure.digest': config.digest}
    assert secret.name == again.secrets['token'].name != rotated.secrets['token'].name
    assert config.name == rotated.configs['site'].name
    container = first.services['s'].spec['TaskTemplate']['ContainerSpec']
    assert container['Configs'] == [{'File': {'Name': '/etc/site.conf', 'UID': '0', 'GID': '0', 'Mode': 0o440},
                                     'ConfigName': config.name}]
    assert container['Secrets'] == [{'File': {'Name': 'token', 'UID': '0', 'GID': '0', 'Mode': 0o444},
                                     'SecretName': secret.name}]
    assert 'one' not in repr(secret)


def test_versioned_names_stay_within_the_engine_limit():
    name = versioned_name('x' * 80, 'abcdef012345')
    assert len(name) == 64 and name.endswith('-abcdef012345')


@pytest.mark.parametrize('definition, words', [
    ({'services': {'b': {'build': {'context': '.'}}}}, 'services.b: build-only service'),
    ({'services': {'b': {'image': 'i', 'deploy': {'placement': {'constraints': ['node.zone == a']}}}}},
     "services.b.deploy.placement.constraints: unknown constraint 'node.zone == a'"),
    ({'services': {'b': {'image': 'i', 'deploy': {'placement': {'constraints': ['node.role == boss']}}}}}, 'unknown constraint'),
    ({'services': {'b': {'image': 'i', 'deploy': {'placement': {'constraints': ['node.hostname=a']}}}}}, 'unknown constraint'),
    ({'services': {'b': {'image': 'i', 'deploy': {'mode': 'global', 'replicas': 2}}}}, 'replicas can only be used'),
    ({'services': {'b': {'image': 'i', 'ports': ['80:80'], 'deploy': {'endpoint_mode': 'dnsrr'}}}},
     'with endpoint_mode dnsrr publish it with mode: host'),
    ({'services': {'a': {'image': 'i', 'ports': ['80:80']}, 'b': {'image': 'i', 'ports': ['80:8080']}}},
     'services.b.ports: port 80/tcp is already published on the ingress network by service a of this stack'),
    ({'services': {'b': {'image': 'i', 'secrets': ['s']}}, 'secrets': {'s': {'environment': 'UNSET'}}},
     'secrets.s: environment variable UNSET is not set'),
    ({'services': {'b': {'image': 'i', 'deploy': {'update_config': {'failure_action': 'explode'}}}}}, 'unknown failure action'),
])
def test_what_swarm_cannot_do_is_refused(definition, words):
    with pytest.raises(StackInputError) as raised:
        stack(definition)
    assert words in raised.value.msg
    assert raised.value.option == 'definition'


def test_published_port_ranges_are_refused():
    # The loader expands ranges as `docker compose config` does; a model with one left is refused.
    model = {'name': 'app', 'services': {'b': {'image': 'i', 'ports': [{'target': 80, 'published': '8000-8001'}]}},
             'networks': {'default': {'name': 'app_default'}}}
    with pytest.raises(StackInputError) as raised:
        convert_project(model, 'app', {})
    assert 'not ranges' in raised.value.msg


def test_keys_swarm_ignores_are_warnings():
    result = stack({'services': {'s': {'image': 'i', 'build': {'context': '.'}, 'container_name': 'xy', 'privileged': True,
                                       'depends_on': ['t']}, 't': {'image': 'i'}}})
    assert result.warnings == ['services.s: ignored by swarm (as docker stack deploy does): build, container_name, privileged']


def test_constraints_and_durations():
    assert parse_constraint('node.labels.zone == a') == ('node.labels.zone', '==', 'a')
    assert parse_constraint('engine.labels.os!=windows') == ('engine.labels.os', '!=', 'windows')
    assert parse_constraint('node.labels. == a') is None
    assert duration_ns('1h2m3.5s', 'x') == (3723 * SECOND + SECOND // 2)
    assert duration_ns(2, 'x') == 2 * SECOND
    with pytest.raises(StackInputError):
        duration_ns('5 parsecs', 'services.s.stop_grace_period')
