# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options of a Docker engine (environment, TLS, the API client) and the SDK error helpers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.docker import common


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


def test_error_text_prefers_the_engines_explanation_on_one_line():
    import docker.errors
    import requests

    response = requests.Response()
    response.status_code = 404
    error = docker.errors.NotFound('404 Client Error', response=response, explanation='No such image:\nx:1')
    assert common.error_text(error) == 'No such image: x:1'
    assert common.is_not_found(error) is True
    assert common.error_text(OSError('connection\nrefused')) == 'connection refused'
    assert common.is_not_found(OSError('x')) is False


def test_bad_docker_host_is_named():
    with pytest.raises(common.DockerConnectionError, match=r'docker_host must start with unix://, tcp:// or ssh:// \(got ftp://x\)'):
        common.connection_settings({'docker_host': 'ftp://x'}, {})


@pytest.mark.parametrize('option', ['ca_path', 'client_cert', 'client_key'])
def test_a_missing_tls_file_names_the_file_and_the_option(tmp_path, option):
    """Issue 11: a missing CA file used to say 'Invalid CA certificate provided for ca_cert' (no file, no option)."""
    for name in ('ca.pem', 'cert.pem', 'key.pem'):
        (tmp_path / name).write_text('x')
    params = {'docker_host': 'tcp://h:2376', 'validate_certs': True, 'ca_path': str(tmp_path / 'ca.pem'),
              'client_cert': str(tmp_path / 'cert.pem'), 'client_key': str(tmp_path / 'key.pem')}
    params[option] = str(tmp_path / 'missing.pem')
    with pytest.raises(common.DockerConnectionError) as info:
        common.connection_settings(params, {})
    assert info.value.option == option and str(tmp_path / 'missing.pem') in info.value.msg


def _in_fresh_process(code):
    """Run `code` in a new interpreter (docker is already imported in this one); its stdout."""
    collection = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(common.__file__)))))
    root = os.path.dirname(os.path.dirname(os.path.dirname(collection)))  # the directory holding ansible_collections/
    done = subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=root))
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_docker_is_imported_without_paramiko_unless_ssh_needs_it():
    out = _in_fresh_process('''
        import sys
        from ansible_collections.dockyard.azure.plugins.module_utils.docker import common
        docker = common.import_docker(ssh=False)
        print('paramiko' in sys.modules, 'docker.transport.sshconn' in sys.modules)
        import paramiko  # hidden only while docker was imported
        docker = common.import_docker(ssh=True)  # a later ssh:// connection in the same process
        client = docker.APIClient(base_url='ssh://nobody@127.0.0.1', use_ssh_client=True, version='1.41')
        print(type(client.get_adapter('http+docker://ssh')).__name__)
    ''')
    assert out == ['False', 'False', 'SSHHTTPAdapter']


def test_ssh_first_imports_paramiko_with_docker():
    out = _in_fresh_process('''
        import sys
        from ansible_collections.dockyard.azure.plugins.module_utils.docker import common
        common.import_docker(ssh=True)
        print('paramiko' in sys.modules)
    ''')
    assert out == ['True']
