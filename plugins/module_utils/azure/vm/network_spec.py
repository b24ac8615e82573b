# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network a VM should have (private to dockyard.azure): desired state from the options, request bodies. Pure.

The module owns at most a NIC `<vm>-nic`, a public IP `<vm>-pip`, an NSG `<vm>-nsg` and a VNet it had
to create; each carries the tag OWNER_TAG = <VM resource ID>, which is what `state: absent` deletes by.
Request bodies are REST-shaped dicts; comparisons look only at the properties the module manages.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Union

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    get_path,
    ids_equal,
    lower,
    make_resource_id,
    parse_resource_id,
    validate_resource_name,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.inbound_rules import (
    InboundRule,
    normalize_inbound_rules,
    rule_body,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import OWNER_TAG, nic_addresses

DEFAULT_VNET_PREFIX = '10.0.0.0/16'
DEFAULT_SUBNET_PREFIX = '10.0.0.0/24'
DEFAULT_SUBNET = 'default'
IP_CONFIGURATION = 'ipconfig1'
_DNS_LABEL_RE = re.compile(r'^[a-z][a-z0-9-]{1,61}[a-z0-9]$')

NSG_TYPE = 'Microsoft.Network/networkSecurityGroups'
PIP_TYPE = 'Microsoft.Network/publicIPAddresses'
NIC_TYPE = 'Microsoft.Network/networkInterfaces'
VNET_TYPE = 'Microsoft.Network/virtualNetworks'


class NetworkKind(NamedTuple):
    """A kind of network resource the module owns: its name in actions, in messages."""

    action_type: str
    text: str


# Ordered as `state: absent` deletes them: the NIC first (it holds the others), the VNet last.
KINDS = {
    'nic': NetworkKind('network_interface', 'nic'),
    'public_ip': NetworkKind('public_ip', 'public ip'),
    'nsg': NetworkKind('network_security_group', 'nsg'),
    'vnet': NetworkKind('virtual_network', 'vnet'),
}


@dataclass(frozen=True)
class NicRef:
    """A network interface by resource group, name and ID."""

    resource_group: str
    name: str
    id: str


@dataclass(frozen=True)
class VnetSpec:
    resource_group: str
    name: str
    id: str
    prefixes: list[str] | None
    """The address prefixes to create it with; None: it must exist."""


@dataclass(frozen=True)
class SubnetSpec:
    name: str
    id: str
    prefix: str | None
    """The address prefix to create it with; None: it must exist."""


@dataclass(frozen=True)
class PublicIpSpec:
    name: str
    id: str
    wanted: bool | None
    """True/False from the public_ip option; None keeps what an existing VM has (a new VM gets none)."""
    dns_label: str | None


@dataclass(frozen=True)
class NsgSpec:
    name: str
    id: str
    rules: list[InboundRule] | None
    """The normalized inbound rules; None keeps the rules of an existing NSG (a new NSG gets none)."""


@dataclass(frozen=True)
class ExistingNicNetwork:
    """network_interface was given: the VM uses that NIC and the module owns no network resource."""

    nic: NicRef
    warnings: list[str] = field(default_factory=list)
    mode = 'existing_nic'


@dataclass(frozen=True)
class OwnedNetwork:
    """The module creates (or reuses) the NIC, NSG and maybe public IP and VNet of the VM."""

    vnet: VnetSpec
    subnet: SubnetSpec
    nic: NicRef
    public_ip: PublicIpSpec
    nsg: NsgSpec
    placement_explicit: bool
    """Whether the user named the VNet or subnet (only then is an existing NIC's subnet compared)."""
    warnings: list[str] = field(default_factory=list)
    mode = 'owned'


DesiredNetwork = Union[ExistingNicNetwork, OwnedNetwork]


def owned_names(vm_name: str) -> dict[str, str]:
    """Deterministic names of what the module creates, so a re-run finds what a failed run left."""
    return {'nic': '%s-nic' % vm_name, 'public_ip': '%s-pip' % vm_name, 'nsg': '%s-nsg' % vm_name,
            'vnet': '%s-vnet' % vm_name, 'os_disk': '%s-osdisk' % vm_name}


def owner_tags(vm_id: str) -> dict[str, str]:
    return {OWNER_TAG: vm_id}


def is_owned_by(resource: RestDict | None, vm_id: str) -> bool:
    """Whether `resource` (REST dict) carries this VM's ownership tag."""
    if not resource:
        return False
    return ids_equal((resource.get('tags') or {}).get(OWNER_TAG), vm_id)


# ----------------------------------------------------------------------------------------------
# Desired network

def validate_dns_label(label: str | None) -> None:
    if label is not None and not _DNS_LABEL_RE.match(label):
        raise AzureModuleError("dns_label: '%s' is not valid: 3-63 lowercase letters, digits and hyphens, starting with a "
                               "letter and ending with a letter or digit." % label)


def _prefixes(values: list[str] | None, option: str) -> list[str]:
    result = []
    for value in values or []:
        try:
            result.append(str(ipaddress.ip_network(str(value).strip(), strict=True)))
        except ValueError as exc:
            raise AzureModuleError("%s: '%s' is not a CIDR prefix (%s)." % (option, value, exc)) from exc
    return result


def _reference(value: str, expected_type: str, option: str, what: str, resource_group: str) -> tuple[str, str]:
    """(resource group, name) of an option that takes a name (in the VM's group) or a resource ID."""
    if not value.startswith('/'):
        validate_resource_name(value, option, what)
        return resource_group, value
    parsed = parse_resource_id(value)
    if not parsed or lower(parsed.type) != expected_type or not parsed.name:
        raise AzureModuleError("%s: '%s' is not a %s resource ID." % (option, value, what))
    return parsed.resource_group, parsed.name


def desired_network(params: Mapping[str, Any], subscription: str, resource_group: str, vm_name: str) -> DesiredNetwork:
    """What the VM's network should be, from the module options (no API calls)."""
    names = owned_names(vm_name)
    nic_option = params.get('network_interface')
    if nic_option:
        nic_rg, nic_name = _reference(nic_option, 'networkinterfaces', 'network_interface', 'network interface', resource_group)
        return ExistingNicNetwork(NicRef(nic_rg, nic_name, make_resource_id(subscription, nic_rg, NIC_TYPE, nic_name)))

    vnet_option = params.get('virtual_network')
    vnet_prefixes = _prefixes(params.get('virtual_network_address_prefixes'), 'virtual_network_address_prefixes')
    default_vnet = not vnet_option
    if vnet_option:
        vnet_rg, vnet_name = _reference(vnet_option, 'virtualnetworks', 'virtual_network', 'virtual network', resource_group)
    else:
        vnet_rg, vnet_name = resource_group, names['vnet']
        vnet_prefixes = vnet_prefixes or [DEFAULT_VNET_PREFIX]
    subnet_name = params.get('subnet') or DEFAULT_SUBNET
    validate_resource_name(subnet_name, 'subnet', 'subnet')
    subnet_prefix: str | None = None
    if params.get('subnet_address_prefix'):
        subnet_prefix = _prefixes([params['subnet_address_prefix']], 'subnet_address_prefix')[0]
    if subnet_prefix is None and vnet_prefixes:
        subnet_prefix = DEFAULT_SUBNET_PREFIX if default_vnet and vnet_prefixes == [DEFAULT_VNET_PREFIX] else vnet_prefixes[0]
    if subnet_prefix and vnet_prefixes and not any(
            ipaddress.ip_network(subnet_prefix).subnet_of(ipaddress.ip_network(p)) for p in vnet_prefixes  # type: ignore[arg-type]
            if ipaddress.ip_network(p).version == ipaddress.ip_network(subnet_prefix).version):
        raise AzureModuleError("subnet_address_prefix: '%s' is not inside the virtual network's prefixes %s."
                               % (subnet_prefix, ', '.join(vnet_prefixes)))

    validate_dns_label(params.get('dns_label'))
    public_ip = params.get('public_ip')
    if params.get('dns_label') and public_ip is not True:
        raise AzureModuleError('dns_label: a DNS label needs a public IP; set public_ip=true as well.')
    rules, warnings = normalize_inbound_rules(params.get('inbound_rules'))
    vnet_id = make_resource_id(subscription, vnet_rg, VNET_TYPE, vnet_name)
    return OwnedNetwork(
        vnet=VnetSpec(vnet_rg, vnet_name, vnet_id, vnet_prefixes or None),
        subnet=SubnetSpec(subnet_name, vnet_id + '/subnets/' + subnet_name, subnet_prefix),
        nic=NicRef(resource_group, names['nic'], make_resource_id(subscription, resource_group, NIC_TYPE, names['nic'])),
        public_ip=PublicIpSpec(names['public_ip'], make_resource_id(subscription, resource_group, PIP_TYPE, names['public_ip']),
                               public_ip, params.get('dns_label')),
        nsg=NsgSpec(names['nsg'], make_resource_id(subscription, resource_group, NSG_TYPE, names['nsg']),
                    None if params.get('inbound_rules') is None else rules),
        placement_explicit=bool(vnet_option or params.get('subnet')),
        warnings=warnings,
    )


# ----------------------------------------------------------------------------------------------
# Bodies

def vnet_body(location: str, vm_id: str, prefixes: list[str], subnet_name: str, subnet_prefix: str | None) -> RestDict:
    return {
        'location': location,
        'tags': owner_tags(vm_id),
        'properties': {
            'addressSpace': {'addressPrefixes': list(prefixes)},
            'subnets': [subnet_body(subnet_name, subnet_prefix)],
        },
    }


def subnet_body(name: str, prefix: str | None) -> RestDict:
    return {'name': name, 'properties': {'addressPrefix': prefix}}


def find_subnet(vnet: RestDict | None, name: str) -> RestDict | None:
    for subnet in get_path(vnet, 'properties', 'subnets', default=[]):
        if lower(subnet.get('name')) == lower(name):
            return subnet
    return None


def nsg_body(location: str, vm_id: str, rules: list[InboundRule]) -> RestDict:
    return {
        'location': location,
        'tags': owner_tags(vm_id),
        'properties': {'securityRules': [rule_body(rule) for rule in rules]},
    }


def public_ip_body(location: str, vm_id: str, dns_label: str | None, zone: str | None = None) -> RestDict:
    body: RestDict = {
        'location': location,
        'tags': owner_tags(vm_id),
        'sku': {'name': 'Standard', 'tier': 'Regional'},
        'properties': {'publicIPAllocationMethod': 'Static', 'publicIPAddressVersion': 'IPv4'},
    }
    if dns_label:
        body['properties']['dnsSettings'] = {'domainNameLabel': dns_label}
    if zone:
        body['zones'] = [zone]
    return body


def public_ip_differs(desired_label: str | None, actual: RestDict | None) -> bool:
    """Whether an owned public IP needs an update (only its DNS label is managed after creation)."""
    actual_label = get_path(actual, 'properties', 'dnsSettings', 'domainNameLabel')
    return (desired_label or None) != (actual_label or None)


def nic_body(location: str, vm_id: str, subnet_id: str, public_ip_id: str | None, nsg_id: str | None) -> RestDict:
    ip_props: dict[str, Any] = {'subnet': {'id': subnet_id}, 'privateIPAllocationMethod': 'Dynamic', 'primary': True}
    if public_ip_id:
        ip_props['publicIPAddress'] = {'id': public_ip_id}
    return {
        'location': location,
        'tags': owner_tags(vm_id),
        'properties': {
            'ipConfigurations': [{'name': IP_CONFIGURATION, 'properties': ip_props}],
            'networkSecurityGroup': {'id': nsg_id},
        },
    }


def nic_differs(actual: RestDict | None, subnet_id: str | None, public_ip_id: str | None, nsg_id: str | None) -> list[str]:
    """Names the NIC properties that differ from the plan: 'subnet', 'public_ip', 'nsg'."""
    addresses = nic_addresses(actual)
    differs = []
    if not ids_equal(addresses.subnet_id, subnet_id):
        differs.append('subnet')
    if not ids_equal(addresses.public_ip_id, public_ip_id):
        differs.append('public_ip')
    if not ids_equal(addresses.nsg_id, nsg_id):
        differs.append('nsg')
    return differs
