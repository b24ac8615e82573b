# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Common Azure options and their resolution into one connection config (private to dockyard.azure).

Everything here is pure (module params + environment mapping in, AzureConnectionConfig out)
and imports no SDK, so it is unit-testable and modules start fast.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.dockyard.azure.plugins.module_utils.azure.clouds import CLOUDS, canonical_cloud_name
from ansible_collections.dockyard.azure.plugins.module_utils.errors import DockyardError

AUTH_SOURCES = ('auto', 'env', 'service_principal', 'workload_identity', 'managed_identity', 'cli')

# Credential kinds a resolved config can carry (what credentials.build_credential builds).
KIND_CLIENT_SECRET = 'client_secret'
KIND_CLIENT_CERTIFICATE = 'client_certificate'
KIND_WORKLOAD_IDENTITY = 'workload_identity'
KIND_MANAGED_IDENTITY = 'managed_identity'
KIND_CLI = 'cli'
KIND_DEFAULT_CHAIN = 'default_chain'

DEFAULT_TIMEOUT = 1800
# What Azure accepts as a subscription ID (a GUID, any case).
SUBSCRIPTION_ID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
DEFAULT_API_RETRIES = 5
DEFAULT_API_RETRY_BACKOFF_MAX = 60

# Options merged into every Azure module's argument spec. No env_fallback here on purpose:
# environment lookups happen in resolve_connection_config, which also knows the
# azure.azcollection spellings and keeps "option beats environment" in one place.
AZURE_COMMON_ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    auth_source=dict(type='str', default='auto', choices=list(AUTH_SOURCES)),
    subscription_id=dict(type='str'),
    tenant_id=dict(type='str'),
    client_id=dict(type='str'),
    client_secret=dict(type='str', no_log=True),
    client_certificate_path=dict(type='path'),
    client_certificate_password=dict(type='str', no_log=True),
    federated_token_file=dict(type='path'),
    managed_identity_client_id=dict(type='str'),
    cloud=dict(type='str', choices=['public', 'china', 'usgovernment']),
    arm_endpoint=dict(type='str'),
    authority_host=dict(type='str'),
    ca_bundle=dict(type='path'),
    timeout=dict(type='int', default=DEFAULT_TIMEOUT),
    api_retries=dict(type='int', default=DEFAULT_API_RETRIES),
    api_retry_backoff_max=dict(type='int', default=DEFAULT_API_RETRY_BACKOFF_MAX),
    polling_interval=dict(type='int'),
)

# Environment variables per option, first match wins. The azure-identity names come first,
# then azure.azcollection's (AZURE_SECRET, AZURE_TENANT, AZURE_CLOUD_ENVIRONMENT).
ENVIRONMENT_VARIABLES = {
    'subscription_id': ('AZURE_SUBSCRIPTION_ID',),
    'tenant_id': ('AZURE_TENANT_ID', 'AZURE_TENANT'),
    'client_id': ('AZURE_CLIENT_ID',),
    'client_secret': ('AZURE_CLIENT_SECRET', 'AZURE_SECRET'),
    'client_certificate_path': ('AZURE_CLIENT_CERTIFICATE_PATH',),
    'client_certificate_password': ('AZURE_CLIENT_CERTIFICATE_PASSWORD',),
    'federated_token_file': ('AZURE_FEDERATED_TOKEN_FILE',),
    'cloud': ('AZURE_CLOUD_ENVIRONMENT',),
    'arm_endpoint': ('AZURE_ARM_ENDPOINT',),
    'authority_host': ('AZURE_AUTHORITY_HOST',),
    'ca_bundle': ('REQUESTS_CA_BUNDLE',),
}

# Options that only describe credentials: with auth_source=env they come from the environment alone.
CREDENTIAL_OPTIONS = (
    'tenant_id', 'client_id', 'client_secret', 'client_certificate_path',
    'client_certificate_password', 'federated_token_file',
)

SECRET_OPTIONS = ('client_secret', 'client_certificate_password')


class AzureConfigError(DockyardError):
    """Bad or incomplete Azure options; raised before any API call. `option` names the culprit."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message, option=option)


@dataclass
class AzureConnectionConfig:
    """Everything needed to build a credential and SDK clients, already validated."""

    credential_kind: str
    subscription_id: str
    cloud: str
    arm_endpoint: str
    credential_scope: str
    authority_host: str
    disable_instance_discovery: bool = False
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    client_certificate_path: str | None = None
    client_certificate_password: str | None = field(default=None, repr=False)
    federated_token_file: str | None = None
    managed_identity_client_id: str | None = None
    ca_bundle: str | None = None
    timeout: int = DEFAULT_TIMEOUT
    retry_total: int = DEFAULT_API_RETRIES
    retry_backoff_max: int = DEFAULT_API_RETRY_BACKOFF_MAX
    polling_interval: int | None = None
    # option name -> 'option' or the environment variable it came from (for error messages/debug)
    sources: dict = field(default_factory=dict)

    @property
    def secrets(self) -> list[str]:
        """Secret values, so the module can mask them even when they came from the environment."""
        return [value for value in (self.client_secret, self.client_certificate_password) if value]


class _OptionReader:
    """Reads an option from module params first, then from its environment variables."""

    def __init__(self, params, environ):
        self.params = params or {}
        self.environ = environ if environ is not None else {}
        self.sources = {}

    def get(self, name, from_options=True):
        value = self.params.get(name) if from_options else None
        if value not in (None, ''):
            self.sources[name] = 'option'
            return value
        for variable in ENVIRONMENT_VARIABLES.get(name, ()):
            value = self.environ.get(variable)
            if value not in (None, ''):
                self.sources[name] = variable
                return value
        return None

    def origin(self, name):
        """How to set `name`, for error messages: 'client_id (or AZURE_CLIENT_ID)'."""
        variables = ENVIRONMENT_VARIABLES.get(name)
        if variables:
            return '%s (or %s)' % (name, ' / '.join(variables))
        return name


def _normalize_https_url(option, value):
    if '://' not in value:
        value = 'https://' + value
    parts = urlsplit(value)
    if parts.scheme.lower() != 'https' or not parts.netloc:
        raise AzureConfigError(option, '%s must be an https:// URL, got %r.' % (option, value))
    return value.rstrip('/')


def _require_file(reader, option, path):
    if not os.path.isfile(path):
        raise AzureConfigError(option, '%s: file %s does not exist or is not a regular file.' % (reader.origin(option), path))


def cli_default_subscription(environ):
    """The subscription `az login` marked as default, or None. Reads the CLI's profile file only."""
    config_dir = environ.get('AZURE_CONFIG_DIR') or os.path.join(os.path.expanduser('~'), '.azure')
    try:
        # The CLI writes this file with a UTF-8 BOM.
        with open(os.path.join(config_dir, 'azureProfile.json'), encoding='utf-8-sig') as profile_file:
            profile = json.load(profile_file)
    except (OSError, ValueError):
        return None
    for subscription in profile.get('subscriptions') or []:
        if subscription.get('isDefault'):
            return subscription.get('id')
    return None


def _resolve_endpoints(reader):
    """Cloud, ARM endpoint, token scope, authority and whether to skip instance discovery."""
    raw_cloud = reader.get('cloud')
    cloud_name = canonical_cloud_name(raw_cloud) if raw_cloud else 'public'
    if cloud_name is None:
        raise AzureConfigError(
            'cloud', 'Unknown cloud %r from %s: use one of public, china, usgovernment '
            '(or AzureCloud, AzureChinaCloud, AzureUSGovernment).' % (raw_cloud, reader.origin('cloud')))
    cloud = CLOUDS[cloud_name]

    raw_authority = reader.get('authority_host')
    authority = _normalize_https_url('authority_host', raw_authority) if raw_authority else None

    raw_endpoint = reader.get('arm_endpoint')
    if raw_endpoint:
        if '://' not in raw_endpoint or not raw_endpoint.lower().startswith('https://'):
            raise AzureConfigError(
                'arm_endpoint', 'arm_endpoint must be an https:// URL (the SDK sends bearer tokens over TLS only), got %r.' % raw_endpoint)
        endpoint = _normalize_https_url('arm_endpoint', raw_endpoint)
        if not authority:
            raise AzureConfigError(
                'authority_host', 'authority_host (or AZURE_AUTHORITY_HOST) is required with a custom arm_endpoint: '
                'set it to the token service that issues tokens for %s.' % endpoint)
        # A custom endpoint has no public instance metadata: MSAL must trust the authority as given.
        return 'custom', endpoint, endpoint + '/.default', authority, True

    known_authorities = {c.authority_host for c in CLOUDS.values()}
    authority = authority or cloud.authority_host
    return cloud.name, cloud.arm_endpoint, cloud.credential_scope, authority, authority not in known_authorities


def _check_service_principal_parts(reader, values):
    """Fail with the missing option's name when some, but not all, service principal parts are set."""
    material = [name for name in ('client_secret', 'client_certificate_path', 'federated_token_file') if values.get(name)]
    for name in material:
        for needed in ('client_id', 'tenant_id'):
            if not values.get(needed):
                raise AzureConfigError(
                    needed, '%s is set but %s is missing: set %s.' % (name, needed, reader.origin(needed)))
    if values.get('client_certificate_password') and not values.get('client_certificate_path'):
        raise AzureConfigError(
            'client_certificate_path', 'client_certificate_password is set but client_certificate_path is missing: set %s.'
            % reader.origin('client_certificate_path'))


def _pick_secret_or_certificate(reader, values):
    """Return 'client_secret', 'client_certificate_path' or None; an option beats the environment."""
    has_secret = bool(values.get('client_secret'))
    has_cert = bool(values.get('client_certificate_path'))
    if has_secret and has_cert:
        secret_from_option = reader.sources.get('client_secret') == 'option'
        cert_from_option = reader.sources.get('client_certificate_path') == 'option'
        if secret_from_option == cert_from_option:
            raise AzureConfigError(
                'client_secret', 'client_secret and client_certificate_path are mutually exclusive: set only one of them.')
        return 'client_secret' if secret_from_option else 'client_certificate_path'
    if has_secret:
        return 'client_secret'
    if has_cert:
        return 'client_certificate_path'
    return None


def _positive_int(params, name, minimum):
    value = params.get(name)
    if value is None:
        return None
    if value < minimum:
        raise AzureConfigError(name, '%s must be >= %d, got %d.' % (name, minimum, value))
    return value


def resolve_connection_config(params: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> AzureConnectionConfig:
    """Resolve module params plus environment into an AzureConnectionConfig.

    auth_source=auto picks, in order: a service principal with a client secret or certificate
    (from options or environment), workload identity (federated token file), then azure-identity's
    chain of environment credential -> managed identity -> Azure CLI.
    Raises AzureConfigError naming the offending option.
    """
    environ = os.environ if environ is None else environ
    params = params or {}
    reader = _OptionReader(params, environ)
    auth_source = params.get('auth_source') or 'auto'
    if auth_source not in AUTH_SOURCES:
        raise AzureConfigError('auth_source', 'Unknown auth_source %r: use one of %s.' % (auth_source, ', '.join(AUTH_SOURCES)))

    cloud, arm_endpoint, scope, authority, disable_discovery = _resolve_endpoints(reader)

    # auth_source=env ignores the credential options: the point is "take it from the environment".
    from_options = auth_source != 'env'
    values = {name: reader.get(name, from_options=from_options) for name in CREDENTIAL_OPTIONS}
    values['managed_identity_client_id'] = params.get('managed_identity_client_id')
    if auth_source not in ('managed_identity', 'cli'):
        _check_service_principal_parts(reader, values)
    sp_material = _pick_secret_or_certificate(reader, values)
    has_federated = bool(values.get('federated_token_file'))

    if auth_source in ('auto', 'env'):
        if sp_material == 'client_secret':
            kind = KIND_CLIENT_SECRET
        elif sp_material == 'client_certificate_path':
            kind = KIND_CLIENT_CERTIFICATE
        elif has_federated:
            kind = KIND_WORKLOAD_IDENTITY
        elif auth_source == 'env':
            raise AzureConfigError(
                'auth_source', 'auth_source=env found no credentials in the environment: set AZURE_CLIENT_ID and AZURE_TENANT_ID '
                'with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE.')
        else:
            kind = KIND_DEFAULT_CHAIN
    elif auth_source == 'service_principal':
        if sp_material is None:
            for needed in ('client_id', 'tenant_id'):
                if not values.get(needed):
                    raise AzureConfigError(needed, 'auth_source=service_principal needs %s.' % reader.origin(needed))
            raise AzureConfigError(
                'client_secret', 'auth_source=service_principal needs %s or %s.'
                % (reader.origin('client_secret'), reader.origin('client_certificate_path')))
        kind = KIND_CLIENT_SECRET if sp_material == 'client_secret' else KIND_CLIENT_CERTIFICATE
    elif auth_source == 'workload_identity':
        for needed in ('client_id', 'tenant_id', 'federated_token_file'):
            if not values.get(needed):
                raise AzureConfigError(needed, 'auth_source=workload_identity needs %s.' % reader.origin(needed))
        kind = KIND_WORKLOAD_IDENTITY
    elif auth_source == 'managed_identity':
        kind = KIND_MANAGED_IDENTITY
    else:
        kind = KIND_CLI

    if kind == KIND_CLIENT_CERTIFICATE:
        _require_file(reader, 'client_certificate_path', values['client_certificate_path'])
    if kind == KIND_WORKLOAD_IDENTITY:
        _require_file(reader, 'federated_token_file', values['federated_token_file'])

    ca_bundle = reader.get('ca_bundle')
    if ca_bundle:
        _require_file(reader, 'ca_bundle', ca_bundle)

    subscription_id = reader.get('subscription_id')
    if not subscription_id and kind in (KIND_CLI, KIND_DEFAULT_CHAIN):
        subscription_id = cli_default_subscription(environ)
        if subscription_id:
            reader.sources['subscription_id'] = 'azure cli profile'
    if not subscription_id:
        raise AzureConfigError('subscription_id', 'subscription_id is required: set %s.' % reader.origin('subscription_id'))
    if not SUBSCRIPTION_ID.match(str(subscription_id)):
        # Azure answers a malformed ID with a 404 that reads like a missing resource group: say it here.
        raise AzureConfigError('subscription_id', "subscription_id '%s' (from %s) is not a subscription ID: Azure subscription "
                               "IDs are UUIDs such as 00000000-0000-0000-0000-000000000000."
                               % (subscription_id, reader.sources.get('subscription_id') or reader.origin('subscription_id')))

    timeout = _positive_int(params, 'timeout', 1)
    retries = _positive_int(params, 'api_retries', 0)
    backoff_max = _positive_int(params, 'api_retry_backoff_max', 1)
    polling_interval = _positive_int(params, 'polling_interval', 1)

    # Keep only the credential material that the chosen kind uses, so nothing unused gets passed on.
    keep_secret = kind == KIND_CLIENT_SECRET
    keep_cert = kind == KIND_CLIENT_CERTIFICATE
    managed_identity_client_id = values['managed_identity_client_id']
    if kind == KIND_MANAGED_IDENTITY and not managed_identity_client_id:
        # Like DefaultAzureCredential: a client ID (option or AZURE_CLIENT_ID) picks a user-assigned identity.
        managed_identity_client_id = values['client_id']

    return AzureConnectionConfig(
        credential_kind=kind,
        subscription_id=subscription_id,
        cloud=cloud,
        arm_endpoint=arm_endpoint,
        credential_scope=scope,
        authority_host=authority,
        disable_instance_discovery=disable_discovery,
        tenant_id=values['tenant_id'],
        client_id=values['client_id'],
        client_secret=values['client_secret'] if keep_secret else None,
        client_certificate_path=values['client_certificate_path'] if keep_cert else None,
        client_certificate_password=values['client_certificate_password'] if keep_cert else None,
        federated_token_file=values['federated_token_file'] if kind == KIND_WORKLOAD_IDENTITY else None,
        managed_identity_client_id=managed_identity_client_id,
        ca_bundle=ca_bundle,
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        retry_total=retries if retries is not None else DEFAULT_API_RETRIES,
        retry_backoff_max=backoff_max if backoff_max is not None else DEFAULT_API_RETRY_BACKOFF_MAX,
        polling_interval=polling_interval,
        sources=dict(reader.sources),
    )
