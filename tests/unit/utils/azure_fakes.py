# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fakes for module tests: an in-memory resource client and the slice of AzureModule managers use."""

from __future__ import annotations

import json

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError


class FakeResponse:
    def __init__(self, status_code, code, message):
        self.status_code = status_code
        self.reason = 'Error'
        self._body = json.dumps({'error': {'code': code, 'message': message}})

    def text(self, encoding=None):
        return self._body


class FakePoller:
    def __init__(self, result=None):
        self._result = result

    def result(self, timeout=None):
        return self._result

    def done(self):
        return True


class FakeResourceGroups:
    def __init__(self, store, calls):
        self._store = store
        self._calls = calls

    def get(self, name):
        self._calls.append(('get', name))
        if name not in self._store['groups']:
            raise ResourceNotFoundError(response=FakeResponse(404, 'ResourceGroupNotFound', "Resource group '%s' could not be found." % name))
        return dict(self._store['groups'][name])

    def list(self):
        self._calls.append(('list',))
        return [dict(group) for group in self._store['groups'].values()]

    def create_or_update(self, name, body):
        self._calls.append(('create_or_update', name, body))
        if self._store.get('fail_writes'):
            raise HttpResponseError(response=FakeResponse(403, 'AuthorizationFailed', 'The client does not have authorization.'))
        group = {
            'id': '/subscriptions/sub-1/resourceGroups/%s' % name, 'name': name, 'location': body['location'],
            'tags': dict(body.get('tags') or {}), 'managed_by': body.get('managedBy'), 'properties': {'provisioning_state': 'Succeeded'},
        }
        self._store['groups'][name] = group
        return dict(group)

    def begin_delete(self, name):
        self._calls.append(('begin_delete', name))
        self._store['groups'].pop(name, None)
        self._store['resources'].pop(name, None)
        return FakePoller()


class FakeResources:
    def __init__(self, store, calls):
        self._store = store
        self._calls = calls

    def list_by_resource_group(self, name):
        self._calls.append(('list_by_resource_group', name))
        return list(self._store['resources'].get(name, []))


class FakeResourceClient:
    """Just enough of ResourceManagementClient; `calls` records every API call."""

    def __init__(self):
        self.store = {'groups': {}, 'resources': {}}
        self.calls = []
        self.resource_groups = FakeResourceGroups(self.store, self.calls)
        self.resources = FakeResources(self.store, self.calls)

    def add_group(self, name, location='westeurope', tags=None, managed_by=None):
        self.store['groups'][name] = {
            'id': '/subscriptions/sub-1/resourceGroups/%s' % name, 'name': name, 'location': location,
            'tags': dict(tags or {}), 'managed_by': managed_by, 'properties': {'provisioning_state': 'Succeeded'},
        }

    def add_resource(self, group, name, resource_type='Microsoft.Network/virtualNetworks'):
        self.store['resources'].setdefault(group, []).append({
            'id': '/subscriptions/sub-1/resourceGroups/%s/providers/%s/%s' % (group, resource_type, name),
            'name': name, 'type': resource_type, 'location': 'westeurope', 'tags': {},
        })

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in ('create_or_update', 'begin_delete')]


class FakeModule:
    """The slice of AzureModule that managers use."""

    def __init__(self, client, params, check_mode=False, diff=False):
        self._client = client
        self.params = params
        self.check_mode = check_mode
        self._diff = diff
        self.subscription_id = 'sub-1'
        self.waited_for = []

    def client(self, name):
        assert name == 'resource'
        return self._client

    def wait_for(self, poller, operation):
        self.waited_for.append(operation)
        return poller.result()


def module_params(argument_spec, **values):
    params = {name: spec.get('default') for name, spec in argument_spec.items()}
    params.update(values)
    return params
