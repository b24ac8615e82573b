# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LRO waits, client construction and credential construction, with fakes (no network)."""

from __future__ import annotations

import types

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure import auth
from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import build_client, client_kwargs, import_client_class
from ansible_collections.dockyard.azure.plugins.module_utils.azure.credentials import build_credential
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureConfigError, AzureTimeoutError, MissingAzureLibrary
from ansible_collections.dockyard.azure.plugins.module_utils.azure.lro import wait_for_poller


class FakePoller:
    def __init__(self, done, result='done-result', status='InProgress'):
        self._done = done
        self._result = result
        self._status = status
        self.waited = None

    def result(self, timeout=None):
        self.waited = timeout
        return self._result if self._done else None

    def done(self):
        return self._done

    def status(self):
        return self._status


def make_config(**overrides):
    values = dict(credential_kind=auth.KIND_CLIENT_SECRET, subscription_id='sub', cloud='custom',
                  arm_endpoint='https://127.0.0.1:8443', credential_scope='https://127.0.0.1:8443/.default',
                  authority_host='https://127.0.0.1:8443', disable_instance_discovery=True,
                  tenant_id='tenant', client_id='client', client_secret='secret')
    values.update(overrides)
    return auth.AzureConnectionConfig(**values)


def test_wait_returns_result_within_timeout():
    poller = FakePoller(done=True)
    assert wait_for_poller(poller, 30, 'deletion of x') == 'done-result'
    assert poller.waited == 30


def test_wait_timeout_names_the_operation():
    with pytest.raises(AzureTimeoutError) as info:
        wait_for_poller(FakePoller(done=False), 5, "deletion of resource group 'x'")
    assert "Timed out after 5 seconds waiting for deletion of resource group 'x' (last status: InProgress)" in info.value.msg
    assert info.value.extra == {'operation': "deletion of resource group 'x'", 'timeout': 5}


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


class FakeIdentity:
    """Records which azure.identity class was built with which arguments."""

    def __getattr__(self, name):
        def build(*args, **kwargs):
            return (name, args, kwargs)
        return build


def test_secret_credential_gets_authority_discovery_and_ca():
    name, args, kwargs = build_credential(make_config(ca_bundle='/ca.pem'), identity=FakeIdentity())
    assert name == 'ClientSecretCredential'
    assert args == ('tenant', 'client', 'secret')
    assert kwargs == {'authority': 'https://127.0.0.1:8443', 'disable_instance_discovery': True, 'connection_verify': '/ca.pem'}


def test_public_cloud_credential_keeps_instance_discovery():
    config = make_config(cloud='public', authority_host='https://login.microsoftonline.com', disable_instance_discovery=False)
    dummy, dummy2, kwargs = build_credential(config, identity=FakeIdentity())
    assert kwargs == {'authority': 'https://login.microsoftonline.com'}


def test_certificate_and_workload_identity_credentials():
    name, dummy, kwargs = build_credential(make_config(
        credential_kind=auth.KIND_CLIENT_CERTIFICATE, client_secret=None, client_certificate_path='/sp.pem',
        client_certificate_password='pw'), identity=FakeIdentity())
    assert name == 'CertificateCredential'
    assert (kwargs['certificate_path'], kwargs['password']) == ('/sp.pem', 'pw')
    name, dummy, kwargs = build_credential(make_config(
        credential_kind=auth.KIND_WORKLOAD_IDENTITY, client_secret=None, federated_token_file='/token'), identity=FakeIdentity())
    assert name == 'WorkloadIdentityCredential'
    assert kwargs['token_file_path'] == '/token'


def test_default_chain_order_is_environment_managed_identity_cli():
    name, links, dummy = build_credential(make_config(credential_kind=auth.KIND_DEFAULT_CHAIN), identity=FakeIdentity())
    assert name == 'ChainedTokenCredential'
    assert [link[0] for link in links] == ['EnvironmentCredential', 'ManagedIdentityCredential', 'AzureCliCredential']


def test_invalid_tenant_from_the_real_sdk_names_tenant_id():
    with pytest.raises(AzureConfigError) as info:
        build_credential(make_config(tenant_id='not a tenant!'))
    assert info.value.option == 'tenant_id'
