# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vm module's inbound_rules (private to dockyard.azure): validation, NSG rule bodies, comparison. Pure.

Any TCP rule that would open 2375 (the Docker API without TLS) is refused; SSH open to the whole
Internet is allowed with a warning.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import RestDict, get_path, lower
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError

DOCKER_API_PORT = 2375
SSH_PORT = 22
FIRST_RULE_PRIORITY = 1000
RULE_PRIORITY_STEP = 10

PROTOCOLS = {'Tcp': 'Tcp', 'Udp': 'Udp', 'Icmp': 'Icmp', 'Any': '*'}
_OPEN_SOURCES = ('*', '0.0.0.0/0', 'internet', 'any', '::/0')
_RULE_NAME_RE = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$')
_PORT_RE = re.compile(r'^(\d{1,5})(?:-(\d{1,5}))?$')
_SERVICE_TAG_RE = re.compile(r'^[A-Za-z][A-Za-z0-9.]*$')


class InboundRule(TypedDict):
    """One inbound_rules item, validated and completed (protocol as NSGs spell it: Tcp, Udp, Icmp or *)."""

    name: str
    priority: int
    protocol: str
    ports: list[str]
    source_prefixes: list[str]
    description: str | None


class NsgRule(TypedDict):
    """A rule read back from a network security group: an inbound rule with a direction and an access."""

    name: str | None
    priority: int | None
    direction: str
    access: str
    protocol: str
    ports: list[str]
    source_prefixes: list[str]
    description: str | None


def _parse_port(text: Any, where: str) -> tuple[str, tuple[int, int]]:
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


def _check_prefix(prefix: Any, where: str) -> str:
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


def normalize_inbound_rules(rules: Iterable[Mapping[str, Any]] | None) -> tuple[list[InboundRule], list[str]]:
    """Validate the inbound_rules option and fill in names and priorities.

    Returns (rules, warnings). Refuses any TCP rule that opens 2375 (the Docker API without TLS).
    """
    normalized: list[InboundRule] = []
    warnings = []
    names = set()
    priorities: set[int] = set()
    for index, rule in enumerate(rules or []):
        where = 'inbound_rules[%d]' % index
        protocol = PROTOCOLS.get(rule.get('protocol') or 'Tcp')
        if protocol is None:
            raise AzureModuleError('%s.protocol: must be one of %s.' % (where, ', '.join(PROTOCOLS)))
        raw_ports = [str(port) for port in (rule.get('ports') or [])]
        ports: list[str]
        ranges: list[tuple[int, int]]
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
        normalized.append(InboundRule(name=name, priority=int(priority), protocol=protocol, ports=ports, source_prefixes=sources,
                                      description=rule.get('description')))
    return normalized, warnings


def _one_or_many(props: dict[str, Any], single_key: str, many_key: str, values: list[str]) -> None:
    if len(values) == 1:
        props[single_key] = values[0]
    else:
        props[many_key] = list(values)


def rule_body(rule: InboundRule) -> RestDict:
    """The NSG securityRules item of an inbound rule."""
    props: dict[str, Any] = {
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


def _many(props: RestDict, single_key: str, many_key: str) -> list[str]:
    values = list(props.get(many_key) or [])
    if props.get(single_key):
        values.insert(0, props[single_key])
    return values


def rules_from_nsg(nsg: RestDict | None) -> list[NsgRule]:
    """The NSG's custom rules in the inbound_rules shape (for comparison and diff)."""
    rules = []
    for rule in get_path(nsg, 'properties', 'securityRules', default=[]):
        props = rule.get('properties') or {}
        rules.append(NsgRule(
            name=rule.get('name'),
            priority=props.get('priority'),
            direction=props.get('direction', 'Inbound'),
            access=props.get('access', 'Allow'),
            protocol=props.get('protocol') or '*',
            ports=_many(props, 'destinationPortRange', 'destinationPortRanges'),
            source_prefixes=_many(props, 'sourceAddressPrefix', 'sourceAddressPrefixes'),
            description=props.get('description'),
        ))
    return sorted(rules, key=lambda item: (item['priority'] or 0, item['name'] or ''))


def _rule_key(rule: Mapping[str, Any]) -> tuple:
    return (
        lower(rule['name']), rule['priority'], lower(rule.get('direction', 'Inbound')), lower(rule.get('access', 'Allow')),
        lower(rule['protocol']), tuple(sorted(lower(p) for p in rule['ports'])),
        tuple(sorted(lower(s) for s in rule['source_prefixes'])), rule.get('description') or None,
    )


def rules_differ(desired_rules: Iterable[Mapping[str, Any]], actual_rules: Iterable[Mapping[str, Any]]) -> bool:
    return sorted(_rule_key(r) for r in desired_rules) != sorted(_rule_key(r) for r in actual_rules)


def rules_sha256(nsg_id: str, rules: Iterable[Mapping[str, Any]]) -> str:
    """A digest of `rules` applied to the NSG `nsg_id`: equal for rules that rules_differ finds equal."""
    canonical = json.dumps([nsg_id.lower(), sorted(_rule_key(rule) for rule in rules)], separators=(',', ':'))
    return hashlib.sha256(canonical.encode('utf-8')).hexdigest()


def rules_for_diff(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{key: rule.get(key) for key in ('name', 'priority', 'protocol', 'ports', 'source_prefixes')}
            for rule in sorted(rules, key=lambda item: (item['priority'] or 0, item['name'] or ''))]


def describe_rules(rules: Iterable[InboundRule]) -> str:
    """'inbound rules: allow-tcp-22 Tcp/22 from 203.0.113.0/24, ...' for the actions list."""
    described = ['%s %s/%s from %s' % (r['name'], r['protocol'], ','.join(r['ports']), ','.join(r['source_prefixes'])) for r in rules]
    return 'inbound rules: %s' % (', '.join(described) or 'none')
