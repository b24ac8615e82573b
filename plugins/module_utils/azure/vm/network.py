# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network of one VM, converged (private to dockyard.azure): reads, then the writes that bring it in line.

VmNetwork reads the VNet, subnet, NIC, public IP and NSG the desired network (network_spec.py)
names, creates or updates the ones the VM owns, and finds and deletes them for `state: absent`.
Every write goes through the run's ActionLog, so check mode plans exactly what a real run does.
Resources found with a deterministic name but without this VM's ownership tag are never taken over.

Concurrency, where Azure allows it: a new VM's network is read with its reads started together, and
the VNet (or subnet), the NSG and the public IP, which do not depend on each other, are written
together (ActionLog.apply_together); the NIC, which names all three, comes after them. Deletion: the
NIC first (it holds the others), then the public IP and the NSG together, then the VNet.

Calls go through azure-mgmt-resource's generic by-ID operations (by_id.py), not azure-mgmt-network.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    get_path,
    ids_equal,
    parse_resource_id,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.by_id import ResourcesById
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.actions import ActionLog, Write
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.inbound_rules import (
    InboundRule,
    describe_rules,
    rules_differ,
    rules_for_diff,
    rules_from_nsg,
    rules_sha256,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.network_spec import (
    KINDS,
    DesiredNetwork,
    ExistingNicNetwork,
    NicRef,
    NsgSpec,
    OwnedNetwork,
    PublicIpSpec,
    find_subnet,
    is_owned_by,
    nic_body,
    nic_differs,
    nsg_body,
    public_ip_body,
    public_ip_differs,
    subnet_body,
    vnet_body,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import RULES_TAG, nic_addresses
from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker

OwnedResources = dict[str, list[RestDict]]
"""Network kind ('nic', 'public_ip', 'nsg', 'vnet') -> the resources of that kind the VM owns."""

# inbound_rules_compare: 'tag' trusts the VM's RULES_TAG when it matches; 'full' always reads the NSG.
RULES_COMPARE_TAG = 'tag'
RULES_COMPARE_FULL = 'full'
MAX_CONCURRENT_READS = 8


class VmNetwork:
    """Reads and converges the network resources of VM `vm_name` (whose resource ID is `vm_id`)."""

    def __init__(self, ctx: AzureContext, log: ActionLog, resource_group: str, vm_name: str, vm_id: str,
                 rules_compare: str = RULES_COMPARE_TAG) -> None:
        self.ctx = ctx
        self.log = log
        self.resource_group = resource_group
        self.vm_name = vm_name
        self.vm_id = vm_id
        self.by_id = ResourcesById(ctx)
        self.rules_compare = rules_compare
        self.rules_hash: str | None = None
        """After prepare_for_create / converge: the RULES_TAG value the VM should carry (None: leave the tag as is)."""

    def get(self, kind: str, resource_id: str | None) -> RestDict | None:
        """The resource of `kind` with that ID as a REST dict; None if it does not exist (or this run deleted it)."""
        parsed = parse_resource_id(resource_id)
        if resource_id is None or not parsed or not parsed.name or self.log.deleted(resource_id):
            return None
        return self.by_id.get("%s '%s'" % (KINDS[kind].text, resource_id), resource_id)

    def get_many(self, wanted: Sequence[tuple[str, str | None]]) -> list[RestDict | None]:
        """get(kind, ID) of each (kind, ID) pair, in order; the reads run concurrently (a failed one re-raises, first wins)."""
        if len(wanted) < 2:
            return [self.get(kind, rid) for kind, rid in wanted]
        self.ctx.client('resource')  # built once, before the threads share it
        with ThreadPoolExecutor(max_workers=min(len(wanted), MAX_CONCURRENT_READS)) as pool:
            futures = [pool.submit(self.get, kind, rid) for kind, rid in wanted]
            return [future.result() for future in futures]

    def _owned_or_fail(self, resource: RestDict | None, kind: str, option_hint: str) -> RestDict | None:
        if resource is not None and not is_owned_by(resource, self.vm_id):
            raise AzureModuleError(
                "%s '%s' already exists but was not created for VM '%s' (no %s tag naming it). Use another VM name, or %s."
                % (kind, resource.get('name'), self.vm_name, 'dockyard-owned-by', option_hint))
        return resource

    def _apply(self, write: Write | None) -> RestDict | None:
        if write is None:
            return None
        return self.log.apply(write.action, write.rtype, write.name, write.rid, write.detail, write.call)

    # ------------------------------------------------------------------ a new VM

    def prepare_for_create(self, network: DesiredNetwork, location: str, zone: str | None) -> tuple[RestDict, RestDict | None]:
        """Read, plan and apply the network a new VM needs; returns its (NIC, public IP) as REST dicts."""
        if isinstance(network, ExistingNicNetwork):
            nic = self.get('nic', network.nic.id)
            if nic is None:
                raise AzureModuleError("network_interface: network interface '%s' does not exist in resource group '%s'."
                                       % (network.nic.name, network.nic.resource_group))
            attached = get_path(nic, 'properties', 'virtualMachine', 'id')
            if attached and not ids_equal(attached, self.vm_id):
                raise AzureModuleError("network_interface: network interface '%s' is attached to VM '%s' already."
                                       % (network.nic.name, attached))
            pip_id = nic_addresses(nic).public_ip_id
            return nic, (self.get('public_ip', pip_id) if pip_id else None)

        # A NIC, NSG or public IP may be left by a failed run or kept by a replace: reuse them, keeping what
        # the options leave unset (public_ip / inbound_rules not given). None of these reads needs another's answer.
        reads: list[tuple[str, str | None]] = [('vnet', network.vnet.id), ('nic', network.nic.id), ('nsg', network.nsg.id)]
        if network.public_ip.wanted:
            reads.append(('public_ip', network.public_ip.id))
        found = dict(zip((kind for kind, _rid in reads), self.get_many(reads)))
        nic = self._owned_or_fail(found['nic'], 'Network interface', 'pass it as network_interface')
        nsg = self._owned_or_fail(found['nsg'], 'Network security group', 'delete it')
        current_pip_id = nic_addresses(nic).public_ip_id if nic else None

        # Every check before the first write: the subnet's, the NSG's, the public IP's.
        subnet_write = self._subnet_write(found['vnet'], network, location)
        nsg_write = None
        if nsg is None or network.nsg.rules is not None:
            rules = network.nsg.rules if network.nsg.rules is not None else []
            nsg_write, nsg = self._nsg_write(nsg, network.nsg, location, rules)
            self.rules_hash = rules_sha256(network.nsg.id, rules)

        wanted = network.public_ip.wanted if network.public_ip.wanted is not None else current_pip_id is not None
        public_ip, pip_id, pip_write = None, None, None
        if wanted and current_pip_id and not ids_equal(current_pip_id, network.public_ip.id):
            public_ip, pip_id = self.get('public_ip', current_pip_id), current_pip_id  # not ours: keep as is
        elif wanted:
            existing = found['public_ip'] if 'public_ip' in found else self.get('public_ip', network.public_ip.id)
            existing = self._owned_or_fail(existing, 'Public IP address', 'delete it')
            pip_write, public_ip = self._public_ip_write(existing, network.public_ip, location, zone)
            pip_id = network.public_ip.id

        # The VNet (or subnet), the NSG and the public IP do not depend on each other: written together.
        planned = [subnet_write, nsg_write, pip_write]
        results = self.log.apply_together([write for write in planned if write is not None])
        written = iter(results)
        outcome = {index: next(written) for index, write in enumerate(planned) if write is not None}
        if pip_write is not None:
            public_ip = outcome[2] or public_ip

        nic = self._ensure_nic(nic, network.nic, location, network.subnet.id, pip_id, network.nsg.id)
        return nic, public_ip

    def _subnet_write(self, vnet: RestDict | None, network: OwnedNetwork, location: str) -> Write | None:
        """The write that creates the VNet (with the subnet) or the subnet when missing and their prefixes are known."""
        vnet_spec, subnet_spec = network.vnet, network.subnet
        if vnet is None:
            if not vnet_spec.prefixes:
                raise AzureModuleError(
                    "virtual_network: virtual network '%s' does not exist in resource group '%s'. Name an existing one, or "
                    "give virtual_network_address_prefixes to create it." % (vnet_spec.name, vnet_spec.resource_group))
            body = vnet_body(location, self.vm_id, vnet_spec.prefixes, subnet_spec.name, subnet_spec.prefix)
            return Write('create', 'virtual_network', vnet_spec.name, vnet_spec.id,
                         '%s, subnet %s (%s)' % (', '.join(vnet_spec.prefixes), subnet_spec.name, subnet_spec.prefix),
                         lambda: self.by_id.begin_put(vnet_spec.id, body))
        if find_subnet(vnet, subnet_spec.name) is None:
            if not subnet_spec.prefix:
                raise AzureModuleError(
                    "subnet: subnet '%s' does not exist in virtual network '%s'. Name an existing subnet, or give "
                    "subnet_address_prefix to create it." % (subnet_spec.name, vnet_spec.name))
            body = subnet_body(subnet_spec.name, subnet_spec.prefix)
            return Write('create', 'subnet', subnet_spec.name, subnet_spec.id, subnet_spec.prefix or '',
                         lambda: self.by_id.begin_put(subnet_spec.id, body))
        return None

    def _nsg_write(self, nsg: RestDict | None, spec: NsgSpec, location: str,
                   rules: list[InboundRule]) -> tuple[Write | None, RestDict]:
        """(the write, or None when the NSG has these rules already; the NSG as it will be)."""
        if nsg is not None and nsg.get('location'):
            location = nsg['location']
        body = nsg_body(location, self.vm_id, rules)
        failed = get_path(nsg, 'properties', 'provisioningState') == 'Failed'
        if nsg is None or failed or rules_differ(rules, rules_from_nsg(nsg)):
            write = Write('create' if nsg is None else 'update', 'network_security_group', spec.name, spec.id,
                          describe_rules(rules), lambda: self.by_id.begin_put(spec.id, body))
            return write, body
        return None, nsg

    def _public_ip_write(self, public_ip: RestDict | None, spec: PublicIpSpec, location: str,
                         zone: str | None) -> tuple[Write | None, RestDict]:
        """(the write, or None when the public IP is as wanted; the public IP as it will be)."""
        if public_ip is None:
            body = public_ip_body(location, self.vm_id, spec.dns_label, zone)
            return (Write('create', 'public_ip', spec.name, spec.id,
                          'Standard, static%s' % (', DNS label %s' % spec.dns_label if spec.dns_label else ''),
                          lambda: self.by_id.begin_put(spec.id, body)), dict(body, id=spec.id))
        failed = get_path(public_ip, 'properties', 'provisioningState') == 'Failed'
        if failed or (spec.dns_label is not None and public_ip_differs(spec.dns_label, public_ip)):
            body = copy.deepcopy(public_ip)
            props = body.setdefault('properties', {})
            if spec.dns_label is not None:
                props['dnsSettings'] = {'domainNameLabel': spec.dns_label}
            return Write('update', 'public_ip', spec.name, spec.id, 'DNS label %s' % spec.dns_label,
                         lambda: self.by_id.begin_put(spec.id, body)), body
        return None, public_ip

    def _ensure_public_ip(self, public_ip: RestDict | None, spec: PublicIpSpec, location: str, zone: str | None) -> RestDict:
        write, planned = self._public_ip_write(public_ip, spec, location, zone)
        return self._apply(write) or planned

    def _ensure_nsg(self, nsg: RestDict | None, spec: NsgSpec, location: str, rules: list[InboundRule]) -> RestDict:
        write, planned = self._nsg_write(nsg, spec, location, rules)
        return self._apply(write) or planned

    def _ensure_nic(self, nic: RestDict | None, ref: NicRef, location: str, subnet_id: str | None, public_ip_id: str | None,
                    nsg_id: str | None) -> RestDict:
        if nic is None:
            body = nic_body(location, self.vm_id, subnet_id or '', public_ip_id, nsg_id)
            return self.log.apply('create', 'network_interface', ref.name, ref.id,
                                  'subnet %s%s' % ((subnet_id or '').rsplit('/', 1)[-1], ', public IP' if public_ip_id else ''),
                                  lambda: self.by_id.begin_put(ref.id, body)) or dict(body, id=ref.id)
        differs = nic_differs(nic, subnet_id, public_ip_id, nsg_id)
        if get_path(nic, 'properties', 'provisioningState') == 'Failed':
            differs.append('provisioning state Failed')
        if not differs:
            return nic
        body = copy.deepcopy(nic)
        configs = get_path(body, 'properties', 'ipConfigurations', default=[])
        config = next((c for c in configs if get_path(c, 'properties', 'primary')), configs[0] if configs else None)
        if config is None:
            body = nic_body(location, self.vm_id, subnet_id or '', public_ip_id, nsg_id)
        else:
            props = config.setdefault('properties', {})
            props['subnet'] = {'id': subnet_id}
            if public_ip_id:
                props['publicIPAddress'] = {'id': public_ip_id}
            else:
                props.pop('publicIPAddress', None)
            body['properties']['networkSecurityGroup'] = {'id': nsg_id}
        return self.log.apply('update', 'network_interface', ref.name, ref.id, 'changes: %s' % ', '.join(differs),
                              lambda: self.by_id.begin_put(ref.id, body)) or body

    # ------------------------------------------------------------------ an existing VM

    def converge(self, vm: RestDict, nic: RestDict | None, nic_owned: bool, network: DesiredNetwork, zone: str | None,
                 tracker: DifferenceTracker) -> tuple[RestDict | None, RestDict | None]:
        """Bring an existing VM's owned NIC, public IP and NSG in line; returns (nic, public_ip) for the result."""
        addresses = nic_addresses(nic)
        pip_id, subnet_id, nsg_id = addresses.public_ip_id, addresses.subnet_id, addresses.nsg_id
        if isinstance(network, ExistingNicNetwork) or not nic_owned or nic is None:
            return nic, (self.get('public_ip', pip_id) if pip_id else None)
        location = vm.get('location') or ''
        pip_spec, nsg_spec = network.public_ip, network.nsg
        before_view: dict[str, Any] = {'public_ip': pip_id is not None}
        after_view: dict[str, Any] = {'public_ip': pip_id is not None if pip_spec.wanted is None else pip_spec.wanted}

        public_ip = self.get('public_ip', pip_id) if pip_id else None
        label_before = get_path(public_ip, 'properties', 'dnsSettings', 'domainNameLabel')
        new_pip_id = pip_id
        if pip_spec.wanted and public_ip is None:
            existing = self._owned_or_fail(self.get('public_ip', pip_spec.id), 'Public IP address', 'delete it')
            public_ip = self._ensure_public_ip(existing, pip_spec, location, zone)
            new_pip_id = pip_spec.id
        elif pip_spec.wanted and public_ip is not None:
            if is_owned_by(public_ip, self.vm_id):
                spec = replace(pip_spec, name=public_ip.get('name') or pip_spec.name, id=pip_id or pip_spec.id)
                public_ip = self._ensure_public_ip(public_ip, spec, location, None)
        elif pip_spec.wanted is False and pip_id:
            new_pip_id = None
        if pip_spec.dns_label is not None:
            before_view['dns_label'] = label_before
            after_view['dns_label'] = pip_spec.dns_label

        new_nsg_id = nsg_id
        if nsg_spec.rules is not None:
            wanted_hash = rules_sha256(nsg_spec.id, nsg_spec.rules)
            after_view['inbound_rules'] = rules_for_diff(nsg_spec.rules)
            if (self.rules_compare == RULES_COMPARE_TAG and ids_equal(nsg_id, nsg_spec.id)
                    and (vm.get('tags') or {}).get(RULES_TAG) == wanted_hash):
                # The VM's own GET says these rules were applied to the NSG its NIC uses: no NSG read. An edit of
                # the NSG outside this module is not seen this way; inbound_rules_compare=full reads it every run.
                before_view['inbound_rules'] = after_view['inbound_rules']
            else:
                nsg = self._owned_or_fail(self.get('nsg', nsg_spec.id), 'Network security group', 'delete it')
                before_view['inbound_rules'] = rules_for_diff(rules_from_nsg(nsg)) if nsg else []
                self._ensure_nsg(nsg, nsg_spec, location, nsg_spec.rules)
                self.rules_hash = wanted_hash
            new_nsg_id = nsg_spec.id
        for key in sorted(after_view):
            tracker.add('network.' + key, before_view.get(key), after_view[key])

        if not (ids_equal(new_pip_id, pip_id) and ids_equal(new_nsg_id, nsg_id)):
            ref = NicRef(self.resource_group, nic.get('name') or '', nic.get('id') or '')
            nic = self._ensure_nic(nic, ref, location, subnet_id, new_pip_id, new_nsg_id)
        if pip_id and new_pip_id is None:
            old = public_ip
            public_ip = None
            if is_owned_by(old, self.vm_id):
                self.delete('public_ip', pip_id, 'no longer wanted (public_ip=false)')
        return nic, public_ip

    def delete(self, kind: str, resource_id: str, detail: str, wait: bool = True) -> None:
        """Delete one network resource (recorded as an action)."""
        parsed = parse_resource_id(resource_id)
        if parsed is None:
            return
        self.log.apply('delete', KINDS[kind].action_type, parsed.name, resource_id, detail,
                       lambda: self.by_id.begin_delete(resource_id), wait=wait)

    # ------------------------------------------------------------------ absent

    def find_owned(self, vm: RestDict | None, network: DesiredNetwork) -> OwnedResources:
        """The NICs, public IPs, NSGs and VNets tagged as owned by this VM (deterministic names + what the VM uses)."""
        candidates: dict[str, list[str]] = {kind: [] for kind in KINDS}

        def add(kind: str, rid: str | None) -> None:
            if rid and not any(ids_equal(rid, known) for known in candidates[kind]):
                candidates[kind].append(rid)

        if vm:
            for item in get_path(vm, 'properties', 'networkProfile', 'networkInterfaces', default=[]):
                add('nic', item.get('id'))
        if isinstance(network, OwnedNetwork):
            add('nic', network.nic.id)
            add('public_ip', network.public_ip.id)
            add('nsg', network.nsg.id)
            add('vnet', network.vnet.id)
        owned: OwnedResources = {kind: [] for kind in KINDS}
        for nic in self.get_many([('nic', nic_id) for nic_id in candidates['nic']]):
            if nic is not None and is_owned_by(nic, self.vm_id):
                owned['nic'].append(nic)
                addresses = nic_addresses(nic)
                add('public_ip', addresses.public_ip_id)
                add('nsg', addresses.nsg_id)
                if addresses.subnet_id and parse_resource_id(addresses.subnet_id):
                    add('vnet', addresses.subnet_id.rsplit('/subnets/', 1)[0])
        others = [(kind, rid) for kind in ('public_ip', 'nsg', 'vnet') for rid in candidates[kind]]
        for (kind, _rid), resource in zip(others, self.get_many(others)):
            if resource is not None and is_owned_by(resource, self.vm_id):
                owned[kind].append(resource)
        deleted_nics = [nic['id'].lower() for nic in owned['nic']]
        for vnet in list(owned['vnet']):
            users = [config.get('id', '') for subnet in get_path(vnet, 'properties', 'subnets', default=[])
                     for config in get_path(subnet, 'properties', 'ipConfigurations', default=[])]
            foreign = [ref for ref in users if not any(ref.lower().startswith(nic + '/') for nic in deleted_nics)]
            if foreign:
                owned['vnet'].remove(vnet)
                self.ctx.warn("Virtual network '%s' was created for VM '%s' but is still used by %d other IP "
                              "configuration(s); it was kept." % (vnet.get('name'), self.vm_name, len(foreign)))
        return owned

    def delete_owned(self, owned: OwnedResources, wait: bool) -> None:
        """Delete what find_owned found: the NICs first (they hold the others), then the public IPs and NSGs together,
        then the VNets; only the VNet deletion may be left running without `wait`."""
        for resource in owned['nic']:
            self.delete('nic', resource['id'], 'owned by the VM')
        together = [self._delete_write(kind, resource['id'], 'owned by the VM')
                    for kind in ('public_ip', 'nsg') for resource in owned[kind]]
        self.log.apply_together([write for write in together if write is not None])
        for resource in owned['vnet']:
            self.delete('vnet', resource['id'], 'owned by the VM', wait=wait)

    def _delete_write(self, kind: str, resource_id: str, detail: str) -> Write | None:
        parsed = parse_resource_id(resource_id)
        if parsed is None:
            return None
        return Write('delete', KINDS[kind].action_type, parsed.name, resource_id, detail,
                     lambda: self.by_id.begin_delete(resource_id))


def network_view(network: DesiredNetwork) -> dict[str, Any]:
    """The network part of the diff's 'after' side for a new VM."""
    if isinstance(network, ExistingNicNetwork):
        return {'network_interface': network.nic.id}
    return {
        'subnet': network.subnet.id,
        'public_ip': bool(network.public_ip.wanted),
        'dns_label': network.public_ip.dns_label,
        'inbound_rules': rules_for_diff(network.nsg.rules or []),
    }


def network_options_set(params: Mapping[str, Any]) -> bool:
    """Whether any option that configures a module-owned network is set."""
    return any(params.get(option) is not None for option in ('public_ip', 'dns_label', 'inbound_rules', 'virtual_network', 'subnet'))
