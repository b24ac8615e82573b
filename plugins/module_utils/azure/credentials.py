# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build an azure-identity credential from a resolved AzureConnectionConfig (private to dockyard.azure).

azure.identity is imported inside build_credential, so modules that never reach Azure
(argument errors, check of missing libraries) do not pay for the import.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure import auth
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureConfigError, MissingAzureLibrary


def _identity_module():
    try:
        from azure import identity  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise MissingAzureLibrary('azure-identity', exc) from exc
    return identity


def credential_kwargs(config):
    """Keyword arguments shared by the MSAL-based credentials (secret, certificate, workload identity)."""
    kwargs = {'authority': config.authority_host}
    if config.disable_instance_discovery:
        kwargs['disable_instance_discovery'] = True
    if config.ca_bundle:
        kwargs['connection_verify'] = config.ca_bundle
    return kwargs


def _transport_kwargs(config):
    return {'connection_verify': config.ca_bundle} if config.ca_bundle else {}


def build_credential(config: auth.AzureConnectionConfig, identity: Any = None) -> Any:
    """Return a TokenCredential for config.credential_kind. `identity` lets tests pass a fake azure.identity."""
    identity = identity or _identity_module()
    kind = config.credential_kind
    try:
        if kind == auth.KIND_CLIENT_SECRET:
            return identity.ClientSecretCredential(config.tenant_id, config.client_id, config.client_secret, **credential_kwargs(config))
        if kind == auth.KIND_CLIENT_CERTIFICATE:
            return identity.CertificateCredential(
                config.tenant_id, config.client_id, certificate_path=config.client_certificate_path,
                password=config.client_certificate_password, **credential_kwargs(config))
        if kind == auth.KIND_WORKLOAD_IDENTITY:
            return identity.WorkloadIdentityCredential(
                tenant_id=config.tenant_id, client_id=config.client_id, token_file_path=config.federated_token_file,
                **credential_kwargs(config))
        if kind == auth.KIND_MANAGED_IDENTITY:
            return identity.ManagedIdentityCredential(client_id=config.managed_identity_client_id, **_transport_kwargs(config))
        if kind == auth.KIND_CLI:
            return identity.AzureCliCredential(tenant_id=config.tenant_id or '')
        if kind == auth.KIND_DEFAULT_CHAIN:
            # azure-identity's order for unattended use: environment, then managed identity, then a CLI login.
            environment_kwargs = credential_kwargs(config)
            return identity.ChainedTokenCredential(
                identity.EnvironmentCredential(**environment_kwargs),
                identity.ManagedIdentityCredential(client_id=config.managed_identity_client_id, **_transport_kwargs(config)),
                identity.AzureCliCredential(tenant_id=config.tenant_id or ''),
            )
    except ValueError as exc:
        # azure-identity validates tenant ids and certificates in constructors.
        option = 'client_certificate_path' if kind == auth.KIND_CLIENT_CERTIFICATE and 'tenant' not in str(exc).lower() else 'tenant_id'
        raise AzureConfigError(option, 'Invalid %s for %s authentication: %s' % (option, kind, ' '.join(str(exc).split()))) from exc
    raise AzureConfigError('auth_source', 'Unsupported credential kind %r.' % kind)
