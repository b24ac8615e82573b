# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The 'arm' client: ARM's JSON through the SDK pipeline, pages followed, errors as the SDK's."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import build_client
from ansible_collections.dockyard.azure.tests.unit.utils.connection import make_config
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import TOKEN, FakeArm, azure_error

VMS = '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Compute/virtualMachines'


@pytest.fixture
def azure():
    arm = FakeArm(groups=('rg',))
    for index in range(7):
        arm.add_vm('rg', 'vm%d' % index, vm_id='id-%d' % index)
    arm.reset_calls()
    return arm


def test_list_follows_next_links_keeping_query_and_api_version(azure):
    azure.page_size = 3
    items = list(azure.client('arm').list(VMS, '2024-07-01', statusOnly='true'))
    assert [item['name'] for item in items] == ['vm%d' % index for index in range(7)]
    assert all('instanceView' in item['properties'] for item in items)
    assert len(azure.calls) == 3 and all(call.kwargs == {'status_only': 'true'} for call in azure.calls)
    assert all(request[2] == 'Bearer ' + TOKEN for request in azure.requests)


def test_api_version_of_the_first_request_on_every_page(azure, monkeypatch):
    azure.page_size = 4
    seen = []
    original = azure.answer

    def spy(method, url, body, headers):
        seen.append(url)
        return original(method, url, body, headers)

    monkeypatch.setattr(azure, 'answer', spy)
    list(azure.client('arm').list(VMS, '2024-07-01'))
    assert len(seen) == 2 and all('api-version=2024-07-01' in url for url in seen) and '$skiptoken=4' in seen[1]


def test_get_and_errors_are_the_sdks(azure):
    arm = azure.client('arm')
    vm = arm.get(VMS.replace('/providers', '/resourceGroups/rg/providers') + '/vm1', '2024-07-01')
    assert vm['name'] == 'vm1'
    with pytest.raises(ResourceNotFoundError) as missing:
        arm.get(VMS.replace('/providers', '/resourceGroups/nope/providers') + '/vm1', '2024-07-01')
    assert missing.value.status_code == 404 and missing.value.error.code == 'ResourceGroupNotFound'
    azure.fail_on['virtual_machines.list_all'] = azure_error(409, 'Conflict', 'Busy.')
    with pytest.raises(HttpResponseError) as failed:
        list(arm.list(VMS, '2024-07-01'))
    assert failed.value.status_code == 409 and failed.value.error.message == 'Busy.'


def test_throttled_calls_are_retried(azure):
    azure.throttle_next = 1
    assert len(list(azure.client('arm').list(VMS, '2024-07-01'))) == 7
    assert len(azure.requests) == 2


def test_built_like_the_sdk_clients_with_the_retry_settings():
    client = build_client('arm', make_config(retry_total=3, retry_backoff_max=7), credential=object())
    retry = [policy for policy in client._client._pipeline._impl_policies if type(policy).__name__ == 'RetryPolicy'][0]
    assert (retry.total_retries, retry.backoff_max) == (3, 7)
    assert client.url('/subscriptions/s/x', '2024-05-01', **{'$expand': 'a,b'}) == \
        'https://127.0.0.1:8443/subscriptions/s/x?$expand=a,b&api-version=2024-05-01'
