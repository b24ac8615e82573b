# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure import auth
from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AzureConfigError, resolve_connection_config

SUB = '00000000-0000-0000-0000-000000000001'


def params(**overrides):
    """Module params as AnsibleModule would pass them: every common option present, defaults applied."""
    values = {name: spec.get('default') for name, spec in auth.AZURE_COMMON_ARGUMENT_SPEC.items()}
    values.update(overrides)
    return values


@pytest.fixture
def env(tmp_path):
    # AZURE_CONFIG_DIR keeps the CLI-profile fallback away from the real home directory.
    return {'AZURE_CONFIG_DIR': str(tmp_path / 'azure-cli')}


@pytest.fixture
def cert_file(tmp_path):
    path = tmp_path / 'sp.pem'
    path.write_text('-----BEGIN CERTIFICATE-----\n')
    return str(path)


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / 'token'
    path.write_text('eyJ...')
    return str(path)


def error_for(parameters, environ):
    with pytest.raises(AzureConfigError) as info:
        resolve_connection_config(parameters, environ)
    return info.value


# --- auth_source=auto ---------------------------------------------------------------------------

def test_auto_with_secret_options_is_client_secret(env):
    config = resolve_connection_config(params(subscription_id=SUB, tenant_id='t', client_id='c', client_secret='s'), env)
    assert config.credential_kind == auth.KIND_CLIENT_SECRET
    assert (config.tenant_id, config.client_id, config.client_secret) == ('t', 'c', 's')
    assert config.secrets == ['s']


def test_auto_with_certificate_is_client_certificate(env, cert_file):
    config = resolve_connection_config(params(
        subscription_id=SUB, tenant_id='t', client_id='c', client_certificate_path=cert_file, client_certificate_password='pw'), env)
    assert config.credential_kind == auth.KIND_CLIENT_CERTIFICATE
    assert config.client_certificate_path == cert_file
    assert config.client_secret is None
    assert config.secrets == ['pw']


def test_auto_prefers_service_principal_over_federated_token(env, token_file):
    env.update(AZURE_FEDERATED_TOKEN_FILE=token_file)
    config = resolve_connection_config(params(subscription_id=SUB, tenant_id='t', client_id='c', client_secret='s'), env)
    assert config.credential_kind == auth.KIND_CLIENT_SECRET
    assert config.federated_token_file is None


def test_auto_with_federated_token_from_environment_is_workload_identity(env, token_file):
    env.update(AZURE_SUBSCRIPTION_ID=SUB, AZURE_TENANT_ID='t', AZURE_CLIENT_ID='c', AZURE_FEDERATED_TOKEN_FILE=token_file)
    config = resolve_connection_config(params(), env)
    assert config.credential_kind == auth.KIND_WORKLOAD_IDENTITY
    assert config.federated_token_file == token_file
    assert config.sources['federated_token_file'] == 'AZURE_FEDERATED_TOKEN_FILE'


def test_auto_without_credentials_falls_back_to_default_chain(env):
    config = resolve_connection_config(params(subscription_id=SUB), env)
    assert config.credential_kind == auth.KIND_DEFAULT_CHAIN


def test_auto_chain_takes_subscription_from_cli_profile(tmp_path):
    config_dir = tmp_path / 'cli'
    config_dir.mkdir()
    profile = {'subscriptions': [{'id': 'other', 'isDefault': False}, {'id': SUB, 'isDefault': True}]}
    # The Azure CLI writes its profile with a UTF-8 BOM.
    (config_dir / 'azureProfile.json').write_text(json.dumps(profile), encoding='utf-8-sig')
    config = resolve_connection_config(params(auth_source='cli'), {'AZURE_CONFIG_DIR': str(config_dir)})
    assert config.credential_kind == auth.KIND_CLI
    assert config.subscription_id == SUB
    assert config.sources['subscription_id'] == 'azure cli profile'


# --- explicit auth sources ----------------------------------------------------------------------

def test_env_source_ignores_task_credential_options(env):
    env.update(AZURE_SUBSCRIPTION_ID=SUB, AZURE_TENANT_ID='env-t', AZURE_CLIENT_ID='env-c', AZURE_CLIENT_SECRET='env-s')
    config = resolve_connection_config(params(auth_source='env', tenant_id='opt-t', client_id='opt-c', client_secret='opt-s'), env)
    assert config.credential_kind == auth.KIND_CLIENT_SECRET
    assert (config.tenant_id, config.client_id, config.client_secret) == ('env-t', 'env-c', 'env-s')


def test_env_source_without_environment_credentials_fails(env):
    error = error_for(params(auth_source='env', subscription_id=SUB, client_secret='opt-only'), env)
    assert error.option == 'auth_source'
    assert 'AZURE_CLIENT_SECRET' in str(error)


def test_service_principal_requires_secret_or_certificate(env):
    error = error_for(params(auth_source='service_principal', subscription_id=SUB, tenant_id='t', client_id='c'), env)
    assert error.option == 'client_secret'
    assert 'client_certificate_path' in str(error)


def test_service_principal_names_missing_client_id(env):
    error = error_for(params(auth_source='service_principal', subscription_id=SUB, tenant_id='t'), env)
    assert error.option == 'client_id'


def test_workload_identity_requires_token_file(env):
    error = error_for(params(auth_source='workload_identity', subscription_id=SUB, tenant_id='t', client_id='c'), env)
    assert error.option == 'federated_token_file'
    assert 'AZURE_FEDERATED_TOKEN_FILE' in str(error)


def test_workload_identity_with_all_parts(env, token_file):
    config = resolve_connection_config(params(
        auth_source='workload_identity', subscription_id=SUB, tenant_id='t', client_id='c', federated_token_file=token_file), env)
    assert config.credential_kind == auth.KIND_WORKLOAD_IDENTITY


def test_managed_identity_uses_client_id_option_as_user_assigned_identity(env):
    config = resolve_connection_config(params(auth_source='managed_identity', subscription_id=SUB, client_id='mi-client'), env)
    assert config.credential_kind == auth.KIND_MANAGED_IDENTITY
    assert config.managed_identity_client_id == 'mi-client'


def test_managed_identity_takes_user_assigned_client_id_from_environment(env):
    env.update(AZURE_CLIENT_ID='env-mi')
    config = resolve_connection_config(params(auth_source='managed_identity', subscription_id=SUB), env)
    assert config.managed_identity_client_id == 'env-mi'


def test_system_assigned_managed_identity_without_client_id(env):
    config = resolve_connection_config(params(auth_source='managed_identity', subscription_id=SUB), env)
    assert config.managed_identity_client_id is None


def test_managed_identity_ignores_partial_service_principal_in_environment(env):
    env.update(AZURE_CLIENT_SECRET='leftover')
    config = resolve_connection_config(params(auth_source='managed_identity', subscription_id=SUB, managed_identity_client_id='x'), env)
    assert config.credential_kind == auth.KIND_MANAGED_IDENTITY
    assert config.client_secret is None
    assert config.managed_identity_client_id == 'x'


def test_cli_without_any_subscription_fails_naming_subscription_id(env):
    error = error_for(params(auth_source='cli'), env)
    assert error.option == 'subscription_id'
    assert 'AZURE_SUBSCRIPTION_ID' in str(error)


# --- environment precedence and azcollection names ----------------------------------------------

def test_options_override_environment(env):
    env.update(AZURE_SUBSCRIPTION_ID='env-sub', AZURE_TENANT_ID='env-t', AZURE_CLIENT_ID='env-c', AZURE_CLIENT_SECRET='env-s')
    config = resolve_connection_config(params(subscription_id=SUB, client_secret='opt-s'), env)
    assert config.subscription_id == SUB
    assert config.client_secret == 'opt-s'
    assert config.tenant_id == 'env-t'
    assert config.sources['client_secret'] == 'option'
    assert config.sources['tenant_id'] == 'AZURE_TENANT_ID'


def test_azcollection_environment_names(env):
    env.update(AZURE_SUBSCRIPTION_ID=SUB, AZURE_TENANT='az-t', AZURE_CLIENT_ID='c', AZURE_SECRET='az-s',
               AZURE_CLOUD_ENVIRONMENT='AzureChinaCloud')
    config = resolve_connection_config(params(), env)
    assert config.credential_kind == auth.KIND_CLIENT_SECRET
    assert (config.tenant_id, config.client_secret) == ('az-t', 'az-s')
    assert config.cloud == 'china'
    assert config.arm_endpoint == 'https://management.chinacloudapi.cn'
    assert config.authority_host == 'https://login.chinacloudapi.cn'


def test_azure_identity_names_win_over_azcollection_names(env):
    env.update(AZURE_SUBSCRIPTION_ID=SUB, AZURE_TENANT_ID='id-t', AZURE_TENANT='az-t', AZURE_CLIENT_ID='c',
               AZURE_CLIENT_SECRET='id-s', AZURE_SECRET='az-s')
    config = resolve_connection_config(params(), env)
    assert (config.tenant_id, config.client_secret) == ('id-t', 'id-s')


def test_secret_option_beats_certificate_from_environment(env, cert_file):
    env.update(AZURE_CLIENT_CERTIFICATE_PATH=cert_file)
    config = resolve_connection_config(params(subscription_id=SUB, tenant_id='t', client_id='c', client_secret='s'), env)
    assert config.credential_kind == auth.KIND_CLIENT_SECRET
    assert config.client_certificate_path is None


def test_secret_and_certificate_from_same_place_are_mutually_exclusive(env, cert_file):
    error = error_for(params(subscription_id=SUB, tenant_id='t', client_id='c', client_secret='s', client_certificate_path=cert_file), env)
    assert error.option == 'client_secret'
    assert 'mutually exclusive' in str(error)


# --- clouds and custom endpoints ----------------------------------------------------------------

@pytest.mark.parametrize('cloud, arm, scope, authority', [
    ('public', 'https://management.azure.com', 'https://management.azure.com/.default', 'https://login.microsoftonline.com'),
    ('china', 'https://management.chinacloudapi.cn', 'https://management.chinacloudapi.cn/.default', 'https://login.chinacloudapi.cn'),
    ('usgovernment', 'https://management.usgovcloudapi.net', 'https://management.core.usgovcloudapi.net/.default',
     'https://login.microsoftonline.us'),
])
def test_sovereign_clouds(env, cloud, arm, scope, authority):
    config = resolve_connection_config(params(subscription_id=SUB, cloud=cloud), env)
    assert (config.cloud, config.arm_endpoint, config.credential_scope, config.authority_host) == (cloud, arm, scope, authority)
    assert config.disable_instance_discovery is False


def test_cloud_defaults_to_public(env):
    config = resolve_connection_config(params(subscription_id=SUB), env)
    assert config.cloud == 'public'


def test_cloud_option_beats_environment(env):
    env.update(AZURE_CLOUD_ENVIRONMENT='AzureUSGovernment')
    config = resolve_connection_config(params(subscription_id=SUB, cloud='public'), env)
    assert config.cloud == 'public'


def test_unknown_cloud_from_environment_names_the_option(env):
    env.update(AZURE_CLOUD_ENVIRONMENT='AzureGermanCloud')
    error = error_for(params(subscription_id=SUB), env)
    assert error.option == 'cloud'
    assert 'AzureGermanCloud' in str(error)


def test_custom_arm_endpoint(env, tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('pem')
    config = resolve_connection_config(params(
        subscription_id=SUB, tenant_id='t', client_id='c', client_secret='s',
        arm_endpoint='https://127.0.0.1:8443/', authority_host='https://127.0.0.1:8443', ca_bundle=str(ca)), env)
    assert config.cloud == 'custom'
    assert config.arm_endpoint == 'https://127.0.0.1:8443'
    assert config.credential_scope == 'https://127.0.0.1:8443/.default'
    assert config.authority_host == 'https://127.0.0.1:8443'
    assert config.disable_instance_discovery is True
    assert config.ca_bundle == str(ca)


def test_custom_endpoint_from_environment(env, tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('pem')
    env.update(AZURE_SUBSCRIPTION_ID=SUB, AZURE_ARM_ENDPOINT='https://localhost:9443', AZURE_AUTHORITY_HOST='localhost:9443',
               REQUESTS_CA_BUNDLE=str(ca))
    config = resolve_connection_config(params(), env)
    assert config.arm_endpoint == 'https://localhost:9443'
    assert config.authority_host == 'https://localhost:9443'
    assert config.ca_bundle == str(ca)


def test_custom_endpoint_requires_authority_host(env):
    error = error_for(params(subscription_id=SUB, arm_endpoint='https://127.0.0.1:8443'), env)
    assert error.option == 'authority_host'
    assert 'AZURE_AUTHORITY_HOST' in str(error)


@pytest.mark.parametrize('endpoint', ['http://127.0.0.1:8443', '127.0.0.1:8443', 'ftp://x'])
def test_arm_endpoint_must_be_https(env, endpoint):
    error = error_for(params(subscription_id=SUB, arm_endpoint=endpoint, authority_host='https://127.0.0.1'), env)
    assert error.option == 'arm_endpoint'
    assert 'https://' in str(error)


def test_http_authority_host_is_rejected(env):
    error = error_for(params(subscription_id=SUB, authority_host='http://login.example'), env)
    assert error.option == 'authority_host'


def test_unknown_authority_turns_off_instance_discovery(env):
    config = resolve_connection_config(params(subscription_id=SUB, authority_host='https://adfs.example.com/'), env)
    assert config.authority_host == 'https://adfs.example.com'
    assert config.disable_instance_discovery is True


# --- bad combinations ---------------------------------------------------------------------------

def test_secret_without_client_id_names_client_id(env):
    error = error_for(params(subscription_id=SUB, tenant_id='t', client_secret='s'), env)
    assert error.option == 'client_id'
    assert 'client_secret' in str(error)


def test_secret_without_tenant_names_tenant_id(env):
    error = error_for(params(subscription_id=SUB, client_id='c', client_secret='s'), env)
    assert error.option == 'tenant_id'
    assert 'AZURE_TENANT_ID' in str(error)


def test_certificate_password_without_certificate(env):
    error = error_for(params(subscription_id=SUB, tenant_id='t', client_id='c', client_certificate_password='pw'), env)
    assert error.option == 'client_certificate_path'


def test_missing_certificate_file(env, tmp_path):
    missing = str(tmp_path / 'nope.pem')
    error = error_for(params(subscription_id=SUB, tenant_id='t', client_id='c', client_certificate_path=missing), env)
    assert error.option == 'client_certificate_path'
    assert missing in str(error)


def test_missing_federated_token_file(env, tmp_path):
    error = error_for(params(auth_source='workload_identity', subscription_id=SUB, tenant_id='t', client_id='c',
                             federated_token_file=str(tmp_path / 'gone')), env)
    assert error.option == 'federated_token_file'


def test_missing_ca_bundle(env, tmp_path):
    error = error_for(params(subscription_id=SUB, ca_bundle=str(tmp_path / 'ca.pem')), env)
    assert error.option == 'ca_bundle'


def test_unknown_auth_source(env):
    error = error_for(params(subscription_id=SUB, auth_source='password'), env)
    assert error.option == 'auth_source'


@pytest.mark.parametrize('name, value', [('timeout', 0), ('api_retries', -1), ('api_retry_backoff_max', 0), ('polling_interval', 0)])
def test_numeric_bounds_name_the_option(env, name, value):
    error = error_for(params(subscription_id=SUB, **{name: value}), env)
    assert error.option == name


def test_retry_and_timeout_settings_are_carried(env):
    config = resolve_connection_config(params(subscription_id=SUB, timeout=60, api_retries=0, api_retry_backoff_max=7, polling_interval=2), env)
    assert (config.timeout, config.retry_total, config.retry_backoff_max, config.polling_interval) == (60, 0, 7, 2)


def test_repr_hides_secrets(env):
    config = resolve_connection_config(params(subscription_id=SUB, tenant_id='t', client_id='c', client_secret='hunter2'), env)
    assert 'hunter2' not in repr(config)


@pytest.mark.parametrize('value', ['not-a-uuid', '1234', '00000000-0000-0000-0000-00000000000g'])
def test_subscription_id_must_be_a_uuid(env, value):
    """Issue 11: a non-UUID subscription_id used to reach ARM and come back as 'resource group does not exist'."""
    error = error_for(params(subscription_id=value, tenant_id='t', client_id='c', client_secret='s'), env)
    assert error.option == 'subscription_id' and value in str(error)
