# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docker_extension, vm_extension and docker_tls end to end through main() on the fake backend."""

from __future__ import annotations

import base64
import json
import re

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.modules import docker_extension, docker_tls, vm_extension
from ansible_collections.dockyard.azure.tests.unit.utils.extension_fakes import (
    SUB,
    FakeAzure,
    failed_view,
    succeeded_view,
)

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
def azure(monkeypatch):
    fake = FakeAzure(runner=script_runner([True]))
    fake.add_vm()
    monkeypatch.setattr(AzureModule, 'client', lambda self, name: fake.client(name))
    monkeypatch.setattr(AzureModule, 'subscription_id', property(lambda self: SUB))
    monkeypatch.setattr(AzureModule, 'wait_for', lambda self, poller, operation: poller.result())
    return fake


def run_module(module, capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


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


def test_install_then_unchanged(azure, capsys, pki):
    result = run_module(docker_extension, capsys, dict(docker_args(pki), _ansible_diff=True))
    assert result['changed'] and result['script_changed'] is True
    assert result['docker_version'] == '20.10.24+dfsg1' and result['init'] == 'none'
    assert result['endpoint'] == 'tcp://20.1.2.3:2376'
    assert_no_secrets(result, pki)
    (call,) = azure.writes()
    body = call[-1]
    assert body['properties']['publisher'] == 'Microsoft.Azure.Extensions' and body['properties']['type'] == 'CustomScript'
    assert body['properties']['typeHandlerVersion'] == '2.1' and body['properties']['settings'] == {}
    script = base64.b64decode(body['properties']['protectedSettings']['script']).decode()
    config = json.loads(base64.b64decode(re.search(r"^DOCKYARD_CONFIG_B64='(.*)'$", script, re.M).group(1)))
    assert config['registries'][0]['password'] == 'reg-pass-123' and config['tls']['port'] == 2376

    azure.reset_calls()
    result = run_module(docker_extension, capsys, dict(docker_args(pki), _ansible_diff=True))
    assert result['changed'] is False and azure.writes() == []
    assert result['docker_version'] == '20.10.24+dfsg1' and result['endpoint'] == 'tcp://20.1.2.3:2376'
    assert result['diff']['before']['protected_settings'] == '(hidden, unchanged)'


def test_rerun_reports_what_the_script_says(azure, capsys, pki):
    run_module(docker_extension, capsys, docker_args(pki))
    azure.runner = script_runner([False])
    azure.reset_calls()
    result = run_module(docker_extension, capsys, docker_args(pki, rerun=True))
    assert len(azure.writes()) == 1 and result['changed'] is False and result['script_changed'] is False
    azure.runner = script_runner([True])
    result = run_module(docker_extension, capsys, docker_args(pki, rerun=True))
    assert result['changed'] is True


def test_check_mode_no_writes(azure, capsys, pki):
    result = run_module(docker_extension, capsys, dict(docker_args(pki), _ansible_check_mode=True, _ansible_diff=True))
    assert result['changed'] and azure.writes() == []
    assert_no_secrets(result, pki)
    run_module(docker_extension, capsys, docker_args(pki))
    azure.reset_calls()
    result = run_module(docker_extension, capsys, dict(docker_args(pki, users=['other']), _ansible_check_mode=True))
    assert result['changed'] and azure.writes() == []
    result = run_module(docker_extension, capsys, dict(docker_args(pki, rerun=True), _ansible_check_mode=True))
    assert result['changed'] is False and azure.writes() == [] and result['warnings']


def test_tcp_without_tls_refused_before_any_call(azure, capsys):
    result = run_module(docker_extension, capsys, dict(vm_name='vm1', resource_group='rg', tcp_port=2376))
    assert result['failed'] and result['option'] == 'tcp_port' and 'without TLS' in result['msg']
    assert azure.calls == []


def test_script_failure_surfaces_its_output(azure, capsys, pki):
    stderr = "dockyard: ERROR: user 'ghost' (option users) does not exist on this VM\n"
    azure.runner = lambda stored: ('Failed', failed_view('dockyard: installing\n', stderr))
    result = run_module(docker_extension, capsys, docker_args(pki, users=['ghost']))
    assert result['failed'] and "user 'ghost' (option users) does not exist" in result['msg']
    assert 'exit status=1' in result['msg'] and result['stdout'] == 'dockyard: installing\n'
    assert_no_secrets(result, pki)


def test_cloud_init_output_calls_no_azure(azure, capsys, pki, monkeypatch):
    monkeypatch.setattr(AzureModule, 'client', lambda self, name: pytest.fail('no Azure call with output=cloud_init'))
    args = docker_args(pki, output='cloud_init', endpoint_host='docker-01.example')
    del args['vm_name'], args['resource_group']
    result = run_module(docker_extension, capsys, args)
    assert result['changed'] is False and result['cloud_init'].startswith('#cloud-config\n')
    assert result['endpoint'] == 'tcp://docker-01.example:2376'


def test_extension_output_needs_vm(azure, capsys):
    result = run_module(docker_extension, capsys, dict(resource_group='rg'))
    assert result['failed'] and 'vm_name' in result['msg']


def test_absent_removes_the_extension(azure, capsys, pki):
    run_module(docker_extension, capsys, docker_args(pki))
    result = run_module(docker_extension, capsys, dict(vm_name='vm1', resource_group='rg', state='absent'))
    assert result['changed'] and azure.extensions == {}
    result = run_module(docker_extension, capsys, dict(vm_name='vm1', resource_group='rg', state='absent'))
    assert result['changed'] is False


def test_vm_extension_module_idempotent_and_hides_protected_settings(azure, capsys):
    args = dict(vm_name='vm1', resource_group='rg', name='hello', publisher='Microsoft.Azure.Extensions', type='CustomScript',
                type_handler_version='2.1', settings={'timestamp': 1}, protected_settings={'commandToExecute': 'echo top-secret-789'})
    result = run_module(vm_extension, capsys, dict(args, _ansible_diff=True))
    assert result['changed'] and 'top-secret-789' not in json.dumps(result)
    assert result['extension']['settings'] == {'timestamp': 1}
    assert result['extension']['instance_view']['stdout'].startswith('dockyard: changed')
    azure.reset_calls()
    result = run_module(vm_extension, capsys, dict(args, _ansible_check_mode=True))
    assert result['changed'] is False and azure.writes() == []
    result = run_module(vm_extension, capsys, args)
    assert result['changed'] is False and azure.writes() == []


def test_vm_extension_failure(azure, capsys):
    azure.runner = lambda stored: ('Failed', failed_view('', 'bash: nope: command not found\n'))
    result = run_module(vm_extension, capsys, dict(vm_name='vm1', resource_group='rg', name='x', publisher='P', type='T',
                                                   type_handler_version='1.0', settings={'commandToExecute': 'nope'}))
    assert result['failed'] and 'command not found' in result['msg'] and result['stderr'] == 'bash: nope: command not found\n'


def test_docker_tls_module(tmp_path, capsys):
    args = dict(path=str(tmp_path / 'tls'), ip_addresses=['20.1.2.3'])
    result = run_module(docker_tls, capsys, dict(args, _ansible_check_mode=True, _ansible_diff=True))
    assert result['changed'] and not (tmp_path / 'tls').exists() and 'diff' in result
    result = run_module(docker_tls, capsys, args)
    assert result['changed'] and 'PRIVATE KEY' not in json.dumps(result) and 'diff' not in result
    result = run_module(docker_tls, capsys, args)
    assert result['changed'] is False
    result = run_module(docker_tls, capsys, dict(path=str(tmp_path / 'x')))
    assert result['failed'] and result['option'] == 'ip_addresses'
