# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vm_extension end to end through main() over the fake ARM."""

from __future__ import annotations

import json

import pytest

from ansible_collections.dockyard.azure.plugins.modules import vm_extension
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import failed_view, succeeded_view

SCRIPT_OUTPUT = ('dockyard: changed: /etc/docker/daemon.json\n'
                 'DOCKYARD_RESULT {"changed": true, "docker_version": "20.10.24+dfsg1", "init": "none", "compose": ""}\n')


@pytest.fixture
def azure(arm):
    arm.runner = lambda stored: ('Succeeded', succeeded_view(SCRIPT_OUTPUT))
    arm.add_vm()
    return arm


def test_vm_extension_module_idempotent_and_hides_protected_settings(azure, run_module):
    args = dict(vm_name='vm1', resource_group='rg', name='hello', publisher='Microsoft.Azure.Extensions', type='CustomScript',
                type_handler_version='2.1', settings={'timestamp': 1}, protected_settings={'commandToExecute': 'echo top-secret-789'})
    result = run_module(vm_extension.main, dict(args, _ansible_diff=True))
    assert result['changed'] and 'top-secret-789' not in json.dumps(result)
    assert result['extension']['settings'] == {'timestamp': 1}
    assert result['extension']['instance_view']['stdout'].startswith('dockyard: changed')
    azure.reset_calls()
    result = run_module(vm_extension.main, dict(args, _ansible_check_mode=True))
    assert result['changed'] is False and azure.writes() == []
    result = run_module(vm_extension.main, args)
    assert result['changed'] is False and azure.writes() == []


def test_vm_extension_failure(azure, run_module):
    azure.runner = lambda stored: ('Failed', failed_view('', 'bash: nope: command not found\n'))
    result = run_module(vm_extension.main, dict(vm_name='vm1', resource_group='rg', name='x', publisher='P', type='T',
                                                type_handler_version='1.0', settings={'commandToExecute': 'nope'}))
    assert result['failed'] and 'command not found' in result['msg'] and result['stderr'] == 'bash: nope: command not found\n'
