# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure clouds and their endpoints (private to dockyard.azure). Pure data: no SDK import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AzureCloud:
    name: str
    arm_endpoint: str
    credential_scope: str
    authority_host: str


# Same values as azure.mgmt.core.tools.get_arm_endpoints and azure.identity.AzureAuthorityHosts;
# kept here so option resolution needs no SDK (US Government's token scope differs from its ARM host).
CLOUDS = {
    'public': AzureCloud(
        name='public',
        arm_endpoint='https://management.azure.com',
        credential_scope='https://management.azure.com/.default',
        authority_host='https://login.microsoftonline.com',
    ),
    'china': AzureCloud(
        name='china',
        arm_endpoint='https://management.chinacloudapi.cn',
        credential_scope='https://management.chinacloudapi.cn/.default',
        authority_host='https://login.chinacloudapi.cn',
    ),
    'usgovernment': AzureCloud(
        name='usgovernment',
        arm_endpoint='https://management.usgovcloudapi.net',
        credential_scope='https://management.core.usgovcloudapi.net/.default',
        authority_host='https://login.microsoftonline.us',
    ),
}

# Names used by the Azure CLI and azure.azcollection (AZURE_CLOUD_ENVIRONMENT), lower-cased.
CLOUD_ALIASES = {
    'public': 'public',
    'azurecloud': 'public',
    'azurepubliccloud': 'public',
    'china': 'china',
    'azurechinacloud': 'china',
    'usgovernment': 'usgovernment',
    'usgov': 'usgovernment',
    'azureusgovernment': 'usgovernment',
    'azureusgovernmentcloud': 'usgovernment',
}


def canonical_cloud_name(name: str | None) -> str | None:
    """Return the canonical cloud name for `name` (any known spelling), or None if unknown."""
    if name is None:
        return None
    return CLOUD_ALIASES.get(str(name).strip().lower().replace('_', '').replace('-', ''))
