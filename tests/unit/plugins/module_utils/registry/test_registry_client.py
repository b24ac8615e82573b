# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""registry.client against a registry answering at requests' transport (utils/fake_registry)."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.dockyard.azure.plugins.module_utils.registry import client as client_module
from ansible_collections.dockyard.azure.plugins.module_utils.registry.client import (
    TOKEN_USERNAME,
    RegistryAuthError,
    RegistryClient,
    RegistryError,
    exchange_entra_token,
    login_server,
    registry_of,
)
from ansible_collections.dockyard.azure.tests.unit.utils.fake_registry import FakeRegistry


@pytest.fixture
def registry(monkeypatch):
    fake = FakeRegistry()
    monkeypatch.setattr(client_module, 'new_session', fake.session)
    return fake


@pytest.mark.parametrize('given, expected', [
    ('myreg.azurecr.io', 'myreg.azurecr.io'), ('https://myreg.azurecr.io/', 'myreg.azurecr.io'),
    (' 10.199.3.1:40123 ', '10.199.3.1:40123'), ('HTTP://localhost:5000', 'localhost:5000'),
])
def test_login_server_is_host_and_port(given, expected):
    assert login_server(given) == expected


@pytest.mark.parametrize('reference, expected', [
    ('app/web:1', None), ('busybox', None), ('myreg.azurecr.io/app/web:1', 'myreg.azurecr.io'),
    ('10.199.3.1:40123/app:1', '10.199.3.1:40123'), ('localhost/app', 'localhost'),
])
def test_registry_of_an_image_reference(reference, expected):
    assert registry_of(reference) == expected


def test_good_credentials_give_a_token_once_per_scope(registry):
    client = RegistryClient('myregistry.azurecr.io', 'myregistry', 'secret-1')
    client.check_credentials()
    assert client.manifest_digest('app/web', '1') is None
    registry.manifests[('app/web', '1')] = 'sha256:abc'
    assert client.manifest_digest('app/web', '1') == 'sha256:abc'
    tokens = [path for method, path in registry.requests if path == '/oauth2/token']
    assert len(tokens) == 2  # no scope (the check), then repository:app/web:pull, kept for the second HEAD
    assert registry.requests.count(('GET', '/v2/')) == 1


def test_refused_credentials_are_one_line_naming_the_registry(registry):
    client = RegistryClient('https://myregistry.azurecr.io', 'myregistry', 'wrong')
    with pytest.raises(RegistryAuthError) as refused:
        client.check_credentials()
    assert refused.value.msg == ("registry myregistry.azurecr.io refused the credentials of user 'myregistry': "
                                 "unauthorized: authentication required, visit https://aka.ms/acr/authorization "
                                 "for more information.")
    assert refused.value.option == 'password'
    assert '\n' not in refused.value.msg


def test_entra_token_exchange_gives_a_refresh_token_that_logs_in(registry):
    refresh = exchange_entra_token('myregistry.azurecr.io', 'entra-token')
    assert refresh == 'refresh-1'
    assert ('POST', '/oauth2/exchange') in registry.requests
    RegistryClient('myregistry.azurecr.io', TOKEN_USERNAME, refresh).check_credentials()
    with pytest.raises(RegistryAuthError) as refused:
        exchange_entra_token('myregistry.azurecr.io', 'not-entra')
    assert refused.value.msg == 'registry myregistry.azurecr.io refused the Microsoft Entra token: unauthorized: bad token'


def test_unreachable_and_untrusted_registries_say_so(monkeypatch):
    class Failing(requests.adapters.BaseAdapter):
        def __init__(self, error):
            super().__init__()
            self.error = error

        def send(self, request, **kwargs):
            raise self.error

        def close(self):
            pass

    for error, text in ((requests.exceptions.ConnectionError('refused'), 'cannot connect: refused'),
                        (requests.exceptions.SSLError('CERTIFICATE_VERIFY_FAILED'), 'TLS certificate is not trusted')):
        session = requests.Session()
        session.mount('https://', Failing(error))
        monkeypatch.setattr(client_module, 'new_session', lambda session=session: session)
        with pytest.raises(RegistryError) as failed:
            RegistryClient('10.199.3.1:40123', 'u', 'p').check_credentials()
        assert failed.value.msg.startswith('registry 10.199.3.1:40123: ') and text in failed.value.msg
