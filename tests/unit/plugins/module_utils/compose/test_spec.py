# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The container-create body of a service, durations, sizes, secrets and configs."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels as L
from ansible_collections.dockyard.azure.plugins.module_utils.compose import spec
from ansible_collections.dockyard.azure.tests.unit.plugins.module_utils.compose.models import IMAGE_ID, load


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


def test_unsupported_keys_and_services_without_image_are_refused():
    with pytest.raises(spec.SpecError, match='services.web.provider is not supported by this engine'):
        spec.check_service('web', {'image': 'x', 'provider': {}})
    with pytest.raises(spec.SpecError, match='services.web has neither image nor build'):
        spec.check_service('web', {})
    spec.check_service('web', {'image': 'x', 'x-custom': 1})  # extension fields are fine


def test_image_ref_of_build_only_services():
    assert spec.image_ref('app', 'web', {'image': 'nginx:1.27'}) == 'nginx:1.27'
    assert spec.image_ref('app', 'web', {'build': {'context': '.'}}) == 'app-web'


@pytest.mark.parametrize('service,policy', [
    ({'restart': 'on-failure:3'}, {'Name': 'on-failure', 'MaximumRetryCount': 3}),
    ({'restart': 'no'}, {'Name': '', 'MaximumRetryCount': 0}),
    ({'deploy': {'restart_policy': {'condition': 'any'}}}, {'Name': 'always', 'MaximumRetryCount': 0}),
    ({}, {'Name': '', 'MaximumRetryCount': 0}),
])
def test_restart_policy(service, policy):
    body, _extra = spec.create_body('app', 'web', dict(service, image='x'), {}, 'app-web-1', {}, 'x')
    assert body['HostConfig']['RestartPolicy'] == policy


def test_durations_and_sizes_use_the_loaders_parsers():
    assert spec.duration_ns(None) is None and spec.duration_ns('') is None
    assert spec.duration_ns('1m0.5s') == 60500 * 10 ** 6 and spec.duration_ns('0') == 0
    assert spec.duration_seconds('1m30s') == 90 and spec.duration_seconds(None) is None
    assert spec.size_bytes('2 GiB') == 2 * 1024 ** 3 and spec.size_bytes(None) is None
    with pytest.raises(spec.SpecError, match="invalid size '64 parsecs'"):
        spec.size_bytes('64 parsecs')


def test_network_priority_order_and_extra_networks():
    model = {'networks': {'a': {'name': 'p_a'}, 'b': {'name': 'p_b'}, 'c': {'name': 'ext_c'}}}
    service = {'image': 'x', 'networks': {'a': None, 'b': {'priority': 10, 'aliases': ['bee']}, 'c': {'ipv4_address': '10.0.0.5'}}}
    assert spec.network_priority_order(service['networks']) == ['b', 'a', 'c']
    body, extra = spec.create_body('p', 'web', service, model, 'p-web-1', {}, 'x')
    assert body['HostConfig']['NetworkMode'] == 'p_b'
    assert body['NetworkingConfig']['EndpointsConfig']['p_b']['Aliases'] == ['p-web-1', 'web', 'bee']
    assert extra == [('p_a', {'Aliases': ['p-web-1', 'web']}),
                     ('ext_c', {'Aliases': ['p-web-1', 'web'], 'IPAMConfig': {'IPv4Address': '10.0.0.5'}})]


def test_network_mode_service_needs_its_container():
    with pytest.raises(spec.SpecError, match='services.worker.network_mode: service web has no container'):
        spec.create_body('p', 'worker', {'image': 'x', 'network_mode': 'service:web'}, {}, 'p-worker-1', {}, 'x')
