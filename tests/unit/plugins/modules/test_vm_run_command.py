# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vm_run_command end to end through main() over the fake ARM (managed run commands)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.dockyard.azure.plugins.modules import vm_run_command


@pytest.fixture
def azure(arm):
    arm.add_vm(name='web1')
    arm.add_vm(name='web2')
    arm.add_vm(name='db1')
    for name, tags in (('web1', {'role': 'web'}), ('web2', {'role': 'web'}), ('db1', {'role': 'db'})):
        arm.resources[arm.read(arm._id({'rg': 'rg', 'name': name}, 'Microsoft.Compute/virtualMachines'))['id'].lower()][
            'tags'] = tags
    ran = []

    def runner(vm, script, env):
        ran.append((vm, script, env))
        if 'fail' in script:
            return 3, 'partial\n', 'boom on %s\n' % vm
        return 0, 'hello %s %s\n' % (vm, env.get('WHO', '')), ''

    arm.script_runner = runner
    arm.ran = ran
    return arm


def test_runs_on_one_vm_returns_the_output_and_leaves_nothing(azure, run_module):
    result = run_module(vm_run_command.main, dict(resource_group='rg', vm_name='web1', script=['set -e', 'echo hi'],
                                                  parameters={'WHO': 'you'}, protected_parameters={'TOKEN': 's3cr3t-42'}))
    assert result['changed'] and result['exit_code'] == 0 and 'rc' not in result
    assert result['stdout'] == 'hello web1 you\n' and result['execution_state'] == 'Succeeded'
    assert azure.ran == [('web1', 'set -e\necho hi', {'WHO': 'you', 'TOKEN': 's3cr3t-42'})]
    assert 's3cr3t-42' not in json.dumps(result)
    assert azure.run_commands == {}  # removed after the run
    assert azure.writes() == ['virtual_machine_run_commands.begin_create_or_update', 'virtual_machine_run_commands.begin_delete']


def test_check_mode_says_where_it_would_run_and_runs_nothing(azure, run_module):
    result = run_module(vm_run_command.main, dict(resource_group='rg', tags={'role': 'web'}, script='uptime',
                                                  _ansible_check_mode=True))
    assert result['changed'] and [r['vm_name'] for r in result['results']] == ['web1', 'web2']
    assert all(r['would_run'] for r in result['results']) and azure.writes() == [] and azure.ran == []


def test_runs_on_every_tagged_vm_and_fails_with_the_output(azure, run_module):
    result = run_module(vm_run_command.main, dict(resource_group='rg', tags={'role': 'web'}, script='echo fail'))
    assert result['failed'] and 'failed on 2 of 2 VMs' in result['msg'] and 'boom on web' in result['msg']
    assert sorted(r['vm_name'] for r in result['results']) == ['web1', 'web2']
    assert {r['exit_code'] for r in result['results']} == {3}
    tolerant = run_module(vm_run_command.main, dict(resource_group='rg', tags={'role': 'db'}, script='echo fail',
                                                    fail_on_error=False, keep=True))
    assert not tolerant.get('failed') and tolerant['exit_code'] == 3 and tolerant['stderr'] == 'boom on db1\n'
    assert tolerant['results'][0]['run_command'].startswith('dockyard-run-') and len(azure.run_commands) == 1


@pytest.mark.parametrize('args, option', [
    (dict(vm_name='web1', script=''), 'script'),
    (dict(vm_name='web1', script='true', timeout_seconds=9999), 'timeout_seconds'),
    (dict(vm_name='web1', script='true', run_as_password='x'), 'run_as_password'),
    (dict(vm_name='nope', script='true'), 'vm_name'),
    (dict(tags={'role': 'none'}, script='true'), 'tags'),
    # issue 11: names that would change the request path, and parameters the script could never see
    (dict(vm_name='web1', script='true', resource_group='bad/rg'), 'resource_group'),
    (dict(vm_name='a/b', script='true'), 'vm_name'),
    (dict(tags={'bad<tag': 'x'}, script='true'), 'tags'),
    (dict(vm_name='web1', script='true', parameters={'bad name': 'x'}), 'parameters'),
    (dict(vm_name='web1', script='true', protected_parameters={'1X': 'x'}), 'protected_parameters'),
    (dict(vm_name='web1', script='true', parameters={'T': 'a'}, protected_parameters={'T': 'b'}), 'protected_parameters'),
    (dict(vm_name='web1', script='true', max_concurrency=0), 'max_concurrency'),
])
def test_bad_input_names_the_option_before_any_write(azure, run_module, args, option):
    result = run_module(vm_run_command.main, dict(dict(resource_group='rg'), **args))
    assert result['failed'] and result['option'] == option and azure.writes() == []
