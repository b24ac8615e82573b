#!/usr/bin/python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: resource_group
short_description: Create, update and delete Azure resource groups
version_added: 0.1.0
description:
  - Create a resource group, update its tags, or delete it.
  - Deleting a resource group that still contains resources fails unless O(force_delete_nonempty=true).
  - The location of an existing resource group cannot change; asking for another one fails without changing anything.
author:
  - dockyard.azure contributors (@dockyard)
options:
  name:
    description:
      - Name of the resource group.
    type: str
    required: true
  location:
    description:
      - Azure region of the resource group, for example V(westeurope).
      - Required to create a resource group. For an existing group it may be omitted;
        if given it must match the group's region (case and spaces are ignored).
    type: str
  state:
    description:
      - V(present) creates the group or updates its tags; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  force_delete_nonempty:
    description:
      - With O(state=absent), delete the resource group even if it still contains resources, deleting them with it.
      - When V(false), deleting a group that contains resources fails and lists them.
    type: bool
    default: false
  wait:
    description:
      - With O(state=absent), wait for the deletion to finish (up to O(timeout) seconds).
      - When V(false), the task returns once Azure has accepted the deletion.
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
  diff_mode:
    support: full
    details: Shows the location and tags before and after.
  platform:
    platforms: all
requirements:
  - azure-mgmt-resource >= 23
seealso:
  - module: dockyard.azure.resource_group_info
"""

EXAMPLES = r"""
- name: Create a resource group
  dockyard.azure.resource_group:
    name: rg-docker-hosts
    location: westeurope
    tags:
      owner: platform
      env: dev

- name: Replace all tags of an existing group
  dockyard.azure.resource_group:
    name: rg-docker-hosts
    tags:
      env: prod
    append_tags: false

- name: Create a group in the local emulator
  dockyard.azure.resource_group:
    name: rg-test
    location: westeurope
    arm_endpoint: https://127.0.0.1:8443
    authority_host: https://127.0.0.1:8443
    ca_bundle: /tmp/emulator/ca.pem
    subscription_id: 00000000-0000-0000-0000-000000000000
    tenant_id: 11111111-1111-1111-1111-111111111111
    client_id: 22222222-2222-2222-2222-222222222222
    client_secret: "{{ emulator_client_secret }}"

- name: Delete a group and everything in it
  dockyard.azure.resource_group:
    name: rg-docker-hosts
    state: absent
    force_delete_nonempty: true
"""

RETURN = r"""
resource_group:
  description:
    - The resource group after the task; with O(state=absent), an empty dict.
    - In check mode, the group as it would be; C(id) is predicted and C(provisioning_state) is null for a new group.
  returned: always
  type: dict
  contains:
    id:
      description: Resource ID of the group.
      type: str
      returned: when the group exists
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-docker-hosts
    name:
      description: Name of the group.
      type: str
      returned: when the group exists
      sample: rg-docker-hosts
    location:
      description: Azure region of the group.
      type: str
      returned: when the group exists
      sample: westeurope
    tags:
      description: Tags of the group.
      type: dict
      returned: when the group exists
      sample: {"env": "dev", "owner": "platform"}
    managed_by:
      description: ID of the resource that manages this group, if any.
      type: str
      returned: when the group exists
      sample: null
    provisioning_state:
      description: Provisioning state reported by Azure.
      type: str
      returned: when the group exists
      sample: Succeeded
"""

from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.azure.resource_groups import ResourceGroupManager
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import TAGS_ARGUMENT_SPEC

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    location=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    force_delete_nonempty=dict(type='bool', default=False),
    wait=dict(type='bool', default=True),
    **TAGS_ARGUMENT_SPEC,
)


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = ResourceGroupManager(module.context(), module.params).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
