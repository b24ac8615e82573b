#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
---
module: compose
short_description: Deploy a Docker Compose project with the Docker SDK
version_added: 0.1.0
description:
  - Loads a Compose project (files, a project directory or an inline definition) the way C(docker compose)
    does, plans what must change on a Docker engine, and applies the plan through the Docker SDK for Python.
    No Compose CLI is needed on the controller or on the Docker host.
  - Networks and volumes are created first, then services in dependency order, honouring the
    C(depends_on) conditions C(service_started), C(service_healthy) and C(service_completed_successfully).
    Independent services and the replicas of a service are created concurrently.
  - A container is recreated only when its effective configuration changed (the C(com.docker.compose.config-hash)
    label, computed as Compose computes it) or its image changed. Named volumes survive recreation; anonymous
    volumes are handed over to the new container.
  - Containers, networks and volumes carry the labels Compose puts on them, so C(docker compose ps), C(down)
    and C(up) on the host treat the project as theirs.
author:
  - dockyard.azure contributors (@dockyard)
extends_documentation_fragment:
  - dockyard.azure.docker
  - dockyard.azure.docker.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Returns the exact plan (create, recreate, start, stop, remove per container, network, volume and
      image) and makes no write call. With O(pull=always) the plan assumes the registry holds the image it
      already has.
  diff_mode:
    support: full
    details: Per service, the containers before and after (state, configuration hash, image), plus the
      project's networks and volumes.
  platform:
    platforms: posix
options:
  project_src:
    description:
      - Directory of the project. Compose files are looked up there (C(compose.yaml), C(compose.yml),
        C(docker-compose.yml), C(docker-compose.yaml), plus the matching C(*.override.*) file) unless O(files)
        is given, and relative paths of the project are resolved from it.
    type: path
  files:
    description:
      - Compose files, merged in order with the Compose specification's merge rules.
      - Relative paths are resolved from O(project_src), or the current directory.
    type: list
    elements: path
  definition:
    description:
      - The Compose project inline, as a mapping (what a C(compose.yaml) holds).
      - Mutually exclusive with O(files).
      - With O(project_src) as well, the definition is the project and O(project_src) only its working directory
        (relative paths, C(.env)); a O(project_src) that holds a Compose file is refused, so that it is never
        unclear which of the two defines the project.
    type: dict
  project_name:
    description:
      - Project name. Defaults to the C(name) of the Compose file, else the name of O(project_src).
      - Lowercase letters, digits, C(-) and C(_), starting with a letter or digit (checked before anything is read).
      - Enough on its own with O(state=absent) to remove a project whose files are gone.
    type: str
  env_files:
    description:
      - Environment files used for variable interpolation, instead of the project's C(.env).
    type: list
    elements: path
  environment:
    description:
      - Variables for interpolation, on top of the environment of the module and O(env_files).
      - Their values are treated as secrets (never shown in the task output); give passwords and tokens here, as
        C(${NAME}) in the project, rather than inline in O(definition).
    type: dict
  profiles:
    description:
      - Profiles to enable.
    type: list
    elements: str
  services:
    description:
      - Only converge these services (and the services they depend on).
    type: list
    elements: str
  state:
    description:
      - V(present) creates, recreates and starts what is needed.
      - V(stopped) stops the running containers of the project.
      - V(restarted) converges like V(present), then restarts the containers that were left running.
      - V(absent) removes the containers and networks of the project (see O(remove_volumes), O(remove_images)).
    type: str
    default: present
    choices: [present, stopped, restarted, absent]
  pull:
    description:
      - When to pull images. V(policy) follows each service's C(pull_policy) (default C(missing)).
    type: str
    default: policy
    choices: [policy, missing, always, never]
  build:
    description:
      - When to build the images of services that have a C(build) section, through the engine's build API.
      - V(missing) builds images that are not present (and services with C(pull_policy=build)).
    type: str
    default: missing
    choices: [never, missing, always]
  recreate:
    description:
      - V(auto) recreates containers whose configuration or image changed, V(always) recreates all,
        V(never) keeps existing containers.
    type: str
    default: auto
    choices: [auto, always, never]
  remove_orphans:
    description:
      - Remove containers of services that are no longer in the project.
    type: bool
    default: false
  scale:
    description:
      - Number of containers per service (service name to number), overriding C(scale) and C(deploy.replicas).
    type: dict
  wait:
    description:
      - Wait until the containers run, and are healthy when they have a healthcheck.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true), and for C(depends_on) conditions.
    type: int
    default: 300
  stop_timeout:
    description:
      - Seconds to wait for a container to stop before killing it.
      - Defaults to the service's C(stop_grace_period), else 10.
    type: int
  remove_volumes:
    description:
      - With O(state=absent), also remove the project's named volumes.
    type: bool
    default: false
  remove_images:
    description:
      - With O(state=absent), also remove the images of the services (V(all)), or only the images built for
        services without an C(image) name (V(local)).
    type: str
    choices: [all, local]
  lock_timeout:
    description:
      - Seconds to wait when another run is changing the same project on the same engine (another task, another
        playbook, another controller), before failing with a message that names that run (host, process, since when).
      - Runs that change a project take its lock, a container named C(<project>_dockyard-lock) that is created and
        never started; the engine refuses a second container of that name, so one run at a time changes a project
        whatever controller it runs on. Runs with nothing to change, and check mode, read without the lock.
      - A lock is broken without waiting when its run is gone (its process ended on this host), or when it is older
        than the O(lock_timeout) of the run that took it. Set it above your longest run when several controllers
        deploy the same project. See the reliability guide.
    type: int
    default: 600
  registries:
    description:
      - Credentials the engine pulls images with, per registry, for example an Azure Container Registry's admin user
        or C(00000000-0000-0000-0000-000000000000) with a registry refresh token.
      - The Docker engine keeps no credentials of its own; a pull over its API carries them (as C(docker pull)
        sends those of the client's C(docker login)). Images of other registries are pulled without credentials.
    type: list
    elements: dict
    suboptions:
      server:
        description:
          - Registry host (C(host) or C(host:port)) as it appears in the image references, such as
            V(myregistry.azurecr.io).
        type: str
        required: true
      username:
        description:
          - User name.
        type: str
        required: true
      password:
        description:
          - Password or token.
        type: str
        required: true
requirements:
  - docker >= 7.0 (Python library)
  - PyYAML
notes:
  - The project is loaded on the host that runs the module (usually the controller with
    C(delegate_to=localhost), or the Docker host itself).
  - A one-shot service that a dependent waits for with C(service_completed_successfully) and that exited
    with code 0 is left as it is on later runs, so the project stays idempotent.
  - Everything that can be checked before a write is checked first, so a refused project leaves the engine
    untouched. That covers the model, volume types, duplicate container names and host ports, missing secret
    files and build contexts, names taken by other containers, and missing external networks and images.
  - Networks of a project that exist twice with one name (left by concurrent runs of older versions or other tools)
    are healed with a warning. The empty duplicates are removed, the one in use is kept.
seealso:
  - module: dockyard.azure.compose_info
  - name: Compose specification
    description: The format of the files this module loads.
    link: https://compose-spec.io/
'''

EXAMPLES = r'''
- name: Deploy the project in /opt/app and wait for healthy containers
  dockyard.azure.compose:
    project_src: /opt/app
    wait: true

- name: Deploy to a remote engine over TCP with TLS client verification
  dockyard.azure.compose:
    project_src: /opt/app
    docker_host: tcp://vm1.example.com:2376
    validate_certs: true
    ca_path: /etc/pki/docker/ca.pem
    client_cert: /etc/pki/docker/cert.pem
    client_key: /etc/pki/docker/key.pem

- name: Inline definition, three web replicas
  dockyard.azure.compose:
    project_name: demo
    definition:
      services:
        web:
          image: nginx:1.27
          ports: ["8080:80"]
    scale:
      web: 3

- name: Remove the project, its volumes and the images it built
  dockyard.azure.compose:
    project_src: /opt/app
    state: absent
    remove_volumes: true
    remove_images: local
'''

RETURN = r'''
project_name:
  description: Name of the project.
  returned: success
  type: str
  sample: app
actions:
  description:
    - What was done, or in check mode what would be done, in order.
    - Each item has C(action) (pull, build, create, recreate, start, stop, restart, unpause, remove),
      C(type) (image, network, volume, container), C(name) and, for containers, C(service) and C(reason).
  returned: success
  type: list
  elements: dict
  sample: [{"action": "create", "type": "container", "name": "app-web-1", "service": "web", "reason": "no container"}]
lock_waited:
  description: Seconds this run waited for another run of the same project to release the project's lock (0 when none ran).
  returned: success
  type: float
  sample: 0
services:
  description: Every service of the project with its containers as they are after the run.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Service name.
      type: str
    state:
      description: State of the containers (V(running), V(exited), ...), V(mixed) or V(none).
      type: str
    containers:
      description: Containers of the service.
      type: list
      elements: dict
      contains:
        name:
          description: Container name.
          type: str
        id:
          description: Container ID.
          type: str
        state:
          description: Container state.
          type: str
        health:
          description: Health status (V(healthy), V(unhealthy), V(starting)) or null without healthcheck.
          type: str
        ports:
          description: Published ports as C(ip:public->private/proto).
          type: list
          elements: str
  sample: [{"name": "web", "state": "running", "containers": [{"name": "app-web-1", "id": "3f1c...",
           "state": "running", "health": null, "ports": ["127.0.0.1:8080->80/tcp"]}]}]
'''

from ansible_collections.dockyard.azure.plugins.module_utils.compose.manager import ComposeManager
from ansible_collections.dockyard.azure.plugins.module_utils.compose.options import BUILD, PULL, RECREATE, REMOVE_IMAGES, STATES
from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerModule

ARGUMENT_SPEC = dict(
    project_src=dict(type='path'),
    files=dict(type='list', elements='path'),
    definition=dict(type='dict'),
    project_name=dict(type='str'),
    env_files=dict(type='list', elements='path'),
    environment=dict(type='dict', no_log=True),
    profiles=dict(type='list', elements='str'),
    services=dict(type='list', elements='str'),
    state=dict(type='str', default='present', choices=list(STATES)),
    pull=dict(type='str', default='policy', choices=list(PULL)),
    build=dict(type='str', default='missing', choices=list(BUILD)),
    recreate=dict(type='str', default='auto', choices=list(RECREATE)),
    remove_orphans=dict(type='bool', default=False),
    scale=dict(type='dict'),
    wait=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=300),
    stop_timeout=dict(type='int'),
    remove_volumes=dict(type='bool', default=False),
    remove_images=dict(type='str', choices=list(REMOVE_IMAGES)),
    lock_timeout=dict(type='int', default=600),
    registries=dict(type='list', elements='dict', options=dict(
        server=dict(type='str', required=True),
        username=dict(type='str', required=True),
        password=dict(type='str', required=True, no_log=True),
    )),
)


def main():
    module = DockerModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                          mutually_exclusive=[('files', 'definition')],
                          required_one_of=[('project_src', 'files', 'definition', 'project_name')])
    with module.errors():
        result = ComposeManager(module.context(), module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
