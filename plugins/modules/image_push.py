#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
---
module: image_push
short_description: Push local images to a container registry, such as Azure Container Registry
version_added: 0.1.0
description:
  - Pushes images of a Docker engine (by default the local one) to a registry with the Docker SDK, under the
    repository and tags asked.
  - Only what is missing moves. A tag is skipped when the registry already serves, for it, a manifest this image
    has (it was pushed or pulled from there before); for the other tags the engine uploads only the layers the
    registry lacks. The task reports C(changed) only when the registry's digest of a tag changed.
  - The credentials are checked at the registry before anything is pushed; refused credentials fail with one line
    that names the registry.
  - Log in with the registry's credentials (the admin user of an Azure Container Registry, a token, a robot
    account) or with a Microsoft Entra identity, through M(dockyard.azure.container_registry_info) with
    O(dockyard.azure.container_registry_info#module:credentials=token) exchanges the identity's token for a
    registry refresh token, which is the password of the user C(00000000-0000-0000-0000-000000000000), as with
    C(az acr login).
  - A registry whose certificate is signed by a private CA (the Azure emulator's registries, or a company CA) is
    trusted through O(registry_ca_cert) only, for that registry only, by a C(certs.d) entry of the Docker engine that is
    written for the push and removed afterwards. No daemon restart, no C(insecure-registries).
  - The engine keeps the registry tags (C(<registry>/<repository>:<tag>)) after the push, as C(docker tag) and
    C(docker push) would.
author:
  - dockyard.azure contributors (@dockyard)
extends_documentation_fragment:
  - dockyard.azure.docker
  - dockyard.azure.docker.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the local images and the registry's manifests and reports what would be pushed.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  registry:
    description:
      - The registry's login server, C(host) or C(host:port), for example V(myregistry.azurecr.io); a leading
        C(https://) is ignored.
      - RV(dockyard.azure.container_registry#module:registry.login_server) of an Azure Container Registry.
    type: str
    required: true
  images:
    description:
      - The images to push. Each item is either a local image reference (C(name:tag) or an image ID), or a dict
        with C(source) (that reference), C(repository) (the repository in the registry; by default the source's
        name without a registry host; required for an image ID) and C(tags) (by default the source's tag, or
        C(latest)).
    type: list
    elements: raw
    required: true
  username:
    description:
      - User name at the registry, for example the registry name (an Azure Container Registry's admin user) or
        C(00000000-0000-0000-0000-000000000000) with a refresh token as O(password).
      - When not set, the Docker configuration of the user running the module is used (C(docker login)).
    type: str
  password:
    description:
      - Password (or refresh token) of O(username).
    type: str
  registry_ca_cert:
    description:
      - PEM file with the CA that signed the registry's certificate, when it is not a public CA.
      - Written to C(<certs_dir>/<registry>/ca.crt) (O(certs_dir)) for the push and removed afterwards. Needs write access to
        O(certs_dir), which is the engine's own directory, so this applies to a local engine.
    type: path
  certs_dir:
    description:
      - Where the Docker engine looks for registry CAs.
    type: path
    default: /etc/docker/certs.d
notes:
  - RV(images) carries no secret, but the task's parameters do; tasks that pass O(password) from a registered
    variable should keep that variable out of logs (C(no_log) on the task that fetched it).
seealso:
  - module: dockyard.azure.container_registry
  - module: dockyard.azure.container_registry_info
  - module: dockyard.azure.image_copy
'''

EXAMPLES = r'''
- name: The registry's admin credentials
  dockyard.azure.container_registry_info:
    name: myregistry
    resource_group: rg-apps
    credentials: admin
  register: acr
  no_log: true

- name: Push the locally built images
  dockyard.azure.image_push:
    registry: "{{ acr.registries[0].login_server }}"
    username: "{{ acr.credentials.username }}"
    password: "{{ acr.credentials.password }}"
    images:
      - app/web:1.4
      - source: app/worker:1.4
        tags: ["1.4", latest]

- name: With the pipeline's Microsoft Entra identity instead of the admin user
  dockyard.azure.container_registry_info:
    name: myregistry
    resource_group: rg-apps
    credentials: token
  register: acr_token
  no_log: true

- name: Push with the exchanged token
  dockyard.azure.image_push:
    registry: "{{ acr_token.registries[0].login_server }}"
    username: "{{ acr_token.credentials.username }}"
    password: "{{ acr_token.credentials.password }}"
    images: [app/web:1.4]
'''

RETURN = r'''
registry:
  description: The login server the images went to.
  returned: success
  type: str
  sample: myregistry.azurecr.io
images:
  description: One entry per item of O(images), in order.
  returned: success
  type: list
  elements: dict
  contains:
    source:
      description: The local image as given.
      type: str
      sample: app/web:1.4
    id:
      description: Its image ID.
      type: str
      sample: sha256:858404de76b2549775c89edbc96020affea170574d2b5b008b74542fb605556d
    repository:
      description: The repository in the registry.
      type: str
      sample: app/web
    tags:
      description: The tags it has there after the task.
      type: list
      elements: str
      sample: ["1.4"]
    reference:
      description: C(<registry>/<repository>:<first tag>), what hosts pull.
      type: str
      sample: myregistry.azurecr.io/app/web:1.4
    digests:
      description: Tag -> the manifest digest the registry serves (before the push in check mode; null when none).
      type: dict
      sample: {"1.4": "sha256:dbe33f443f56d34f4d53d1198f77b0e5e20a18734ac3ebb61b89f242157a14ce"}
    pushed_tags:
      description: The tags that were pushed (would be, in check mode); up-to-date tags are not.
      type: list
      elements: str
      sample: ["1.4"]
    layers_pushed:
      description: Layers the engine uploaded.
      type: int
      sample: 1
    layers_skipped:
      description: Layers the registry had already (not uploaded).
      type: int
      sample: 0
    changed:
      description: Whether the registry's digest of one of the tags changed.
      type: bool
      sample: true
'''

from ansible_collections.dockyard.azure.plugins.module_utils.docker.module import DockerModule
from ansible_collections.dockyard.azure.plugins.module_utils.docker.push import ImagePushManager

ARGUMENT_SPEC = dict(
    registry=dict(type='str', required=True),
    images=dict(type='list', elements='raw', required=True),
    username=dict(type='str'),
    password=dict(type='str', no_log=True),
    registry_ca_cert=dict(type='path'),
    certs_dir=dict(type='path', default='/etc/docker/certs.d'),
)


def main():
    module = DockerModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                          required_together=[('username', 'password')])
    with module.errors():
        result = ImagePushManager(module.context(), module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
