#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: stack
short_description: Deploy a Compose project to a Docker Swarm as a stack, with the Docker SDK
version_added: 0.2.0
description:
  - Loads a Compose project with the collection's Compose loader (every Compose feature it knows - several files,
    C(extends), C(include), interpolation, profiles, ...) and deploys it to a swarm as a stack, through the Docker SDK for
    Python and a manager's API. No Docker CLI is needed.
  - Networks (overlay by default, C(attachable) where asked), configs and secrets are created first, then the services.
    The C(deploy) keys become the service's settings - C(mode) (V(replicated), V(global), V(replicated-job),
    V(global-job)), C(replicas), C(placement) (constraints, spread preferences, C(max_replicas_per_node)), C(resources),
    C(restart_policy), C(update_config), C(rollback_config), C(endpoint_mode), C(labels) - as do healthchecks, named
    volumes, bind and tmpfs mounts and published ports in C(ingress) and C(host) mode.
  - Objects carry the labels C(docker stack deploy) sets (C(com.docker.stack.namespace), C(com.docker.stack.image)) and
    are named C(<stack>_<name>), so C(docker stack ls), C(services), C(ps) and C(rm) on a manager treat the stack as theirs,
    and a stack the CLI deployed is adopted without redeploying its services.
  - A service is updated only when its spec differs from the engine's (specs are compared with the engine's defaults
    filled in, not by timestamps); the engine's own rolling update then applies C(update_config).
  - Configs and secrets cannot change in the engine, so each content gets its own versioned name
    (C(<stack>_<name>-<digest>)); the services move to the new version and versions no service uses any more are
    removed.
  - With O(wait=true) the module waits until every service it wrote runs its new spec (tasks running, and healthy
    when the service has a healthcheck). When the engine pauses or rolls back the update (C(update_config.failure_action)),
    or the tasks keep failing, the module fails with the tasks' error messages.
author:
  - dockyard.azure contributors (@dockyard)
extends_documentation_fragment:
  - dockyard.azure.docker
  - dockyard.azure.docker.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Returns the exact plan (every network, config, secret and service write, in order) and makes no write call.
      Secrets of unknown content that a real run would confirm with the engine (an adopted CLI stack) are planned as
      adopted.
  diff_mode:
    support: full
    details: One diff per service that is created, updated, recreated or removed, between the engine's spec and the new
      one (both with the engine's defaults filled in). Secret data never appears.
  platform:
    platforms: posix
options:
  name:
    description:
      - Name of the stack. Its objects are named C(<name>_<object>) and labelled C(com.docker.stack.namespace=<name>).
      - Also the Compose project name used for interpolation (C(COMPOSE_PROJECT_NAME)).
    type: str
    required: true
    aliases: [stack]
  state:
    description:
      - V(present) deploys the project.
      - V(absent) removes the stack's services, configs, secrets and networks, as C(docker stack rm) does (named volumes
        stay on the nodes).
    type: str
    choices: [present, absent]
    default: present
  project_src:
    description:
      - Directory of the project; Compose files are looked up there unless O(files) is given.
    type: path
  files:
    description:
      - Compose files, merged in order with the Compose specification's merge rules.
    type: list
    elements: path
  definition:
    description:
      - The Compose project inline, as a mapping.
      - Mutually exclusive with O(files).
    type: dict
  env_files:
    description:
      - Environment files for variable interpolation, instead of the project's C(.env).
    type: list
    elements: path
  environment:
    description:
      - Variables for interpolation and for configs and secrets with C(environment), on top of the module's environment.
    type: dict
  profiles:
    description:
      - Profiles to enable.
    type: list
    elements: str
  prune:
    description:
      - Also remove the stack's services and networks that are no longer in the project (C(docker stack deploy --prune)).
      - Unused versions of the stack's configs and secrets are removed either way.
    type: bool
    default: false
  wait:
    description:
      - Wait until the services written by this run converge, and fail with the tasks' errors if they do not.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for convergence (and, with O(state=absent), for the networks to be free).
    type: int
    default: 300
notes:
  - "Which endpoint mode and publish mode to use: the default C(vip) endpoint with ports published in C(ingress) mode gives
    every node of the swarm the port (the routing mesh) and needs IPVS in the nodes' kernels, as on Azure VMs. Where IPVS is
    missing (some container hosts), use C(endpoint_mode: dnsrr) and ports with C(mode: host): each task publishes the port
    on its own node. See docs/swarm.md."
  - Keys a swarm cannot use (C(build), C(container_name), C(privileged), C(network_mode), ...) are ignored with a warning,
    as C(docker stack deploy) does; a service with C(build) and no C(image) is refused.
  - Images are not pulled or resolved to digests by the module; every node needs access to the image (a registry, or
    M(dockyard.azure.image_copy) to each node).
  - A secret's content cannot be read back from the engine; its versioned name and the label C(dockyard.azure.digest)
    carry a truncated SHA-256 of it.
seealso:
  - module: dockyard.azure.swarm
  - module: dockyard.azure.swarm_info
  - module: dockyard.azure.compose
  - name: docker stack deploy
    description: The Docker CLI's stack deployment, whose labels and names this module uses.
    link: https://docs.docker.com/reference/cli/docker/stack/deploy/
'''

EXAMPLES = r'''
- name: Deploy the app to the swarm through a manager
  dockyard.azure.stack:
    name: app
    project_src: /srv/app
    docker_host: tcp://10.0.0.4:2376
    validate_certs: true
    ca_path: tls/ca.pem
    client_cert: tls/cert.pem
    client_key: tls/key.pem

- name: A stack that works without IPVS (DNS round robin, ports on each task's node)
  dockyard.azure.stack:
    name: web
    definition:
      services:
        web:
          image: registry.example.com/web:1.4
          ports:
            - target: 8080
              published: 8080
              mode: host
          deploy:
            mode: global
            endpoint_mode: dnsrr
            update_config:
              failure_action: rollback
    prune: true

- name: What would change (the plan, and a diff per service)
  dockyard.azure.stack:
    name: app
    project_src: /srv/app
  check_mode: true
  diff: true
  register: plan

- name: Remove the stack
  dockyard.azure.stack:
    name: app
    state: absent
'''

RETURN = r'''
stack:
  description: Name of the stack.
  returned: success
  type: str
  sample: app
actions:
  description:
    - The writes done, or in check mode the writes a run would do, in order.
    - Each has C(action) (create, update, recreate, remove, adopt), C(kind) (network, config, secret, service), C(name) (the
      engine's name), C(key) (the Compose name) and C(changes) (the spec fields that differ, or why).
  returned: success
  type: list
  elements: dict
  sample: [{"action": "update", "kind": "service", "name": "app_web", "key": "web",
            "changes": ["TaskTemplate.ContainerSpec.Env"]}]
services:
  description: Every service of the project, as it is after the run (in check mode, as it is now).
  returned: success
  type: list
  elements: dict
  contains:
    key:
      description: Service name in the Compose project.
      type: str
    name:
      description: Service name in the swarm (C(<stack>_<key>)).
      type: str
    action:
      description: What the run did to it (V(create), V(update), V(recreate), V(none)).
      type: str
    changes:
      description: Spec fields that differed.
      type: list
      elements: str
    id:
      description: Service ID (null in check mode for a service to create).
      type: str
    version:
      description: The engine's version of the service object; unchanged when the service was not written.
      type: int
    mode:
      description: V(replicated), V(global), V(replicated-job) or V(global-job).
      type: str
    replicas:
      description: Replica count of a replicated service.
      type: int
    image:
      description: Image of the service's tasks.
      type: str
  sample: [{"key": "web", "name": "app_web", "action": "none", "changes": [], "id": "n1x6...", "version": 1042,
            "mode": "replicated", "replicas": 3, "image": "registry.example.com/web:1.4"}]
'''

from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerModule
from ansible_collections.dockyard.azure.plugins.module_utils.swarm.stack_manager import StackManager

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True, aliases=['stack']),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    project_src=dict(type='path'),
    files=dict(type='list', elements='path'),
    definition=dict(type='dict'),
    env_files=dict(type='list', elements='path'),
    environment=dict(type='dict'),
    profiles=dict(type='list', elements='str'),
    prune=dict(type='bool', default=False),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=300),
)


def main():
    module = DockerModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, mutually_exclusive=[('files', 'definition')])
    with module.errors():
        result = StackManager(lambda: module.client, module.params, check_mode=module.check_mode, diff=module._diff,
                              warn=module.warn).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
