# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/runtime.yml's action groups list exactly the modules whose documentation says they are members.

A module joins the group `azure` (or `docker`) by extending the doc fragment
dockyard.azure.azure.action_group (or dockyard.azure.docker.action_group); module_defaults
only work for the modules runtime.yml lists, so the two must agree both ways.
"""

from __future__ import annotations

import importlib
import os

import pytest
import yaml

from ansible_collections.dockyard.azure.tests.unit.utils.module_docs import fragments

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
MODULES_DIR = os.path.join(COLLECTION_ROOT, 'plugins', 'modules')
GROUP_FRAGMENTS = {'azure': 'dockyard.azure.azure.action_group', 'docker': 'dockyard.azure.docker.action_group'}


def module_names():
    return sorted(name[:-3] for name in os.listdir(MODULES_DIR) if name.endswith('.py') and not name.startswith('_'))


def runtime_groups():
    with open(os.path.join(COLLECTION_ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['action_groups']


def members_by_documentation(fragment):
    members = []
    for name in module_names():
        module = importlib.import_module('ansible_collections.dockyard.azure.plugins.modules.' + name)
        if fragment in fragments(module):
            members.append(name)
    return members


@pytest.mark.parametrize('group', sorted(GROUP_FRAGMENTS))
def test_action_group_lists_exactly_the_modules_of_its_fragment(group):
    listed = runtime_groups()[group]
    assert len(listed) == len(set(listed)), 'a module is listed twice in action group %s' % group
    assert sorted(listed) == members_by_documentation(GROUP_FRAGMENTS[group])


def test_the_all_group_extends_both_groups():
    (entry,) = runtime_groups()['all']
    assert sorted(entry['metadata']['extend_group']) == sorted('dockyard.azure.' + group for group in GROUP_FRAGMENTS)
