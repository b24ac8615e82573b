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

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import (
    DOCKER_COMMON_ARGS,
    DOCKER_IMPORT_ERROR,
    HAS_DOCKER,
    DockerConnectionError,
    get_api_client,
)
from ansible_collections.dockyard.azure.plugins.module_utils.docker.images import ImageCopyError, copy_image, plan_copy, tag_image


def main():
    source_options = {k: {kk: vv for kk, vv in v.items() if kk != 'aliases'}
                      for k, v in DOCKER_COMMON_ARGS.items()}
    argument_spec = dict(DOCKER_COMMON_ARGS)
    argument_spec.update(
        images=dict(type='list', elements='str', required=True),
        source=dict(type='dict', options=source_options),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_DOCKER:
        module.fail_json(msg=missing_required_lib('docker'), exception=DOCKER_IMPORT_ERROR)
    try:
        source = get_api_client(module.params['source'] or {})
    except DockerConnectionError as exc:
        module.fail_json(msg='source: %s' % exc)
    try:
        target = get_api_client(module.params)
    except DockerConnectionError as exc:
        module.fail_json(msg=str(exc))
    result = dict(changed=False, copied=[], tagged=[], already_present=[])
    try:
        plan = plan_copy(source, target, module.params['images'])
        for item in plan:
            if item['action'] == 'skip':
                result['already_present'].append(item['image'])
                continue
            if not module.check_mode:
                if item['action'] == 'copy':
                    copy_image(source, target, item['image'])
                else:
                    tag_image(target, item['id'], item['image'])
            result['copied' if item['action'] == 'copy' else 'tagged'].append(item['image'])
            result['changed'] = True
    except ImageCopyError as exc:
        module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
