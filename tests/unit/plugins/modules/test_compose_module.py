# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the compose, compose_info and image_copy modules and of the Docker connection options."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import manager as compose_manager
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import ComposeError
from ansible_collections.dockyard.azure.plugins.module_utils.docker import common
from ansible_collections.dockyard.azure.plugins.module_utils.docker import module as docker_module
from ansible_collections.dockyard.azure.plugins.modules import compose as compose_module
from ansible_collections.dockyard.azure.plugins.modules import image_copy as image_copy_module

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


def test_image_copy_check_mode_plans_without_writing(run_module, monkeypatch):
    class Engine:
        def __init__(self, images):
            self.images = images
            self.writes = []

        def inspect_image(self, ref):
            if ref in self.images:
                return {'Id': self.images[ref]}
            error = Exception('not found')
            error.response = type('R', (), {'status_code': 404})()
            raise error

        def get_image(self, *args, **kwargs):
            self.writes.append('save')

        def load_image(self, *args, **kwargs):
            self.writes.append('load')

    source = Engine({'a:1': 'sha256:1', 'b:1': 'sha256:2', 'sha256:1': 'sha256:1', 'sha256:2': 'sha256:2'})
    target = Engine({'b:1': 'sha256:2', 'sha256:2': 'sha256:2'})
    monkeypatch.setattr(docker_module, 'get_api_client', lambda params: target if 'images' in params else source)
    result = run_module(image_copy_module.main, {'images': ['a:1', 'b:1'], '_ansible_check_mode': True})
    assert result['changed'] is True
    assert result['copied'] == ['a:1'] and result['already_present'] == ['b:1']
    assert source.writes == [] and target.writes == []


# ------------------------------------------------------------------ connection options

def test_defaults_and_environment():
    assert common.connection_settings({}, {})['base_url'] == 'unix:///var/run/docker.sock'
    settings = common.connection_settings({}, {'DOCKER_HOST': 'tcp://10.0.0.4:2375', 'DOCKER_TIMEOUT': '5',
                                               'DOCKER_API_VERSION': '1.41'})
    assert settings['base_url'] == 'tcp://10.0.0.4:2375' and settings['tls'] is None
    assert settings['timeout'] == 5 and settings['version'] == '1.41'
    assert common.connection_settings({'docker_host': 'ssh://u@h'}, {'DOCKER_HOST': 'tcp://x:1'})['base_url'] == 'ssh://u@h'


def test_tls_from_docker_cert_path(tmp_path):
    for name in ('ca.pem', 'cert.pem', 'key.pem'):
        (tmp_path / name).write_text('x')
    env = {'DOCKER_HOST': 'tcp://127.0.0.1:2376', 'DOCKER_TLS_VERIFY': '1', 'DOCKER_CERT_PATH': str(tmp_path)}
    tls = common.connection_settings({}, env)['tls']
    assert tls == {'verify': True, 'ca_cert': str(tmp_path / 'ca.pem'), 'client_cert': str(tmp_path / 'cert.pem'),
                   'client_key': str(tmp_path / 'key.pem')}
    # options win over the environment
    tls = common.connection_settings({'validate_certs': False, 'tls': True}, env)['tls']
    assert tls['verify'] is False
    # TLS settings do not apply to unix sockets
    assert common.connection_settings({'docker_host': 'unix:///s'}, env)['tls'] is None


def test_tls_errors_name_the_option(tmp_path):
    with pytest.raises(common.DockerConnectionError, match='validate_certs is true but no CA certificate'):
        common.connection_settings({'docker_host': 'tcp://h:2376', 'validate_certs': True}, {})
    with pytest.raises(common.DockerConnectionError, match='client_cert and client_key must be given together'):
        common.connection_settings({'docker_host': 'tcp://h:2376', 'tls': True, 'client_cert': '/c.pem'}, {})


def test_api_client_speaks_https_to_a_tls_tcp_host(tmp_path, monkeypatch):
    pytest.importorskip('docker')
    import subprocess
    key, cert = tmp_path / 'key.pem', tmp_path / 'cert.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', str(key), '-out', str(cert),
                    '-days', '1', '-subj', '/CN=127.0.0.1'], check=True, capture_output=True)
    client = common.get_api_client({'docker_host': 'tcp://127.0.0.1:1', 'validate_certs': True, 'ca_path': str(cert),
                                    'client_cert': str(cert), 'client_key': str(key), 'api_version': '1.41'}, {})
    assert client.base_url == 'https://127.0.0.1:1'
    assert client.cert == (str(cert), str(key)) and client.verify == str(cert)
    # The engine's CA must not be replaced by REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment.
    assert client.trust_env is False
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/some/other/bundle.pem')
    assert client.merge_environment_settings(client.base_url, {}, None, None, None)['verify'] == str(cert)
