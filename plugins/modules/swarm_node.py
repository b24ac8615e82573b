#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: swarm_node
short_description: Set a swarm node's availability, labels and role, or remove it from the swarm
version_added: 0.2.0
description:
  - Changes one node of a swarm through a manager (the connection options name the manager's engine), with the Docker SDK
    for Python.
  - O(availability=drain) moves the node's tasks to other nodes; with O(wait=true) the module returns once the node runs no
    task any more.
  - O(role) promotes a worker to manager or demotes a manager to worker.
  - O(state=absent) removes a node that has left the swarm (or is down) from the node list.
author:
  - dockyard.azure contributors (@dockyard)
extends_documentation_fragment:
  - dockyard.azure.docker
  - dockyard.azure.docker.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports the change (and the node as it would be) without writing.
  diff_mode:
    support: full
    details: Availability, role and labels before and after.
  platform:
    platforms: posix
options:
  node:
    description:
      - The node, by hostname, node name or node ID.
    type: str
    required: true
    aliases: [hostname]
  state:
    description:
      - V(present) sets what is given; V(absent) removes the node from the swarm.
    type: str
    choices: [present, absent]
    default: present
  availability:
    description:
      - V(active) runs tasks; V(pause) keeps the tasks it has but gets no new ones; V(drain) moves its tasks elsewhere.
    type: str
    choices: [active, pause, drain]
  role:
    description:
      - V(manager) promotes the node, V(worker) demotes it.
    type: str
    choices: [worker, manager]
  labels:
    description:
      - Node labels (used by placement constraints C(node.labels.<name>)).
    type: dict
  labels_state:
    description:
      - V(merge) adds and changes the labels given and keeps the others; V(replace) makes them the node's only labels.
    type: str
    choices: [merge, replace]
    default: merge
  wait:
    description:
      - With O(availability=drain), wait until no task runs on the node.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for a drain.
    type: int
    default: 300
  force:
    description:
      - With O(state=absent), remove the node even when it is still up.
    type: bool
    default: false
seealso:
  - module: dockyard.azure.swarm
  - module: dockyard.azure.swarm_info
'''

EXAMPLES = r'''
- name: Label a node for placement constraints
  dockyard.azure.swarm_node:
    node: vm-2
    labels:
      zone: "2"
    docker_host: tcp://10.0.0.4:2376

- name: Drain a node before maintenance (its tasks move to the other nodes)
  dockyard.azure.swarm_node:
    node: vm-3
    availability: drain
    docker_host: tcp://10.0.0.4:2376

- name: Promote a worker
  dockyard.azure.swarm_node:
    node: vm-2
    role: manager
'''

RETURN = r'''
node:
  description: The node after the change (in check mode, as it would be); null when it is not (or no longer) in the swarm.
  returned: success
  type: dict
  contains:
    id:
      description: Node ID.
      type: str
    hostname:
      description: Host name of the node.
      type: str
    role:
      description: V(manager) or V(worker).
      type: str
    availability:
      description: V(active), V(pause) or V(drain).
      type: str
    labels:
      description: Node labels.
      type: dict
    state:
      description: V(ready), V(down), V(disconnected) or V(unknown).
      type: str
    addr:
      description: Address of the node.
      type: str
    version:
      description: Version of the node object; unchanged when nothing was written.
      type: int
    leader:
      description: Whether the node is the raft leader.
      type: bool
  sample: {"id": "i6h34...", "hostname": "vm-3", "role": "worker", "availability": "drain", "labels": {},
           "state": "ready", "addr": "10.0.0.6", "version": 58, "leader": false}
'''

from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerModule
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.nodes import SwarmNode

ARGUMENT_SPEC = dict(
    node=dict(type='str', required=True, aliases=['hostname']),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    availability=dict(type='str', choices=['active', 'pause', 'drain']),
    role=dict(type='str', choices=['worker', 'manager']),
    labels=dict(type='dict'),
    labels_state=dict(type='str', default='merge', choices=['merge', 'replace']),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=300),
    force=dict(type='bool', default=False),
)


def main():
    module = DockerModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = SwarmNode(module.client, module.params, check_mode=module.check_mode).run()
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
