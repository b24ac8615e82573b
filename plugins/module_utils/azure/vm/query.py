# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading VMs with their power state and addresses in a fixed number of calls (private to dockyard.azure; vm_info, docker_extension).

- one VM: virtual_machines.get($expand=instanceView), its primary NIC, its public IP: 3 calls.
- a resource group: virtual_machines.list($expand=instanceView), network_interfaces.list and
  public_ip_addresses.list of that group (plus one list per other group holding a NIC or public IP
  of these VMs): 3 calls for N VMs. If Azure refuses $expand on the group listing, the subscription
  listing with statusOnly=true (filtered to the group) is used instead: still one call.
- the subscription: virtual_machines.list_all(statusOnly=true), network_interfaces.list_all and
  public_ip_addresses.list_all: 3 calls for N VMs.
NICs and public IPs are joined to their VMs in memory. The listings go through the 'arm' client
(rest.py): ARM's JSON as it comes, page after page, with the SDK clients' retry policy, and without
the management SDKs' models, which cost seconds at fleet size (the inventory plugin lists hundreds
of VMs with this same code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    group_of,
    parse_resource_id,
    read_or_none,
    validate_resource_group_name,
    validate_resource_name,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.by_id import ResourcesById
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError, azure_operation
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import tags_match, validate_tag_filters
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import nic_addresses, primary_nic_id, vm_to_dict

# The api-versions of the three listings: available in every Azure cloud, with statusOnly and $expand.
COMPUTE_LIST_API = '2024-07-01'
NETWORK_LIST_API = '2024-05-01'


def _by_id(items: Iterable[RestDict]) -> dict[str, RestDict]:
    return {(item.get('id') or '').lower(): item for item in items if item}


def join_vms(vms: Iterable[RestDict], nics: Iterable[RestDict], public_ips: Iterable[RestDict]) -> list[dict[str, Any]]:
    """vm_to_dict of every VM with its primary NIC and that NIC's public IP found in the given lists."""
    nics_by_id, pips_by_id = _by_id(nics), _by_id(public_ips)
    result = []
    for vm in vms:
        nic = nics_by_id.get((primary_nic_id(vm) or '').lower())
        pip_id = nic_addresses(nic).public_ip_id
        result.append(vm_to_dict(vm, nic, pips_by_id.get((pip_id or '').lower())))
    return result


class VmQuery:
    """Reads VMs through the context's clients; `calls` counts the API calls it made."""

    def __init__(self, ctx: AzureContext) -> None:
        self.ctx = ctx
        self.calls = 0

    def _list(self, what: str, collection: str, resource_group: str | None, api_version: str, **params: str) -> list[RestDict]:
        """Every item of `collection` ('Microsoft.Compute/virtualMachines') in the subscription or a group."""
        self.calls += 1
        scope = '/subscriptions/%s' % quote(self.ctx.subscription_id, safe='')
        if resource_group is not None:
            scope += '/resourceGroups/%s' % quote(resource_group, safe='')
        with azure_operation('Could not list %s' % what):
            return list(self.ctx.client('arm').list('%s/providers/%s' % (scope, collection), api_version, **params))

    def _get(self, what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> RestDict | None:
        self.calls += 1
        return read_or_none(what, call, *args, **kwargs)

    def network_of(self, vm: RestDict) -> tuple[RestDict | None, RestDict | None]:
        """The primary NIC of `vm` and that NIC's public IP (REST dicts, None where there is none): 2 calls at most.

        Read by ID (by_id.py), so reading one VM never imports azure-mgmt-network.
        """
        by_id = ResourcesById(self.ctx)
        nic_id = primary_nic_id(vm)
        if not nic_id or not parse_resource_id(nic_id):
            return None, None
        self.calls += 1
        nic = by_id.get("network interface '%s'" % nic_id, nic_id)
        pip_id = nic_addresses(nic).public_ip_id
        if not pip_id or not parse_resource_id(pip_id):
            return nic, None
        self.calls += 1
        return nic, by_id.get("public IP '%s'" % pip_id, pip_id)

    def get_one(self, resource_group: str, name: str) -> list[dict[str, Any]]:
        compute = self.ctx.client('compute')
        vm = self._get("VM '%s'" % name, compute.virtual_machines.get, resource_group, name, expand='instanceView')
        if vm is None:
            return []
        nic, public_ip = self.network_of(vm)
        return [vm_to_dict(vm, nic, public_ip)]

    def list_vms(self, resource_group: str | None = None) -> list[RestDict]:
        """REST dicts of the VMs of a group (or the subscription), each with its instance view."""
        vms_type = 'Microsoft.Compute/virtualMachines'
        if resource_group is None:
            return self._list('the VMs of the subscription', vms_type, None, COMPUTE_LIST_API, statusOnly='true')
        try:
            return self._list("the VMs of resource group '%s'" % resource_group, vms_type, resource_group, COMPUTE_LIST_API,
                              **{'$expand': 'instanceView'})
        except AzureModuleError as exc:
            if exc.extra.get('status_code') != 400:
                raise
        vms = self._list('the VMs of the subscription', vms_type, None, COMPUTE_LIST_API, statusOnly='true')
        return [vm for vm in vms if group_of(vm.get('id')) == resource_group.lower()]

    def _network(self, vms: list[RestDict], resource_group: str | None) -> tuple[list[RestDict], list[RestDict]]:
        nics_type, pips_type = 'Microsoft.Network/networkInterfaces', 'Microsoft.Network/publicIPAddresses'
        if resource_group is None:
            nics = self._list('the network interfaces of the subscription', nics_type, None, NETWORK_LIST_API) if vms else []
            pips = self._list('the public IPs of the subscription', pips_type, None, NETWORK_LIST_API) if vms else []
            return nics, pips
        nic_groups = sorted({group for group in (group_of(primary_nic_id(vm)) for vm in vms) if group})
        nics = []
        for group in nic_groups:
            nics.extend(self._list("the network interfaces of resource group '%s'" % group, nics_type, group, NETWORK_LIST_API))
        wanted = {(primary_nic_id(vm) or '').lower() for vm in vms}
        pip_groups = set()
        for nic in nics:
            if (nic.get('id') or '').lower() not in wanted:
                continue
            pip_group = group_of(nic_addresses(nic).public_ip_id)
            if pip_group:
                pip_groups.add(pip_group)
        pips = []
        for group in sorted(pip_groups):
            pips.extend(self._list("the public IPs of resource group '%s'" % group, pips_type, group, NETWORK_LIST_API))
        return nics, pips

    def query(self, resource_group: str | None = None, name: str | None = None,
              tags: list[str] | None = None) -> list[dict[str, Any]]:
        """The vm_info result list: one VM by name, or all VMs of a group / the subscription, filtered by tags."""
        if name:
            vms = self.get_one(resource_group or '', name)
            return [vm for vm in vms if tags_match(vm['tags'], tags)]
        listed = [vm for vm in self.list_vms(resource_group) if tags_match(vm.get('tags'), tags)]
        nics, pips = self._network(listed, resource_group)
        return join_vms(listed, nics, pips)


class VmInfo:
    """The vm_info module: one VM by name, or the VMs of a group or the subscription, filtered by tags."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None:
        self.query = VmQuery(ctx)
        self.params = params

    def run(self) -> dict[str, Any]:
        if self.params.get('resource_group') is not None:
            validate_resource_group_name(self.params['resource_group'])
        if self.params.get('name') is not None:
            validate_resource_name(self.params['name'], 'name', 'VM')
        validate_tag_filters(self.params.get('tags'))
        vms = self.query.query(resource_group=self.params.get('resource_group'), name=self.params.get('name'),
                               tags=self.params.get('tags'))
        return dict(changed=False, vms=vms)
