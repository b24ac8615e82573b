# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ResourceGroupManager driving the real ResourceManagementClient over an in-memory ARM.

A requests adapter answers the SDK's HTTP requests from a dict, so the SDK's own
serialization, error mapping, retry and LRO polling code runs, and nothing leaves the process.
"""

from __future__ import annotations

import io
import json
import re
import time

import pytest
import requests
import urllib3
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport

from ansible_collections.dockyard.azure.plugins.module_utils.azure import auth
from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import client_kwargs, import_client_class
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.lro import wait_for_poller
from ansible_collections.dockyard.azure.plugins.modules.resource_group import ARGUMENT_SPEC, ResourceGroupManager
from ansible_collections.dockyard.azure.tests.unit.utils.azure_fakes import module_params

ENDPOINT = 'https://127.0.0.1:8443'
SUB = '00000000-0000-0000-0000-000000000001'
GROUP_PATH = re.compile(r'^/subscriptions/%s/resourcegroups/([^/]+)$' % SUB, re.IGNORECASE)
RESOURCES_PATH = re.compile(r'^/subscriptions/%s/resourceGroups/([^/]+)/resources$' % SUB, re.IGNORECASE)


class InMemoryArm(requests.adapters.BaseAdapter):
    """Answers resource group requests like ARM does (404 envelope, 201/200, 202 + Location for delete)."""

    def __init__(self):
        super().__init__()
        self.groups = {}
        self.requests = []
        self.throttle_next = 0

    def _response(self, request, status, body=None, headers=None):
        response = requests.Response()
        response.status_code = status
        response.reason = {200: 'OK', 201: 'Created', 202: 'Accepted', 404: 'Not Found', 429: 'Too Many Requests'}.get(status, 'X')
        content = json.dumps(body).encode() if body is not None else b''
        response._content = content
        response.headers.update({'Content-Type': 'application/json'})
        response.headers.update(headers or {})
        response.raw = urllib3.HTTPResponse(body=io.BytesIO(content), headers=dict(response.headers), status=status, preload_content=False)
        response.url = request.url
        response.request = request
        return response

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        url = requests.utils.urlparse(request.url)
        self.requests.append((request.method, url.path, request.headers.get('Authorization')))
        if self.throttle_next:
            self.throttle_next -= 1
            return self._response(request, 429, {'error': {'code': 'TooManyRequests', 'message': 'slow down'}}, {'Retry-After': '0'})
        if url.path.startswith('/operations/'):
            # Polling follows the Location header as given; ARM calls carry the SDK's api-version.
            return self._response(request, 200)
        assert 'api-version=' in url.query
        match = RESOURCES_PATH.match(url.path)
        if match:
            return self._response(request, 200, {'value': []})
        match = GROUP_PATH.match(url.path)
        name = match.group(1)
        group_id = '/subscriptions/%s/resourceGroups/%s' % (SUB, name)
        if request.method == 'GET':
            if name not in self.groups:
                return self._response(request, 404, {'error': {'code': 'ResourceGroupNotFound',
                                                               'message': "Resource group '%s' could not be found." % name}})
            return self._response(request, 200, self.groups[name])
        if request.method == 'PUT':
            body = json.loads(request.body)
            existed = name in self.groups
            self.groups[name] = dict(body, id=group_id, name=name, type='Microsoft.Resources/resourceGroups',
                                     properties={'provisioningState': 'Succeeded'})
            return self._response(request, 200 if existed else 201, self.groups[name])
        if request.method == 'DELETE':
            self.groups.pop(name, None)
            return self._response(request, 202, headers={'Location': ENDPOINT + '/operations/del-1', 'Retry-After': '0'})
        raise AssertionError('unexpected request %s %s' % (request.method, url.path))

    def close(self):
        pass


class StaticCredential:
    def get_token(self, *scopes, **kwargs):
        assert scopes == (ENDPOINT + '/.default',)
        return AccessToken('fake-token', int(time.time()) + 3600)


class SdkModule:
    def __init__(self, client, params, check_mode=False):
        self._client = client
        self.params = params
        self.check_mode = check_mode
        self._diff = False
        self.subscription_id = SUB

    def client(self, name):
        return self._client

    def wait_for(self, poller, operation):
        return wait_for_poller(poller, 30, operation)


@pytest.fixture
def arm():
    return InMemoryArm()


@pytest.fixture
def sdk_client(arm):
    session = requests.Session()
    session.mount('https://', arm)
    config = auth.AzureConnectionConfig(
        credential_kind=auth.KIND_CLIENT_SECRET, subscription_id=SUB, cloud='custom', arm_endpoint=ENDPOINT,
        credential_scope=ENDPOINT + '/.default', authority_host=ENDPOINT, retry_total=2, retry_backoff_max=1)
    client_class = import_client_class('resource')
    return client_class(StaticCredential(), SUB, transport=RequestsTransport(session=session), **client_kwargs(config))


def run(client, check_mode=False, **params):
    return ResourceGroupManager(SdkModule(client, module_params(ARGUMENT_SPEC, **params), check_mode)).run()


def test_create_update_noop_delete_through_the_sdk(arm, sdk_client):
    result = run(sdk_client, name='rg1', location='westeurope', tags={'env': 'dev'})
    assert result['changed'] is True
    assert result['resource_group']['provisioning_state'] == 'Succeeded'
    assert arm.groups['rg1']['tags'] == {'env': 'dev'}
    assert all(auth_header == 'Bearer fake-token' for dummy, dummy2, auth_header in arm.requests)

    arm.requests.clear()
    assert run(sdk_client, name='rg1', location='westeurope', tags={'env': 'dev'})['changed'] is False
    assert [method for method, dummy, dummy2 in arm.requests] == ['GET']

    arm.groups['rg1']['managedBy'] = '/subscriptions/x/providers/y'
    run(sdk_client, name='rg1', tags={'team': 'web'})
    assert arm.groups['rg1']['tags'] == {'env': 'dev', 'team': 'web'}
    assert arm.groups['rg1']['managedBy'] == '/subscriptions/x/providers/y'

    result = run(sdk_client, name='rg1', state='absent')
    assert result['changed'] is True
    assert 'rg1' not in arm.groups
    assert ('GET', '/operations/del-1') in [(m, p) for m, p, dummy in arm.requests]


def test_throttling_is_retried_by_the_sdk_policy(arm, sdk_client):
    arm.throttle_next = 2
    result = run(sdk_client, name='rg1', location='westeurope')
    assert result['changed'] is True
    assert [method for method, dummy, dummy2 in arm.requests].count('GET') == 3


def test_check_mode_sends_only_reads(arm, sdk_client):
    run(sdk_client, check_mode=True, name='rg1', location='westeurope')
    assert {method for method, dummy, dummy2 in arm.requests} == {'GET'}


def test_not_found_on_delete_path_is_no_change_and_errors_are_one_line(arm, sdk_client):
    assert run(sdk_client, name='gone', state='absent')['changed'] is False
    arm.throttle_next = 10
    with pytest.raises(AzureModuleError) as info:
        run(sdk_client, name='rg1', location='westeurope')
    assert info.value.msg == "Could not read resource group 'rg1': TooManyRequests: slow down"
