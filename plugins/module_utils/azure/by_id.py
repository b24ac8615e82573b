# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read, write and delete an ARM resource by its ID (private to dockyard.azure).

Through azure-mgmt-resource's generic resource operations (``resources.get_by_id``,
``begin_create_or_update_by_id``, ``begin_delete_by_id``): the same REST calls as a provider's own
SDK (the same URL, the same ARM long-running-operation handling by azure-mgmt-core's ARMPolling),
with the api-version chosen here per provider. Why not azure-mgmt-network for the network of a VM:
its releases (33 and every TypeSpec release) are single-API packages whose 200-odd operation groups
live in one module that imports the whole models package, so a NIC GET costs about a third of a
`vm` run's import time and memory; azure.mgmt.resource.resources is about a tenth of that.
Listings (the constant-count queries of vm_info and the vms inventory) go through the 'arm' client
(rest.py: ARM's JSON through azure-mgmt-core's pipeline), not the generic listing, which does not
return properties.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import RestDict, parse_resource_id, read_or_none
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext

# Provider namespace (lower case) -> the api-version used for its resources. A version every Azure
# cloud offers (the sovereign clouds lag behind the public one), holding every property the
# collection writes.
API_VERSIONS = {
    'microsoft.network': '2024-05-01',
}


def api_version_for(resource_id: str) -> str:
    """The api-version for the resource `resource_id` names; ValueError for a provider not in API_VERSIONS."""
    parsed = parse_resource_id(resource_id)
    namespace = (parsed.namespace or '').lower() if parsed else ''
    if namespace not in API_VERSIONS:
        raise ValueError('No api-version for %r (known providers: %s)' % (resource_id, ', '.join(sorted(API_VERSIONS))))
    return API_VERSIONS[namespace]


class ResourcesById:
    """GET, PUT and DELETE of resources by ID through the context's 'resource' client."""

    def __init__(self, ctx: AzureContext) -> None:
        self.ctx = ctx

    @property
    def _operations(self) -> Any:
        return self.ctx.client('resource').resources

    def get(self, what: str, resource_id: str) -> RestDict | None:
        """The resource as a REST dict; None when Azure answers 404. Other errors: 'Could not read <what>: ...'."""
        return read_or_none(what, self._operations.get_by_id, resource_id, api_version=api_version_for(resource_id))

    def begin_put(self, resource_id: str, body: RestDict) -> Any:
        """Start a create-or-update (a poller): `body` is the REST JSON of the resource."""
        return self._operations.begin_create_or_update_by_id(resource_id, body, api_version=api_version_for(resource_id))

    def begin_delete(self, resource_id: str) -> Any:
        """Start a deletion (a poller)."""
        return self._operations.begin_delete_by_id(resource_id, api_version=api_version_for(resource_id))
