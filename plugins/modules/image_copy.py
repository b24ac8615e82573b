#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
---
module: image_copy
short_description: Copy images from one Docker engine to another
version_added: 0.1.0
description:
  - Streams C(docker save) of each image on the source engine into C(docker load) on the target engine,
    with no registry and no file in between.
  - An image whose ID is already on the target under the same name is skipped; an image whose ID is there
    under another name only gets the missing tag.
  - The connection options at the top level describe the B(target) engine; O(source) describes the source
    engine and defaults to the local engine (or E(DOCKER_HOST)).
author:
  - dockyard.azure contributors (@dockyard)
extends_documentation_fragment:
  - dockyard.azure.docker
  - dockyard.azure.docker.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports what would be copied or tagged; only reads from both engines.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  images:
    description:
      - Image references present on the source engine, for example C(app/web:1.4).
    type: list
    elements: str
    required: true
  source:
    description:
      - Connection to the source engine, with the same options as the target connection.
      - When not given, the source is the local engine (E(DOCKER_HOST) and friends are honoured).
    type: dict
    suboptions:
      docker_host:
        description: Source engine, as C(unix://), C(tcp://) or C(ssh://) URL.
        type: str
      tls:
        description: Use TLS without verifying the server certificate unless O(source.validate_certs=true).
        type: bool
      validate_certs:
        description: Use TLS and verify the source engine's certificate.
        type: bool
      ca_path:
        description: CA certificate of the source engine.
        type: path
      client_cert:
        description: Client certificate for the source engine.
        type: path
      client_key:
        description: Private key of O(source.client_cert).
        type: path
      api_version:
        description: API version to speak to the source engine.
        type: str
      timeout:
        description: Timeout in seconds of one API call to the source engine.
        type: int
      use_ssh_client:
        description: Use the system C(ssh) client for an C(ssh://) source.
        type: bool
        default: false
seealso:
  - module: dockyard.azure.compose
'''

EXAMPLES = r'''
- name: Copy locally built images to a VM's engine over TLS
  dockyard.azure.image_copy:
    images:
      - app/web:1.4
      - app/worker:1.4
    docker_host: tcp://vm1.example.com:2376
    validate_certs: true
    ca_path: certs/ca.pem
    client_cert: certs/cert.pem
    client_key: certs/key.pem

- name: Copy from one VM to another over SSH
  dockyard.azure.image_copy:
    images: [app/web:1.4]
    source:
      docker_host: ssh://azureuser@vm1.example.com
    docker_host: ssh://azureuser@vm2.example.com
'''

RETURN = r'''
copied:
  description: Images streamed to the target (or that would be, in check mode).
  returned: success
  type: list
  elements: str
  sample: [app/web:1.4]
tagged:
  description: Images whose ID was already on the target and that only got their name there.
  returned: success
  type: list
  elements: str
  sample: []
already_present:
  description:
    - Images already on the target with the same ID and name, left alone.
    - Not called C(skipped) because Ansible reserves that key for skipped tasks.
  returned: success
  type: list
  elements: str
  sample: [app/worker:1.4]
'''

from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import DOCKER_COMMON_ARGS
from ansible_collections.dockyard.azure.plugins.module_utils.docker.images import ImageCopyManager
from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerModule

ARGUMENT_SPEC = dict(
    images=dict(type='list', elements='str', required=True),
    # The source engine takes the same connection options as the target, without their aliases.
    source=dict(type='dict', options={name: {k: v for k, v in option.items() if k != 'aliases'}
                                      for name, option in DOCKER_COMMON_ARGS.items()}),
)


def main():
    module = DockerModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = ImageCopyManager(module.context(), module.params['images'], module.params['source']).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
