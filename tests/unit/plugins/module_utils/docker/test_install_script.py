# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker install configuration, script rendering, cloud-init, result parsing; the shipped copy of the script."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import subprocess
import sys

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.docker import install_script as inst
from ansible_collections.dockyard.azure.plugins.module_utils.docker._install_script import INSTALL_SCRIPT, INSTALL_SCRIPT_SHA256

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..'))
SHELL_SOURCE = os.path.join(ROOT, 'extensions', 'docker', 'install-docker.sh')

CA = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n'
CERT = '-----BEGIN CERTIFICATE-----\nU0VSVkVS\n-----END CERTIFICATE-----\n'
KEY = '-----BEGIN PRIVATE KEY-----\nS0VZLXNlY3JldA==\n-----END PRIVATE KEY-----\n'
TLS = dict(tls_ca_cert=CA, tls_server_cert=CERT, tls_server_key=KEY)


def test_shipped_script_is_the_shell_file():
    with open(SHELL_SOURCE, encoding='utf-8') as handle:
        text = handle.read()
    assert text == INSTALL_SCRIPT, 'run: python tools/update_install_script.py'
    import hashlib
    assert hashlib.sha256(text.encode()).hexdigest() == INSTALL_SCRIPT_SHA256


def test_tcp_port_without_tls_is_refused():
    with pytest.raises(inst.DockerInstallError) as info:
        inst.build_config(dict(tcp_port=2376))
    assert info.value.option == 'tcp_port' and 'without TLS' in info.value.msg


def test_partial_tls_names_the_missing_option():
    with pytest.raises(inst.DockerInstallError) as info:
        inst.build_config(dict(tls_ca_cert=CA, tls_server_cert=CERT))
    assert info.value.option == 'tls_server_key'


def test_plain_port_and_managed_daemon_keys_refused():
    with pytest.raises(inst.DockerInstallError, match='2376'):
        inst.build_config(dict(TLS, tcp_port=2375))
    with pytest.raises(inst.DockerInstallError) as info:
        inst.build_config(dict(daemon_options={'hosts': ['tcp://0.0.0.0:2375']}))
    assert info.value.option == 'daemon_options' and 'daemon_options.hosts' in info.value.msg


def test_pem_from_paths_and_kind_checks(tmp_path):
    for name, text in (('ca.pem', CA), ('cert.pem', CERT), ('key.pem', KEY)):
        (tmp_path / name).write_text(text)
    config = inst.build_config(dict(tls_ca_cert=str(tmp_path / 'ca.pem'), tls_server_cert=str(tmp_path / 'cert.pem'),
                                    tls_server_key=str(tmp_path / 'key.pem')))
    assert config['tls'] == dict(port=2376, ca=CA, cert=CERT, key=KEY)
    with pytest.raises(inst.DockerInstallError) as info:
        inst.build_config(dict(TLS, tls_server_key=CERT))
    assert info.value.option == 'tls_server_key'
    with pytest.raises(inst.DockerInstallError) as info:
        inst.build_config(dict(TLS, tls_ca_cert=str(tmp_path / 'missing.pem')))
    assert info.value.option == 'tls_ca_cert' and 'cannot read' in info.value.msg


@pytest.mark.parametrize('params,option', [
    (dict(registries=[dict(server='r.example', username='u', password='')]), 'registries'),
    (dict(compose=dict(project_name='Bad Name', definition='services: {}')), 'compose'),
    (dict(compose=dict(definition='services: {}', environment={'1BAD': 'x'})), 'compose'),
    (dict(compose=dict(definition='')), 'compose'),
    (dict(users=['root; rm -rf /']), 'users'),
    (dict(install_source='snap'), 'install_source'),
])
def test_bad_input_names_the_option(params, option):
    with pytest.raises(inst.DockerInstallError) as info:
        inst.build_config(params)
    assert info.value.option == option


def full_config():
    return inst.build_config(dict(
        TLS, tcp_port=2400, daemon_options={'log-driver': 'local'}, users=['deploy', 'azureuser', 'deploy'],
        registries=[dict(server='myregistry.azurecr.io', username='bot', password='reg-pass')],
        compose=dict(project_name='web', definition={'services': {'app': {'image': 'busybox'}}},
                     environment={'DB_PASSWORD': "it's secret"}),
    ))


def decode_rendered_config(script):
    match = re.search(r"^DOCKYARD_CONFIG_B64='([A-Za-z0-9+/=]+)'$", script, re.MULTILINE)
    assert match, 'the configuration line is rendered'
    return json.loads(base64.b64decode(match.group(1)))


def test_render_embeds_the_config_once_and_is_deterministic():
    config = full_config()
    script = inst.render_script(config)
    assert decode_rendered_config(script) == config
    assert inst.CONFIG_LINE not in script and script.startswith('#!/usr/bin/env bash\n')
    assert inst.render_script(full_config()) == script
    assert config['users'] == ['azureuser', 'deploy']


def test_extension_settings_keep_secrets_out_of_public_settings():
    public, protected = inst.extension_settings(full_config())
    assert public == {}
    script = base64.b64decode(protected['script']).decode()
    assert decode_rendered_config(script)['registries'][0]['password'] == 'reg-pass'
    assert 'reg-pass' not in json.dumps(public)
    assert set(inst.config_secrets(full_config())) == {KEY, 'reg-pass', "it's secret"}


def test_cloud_init_writes_and_runs_the_same_script():
    config = full_config()
    text = inst.cloud_init(config)
    assert text.startswith('#cloud-config\n')
    yaml = pytest.importorskip('yaml')
    document = yaml.safe_load(text)
    (entry,) = document['write_files']
    assert entry['encoding'] == 'gz+b64' and entry['permissions'] == '0700'
    assert gzip.decompress(base64.b64decode(entry['content'])).decode() == inst.render_script(config)
    assert document['runcmd'] == [['bash', inst.CLOUD_INIT_SCRIPT_PATH]]
    assert 'reg-pass' not in text


def test_parse_result_takes_the_last_summary_line():
    stdout = ('dockyard: changed: /etc/docker/daemon.json\nDOCKYARD_RESULT {"changed": true, "docker_version": "1"}\n'
              'DOCKYARD_RESULT not json\nDOCKYARD_RESULT {"changed": false, "docker_version": "20.10.24+dfsg1"}\n')
    assert inst.parse_result(stdout) == {'changed': False, 'docker_version': '20.10.24+dfsg1'}
    assert inst.parse_result('nothing here') is None and inst.parse_result(None) is None


def test_endpoint():
    assert inst.docker_endpoint('20.1.2.3', 2376) == 'tcp://20.1.2.3:2376'
    assert inst.docker_endpoint('2001:db8::1', 2376) == 'tcp://[2001:db8::1]:2376'
    assert inst.docker_endpoint(None, 2376) is None


# ---------------------------------------------------------------------------- the script's own Python part


def embedded_python():
    match = re.search(r"<<'PYTHON'\n(.*?)\nPYTHON\n", INSTALL_SCRIPT, re.DOTALL)
    assert match
    return match.group(1)


def explode(tmp_path, config, init, execstart=''):
    stage = tmp_path / ('stage-' + init)
    stage.mkdir()
    env = dict(os.environ, DOCKYARD_CONFIG_B64=inst.encode_config(config))
    subprocess.run([sys.executable, '-c', embedded_python(), str(stage), init, '/usr/sbin/dockerd', execstart],
                   check=True, env=env)
    return stage


def read_variables(stage):
    return dict(line.split('=', 1) for line in (stage / 'variables').read_text().splitlines())


def test_staged_files_under_systemd(tmp_path):
    stage = explode(tmp_path, full_config(), 'systemd', '/usr/sbin/dockerd -H fd:// $DOCKER_OPTS')
    daemon = json.loads((stage / 'daemon.json').read_text())
    assert daemon['hosts'] == ['fd://', 'tcp://0.0.0.0:2400'] and daemon['tlsverify'] is True
    assert daemon['log-driver'] == 'local' and daemon['tlskey'] == '/etc/docker/tls/server-key.pem'
    assert (stage / 'dropin.conf').read_text().endswith('ExecStart=\nExecStart=/usr/sbin/dockerd $DOCKER_OPTS\n')
    assert (stage / 'tls' / 'server-key.pem').read_text() == KEY
    assert oct((stage / 'tls' / 'server-key.pem').stat().st_mode & 0o777) == '0o600'
    assert read_variables(stage) == {'COMPOSE_PROJECT': 'web', 'INSTALL_SOURCE': 'distro', 'REGISTRIES': 'true',
                                     'TLS_ENABLED': 'true', 'TLS_PORT': '2400'}
    assert (stage / 'users').read_text() == 'azureuser\ndeploy\n'
    env = (stage / 'compose' / 'env').read_text()
    assert env == "DB_PASSWORD='it'\"'\"'s secret'\n"
    out = subprocess.run(['bash', '-c', 'set -a; . "$1"; printf %s "$DB_PASSWORD"', 'x', str(stage / 'compose' / 'env')],
                         check=True, capture_output=True, text=True).stdout
    assert out == "it's secret"


def test_drop_in_keeps_other_flags(tmp_path):
    stage = explode(tmp_path, full_config(), 'systemd',
                    '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock')
    assert 'ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock\n' in (stage / 'dropin.conf').read_text()


def test_staged_files_without_systemd_and_without_tls(tmp_path):
    stage = explode(tmp_path, full_config(), 'none')
    assert json.loads((stage / 'daemon.json').read_text())['hosts'][0] == 'unix:///var/run/docker.sock'
    assert not (stage / 'dropin.conf').exists()
    plain = inst.build_config(dict())
    other = tmp_path / 'plain'
    other.mkdir()
    stage = explode(other, plain, 'systemd', '/usr/sbin/dockerd -H fd://')
    assert not (stage / 'daemon.json').exists() and not (stage / 'dropin.conf').exists()
    assert read_variables(stage)['TLS_ENABLED'] == 'false'
