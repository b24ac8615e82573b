# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lazy import and construction of Azure management SDK clients (private to dockyard.azure).

Each module imports only the SDK package of the clients it asks for, when it asks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# rest.py imports no SDK itself; importing it by name makes Ansible ship it with every module that builds
# clients (AnsiballZ bundles the module_utils a module imports, and CLIENTS names 'arm' by a string).
from ansible_collections.dockyard.azure.plugins.module_utils.azure import rest as _rest  # noqa: F401  pylint: disable=unused-import
from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AzureConnectionConfig
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import MissingAzureLibrary

USER_AGENT = 'ansible-dockyard.azure'

# client name -> (pip package, candidate (module path, class name) in the order to try).
# azure-mgmt-resource 24+ moved the resources client to a subpackage; older SDKs keep it on top.
CLIENTS = {
    'resource': ('azure-mgmt-resource', (
        ('azure.mgmt.resource.resources', 'ResourceManagementClient'),
        ('azure.mgmt.resource', 'ResourceManagementClient'),
    )),
    'network': ('azure-mgmt-network', (
        ('azure.mgmt.network', 'NetworkManagementClient'),
    )),
    'compute': ('azure-mgmt-compute', (
        ('azure.mgmt.compute', 'ComputeManagementClient'),
    )),
    'containerregistry': ('azure-mgmt-containerregistry', (
        ('azure.mgmt.containerregistry', 'ContainerRegistryManagementClient'),
    )),
    # Plain ARM REST reads (JSON in and out) through the same pipeline policies: listings at fleet size.
    'arm': ('azure-mgmt-core', (
        ('ansible_collections.dockyard.azure.plugins.module_utils.azure.rest', 'ArmRestClient'),
    )),
    # Template deployments left azure-mgmt-resource in 26 for their own package; older azure-mgmt-resource
    # releases serve them from the top-level client (.deployments, .deployment_operations).
    'deployments': ('azure-mgmt-resource-deployments', (
        ('azure.mgmt.resource.deployments', 'DeploymentsMgmtClient'),
        ('azure.mgmt.resource', 'ResourceManagementClient'),
    )),
}


def import_client_class(name: str, import_module: Callable[[str], Any] = importlib.import_module) -> Any:
    """Return the SDK client class registered as `name`; MissingAzureLibrary if its package is absent."""
    if name not in CLIENTS:
        raise ValueError('Unknown Azure client %r; known: %s' % (name, ', '.join(sorted(CLIENTS))))
    package, candidates = CLIENTS[name]
    last_error = None
    for module_path, class_name in candidates:
        try:
            return getattr(import_module(module_path), class_name)
        except (ImportError, AttributeError) as exc:
            last_error = exc
    raise MissingAzureLibrary(package, last_error)


def client_kwargs(config: AzureConnectionConfig) -> dict[str, Any]:
    """Keyword arguments for any ARM management client: endpoint, token scope, retries, TLS, polling."""
    kwargs = dict(
        base_url=config.arm_endpoint,
        credential_scopes=[config.credential_scope],
        user_agent=USER_AGENT,
        # azure-core's RetryPolicy: retries 408/429/500/502/503/504 and connection/read errors,
        # honours Retry-After, exponential backoff capped at retry_backoff_max.
        retry_total=config.retry_total,
        retry_connect=config.retry_total,
        retry_read=config.retry_total,
        retry_status=config.retry_total,
        retry_backoff_max=config.retry_backoff_max,
    )
    if config.ca_bundle:
        kwargs['connection_verify'] = config.ca_bundle
    if config.polling_interval:
        kwargs['polling_interval'] = config.polling_interval
    return kwargs


def build_client(name: str, config: AzureConnectionConfig, credential: Any,
                 import_module: Callable[[str], Any] = importlib.import_module) -> Any:
    """Construct the named management client for config's subscription and endpoint."""
    client_class = import_client_class(name, import_module=import_module)
    return client_class(credential, config.subscription_id, **client_kwargs(config))
