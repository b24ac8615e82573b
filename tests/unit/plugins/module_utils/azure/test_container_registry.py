# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ContainerRegistryManager and ContainerRegistryInfo over the fake ARM (the real ContainerRegistryManagementClient runs)."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.container_registry import (
    ContainerRegistryInfo,
    ContainerRegistryManager,
)
from ansible_collections.dockyard.azure.plugins.module_utils.azure.context import AzureContext
from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.registry import client as client_module
from ansible_collections.dockyard.azure.plugins.modules.container_registry import ARGUMENT_SPEC
from ansible_collections.dockyard.azure.plugins.modules.container_registry_info import ARGUMENT_SPEC as INFO_SPEC
from ansible_collections.dockyard.azure.tests.unit.utils.fake_acr import FakeAcrArm
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import Call
from ansible_collections.dockyard.azure.tests.unit.utils.fake_registry import FakeRegistry


def module_params(argument_spec, **values):
    params = {name: spec.get('default') for name, spec in argument_spec.items()}
    params.update(values)
    return params


@pytest.fixture
def arm():
    return FakeAcrArm(subscription='sub-1', groups=('rg',))


def context(arm, check_mode=False, diff=False, tokens=None):
    return AzureContext(client_factory=arm.client, wait=arm.wait, subscription=lambda: arm.subscription,
                        check_mode=check_mode, diff=diff, token_factory=tokens)


def run(arm, check_mode=False, diff=False, tokens=None, **params):
    params.setdefault('resource_group', 'rg')
    return ContainerRegistryManager(context(arm, check_mode, diff, tokens), module_params(ARGUMENT_SPEC, **params)).run()


def info(arm, tokens=None, **params):
    return ContainerRegistryInfo(context(arm, tokens=tokens), module_params(INFO_SPEC, **params)).run()


def test_create_checks_the_global_name_then_puts_once(arm):
    result = run(arm, diff=True, name='myregistry', sku='Standard', tags={'env': 'dev'})
    assert result['changed'] is True
    assert arm.calls[:3] == [Call('registries.get', ('rg', 'myregistry'), {}),
                             Call('registries.check_name_availability',
                                  ({'name': 'myregistry', 'type': 'Microsoft.ContainerRegistry/registries'},), {}),
                             Call('resource_groups.get', ('rg',), {})]
    assert arm.write_calls() == [Call('registries.begin_create', ('rg', 'myregistry', {
        'location': 'westeurope', 'tags': {'env': 'dev'}, 'sku': {'name': 'Standard'},
        'properties': {'adminUserEnabled': False}}), {})]
    registry = result['registry']
    assert registry['login_server'] == 'myregistry.azurecr.io' and registry['sku'] == 'Standard'
    assert registry['resource_group'] == 'rg' and registry['provisioning_state'] == 'Succeeded'
    assert result['diff'] == {'before': {}, 'after': {'sku': 'Standard', 'admin_user_enabled': False,
                                                      'tags': {'env': 'dev'}, 'location': 'westeurope'}}
    assert 'credentials' not in result
    arm.reset_calls()
    again = run(arm, name='myregistry', sku='Standard', tags={'env': 'dev'})
    assert again['changed'] is False and arm.writes() == []


def test_update_patches_only_what_differs(arm):
    arm.add_registry('rg', 'myregistry', tags={'team': 'a'})
    result = run(arm, diff=True, name='myregistry', admin_user_enabled=True, tags={'env': 'prod'})
    assert arm.write_calls() == [Call('registries.begin_update', ('rg', 'myregistry', {
        'tags': {'team': 'a', 'env': 'prod'}, 'properties': {'adminUserEnabled': True}}), {})]
    assert result['registry']['admin_user_enabled'] is True and result['registry']['sku'] == 'Basic'
    assert result['diff']['before']['admin_user_enabled'] is False and result['diff']['after']['tags'] == {
        'team': 'a', 'env': 'prod'}
    arm.reset_calls()
    sku = run(arm, name='myregistry', sku='Premium', check_mode=True)
    assert sku['changed'] is True and sku['registry']['sku'] == 'Premium' and arm.writes() == []


def test_check_mode_create_writes_nothing(arm):
    result = run(arm, check_mode=True, name='myregistry', admin_user_enabled=True, credentials='admin')
    assert result['changed'] is True and arm.writes() == []
    assert result['registry']['login_server'] is None and 'credentials' not in result
    assert result['registry']['id'].endswith('/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/myregistry')


@pytest.mark.parametrize('name', ['acr', 'my-registry', 'my_registry', 'a' * 51, ''])
def test_invalid_names_fail_before_any_call(arm, name):
    with pytest.raises(AzureModuleError) as refused:
        run(arm, name=name)
    assert refused.value.option == 'name' and 'not a valid registry name' in refused.value.msg
    assert arm.calls == []


def test_a_name_taken_elsewhere_fails_before_any_write(arm):
    arm.taken.add('popularname')
    with pytest.raises(AzureModuleError) as taken:
        run(arm, name='PopularName')
    assert taken.value.option == 'name' and taken.value.extra['reason'] == 'AlreadyExists'
    assert taken.value.msg.startswith("name: the registry name 'PopularName' cannot be used (AlreadyExists)")
    assert arm.writes() == []


def test_location_rules(arm):
    with pytest.raises(AzureModuleError) as missing_group:
        run(arm, name='myregistry', resource_group='nogroup')
    assert missing_group.value.option == 'resource_group' and arm.writes() == []
    arm.add_registry('rg', 'myregistry')
    with pytest.raises(AzureModuleError) as moved:
        run(arm, name='myregistry', location='eastus')
    assert moved.value.option == 'location' and arm.writes() == []
    assert run(arm, name='myregistry', location='West Europe')['changed'] is False


def test_delete_and_delete_again(arm):
    arm.add_registry('rg', 'myregistry')
    result = run(arm, diff=True, name='myregistry', state='absent')
    assert result == {'changed': True, 'registry': {}, 'diff': {
        'before': {'sku': 'Basic', 'admin_user_enabled': False, 'tags': {}, 'location': 'westeurope'}, 'after': {}}}
    assert arm.writes() == ['registries.begin_delete']
    arm.reset_calls()
    assert run(arm, name='myregistry', state='absent')['changed'] is False and arm.writes() == []


def test_admin_credentials_only_when_asked_and_enabled(arm):
    arm.add_registry('rg', 'myregistry')
    with pytest.raises(AzureModuleError) as disabled:
        run(arm, name='myregistry', credentials='admin')
    assert disabled.value.option == 'credentials' and 'admin user of registry' in disabled.value.msg
    result = run(arm, name='myregistry', admin_user_enabled=True, credentials='admin')
    assert result['credentials'] == {'username': 'myregistry', 'password': 'secret-1', 'password2': 'secret-2'}
    assert arm.writes() == ['registries.begin_update']  # listCredentials is a read


def test_token_credentials_exchange_the_modules_entra_token(arm, monkeypatch):
    registry = FakeRegistry('myregistry.azurecr.io')
    monkeypatch.setattr(client_module, 'new_session', registry.session)
    arm.add_registry('rg', 'myregistry')
    scopes = []

    def tokens(scope):
        scopes.append(scope)
        return 'entra-token'

    result = info(arm, tokens=tokens, name='myregistry', resource_group='rg', credentials='token')
    assert result['credentials'] == {'username': '00000000-0000-0000-0000-000000000000', 'password': 'refresh-1'}
    assert scopes == [None]  # the connection's ARM scope
    assert ('POST', '/oauth2/exchange') in registry.requests


def test_info_by_name_group_subscription_and_tags(arm):
    arm.add_registry('rg', 'teamaregistry', tags={'team': 'a'})
    arm.add_registry('rg2', 'teambregistry', tags={'team': 'b'})
    assert [r['name'] for r in info(arm, name='teamaregistry', resource_group='rg')['registries']] == ['teamaregistry']
    assert info(arm, name='nosuchregistry', resource_group='rg')['registries'] == []
    assert [r['name'] for r in info(arm, resource_group='rg2')['registries']] == ['teambregistry']
    assert sorted(r['name'] for r in info(arm)['registries']) == ['teamaregistry', 'teambregistry']
    assert [r['name'] for r in info(arm, tags=['team:b'])['registries']] == ['teambregistry']
    with pytest.raises(AzureModuleError) as no_name:
        info(arm, credentials='admin')
    assert no_name.value.option == 'credentials'
    with pytest.raises(AzureModuleError) as missing:
        info(arm, name='nosuchregistry', resource_group='rg', credentials='admin')
    assert missing.value.option == 'name'
    assert arm.writes() == []
