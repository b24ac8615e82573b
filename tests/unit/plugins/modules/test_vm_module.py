# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vm and vm_info modules end to end (argument parsing, check/diff mode, errors, warnings) over the fake ARM."""

from __future__ import annotations

import json

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AZURE_COMMON_ARGUMENT_SPEC
from ansible_collections.dockyard.azure.plugins.modules import vm as vm_module
from ansible_collections.dockyard.azure.plugins.modules import vm_info as vm_info_module
from ansible_collections.dockyard.azure.tests.unit.utils.module_docs import documented_options
from ansible_collections.dockyard.azure.tests.unit.utils.ssh_keys import ED25519

BASE = dict(name='vm1', resource_group='rg', size='Standard_B2s', image='debian12', ssh_public_keys=[ED25519],
            public_ip=True, inbound_rules=[dict(ports=[22], source_prefixes=['203.0.113.0/24'])])


@pytest.fixture
def azure(arm):
    return arm


def test_create_then_no_change(azure, run_module):
    result = run_module(vm_module.main, dict(BASE, custom_data='#cloud-config\n'))
    assert result['changed'] and result['vm']['ansible_host'] == result['vm']['public_ip']
    assert '#cloud-config' not in json.dumps(result), 'custom data is no_log and never returned'
    azure.reset_calls()
    result = run_module(vm_module.main, dict(BASE, custom_data='#cloud-config\n'))
    assert result['changed'] is False and azure.writes() == []


def test_check_and_diff_mode(azure, run_module):
    result = run_module(vm_module.main, dict(BASE, _ansible_check_mode=True, _ansible_diff=True))
    assert result['changed'] and azure.writes() == []
    assert result['diff']['before'] == {} and result['diff']['after']['network']['inbound_rules'][0]['ports'] == ['22']
    assert [a['type'] for a in result['actions']][-1] == 'virtual_machine'


def test_mutually_exclusive_network_options(azure, run_module):
    result = run_module(vm_module.main, dict(BASE, network_interface='nic0'))
    assert result['failed'] and 'mutually exclusive' in result['msg']
    assert azure.calls == []


def test_error_names_option_and_makes_no_write(azure, run_module):
    result = run_module(vm_module.main, dict(BASE, size='Standard_XL9000'))
    assert result['failed'] and result['msg'].startswith("size: 'Standard_XL9000' is not a VM size")
    assert azure.writes() == []


def test_warnings_are_reported(azure, run_module):
    result = run_module(vm_module.main, dict(BASE, inbound_rules=[dict(port=22, source_prefixes=['*'])]))
    assert 'opens SSH (port 22) to the whole Internet' in json.dumps(result.get('warnings'))


def test_vm_info(azure, run_module):
    run_module(vm_module.main, dict(BASE, tags={'role': 'docker'}))
    azure.reset_calls()
    result = run_module(vm_info_module.main, dict(resource_group='rg', tags=['role:docker']))
    assert result['changed'] is False and [vm['name'] for vm in result['vms']] == ['vm1']
    assert len(azure.calls) == 3
    result = run_module(vm_info_module.main, dict(name='vm1'))
    assert result['failed'] and 'resource_group' in result['msg']


@pytest.mark.parametrize('module', [vm_module, vm_info_module])
def test_documented_options_match_argument_spec(module):
    documented = documented_options(module)
    argument_spec = dict(AZURE_COMMON_ARGUMENT_SPEC, **module.ARGUMENT_SPEC)
    assert set(documented) == set(argument_spec)
    for name, spec in argument_spec.items():
        assert documented[name].get('type', 'str') == spec.get('type', 'str'), name
        assert documented[name].get('default') == spec.get('default'), name
        assert sorted(documented[name].get('choices') or []) == sorted(spec.get('choices') or []), name
