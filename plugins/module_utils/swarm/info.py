# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only views of a swarm: cluster, nodes, services, tasks (private to dockyard.azure).

Used by `swarm_info` and for the results of `swarm_node`; never returns join tokens or keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.swarm.cluster import LocalNode, swarm_summary
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_model import LABEL_NAMESPACE

MODE_NAMES = {'Replicated': 'replicated', 'Global': 'global', 'ReplicatedJob': 'replicated-job', 'GlobalJob': 'global-job'}


def node_summary(node: Mapping[str, Any]) -> dict[str, Any]:
    spec = node.get('Spec') or {}
    description = node.get('Description') or {}
    status = node.get('Status') or {}
    manager = node.get('ManagerStatus') or {}
    return {
        'id': node.get('ID'), 'hostname': description.get('Hostname'), 'role': spec.get('Role'),
        'availability': spec.get('Availability'), 'labels': dict(spec.get('Labels') or {}),
        'state': status.get('State'), 'addr': status.get('Addr'), 'version': (node.get('Version') or {}).get('Index'),
        'engine_version': (description.get('Engine') or {}).get('EngineVersion'),
        'leader': bool(manager.get('Leader')), 'manager_reachability': manager.get('Reachability'),
        'manager_addr': manager.get('Addr'),
    }


def service_summary(service: Mapping[str, Any]) -> dict[str, Any]:
    spec = service.get('Spec') or {}
    mode = spec.get('Mode') or {}
    kind = next(iter(mode), 'Replicated')
    status = service.get('ServiceStatus') or {}
    update = service.get('UpdateStatus') or {}
    ports = ((service.get('Endpoint') or {}).get('Ports')) or (spec.get('EndpointSpec') or {}).get('Ports') or []
    return {
        'id': service.get('ID'), 'name': spec.get('Name'), 'stack': (spec.get('Labels') or {}).get(LABEL_NAMESPACE),
        'mode': MODE_NAMES.get(kind, kind), 'replicas': (mode.get('Replicated') or {}).get('Replicas') if kind == 'Replicated' else None,
        'running_tasks': status.get('RunningTasks'), 'desired_tasks': status.get('DesiredTasks'),
        'image': ((spec.get('TaskTemplate') or {}).get('ContainerSpec') or {}).get('Image'),
        'version': (service.get('Version') or {}).get('Index'), 'update_state': update.get('State'),
        'update_message': update.get('Message'),
        'endpoint_mode': (spec.get('EndpointSpec') or {}).get('Mode') or 'vip',
        'ports': ['%s:%s->%s/%s' % (p.get('PublishMode') or 'ingress', p.get('PublishedPort'), p.get('TargetPort'),
                                    p.get('Protocol') or 'tcp') for p in ports],
    }


def task_summary(task: Mapping[str, Any], services: Mapping[str, str], nodes: Mapping[str, str]) -> dict[str, Any]:
    status = task.get('Status') or {}
    return {
        'id': task.get('ID'), 'service': services.get(task.get('ServiceID') or '', task.get('ServiceID')),
        'slot': task.get('Slot'), 'node': nodes.get(task.get('NodeID') or '', task.get('NodeID')),
        'desired_state': task.get('DesiredState'), 'state': status.get('State'), 'message': status.get('Message'),
        'error': status.get('Err'), 'timestamp': status.get('Timestamp'),
    }


class SwarmInfo:
    """Runs one `swarm_info` task against any engine (a worker answers only about itself)."""

    def __init__(self, client: Any, params: Mapping[str, Any]) -> None:
        self.client = client
        self.params = params

    def run(self) -> dict[str, Any]:
        local = LocalNode.of(self.client)
        result: dict[str, Any] = {'changed': False, 'nodes': [], 'services': [], 'tasks': []}
        if not local.is_manager:
            result['swarm'] = swarm_summary(None, local)
            return result
        result['swarm'] = swarm_summary(self.client.inspect_swarm(), local)
        stack = self.params.get('stack')
        nodes = self.client.nodes()
        node_names = {n['ID']: (n.get('Description') or {}).get('Hostname') or n['ID'] for n in nodes}
        if self.params.get('nodes', True):
            result['nodes'] = [node_summary(n) for n in sorted(nodes, key=lambda n: node_names[n['ID']])]
        want_services = self.params.get('services', True)
        want_tasks = self.params.get('tasks', False)
        if want_services or want_tasks:
            filters = {'label': '%s=%s' % (LABEL_NAMESPACE, stack)} if stack else None
            services = self.client.services(filters=filters, status=True)
            services.sort(key=lambda s: s['Spec']['Name'])
            if want_services:
                result['services'] = [service_summary(s) for s in services]
            if want_tasks and services:
                names = {s['ID']: s['Spec']['Name'] for s in services}
                tasks = self.client.tasks(filters={'service': list(names)})
                tasks.sort(key=lambda t: (names.get(t.get('ServiceID') or '', ''), t.get('Slot') or 0,
                                          (t.get('Status') or {}).get('Timestamp') or ''))
                result['tasks'] = [task_summary(t, names, node_names) for t in tasks]
        return result
