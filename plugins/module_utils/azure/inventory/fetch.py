# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's ARM reads (private to dockyard.azure): vm_info's constant-count query, per scope.

Scope: the whole subscription (3 listings: VMs with their instance view through statusOnly, NICs,
public IPs), or each resource group that include_resource_groups names (3 listings per group),
joined in memory by vm/query.py, the code vm_info runs. The SDK pagers follow nextLink pages and the
clients' retry policy (clients.py) retries 429 and 5xx answers, honouring Retry-After.

A named group Azure answers 404 or 403 for is skipped with a warning; failed authentication becomes
an AzureConfigError naming the option to fix (Entra ID's AADSTS code says which).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import (
    ENVIRONMENT_VARIABLES,
    AzureConfigError,
    AzureConnectionConfig,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.query import VmQuery

# Entra ID error codes of a token request, and the option that fixes each.
AADSTS_OPTIONS = {
    '7000215': 'client_secret',           # invalid client secret
    '7000222': 'client_secret',           # expired client secret
    '700016': 'client_id',                # application not found in the tenant
    '90002': 'tenant_id',                 # tenant not found
    '900023': 'tenant_id',                # tenant identifier is not valid
    '700027': 'client_certificate_path',  # certificate not registered / assertion signature
    '700023': 'client_certificate_path',
    '700024': 'federated_token_file',     # client assertion outside its time range
    '700212': 'federated_token_file',     # no matching federated identity record
}
UNREACHABLE = (403, 404)
_AADSTS = re.compile(r'AADSTS(\d+)')


def lazy_context(config: AzureConnectionConfig, build_credential: Callable[[AzureConnectionConfig], Any] | None = None,
                 build_client: Callable[[str, AzureConnectionConfig, Any], Any] | None = None) -> AzureContext:
    """An AzureContext whose credential and clients are built on first use, the way AzureModule builds them."""
    if build_credential is None or build_client is None:
        from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import build_client as client_builder
        from ansible_collections.dockyard.azure.plugins.module_utils.azure.credentials import build_credential as credential_builder
        build_credential = build_credential or credential_builder
        build_client = build_client or client_builder
    # azure-identity logs a failed token request at WARNING; without a handler Python prints it on stderr,
    # next to the one-line error the plugin gives.
    logging.getLogger('azure').addHandler(logging.NullHandler())
    made: dict[str, Any] = {}

    def client(name: str) -> Any:
        if 'credential' not in made:
            made['credential'] = build_credential(config)
        if name not in made:
            made[name] = build_client(name, config, made['credential'])
        return made[name]

    def no_wait(poller: Any, operation: str) -> Any:
        raise AssertionError('the inventory starts no long-running operation (%s)' % operation)

    return AzureContext(client_factory=client, wait=no_wait, subscription=lambda: config.subscription_id)


def origin(option: str) -> str:
    """'client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET)': where an option can be set."""
    variables = ENVIRONMENT_VARIABLES.get(option)
    return '%s (or %s)' % (option, ' / '.join(variables)) if variables else option


def entra_reason(message: str) -> str:
    """Entra ID's own words from a failed token request: from the AADSTS code to the trace details."""
    start = message.find('AADSTS')
    reason = message[start:] if start >= 0 else message
    return reason.split(' Trace ID:', 1)[0].strip()


def authentication_option(message: str) -> str | None:
    """The option a failed token request points at, from the AADSTS code in its message."""
    for code in _AADSTS.findall(message or ''):
        if code in AADSTS_OPTIONS:
            return AADSTS_OPTIONS[code]
    return None


@dataclass
class Fetched:
    """The VMs (vm_info's shape) of the scope, the warnings to show, the listings made."""

    vms: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    calls: int = 0


def fetch_vms(ctx: AzureContext, groups: list[str] | None) -> Fetched:
    """Every VM of the subscription (groups None) or of the named groups, joined with its NIC and public IP."""
    query = VmQuery(ctx)
    fetched = Fetched()
    try:
        if groups is None:
            fetched.vms = query.query()
        for group in groups or []:
            try:
                fetched.vms.extend(query.query(resource_group=group))
            except AzureModuleError as exc:
                if exc.extra.get('status_code') not in UNREACHABLE:
                    raise
                fetched.warnings.append("include_resource_groups: resource group '%s' skipped: %s" % (group, exc.msg))
    except AzureModuleError as exc:
        option = authentication_option(exc.msg)
        if option:
            raise AzureConfigError(option, 'Authentication failed, check %s: %s' % (origin(option), entra_reason(exc.msg))) from exc
        raise
    fetched.calls = query.calls
    return fetched
