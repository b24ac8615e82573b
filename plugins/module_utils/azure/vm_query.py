# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading VMs with their power state and addresses in a fixed number of calls (vm_info, inventory).

- one VM: virtual_machines.get($expand=instanceView), its primary NIC, its public IP: 3 calls.
- a resource group: virtual_machines.list($expand=instanceView), network_interfaces.list and
  public_ip_addresses.list of that group (plus one list per other group holding a NIC or public IP
  of these VMs): 3 calls for N VMs. If Azure refuses $expand on the group listing, the subscription
  listing with statusOnly=true (filtered to the group) is used instead: still one call.
- the subscription: virtual_machines.list_all(statusOnly=true), network_interfaces.list_all and
  public_ip_addresses.list_all: 3 calls for N VMs.
NICs and public IPs are joined to their VMs in memory.
"""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError, azure_operation
from ansible_collections.dockyard.azure.plugins.module_utils.azure.resource_groups import tags_match
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm_state import (
    nic_addresses,
    parse_resource_id,
    primary_nic_id,
    read_or_none,
    to_rest,
    vm_to_dict,
)


def _by_id(items):
    return {(item.get('id') or '').lower(): item for item in items if item}


def join_vms(vms, nics, public_ips):
    """vm_to_dict of every VM with its primary NIC and that NIC's public IP found in the given lists."""
    nics_by_id, pips_by_id = _by_id(nics), _by_id(public_ips)
    result = []
    for vm in vms:
        nic = nics_by_id.get((primary_nic_id(vm) or '').lower())
        dummy, pip_id, dummy2, dummy3 = nic_addresses(nic) if nic else (None, None, None, None)
        result.append(vm_to_dict(vm, nic, pips_by_id.get((pip_id or '').lower())))
    return result


def _group_of(resource_id):
    parsed = parse_resource_id(resource_id)
    return parsed['resource_group'].lower() if parsed else None


class VmQuery:
    """Reads VMs through a client factory ('compute', 'network' -> SDK client); counts its calls."""

    def __init__(self, client_factory):
        self._client_factory = client_factory
        self._clients = {}
        self.calls = 0

    def client(self, name):
        if name not in self._clients:
            self._clients[name] = self._client_factory(name)
        return self._clients[name]

    def _list(self, what, call, *args, **kwargs):
        self.calls += 1
        with azure_operation('Could not list %s' % what):
            return [to_rest(item) for item in call(*args, **kwargs)]

    def _get(self, what, call, *args, **kwargs):
        self.calls += 1
        return read_or_none(what, call, *args, **kwargs)

    def get_one(self, resource_group, name):
        compute, network = self.client('compute'), self.client('network')
        vm = self._get("VM '%s'" % name, compute.virtual_machines.get, resource_group, name, expand='instanceView')
        if vm is None:
            return []
        nic = None
        nic_id = primary_nic_id(vm)
        parsed = parse_resource_id(nic_id)
        if parsed:
            nic = self._get("network interface '%s'" % nic_id, network.network_interfaces.get, parsed['resource_group'], parsed['name'])
        public_ip = None
        if nic:
            dummy, pip_id, dummy2, dummy3 = nic_addresses(nic)
            parsed = parse_resource_id(pip_id)
            if parsed:
                public_ip = self._get("public IP '%s'" % pip_id, network.public_ip_addresses.get, parsed['resource_group'], parsed['name'])
        return [vm_to_dict(vm, nic, public_ip)]

    def list_vms(self, resource_group=None):
        """REST dicts of the VMs of a group (or the subscription), each with its instance view."""
        compute = self.client('compute')
        if resource_group is None:
            return self._list('the VMs of the subscription', compute.virtual_machines.list_all, status_only='true')
        try:
            return self._list("the VMs of resource group '%s'" % resource_group, compute.virtual_machines.list,
                              resource_group, expand='instanceView')
        except AzureModuleError as exc:
            if exc.extra.get('status_code') != 400:
                raise
        vms = self._list('the VMs of the subscription', compute.virtual_machines.list_all, status_only='true')
        return [vm for vm in vms if _group_of(vm.get('id')) == resource_group.lower()]

    def _network(self, vms, resource_group):
        network = self.client('network')
        if resource_group is None:
            nics = self._list('the network interfaces of the subscription', network.network_interfaces.list_all) if vms else []
            pips = self._list('the public IPs of the subscription', network.public_ip_addresses.list_all) if vms else []
            return nics, pips
        nic_groups = sorted({_group_of(primary_nic_id(vm)) for vm in vms} - {None})
        nics = []
        for group in nic_groups:
            nics.extend(self._list("the network interfaces of resource group '%s'" % group, network.network_interfaces.list, group))
        wanted = {(primary_nic_id(vm) or '').lower() for vm in vms}
        pip_groups = set()
        for nic in nics:
            if (nic.get('id') or '').lower() not in wanted:
                continue
            dummy, pip_id, dummy2, dummy3 = nic_addresses(nic)
            if pip_id:
                pip_groups.add(_group_of(pip_id))
        pips = []
        for group in sorted(pip_groups - {None}):
            pips.extend(self._list("the public IPs of resource group '%s'" % group, network.public_ip_addresses.list, group))
        return nics, pips

    def query(self, resource_group=None, name=None, tags=None):
        """The vm_info result list: one VM by name, or all VMs of a group / the subscription, filtered by tags."""
        if name:
            vms = self.get_one(resource_group, name)
            return [vm for vm in vms if tags_match(vm['tags'], tags)]
        vms = [vm for vm in self.list_vms(resource_group) if tags_match(vm.get('tags'), tags)]
        nics, pips = self._network(vms, resource_group)
        return join_vms(vms, nics, pips)
