# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""container_registry and container_registry_info through main() (the managers: azure/test_container_registry.py)."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.modules import container_registry, container_registry_info
from ansible_collections.dockyard.azure.tests.unit.utils.fake_acr import FakeAcrArm
from ansible_collections.dockyard.azure.tests.unit.utils.fake_arm import azure_error


@pytest.fixture
def acr(monkeypatch):
    fake = FakeAcrArm(groups=('rg',))
    fake.patch_azure_module(monkeypatch)
    return fake


def test_create_in_check_and_diff_mode_writes_nothing(run_module, acr):
    result = run_module(container_registry.main, {'name': 'myregistry', 'resource_group': 'rg', 'sku': 'Premium',
                                                  '_ansible_check_mode': True, '_ansible_diff': True})
    assert result['changed'] is True and result['registry']['sku'] == 'Premium'
    assert result['diff']['before'] == {} and result['diff']['after']['sku'] == 'Premium'
    assert acr.writes() == []


def test_bad_choices_and_names_fail_before_any_call(run_module, acr):
    bad_sku = run_module(container_registry.main, {'name': 'myregistry', 'resource_group': 'rg', 'sku': 'Gold'})
    assert bad_sku['failed'] is True and 'sku' in bad_sku['msg']
    bad_name = run_module(container_registry.main, {'name': 'my.registry', 'resource_group': 'rg'})
    assert bad_name['failed'] is True and bad_name['option'] == 'name'
    assert acr.calls == []


def test_sdk_errors_are_one_line(run_module, acr):
    acr.fail_on['registries.begin_create'] = azure_error(409, 'AlreadyInUse', 'The registry DNS name myregistry.azurecr.io '
                                                         'is already in use.')
    result = run_module(container_registry.main, {'name': 'myregistry', 'resource_group': 'rg'})
    assert result['failed'] is True and result['error_code'] == 'AlreadyInUse'
    assert result['msg'] == ("Could not create container registry 'myregistry': AlreadyInUse: The registry DNS name "
                             "myregistry.azurecr.io is already in use.")


def test_admin_credentials_come_back_only_when_asked(run_module, acr):
    acr.add_registry('rg', 'myregistry', admin=True)
    plain = run_module(container_registry_info.main, {'name': 'myregistry', 'resource_group': 'rg'})
    assert 'credentials' not in plain and plain['registries'][0]['admin_user_enabled'] is True
    asked = run_module(container_registry_info.main, {'name': 'myregistry', 'resource_group': 'rg', 'credentials': 'admin'})
    assert asked['credentials']['password'] == 'secret-1'
    missing_group = run_module(container_registry_info.main, {'name': 'myregistry'})
    assert missing_group['failed'] is True and 'resource_group' in missing_group['msg']
