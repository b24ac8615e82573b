# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of a desired stack against the swarm it goes to, before any write (pure; private to dockyard.azure).

What the engine would accept and then fail at slowly, or refuse halfway through a deployment,
is refused here with the service and the key named: external objects that do not exist,
placement constraints that no node satisfies, volume drivers missing on the nodes a service may
run on, and ports another service already publishes on the ingress network.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.swarm.errors import StackInputError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_convert import parse_constraint
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_model import (
    LABEL_NAMESPACE,
    DesiredService,
    DesiredStack,
    ObservedSwarm,
)


def node_attribute(node: Mapping[str, Any], key: str) -> str | None:
    """The value a placement constraint key has on a node (None: the node has no such label)."""
    spec = node.get('Spec') or {}
    description = node.get('Description') or {}
    if key == 'node.id':
        return node.get('ID')
    if key == 'node.hostname':
        return description.get('Hostname')
    if key == 'node.role':
        return spec.get('Role')
    if key == 'node.platform.os':
        return (description.get('Platform') or {}).get('OS')
    if key == 'node.platform.arch':
        return (description.get('Platform') or {}).get('Architecture')
    if key.startswith('node.labels.'):
        return (spec.get('Labels') or {}).get(key[len('node.labels.'):])
    if key.startswith('engine.labels.'):
        return ((description.get('Engine') or {}).get('Labels') or {}).get(key[len('engine.labels.'):])
    return None


def node_matches(node: Mapping[str, Any], constraints: list[str]) -> bool:
    """Whether a node satisfies every constraint (swarmkit compares values without regard to case)."""
    for constraint in constraints:
        parsed = parse_constraint(constraint)
        if parsed is None:
            return False
        key, operator, expected = parsed
        value = node_attribute(node, key)
        equal = value is not None and value.lower() == expected.lower()
        if (operator == '==') != equal:
            return False
    return True


def _hostname(node: Mapping[str, Any]) -> str:
    return (node.get('Description') or {}).get('Hostname') or node.get('ID') or '?'


def _volume_plugins(node: Mapping[str, Any]) -> set[str]:
    plugins = (((node.get('Description') or {}).get('Engine') or {}).get('Plugins')) or []
    return {p.get('Name') for p in plugins if p.get('Type') == 'Volume'}


def _check_placement(service: DesiredService, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    constraints = ((service.spec['TaskTemplate'].get('Placement') or {}).get('Constraints')) or []
    eligible = [n for n in nodes if node_matches(n, constraints)]
    if constraints and not eligible:
        raise StackInputError('services.%s.deploy.placement.constraints: no node of the swarm satisfies %s (nodes: %s)'
                              % (service.key, ' and '.join(constraints), ', '.join(sorted(_hostname(n) for n in nodes))),
                              option='definition')
    return eligible


def _check_volume_drivers(service: DesiredService, eligible: list[dict[str, Any]]) -> None:
    for driver in sorted(set(service.volume_drivers)):
        if driver == 'local':
            continue
        missing = sorted(_hostname(n) for n in eligible if driver not in _volume_plugins(n))
        if missing:
            raise StackInputError('services.%s.volumes: volume driver %s is not installed on node(s) %s, where the service '
                                  'may run: install the plugin there, or constrain the service to nodes that have it'
                                  % (service.key, driver, ', '.join(missing)), option='definition')


def _published_ingress(service: Mapping[str, Any]) -> list[tuple[str, int]]:
    ports = ((service.get('Endpoint') or {}).get('Ports')) or (((service.get('Spec') or {}).get('EndpointSpec') or {}).get('Ports')) or []
    return [(p.get('Protocol') or 'tcp', p.get('PublishedPort')) for p in ports
            if (p.get('PublishMode') or 'ingress') == 'ingress' and p.get('PublishedPort')]


def _check_ingress_ports(desired: DesiredStack, observed: ObservedSwarm, prune: bool) -> None:
    ours = {s.name for s in desired.services.values()}
    taken: dict[tuple[str, int], str] = {}
    for service in observed.services:
        name = service['Spec']['Name']
        in_stack = ((service['Spec'].get('Labels') or {}).get(LABEL_NAMESPACE)) == desired.name
        if name in ours or (in_stack and prune):
            continue  # its ports are being replaced by this deployment
        for slot in _published_ingress(service):
            taken[slot] = name
    for key, wanted in sorted(desired.services.items()):
        for port in wanted.spec['EndpointSpec'].get('Ports') or []:
            slot = (port['Protocol'], port['PublishedPort'])
            if port['PublishMode'] == 'ingress' and slot in taken:
                raise StackInputError('services.%s.ports: port %d/%s is already published on the ingress network by service '
                                      '%s' % (key, slot[1], slot[0], taken[slot]), option='definition')


def _check_external(desired: DesiredStack, observed: ObservedSwarm) -> None:
    for net in desired.networks.values():
        if not net.external or net.name in ('host', 'bridge', 'none'):
            continue
        found = observed.network_by_name(net.name)
        if found is None:
            raise StackInputError('networks.%s: external network %s does not exist: create a swarm-scoped (overlay) network '
                                  'before deploying the stack' % (net.key, net.name), option='definition')
        if found.get('Scope') != 'swarm':
            raise StackInputError('networks.%s: external network %s is in scope %s, a stack needs a swarm-scoped network'
                                  % (net.key, net.name, found.get('Scope')), option='definition')
    for obj in desired.file_objects():
        if obj.external and obj.name not in observed.objects(obj.kind):
            raise StackInputError('%ss.%s: external %s %s does not exist in the swarm' % (obj.kind, obj.key, obj.kind, obj.name),
                                  option='definition')


def check_stack(desired: DesiredStack, observed: ObservedSwarm, prune: bool = False) -> None:
    """Raise StackInputError for the first problem found (nothing has been written yet)."""
    _check_external(desired, observed)
    for service in desired.services.values():
        eligible = _check_placement(service, observed.nodes)
        _check_volume_drivers(service, eligible)
    _check_ingress_ports(desired, observed, prune)
