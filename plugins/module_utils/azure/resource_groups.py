# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource group helpers shared by resource_group and resource_group_info (pure, no SDK import)."""

from __future__ import annotations


def _field(obj, name, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def normalize_location(location):
    """ARM treats 'West Europe' and 'westeurope' as the same region."""
    if location is None:
        return None
    return ''.join(str(location).split()).lower()


def resource_group_to_dict(group):
    """The documented return shape of a resource group (SDK model or dict in, plain dict out)."""
    if group is None:
        return {}
    properties = _field(group, 'properties')
    return {
        'id': _field(group, 'id'),
        'name': _field(group, 'name'),
        'location': _field(group, 'location'),
        'tags': dict(_field(group, 'tags') or {}),
        'managed_by': _field(group, 'managed_by'),
        'provisioning_state': _field(properties, 'provisioning_state'),
    }


def resource_to_dict(resource):
    """A resource inside a group, as listed by resources.list_by_resource_group."""
    return {
        'id': _field(resource, 'id'),
        'name': _field(resource, 'name'),
        'type': _field(resource, 'type'),
        'location': _field(resource, 'location'),
        'tags': dict(_field(resource, 'tags') or {}),
        'kind': _field(resource, 'kind'),
        'managed_by': _field(resource, 'managed_by'),
        'provisioning_state': _field(resource, 'provisioning_state'),
    }


def parse_tag_filters(filters):
    """['env', 'team:web'] -> [('env', None), ('team', 'web')]; split at the first ':' only."""
    parsed = []
    for item in filters or []:
        key, sep, value = str(item).partition(':')
        parsed.append((key, value if sep else None))
    return parsed


def tags_match(tags, filters):
    """True if `tags` has every filtered key (and value, where one is given)."""
    tags = tags or {}
    for key, value in parse_tag_filters(filters):
        if key not in tags:
            return False
        if value is not None and tags[key] != value:
            return False
    return True
