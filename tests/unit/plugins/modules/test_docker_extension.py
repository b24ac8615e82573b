# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docker_extension end to end through main() over the fake ARM."""

from __future__ import annotations

import base64
import json
import re

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.modules import docker_extension
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import failed_view, succeeded_view

SCRIPT_OUTPUT = ('dockyard: changed: /etc/docker/daemon.json\n'
                 'DOCKYARD_RESULT {"changed": %s, "docker_version": "20.10.24+dfsg1", "init": "none", "compose": ""}\n')


def script_runner(changed_sequence):
    """Each run reports the next 'changed' value, like the real script on a fresh then a converged VM."""
    values = list(changed_sequence)

    def runner(stored):
        changed = values.pop(0) if values else False
        return 'Succeeded', succeeded_view(SCRIPT_OUTPUT % ('true' if changed else 'false'))
    return runner


@pytest.fixture
def azure(arm):
    arm.runner = script_runner([True])
    arm.add_vm()
    return arm


@pytest.fixture(scope='module')
def pki(tmp_path_factory):
    from ansible_collections.dockyard.azure.plugins.module_utils.docker import tls
    directory = str(tmp_path_factory.mktemp('pki'))
    return tls.converge(directory, tls.make_spec(dict(ip_addresses=['20.1.2.3'])))


def docker_args(pki, **extra):
    args = dict(vm_name='vm1', resource_group='rg', tls_ca_cert=pki['ca']['path'], tls_server_cert=pki['server']['path'],
                tls_server_key=pki['server']['key_path'], users=['azureuser'],
                registries=[dict(server='r.example', username='bot', password='reg-pass-123')],
                compose=dict(definition='services:\n  app:\n    image: busybox\n', environment={'TOKEN': 'compose-secret-456'}))
    args.update(extra)
    return args


def server_key(pki):
    with open(pki['server']['key_path']) as handle:
        return handle.read()


def assert_no_secrets(result, pki):
    text = json.dumps(result)
    for secret in ('reg-pass-123', 'compose-secret-456', server_key(pki).splitlines()[1]):
        assert secret not in text


def test_install_then_unchanged(azure, run_module, pki):
    result = run_module(docker_extension.main, dict(docker_args(pki), _ansible_diff=True))
    assert result['changed'] and result['script_changed'] is True
    assert result['docker_version'] == '20.10.24+dfsg1' and result['init'] == 'none'
    assert result['endpoint'] == 'tcp://20.1.2.3:2376'
    assert_no_secrets(result, pki)
    (call,) = azure.write_calls()
    body = call.body
    assert body['properties']['publisher'] == 'Microsoft.Azure.Extensions' and body['properties']['type'] == 'CustomScript'
    assert body['properties']['typeHandlerVersion'] == '2.1' and body['properties']['settings'] == {}
    script = base64.b64decode(body['properties']['protectedSettings']['script']).decode()
    config = json.loads(base64.b64decode(re.search(r"^DOCKYARD_CONFIG_B64='(.*)'$", script, re.M).group(1)))
    assert config['registries'][0]['password'] == 'reg-pass-123' and config['tls']['port'] == 2376

    azure.reset_calls()
    result = run_module(docker_extension.main, dict(docker_args(pki), _ansible_diff=True))
    assert result['changed'] is False and azure.writes() == []
    assert result['docker_version'] == '20.10.24+dfsg1' and result['endpoint'] == 'tcp://20.1.2.3:2376'
    assert result['diff']['before']['protected_settings'] == '(hidden, unchanged)'


def test_rerun_reports_what_the_script_says(azure, run_module, pki):
    run_module(docker_extension.main, docker_args(pki))
    azure.runner = script_runner([False])
    azure.reset_calls()
    result = run_module(docker_extension.main, docker_args(pki, rerun=True))
    assert len(azure.writes()) == 1 and result['changed'] is False and result['script_changed'] is False
    azure.runner = script_runner([True])
    result = run_module(docker_extension.main, docker_args(pki, rerun=True))
    assert result['changed'] is True


def test_check_mode_no_writes(azure, run_module, pki):
    result = run_module(docker_extension.main, dict(docker_args(pki), _ansible_check_mode=True, _ansible_diff=True))
    assert result['changed'] and azure.writes() == []
    assert_no_secrets(result, pki)
    run_module(docker_extension.main, docker_args(pki))
    azure.reset_calls()
    result = run_module(docker_extension.main, dict(docker_args(pki, users=['other']), _ansible_check_mode=True))
    assert result['changed'] and azure.writes() == []
    result = run_module(docker_extension.main, dict(docker_args(pki, rerun=True), _ansible_check_mode=True))
    assert result['changed'] is False and azure.writes() == [] and result['warnings']


def test_tcp_without_tls_refused_before_any_call(azure, run_module):
    result = run_module(docker_extension.main, dict(vm_name='vm1', resource_group='rg', tcp_port=2376))
    assert result['failed'] and result['option'] == 'tcp_port' and 'without TLS' in result['msg']
    assert azure.calls == []


def test_script_failure_surfaces_its_output(azure, run_module, pki):
    stderr = "dockyard: ERROR: user 'ghost' (option users) does not exist on this VM\n"
    azure.runner = lambda stored: ('Failed', failed_view('dockyard: installing\n', stderr))
    result = run_module(docker_extension.main, docker_args(pki, users=['ghost']))
    assert result['failed'] and "user 'ghost' (option users) does not exist" in result['msg']
    assert 'exit status=1' in result['msg'] and result['stdout'] == 'dockyard: installing\n'
    assert_no_secrets(result, pki)


def test_cloud_init_output_calls_no_azure(azure, run_module, pki, monkeypatch):
    monkeypatch.setattr(AzureModule, 'client', lambda self, name: pytest.fail('no Azure call with output=cloud_init'))
    args = docker_args(pki, output='cloud_init', endpoint_host='docker-01.example')
    del args['vm_name'], args['resource_group']
    result = run_module(docker_extension.main, args)
    assert result['changed'] is False and result['cloud_init'].startswith('#cloud-config\n')
    assert result['endpoint'] == 'tcp://docker-01.example:2376'


def test_extension_output_needs_vm(azure, run_module):
    result = run_module(docker_extension.main, dict(resource_group='rg'))
    assert result['failed'] and 'vm_name' in result['msg']


def test_absent_removes_the_extension(azure, run_module, pki):
    run_module(docker_extension.main, docker_args(pki))
    result = run_module(docker_extension.main, dict(vm_name='vm1', resource_group='rg', state='absent'))
    assert result['changed'] and azure.extensions == {}
    result = run_module(docker_extension.main, dict(vm_name='vm1', resource_group='rg', state='absent'))
    assert result['changed'] is False
