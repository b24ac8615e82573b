# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Container Registry (private to dockyard.azure): the managers of container_registry and its _info module.

ContainerRegistryManager: the name is checked first (5-50 alphanumerics; for a new registry,
checkNameAvailability, since names are global), then the smallest write that converges: one PUT
to create, one PATCH for the SKU, the admin user and tags, or one DELETE. Calls per run: GET;
for a new registry checkNameAvailability (and the group's GET when no location is given) then
PUT; PATCH only when something differs. ContainerRegistryInfo: one GET or one listing.

Credentials, only when asked (``credentials``): ``admin`` lists the admin user's passwords
(listCredentials); ``token`` exchanges the module's own Microsoft Entra token at the registry for
a refresh token (registry.client.exchange_entra_token), the password of the user
``00000000-0000-0000-0000-000000000000`` (``az acr login --expose-token``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypedDict

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import (
    RestDict,
    get_path,
    list_rest,
    locations_equal,
    parse_resource_id,
    read_or_none,
    to_rest,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError, azure_operation
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import desired_tags, tags_match, validate_tags
from ansible_collections.dockyard.azure.plugins.module_utils.diff import DifferenceTracker
from ansible_collections.dockyard.azure.plugins.module_utils.registry.client import TOKEN_USERNAME, exchange_entra_token

REGISTRY_TYPE = 'Microsoft.ContainerRegistry/registries'
NAME = re.compile(r'^[a-zA-Z0-9]{5,50}$')
SKUS = ('Basic', 'Standard', 'Premium')
CREDENTIALS = ('none', 'admin', 'token')


class Registry(TypedDict):
    """The documented return shape of a registry."""

    id: str | None
    name: str | None
    resource_group: str | None
    location: str | None
    tags: dict[str, str]
    sku: str | None
    admin_user_enabled: bool
    login_server: str | None
    provisioning_state: str | None
    creation_date: str | None
    public_network_access: str | None
    anonymous_pull_enabled: bool


def registry_to_dict(registry: RestDict) -> Registry:
    parsed = parse_resource_id(registry.get('id'))
    return Registry(
        id=registry.get('id'),
        name=registry.get('name'),
        resource_group=parsed.resource_group if parsed else None,
        location=registry.get('location'),
        tags=dict(registry.get('tags') or {}),
        sku=get_path(registry, 'sku', 'name'),
        admin_user_enabled=bool(get_path(registry, 'properties', 'adminUserEnabled', default=False)),
        login_server=get_path(registry, 'properties', 'loginServer'),
        provisioning_state=get_path(registry, 'properties', 'provisioningState'),
        creation_date=get_path(registry, 'properties', 'creationDate'),
        public_network_access=get_path(registry, 'properties', 'publicNetworkAccess'),
        anonymous_pull_enabled=bool(get_path(registry, 'properties', 'anonymousPullEnabled', default=False)),
    )


def check_name(name: str) -> None:
    """Registry names are 5-50 letters and digits (Azure's rule), checked before any call."""
    if not NAME.match(name or ''):
        raise AzureModuleError("name: '%s' is not a valid registry name: use 5-50 letters and digits only "
                               "(no '-', '_' or '.'); registry names are global, like DNS names." % name, option='name')


def _read(ctx: AzureContext, group: str, name: str) -> Registry | None:
    found = read_or_none("container registry '%s'" % name, ctx.client('containerregistry').registries.get, group, name)
    return registry_to_dict(found) if found is not None else None


def credentials(ctx: AzureContext, registry: Registry, kind: str) -> dict[str, Any] | None:
    """The registry's credentials of `kind` ('admin' or 'token'), or None for 'none'."""
    if kind == 'none':
        return None
    name, group = registry['name'] or '', registry['resource_group'] or ''
    if kind == 'admin':
        if not registry['admin_user_enabled']:
            raise AzureModuleError("credentials=admin: the admin user of registry '%s' is disabled; set "
                                   "admin_user_enabled=true, or use credentials=token (a Microsoft Entra identity)."
                                   % name, option='credentials')
        with azure_operation("Could not list the credentials of registry '%s'" % name):
            listed = to_rest(ctx.client('containerregistry').registries.list_credentials(group, name))
        passwords = {item.get('name'): item.get('value') for item in listed.get('passwords') or []}
        return dict(username=listed.get('username'), password=passwords.get('password'),
                    password2=passwords.get('password2'))
    with azure_operation("Could not get a Microsoft Entra token for registry '%s'" % name):
        access_token = ctx.access_token()
    refresh = exchange_entra_token(registry['login_server'] or '', access_token, verify=ctx.ca_bundle or True)
    return dict(username=TOKEN_USERNAME, password=refresh)


class ContainerRegistryManager:
    """Converges one container registry (the container_registry module)."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.params = params
        self.name: str = params['name']
        self.group: str = params['resource_group']

    def run(self) -> dict[str, Any]:
        check_name(self.name)
        validate_tags(self.params.get('tags'))
        if self.params['state'] == 'absent' and self.params.get('credentials', 'none') != 'none':
            raise AzureModuleError('credentials: only with state=present.', option='credentials')
        current = _read(self.ctx, self.group, self.name)
        if self.params['state'] == 'absent':
            return self.ensure_absent(current)
        return self.ensure_present(current)

    def _result(self, changed: bool, registry: Mapping[str, Any], tracker: DifferenceTracker, before: bool,
                after: bool) -> dict[str, Any]:
        result: dict[str, Any] = dict(changed=changed, registry=dict(registry))
        if self.ctx.diff:
            result['diff'] = tracker.diff(before_exists=before, after_exists=after)
        return result

    def _credentials(self, result: dict[str, Any], registry: Registry) -> dict[str, Any]:
        kind = self.params.get('credentials') or 'none'
        if kind != 'none' and registry.get('login_server') and not (self.ctx.check_mode and result['changed']):
            result['credentials'] = credentials(self.ctx, registry, kind)
        return result

    def _check_available(self) -> None:
        with azure_operation("Could not check whether the registry name '%s' is available" % self.name):
            status = to_rest(self.ctx.client('containerregistry').registries.check_name_availability(
                {'name': self.name, 'type': REGISTRY_TYPE}))
        if not status.get('nameAvailable'):
            reason = status.get('reason') or 'NotAvailable'
            raise AzureModuleError("name: the registry name '%s' cannot be used (%s): %s Registry names are global "
                                   "across Azure; choose another." % (self.name, reason, status.get('message') or ''),
                                   option='name', reason=reason)

    def _location(self) -> str:
        location = self.params.get('location')
        if location:
            return str(location)
        group = read_or_none("resource group '%s'" % self.group, self.ctx.client('resource').resource_groups.get, self.group)
        if group is None:
            raise AzureModuleError("Resource group '%s' does not exist; create it first (dockyard.azure.resource_group)."
                                   % self.group, option='resource_group')
        return str(group['location'])

    def ensure_present(self, current: Registry | None) -> dict[str, Any]:
        tracker = DifferenceTracker()
        sku = self.params.get('sku')
        admin = self.params.get('admin_user_enabled')
        if current is None:
            self._check_available()
            location = self._location()
            tags = desired_tags({}, self.params.get('tags'), self.params['append_tags'])
            new_sku: str = sku or 'Basic'
            for key, value in (('sku', new_sku), ('admin_user_enabled', bool(admin)), ('tags', tags),
                               ('location', location)):
                tracker.add(key, None, value)
            predicted = Registry(id='/subscriptions/%s/resourceGroups/%s/providers/%s/%s' % (
                self.ctx.subscription_id, self.group, REGISTRY_TYPE, self.name), name=self.name,
                resource_group=self.group, location=location, tags=tags, sku=new_sku,
                admin_user_enabled=bool(admin), login_server=None, provisioning_state=None, creation_date=None,
                public_network_access=None, anonymous_pull_enabled=False)
            registry = predicted if self.ctx.check_mode else self._create(predicted)
            return self._credentials(self._result(True, registry, tracker, False, True), registry)

        asked_location = self.params.get('location')
        if asked_location and not locations_equal(asked_location, current['location']):
            raise AzureModuleError("Registry '%s' is in '%s'; its location cannot change to '%s'."
                                   % (self.name, current['location'], asked_location), option='location')
        tags = desired_tags(current['tags'], self.params.get('tags'), self.params['append_tags'])
        tracker.add('sku', current['sku'], sku or current['sku'])
        tracker.add('admin_user_enabled', current['admin_user_enabled'],
                    current['admin_user_enabled'] if admin is None else admin)
        tracker.add('tags', current['tags'], tags)
        tracker.add('location', current['location'], current['location'])
        if not tracker.changed:
            return self._credentials(self._result(False, current, tracker, True, True), current)
        predicted = current.copy()
        predicted['sku'] = sku or current['sku']
        predicted['tags'] = tags
        predicted['admin_user_enabled'] = current['admin_user_enabled'] if admin is None else bool(admin)
        registry = predicted if self.ctx.check_mode else self._update(tracker, sku, admin, tags)
        return self._credentials(self._result(True, registry, tracker, True, True), registry)

    def _create(self, wanted: Registry) -> Registry:
        body = {'location': wanted['location'], 'tags': wanted['tags'], 'sku': {'name': wanted['sku']},
                'properties': {'adminUserEnabled': wanted['admin_user_enabled']}}
        with azure_operation("Could not create container registry '%s'" % self.name):
            poller = self.ctx.client('containerregistry').registries.begin_create(self.group, self.name, body)
            created = self.ctx.wait(poller, "creation of container registry '%s'" % self.name)
        return registry_to_dict(to_rest(created))

    def _update(self, tracker: DifferenceTracker, sku: str | None, admin: bool | None, tags: dict[str, str]) -> Registry:
        body: dict[str, Any] = {}
        if tracker.has_difference_for('sku'):
            body['sku'] = {'name': sku}
        if tracker.has_difference_for('tags'):
            body['tags'] = tags
        if tracker.has_difference_for('admin_user_enabled'):
            body['properties'] = {'adminUserEnabled': bool(admin)}
        with azure_operation("Could not update container registry '%s'" % self.name):
            poller = self.ctx.client('containerregistry').registries.begin_update(self.group, self.name, body)
            updated = self.ctx.wait(poller, "update of container registry '%s'" % self.name)
        return registry_to_dict(to_rest(updated))

    def ensure_absent(self, current: Registry | None) -> dict[str, Any]:
        tracker = DifferenceTracker()
        if current is None:
            return self._result(False, {}, tracker, False, False)
        tracker.add('sku', current['sku'], None)
        tracker.add('admin_user_enabled', current['admin_user_enabled'], None)
        tracker.add('tags', current['tags'], None)
        tracker.add('location', current['location'], None)
        if not self.ctx.check_mode:
            with azure_operation("Could not delete container registry '%s'" % self.name):
                poller = self.ctx.client('containerregistry').registries.begin_delete(self.group, self.name)
                if self.params['wait']:
                    self.ctx.wait(poller, "deletion of container registry '%s'" % self.name)
        return self._result(True, {}, tracker, True, False)


class ContainerRegistryInfo:
    """Reads one registry, the registries of a group, or all of the subscription's (filtered by tags)."""

    def __init__(self, ctx: AzureContext, params: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.params = params

    def run(self) -> dict[str, Any]:
        name: str | None = self.params.get('name')
        group: str | None = self.params.get('resource_group')
        kind = self.params.get('credentials') or 'none'
        if kind != 'none' and not name:
            raise AzureModuleError('credentials: give the registry name (and resource_group) to get its credentials.',
                                   option='credentials')
        if name and not group:
            raise AzureModuleError('resource_group: required with name.', option='resource_group')
        client = self.ctx.client('containerregistry')
        if name and group:
            one = _read(self.ctx, group, name)
            found = [one] if one else []
        elif group:
            found = [registry_to_dict(r) for r in list_rest("the registries of group '%s'" % group,
                                                            client.registries.list_by_resource_group, group)]
        else:
            found = [registry_to_dict(r) for r in list_rest('container registries', client.registries.list)]
        registries = [r for r in found if tags_match(r['tags'], self.params.get('tags'))]
        result: dict[str, Any] = dict(changed=False, registries=registries)
        if kind != 'none':
            if not registries:
                raise AzureModuleError("credentials: registry '%s' does not exist in resource group '%s'." % (name, group),
                                       option='name')
            result['credentials'] = credentials(self.ctx, registries[0], kind)
        return result
