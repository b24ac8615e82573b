# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure tags, one way for every module (private to dockyard.azure).

Two option shapes, documented once in the ``dockyard.azure.tags`` doc fragment:

- ``tags`` (dict) + ``append_tags`` (bool) on modules that write a resource: TAGS_ARGUMENT_SPEC,
  ``validate_tags`` and ``desired_tags`` (merge into, or replace, the resource's current tags);
- ``tags`` (list of ``name`` or ``name:value``) on *_info modules: TAG_FILTER_ARGUMENT_SPEC and
  ``tags_match``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError

TAGS_ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    tags=dict(type='dict'),
    append_tags=dict(type='bool', default=True),
)

TAG_FILTER_ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    tags=dict(type='list', elements='str'),
)

MAX_NAME_LENGTH = 512
MAX_VALUE_LENGTH = 256
_NAME_FORBIDDEN = set('<>%&\\?/')


def string_tags(tags: Mapping[Any, Any] | None) -> dict[str, str]:
    """Tag values as Azure stores them: strings (None becomes '')."""
    return {str(key): '' if value is None else str(value) for key, value in (tags or {}).items()}


def validate_tags(tags: Mapping[Any, Any] | None, reserved: Iterable[str] = ()) -> None:
    """Refuse names and values Azure refuses, and the tags a module manages itself (`reserved`)."""
    reserved = set(reserved)
    for key, value in (tags or {}).items():
        key = str(key)
        if key in reserved:
            raise AzureModuleError("tags: '%s' is managed by the module itself and cannot be set." % key, option='tags')
        if not key or len(key) > MAX_NAME_LENGTH or _NAME_FORBIDDEN & set(key):
            raise AzureModuleError("tags: '%s' is not a valid tag name (1-512 characters, none of < > %% & \\ ? /)." % key,
                                   option='tags')
        if value is not None and len(str(value)) > MAX_VALUE_LENGTH:
            raise AzureModuleError("tags: the value of '%s' is longer than 256 characters." % key, option='tags')


def desired_tags(current: Mapping[str, str] | None, wanted: Mapping[Any, Any] | None, append: bool = True,
                 keep: Iterable[str] = ()) -> dict[str, str]:
    """The tags after the run.

    `wanted` None leaves `current` as it is; with `append` the wanted tags are added to (or
    update) the current ones, otherwise they replace them, except the current tags named in
    `keep` (those a module manages itself), which survive a replace.
    """
    current = dict(current or {})
    if wanted is None:
        return current
    if append:
        current.update(string_tags(wanted))
        return current
    tags = string_tags(wanted)
    tags.update({key: value for key, value in current.items() if key in set(keep)})
    return tags


def parse_tag_filters(filters: Iterable[Any] | None) -> list[tuple[str, str | None]]:
    """['env', 'team:web'] -> [('env', None), ('team', 'web')]; split at the first ':' only."""
    parsed = []
    for item in filters or []:
        key, sep, value = str(item).partition(':')
        parsed.append((key, value if sep else None))
    return parsed


def validate_tag_filters(filters: Iterable[Any] | None) -> None:
    """Refuse a filter whose tag name no resource can have (an *_info module would silently find nothing)."""
    for key, _value in parse_tag_filters(filters):
        if not key or len(key) > MAX_NAME_LENGTH or _NAME_FORBIDDEN & set(key):
            raise AzureModuleError("tags: '%s' is not a valid tag name to filter on (1-512 characters, none of < > %% & \\ ? /); "
                                   "give 'name' or 'name:value'." % key, option='tags')


def tags_match(tags: Mapping[str, str] | None, filters: Iterable[Any] | None) -> bool:
    """True if `tags` has every filtered name (with the value, where the filter gives one)."""
    tags = tags or {}
    for key, value in parse_tag_filters(filters):
        if key not in tags:
            return False
        if value is not None and tags[key] != value:
            return False
    return True
