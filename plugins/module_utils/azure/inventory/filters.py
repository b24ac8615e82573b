# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which VMs the inventory keeps (private to dockyard.azure): resource groups, tags, power states, locations.

Pure: options in, a VmFilters out (AzureConfigError naming the option for a bad entry, before any
ARM call); VmFilters.keep() then judges each VM in the shape vm_info returns (vm/state.vm_to_dict).

- resource groups and locations: names or shell-style patterns (``*``, ``?``, ``[ab]``), compared
  without case, as ARM compares them; locations also without spaces ('West Europe' = westeurope);
- tags: ``NAME`` or ``NAME:VALUE`` strings (or ``{NAME: VALUE}`` mappings), patterns allowed on both
  sides; the name without case (Azure tag names are case-insensitive), the value with case. A VM must
  match every include_tags entry and no exclude_tags entry;
- power states: as Azure reports them (running, stopped, deallocated, starting, stopping,
  deallocating), or ``unknown`` when Azure reports none.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.arm import normalize_location
from ansible_collections.dockyard.azure.plugins.module_utils.azure.auth import AzureConfigError

POWER_STATES = ('running', 'stopped', 'deallocated', 'starting', 'stopping', 'deallocating', 'unknown')
PATTERN_CHARACTERS = set('*?[')


def is_pattern(text: str) -> bool:
    return bool(PATTERN_CHARACTERS & set(text))


@dataclass(frozen=True)
class TagFilter:
    """A tag NAME (pattern, matched without case) with an optional VALUE (pattern, matched with case)."""

    name: str
    value: str | None = None

    def matches(self, tags: Mapping[str, Any] | None) -> bool:
        for key, value in (tags or {}).items():
            if not fnmatch.fnmatchcase(str(key).lower(), self.name.lower()):
                continue
            if self.value is None or fnmatch.fnmatchcase('' if value is None else str(value), self.value):
                return True
        return False

    def __str__(self) -> str:
        return self.name if self.value is None else '%s:%s' % (self.name, self.value)


def _strings(option: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise AzureConfigError(option, '%s must be a list of names or patterns, got %s.' % (option, type(value).__name__))
    result = []
    for item in value:
        if not isinstance(item, (str, int, float)) or isinstance(item, bool) or not str(item).strip():
            raise AzureConfigError(option, '%s: %r is not a name or a pattern.' % (option, item))
        result.append(str(item).strip())
    return result


def parse_tag_filters(option: str, value: Any) -> list[TagFilter]:
    """['env', 'role:web*', {'team': 'a'}] -> TagFilters; AzureConfigError naming `option` for a bad entry."""
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise AzureConfigError(option, '%s must be a list of NAME or NAME:VALUE entries, got %s.' % (option, type(value).__name__))
    filters = []
    for item in value:
        pairs: list[tuple[str, str | None]]
        if isinstance(item, Mapping):
            pairs = [(str(key), None if value is None else str(value)) for key, value in item.items()]
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            name, sep, text = str(item).partition(':')
            pairs = [(name, text if sep else None)]
        else:
            pairs = [('', None)]
        if not pairs:
            raise AzureConfigError(option, '%s: an empty mapping is not a tag filter; write NAME or NAME:VALUE.' % option)
        for name, wanted in pairs:
            if not name.strip():
                raise AzureConfigError(
                    option, '%s: %r has no tag name; write NAME or NAME:VALUE (patterns with * and ? allowed).' % (option, item))
            filters.append(TagFilter(name.strip(), wanted))
    return filters


def parse_power_states(option: str, value: Any) -> list[str]:
    states = [state.lower() for state in _strings(option, value)]
    for state in states:
        if state not in POWER_STATES:
            raise AzureConfigError(option, '%s: unknown power state %r; use %s.' % (option, state, ', '.join(POWER_STATES)))
    return states


def _matches_any(value: str | None, patterns: Iterable[str]) -> bool:
    text = (value or '').lower()
    return any(fnmatch.fnmatchcase(text, pattern.lower()) for pattern in patterns)


@dataclass
class VmFilters:
    """The filter options, checked; keep() says whether a VM (vm_to_dict shape) stays in the inventory."""

    include_resource_groups: list[str] = field(default_factory=list)
    exclude_resource_groups: list[str] = field(default_factory=list)
    include_tags: list[TagFilter] = field(default_factory=list)
    exclude_tags: list[TagFilter] = field(default_factory=list)
    include_power_states: list[str] = field(default_factory=list)
    exclude_power_states: list[str] = field(default_factory=list)
    include_locations: list[str] = field(default_factory=list)
    exclude_locations: list[str] = field(default_factory=list)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> VmFilters:
        def locations(option: str) -> list[str]:
            return [normalize_location(item) or '' for item in _strings(option, options.get(option))]

        return cls(
            include_resource_groups=_strings('include_resource_groups', options.get('include_resource_groups')),
            exclude_resource_groups=_strings('exclude_resource_groups', options.get('exclude_resource_groups')),
            include_tags=parse_tag_filters('include_tags', options.get('include_tags')),
            exclude_tags=parse_tag_filters('exclude_tags', options.get('exclude_tags')),
            include_power_states=parse_power_states('include_power_states', options.get('include_power_states')),
            exclude_power_states=parse_power_states('exclude_power_states', options.get('exclude_power_states')),
            include_locations=locations('include_locations'),
            exclude_locations=locations('exclude_locations'),
        )

    @property
    def listed_groups(self) -> list[str] | None:
        """The resource groups to list one by one (include_resource_groups names, none a pattern), or None:
        list the whole subscription and filter."""
        if not self.include_resource_groups or any(is_pattern(name) for name in self.include_resource_groups):
            return None
        seen: dict[str, str] = {}
        for name in self.include_resource_groups:
            if not _matches_any(name, self.exclude_resource_groups):
                seen.setdefault(name.lower(), name)
        return list(seen.values())

    def keep(self, vm: Mapping[str, Any]) -> bool:
        group = vm.get('resource_group')
        if self.include_resource_groups and not _matches_any(group, self.include_resource_groups):
            return False
        if _matches_any(group, self.exclude_resource_groups):
            return False
        location = normalize_location(vm.get('location'))
        if self.include_locations and not _matches_any(location, self.include_locations):
            return False
        if _matches_any(location, self.exclude_locations):
            return False
        power = (vm.get('power_state') or 'unknown').lower()
        if self.include_power_states and power not in self.include_power_states:
            return False
        if power in self.exclude_power_states:
            return False
        tags = vm.get('tags') or {}
        if not all(tag.matches(tags) for tag in self.include_tags):
            return False
        return not any(tag.matches(tags) for tag in self.exclude_tags)
