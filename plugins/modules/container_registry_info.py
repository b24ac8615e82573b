#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_registry_info
short_description: Get facts about Azure Container Registries, and their credentials
version_added: 0.1.0
description:
  - Get one registry by name, the registries of a resource group, or those of the subscription, optionally filtered
    by tags.
  - With O(credentials), also the credentials to log in to one registry, its admin user or a refresh token for
    this module's own Microsoft Entra identity (what C(az acr login --expose-token) gives).
author:
  - dockyard.azure contributors (@dockyard)
options:
  name:
    description:
      - Name of one registry (with O(resource_group)). If it does not exist, RV(registries) is empty.
    type: str
  resource_group:
    description:
      - Only the registries of this resource group.
    type: str
  credentials:
    description:
      - Also return credentials for the registry O(name) in RV(credentials) (secrets, so use C(no_log=true) on the task).
      - V(admin) returns the admin user and its passwords; the admin user must be enabled.
      - V(token) exchanges this module's Microsoft Entra token (service principal, workload identity, managed
        identity, Azure CLI) at the registry for a refresh token, as C(az acr login) does. It needs no admin
        user; on Azure the identity needs a role that allows pulling or pushing (AcrPull, AcrPush).
    type: str
    choices: [none, admin, token]
    default: none
extends_documentation_fragment:
  - dockyard.azure.azure
  - dockyard.azure.azure.action_group
  - dockyard.azure.tags.filter
  - ansible.builtin.action_common_attributes
  - dockyard.azure.azure.info_module
attributes:
  platform:
    platforms: all
requirements:
  - azure-mgmt-containerregistry >= 10
seealso:
  - module: dockyard.azure.container_registry
  - module: dockyard.azure.image_push
"""

EXAMPLES = r"""
- name: Where to push
  dockyard.azure.container_registry_info:
    name: myregistry
    resource_group: rg-apps
  register: acr

- name: A registry token for the pipeline's own identity (no admin user needed)
  dockyard.azure.container_registry_info:
    name: myregistry
    resource_group: rg-apps
    credentials: token
  register: acr_login
  no_log: true

- name: Every registry of the team
  dockyard.azure.container_registry_info:
    tags:
      - team:platform
  register: registries
"""

RETURN = r"""
registries:
  description: The registries found.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource ID of the registry.
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-apps/providers/Microsoft.ContainerRegistry/registries/myregistry
    name:
      description: Name of the registry.
      type: str
      sample: myregistry
    resource_group:
      description: Its resource group.
      type: str
      sample: rg-apps
    location:
      description: Azure region of the registry.
      type: str
      sample: westeurope
    tags:
      description: Tags of the registry.
      type: dict
      sample: {"env": "dev"}
    sku:
      description: V(Basic), V(Standard) or V(Premium).
      type: str
      sample: Basic
    admin_user_enabled:
      description: Whether the admin user (user name = registry name, two passwords) may log in.
      type: bool
      sample: false
    login_server:
      description:
        - Where clients push and pull, C(<name>.azurecr.io) on Azure. The emulator answers C(<address>:<port>)
          of its registry server, an address both this machine and its container VMs reach.
      type: str
      sample: myregistry.azurecr.io
    provisioning_state:
      description: Provisioning state reported by Azure.
      type: str
      sample: Succeeded
    creation_date:
      description: When the registry was created.
      type: str
      sample: "2026-12-06T10:00:00.0000000Z"
    public_network_access:
      description: V(Enabled) or V(Disabled).
      type: str
      sample: Enabled
    anonymous_pull_enabled:
      description: Whether anyone may pull without credentials.
      type: bool
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

from ansible_collections.dockyard.azure.plugins.module_utils.azure.container_registry import CREDENTIALS, ContainerRegistryInfo
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import TAG_FILTER_ARGUMENT_SPEC

ARGUMENT_SPEC = dict(
    name=dict(type='str'),
    resource_group=dict(type='str'),
    credentials=dict(type='str', choices=list(CREDENTIALS), default='none'),
    **TAG_FILTER_ARGUMENT_SPEC,
)


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, required_by={'name': 'resource_group'})
    with module.errors():
        result = ContainerRegistryInfo(module.context(), module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
