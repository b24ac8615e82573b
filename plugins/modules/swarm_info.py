#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: swarm_info
short_description: Read a swarm - the cluster, its nodes, services and tasks
version_added: 0.2.0
description:
  - Reads the swarm the engine belongs to, with the Docker SDK for Python. A manager answers about the whole swarm; any
    other engine only about its own membership (C(local_node_state) in RV(swarm)).
  - Join tokens and unlock keys are never returned.
author:
  - dockyard.azure contributors (@dockyard)
extends_documentation_fragment:
  - dockyard.azure.docker
  - dockyard.azure.docker.action_group
  - dockyard.azure.docker.info_module
  - ansible.builtin.action_common_attributes
attributes:
  platform:
    platforms: posix
options:
  nodes:
    description: List the nodes.
    type: bool
    default: true
  services:
    description: List the services, with their running and desired task counts.
    type: bool
    default: true
  tasks:
    description: List the tasks of the services (current and recent ones, with their errors).
    type: bool
    default: false
  stack:
    description: Only the services (and tasks) of this stack (label C(com.docker.stack.namespace)).
    type: str
seealso:
  - module: dockyard.azure.swarm
  - module: dockyard.azure.stack
'''

EXAMPLES = r'''
- name: The nodes and the services of the stack app, with their tasks
  dockyard.azure.swarm_info:
    stack: app
    tasks: true
    docker_host: tcp://10.0.0.4:2376
  register: swarm

- name: Every service runs all its tasks
  ansible.builtin.assert:
    that: swarm.services | rejectattr('running_tasks', 'equalto', 0) | list | length == swarm.services | length
'''

RETURN = r'''
swarm:
  description: The swarm and the engine's membership, as M(dockyard.azure.swarm) returns them.
  returned: always
  type: dict
  sample: {"id": "jwz0tzx...", "local_node_state": "active", "is_manager": true, "node_id": "rpw66k5..."}
nodes:
  description: Nodes of the swarm (empty unless the engine is a manager).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "rpw66k5...", "hostname": "vm-1", "role": "manager", "availability": "active", "labels": {},
            "state": "ready", "addr": "10.0.0.4", "version": 9, "leader": true, "manager_reachability": "reachable"}]
services:
  description: Services of the swarm (or of O(stack)), with C(running_tasks) and C(desired_tasks).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "n1x6...", "name": "app_web", "stack": "app", "mode": "replicated", "replicas": 3, "running_tasks": 3,
            "desired_tasks": 3, "image": "web:1.4", "version": 1042, "update_state": "completed",
            "endpoint_mode": "dnsrr", "ports": ["host:8080->8080/tcp"]}]
tasks:
  description: Tasks of the listed services, with node, desired and current state and error.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "x1...", "service": "app_web", "slot": 1, "node": "vm-2", "desired_state": "running",
            "state": "running", "message": "started", "error": null, "timestamp": "2026-12-06T04:00:00Z"}]
'''

from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerModule
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.info import SwarmInfo

ARGUMENT_SPEC = dict(
    nodes=dict(type='bool', default=True),
    services=dict(type='bool', default=True),
    tasks=dict(type='bool', default=False),
    stack=dict(type='str'),
)


def main():
    module = DockerModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = SwarmInfo(module.client, module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
