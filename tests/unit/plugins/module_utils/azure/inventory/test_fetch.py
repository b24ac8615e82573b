# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's reads: vm_info's query per scope, a fixed number of listings, unreachable groups, auth errors."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AzureConfigError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.clients import build_client
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.inventory.fetch import (
    authentication_option,
    entra_reason,
    fetch_vms,
    lazy_context,
)
from ansible_collections.dockyard.azure.tests.unit.utils.connection import make_config
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import FakeArm, azure_error

LISTINGS = ['virtual_machines.list_all', 'network_interfaces.list_all', 'public_ip_addresses.list_all']


@pytest.fixture
def azure():
    arm = FakeArm(groups=('rg1', 'rg2', 'rg3'))
    for group in ('rg1', 'rg2', 'rg3'):
        for index in range(4):
            arm.add_vm(group, '%s-vm%d' % (group, index), vm_id='%s-%d' % (group, index),
                       public_ip='20.0.%d.%d' % (int(group[-1]), index) if index % 2 == 0 else None)
    arm.reset_calls()
    return arm


@pytest.mark.parametrize('vms_per_group', [1, 4])
def test_the_subscription_in_three_listings_whatever_the_number_of_vms(vms_per_group):
    azure = FakeArm(groups=('rg1', 'rg2'))
    for group in ('rg1', 'rg2'):
        for index in range(vms_per_group):
            azure.add_vm(group, '%s-vm%d' % (group, index), vm_id='%s-%d' % (group, index))
    azure.reset_calls()
    fetched = fetch_vms(azure.context(), None)
    assert [call.operation for call in azure.calls] == LISTINGS
    assert azure.calls[0].kwargs == {'status_only': 'true'}
    assert len(fetched.vms) == 2 * vms_per_group and fetched.calls == 3 and fetched.warnings == []
    vm = fetched.vms[0]
    assert vm['power_state'] == 'running' and vm['private_ip'] == '10.0.0.4' and vm['public_ip'] == '20.1.2.3'


def test_pages_are_followed_and_each_page_is_a_request(azure):
    azure.page_size = 5
    fetched = fetch_vms(azure.context(), None)
    assert len(fetched.vms) == 12 and len({vm['id'] for vm in fetched.vms}) == 12
    # 12 VMs in pages of 5: three requests; 12 NICs: three; 6 public IPs: two. Still three listings.
    assert [call.operation for call in azure.calls] == [LISTINGS[0]] * 3 + [LISTINGS[1]] * 3 + [LISTINGS[2]] * 2
    assert fetched.calls == 3
    assert all(vm['public_ip'] for vm in fetched.vms if vm['name'].endswith(('vm0', 'vm2')))


def test_named_groups_three_listings_each(azure):
    fetched = fetch_vms(azure.context(), ['rg1', 'rg3'])
    assert sorted({vm['resource_group'] for vm in fetched.vms}) == ['rg1', 'rg3'] and len(fetched.vms) == 8
    assert [call.operation for call in azure.calls] == ['virtual_machines.list', 'network_interfaces.list',
                                                        'public_ip_addresses.list'] * 2
    assert azure.calls[0].kwargs == {'expand': 'instanceView'}


def test_a_missing_group_is_a_warning(azure):
    fetched = fetch_vms(azure.context(), ['rg1', 'gone'])
    assert len(fetched.vms) == 4
    assert fetched.warnings == ["include_resource_groups: resource group 'gone' skipped: Could not list the VMs of "
                                "resource group 'gone': ResourceGroupNotFound: Resource group 'gone' could not be found."]


def test_a_forbidden_group_is_a_warning(azure):
    azure.fail_on['virtual_machines.list'] = azure_error(403, 'AuthorizationFailed', 'The client does not have authorization.')
    fetched = fetch_vms(azure.context(), ['rg2'])
    assert fetched.vms == [] and 'AuthorizationFailed' in fetched.warnings[0]


def test_other_failures_raise(azure):
    azure.fail_on['virtual_machines.list_all'] = azure_error(400, 'BadRequest', 'No.')
    with pytest.raises(AzureModuleError) as info:
        fetch_vms(azure.context(), None)
    assert info.value.msg == 'Could not list the VMs of the subscription: BadRequest: No.'


def test_throttling_is_retried_by_the_clients_policy(azure):
    azure.throttle_next = 2
    fetched = fetch_vms(azure.context(), None)
    assert len(fetched.vms) == 12
    assert [request[0] for request in azure.requests].count('GET') == 5  # 2 answered 429, then the 3 listings


class FailingCredential:
    def __init__(self, message):
        self.message = message
        self.asked = 0

    def get_token(self, *scopes, **kwargs):
        self.asked += 1
        raise ClientAuthenticationError(message=self.message)


@pytest.mark.parametrize('message, option', [
    ('Authentication failed: AADSTS7000215: Invalid client secret provided. Trace ID: 1 Correlation ID: 2', 'client_secret'),
    ("AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.", 'client_id'),
    ("AADSTS90002: Tenant 'x' not found.", 'tenant_id'),
])
def test_failed_authentication_names_the_option(message, option):
    credential = FailingCredential(message)
    ctx = lazy_context(make_config(), build_credential=lambda config: credential, build_client=build_client)
    with pytest.raises(AzureConfigError) as info:
        fetch_vms(ctx, None)
    assert info.value.option == option and credential.asked == 1
    assert info.value.msg.startswith('Authentication failed, check %s (or AZURE_' % option)
    assert 'AADSTS' in info.value.msg and 'Trace ID' not in info.value.msg


def test_authentication_helpers():
    assert authentication_option('no code here') is None
    assert authentication_option('AADSTS1: x AADSTS700024: expired') == 'federated_token_file'
    assert entra_reason('Could not list: Authentication failed: AADSTS7000215: Bad. Trace ID: 9') == 'AADSTS7000215: Bad.'


def test_lazy_context_builds_the_credential_and_each_client_once():
    made = []
    wanted = make_config()
    ctx = lazy_context(wanted, build_credential=lambda config: made.append('credential') or 'cred',
                       build_client=lambda name, config, credential: made.append((name, credential)) or name)
    assert made == []
    assert ctx.client('arm') == 'arm' and ctx.client('arm') == 'arm' and ctx.client('compute') == 'compute'
    assert made == ['credential', ('arm', 'cred'), ('compute', 'cred')]
    assert ctx.subscription_id == wanted.subscription_id
