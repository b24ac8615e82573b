# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generic Azure Resource Manager helpers (private to dockyard.azure): REST dicts, reads, resource IDs, locations.

The Azure code works on plain dicts in the shape of ARM's REST API (camelCase keys, a nested
``properties``), whatever the SDK generation: ``to_rest`` turns the SDK's models (TypeSpec
mapping models or older msrest models) into such dicts, and request bodies are sent as such
dicts, which every SDK generation accepts. Every "GET, or None when Azure answers 404" goes
through ``read_or_none``. The names the modules take are checked against ARM's naming rules here
too. Nothing here imports the SDK.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.dockyard.azure.plugins.module_utils.azure.errors import AzureModuleError, azure_operation, is_not_found

RestDict = dict[str, Any]


def to_rest(obj: Any) -> Any:
    """An SDK model (or dict, or list of them) as a plain REST-shaped dict; None stays None."""
    if obj is None:
        return None
    if isinstance(obj, dict) and type(obj) is dict:  # pylint: disable=unidiomatic-typecheck
        return copy.deepcopy(obj)
    if isinstance(obj, (list, tuple)):
        return [to_rest(item) for item in obj]
    as_dict = getattr(obj, 'as_dict', None)
    if callable(as_dict) and hasattr(obj, 'keys'):
        # TypeSpec-generated models (azure-mgmt-compute 35+, -network 30+, -resource 24+) are mappings of the REST JSON.
        return as_dict()
    serialize = getattr(obj, 'serialize', None)
    if callable(serialize):
        # msrest models of older SDKs: serialize() produces the REST JSON.
        return serialize(keep_readonly=True)
    if hasattr(obj, 'keys'):
        return dict(obj)
    raise TypeError('Cannot convert %s to a REST dict' % type(obj).__name__)


def read_or_none(what: str, call: Callable[..., Any], *args: Any, error_prefix: str | None = None,
                 on_not_found: Callable[[BaseException], None] | None = None, **kwargs: Any) -> Any:
    """`call(*args, **kwargs)` through the SDK as REST dicts; None when Azure answers 404.

    Other errors become one AzureModuleError starting with `error_prefix` (by default 'Could not
    read <what>'). `on_not_found` sees the 404 first and may raise instead (e.g. when the 404 is
    for a missing resource group rather than the resource).
    """
    with azure_operation(error_prefix or 'Could not read %s' % what):
        try:
            return to_rest(call(*args, **kwargs))
        except Exception as exc:  # pylint: disable=broad-except
            if not is_not_found(exc):
                raise
            if on_not_found is not None:
                on_not_found(exc)
            return None


def list_rest(what: str, call: Callable[..., Any], *args: Any, error_prefix: str | None = None, **kwargs: Any) -> list[RestDict]:
    """Every item of an SDK listing as REST dicts; errors become '<error_prefix or Could not list <what>>: ...'."""
    with azure_operation(error_prefix or 'Could not list %s' % what):
        return [to_rest(item) for item in call(*args, **kwargs)]


def get_path(data: Any, *keys: str | int, default: Any = None) -> Any:
    """data[k1][k2]... with None or a missing key anywhere giving `default` (int keys index lists)."""
    current = data
    for key in keys:
        if current is None:
            return default
        if isinstance(key, int):
            if not isinstance(current, list) or len(current) <= key:
                return default
            current = current[key]
        else:
            if not isinstance(current, dict):
                return default
            current = current.get(key)
    return default if current is None else current


def lower(value: Any) -> Any:
    """`value` lower-cased when it is a string (ARM compares names, types and IDs case-insensitively)."""
    return value.lower() if isinstance(value, str) else value


# ---------------------------------------------------------------------------------------- resource IDs

@dataclass(frozen=True)
class ResourceId:
    """The parts of '/subscriptions/s/resourceGroups/g[/providers/Namespace/type/name[/child/cname]...]'."""

    subscription: str
    resource_group: str
    namespace: str | None = None
    type: str | None = None
    name: str | None = None
    children: list[tuple[str, str]] = field(default_factory=list)


def parse_resource_id(resource_id: str | None) -> ResourceId | None:
    """The parts of a resource ID, or None when `resource_id` is not one (e.g. a bare name)."""
    if not resource_id or not resource_id.startswith('/'):
        return None
    parts = resource_id.strip('/').split('/')
    if len(parts) < 4 or parts[0].lower() != 'subscriptions' or parts[2].lower() != 'resourcegroups':
        return None
    if len(parts) >= 8 and parts[4].lower() == 'providers':
        rest = parts[8:]
        children = [(rest[i], rest[i + 1]) for i in range(0, len(rest) - 1, 2)]
        return ResourceId(parts[1], parts[3], parts[5], parts[6], parts[7], children)
    return ResourceId(parts[1], parts[3])


def make_resource_id(subscription: str, resource_group: str, namespace_type: str, name: str, *children: str) -> str:
    """make_resource_id(sub, 'rg', 'Microsoft.Network/virtualNetworks', 'vnet', 'subnets', 'default')."""
    rid = '/subscriptions/%s/resourceGroups/%s/providers/%s/%s' % (subscription, resource_group, namespace_type, name)
    for index in range(0, len(children) - 1, 2):
        rid += '/%s/%s' % (children[index], children[index + 1])
    return rid


def ids_equal(first: str | None, second: str | None) -> bool:
    """Azure resource IDs compare case-insensitively (and a trailing '/' does not matter)."""
    if not first or not second:
        return first == second
    return first.rstrip('/').lower() == second.rstrip('/').lower()


def group_of(resource_id: str | None) -> str | None:
    """The resource group of a resource ID, lower-cased (for grouping), or None."""
    parsed = parse_resource_id(resource_id)
    return parsed.resource_group.lower() if parsed else None


# ---------------------------------------------------------------------------------------- locations

def normalize_location(location: str | None) -> str | None:
    """ARM treats 'West Europe' and 'westeurope' as the same region."""
    if location is None:
        return None
    return ''.join(str(location).split()).lower()


def locations_equal(first: str | None, second: str | None) -> bool:
    return normalize_location(first) == normalize_location(second)


# ARM's naming rules for the names the modules take (checked before any call, so a name Azure would
# refuse, or one that would change the request path such as 'a/b', never reaches it).
RESOURCE_GROUP_NAME = re.compile(r'^[-\w.()]{1,90}$')
RESOURCE_NAME = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$')


def validate_resource_group_name(name: Any, option: str = 'resource_group') -> None:
    """A resource group name: 1-90 letters, digits, '_', '-', '.', '(' and ')', not ending with '.'."""
    text = '' if name is None else str(name)
    if not RESOURCE_GROUP_NAME.match(text) or text.endswith('.'):
        raise AzureModuleError("%s: '%s' is not a resource group name: 1-90 letters, digits, '_', '-', '.', '(' and ')', "
                               "not ending with '.'." % (option, text), option=option)


def validate_resource_name(name: Any, option: str, what: str = 'resource') -> None:
    """A child resource name (VM, extension, virtual network, subnet): 1-80 letters, digits, '_', '.', '-',
    starting with a letter, digit or '_' and not ending with '.' or '-'."""
    text = '' if name is None else str(name)
    if not RESOURCE_NAME.match(text) or text.endswith(('.', '-')):
        raise AzureModuleError("%s: '%s' is not a valid %s name: 1-80 letters, digits, '_', '.' and '-', starting with a "
                               "letter, digit or '_' and not ending with '.' or '-'." % (option, text, what), option=option)
