# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fake ARM (fake_arm.FakeArm) with Microsoft.ContainerRegistry: registries, their name check and credentials.

What ARM answers for registries, as far as the collection uses it: PUT (201 then the operation),
PATCH (merge, 200 then the operation), DELETE (202 + Location), GET/LIST, the global name check
(``checkNameAvailability``, names taken anywhere, invalid names), ``listCredentials`` (only while
the admin user is enabled: 400 ``UnAuthorizedForCredentialOperations``). ``taken`` holds names
other tenants own (the global namespace).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import ArmError, FakeArm, _error, _merge_patch
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm_routes import Route, _route

REGISTRY_TYPE = 'Microsoft.ContainerRegistry/registries'
_S = '/subscriptions/{sub}'
_REG = _S + '/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries'
ACR_ROUTES = [
    _route('POST', _S + '/providers/Microsoft.ContainerRegistry/checkNameAvailability',
           'registries.check_name_availability', 'check_registry_name'),
    _route('GET', _S + '/providers/Microsoft.ContainerRegistry/registries', 'registries.list', 'list_registries'),
    _route('GET', _REG, 'registries.list_by_resource_group', 'list_registries'),
    _route('GET', _REG + '/{name}', 'registries.get', 'get_registry'),
    _route('PUT', _REG + '/{name}', 'registries.begin_create', 'put_registry', lro=True),
    _route('PATCH', _REG + '/{name}', 'registries.begin_update', 'patch_registry', lro=True),
    _route('DELETE', _REG + '/{name}', 'registries.begin_delete', 'delete_registry', lro=True),
    _route('POST', _REG + '/{name}/listCredentials', 'registries.list_credentials', 'list_registry_credentials'),
]
NAME = re.compile(r'^[a-zA-Z0-9]{5,50}$')


class FakeAcrArm(FakeArm):
    """FakeArm plus container registries."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taken: set[str] = set()

    def _match(self, method: str, path: str) -> tuple[Route, dict]:
        for route in ACR_ROUTES:
            match = route.pattern.match(path) if route.method == method else None
            if match:
                return route, match.groupdict()
        return super()._match(method, path)

    def _is_write(self, call: Any) -> bool:
        return super()._is_write(call) and call.operation != 'registries.check_name_availability'

    def add_registry(self, group: str, name: str, sku: str = 'Basic', admin: bool = False, tags: dict | None = None) -> dict:
        if group.lower() not in self.groups:
            self.add_group(group)
        return self.add_resource(group, name, REGISTRY_TYPE, sku={'name': sku, 'tier': sku}, tags=dict(tags or {}),
                                 properties=self._properties(name, admin))

    @staticmethod
    def _properties(name: str, admin: bool) -> dict:
        return {'provisioningState': 'Succeeded', 'adminUserEnabled': admin, 'loginServer': name.lower() + '.azurecr.io',
                'creationDate': '2026-12-06T10:00:00.0000000Z', 'publicNetworkAccess': 'Enabled',
                'anonymousPullEnabled': False}

    def _registries(self) -> list[dict]:
        return [r for r in self.resources.values() if r['type'] == REGISTRY_TYPE]

    def _check_registry_name(self, route, params, body, query):
        name = body['name']
        if not NAME.match(name):
            return 200, {'nameAvailable': False, 'reason': 'Invalid', 'message': 'The registry name is invalid.'}
        if name.lower() in self.taken or any(r['name'].lower() == name.lower() for r in self._registries()):
            return 200, {'nameAvailable': False, 'reason': 'AlreadyExists',
                         'message': 'The registry %s is already in use.' % name}
        return 200, {'nameAvailable': True}

    def _list_registries(self, route, params, body, query):
        return self._listing([copy.deepcopy(r) for r in self._registries() if self._in_scope(params, r, REGISTRY_TYPE)])

    def _get_registry(self, route, params, body, query):
        return 200, self.read(self._id(params, REGISTRY_TYPE))

    def _put_registry(self, route, params, body, query):
        stored, existing = self._store(params, REGISTRY_TYPE, body)
        if existing is None and (params['name'].lower() in self.taken or
                                 any(r['name'].lower() == params['name'].lower() for r in self._registries())):
            raise _error(ArmError(409, 'AlreadyInUse', 'The registry DNS name %s.azurecr.io is already in use.'
                                  % params['name'].lower()))
        properties = self._properties(params['name'], bool(body.get('properties', {}).get('adminUserEnabled')))
        stored['properties'] = properties
        stored['sku'] = {'name': body['sku']['name'], 'tier': body['sku']['name']}
        return self._saved(stored, existing)

    def _patch_registry(self, route, params, body, query):
        registry = self.resources.get(self._id(params, REGISTRY_TYPE).lower())
        if registry is None:
            self.read(self._id(params, REGISTRY_TYPE))
        _merge_patch(registry, body)
        if 'sku' in body:
            registry['sku']['tier'] = registry['sku']['name']
        return 'Succeeded', copy.deepcopy(registry)

    def _delete_registry(self, route, params, body, query):
        if self.resources.pop(self._id(params, REGISTRY_TYPE).lower(), None) is None:
            return 'Succeeded', 'absent'
        return 'Succeeded', None

    def _list_registry_credentials(self, route, params, body, query):
        registry = self.read(self._id(params, REGISTRY_TYPE))
        if not registry['properties'].get('adminUserEnabled'):
            raise _error(ArmError(400, 'UnAuthorizedForCredentialOperations',
                                  'Cannot perform credential operations for %s as admin user is disabled.' % registry['id']))
        passwords = [{'name': 'password', 'value': 'secret-1'}, {'name': 'password2', 'value': 'secret-2'}]
        return 200, {'username': registry['name'], 'passwords': passwords}
