# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Construction of the SDK management clients: endpoint, scope, retries, TLS, the import fallbacks."""

from __future__ import annotations

import types

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import build_client, client_kwargs, import_client_class
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import MissingAzureLibrary
from ansible_collections.dockyard.azure.tests.unit.utils.connection import make_config


def test_client_kwargs_configure_endpoint_scope_retries_and_tls():
    kwargs = client_kwargs(make_config(ca_bundle='/ca.pem', retry_total=4, retry_backoff_max=9, polling_interval=1))
    assert kwargs['base_url'] == 'https://127.0.0.1:8443'
    assert kwargs['credential_scopes'] == ['https://127.0.0.1:8443/.default']
    assert kwargs['connection_verify'] == '/ca.pem'
    assert kwargs['polling_interval'] == 1
    assert (kwargs['retry_total'], kwargs['retry_status'], kwargs['retry_connect'], kwargs['retry_backoff_max']) == (4, 4, 4, 9)


def test_real_resource_client_gets_the_retry_policy_and_endpoint():
    client = build_client('resource', make_config(retry_total=2, retry_backoff_max=5), credential=object())
    assert client._config.base_url == 'https://127.0.0.1:8443'
    assert client._config.credential_scopes == ['https://127.0.0.1:8443/.default']
    assert client._config.retry_policy.total_retries == 2
    assert client._config.retry_policy.backoff_max == 5


def test_import_falls_back_to_the_pre_26_location():
    tried = []

    def fake_import(path):
        tried.append(path)
        if path == 'azure.mgmt.resource.resources':
            raise ImportError('no module')
        return types.SimpleNamespace(ResourceManagementClient='old-client')

    assert import_client_class('resource', import_module=fake_import) == 'old-client'
    assert tried == ['azure.mgmt.resource.resources', 'azure.mgmt.resource']


def test_missing_sdk_package_is_named():
    def no_imports(path):
        raise ImportError(path)

    with pytest.raises(MissingAzureLibrary) as info:
        import_client_class('network', import_module=no_imports)
    assert info.value.package == 'azure-mgmt-network'
