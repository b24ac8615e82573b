# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts of the inventory: their variables, their names, azure_rm's group name sanitization."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AzureConfigError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.inventory.hosts import (
    check_hostnames,
    check_prefix,
    choose_hostname,
    disambiguate,
    host_vars,
    image_name,
    legacy_group_name,
)

VM = {
    'id': '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web1', 'name': 'web1',
    'resource_group': 'rg', 'location': 'westeurope', 'power_state': 'running', 'computer_name': 'web-01',
    'admin_username': 'deploy', 'private_ip': '10.0.0.4', 'public_ip': None, 'fqdn': None, 'ansible_host': '10.0.0.4',
    'image': {'publisher': 'Debian', 'offer': 'debian-12', 'sku': '12-gen2', 'version': 'latest', 'id': None},
    'tags': {'role': 'web'}, 'ssh_public_keys': ['ssh-ed25519 AAAA'], 'os_type': 'Linux',
}


def no_jinja(expression, variables):
    raise AssertionError('not an expression: %s' % expression)


def test_host_vars_are_prefixed_with_connection_variables_unprefixed():
    variables = host_vars(VM)
    assert variables['azure_name'] == 'web1' and variables['azure_tags'] == {'role': 'web'}
    assert variables['azure_image'] == 'Debian:debian-12:12-gen2:latest'
    assert 'azure_image_reference' not in variables and 'azure_data_disks' not in variables
    assert variables['azure_os_type'] == 'Linux'
    assert variables['ansible_host'] == '10.0.0.4' and variables['ansible_user'] == 'deploy'
    assert 'azure_ansible_host' not in variables and 'azure_ssh_public_keys' not in variables
    assert not [name for name in variables if not name.startswith(('azure_', 'ansible_'))]


def test_empty_prefix_gives_azure_rm_like_names():
    variables = host_vars(VM, prefix='')
    assert variables['name'] == 'web1' and variables['location'] == 'westeurope' and variables['tags'] == {'role': 'web'}


def test_power_state_unknown_when_azure_reports_none():
    assert host_vars(dict(VM, power_state=None))['azure_power_state'] == 'unknown'


def test_image_name_urn_or_id():
    assert image_name({'id': '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/golden'}).endswith('/golden')
    assert image_name(None) is None


@pytest.mark.parametrize('preferences, expected', [
    (['public_ip', 'fqdn', 'private_ip'], '10.0.0.4'),   # the first keyword with a value wins
    (['computer_name', 'name'], 'web-01'),
    (['name'], 'web1'),
    (['public_ip'], None),                              # nothing gives a value
])
def test_keywords_name_host_variables(preferences, expected):
    assert choose_hostname(host_vars(VM), preferences, no_jinja) == expected


def test_expressions_are_evaluated_in_order():
    seen = []

    def evaluate(expression, variables):
        seen.append(expression)
        return {'azure_tags.hostname': None, "azure_name ~ '.example'": variables['azure_name'] + '.example'}[expression]

    assert choose_hostname(host_vars(VM), ['public_ip', 'azure_tags.hostname', "azure_name ~ '.example'", 'name'],
                           evaluate) == 'web1.example'
    assert seen == ['azure_tags.hostname', "azure_name ~ '.example'"]


def test_blank_values_do_not_name_a_host():
    assert choose_hostname({'azure_name': '  '}, ['name', 'x'], lambda expression, variables: 'from-x') == 'from-x'


def test_keywords_follow_the_prefix():
    assert choose_hostname(host_vars(VM, prefix='vm_'), ['computer_name'], no_jinja, prefix='vm_') == 'web-01'


def test_same_name_in_two_groups_gets_a_stable_suffix():
    taken = {'web1': VM['id']}
    other = VM['id'].replace('/rg/', '/rg2/')
    assert disambiguate('web1', VM['id'].upper(), taken) == 'web1'
    second = disambiguate('web1', other, taken)
    assert second.startswith('web1_') and len(second) == len('web1_') + 4
    assert disambiguate('web1', other, taken) == second


@pytest.mark.parametrize('value, error', [
    (None, None), ('name', None), ([], 'non-empty list'), (['name', ''], 'neither'), ([3], 'neither'), ({'a': 1}, 'non-empty list'),
])
def test_check_hostnames(value, error):
    if error is None:
        assert check_hostnames(value) in (['name'],)
        return
    with pytest.raises(AzureConfigError) as info:
        check_hostnames(value)
    assert info.value.option == 'hostnames' and error in info.value.msg


@pytest.mark.parametrize('value, ok', [(None, True), ('', True), ('vm_', True), ('1x', False), ('a-b', False), (3, False)])
def test_check_prefix(value, ok):
    if ok:
        assert check_prefix(value) == ('azure_' if value is None else value)
    else:
        with pytest.raises(AzureConfigError) as info:
            check_prefix(value)
        assert info.value.option == 'hostvar_prefix'


@pytest.mark.parametrize('name, expected', [
    ('tag_env_prod', 'tag_env_prod'), ('loc-west.europe', 'loc-west_europe'), ('a b/c:d', 'a_b_c_d'), ('ü', '_'),
])
def test_legacy_group_names_keep_dashes(name, expected):
    assert legacy_group_name(name) == expected
