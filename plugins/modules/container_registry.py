#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_registry
short_description: Create, update and delete Azure Container Registries
version_added: 0.1.0
description:
  - Create an Azure Container Registry, change its SKU, its admin user and its tags, or delete it.
  - Registry names are global across Azure (they become C(<name>.azurecr.io)), so a new name is checked with Azure's
    name availability check first, so a name that is invalid or taken fails before anything is written.
  - Optionally returns the registry's credentials (O(credentials)), for M(dockyard.azure.image_push), C(docker login)
    or M(dockyard.azure.docker_extension)'s registry logins.
author:
  - dockyard.azure contributors (@dockyard)
options:
  name:
    description:
      - Name of the registry, 5-50 letters and digits, unique across Azure.
    type: str
    required: true
  resource_group:
    description:
      - Resource group of the registry. It must exist.
    type: str
    required: true
  location:
    description:
      - Azure region of a new registry. Defaults to the resource group's region.
      - The region of an existing registry cannot change; giving another one fails without changing anything.
    type: str
  sku:
    description:
      - Service tier. A new registry gets V(Basic) when not set; an existing one keeps its SKU unless this is set.
    type: str
    choices: [Basic, Standard, Premium]
  admin_user_enabled:
    description:
      - Whether the admin user (user name = registry name, two passwords) may log in.
      - A new registry gets V(false) when not set; an existing one keeps its setting unless this is set.
      - Prefer Microsoft Entra identities (O(credentials=token)) in pipelines; the admin user suits hosts that
        need a plain user name and password.
    type: bool
  credentials:
    description:
      - Also return credentials for the registry in RV(credentials) (secrets, so use C(no_log=true) on the task).
      - V(admin) returns the admin user and its passwords; the admin user must be enabled.
      - V(token) exchanges this module's Microsoft Entra token (service principal, workload identity, managed
        identity, Azure CLI) at the registry for a refresh token, as C(az acr login) does. It needs no admin
        user; on Azure the identity needs a role that allows pulling or pushing (AcrPull, AcrPush).
    type: str
    choices: [none, admin, token]
    default: none
  state:
    description:
      - V(present) creates or updates the registry; V(absent) deletes it with every image in it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - With O(state=absent), wait for the deletion to finish (up to O(timeout) seconds).
    type: bool
    default: true
extends_documentation_fragment:
  - dockyard.azure.azure
  - dockyard.azure.azure.action_group
  - dockyard.azure.tags
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads only (the name check included); a registry that would be created has no login server yet.
  diff_mode:
    support: full
    details: Shows the SKU, the admin user setting, the tags and the location before and after.
  platform:
    platforms: all
requirements:
  - azure-mgmt-containerregistry >= 10
seealso:
  - module: dockyard.azure.container_registry_info
  - module: dockyard.azure.image_push
"""

EXAMPLES = r"""
- name: A registry for the pipeline's images
  dockyard.azure.container_registry:
    name: myregistry
    resource_group: rg-apps
    sku: Standard
    tags:
      env: prod
  register: acr

- name: A registry whose admin user the Docker hosts log in with
  dockyard.azure.container_registry:
    name: myregistry
    resource_group: rg-apps
    admin_user_enabled: true
    credentials: admin
  register: acr
  no_log: true

- name: Delete the registry and its images
  dockyard.azure.container_registry:
    name: myregistry
    resource_group: rg-apps
    state: absent
"""

RETURN = r"""
registry:
  description:
    - The registry after the task; with O(state=absent), an empty dict.
    - In check mode, the registry as it would be.
  returned: always
  type: dict
  contains:
    id:
      description: Resource ID of the registry.
      type: str
      returned: when the registry exists
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-apps/providers/Microsoft.ContainerRegistry/registries/myregistry
    name:
      description: Name of the registry.
      type: str
      returned: when the registry exists
      sample: myregistry
    resource_group:
      description: Its resource group.
      type: str
      returned: when the registry exists
      sample: rg-apps
    location:
      description: Azure region of the registry.
      type: str
      returned: when the registry exists
      sample: westeurope
    tags:
      description: Tags of the registry.
      type: dict
      returned: when the registry exists
      sample: {"env": "dev"}
    sku:
      description: V(Basic), V(Standard) or V(Premium).
      type: str
      returned: when the registry exists
      sample: Basic
    admin_user_enabled:
      description: Whether the admin user (user name = registry name, two passwords) may log in.
      type: bool
      returned: when the registry exists
      sample: false
    login_server:
      description:
        - Where clients push and pull, C(<name>.azurecr.io) on Azure. The emulator answers C(<address>:<port>)
          of its registry server, an address both this machine and its container VMs reach.
        - Null in check mode for a registry that does not exist yet.
      type: str
      returned: when the registry exists
      sample: myregistry.azurecr.io
    provisioning_state:
      description: Provisioning state reported by Azure.
      type: str
      returned: when the registry exists
      sample: Succeeded
    creation_date:
      description: When the registry was created.
      type: str
      returned: when the registry exists
      sample: "2026-12-06T10:00:00.0000000Z"
    public_network_access:
      description: V(Enabled) or V(Disabled).
      type: str
      returned: when the registry exists
      sample: Enabled
    anonymous_pull_enabled:
      description: Whether anyone may pull without credentials.
      type: bool
      returned: when the registry exists
      sample: false
credentials:
  description:
    - The registry's credentials, only with O(credentials=admin) or O(credentials=token). They are secrets, so register
      the result on a task with C(no_log=true).
    - With V(admin), the admin user and its two passwords; with V(token), the user
      C(00000000-0000-0000-0000-000000000000) and an Azure Container Registry refresh token (valid for 3 hours)
      as password, for C(docker login) or M(dockyard.azure.image_push).
  returned: when O(credentials) is not V(none)
  type: dict
  contains:
    username:
      description: The user name to log in with.
      type: str
      sample: myregistry
    password:
      description: The password (admin) or the refresh token (token).
      type: str
      sample: "..."
    password2:
      description: The admin user's second password (only with V(admin)).
      type: str
      returned: with O(credentials=admin)
      sample: "..."
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.container_registry import CREDENTIALS, SKUS, ContainerRegistryManager
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import TAGS_ARGUMENT_SPEC

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    resource_group=dict(type='str', required=True),
    location=dict(type='str'),
    sku=dict(type='str', choices=list(SKUS)),
    admin_user_enabled=dict(type='bool'),
    credentials=dict(type='str', choices=list(CREDENTIALS), default='none'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    wait=dict(type='bool', default=True),
    **TAGS_ARGUMENT_SPEC,
)


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = ContainerRegistryManager(module.context(), module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
