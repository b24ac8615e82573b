# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error funnel of DockyardModule, AzureModule and DockerModule."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.base_module import DockyardModule, merge_argument_spec, one_line
from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerModule
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError, MissingLibraryError


def _main_raising(module_class, exc, operation=None, spec=None):
    def main():
        module = module_class(argument_spec=spec or {}, supports_check_mode=True)
        with module.errors(operation):
            raise exc
    return main


def test_merge_argument_spec_copies_and_lets_the_module_win():
    common = {'timeout': {'type': 'int', 'default': 60}, 'docker_host': {'type': 'str'}}
    merged = merge_argument_spec(common, {'timeout': {'type': 'int', 'default': 5}, 'name': {'type': 'str'}})
    assert merged['timeout']['default'] == 5
    assert set(merged) == {'timeout', 'docker_host', 'name'}
    merged['docker_host']['type'] = 'changed'
    assert common['docker_host']['type'] == 'str'


def test_one_line_folds_white_space_and_bytes():
    assert one_line('a\n  b\tc ') == 'a b c'
    assert one_line(b'x\ny') == 'x y'


def test_dockyard_error_carries_option_and_extra_into_the_result(run_module):
    result = run_module(_main_raising(DockyardModule, DockyardError('scale.web: must be 0 or more', option='scale', service='web')), {})
    assert result['failed'] is True
    assert result['msg'] == 'scale.web: must be 0 or more'
    assert result['option'] == 'scale'
    assert result['service'] == 'web'
    assert 'exception' not in result  # the traceback only shows with -vvv


def test_unknown_exception_is_one_line_with_its_type_and_operation(run_module):
    result = run_module(_main_raising(DockyardModule, ValueError('bad\nvalue'), operation='read state'), {})
    assert result['msg'] == 'read state: ValueError: bad value'


def test_missing_library_uses_ansibles_message(run_module):
    result = run_module(_main_raising(DockyardModule, MissingLibraryError('docker', 'No module named docker')), {})
    assert 'docker' in result['msg'] and 'Failed to import the required Python library' in result['msg']


def test_every_domain_error_derives_from_the_root():
    from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AzureConfigError
    from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureTimeoutError, MissingAzureLibrary
    from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import DockerConnectionError

    for cls in (AzureModuleError, AzureTimeoutError, AzureConfigError, MissingAzureLibrary, DockerConnectionError):
        assert issubclass(cls, DockyardError), cls
    assert AzureConfigError('subscription_id', 'not a UUID').option == 'subscription_id'


def test_azure_module_merges_common_options_and_translates_sdk_errors(run_module):
    from azure.core.exceptions import ResourceNotFoundError

    seen = {}

    def main():
        module = AzureModule(argument_spec={'name': {'type': 'str', 'required': True}}, supports_check_mode=True)
        seen['timeout'] = module.params['timeout']
        with module.errors('get resource group'):
            raise ResourceNotFoundError('Resource group missing')

    result = run_module(main, {'name': 'rg'})
    assert seen['timeout'] == 1800
    assert result['msg'].startswith('get resource group: ')
    assert 'Resource group missing' in result['msg']


def test_docker_module_translates_sdk_errors_with_status(run_module):
    import docker.errors
    import requests

    response = requests.Response()
    response.status_code = 409
    error = docker.errors.APIError('409 Client Error', response=response, explanation='Conflict. The name is\nalready in use')
    result = run_module(_main_raising(DockerModule, error, operation='create container app-web-1'), {})
    assert result['msg'] == 'create container app-web-1: Docker engine: Conflict. The name is already in use'
    assert result['status_code'] == 409


def test_docker_module_client_is_lazy_and_names_the_second_engines_option(run_module):
    def main():
        module = DockerModule(argument_spec={'source': {'type': 'dict'}}, supports_check_mode=True)
        assert module._client is None  # nothing connected by argument parsing
        with module.errors():
            module.client_for({'docker_host': 'ftp://nowhere'}, option='source')

    result = run_module(main, {'docker_host': 'unix:///nonexistent.sock'})
    assert result['msg'].startswith('source: docker_host must start with')
    assert result['option'] == 'source'


def test_docker_module_connection_failure_is_one_line(run_module):
    def main():
        module = DockerModule(supports_check_mode=True)
        with module.errors():
            return module.client

    result = run_module(main, {'docker_host': 'unix:///nonexistent/docker.sock', 'timeout': 2})
    assert result['msg'].startswith('cannot connect to the Docker engine at unix:///nonexistent/docker.sock')
    assert '\n' not in result['msg']


@pytest.mark.parametrize('module_class', [AzureModule, DockerModule])
def test_both_families_pass_exit_json_through_the_funnel(run_module, module_class):
    def main():
        module = module_class(supports_check_mode=True)
        with module.errors():
            module.exit_json(changed=False, answer=42)

    assert run_module(main, {})['answer'] == 42
