# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one tags implementation: desired tags (append or replace, kept module tags), validation, tag filters."""

from __future__ import annotations

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError
from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import (
    desired_tags,
    parse_tag_filters,
    string_tags,
    tags_match,
    validate_tags,
)

CURRENT = {'owner': 'platform', 'env': 'dev', 'managed-by-module': 'x'}


def test_values_become_strings():
    assert string_tags({'n': 1, 'b': True, 'none': None}) == {'n': '1', 'b': 'True', 'none': ''}
    assert string_tags(None) == {}


def test_unset_tags_leave_the_current_ones():
    assert desired_tags(CURRENT, None) == CURRENT
    assert desired_tags(None, None) == {}


def test_append_merges_and_replace_keeps_only_the_kept_names():
    assert desired_tags(CURRENT, {'env': 'prod'}) == {'owner': 'platform', 'env': 'prod', 'managed-by-module': 'x'}
    assert desired_tags(CURRENT, {'env': 'prod'}, append=False) == {'env': 'prod'}
    assert desired_tags(CURRENT, {}, append=False, keep=('managed-by-module',)) == {'managed-by-module': 'x'}
    assert CURRENT == {'owner': 'platform', 'env': 'dev', 'managed-by-module': 'x'}, 'the current tags are not modified'


@pytest.mark.parametrize('tags, message', [
    ({'a/b': 'x'}, "tags: 'a/b' is not a valid tag name"),
    ({'': 'x'}, "tags: '' is not a valid tag name"),
    ({'k' * 513: 'x'}, 'is not a valid tag name'),
    ({'k': 'v' * 257}, "tags: the value of 'k' is longer than 256 characters."),
    ({'mine': 'x'}, "tags: 'mine' is managed by the module itself and cannot be set."),
])
def test_validation_names_the_option(tags, message):
    with pytest.raises(AzureModuleError) as info:
        validate_tags(tags, reserved=('mine',))
    assert message in info.value.msg and info.value.option == 'tags'


def test_valid_tags_pass():
    validate_tags({'env': 'dev', 'k' * 512: 'v' * 256, 'n': None})
    validate_tags(None)


def test_filters_match_names_and_name_value_pairs():
    assert parse_tag_filters(['env', 'team:web', 'url:https://x']) == [('env', None), ('team', 'web'), ('url', 'https://x')]
    assert tags_match({'env': 'dev', 'team': 'web'}, ['env', 'team:web'])
    assert not tags_match({'env': 'dev'}, ['env', 'team'])
    assert not tags_match({'team': 'db'}, ['team:web'])
    assert tags_match(None, []) and not tags_match(None, ['env'])


def test_a_tag_filter_no_resource_can_match_is_refused():
    from ansible_collections.dockyard.azure.plugins.module_utils.azure.tags import validate_tag_filters
    validate_tag_filters(['env', 'team:web', 'path:/a/b'])  # a value may hold anything
    for bad in ('bad<tag', 'a/b:x', ':value'):
        with pytest.raises(AzureModuleError) as info:
            validate_tag_filters([bad])
        assert info.value.option == 'tags'
