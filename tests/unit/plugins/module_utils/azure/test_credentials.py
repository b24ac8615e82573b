# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Construction of the azure-identity credential of each credential kind (with a recording stand-in for azure.identity)."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure import auth
from ansible_collections.dockyard.azure.plugins.module_utils.azure.credentials import build_credential
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureConfigError
from ansible_collections.dockyard.azure.tests.unit.utils.connection import make_config


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
