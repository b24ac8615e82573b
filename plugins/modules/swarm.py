#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: swarm
short_description: Make a Docker engine a swarm manager, join it to a swarm, or make it leave
version_added: 0.2.0
description:
  - Drives the swarm membership of the engine given by the connection options, with the Docker SDK for Python (for
    example over the engine's TLS endpoint that M(dockyard.azure.docker_extension) sets up).
  - O(state=present) makes the engine a manager, creating a swarm when it is in none (C(docker swarm init)), and keeps the
    cluster settings (raft, dispatcher, CA, task history, autolock, labels) as given.
  - O(state=join) joins the engine to the swarm of O(manager) as a O(role). The join token is read from the manager, so it
    never passes through the playbook; a node already in that swarm is left alone, or promoted or demoted through the
    manager when its role differs.
  - O(state=absent) makes the engine leave its swarm. With O(manager), a manager is demoted first and the node is then
    removed from the swarm's node list.
  - Node availability and labels are set with M(dockyard.azure.swarm_node).
author:
  - dockyard.azure contributors (@dockyard)
extends_documentation_fragment:
  - dockyard.azure.docker
  - dockyard.azure.docker.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads both engines and reports the actions a run would take (init, join, promote, demote, update, leave);
      makes no write call.
  diff_mode:
    support: full
    details: The node's swarm state and role, and the cluster settings that were given.
  platform:
    platforms: posix
options:
  state:
    description:
      - V(present) - the engine is a manager of a swarm (one is created if the engine is in none).
      - V(join) - the engine is a node of the swarm of O(manager) (or of O(remote_addrs) with O(join_token)).
      - V(absent) - the engine is in no swarm.
    type: str
    choices: [present, join, absent]
    default: present
  advertise_addr:
    description:
      - Address (and optionally port) the node advertises to the other nodes, for example its private IP address.
      - Used by init and join; when not set, the engine picks its address on the default route.
    type: str
  listen_addr:
    description:
      - Address and port the node listens on for swarm management traffic.
    type: str
    default: 0.0.0.0:2377
  data_path_addr:
    description:
      - Address for data path traffic (overlay networks), when it differs from O(advertise_addr).
    type: str
  data_path_port:
    description:
      - UDP port of the overlay networks' VXLAN traffic (the engine's default is 4789). Only swarm init sets it.
    type: int
  default_addr_pool:
    description:
      - Address pools (CIDR) the swarm takes overlay network subnets from. Only swarm init sets them.
    type: list
    elements: str
  subnet_size:
    description:
      - Prefix length of the subnets taken from O(default_addr_pool). Only swarm init sets it.
    type: int
  force_new_cluster:
    description:
      - At init, force a new single-manager cluster from the state of this node (disaster recovery).
    type: bool
    default: false
  labels:
    description:
      - Labels of the swarm itself (not of its nodes). When given, they replace the swarm's labels.
    type: dict
  node_labels:
    description:
      - Labels of this engine's node (used by placement constraints C(node.labels.<name>)), added to the labels it has.
      - Set through the manager with O(state=join) (O(manager) needed), by the node itself with O(state=present).
        M(dockyard.azure.swarm_node) sets them for any node, and can replace them all.
    type: dict
  task_history_retention_limit:
    description: Number of finished tasks kept per service slot.
    type: int
  snapshot_interval:
    description: Raft log entries between snapshots.
    type: int
  keep_old_snapshots:
    description: Raft snapshots kept besides the current one.
    type: int
  log_entries_for_slow_followers:
    description: Raft log entries kept for slow followers after a snapshot.
    type: int
  heartbeat_tick:
    description: Raft ticks between heartbeats.
    type: int
  election_tick:
    description: Raft ticks without a leader before an election.
    type: int
  dispatcher_heartbeat_period:
    description: Seconds between the heartbeats of the nodes to the dispatcher.
    type: int
  node_cert_expiry:
    description: Validity of the nodes' TLS certificates, in seconds.
    type: int
  autolock_managers:
    description:
      - Lock the managers' raft data with a key when they restart (autolock). Needs O(unlock_key_path).
    type: bool
  unlock_key_path:
    description:
      - With autolock, the file (on the host that runs the module) the unlock key is written to, with mode C(0600). The key
        is never returned.
    type: path
  unlock_key:
    description:
      - The unlock key of a locked manager (autolock after a restart); the module unlocks it before anything else.
    type: str
  rotate_worker_token:
    description: Rotate the worker join token (every run that sets it rotates it).
    type: bool
    default: false
  rotate_manager_token:
    description: Rotate the manager join token (every run that sets it rotates it).
    type: bool
    default: false
  rotate_unlock_key:
    description: Rotate the unlock key (every run that sets it rotates it); the new key goes to O(unlock_key_path).
    type: bool
    default: false
  manager:
    description:
      - Connection to a manager of the swarm, with the same options as the engine's own connection.
      - With O(state=join) the join token, the managers' addresses and the node's current membership come from it, and the
        node is promoted or demoted through it. With O(state=absent) a manager is demoted first and the node is then
        removed from the node list.
    type: dict
    suboptions:
      docker_host:
        description: The manager's engine, as C(unix://), C(tcp://) or C(ssh://) URL.
        type: str
      tls:
        description: Use TLS without verifying the manager's certificate unless O(manager.validate_certs=true).
        type: bool
      validate_certs:
        description: Use TLS and verify the manager's certificate.
        type: bool
      ca_path:
        description: CA certificate of the manager's engine.
        type: path
      client_cert:
        description: Client certificate for the manager's engine.
        type: path
      client_key:
        description: Private key of O(manager.client_cert).
        type: path
      api_version:
        description: API version to speak to the manager.
        type: str
      timeout:
        description: Timeout in seconds of one API call to the manager.
        type: int
      use_ssh_client:
        description: Use the system C(ssh) client for an C(ssh://) manager.
        type: bool
        default: false
  role:
    description:
      - With O(state=join), the role of the node in the swarm.
    type: str
    choices: [worker, manager]
    default: worker
  join_token:
    description:
      - With O(state=join) and no O(manager), the join token (the role follows the token).
    type: str
  remote_addrs:
    description:
      - With O(state=join), addresses (C(host:port)) of managers to join through. Read from O(manager) when not given.
    type: list
    elements: str
  force:
    description:
      - With O(state=absent), make a manager leave without demoting it first. For the last manager this ends the swarm.
    type: bool
    default: false
notes:
  - Swarm needs TCP 2377 (management) and TCP/UDP 7946 (gossip) between the nodes, and UDP 4789 (or O(data_path_port)) for
    overlay networks.
seealso:
  - module: dockyard.azure.swarm_node
  - module: dockyard.azure.swarm_info
  - module: dockyard.azure.stack
'''

EXAMPLES = r'''
- name: The first manager (creates the swarm)
  dockyard.azure.swarm:
    state: present
    advertise_addr: 10.0.0.4
    docker_host: tcp://10.0.0.4:2376
    validate_certs: true
    ca_path: tls/vm1/ca.pem
    client_cert: tls/vm1/cert.pem
    client_key: tls/vm1/key.pem

- name: A worker joins (the token comes from the manager)
  dockyard.azure.swarm:
    state: join
    role: worker
    advertise_addr: 10.0.0.5
    docker_host: tcp://10.0.0.5:2376
    validate_certs: true
    ca_path: tls/vm2/ca.pem
    client_cert: tls/vm2/cert.pem
    client_key: tls/vm2/key.pem
    manager:
      docker_host: tcp://10.0.0.4:2376
      validate_certs: true
      ca_path: tls/vm1/ca.pem
      client_cert: tls/vm1/cert.pem
      client_key: tls/vm1/key.pem

- name: Autolock, the key in a file only root can read
  dockyard.azure.swarm:
    state: present
    autolock_managers: true
    unlock_key_path: /etc/dockyard/swarm-unlock-key

- name: The node leaves the swarm and is removed from it
  dockyard.azure.swarm:
    state: absent
    docker_host: tcp://10.0.0.5:2376
    manager:
      docker_host: tcp://10.0.0.4:2376
'''

RETURN = r'''
actions:
  description: What was done (or would be done in check mode), for example C(init), C(join as worker), C(promote to manager),
    C(set node labels), C(update), C(leave), C(remove node).
  returned: success
  type: list
  elements: str
  sample: ["join as worker"]
swarm:
  description: The swarm as the engine (or the manager) sees it after the run. Join tokens and keys are never returned.
  returned: success
  type: dict
  contains:
    id:
      description: ID of the swarm (null when the engine is in none).
      type: str
    local_node_state:
      description: The engine's membership state (V(inactive), V(pending), V(active), V(error), V(locked)).
      type: str
    node_id:
      description: The engine's node ID in the swarm.
      type: str
    node_addr:
      description: Address the node advertises.
      type: str
    is_manager:
      description: Whether the engine is a manager.
      type: bool
    version:
      description: Version of the swarm object; unchanged when its settings were not written.
      type: int
    settings:
      description: Cluster settings, with the option names of this module (durations in seconds).
      type: dict
  sample: {"id": "jwz0tzx...", "local_node_state": "active", "node_id": "rpw66k5...", "node_addr": "10.0.0.4",
           "is_manager": true, "version": 10, "settings": {"heartbeat_tick": 1, "autolock_managers": false}}
'''

from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import DOCKER_COMMON_ARGS
from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerModule
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.cluster import SwarmMembership

MANAGER_OPTIONS = {name: {k: v for k, v in option.items() if k != 'aliases'} for name, option in DOCKER_COMMON_ARGS.items()}

ARGUMENT_SPEC = dict(
    state=dict(type='str', default='present', choices=['present', 'join', 'absent']),
    advertise_addr=dict(type='str'),
    listen_addr=dict(type='str', default='0.0.0.0:2377'),
    data_path_addr=dict(type='str'),
    data_path_port=dict(type='int'),
    default_addr_pool=dict(type='list', elements='str'),
    subnet_size=dict(type='int'),
    force_new_cluster=dict(type='bool', default=False),
    labels=dict(type='dict'),
    node_labels=dict(type='dict'),
    task_history_retention_limit=dict(type='int'),
    snapshot_interval=dict(type='int'),
    keep_old_snapshots=dict(type='int'),
    log_entries_for_slow_followers=dict(type='int'),
    heartbeat_tick=dict(type='int'),
    election_tick=dict(type='int'),
    dispatcher_heartbeat_period=dict(type='int'),
    node_cert_expiry=dict(type='int'),
    autolock_managers=dict(type='bool'),
    unlock_key_path=dict(type='path'),
    unlock_key=dict(type='str', no_log=True),
    rotate_worker_token=dict(type='bool', default=False, no_log=False),
    rotate_manager_token=dict(type='bool', default=False, no_log=False),
    rotate_unlock_key=dict(type='bool', default=False, no_log=False),
    manager=dict(type='dict', options=MANAGER_OPTIONS),
    role=dict(type='str', default='worker', choices=['worker', 'manager']),
    join_token=dict(type='str', no_log=True),
    remote_addrs=dict(type='list', elements='str'),
    force=dict(type='bool', default=False),
)


def main():
    module = DockerModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                          required_if=[('autolock_managers', True, ('unlock_key_path',))])
    with module.errors():
        manager = module.params['manager']
        result = SwarmMembership(module.client, module.params, check_mode=module.check_mode, warn=module.warn,
                                 manager_factory=(lambda: module.client_for(manager, 'manager')) if manager else None).run()
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
