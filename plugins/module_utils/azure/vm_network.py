# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network planning of the vm module (pure): the VNet/subnet to use, and the NIC, public IP and NSG it owns.

The module owns at most a NIC `<vm>-nic`, a public IP `<vm>-pip`, an NSG `<vm>-nsg` and a VNet it had
to create; each carries the tag OWNER_TAG = <VM resource ID>, which is what `state: absent` deletes by.
Request bodies are REST-shaped dicts; comparisons look only at the properties the module manages.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm_state import (
    OWNER_TAG,
    get_path,
    ids_equal,
    lower,
    make_resource_id,
    nic_addresses,
    parse_resource_id,
)

DOCKER_API_PORT = 2375
SSH_PORT = 22
DEFAULT_VNET_PREFIX = '10.0.0.0/16'
DEFAULT_SUBNET_PREFIX = '10.0.0.0/24'
DEFAULT_SUBNET = 'default'
FIRST_RULE_PRIORITY = 1000
RULE_PRIORITY_STEP = 10
IP_CONFIGURATION = 'ipconfig1'

PROTOCOLS = {'Tcp': 'Tcp', 'Udp': 'Udp', 'Icmp': 'Icmp', 'Any': '*'}
_OPEN_SOURCES = ('*', '0.0.0.0/0', 'internet', 'any', '::/0')
_RULE_NAME_RE = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$')
_DNS_LABEL_RE = re.compile(r'^[a-z][a-z0-9-]{1,61}[a-z0-9]$')
_PORT_RE = re.compile(r'^(\d{1,5})(?:-(\d{1,5}))?$')
_SERVICE_TAG_RE = re.compile(r'^[A-Za-z][A-Za-z0-9.]*$')

NSG_TYPE = 'Microsoft.Network/networkSecurityGroups'
PIP_TYPE = 'Microsoft.Network/publicIPAddresses'
NIC_TYPE = 'Microsoft.Network/networkInterfaces'
VNET_TYPE = 'Microsoft.Network/virtualNetworks'


def owned_names(vm_name):
    """Deterministic names of what the module creates, so a re-run finds what a failed run left."""
    return {'nic': '%s-nic' % vm_name, 'public_ip': '%s-pip' % vm_name, 'nsg': '%s-nsg' % vm_name,
            'vnet': '%s-vnet' % vm_name, 'os_disk': '%s-osdisk' % vm_name}


def owner_tags(vm_id):
    return {OWNER_TAG: vm_id}


def is_owned_by(resource, vm_id):
    """Whether `resource` (REST dict) carries this VM's ownership tag."""
    if not resource:
        return False
    return ids_equal((resource.get('tags') or {}).get(OWNER_TAG), vm_id)


# ----------------------------------------------------------------------------------------------
# Inbound rules

def _parse_port(text, where):
    text = str(text).strip()
    if text in ('*', 'any', 'Any'):
        return '*', (0, 65535)
    match = _PORT_RE.match(text)
    if not match:
        raise AzureModuleError("%s: '%s' is not a port, a range like 8000-8100, or '*'." % (where, text))
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if not 0 < low <= high <= 65535:
        raise AzureModuleError("%s: '%s' is outside 1-65535 or the range is reversed." % (where, text))
    return ('%d' % low if low == high else '%d-%d' % (low, high)), (low, high)


def _check_prefix(prefix, where):
    text = str(prefix).strip()
    if text == '*':
        return text
    try:
        ipaddress.ip_network(text, strict=False)
        return text
    except ValueError:
        pass
    if _SERVICE_TAG_RE.match(text):
        return text  # a service tag such as Internet, VirtualNetwork or AzureLoadBalancer
    raise AzureModuleError("%s: '%s' is not an IP address, a CIDR prefix, a service tag or '*'." % (where, text))


def normalize_inbound_rules(rules):
    """Validate the inbound_rules option and fill in names and priorities.

    Returns (rules, warnings). Refuses any TCP rule that opens 2375 (the Docker API without TLS).
    """
    normalized = []
    warnings = []
    names = set()
    priorities = set()
    for index, rule in enumerate(rules or []):
        where = 'inbound_rules[%d]' % index
        protocol = PROTOCOLS.get(rule.get('protocol') or 'Tcp')
        if protocol is None:
            raise AzureModuleError('%s.protocol: must be one of %s.' % (where, ', '.join(PROTOCOLS)))
        raw_ports = [str(port) for port in (rule.get('ports') or [])]
        if protocol == 'Icmp':
            ports, ranges = ['*'], []
        else:
            if not raw_ports:
                raise AzureModuleError('%s.ports: give the destination port(s) the rule opens, e.g. [22].' % where)
            ports, ranges = [], []
            for raw in raw_ports:
                port, port_range = _parse_port(raw, '%s.ports' % where)
                if port not in ports:
                    ports.append(port)
                    ranges.append(port_range)
        if protocol in ('Tcp', '*') and any(low <= DOCKER_API_PORT <= high for low, high in ranges):
            raise AzureModuleError(
                '%s.ports: the rule would open port %d, the Docker API without TLS. This collection never exposes it; '
                'use the TLS port 2376 with client certificates, or SSH (ssh://) to reach the Docker engine.'
                % (where, DOCKER_API_PORT))
        sources = [_check_prefix(prefix, '%s.source_prefixes' % where) for prefix in (rule.get('source_prefixes') or [])]
        if not sources:
            raise AzureModuleError('%s.source_prefixes: state the source addresses the rule allows '
                                   '(CIDR prefixes, a service tag, or * for anywhere).' % where)
        if any(low <= SSH_PORT <= high for low, high in ranges) and any(lower(src) in _OPEN_SOURCES for src in sources):
            warnings.append('%s opens SSH (port 22) to the whole Internet; consider restricting source_prefixes.' % where)
        name = rule.get('name') or 'allow-%s-%s' % ({'*': 'any'}.get(protocol, protocol.lower()),
                                                    '_'.join(p.replace('*', 'any') for p in ports))
        if not _RULE_NAME_RE.match(name):
            raise AzureModuleError("%s.name: '%s' is not a valid rule name (1-80 letters, digits, '_', '.', '-'; "
                                   "starts with a letter or digit)." % (where, name))
        if name.lower() in names:
            raise AzureModuleError("%s.name: two rules are named '%s'; rule names must be unique." % (where, name))
        names.add(name.lower())
        priority = rule.get('priority')
        if priority is None:
            priority = FIRST_RULE_PRIORITY + RULE_PRIORITY_STEP * index
            while priority in priorities:
                priority += 1
        if not 100 <= int(priority) <= 4096:
            raise AzureModuleError('%s.priority: %s is outside 100-4096.' % (where, priority))
        if priority in priorities:
            raise AzureModuleError('%s.priority: %s is used by another rule; priorities must be unique.' % (where, priority))
        priorities.add(priority)
        normalized.append({
            'name': name,
            'priority': int(priority),
            'protocol': protocol,
            'ports': ports,
            'source_prefixes': sources,
            'description': rule.get('description'),
        })
    return normalized, warnings


def _one_or_many(props, single_key, many_key, values):
    if len(values) == 1:
        props[single_key] = values[0]
    else:
        props[many_key] = list(values)


def rule_body(rule):
    props = {
        'priority': rule['priority'],
        'direction': 'Inbound',
        'access': 'Allow',
        'protocol': rule['protocol'],
        'sourcePortRange': '*',
        'destinationAddressPrefix': '*',
    }
    _one_or_many(props, 'sourceAddressPrefix', 'sourceAddressPrefixes', rule['source_prefixes'])
    _one_or_many(props, 'destinationPortRange', 'destinationPortRanges', rule['ports'])
    if rule.get('description'):
        props['description'] = rule['description']
    return {'name': rule['name'], 'properties': props}


def _many(props, single_key, many_key):
    values = list(props.get(many_key) or [])
    if props.get(single_key):
        values.insert(0, props[single_key])
    return values


def rules_from_nsg(nsg):
    """The NSG's custom rules in the inbound_rules shape (for comparison and diff)."""
    rules = []
    for rule in get_path(nsg, 'properties', 'securityRules', default=[]):
        props = rule.get('properties') or {}
        protocol = props.get('protocol') or '*'
        rules.append({
            'name': rule.get('name'),
            'priority': props.get('priority'),
            'direction': props.get('direction', 'Inbound'),
            'access': props.get('access', 'Allow'),
            'protocol': protocol,
            'ports': _many(props, 'destinationPortRange', 'destinationPortRanges'),
            'source_prefixes': _many(props, 'sourceAddressPrefix', 'sourceAddressPrefixes'),
            'description': props.get('description'),
        })
    return sorted(rules, key=lambda item: (item['priority'] or 0, item['name'] or ''))


def _rule_key(rule):
    return (
        lower(rule['name']), rule['priority'], lower(rule.get('direction', 'Inbound')), lower(rule.get('access', 'Allow')),
        lower(rule['protocol']), tuple(sorted(lower(p) for p in rule['ports'])),
        tuple(sorted(lower(s) for s in rule['source_prefixes'])), rule.get('description') or None,
    )


def rules_differ(desired_rules, actual_rules):
    return sorted(_rule_key(r) for r in desired_rules) != sorted(_rule_key(r) for r in actual_rules)


def rules_for_diff(rules):
    return [{key: rule.get(key) for key in ('name', 'priority', 'protocol', 'ports', 'source_prefixes')}
            for rule in sorted(rules, key=lambda item: (item['priority'] or 0, item['name'] or ''))]


# ----------------------------------------------------------------------------------------------
# Desired network

def validate_dns_label(label):
    if label is not None and not _DNS_LABEL_RE.match(label):
        raise AzureModuleError("dns_label: '%s' is not valid: 3-63 lowercase letters, digits and hyphens, starting with a "
                               "letter and ending with a letter or digit." % label)


def _prefixes(values, option):
    result = []
    for value in values or []:
        try:
            result.append(str(ipaddress.ip_network(str(value).strip(), strict=True)))
        except ValueError as exc:
            raise AzureModuleError("%s: '%s' is not a CIDR prefix (%s)." % (option, value, exc)) from exc
    return result


def desired_network(params, subscription, resource_group, vm_name):
    """What the VM's network should be, from the module options (no API calls).

    Returns a dict with 'mode' ('existing_nic' or 'owned'); for 'existing_nic' the NIC's
    resource group, name and id; for 'owned' the VNet (id, resource group, name, prefixes to
    create it with or None) and subnet (name, id, prefix), the owned NIC/public IP/NSG names and ids,
    whether a public IP is wanted, its DNS label and the normalized inbound rules.
    """
    names = owned_names(vm_name)
    nic_ref = params.get('network_interface')
    if nic_ref:
        parsed = parse_resource_id(nic_ref)
        if nic_ref.startswith('/'):
            if not parsed or lower(parsed['type']) != 'networkinterfaces':
                raise AzureModuleError("network_interface: '%s' is not a network interface resource ID." % nic_ref)
            nic_rg, nic_name = parsed['resource_group'], parsed['name']
        else:
            nic_rg, nic_name = resource_group, nic_ref
        return {
            'mode': 'existing_nic',
            'nic': {'resource_group': nic_rg, 'name': nic_name,
                    'id': make_resource_id(subscription, nic_rg, NIC_TYPE, nic_name)},
            'warnings': [],
        }

    vnet_ref = params.get('virtual_network')
    vnet_prefixes = _prefixes(params.get('virtual_network_address_prefixes'), 'virtual_network_address_prefixes')
    default_vnet = not vnet_ref
    if default_vnet:
        vnet_rg, vnet_name = resource_group, names['vnet']
        vnet_prefixes = vnet_prefixes or [DEFAULT_VNET_PREFIX]
    elif vnet_ref.startswith('/'):
        parsed = parse_resource_id(vnet_ref)
        if not parsed or lower(parsed['type']) != 'virtualnetworks':
            raise AzureModuleError("virtual_network: '%s' is not a virtual network resource ID." % vnet_ref)
        vnet_rg, vnet_name = parsed['resource_group'], parsed['name']
    else:
        vnet_rg, vnet_name = resource_group, vnet_ref
    subnet_name = params.get('subnet') or DEFAULT_SUBNET
    subnet_prefix = (_prefixes([params['subnet_address_prefix']], 'subnet_address_prefix') or [None])[0] \
        if params.get('subnet_address_prefix') else None
    if subnet_prefix is None and vnet_prefixes:
        subnet_prefix = DEFAULT_SUBNET_PREFIX if default_vnet and vnet_prefixes == [DEFAULT_VNET_PREFIX] else vnet_prefixes[0]
    if subnet_prefix and vnet_prefixes and not any(
            ipaddress.ip_network(subnet_prefix).subnet_of(ipaddress.ip_network(p)) for p in vnet_prefixes
            if ipaddress.ip_network(p).version == ipaddress.ip_network(subnet_prefix).version):
        raise AzureModuleError("subnet_address_prefix: '%s' is not inside the virtual network's prefixes %s."
                               % (subnet_prefix, ', '.join(vnet_prefixes)))

    validate_dns_label(params.get('dns_label'))
    public_ip = params.get('public_ip')  # None: keep what an existing VM has (none for a new VM)
    if params.get('dns_label') and public_ip is not True:
        raise AzureModuleError('dns_label: a DNS label needs a public IP; set public_ip=true as well.')
    rules, warnings = normalize_inbound_rules(params.get('inbound_rules'))
    if params.get('inbound_rules') is None:
        rules = None  # keep the rules of an existing NSG (a new NSG gets none)
    vnet_id = make_resource_id(subscription, vnet_rg, VNET_TYPE, vnet_name)
    return {
        'mode': 'owned',
        # Only compare an existing NIC's subnet with the options when the user named the VNet or subnet.
        'placement_explicit': bool(vnet_ref or params.get('subnet')),
        'vnet': {'resource_group': vnet_rg, 'name': vnet_name, 'id': vnet_id, 'prefixes': vnet_prefixes or None},
        'subnet': {'name': subnet_name, 'id': vnet_id + '/subnets/' + subnet_name, 'prefix': subnet_prefix},
        'nic': {'resource_group': resource_group, 'name': names['nic'],
                'id': make_resource_id(subscription, resource_group, NIC_TYPE, names['nic'])},
        'public_ip': {'wanted': public_ip, 'name': names['public_ip'], 'dns_label': params.get('dns_label'),
                      'id': make_resource_id(subscription, resource_group, PIP_TYPE, names['public_ip'])},
        'nsg': {'name': names['nsg'], 'rules': rules,
                'id': make_resource_id(subscription, resource_group, NSG_TYPE, names['nsg'])},
        'warnings': warnings,
    }


# ----------------------------------------------------------------------------------------------
# Bodies

def vnet_body(location, vm_id, prefixes, subnet_name, subnet_prefix):
    return {
        'location': location,
        'tags': owner_tags(vm_id),
        'properties': {
            'addressSpace': {'addressPrefixes': list(prefixes)},
            'subnets': [subnet_body(subnet_name, subnet_prefix)],
        },
    }


def subnet_body(name, prefix):
    return {'name': name, 'properties': {'addressPrefix': prefix}}


def find_subnet(vnet, name):
    for subnet in get_path(vnet, 'properties', 'subnets', default=[]):
        if lower(subnet.get('name')) == lower(name):
            return subnet
    return None


def nsg_body(location, vm_id, rules):
    return {
        'location': location,
        'tags': owner_tags(vm_id),
        'properties': {'securityRules': [rule_body(rule) for rule in rules]},
    }


def public_ip_body(location, vm_id, dns_label, zone=None):
    body = {
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


def public_ip_differs(desired_label, actual):
    """Whether an owned public IP needs an update (only its DNS label is managed after creation)."""
    actual_label = get_path(actual, 'properties', 'dnsSettings', 'domainNameLabel')
    return (desired_label or None) != (actual_label or None)


def nic_body(location, vm_id, subnet_id, public_ip_id, nsg_id):
    ip_props = {'subnet': {'id': subnet_id}, 'privateIPAllocationMethod': 'Dynamic', 'primary': True}
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


def nic_differs(actual, subnet_id, public_ip_id, nsg_id):
    """Names the NIC properties that differ from the plan: 'subnet', 'public_ip', 'nsg'."""
    dummy, actual_pip, actual_subnet, actual_nsg = nic_addresses(actual)
    differs = []
    if not ids_equal(actual_subnet, subnet_id):
        differs.append('subnet')
    if not ids_equal(actual_pip, public_ip_id):
        differs.append('public_ip')
    if not ids_equal(actual_nsg, nsg_id):
        differs.append('nsg')
    return differs
