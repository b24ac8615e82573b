"""The token endpoint as azure-identity uses it."""

import base64
import json
import time

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientAssertionCredential, EnvironmentCredential, WorkloadIdentityCredential

SCOPE = "https://management.azure.com/.default"


def unsigned_jwt(**claims):
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'RS256', 'typ': 'JWT', 'kid': 'ci'})}.{part(claims)}.c2lnbmF0dXJl"


def federated_token(**overrides):
    now = int(time.time())
    return unsigned_jwt(**{"iss": "https://ci.example/oidc", "sub": "repo:dockyard:ref:main",
                           "aud": "api://AzureADTokenExchange", "iat": now, "exp": now + 600, **overrides})


def test_client_secret_credential_gets_a_token_that_arm_accepts(emulator):
    token = emulator.credential().get_token(SCOPE)
    assert token.expires_on > time.time() + 3000
    response = emulator.http().get(f"{emulator.url}/subscriptions?api-version=2022-12-01",
                                   headers={"Authorization": f"Bearer {token.token}"})
    assert response.status_code == 200
    assert response.json()["value"][0]["subscriptionId"] == emulator.subscription


def test_environment_credential_with_env_output(emulator, monkeypatch):
    for name, value in emulator.env.items():
        monkeypatch.setenv(name, value)
    credential = EnvironmentCredential(disable_instance_discovery=True)
    groups = list(emulator.client(credential).resource_groups.list())
    assert isinstance(groups, list)


def test_wrong_secret_is_rejected(emulator):
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        emulator.credential(secret="not-the-secret").get_token(SCOPE)
    response = emulator.http().post(
        f"{emulator.url}/{emulator.env['AZURE_TENANT_ID']}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "client_id": emulator.env["AZURE_CLIENT_ID"],
              "client_secret": "wrong", "scope": SCOPE})
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client" and body["error_codes"] == [7000215]
    assert body["error_description"].startswith("AADSTS7000215: Invalid client secret provided")


def test_unknown_client_is_rejected(emulator):
    response = emulator.http().post(
        f"{emulator.url}/{emulator.env['AZURE_TENANT_ID']}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "client_id": "00000000-0000-0000-0000-000000000000",
              "client_secret": "x", "scope": SCOPE})
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client" and response.json()["error_codes"] == [700016]


def test_workload_identity_with_token_file(emulator, tmp_path):
    token_file = tmp_path / "oidc-token"
    token_file.write_text(federated_token())
    credential = WorkloadIdentityCredential(tenant_id=emulator.env["AZURE_TENANT_ID"],
                                            client_id=emulator.env["AZURE_CLIENT_ID"],
                                            token_file_path=str(token_file), authority=emulator.url,
                                            connection_verify=emulator.env["REQUESTS_CA_BUNDLE"])
    assert list(emulator.client(credential).resource_groups.list()) is not None


@pytest.mark.parametrize("assertion", ["not-a-jwt", federated_token(aud="api://somewhere-else"),
                                       federated_token(exp=int(time.time()) - 3600)])
def test_bad_client_assertions_are_rejected(emulator, assertion):
    credential = ClientAssertionCredential(emulator.env["AZURE_TENANT_ID"], emulator.env["AZURE_CLIENT_ID"],
                                           lambda: assertion, authority=emulator.url,
                                           connection_verify=emulator.env["REQUESTS_CA_BUNDLE"])
    with pytest.raises(ClientAuthenticationError, match="AADSTS"):
        credential.get_token(SCOPE)


def test_certificate_credential_with_the_state_dir_client_certificate(emulator):
    credential = CertificateCredential(emulator.env["AZURE_TENANT_ID"], emulator.env["AZURE_CLIENT_ID"],
                                       str(emulator.state_dir / "client.pem"), authority=emulator.url,
                                       disable_instance_discovery=True,
                                       connection_verify=emulator.env["REQUESTS_CA_BUNDLE"])
    assert credential.get_token(SCOPE).token


def test_discovery_documents(emulator):
    http, tenant = emulator.http(), emulator.env["AZURE_TENANT_ID"]
    config = http.get(f"{emulator.url}/{tenant}/v2.0/.well-known/openid-configuration").json()
    assert config["token_endpoint"] == f"{emulator.url}/{tenant}/oauth2/v2.0/token"
    assert config["authorization_endpoint"].startswith(emulator.url) and config["issuer"].startswith(emulator.url)
    assert http.get(config["jwks_uri"]).json()["keys"][0]["kty"] == "RSA"
    instance = http.get(f"{emulator.url}/common/discovery/instance", params={
        "api-version": "1.1", "authorization_endpoint": f"{emulator.url}/{tenant}/oauth2/v2.0/authorize"}).json()
    assert instance["tenant_discovery_endpoint"] == f"{emulator.url}/{tenant}/v2.0/.well-known/openid-configuration"
    clouds = http.get(f"{emulator.url}/metadata/endpoints?api-version=2022-09-01").json()
    assert clouds[0]["resourceManager"] == emulator.url + "/"
    assert clouds[0]["authentication"]["loginEndpoint"] == emulator.url + "/"
    assert "https://management.core.windows.net/" in clouds[0]["authentication"]["audiences"]
    unknown = http.get(f"{emulator.url}/no-such-tenant/v2.0/.well-known/openid-configuration")
    assert unknown.status_code == 400 and unknown.json()["error_codes"] == [90002]
