# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inbound rules: defaults, the 2375 refusal, validation, NSG rule bodies and comparison."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.inbound_rules import (
    normalize_inbound_rules,
    rule_body,
    rules_differ,
    rules_from_nsg,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.network_spec import nsg_body
from ansible_collections.dockyard.azure.plugins.module_utils.azure.vm.state import OWNER_TAG


def rule(**kw):
    base = {'name': None, 'ports': ['22'], 'protocol': 'Tcp', 'source_prefixes': ['203.0.113.0/24'], 'priority': None, 'description': None}
    base.update(kw)
    return base


def test_rule_defaults():
    rules, warnings = normalize_inbound_rules([rule(), rule(ports=['80', '443', 80], source_prefixes=['*'])])
    assert [(r['name'], r['priority'], r['ports']) for r in rules] == [('allow-tcp-22', 1000, ['22']), ('allow-tcp-80_443', 1010, ['80', '443'])]
    assert warnings == []


@pytest.mark.parametrize('ports, protocol', [
    (['2375'], 'Tcp'), (['2000-3000'], 'Tcp'), (['*'], 'Tcp'), (['2375'], 'Any'), (['1-65535'], 'Any'),
])
def test_docker_api_port_is_refused(ports, protocol):
    with pytest.raises(AzureModuleError) as error:
        normalize_inbound_rules([rule(ports=ports, protocol=protocol, source_prefixes=['10.0.0.0/8'])])
    assert 'inbound_rules[0].ports' in error.value.msg and '2375' in error.value.msg


def test_udp_2375_and_tls_port_are_allowed():
    rules, dummy = normalize_inbound_rules([rule(ports=['2375'], protocol='Udp'), rule(ports=['2376'])])
    assert [r['ports'] for r in rules] == [['2375'], ['2376']]


@pytest.mark.parametrize('bad, message', [
    (rule(source_prefixes=[]), 'inbound_rules[0].source_prefixes: state the source'),
    (rule(ports=[]), 'inbound_rules[0].ports: give the destination port'),
    (rule(ports=['70000']), 'outside 1-65535'),
    (rule(ports=['ssh']), "'ssh' is not a port"),
    (rule(priority=50), 'inbound_rules[0].priority: 50 is outside 100-4096'),
    (rule(name='bad name!'), 'is not a valid rule name'),
    (rule(source_prefixes=['10.0.0.0/33']), 'is not an IP address, a CIDR prefix'),
])
def test_rule_validation(bad, message):
    with pytest.raises(AzureModuleError) as error:
        normalize_inbound_rules([bad])
    assert message in error.value.msg


def test_duplicate_names_and_priorities():
    with pytest.raises(AzureModuleError, match='two rules are named'):
        normalize_inbound_rules([rule(name='a'), rule(name='A', ports=['80'])])
    with pytest.raises(AzureModuleError, match='priorities must be unique'):
        normalize_inbound_rules([rule(priority=200), rule(priority=200, ports=['80'])])


def test_ssh_open_to_internet_warns():
    dummy, warnings = normalize_inbound_rules([rule(source_prefixes=['0.0.0.0/0'])])
    assert warnings and 'SSH' in warnings[0]


def test_icmp_needs_no_ports():
    rules, dummy = normalize_inbound_rules([rule(ports=None, protocol='Icmp')])
    assert rules[0]['ports'] == ['*'] and rules[0]['name'] == 'allow-icmp-any'


def test_rule_body_and_round_trip():
    rules, dummy = normalize_inbound_rules([rule(), rule(ports=['80', '443'], source_prefixes=['1.2.3.4', '5.6.7.0/24'])])
    body = rule_body(rules[1])
    assert body['properties']['destinationPortRanges'] == ['80', '443']
    assert body['properties']['sourceAddressPrefixes'] == ['1.2.3.4', '5.6.7.0/24']
    assert rule_body(rules[0])['properties']['destinationPortRange'] == '22'
    nsg = nsg_body('westeurope', 'vmid', rules)
    assert nsg['tags'] == {OWNER_TAG: 'vmid'}
    assert not rules_differ(rules, rules_from_nsg(nsg))
    changed, dummy = normalize_inbound_rules([rule(source_prefixes=['198.51.100.1'])])
    assert rules_differ(changed, rules_from_nsg(nsg))


def test_rules_compare_case_insensitively_and_ignore_order():
    rules, dummy = normalize_inbound_rules([rule(ports=['443', '80'], source_prefixes=['Internet'])])
    nsg = {'properties': {'securityRules': [{'name': 'allow-tcp-443_80', 'properties': {
        'priority': 1000, 'direction': 'Inbound', 'access': 'Allow', 'protocol': 'TCP', 'sourceAddressPrefix': 'internet',
        'destinationPortRanges': ['80', '443'], 'provisioningState': 'Succeeded'}}]}}
    assert not rules_differ(rules, rules_from_nsg(nsg))
