#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: resource_group_info
short_description: Get facts about Azure resource groups
version_added: 0.1.0
description:
  - Get one resource group by name, or list the resource groups of the subscription, optionally filtered by tags.
  - Optionally lists the resources inside each returned group.
author:
  - dockyard.azure contributors (@dockyard)
options:
  name:
    description:
      - Name of one resource group. If it does not exist, RV(resource_groups) is empty.
      - If not set, all resource groups of the subscription are listed.
    type: str
  list_resources:
    description:
      - Also list the resources inside each returned group, in RV(resource_groups[].resources).
      - This makes one more API call per group.
    type: bool
    default: false
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
  - azure-mgmt-resource >= 23
seealso:
  - module: dockyard.azure.resource_group
"""

EXAMPLES = r"""
- name: Get one resource group
  dockyard.azure.resource_group_info:
    name: rg-docker-hosts
  register: rg

- name: List the groups of the dev environment owned by the platform team
  dockyard.azure.resource_group_info:
    tags:
      - env:dev
      - owner
  register: dev_groups

- name: Show what is inside a group
  dockyard.azure.resource_group_info:
    name: rg-docker-hosts
    list_resources: true
  register: rg_content

- name: Print the resource IDs
  ansible.builtin.debug:
    msg: "{{ rg_content.resource_groups[0].resources | map(attribute='id') | list }}"
  when: rg_content.resource_groups | length > 0
"""

RETURN = r"""
resource_groups:
  description: The matching resource groups; empty when none match.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource ID of the group.
      type: str
      returned: always
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-docker-hosts
    name:
      description: Name of the group.
      type: str
      returned: always
      sample: rg-docker-hosts
    location:
      description: Azure region of the group.
      type: str
      returned: always
      sample: westeurope
    tags:
      description: Tags of the group.
      type: dict
      returned: always
      sample: {"env": "dev"}
    managed_by:
      description: ID of the resource that manages this group, if any.
      type: str
      returned: always
      sample: null
    provisioning_state:
      description: Provisioning state reported by Azure.
      type: str
      returned: always
      sample: Succeeded
    resources:
      description: Resources inside the group.
      type: list
      elements: dict
      returned: when O(list_resources=true)
      contains:
        id:
          description: Resource ID.
          type: str
          returned: always
          sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-docker-hosts/providers/Microsoft.Network/virtualNetworks/vnet1
        name:
          description: Resource name.
          type: str
          returned: always
          sample: vnet1
        type:
          description: Resource type.
          type: str
          returned: always
          sample: Microsoft.Network/virtualNetworks
        location:
          description: Azure region of the resource.
          type: str
          returned: always
          sample: westeurope
        tags:
          description: Tags of the resource.
          type: dict
          returned: always
          sample: {}
        kind:
          description: Kind of the resource, for types that have kinds.
          type: str
          returned: always
          sample: null
        managed_by:
          description: ID of the resource that manages this one, if any.
          type: str
          returned: always
          sample: null
        provisioning_state:
          description: Provisioning state, when Azure reports it in the listing.
          type: str
          returned: always
          sample: null
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.azure.resource_groups import ResourceGroupInfo
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import TAG_FILTER_ARGUMENT_SPEC

ARGUMENT_SPEC = dict(
    name=dict(type='str'),
    list_resources=dict(type='bool', default=False),
    **TAG_FILTER_ARGUMENT_SPEC,
)


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = ResourceGroupInfo(module.context(), module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
