#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
---
module: compose_info
short_description: List the Compose projects of a Docker engine, or describe one
version_added: 0.1.0
description:
  - Without O(project_name), lists the Compose projects found on the engine by their container labels,
    whoever deployed them (this collection or the Compose CLI).
  - With O(project_name), returns the project's services with their containers, state, health and
    published ports, and its networks and volumes.
author:
  - dockyard.azure contributors (@dockyard)
extends_documentation_fragment:
  - dockyard.azure.docker
  - dockyard.azure.docker.action_group
  - ansible.builtin.action_common_attributes
  - dockyard.azure.docker.info_module
attributes:
  platform:
    platforms: posix
options:
  project_name:
    description:
      - The project to describe.
    type: str
seealso:
  - module: dockyard.azure.compose
'''

EXAMPLES = r'''
- name: List the projects on the local engine
  dockyard.azure.compose_info:
  register: projects

- name: Describe one project on a remote engine
  dockyard.azure.compose_info:
    project_name: app
    docker_host: ssh://azureuser@vm1.example.com
  register: app
'''

RETURN = r'''
projects:
  description: The projects on the engine (without O(project_name)).
  returned: when O(project_name) is not given
  type: list
  elements: dict
  contains:
    name:
      description: Project name.
      type: str
    status:
      description: Container states and counts, as C(docker compose ls) shows them.
      type: str
      sample: running(3)
    services:
      description: Service names.
      type: list
      elements: str
    config_files:
      description: Compose files recorded in the containers' labels.
      type: list
      elements: str
    working_dir:
      description: Project directory recorded in the containers' labels.
      type: str
exists:
  description: Whether the project has containers, networks or volumes on the engine.
  returned: when O(project_name) is given
  type: bool
services:
  description: The project's services with their containers (name, id, state, health, ports).
  returned: when O(project_name) is given
  type: list
  elements: dict
  sample: [{"name": "web", "state": "running", "containers": [{"name": "app-web-1", "id": "3f1c...",
           "state": "running", "health": "healthy", "ports": ["0.0.0.0:8080->80/tcp"]}]}]
networks:
  description: Names of the project's networks.
  returned: when O(project_name) is given
  type: list
  elements: str
volumes:
  description: Names of the project's volumes.
  returned: when O(project_name) is given
  type: list
  elements: str
'''

from ansible_collections.dockyard.azure.plugins.module_utils.compose.manager import ComposeInfoManager
from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerModule

ARGUMENT_SPEC = dict(
    project_name=dict(type='str'),
)


def main():
    module = DockerModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = ComposeInfoManager(module.context(), module.params['project_name']).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
