# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""YAML with go-yaml v3 scalars and the Compose !reset / !override tags."""

from __future__ import annotations

import sys

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.compose import _yaml
from ansible_collections.dockyard.azure.plugins.module_utils.compose.errors import FormatError
from ansible_collections.dockyard.azure.plugins.module_utils.errors import MissingLibraryError


def test_yaml_tags_and_paths():
    docs = _yaml.load_documents('a: !reset []\nb: !override {c: 1}\nd: [1, !reset x]\n')
    resets, overrides = [], []
    assert _yaml.strip_tags(docs[0], (), resets, overrides) == {'b': {'c': 1}, 'd': [1]}
    assert resets == [('a',)] and overrides == [('b',)]


def test_plain_scalars_follow_yaml_1_2_like_go_yaml_v3():
    doc = _yaml.load_documents('a: yes\nb: on\nc: 0755\nd: 0o10\ne: 1e3\nf: true\ng: ~\nh: 0x1F\n')[0]
    assert doc == {'a': 'yes', 'b': 'on', 'c': 0o755, 'd': 8, 'e': 1000.0, 'f': True, 'g': None, 'h': 31}


def test_empty_documents_are_dropped():
    assert _yaml.load_documents('---\n---\na: 1\n') == [{'a': 1}]


@pytest.mark.parametrize('text,message', [
    ('a: 1\na: 2\n', "mapping key 'a' already defined at line 1"),
    ('a: [1\n', 'invalid YAML'),
])
def test_invalid_yaml_is_a_format_error(text, message):
    with pytest.raises(FormatError, match=message):
        _yaml.load_documents(text)


def test_missing_pyyaml_is_a_missing_library(monkeypatch):
    monkeypatch.setitem(sys.modules, 'yaml', None)  # import yaml raises ImportError
    with pytest.raises(MissingLibraryError) as info:
        _yaml.load_documents('a: 1\n')
    assert info.value.package == 'PyYAML'


def test_merge_keys_merge_but_only_once_per_mapping():
    text = 'x: &a {p: 1, q: 1}\ny: &b {q: 2, r: 2}\n'
    assert _yaml.load_documents(text + 'z:\n  <<: [*a, *b]\n  s: 3\n')[0]['z'] == {'p': 1, 'q': 1, 'r': 2, 's': 3}
    with pytest.raises(FormatError, match='mapping key "<<" already defined at line 4'):
        _yaml.load_documents(text + 'z:\n  <<: *a\n  <<: *b\n')
