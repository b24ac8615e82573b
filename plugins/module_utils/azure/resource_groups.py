# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource groups (private to dockyard.azure): the managers of resource_group and resource_group_info.

ResourceGroupManager: desired state from the options, actual state from one GET, then the smallest
write that converges (one PUT, or one DELETE). Calls per run: GET; then PUT when the location or
tags differ; for a delete, the listing of what the group contains (unless force_delete_nonempty)
and DELETE. ResourceGroupInfo: one GET, or one listing, plus one listing per group with
list_resources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    get_path,
    list_rest,
    locations_equal,
    normalize_location,
    read_or_none,
    to_rest,
    validate_resource_group_name,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError, azure_operation, is_azure_sdk_error
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import desired_tags, tags_match, validate_tag_filters, validate_tags
from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker

# Listing this many resources is enough to tell the user what blocks a delete.
MAX_LISTED_RESOURCES = 10


class ResourceGroup(TypedDict):
    """The documented return shape of a resource group."""

    id: str | None
    name: str | None
    location: str | None
    tags: dict[str, str]
    managed_by: str | None
    provisioning_state: str | None


class ContainedResource(TypedDict):
    """A resource inside a group, as resource_group_info returns it."""

    id: str | None
    name: str | None
    type: str | None
    location: str | None
    tags: dict[str, str]
    kind: str | None
    managed_by: str | None
    provisioning_state: str | None


def resource_group_to_dict(group: RestDict) -> ResourceGroup:
    """The documented return shape of a resource group from its REST dict."""
    return ResourceGroup(
        id=group.get('id'),
        name=group.get('name'),
        location=group.get('location'),
        tags=dict(group.get('tags') or {}),
        managed_by=group.get('managedBy'),
        provisioning_state=get_path(group, 'properties', 'provisioningState'),
    )


def resource_to_dict(resource: RestDict) -> ContainedResource:
    """A resource of resources.list_by_resource_group as the module returns it."""
    return ContainedResource(
        id=resource.get('id'),
        name=resource.get('name'),
        type=resource.get('type'),
        location=resource.get('location'),
        tags=dict(resource.get('tags') or {}),
        kind=resource.get('kind'),
        managed_by=resource.get('managedBy'),
        provisioning_state=resource.get('provisioningState'),
    )


def _read_group(ctx: AzureContext, name: str) -> ResourceGroup | None:
    group = read_or_none("resource group '%s'" % name, ctx.client('resource').resource_groups.get, name)
    return resource_group_to_dict(group) if group is not None else None


def _contained_resources(ctx: AzureContext, name: str) -> list[ContainedResource]:
    items = list_rest("the resources in resource group '%s'" % name, ctx.client('resource').resources.list_by_resource_group, name)
    return [resource_to_dict(item) for item in items]


class ResourceGroupManager:
    """Converges one resource group (the resource_group module)."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.params = params
        self.name: str = params['name']

    def run(self) -> dict[str, Any]:
        validate_resource_group_name(self.name, 'name')
        validate_tags(self.params.get('tags'))
        current = _read_group(self.ctx, self.name)
        if self.params['state'] == 'absent':
            return self.ensure_absent(current)
        return self.ensure_present(current)

    def _tags(self, current_tags: Mapping[str, str]) -> dict[str, str]:
        return desired_tags(current_tags, self.params.get('tags'), self.params['append_tags'])

    def _result(self, changed: bool, group: Mapping[str, Any], tracker: DifferenceTracker, before_exists: bool,
                after_exists: bool) -> dict[str, Any]:
        result: dict[str, Any] = dict(changed=changed, resource_group=group)
        if self.ctx.diff:
            result['diff'] = tracker.diff(before_exists=before_exists, after_exists=after_exists)
        return result

    def ensure_present(self, current: ResourceGroup | None) -> dict[str, Any]:
        location = self.params.get('location')
        tracker = DifferenceTracker()
        if current is None:
            if not location:
                raise AzureModuleError("location is required to create resource group '%s'." % self.name, option='location')
            self._check_location(location)
            tags = self._tags({})
            tracker.add('location', None, location)
            tracker.add('tags', None, tags)
            predicted = ResourceGroup(id='/subscriptions/%s/resourceGroups/%s' % (self.ctx.subscription_id, self.name),
                                      name=self.name, location=location, tags=tags, managed_by=None, provisioning_state=None)
            group = self.write(location, tags, managed_by=None, predicted=predicted)
            return self._result(True, group, tracker, before_exists=False, after_exists=True)

        if location and not locations_equal(location, current['location']):
            raise AzureModuleError(
                "Resource group '%s' is in '%s'; its location cannot be changed to '%s'. "
                "Set location to '%s' (or omit it), or delete the group and create it again."
                % (self.name, current['location'], location, current['location']), option='location')
        tags = self._tags(current['tags'])
        tracker.add('location', current['location'], current['location'])
        tracker.add('tags', current['tags'], tags)
        if not tracker.changed:
            return self._result(False, current, tracker, before_exists=True, after_exists=True)
        predicted = current.copy()
        predicted['tags'] = tags
        group = self.write(current['location'], tags, managed_by=current.get('managed_by'), predicted=predicted)
        return self._result(True, group, tracker, before_exists=True, after_exists=True)

    def _check_location(self, location: str) -> None:
        """A location resource groups are offered in, read from the Microsoft.Resources provider before the PUT.

        Azure would refuse the PUT (LocationNotAvailableForResourceGroup): the refusal is made a read
        earlier. When the provider cannot be read, the PUT's own answer has to do."""
        try:
            provider = self.ctx.client('resource').providers.get('Microsoft.Resources')
        except Exception as exc:  # pylint: disable=broad-except
            if is_azure_sdk_error(exc):
                return
            raise
        offered = []
        for resource_type in get_path(to_rest(provider), 'resourceTypes', default=[]) or []:
            if (resource_type.get('resourceType') or '').lower() == 'resourcegroups':
                offered = [str(name) for name in resource_type.get('locations') or []]
        if offered and not any(locations_equal(location, name) for name in offered):
            raise AzureModuleError("location: '%s' is not a location resource groups can be created in; available: %s."
                                   % (location, ', '.join(sorted(normalize_location(name) or '' for name in offered))),
                                   option='location')

    def write(self, location: str | None, tags: dict[str, str], managed_by: str | None,
              predicted: ResourceGroup) -> ResourceGroup:
        """PUT the group (create or full update); in check mode return `predicted` without writing."""
        if self.ctx.check_mode:
            return predicted
        body: dict[str, Any] = {'location': location, 'tags': tags}
        if managed_by:
            # PUT replaces the group's properties: keep managedBy so an update does not drop it.
            body['managedBy'] = managed_by
        with azure_operation("Could not create or update resource group '%s'" % self.name):
            written = self.ctx.client('resource').resource_groups.create_or_update(self.name, body)
        return resource_group_to_dict(to_rest(written))

    def ensure_absent(self, current: ResourceGroup | None) -> dict[str, Any]:
        tracker = DifferenceTracker()
        if current is None:
            return self._result(False, {}, tracker, before_exists=False, after_exists=False)
        tracker.add('location', current['location'], None)
        tracker.add('tags', current['tags'], None)

        if not self.params['force_delete_nonempty']:
            contained = _contained_resources(self.ctx, self.name)
            if contained:
                shown = ', '.join('%s (%s)' % (item['name'], item['type']) for item in contained[:MAX_LISTED_RESOURCES])
                more = ' and %d more' % (len(contained) - MAX_LISTED_RESOURCES) if len(contained) > MAX_LISTED_RESOURCES else ''
                raise AzureModuleError(
                    "Resource group '%s' still contains %d resource(s): %s%s. Delete them first, or set "
                    "force_delete_nonempty=true to delete the group with everything in it."
                    % (self.name, len(contained), shown, more),
                    resources=[item['id'] for item in contained])

        if not self.ctx.check_mode:
            with azure_operation("Could not delete resource group '%s'" % self.name):
                poller = self.ctx.client('resource').resource_groups.begin_delete(self.name)
                if self.params['wait']:
                    self.ctx.wait(poller, "deletion of resource group '%s'" % self.name)
        return self._result(True, {}, tracker, before_exists=True, after_exists=False)


class ResourceGroupInfo:
    """Reads resource groups (one or all), filters them by tags and optionally lists their resources."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.params = params

    def run(self) -> dict[str, Any]:
        name = self.params.get('name')
        if name is not None:
            validate_resource_group_name(name, 'name')
        validate_tag_filters(self.params.get('tags'))
        found: list[ResourceGroup]
        if name:
            one = _read_group(self.ctx, name)
            found = [one] if one else []
        else:
            found = [resource_group_to_dict(item)
                     for item in list_rest('resource groups', self.ctx.client('resource').resource_groups.list)]
        groups: list[dict[str, Any]] = [dict(group) for group in found if tags_match(group['tags'], self.params.get('tags'))]
        if self.params['list_resources']:
            for group in groups:
                group['resources'] = _contained_resources(self.ctx, group['name'])
        return dict(changed=False, resource_groups=groups)
