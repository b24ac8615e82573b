# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's documentation as ansible-doc shows it: its own DOCUMENTATION merged with the collection's doc fragments."""

from __future__ import annotations

import importlib
from typing import Any

import yaml

FRAGMENT_PREFIX = 'dockyard.azure.'
FRAGMENTS_PACKAGE = 'ansible_collections.dockyard.azure.plugins.doc_fragments.'


def fragments(module: Any) -> list[str]:
    """The names in the module's extends_documentation_fragment (e.g. 'dockyard.azure.azure.action_group')."""
    return list(yaml.safe_load(module.DOCUMENTATION).get('extends_documentation_fragment') or [])


def fragment_doc(name: str) -> dict[str, Any]:
    """The parsed YAML of a dockyard.azure fragment ('dockyard.azure.tags.filter' is tags.py's FILTER)."""
    file_name, dummy, variant = name[len(FRAGMENT_PREFIX):].partition('.')
    fragment = importlib.import_module(FRAGMENTS_PACKAGE + file_name).ModuleDocFragment
    return yaml.safe_load(getattr(fragment, (variant or 'documentation').upper()))


def documented_options(module: Any) -> dict[str, Any]:
    """The module's options with those of every dockyard.azure fragment it extends (the module's own win)."""
    options: dict[str, Any] = {}
    for name in fragments(module):
        if name.startswith(FRAGMENT_PREFIX):
            options.update(fragment_doc(name).get('options') or {})
    options.update(yaml.safe_load(module.DOCUMENTATION).get('options') or {})
    return options
