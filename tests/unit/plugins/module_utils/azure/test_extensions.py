# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ExtensionManager and the extension helpers: hashing, idempotency decisions, failures, check and diff mode."""

from __future__ import annotations

import json

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure import extensions as ext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import FakeArm, failed_view, succeeded_view

SECRET = {'script': 'ZWNobyBzZWNyZXQ=', 'token': 's3cr3t-value'}


def make_spec(**overrides):
    spec = dict(name='ext', vm_name='vm1', resource_group='rg', state='present', publisher='Microsoft.Azure.Extensions',
                type='CustomScript', type_handler_version='2.1', settings=None, protected_settings=dict(SECRET),
                auto_upgrade_minor_version=None, enable_automatic_upgrade=None, force_update_tag=None, wait=True)
    spec.update(overrides)
    return spec


@pytest.fixture
def azure():
    fake = FakeArm()
    fake.add_vm()
    return fake


def run(azure, check_mode=False, diff=True, **overrides):
    manager = ext.ExtensionManager(azure.context(check_mode=check_mode, diff=diff), make_spec(**overrides))
    return manager, manager.run()


# ---------------------------------------------------------------------------- hashing


def test_hash_is_salted_per_vm_and_extension_and_order_independent():
    vm_a = {'id': '/x/vmA', 'properties': {'vmId': 'AAAA'}}
    vm_b = {'id': '/x/vmB', 'properties': {'vmId': 'BBBB'}}
    salt_a = ext.hash_salt(vm_a, 'ext')
    first = ext.protected_settings_hash({'a': 1, 'b': 2}, salt_a, iterations=1000)
    assert first == ext.protected_settings_hash({'b': 2, 'a': 1}, salt_a, iterations=1000)
    assert first != ext.protected_settings_hash({'a': 1, 'b': 2}, ext.hash_salt(vm_b, 'ext'), iterations=1000)
    assert first != ext.protected_settings_hash({'a': 1, 'b': 2}, ext.hash_salt(vm_a, 'other'), iterations=1000)
    assert first.startswith('pbkdf2-sha256$1000$') and len(first.split('$')[2]) == 64
    assert ext.hash_matches(first, {'b': 2, 'a': 1}, salt_a)
    assert not ext.hash_matches(first, {'a': 1, 'b': 3}, salt_a)
    assert not ext.hash_matches('sha256$garbage', {'a': 1}, salt_a)
    assert not ext.hash_matches(None, {'a': 1}, salt_a)


def test_salt_falls_back_to_resource_id():
    assert ext.hash_salt({'id': '/subscriptions/S/VM'}, 'E') == b'dockyard-extension:/subscriptions/s/vm:e'


# ---------------------------------------------------------------------------- instance views and failures


def test_output_from_substatuses():
    summary = ext.instance_view_summary(succeeded_view('out\n', 'err\n'))
    assert summary['stdout'] == 'out\n' and summary['stderr'] == 'err\n'


def test_output_from_linux_custom_script_message():
    view = {'statuses': [{'code': 'ProvisioningState/failed/1', 'level': 'Error',
                          'message': 'Enable failed: failed to execute command: command terminated with exit status=3\n'
                                     '[stdout]\nstep 1\nstep 2\n\n[stderr]\nboom\n'}]}
    summary = ext.instance_view_summary(view)
    assert summary['stdout'].strip() == 'step 1\nstep 2' and summary['stderr'].strip() == 'boom'
    failure = ext.extension_failure({'name': 'x', 'properties': {'provisioningState': 'Failed', 'instanceView': view}})
    assert 'exit status=3' in failure.msg and '[stdout]' not in failure.msg.split('\n')[0]
    assert 'stdout:\nstep 1' in failure.msg and 'stderr:\nboom' in failure.msg


def test_failure_from_status_level_even_if_provisioning_succeeded():
    rest = {'name': 'x', 'properties': {'provisioningState': 'Succeeded', 'instanceView': failed_view('o', 'e', 'Bad thing')}}
    failure = ext.extension_failure(rest)
    assert failure is not None and 'Bad thing' in failure.msg
    assert failure.extra['stdout'] == 'o' and failure.extra['stderr'] == 'e'
    assert ext.extension_failure({'properties': {'provisioningState': 'Succeeded', 'instanceView': succeeded_view()}}) is None


def test_long_output_is_tailed():
    rest = {'name': 'x', 'properties': {'provisioningState': 'Failed', 'instanceView': failed_view('x' * 10000 + 'END', '')}}
    failure = ext.extension_failure(rest)
    assert failure.msg.rstrip().endswith('END') and len(failure.msg) < 3000
    assert len(failure.extra['stdout']) == 10003


# ---------------------------------------------------------------------------- manager


def test_create_then_idempotent_with_protected_settings(azure):
    manager, result = run(azure)
    assert result['changed'] and manager.wrote
    body = azure.write_calls()[0].body
    assert body['properties']['protectedSettings'] == SECRET
    assert body['tags'][ext.HASH_TAG].startswith('pbkdf2-sha256$')
    assert body['location'] == 'westeurope' and body['properties']['autoUpgradeMinorVersion'] is True
    assert result['extension']['provisioning_state'] == 'Succeeded'
    azure.reset_calls()
    manager, result = run(azure)
    assert result['changed'] is False and azure.writes() == [] and not manager.wrote
    assert result['diff']['before']['protected_settings'] == ext.PROTECTED_UNCHANGED


def test_changed_protected_settings_put_again(azure):
    run(azure)
    azure.reset_calls()
    dummy, result = run(azure, protected_settings={'script': 'b3RoZXI='})
    assert result['changed'] and len(azure.writes()) == 1
    assert result['diff']['after']['protected_settings'] == ext.PROTECTED_CHANGED


def test_no_protected_settings_given_patches_and_keeps_them(azure):
    run(azure)
    azure.reset_calls()
    dummy, result = run(azure, protected_settings=None, settings={'timestamp': 2})
    assert result['changed']
    (call,) = azure.write_calls()
    assert call.operation == 'virtual_machine_extensions.begin_update' and 'protectedSettings' not in call.body['properties']
    assert ext.HASH_TAG in call.body['tags']
    assert azure.extensions[('rg', 'vm1', 'ext')]['properties']['protectedSettings'] == SECRET


def test_extension_without_hash_tag_is_updated_once(azure):
    run(azure)
    azure.extensions[('rg', 'vm1', 'ext')]['tags'] = {}
    azure.reset_calls()
    dummy, result = run(azure)
    assert result['changed'] and result['diff']['before']['protected_settings'] == ext.PROTECTED_UNKNOWN
    azure.reset_calls()
    dummy, result = run(azure)
    assert result['changed'] is False and azure.writes() == []


def test_unset_options_keep_current_values(azure):
    run(azure, settings={'a': 1}, auto_upgrade_minor_version=False)
    azure.reset_calls()
    dummy, result = run(azure, settings=None, publisher=None, type=None, type_handler_version=None, protected_settings=None)
    assert result['changed'] is False and azure.writes() == []
    dummy, result = run(azure, type='customscript', publisher='microsoft.azure.extensions')
    assert result['changed'] is False, 'publisher and type compare case-insensitively'


def test_check_mode_makes_no_writes_and_predicts(azure):
    dummy, result = run(azure, check_mode=True)
    assert result['changed'] and azure.writes() == []
    assert result['extension']['publisher'] == 'Microsoft.Azure.Extensions'
    assert result['diff']['before'] == {} and result['diff']['after']['protected_settings'] == ext.PROTECTED_SET
    run(azure)
    azure.reset_calls()
    dummy, result = run(azure, check_mode=True, settings={'x': 1})
    assert result['changed'] and azure.writes() == []
    dummy, result = run(azure, check_mode=True, state='absent')
    assert result['changed'] and azure.writes() == [] and ('rg', 'vm1', 'ext') in azure.extensions


def test_secrets_never_in_result_or_diff(azure):
    for kwargs in ({}, {'check_mode': True}):
        dummy, result = run(azure, **kwargs)
        text = json.dumps(result)
        assert 's3cr3t-value' not in text and 'ZWNobyBzZWNyZXQ=' not in text


def test_failure_reports_the_extensions_own_output(azure):
    azure.runner = lambda stored: ('Failed', failed_view('installing\n', 'E: Unable to locate package\n'))
    with pytest.raises(ext.ExtensionFailed) as info:
        run(azure)
    assert 'Unable to locate package' in info.value.msg and 'installing' in info.value.msg
    assert 'exit status=1' in info.value.msg
    assert info.value.extra['stderr'] == 'E: Unable to locate package\n'


def test_failed_extension_is_retried_with_a_new_force_update_tag(azure):
    azure.runner = lambda stored: ('Failed', failed_view('', 'boom'))
    with pytest.raises(ext.ExtensionFailed):
        run(azure)
    azure.runner = lambda stored: ('Succeeded', succeeded_view('fine'))
    azure.reset_calls()
    manager, result = run(azure)
    assert result['changed'] and manager.config_changed is False
    assert azure.write_calls()[0].body['properties']['forceUpdateTag'].startswith('dockyard-')
    azure.reset_calls()
    dummy, result = run(azure)
    assert result['changed'] is False and azure.writes() == []


def test_rerun_sets_a_new_force_update_tag(azure):
    run(azure)
    azure.reset_calls()
    manager, result = run(azure, rerun=True)
    assert result['changed'] and manager.wrote and not manager.config_changed


def test_absent(azure):
    dummy, result = run(azure, state='absent')
    assert result['changed'] is False and azure.writes() == []
    run(azure)
    dummy, result = run(azure, state='absent')
    assert result['changed'] and result['extension'] == {} and ('rg', 'vm1', 'ext') not in azure.extensions


def test_missing_vm_and_missing_create_options(azure):
    with pytest.raises(AzureModuleError, match="VM 'nope' does not exist"):
        run(azure, vm_name='nope')
    with pytest.raises(AzureModuleError, match='publisher is required') as info:
        run(azure, publisher=None)
    assert info.value.option == 'publisher' and info.value.result_fields()['option'] == 'publisher'
    assert azure.writes() == []


@pytest.mark.parametrize('field,value,match', [
    ('type_handler_version', 'latest', 'type_handler_version must be a version'),
    ('publisher', '  ', 'publisher must not be empty'),
])
def test_bad_input_refused_before_any_call(azure, field, value, match):
    with pytest.raises(AzureModuleError, match=match):
        run(azure, **{field: value})
    assert azure.calls == []


def test_no_wait_returns_without_reading_the_result(azure):
    manager = ext.ExtensionManager(azure.context(wait=lambda poller, op: pytest.fail('waited')), make_spec(wait=False))
    result = manager.run()
    assert result['changed'] and manager.wrote


@pytest.mark.parametrize('option,value', [('resource_group', 'bad/rg'), ('vm_name', 'bad vm'), ('name', 'bad/name'),
                                          ('vm_name', ''), ('name', 'ends-')])
def test_names_azure_would_refuse_are_refused_before_any_call(option, value):
    spec = dict(name='ext', vm_name='vm1', resource_group='rg', state='absent')
    spec[option] = value
    with pytest.raises(AzureModuleError) as info:
        ext.validate_spec(spec)
    assert info.value.option == option
