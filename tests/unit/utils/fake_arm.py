# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one fake Azure Resource Manager of the unit tests: real SDK clients over an in-memory ARM.

``FakeArm`` keeps resource groups and resources as REST JSON. ``client(name)`` builds the real
azure-mgmt client ('resource', 'network', 'compute') with the collection's own client options,
whose HTTP transport (azure-core's RequestsTransport over a requests adapter) answers from that
store: the SDK's serialization, error mapping, retry policy and LRO pollers all run, and nothing
leaves the process.

ARM's protocol, as far as the collection uses it: 404 envelopes (ResourceGroupNotFound when the
group is missing, listings included), listings in pages with a nextLink when ``page_size`` is set,
201 on create and 200 on update, long-running writes answered with 201/202 and
``Azure-AsyncOperation`` (PUT, PATCH, POST actions) or ``Location`` (DELETE), an operation status
resource the poller follows, 429 with Retry-After when throttled. A few ARM rules the VM code
meets: a NIC in use cannot be deleted, deleting a VM detaches its NICs and deletes the disks whose
deleteOption is Delete, a resize to a size the hardware cluster does not offer needs a deallocated
VM, deleting a resource group deletes what is in it, GET never returns protected settings.

What the code under test called is in ``calls``: one ``Call(operation, args, kwargs)`` per SDK
operation, named as the SDK names it ('virtual_machines.begin_update'), with the path parameters
(then the request body) as args and the query options as kwargs. The poller's own requests (status
polls, the final GET of a PUT) are only in ``requests``, the raw (method, path, Authorization) log.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import time
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import urllib3
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport

from ansible_collections.dockyard.azure.plugins.module_utils.azure import auth
from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import client_kwargs, import_client_class
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.lro import wait_for_poller
from ansible_collections.dockyard.azure.plugins.module_utils.azure.module import AzureModule
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm_routes import (
    DISK_TYPE,
    EXTENSION_TYPE,
    NETWORK_TYPES,
    NIC_TYPE,
    PATH_ARGS,
    PIP_TYPE,
    QUERY_KWARGS,
    ROUTES,
    VM_TYPE,
    VNET_TYPE,
    Route,
)
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm_run_commands import RunCommandRoutes

SUB = '00000000-0000-0000-0000-000000000000'
VM_ID = '6f1c5a36-2f38-4d3e-9d3b-0d7a2c1b9e11'
ENDPOINT = 'https://127.0.0.1:8443'
TOKEN = 'fake-token'
WRITE_PREFIX = 'begin_'
WRITE_OPERATIONS = ('create_or_update',)  # the synchronous writes (resource groups)
DEFAULT_SIZES = ['Standard_B1s', 'Standard_B2s', 'Standard_B4ms', 'Standard_D2s_v5', 'Standard_D4s_v5']

REASONS = {200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 403: 'Forbidden',
           404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests'}


def rid(rg: str, provider_type: str, name: str) -> str:
    return '/subscriptions/%s/resourceGroups/%s/providers/%s/%s' % (SUB, rg, provider_type, name)


class ArmError(NamedTuple):
    """An ARM error answer: the HTTP status and the error envelope's code and message."""

    status: int
    code: str
    message: str


def azure_error(status: int, code: str, message: str) -> ArmError:
    """What `fail_on` answers with (the SDK turns it into its own exception, as for a real ARM)."""
    return ArmError(status, code, message)


class Call(NamedTuple):
    """One SDK operation: its name, the path parameters (and body), the query options."""

    operation: str
    args: tuple
    kwargs: dict

    @property
    def body(self) -> Any:
        """The request body of a write (the last argument), else None."""
        return self.args[-1] if self.args and isinstance(self.args[-1], (dict, list)) else None


class _Reply(Exception):
    """Raised by a handler to answer at once (errors, and writes without a body)."""

    def __init__(self, status: int, body: Any = None, headers: dict | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _error(error: ArmError) -> _Reply:
    return _Reply(error.status, {'error': {'code': error.code, 'message': error.message}})


def _merge_patch(target: dict, patch: dict, top: bool = True) -> None:
    """ARM PATCH: JSON merge of the body, except that `tags` (and lists) are replaced as a whole."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict) and not (top and key == 'tags'):
            _merge_patch(target[key], value, top=False)
        else:
            target[key] = copy.deepcopy(value)


# ------------------------------------------------------------------------------------------ extension runs

def succeeded_view(stdout: str = '', stderr: str = '') -> dict:
    return {
        'name': 'ext', 'type': 'Microsoft.Azure.Extensions.CustomScript', 'typeHandlerVersion': '2.1.10',
        'statuses': [{'code': 'ProvisioningState/succeeded', 'level': 'Info', 'displayStatus': 'Provisioning succeeded',
                      'message': 'Enable succeeded'}],
        'substatuses': [
            {'code': 'ComponentStatus/StdOut/succeeded', 'level': 'Info', 'displayStatus': 'Provisioning succeeded', 'message': stdout},
            {'code': 'ComponentStatus/StdErr/succeeded', 'level': 'Info', 'displayStatus': 'Provisioning succeeded', 'message': stderr},
        ],
    }


def failed_view(stdout: str = '', stderr: str = '',
                message: str = 'Enable failed: failed to execute command: command terminated with exit status=1') -> dict:
    return {
        'statuses': [{'code': 'ProvisioningState/failed/1', 'level': 'Error', 'displayStatus': 'Provisioning failed',
                      'message': message}],
        'substatuses': [
            {'code': 'ComponentStatus/StdOut/failed', 'level': 'Info', 'message': stdout},
            {'code': 'ComponentStatus/StdErr/failed', 'level': 'Info', 'message': stderr},
        ],
    }


def ok_runner(stored: dict) -> tuple[str, dict]:
    """The default extension handler: it succeeds and prints 'done'."""
    return 'Succeeded', succeeded_view('done\n')


class StaticCredential:
    """A token credential that hands out one fixed token for the fake endpoint's scope."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        assert scopes == (ENDPOINT + '/.default',)
        return AccessToken(TOKEN, int(time.time()) + 3600)


class _Adapter(requests.adapters.BaseAdapter):
    def __init__(self, arm: FakeArm) -> None:
        super().__init__()
        self.arm = arm

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        status, body, headers = self.arm.answer(request.method, request.url, request.body, request.headers)
        response = requests.Response()
        response.status_code = status
        response.reason = REASONS.get(status, 'Error')
        content = json.dumps(body).encode() if body is not None else b''
        response._content = content
        response.headers.update({'Content-Type': 'application/json', 'x-ms-request-id': 'fake'})
        response.headers.update(headers)
        response.raw = urllib3.HTTPResponse(body=io.BytesIO(content), headers=dict(response.headers), status=status,
                                            preload_content=False)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


# ------------------------------------------------------------------------------------------ the fake

class FakeArm(RunCommandRoutes):
    """An in-memory ARM; `client(name)` is the client factory the managers take."""

    def __init__(self, subscription: str = SUB, groups: tuple[str, ...] = (), runner: Callable[[dict], tuple[str, dict]] = ok_runner):
        self.subscription = subscription
        self.calls: list[Call] = []
        self.requests: list[tuple[str, str, str | None]] = []
        self.api_versions: list[tuple[str, str, str]] = []  # (method, path, api-version) of every ARM request
        self.fail_on: dict[str, ArmError] = {}
        self.throttle_next = 0
        self.page_size: int | None = None  # when set, listings answer pages of this size with ARM's nextLink
        self.groups: dict[str, dict] = {}
        self.resources: dict[str, dict] = {}
        self.extensions: dict[tuple[str, str, str], dict] = {}
        self.power: dict[str, str] = {}
        self.disks: dict[str, str] = {}
        self.runner = runner
        self.runs: list[dict] = []
        # run commands: (rg, vm, name) -> stored resource; `script_runner(vm name, script, environment)` answers
        # (exit code, stdout, stderr) as the VM agent would
        self.run_commands: dict[tuple[str, str, str], dict] = {}
        self.script_runner: Callable[[str, str, dict], tuple[int, str, str]] = lambda vm, script, env: (0, '', '')
        self.waited_for: list[str] = []
        self.sizes = {'westeurope': list(DEFAULT_SIZES)}
        self.available_sizes: dict[str, list[str]] = {}
        self.images = {
            ('westeurope', 'debian', 'debian-12', '12-gen2'): ['0.20240101.1', '0.20241111.1924', '0.20240909.1860'],
            ('westeurope', 'canonical', 'ubuntu-24_04-lts', 'server'): ['24.04.202409120'],
        }
        self._operations: dict[str, dict] = {}
        self._counters: dict[str, itertools.count] = {}
        self._final_gets: set[str] = set()
        self._clients: dict[str, Any] = {}
        self._ip_counters = {'nic': 0, 'pip': 0, 'vm': 0}
        for name in groups:
            self.add_group(name)

    # -------------------------------------------------------------------- clients and contexts

    def client(self, name: str) -> Any:
        """The real SDK client registered as `name`, talking to this fake."""
        if name not in self._clients:
            session = requests.Session()
            session.mount('https://', _Adapter(self))
            config = auth.AzureConnectionConfig(
                credential_kind=auth.KIND_CLIENT_SECRET, subscription_id=self.subscription, cloud='custom',
                arm_endpoint=ENDPOINT, credential_scope=ENDPOINT + '/.default', authority_host=ENDPOINT,
                retry_total=2, retry_backoff_max=1)
            kwargs = client_kwargs(config)
            # No sleeping in unit tests: the poller polls at once, the retry policy backs off for 10 ms.
            kwargs.update(polling_interval=0, retry_backoff_factor=0.01)
            self._clients[name] = import_client_class(name)(
                StaticCredential(), self.subscription, transport=RequestsTransport(session=session), **kwargs)
        return self._clients[name]

    @property
    def resource(self) -> Any:
        return self.client('resource')

    @property
    def network(self) -> Any:
        return self.client('network')

    @property
    def compute(self) -> Any:
        return self.client('compute')

    def wait(self, poller: Any, operation: str) -> Any:
        """The module's wait (the real LRO wait with a deadline); records the operation's name."""
        self.waited_for.append(operation)
        return wait_for_poller(poller, 30, operation)

    def patch_azure_module(self, monkeypatch: Any) -> None:
        """Make every AzureModule of the test talk to this fake (its clients, subscription and LRO wait)."""
        monkeypatch.setattr(AzureModule, 'client', lambda module, name: self.client(name))
        monkeypatch.setattr(AzureModule, 'subscription_id', property(lambda module: self.subscription))
        monkeypatch.setattr(AzureModule, 'wait_for', lambda module, poller, operation: self.wait(poller, operation))

    def context(self, check_mode: bool = False, diff: bool = False, wait: Callable[[Any, str], Any] | None = None) -> AzureContext:
        """What AzureModule.context() gives a manager, wired to this fake."""
        return AzureContext(client_factory=self.client, wait=wait or self.wait, subscription=lambda: self.subscription,
                            check_mode=check_mode, diff=diff)

    # -------------------------------------------------------------------- seeding and views

    def group_id(self, name: str) -> str:
        return '/subscriptions/%s/resourceGroups/%s' % (self.subscription, name)

    def add_group(self, name: str, location: str = 'westeurope', tags: dict | None = None, managed_by: str | None = None) -> dict:
        group = {'id': self.group_id(name), 'name': name, 'type': 'Microsoft.Resources/resourceGroups', 'location': location,
                 'tags': dict(tags or {}), 'properties': {'provisioningState': 'Succeeded'}}
        if managed_by:
            group['managedBy'] = managed_by
        self.groups[name.lower()] = group
        return group

    def add_resource(self, group: str, name: str, resource_type: str = VNET_TYPE, **extra: Any) -> dict:
        """Any resource in a group, stored as ARM returns it."""
        resource_id = '%s/providers/%s/%s' % (self.group_id(group), resource_type, name)
        resource = dict({'id': resource_id, 'name': name, 'type': resource_type, 'location': 'westeurope', 'tags': {},
                         'properties': {'provisioningState': 'Succeeded'}}, **extra)
        self.resources[resource_id.lower()] = resource
        return resource

    def add_vm(self, resource_group: str = 'rg', name: str = 'vm1', vm_id: str = VM_ID, public_ip: str | None = '20.1.2.3') -> dict:
        """A running VM with a NIC (10.0.0.4) and, unless public_ip is None, a public IP."""
        if resource_group.lower() not in self.groups:
            self.add_group(resource_group)
        nic = self.add_resource(resource_group, name + '-nic', NIC_TYPE)
        ip_config = {'name': 'ipconfig1', 'properties': {'primary': True, 'privateIPAddress': '10.0.0.4'}}
        if public_ip:
            pip = self.add_resource(resource_group, name + '-pip', PIP_TYPE, properties={'ipAddress': public_ip})
            ip_config['properties']['publicIPAddress'] = {'id': pip['id']}
        nic['properties']['ipConfigurations'] = [ip_config]
        vm = self.add_resource(resource_group, name, VM_TYPE, properties={
            'vmId': vm_id, 'provisioningState': 'Succeeded',
            'networkProfile': {'networkInterfaces': [{'id': nic['id'], 'properties': {'primary': True}}]}})
        nic['properties']['virtualMachine'] = {'id': vm['id']}
        self.power[vm['id'].lower()] = 'running'
        return vm

    def names(self, provider_type: str | None = None) -> list[str]:
        return sorted(r['name'] for r in self.resources.values() if provider_type is None or r['type'] == provider_type)

    def _is_write(self, call: Call) -> bool:
        method = call.operation.split('.', 1)[1]
        return method.startswith(WRITE_PREFIX) or method in WRITE_OPERATIONS

    def writes(self) -> list[str]:
        """The names of the operations that change state, in order."""
        return [call.operation for call in self.calls if self._is_write(call)]

    def write_calls(self) -> list[Call]:
        return [call for call in self.calls if self._is_write(call)]

    def reads(self) -> list[str]:
        return [call.operation for call in self.calls if not self._is_write(call)]

    def reset_calls(self) -> None:
        self.calls = []
        self.requests = []

    def protected_settings_sent(self) -> list:
        """Protected settings of every extension write, in order."""
        return [(call.body.get('properties') or {}).get('protectedSettings') for call in self.write_calls()
                if call.operation.startswith('virtual_machine_extensions.') and call.body is not None]

    # -------------------------------------------------------------------- HTTP

    def answer(self, method: str, url: str, raw_body: Any, headers: Any) -> tuple[int, Any, dict]:
        parts = urlsplit(url)
        path = parts.path
        self.requests.append((method, path, headers.get('Authorization')))
        if self.throttle_next:
            self.throttle_next -= 1
            return 429, {'error': {'code': 'TooManyRequests', 'message': 'slow down'}}, {'Retry-After': '0'}
        if path.startswith('/operations/'):
            return self._operation_status(path.rsplit('/', 1)[1])
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        api_version = query.pop('api-version', None)
        assert api_version, 'ARM calls carry an api-version: %s %s' % (method, url)
        self.api_versions.append((method, path, api_version))
        route, params = self._match(method, path)
        if method == 'GET' and path.lower() in self._final_gets:
            self._final_gets.discard(path.lower())  # the poller's final GET after a PUT/PATCH, not the code's call
        else:
            body = json.loads(raw_body) if raw_body else None
            args = tuple(params[name] for name in PATH_ARGS if params.get(name) is not None)
            kwargs = {QUERY_KWARGS[key]: value for key, value in query.items() if key in QUERY_KWARGS}
            self.calls.append(Call(route.operation, args + ((body,) if body is not None else ()), kwargs))
            failure = self.fail_on.get(route.operation)
            if failure:
                return failure.status, {'error': {'code': failure.code, 'message': failure.message}}, {}
        try:
            status, reply = getattr(self, '_' + route.handler)(route, params, json.loads(raw_body) if raw_body else None, query)
        except _Reply as answered:
            return answered.status, answered.body, answered.headers
        if route.lro:
            return self._start_operation(route, path, status, reply)
        if method == 'GET' and self.page_size and isinstance(reply, dict) and isinstance(reply.get('value'), list):
            reply = self._page(reply, url)
        return status, reply, {}

    def _page(self, listing: dict, url: str) -> dict:
        """One page of a listing (the $skiptoken is the offset), with the nextLink to the next one."""
        parts = urlsplit(url)
        query = [(key, value) for key, value in parse_qsl(parts.query) if key != '$skiptoken']
        offset = int(dict(parse_qsl(parts.query)).get('$skiptoken') or 0)
        size = self.page_size or len(listing['value'])
        page = {'value': listing['value'][offset:offset + size]}
        if offset + size < len(listing['value']):
            query.append(('$skiptoken', str(offset + size)))
            page['nextLink'] = urlunsplit(parts._replace(query=urlencode(query)))
        return page

    def _match(self, method: str, path: str) -> tuple[Route, dict]:
        for route in ROUTES:
            match = route.pattern.match(path) if route.method == method else None
            if match:
                return route, match.groupdict()
        raise AssertionError('the fake ARM does not know %s %s' % (method, path))

    def _start_operation(self, route: Route, path: str, outcome: str | ArmError, reply: Any) -> tuple[int, Any, dict]:
        """Answer a long-running write the way ARM does; `outcome` is 'Succeeded' or the ArmError it fails with."""
        error = outcome if isinstance(outcome, ArmError) else None
        outcome = 'Failed' if error is not None else 'Succeeded'
        verb = {'PUT': 'put', 'PATCH': 'patch', 'DELETE': 'del', 'POST': 'post'}[route.method]
        op_id = '%s-%d' % (verb, next(self._counters.setdefault(verb, itertools.count(1))))
        self._operations[op_id] = {'status': outcome, 'error': error,
                                   'final_get': path.lower() if route.method in ('PUT', 'PATCH') else None}
        url = ENDPOINT + '/operations/' + op_id
        if route.method == 'DELETE':
            if reply == 'absent':
                return 204, None, {}
            return 202, None, {'Location': url}
        if route.method == 'POST':
            return 202, None, {'Azure-AsyncOperation': url}
        return (201 if reply.pop('_created', False) else 200), reply, {'Azure-AsyncOperation': url}

    def _operation_status(self, op_id: str) -> tuple[int, Any, dict]:
        operation = self._operations[op_id]
        if operation['final_get'] is None and operation['error'] is None and op_id.startswith('del-'):
            return 200, None, {}  # Location polling: a 200 ends it
        body: dict = {'status': operation['status']}
        if operation['error'] is not None:
            body['error'] = {'code': operation['error'].code, 'message': operation['error'].message}
        elif operation['final_get']:
            self._final_gets.add(operation['final_get'])
        return 200, body, {}

    # -------------------------------------------------------------------- ARM rules shared by the handlers

    def require_group(self, rg: str) -> None:
        if rg.lower() not in self.groups:
            raise _error(ArmError(404, 'ResourceGroupNotFound', "Resource group '%s' could not be found." % rg))

    def read(self, resource_id: str) -> dict:
        found = self.resources.get(resource_id.lower())
        if found is None:
            self.require_group(resource_id.split('/')[4])
            raise _error(ArmError(404, 'ResourceNotFound', "The Resource '%s' was not found." % resource_id))
        return copy.deepcopy(found)

    def _id(self, params: dict, provider_type: str) -> str:
        return '%s/providers/%s/%s' % (self.group_id(params['rg']), provider_type, params['name'])

    def _store(self, params: dict, provider_type: str, body: dict) -> tuple[dict, dict | None]:
        self.require_group(params['rg'])
        resource_id = self._id(params, provider_type)
        existing = self.resources.get(resource_id.lower())
        stored = copy.deepcopy(body)
        stored.update(id=resource_id, name=params['name'], type=provider_type)
        stored.setdefault('properties', {})['provisioningState'] = 'Succeeded'
        return stored, existing

    def _saved(self, stored: dict, existing: dict | None) -> tuple[str, dict]:
        self.resources[stored['id'].lower()] = stored
        reply = copy.deepcopy(stored)
        reply['_created'] = existing is None
        return 'Succeeded', reply

    def _listing(self, items: list[dict]) -> tuple[int, dict]:
        return 200, {'value': items}

    def _in_scope(self, params: dict, resource: dict, provider_type: str) -> bool:
        if resource['type'] != provider_type:
            return False
        if params.get('rg') is None:
            return True
        return resource['id'].lower().startswith((self.group_id(params['rg']) + '/').lower())

    # -------------------------------------------------------------------- resource groups

    def _list_groups(self, route, params, body, query):
        return self._listing([copy.deepcopy(group) for group in self.groups.values()])

    def _get_group(self, route, params, body, query):
        self.require_group(params['rg'])
        return 200, copy.deepcopy(self.groups[params['rg'].lower()])

    def _put_group(self, route, params, body, query):
        existed = params['rg'].lower() in self.groups
        group = self.add_group(params['rg'], body['location'], body.get('tags'), body.get('managedBy'))
        return (200 if existed else 201), copy.deepcopy(group)

    def _delete_group(self, route, params, body, query):
        if params['rg'].lower() not in self.groups:
            return 'Succeeded', 'absent'
        del self.groups[params['rg'].lower()]
        prefix = (self.group_id(params['rg']) + '/').lower()
        for key in [key for key in self.resources if key.startswith(prefix)]:
            del self.resources[key]
        return 'Succeeded', None

    def _list_group_resources(self, route, params, body, query):
        self.require_group(params['rg'])
        prefix = (self.group_id(params['rg']) + '/').lower()
        return self._listing([{key: resource.get(key) for key in ('id', 'name', 'type', 'location', 'tags')}
                              for key, resource in self.resources.items() if key.startswith(prefix)])

    # -------------------------------------------------------------------- network

    def _network_type(self, route: Route) -> str:
        return NETWORK_TYPES[route.operation.split('.')[0]]

    def _get_network(self, route, params, body, query):
        return 200, self.read(self._id(params, self._network_type(route)))

    def _list_network(self, route, params, body, query):
        provider_type = self._network_type(route)
        if params.get('rg') is not None:
            self.require_group(params['rg'])
        return self._listing([copy.deepcopy(r) for r in self.resources.values() if self._in_scope(params, r, provider_type)])

    def _put_network(self, route, params, body, query):
        provider_type = self._network_type(route)
        stored, existing = self._store(params, provider_type, body)
        if provider_type == VNET_TYPE:
            for subnet in stored['properties'].get('subnets', []):
                subnet['id'] = stored['id'] + '/subnets/' + subnet['name']
        elif provider_type == NIC_TYPE:
            self._put_nic(stored, existing)
        elif provider_type == PIP_TYPE:
            self._put_public_ip(stored, existing)
        return self._saved(stored, existing)

    def _put_nic(self, stored: dict, existing: dict | None) -> None:
        if existing and existing['properties'].get('virtualMachine'):
            stored['properties']['virtualMachine'] = existing['properties']['virtualMachine']
        for config in stored['properties']['ipConfigurations']:
            config['id'] = stored['id'] + '/ipConfigurations/' + config['name']
            old = (existing or {}).get('properties', {}).get('ipConfigurations', [{}])[0].get('properties', {})
            if old.get('privateIPAddress'):
                config['properties']['privateIPAddress'] = old['privateIPAddress']
            else:
                self._ip_counters['nic'] += 1
                config['properties']['privateIPAddress'] = '10.0.0.%d' % (3 + self._ip_counters['nic'])

    def _put_public_ip(self, stored: dict, existing: dict | None) -> None:
        address = (existing or {}).get('properties', {}).get('ipAddress')
        if not address:
            self._ip_counters['pip'] += 1
            address = '20.0.0.%d' % self._ip_counters['pip']
        stored['properties']['ipAddress'] = address
        label = stored['properties'].get('dnsSettings', {}).get('domainNameLabel')
        if label:
            stored['properties']['dnsSettings']['fqdn'] = '%s.%s.cloudapp.azure.com' % (label, stored['location'])

    def _delete_network(self, route, params, body, query):
        resource_id = self._id(params, self._network_type(route)).lower()
        resource = self.resources.get(resource_id)
        if resource is None:
            return 'Succeeded', 'absent'
        if resource['type'] == NIC_TYPE and resource['properties'].get('virtualMachine'):
            raise _error(ArmError(400, 'NicInUse', 'Network Interface %s is used by existing resource %s.'
                                  % (resource['id'], resource['properties']['virtualMachine']['id'])))
        del self.resources[resource_id]
        return 'Succeeded', None

    def _get_subnet(self, route, params, body, query):
        vnet = self.read('%s/providers/%s/%s' % (self.group_id(params['rg']), VNET_TYPE, params['vnet']))
        for subnet in vnet['properties'].get('subnets', []):
            if subnet['name'].lower() == params['name'].lower():
                return 200, subnet
        raise _error(ArmError(404, 'NotFound', "Resource '%s' not found." % params['name']))

    def _put_subnet(self, route, params, body, query):
        vnet = self.read('%s/providers/%s/%s' % (self.group_id(params['rg']), VNET_TYPE, params['vnet']))
        stored = self.resources[vnet['id'].lower()]
        subnet = copy.deepcopy(body)
        subnet.update(id=stored['id'] + '/subnets/' + params['name'], name=params['name'])
        subnets = stored['properties'].setdefault('subnets', [])
        existing = [item for item in subnets if item['name'].lower() == params['name'].lower()]
        for item in existing:
            subnets.remove(item)
        subnets.append(subnet)
        return 'Succeeded', dict(copy.deepcopy(subnet), _created=not existing)

    # -------------------------------------------------------------------- virtual machines

    def _vm(self, params: dict) -> dict:
        vm = self.resources.get(self._id(params, VM_TYPE).lower())
        if vm is None:
            self.require_group(params['rg'])
            raise _error(ArmError(404, 'ResourceNotFound', "The Resource '%s' was not found." % params['name']))
        return vm

    def _with_view(self, vm: dict) -> dict:
        vm = copy.deepcopy(vm)
        vm['properties']['instanceView'] = {'statuses': [
            {'code': 'ProvisioningState/succeeded'}, {'code': 'PowerState/%s' % self.power[vm['id'].lower()]}]}
        return vm

    def _get_vm(self, route, params, body, query):
        vm = self._vm(params)
        return 200, self._with_view(vm) if query.get('$expand') == 'instanceView' else copy.deepcopy(vm)

    def _list_vms(self, route, params, body, query):
        if params.get('rg') is not None:
            self.require_group(params['rg'])
        view = query.get('$expand') == 'instanceView' or query.get('statusOnly') == 'true'
        return self._listing([self._with_view(r) if view else copy.deepcopy(r)
                              for r in self.resources.values() if self._in_scope(params, r, VM_TYPE)])

    def _put_vm(self, route, params, body, query):
        stored, existing = self._store(params, VM_TYPE, body)
        rg, vm_id = params['rg'], stored['id']
        props = stored['properties']
        self._ip_counters['vm'] += 1
        props['vmId'] = (existing or {}).get('properties', {}).get('vmId') or 'vmid-%d' % self._ip_counters['vm']
        props.get('osProfile', {}).pop('customData', None)  # Azure never returns it
        storage = props['storageProfile']
        os_disk = storage['osDisk']
        os_disk.setdefault('diskSizeGB', 30)
        for disk in [os_disk] + storage.get('dataDisks', []):
            disk.setdefault('managedDisk', {})['id'] = '%s/providers/%s/%s' % (self.group_id(rg), DISK_TYPE, disk['name'])
            self.disks[disk['managedDisk']['id'].lower()] = disk.get('deleteOption', 'Detach')
        if 'publisher' in storage['imageReference']:
            storage['imageReference']['exactVersion'] = storage['imageReference']['version']
        for nic_ref in props['networkProfile']['networkInterfaces']:
            self.resources[nic_ref['id'].lower()]['properties']['virtualMachine'] = {'id': vm_id}
        self.power.setdefault(vm_id.lower(), 'running')
        return self._saved(stored, existing)

    def _patch_vm(self, route, params, body, query):
        vm = self._vm(params)
        new_size = body.get('properties', {}).get('hardwareProfile', {}).get('vmSize')
        if new_size and self.power[vm['id'].lower()] != 'deallocated' and \
                new_size not in self.available_sizes.get(params['name'], self.sizes['westeurope']):
            raise _error(ArmError(409, 'OperationNotAllowed', 'size not available on the current cluster'))
        _merge_patch(vm, body)
        for disk in vm['properties']['storageProfile'].get('dataDisks', []):
            disk.setdefault('managedDisk', {}).setdefault('id', '%s/providers/%s/%s' % (self.group_id(params['rg']), DISK_TYPE,
                                                                                        disk['name']))
        return 'Succeeded', copy.deepcopy(vm)

    def _delete_vm(self, route, params, body, query):
        vm = self.resources.pop(self._id(params, VM_TYPE).lower(), None)
        if vm is None:
            return 'Succeeded', 'absent'
        self.power.pop(vm['id'].lower(), None)
        for nic_ref in vm['properties']['networkProfile']['networkInterfaces']:
            nic = self.resources.get(nic_ref['id'].lower())
            if nic:
                nic['properties'].pop('virtualMachine', None)
        storage = vm['properties'].get('storageProfile') or {}
        for disk in ([storage['osDisk']] if storage.get('osDisk') else []) + storage.get('dataDisks', []):
            if disk.get('deleteOption') == 'Delete':
                self.disks.pop(disk['managedDisk']['id'].lower(), None)
        return 'Succeeded', None

    def _power_vm(self, route, params, body, query):
        vm = self._vm(params)
        method = route.operation.split('.')[1]
        self.power[vm['id'].lower()] = {'begin_start': 'running', 'begin_power_off': 'stopped',
                                        'begin_deallocate': 'deallocated', 'begin_restart': 'running'}[method]
        return 'Succeeded', None

    def _available_sizes(self, route, params, body, query):
        self._vm(params)
        return self._listing([{'name': size} for size in self.available_sizes.get(params['name'], self.sizes['westeurope'])])

    def _get_provider(self, route, params, body, query):
        """A provider's manifest; Microsoft.Resources offers resource groups in the locations of `self.sizes`."""
        display = {'westeurope': 'West Europe', 'northeurope': 'North Europe', 'eastus': 'East US'}
        locations = [display.get(name, name) for name in sorted(self.sizes)]
        types = [{'resourceType': 'resourceGroups', 'locations': locations}] if params['namespace'].lower() == 'microsoft.resources' else []
        return 200, {'namespace': params['namespace'], 'registrationState': 'Registered', 'resourceTypes': types}

    def _location_sizes(self, route, params, body, query):
        return self._listing([{'name': name, 'numberOfCores': 2} for name in self.sizes.get(params['location'], [])])

    def _list_images(self, route, params, body, query):
        key = (params['location'], params['publisher'].lower(), params['offer'].lower(), params['sku'].lower())
        versions = self.images.get(key)
        if versions is None:
            raise _error(ArmError(404, 'NotFound', 'Artifact: VMImage was not found.'))
        return 200, [{'name': v, 'location': params['location'], 'id': 'x/%s' % v} for v in versions]

    def _get_image(self, route, params, body, query):
        key = (params['location'], params['publisher'].lower(), params['offer'].lower(), params['sku'].lower())
        if params['version'] not in (self.images.get(key) or []):
            raise _error(ArmError(404, 'NotFound', 'Artifact: VMImage was not found.'))
        return 200, {'name': params['version'], 'location': params['location']}

    def _delete_disk(self, route, params, body, query):
        self.disks.pop(self._id(params, DISK_TYPE).lower(), None)
        return 'Succeeded', None

    # -------------------------------------------------------------------- VM extensions

    def _extension_key(self, params: dict) -> tuple[str, str, str]:
        return params['rg'], params['name'], params['extension']

    def _public(self, stored: dict, expand: bool) -> dict:
        result = copy.deepcopy(stored)
        result['properties'].pop('protectedSettings', None)  # Azure never returns them
        if not expand:
            result['properties'].pop('instanceView', None)
        return result

    def _get_extension(self, route, params, body, query):
        self._vm(params)
        stored = self.extensions.get(self._extension_key(params))
        if stored is None:
            raise _error(ArmError(404, 'NotFound', 'The entity was not found in this Azure location.'))
        return 200, self._public(stored, query.get('$expand') == 'instanceView')

    def _run_extension(self, key: tuple[str, str, str], stored: dict, created: bool) -> tuple[str | ArmError, dict]:
        state, view = self.runner(copy.deepcopy(stored))
        stored['properties']['provisioningState'] = state
        stored['properties']['instanceView'] = view
        self.runs.append(copy.deepcopy(stored))
        reply = dict(self._public(stored, False), _created=created)
        if state == 'Failed':
            message = (view.get('statuses') or [{}])[0].get('message', '')
            return ArmError(200, 'VMExtensionProvisioningError', "VM has reported a failure when processing extension '%s'. "
                            'Error message: "%s".' % (key[2], message)), reply
        return 'Succeeded', reply

    def _put_extension(self, route, params, body, query):
        vm = self._vm(params)
        key = self._extension_key(params)
        created = key not in self.extensions
        stored = copy.deepcopy(body)
        stored.update(id=vm['id'] + '/extensions/' + params['extension'], name=params['extension'], type=EXTENSION_TYPE)
        self.extensions[key] = stored
        return self._run_extension(key, stored, created)

    def _patch_extension(self, route, params, body, query):
        key = self._extension_key(params)
        stored = self.extensions[key]
        if 'tags' in body:
            stored['tags'] = copy.deepcopy(body['tags'])
        stored['properties'].update(copy.deepcopy(body.get('properties') or {}))
        return self._run_extension(key, stored, False)

    def _delete_extension(self, route, params, body, query):
        if self.extensions.pop(self._extension_key(params), None) is None:
            return 'Succeeded', 'absent'
        return 'Succeeded', None
