# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's filters: options checked before any call, then each VM (vm_info's shape) kept or left out."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AzureConfigError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.inventory.filters import TagFilter, VmFilters, parse_tag_filters


def vm(group='app-prod', location='westeurope', power='running', **tags):
    return {'resource_group': group, 'location': location, 'power_state': power, 'tags': tags}


def keeps(options, machine):
    return VmFilters.from_options(options).keep(machine)


def test_no_options_keep_everything():
    assert keeps({}, vm()) and keeps({}, vm(power=None))


@pytest.mark.parametrize('patterns, group, kept', [
    (['app-prod'], 'APP-PROD', True),        # ARM names compare without case
    (['app-*'], 'app-staging', True),
    (['app-?rod'], 'app-prod', True),
    (['web-*'], 'app-prod', False),
])
def test_include_resource_groups_names_and_patterns(patterns, group, kept):
    assert keeps({'include_resource_groups': patterns}, vm(group=group)) is kept


def test_exclude_resource_groups_wins_over_include():
    options = {'include_resource_groups': ['app-*'], 'exclude_resource_groups': ['*-staging']}
    assert keeps(options, vm(group='app-prod')) and not keeps(options, vm(group='app-staging'))


def test_listed_groups_only_for_plain_names_minus_the_excluded():
    assert VmFilters.from_options({}).listed_groups is None
    assert VmFilters.from_options({'include_resource_groups': ['app-*']}).listed_groups is None
    filters = VmFilters.from_options({'include_resource_groups': ['App', 'app', 'db', 'old'], 'exclude_resource_groups': ['o*']})
    assert filters.listed_groups == ['App', 'db']


@pytest.mark.parametrize('include, tags, kept', [
    (['env'], {'env': 'prod'}, True),
    (['env'], {'team': 'a'}, False),
    (['env:prod'], {'env': 'prod'}, True),
    (['env:prod'], {'env': 'Prod'}, False),               # values with case
    (['ENV:prod'], {'env': 'prod'}, True),                # names without case, as Azure
    (['env:pr*'], {'env': 'prod'}, True),
    (['role:docker-?'], {'role': 'docker-1'}, True),
    (['env:prod', 'role'], {'env': 'prod'}, False),       # every include entry must match
    ([{'env': 'prod'}], {'env': 'prod'}, True),           # a mapping entry
    (['app:'], {'app': ''}, True),                        # an empty value is a value
    (['app:'], {'app': 'x'}, False),
    (['url:http://x'], {'url': 'http://x'}, True),        # split at the first colon only
])
def test_include_tags(include, tags, kept):
    assert keeps({'include_tags': include}, vm(**tags)) is kept


def test_exclude_tags_any_match_leaves_out():
    options = {'exclude_tags': ['skip', 'env:dev*']}
    assert keeps(options, vm(env='prod'))
    assert not keeps(options, vm(env='development'))
    assert not keeps(options, vm(skip='yes', env='prod'))


@pytest.mark.parametrize('options, power, kept', [
    ({'exclude_power_states': ['deallocated']}, 'deallocated', False),
    ({'exclude_power_states': ['deallocated']}, 'running', True),
    ({'include_power_states': ['running', 'starting']}, 'starting', True),
    ({'include_power_states': ['Running']}, 'stopped', False),
    ({'include_power_states': ['unknown']}, None, True),
    ({'exclude_power_states': ['unknown']}, None, False),
])
def test_power_states(options, power, kept):
    assert keeps(options, vm(power=power)) is kept


@pytest.mark.parametrize('options, location, kept', [
    ({'include_locations': ['West Europe']}, 'westeurope', True),
    ({'include_locations': ['*europe']}, 'northeurope', True),
    ({'include_locations': ['eastus']}, 'eastus2', False),
    ({'exclude_locations': ['east*']}, 'eastus2', False),
])
def test_locations(options, location, kept):
    assert keeps(options, vm(location=location)) is kept


@pytest.mark.parametrize('options, option, words', [
    ({'include_tags': [':web']}, 'include_tags', 'no tag name'),
    ({'exclude_tags': [{}]}, 'exclude_tags', 'empty mapping'),
    ({'include_tags': [['env']]}, 'include_tags', 'no tag name'),
    ({'include_tags': 'env'}, None, None),                      # one string is a list of one
    ({'include_tags': 7}, 'include_tags', 'must be a list'),
    ({'exclude_power_states': ['sleeping']}, 'exclude_power_states', "unknown power state 'sleeping'"),
    ({'include_resource_groups': ['ok', '']}, 'include_resource_groups', 'not a name or a pattern'),
    ({'include_locations': [{'a': 1}]}, 'include_locations', 'not a name or a pattern'),
    ({'exclude_resource_groups': {'a': 1}}, 'exclude_resource_groups', 'must be a list'),
])
def test_bad_entries_name_the_option(options, option, words):
    if option is None:
        VmFilters.from_options(options)
        return
    with pytest.raises(AzureConfigError) as info:
        VmFilters.from_options(options)
    assert info.value.option == option
    assert words in info.value.msg and '\n' not in info.value.msg


def test_tag_filter_text():
    assert [str(item) for item in parse_tag_filters('include_tags', ['a', 'b:c', {'d': None}])] == ['a', 'b:c', 'd']
    assert TagFilter('e*').matches({'Env': 'x'}) and not TagFilter('e*').matches(None)
