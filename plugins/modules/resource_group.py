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
  tags:
    description:
      - Tags of the resource group. Values are converted to strings, as Azure stores them.
      - With O(append_tags=true) these tags are added to (or update) the existing ones;
        with O(append_tags=false) they replace them, and O(tags={}) removes all tags.
      - If not set, the existing tags are left alone.
    type: dict
  append_tags:
    description:
      - Whether O(tags) are merged into the existing tags (V(true)) or replace them (V(false)).
    type: bool
    default: true
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

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError, azure_operation, is_not_found
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.plugins.module_utils.azure.resource_groups import (
    normalize_location,
    resource_group_to_dict,
    resource_to_dict,
)
from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker

# Listing this many resources is enough to tell the user what blocks a delete.
MAX_LISTED_RESOURCES = 10


class ResourceGroupManager:
    """Desired state from the options, actual state from a GET, then the smallest write that converges."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = self.params['name']
        self.check_mode = module.check_mode
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = self.module.client('resource')
        return self._client

    def run(self):
        current = self.get_current()
        if self.params['state'] == 'absent':
            return self.ensure_absent(current)
        return self.ensure_present(current)

    def get_current(self):
        with azure_operation("Could not read resource group '%s'" % self.name):
            try:
                return resource_group_to_dict(self.client.resource_groups.get(self.name))
            except Exception as exc:  # pylint: disable=broad-except
                if is_not_found(exc):
                    return None
                raise

    def desired_tags(self, current_tags):
        tags = self.params.get('tags')
        if tags is None:
            return dict(current_tags)
        wanted = {str(key): '' if value is None else str(value) for key, value in tags.items()}
        if self.params['append_tags']:
            merged = dict(current_tags)
            merged.update(wanted)
            return merged
        return wanted

    def _result(self, changed, group, tracker, before_exists, after_exists):
        result = dict(changed=changed, resource_group=group)
        if getattr(self.module, '_diff', False):
            result['diff'] = tracker.diff(before_exists=before_exists, after_exists=after_exists)
        return result

    def ensure_present(self, current):
        location = self.params.get('location')
        tracker = DifferenceTracker()
        if current is None:
            if not location:
                raise AzureModuleError("location is required to create resource group '%s'." % self.name)
            tags = self.desired_tags({})
            tracker.add('location', None, location)
            tracker.add('tags', None, tags)
            group = self.write(location, tags, managed_by=None, predicted=dict(
                id='/subscriptions/%s/resourceGroups/%s' % (self.module.subscription_id, self.name),
                name=self.name, location=location, tags=tags, managed_by=None, provisioning_state=None))
            return self._result(True, group, tracker, before_exists=False, after_exists=True)

        if location and normalize_location(location) != normalize_location(current['location']):
            raise AzureModuleError(
                "Resource group '%s' is in '%s'; its location cannot be changed to '%s'. "
                "Set location to '%s' (or omit it), or delete the group and create it again."
                % (self.name, current['location'], location, current['location']))
        tags = self.desired_tags(current['tags'])
        tracker.add('location', current['location'], current['location'])
        tracker.add('tags', current['tags'], tags)
        if not tracker.changed:
            return self._result(False, current, tracker, before_exists=True, after_exists=True)
        predicted = dict(current, tags=tags)
        group = self.write(current['location'], tags, managed_by=current.get('managed_by'), predicted=predicted)
        return self._result(True, group, tracker, before_exists=True, after_exists=True)

    def write(self, location, tags, managed_by, predicted):
        """PUT the group (create or full update); in check mode return `predicted` without writing."""
        if self.check_mode:
            return predicted
        # Wire (REST) key names: new SDKs send a dict body as is, older msrest-based ones accept REST keys too.
        body = {'location': location, 'tags': tags}
        if managed_by:
            # PUT replaces the group's properties: keep managedBy so an update does not drop it.
            body['managedBy'] = managed_by
        with azure_operation("Could not create or update resource group '%s'" % self.name):
            return resource_group_to_dict(self.client.resource_groups.create_or_update(self.name, body))

    def list_contained_resources(self):
        with azure_operation("Could not list the resources in resource group '%s'" % self.name):
            return [resource_to_dict(item) for item in self.client.resources.list_by_resource_group(self.name)]

    def ensure_absent(self, current):
        tracker = DifferenceTracker()
        if current is None:
            return self._result(False, {}, tracker, before_exists=False, after_exists=False)
        tracker.add('location', current['location'], None)
        tracker.add('tags', current['tags'], None)

        if not self.params['force_delete_nonempty']:
            contained = self.list_contained_resources()
            if contained:
                shown = ', '.join('%s (%s)' % (item['name'], item['type']) for item in contained[:MAX_LISTED_RESOURCES])
                more = ' and %d more' % (len(contained) - MAX_LISTED_RESOURCES) if len(contained) > MAX_LISTED_RESOURCES else ''
                raise AzureModuleError(
                    "Resource group '%s' still contains %d resource(s): %s%s. Delete them first, or set "
                    "force_delete_nonempty=true to delete the group with everything in it."
                    % (self.name, len(contained), shown, more),
                    resources=[item['id'] for item in contained])

        if not self.check_mode:
            operation = "deletion of resource group '%s'" % self.name
            with azure_operation("Could not delete resource group '%s'" % self.name):
                poller = self.client.resource_groups.begin_delete(self.name)
                if self.params['wait']:
                    self.module.wait_for(poller, operation)
        return self._result(True, {}, tracker, before_exists=True, after_exists=False)


ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    location=dict(type='str'),
    tags=dict(type='dict'),
    append_tags=dict(type='bool', default=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    force_delete_nonempty=dict(type='bool', default=False),
    wait=dict(type='bool', default=True),
)


def main():
    module = AzureModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with module.errors():
        result = ResourceGroupManager(module).run()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
