# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One node of a swarm, changed through a manager: availability, labels, role, removal (private to dockyard.azure).

The `swarm_node` module's logic. A drain can wait until the node runs no task any more, so that
a playbook can take the node out of the swarm right after.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.errors import SwarmError
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.info import node_summary

ACTIVE_TASK_STATES = ('new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running')


def find_node(nodes: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The node whose ID, hostname or spec name is `name`; among several of one hostname, the one that is up."""
    by_id = [n for n in nodes if n.get('ID') == name]
    if by_id:
        return by_id[0]
    matches = [n for n in nodes if (n.get('Description') or {}).get('Hostname') == name or (n.get('Spec') or {}).get('Name') == name]
    if len(matches) > 1:
        ready = [n for n in matches if (n.get('Status') or {}).get('State') == 'ready']
        if len(ready) == 1:
            return ready[0]
        raise SwarmError('node: %d nodes are called %s (%s): give the node ID' % (
            len(matches), name, ', '.join(n['ID'] for n in matches)), option='node')
    return matches[0] if matches else None


class SwarmNode:
    """Runs one `swarm_node` task against a manager."""

    def __init__(self, client: Any, params: Mapping[str, Any], check_mode: bool = False,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.clock = clock
        self.sleep = sleep
        self.diff = DifferenceTracker()

    def run(self) -> dict[str, Any]:
        try:
            nodes = self.client.nodes()
        except Exception as exc:  # pylint: disable=broad-except
            if getattr(getattr(exc, 'response', None), 'status_code', None) == 503:
                raise SwarmError('the engine at docker_host is not a swarm manager: point docker_host at a manager',
                                 option='docker_host') from exc
            raise
        node = find_node(nodes, self.params['node'])
        if self.params['state'] == 'absent':
            return self.absent(node)
        if node is None:
            raise SwarmError('node: no node %s in the swarm (nodes: %s)' % (
                self.params['node'], ', '.join(sorted((n.get('Description') or {}).get('Hostname') or n['ID'] for n in nodes))),
                option='node')
        spec = copy.deepcopy(node.get('Spec') or {})
        wanted = copy.deepcopy(spec)
        if self.params.get('availability'):
            wanted['Availability'] = self.params['availability']
        if self.params.get('role'):
            wanted['Role'] = self.params['role']
        if self.params.get('labels') is not None:
            labels = {str(k): str(v) for k, v in self.params['labels'].items()}
            if self.params.get('labels_state') == 'replace':
                wanted['Labels'] = labels
            else:
                wanted['Labels'] = dict(spec.get('Labels') or {}, **labels)
        for key in ('Availability', 'Role', 'Labels'):
            self.diff.add(key.lower(), spec.get(key) if key != 'Labels' else (spec.get('Labels') or {}),
                          wanted.get(key) if key != 'Labels' else (wanted.get('Labels') or {}))
        changed = self.diff.changed
        if changed and not self.check_mode:
            try:
                self.client.update_node(node['ID'], node['Version']['Index'], wanted)
            except Exception as exc:  # pylint: disable=broad-except
                raise SwarmError('node %s: the manager refused the change (%s): %s' % (
                    self.params['node'], ', '.join(self.diff.changed_fields), getattr(exc, 'explanation', None) or exc)) from exc
            node = self.client.inspect_node(node['ID'])
        if wanted.get('Availability') == 'drain' and self.params.get('wait') and not self.check_mode:
            self.wait_drained(node['ID'])
        summary = node_summary(node)
        if changed and self.check_mode:
            summary.update(availability=wanted.get('Availability'), role=wanted.get('Role'), labels=wanted.get('Labels') or {})
        return {'changed': changed, 'node': summary, 'diff': self.diff.diff()}

    def wait_drained(self, node_id: str) -> None:
        """Until no task runs on the node (the swarm reschedules them on the other nodes)."""
        deadline = self.clock() + float(self.params.get('wait_timeout') or 300)
        while True:
            tasks = self.client.tasks(filters={'node': node_id})
            active = [t for t in tasks if (t.get('Status') or {}).get('State') in ACTIVE_TASK_STATES]
            if not active:
                return
            if self.clock() >= deadline:
                raise SwarmError('node %s still runs %d task(s) after %ss of drain' % (
                    self.params['node'], len(active), self.params.get('wait_timeout')))
            self.sleep(0.5)

    def absent(self, node: dict[str, Any] | None) -> dict[str, Any]:
        self.diff.add('present', node is not None, False)
        if node is None:
            return {'changed': False, 'node': None, 'diff': self.diff.diff()}
        up = (node.get('Status') or {}).get('State') == 'ready'
        if up and not self.params.get('force'):
            raise SwarmError('node %s is still up: make it leave the swarm first (dockyard.azure.swarm state=absent), or '
                             'force=true' % self.params['node'], option='force')
        if (node.get('Spec') or {}).get('Role') == 'manager':
            raise SwarmError('node %s is a manager: demote it first (role=worker)' % self.params['node'], option='node')
        if not self.check_mode:
            self.client.remove_node(node['ID'], force=bool(self.params.get('force')))
        return {'changed': True, 'node': node_summary(node), 'diff': self.diff.diff()}
