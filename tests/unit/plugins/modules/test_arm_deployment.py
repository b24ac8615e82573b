# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""arm_deployment through main(): bad input fails before any Azure call; the 'deployments' client and its
fallback to the older azure-mgmt-resource. (The calls themselves run against the emulator in
tests/integration/arm.)"""

from __future__ import annotations

import types

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import import_client_class
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import MissingAzureLibrary
from ansible_collections.dockyard.azure.plugins.modules import arm_deployment, arm_deployment_info


def test_both_template_options_are_refused(run_module, arm):
    result = run_module(arm_deployment.main, {'resource_group': 'rg', 'template': {'resources': []},
                                              'template_file': '/tmp/x.json'})
    assert result['failed'] and 'mutually exclusive' in result['msg']
    assert arm.calls == []


def test_a_broken_template_file_fails_before_any_call(run_module, arm, tmp_path):
    path = tmp_path / 'azuredeploy.json'
    path.write_text('{"resources": [}')
    result = run_module(arm_deployment.main, {'resource_group': 'rg', 'template_file': str(path)})
    assert result['failed'] and result['msg'].startswith("InvalidTemplate: the template file '%s'" % path)
    assert result['option'] == 'template_file' and result['error_code'] == 'InvalidTemplate'
    assert arm.calls == []


def test_subscription_scope_needs_a_location(run_module, arm):
    result = run_module(arm_deployment.main, {'template': {'resources': []}})
    assert result['failed'] and result['option'] == 'location'
    assert arm.calls == []


def test_secure_parameters_are_hidden_even_in_a_failure(run_module, arm):
    result = run_module(arm_deployment.main, {'template': {'parameters': {'pw': {'type': 'securestring'}}, 'resources': []},
                                              'parameters': {'pw': 'hunter2-long'}, 'name': 'bad name!'})
    assert result['failed'] and result['option'] == 'name'
    assert 'hunter2-long' not in str(result)


def test_the_deployments_client_and_its_fallback():
    from azure.mgmt.resource.deployments import DeploymentsMgmtClient
    assert import_client_class('deployments') is DeploymentsMgmtClient
    tried = []

    def old_sdk(path):
        tried.append(path)
        if path == 'azure.mgmt.resource.deployments':
            raise ImportError('azure-mgmt-resource-deployments is not installed')
        return types.SimpleNamespace(ResourceManagementClient='resource-client-with-deployments')
    assert import_client_class('deployments', import_module=old_sdk) == 'resource-client-with-deployments'
    assert tried == ['azure.mgmt.resource.deployments', 'azure.mgmt.resource']

    def nothing(path):
        raise ImportError(path)
    with pytest.raises(MissingAzureLibrary) as info:
        import_client_class('deployments', import_module=nothing)
    assert info.value.package == 'azure-mgmt-resource-deployments'


def test_a_resource_group_name_that_would_change_the_path_is_refused_before_any_call(run_module, arm):
    result = run_module(arm_deployment.main, {'resource_group': 'a/b', 'template': {'resources': []}})
    assert result['failed'] and result['option'] == 'resource_group'
    assert arm.calls == []


@pytest.mark.parametrize('args, option, fragment', [
    ({'resource_group': 'a/b'}, 'resource_group', "'a/b'"),
    ({'resource_group': 'rg', 'name': 'bad name!'}, 'name', "'bad name!'"),
    ({'resource_group': 'rg', 'provisioning_state': 'failed'}, 'provisioning_state', "did you mean 'Failed'"),
    ({'provisioning_state': "Failed' or name eq 'x"}, 'provisioning_state', 'not a deployment state'),
])
def test_info_refuses_bad_input_before_any_call(run_module, arm, args, option, fragment):
    result = run_module(arm_deployment_info.main, args)
    assert result['failed'] and result['option'] == option and fragment in result['msg']
    assert arm.calls == []
