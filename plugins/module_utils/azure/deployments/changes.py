# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure's what-if result as arm_deployment reports it (private to dockyard.azure; pure).

What-if (POST .../whatIf) answers a WhatIfOperationResult: per resource a changeType (Create, Delete,
Modify, Deploy, NoChange, Ignore, Unsupported) and, for Modify, the property deltas. A run changes
something when any resource is created, deleted, modified, (re)deployed with values known only at
deploy time, or unsupported by what-if (it will be deployed all the same). NoChange and Ignore (a
resource the template does not mention, left alone in incremental mode) change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

CHANGING = ('create', 'delete', 'modify', 'deploy', 'unsupported')
# What ARM fills in or never returns: left out of the diff of a created or deleted resource.
NOISE = ('apiVersion', 'etag', 'provisioningState', 'resourceGuid', 'systemData')
TEMPLATE_PREFIX = 'properties.template.'


class PropertyChange(TypedDict):
    path: str
    change_type: str
    before: Any
    after: Any


class ResourceChange(TypedDict):
    resource_id: str
    change_type: str
    delta: list[PropertyChange]


class WhatIfFailure(TypedDict):
    code: str
    message: str
    path: str | None            # the template path ARM cites (TemplateViolation), without 'properties.template.'
    line: int | None
    column: int | None


def _field(obj: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in obj:
            return obj[name]
    return None


def flatten_delta(items: Iterable[Mapping[str, Any]], prefix: str = '') -> list[PropertyChange]:
    """What-if's nested property changes as leaf paths ('properties.securityRules[1].properties.priority')."""
    flat: list[PropertyChange] = []
    for item in items or []:
        raw_path = str(_field(item, 'path') or '')
        if prefix and raw_path.isdigit():
            path = '%s[%s]' % (prefix, raw_path)
        elif prefix:
            path = '%s.%s' % (prefix, raw_path)
        else:
            path = raw_path
        kind = str(_field(item, 'propertyChangeType', 'property_change_type') or '')
        children = _field(item, 'children') or []
        if children:
            flat.extend(flatten_delta(children, path))
        else:
            flat.append(PropertyChange(path=path, change_type=kind, before=_field(item, 'before'),
                                       after=_field(item, 'after')))
    return flat


def raw_changes(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    properties = result.get('properties') or {}
    return list(properties.get('changes') or result.get('changes') or [])


def what_if_changes(result: Mapping[str, Any]) -> list[ResourceChange]:
    """The changes of a what-if result (REST shape), in Azure's order (by resource id)."""
    changes = []
    for change in raw_changes(result):
        changes.append(ResourceChange(resource_id=str(_field(change, 'resourceId', 'resource_id') or ''),
                                      change_type=str(_field(change, 'changeType', 'change_type') or ''),
                                      delta=flatten_delta(_field(change, 'delta') or [])))
    return changes


def what_if_failure(result: Mapping[str, Any]) -> WhatIfFailure | None:
    """The error of a what-if whose template or parameters ARM refused (status Failed), else None."""
    if str(result.get('status', '')).lower() != 'failed' and not result.get('error'):
        return None
    error = result.get('error') or {}
    info: Mapping[str, Any] = {}
    for extra in error.get('additionalInfo') or error.get('additional_info') or []:
        if str(extra.get('type', '')) == 'TemplateViolation':
            info = extra.get('info') or {}
            break
    path = info.get('path')
    if isinstance(path, str) and path.startswith(TEMPLATE_PREFIX):
        path = path[len(TEMPLATE_PREFIX):]
    message = str(error.get('message') or 'The what-if operation failed.')
    details = [d for d in error.get('details') or [] if isinstance(d, Mapping)]
    if details:
        message += ' Details: ' + '; '.join('%s: %s' % (d.get('code'), d.get('message')) for d in details[:3])
    return WhatIfFailure(code=str(error.get('code') or 'WhatIfFailed'), message=message, path=path or None,
                         line=info.get('lineNumber'), column=info.get('linePosition'))


def is_changing(changes: Iterable[ResourceChange]) -> bool:
    return any(change['change_type'].lower() in CHANGING for change in changes)


def summary(changes: Iterable[ResourceChange]) -> dict[str, int]:
    """How many resources per change type ({'Create': 3, 'NoChange': 1})."""
    counts: dict[str, int] = {}
    for change in changes:
        counts[change['change_type']] = counts.get(change['change_type'], 0) + 1
    return counts


def _payload(body: Any) -> Any:
    if not isinstance(body, Mapping):
        return body
    return {key: value for key, value in body.items() if key not in NOISE}


def diff(result: Mapping[str, Any]) -> dict[str, Any]:
    """Ansible's diff for a what-if result: per changing resource, what it is before and after (for a
    modified resource, only the properties that change)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for change in raw_changes(result):
        kind = str(_field(change, 'changeType', 'change_type') or '').lower()
        if kind not in CHANGING:
            continue
        rid = str(_field(change, 'resourceId', 'resource_id') or '')
        if kind == 'modify':
            delta = flatten_delta(_field(change, 'delta') or [])
            before[rid] = {d['path']: d['before'] for d in delta if d['change_type'].lower() != 'create'}
            after[rid] = {d['path']: d['after'] for d in delta if d['change_type'].lower() != 'delete'}
            continue
        if kind != 'create':
            before[rid] = _payload(_field(change, 'before'))
        if kind != 'delete':
            after[rid] = _payload(_field(change, 'after'))
    return {'before': before, 'after': after}


def plain_outputs(outputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Deployment outputs as plain values: {'hostname': 'x.westeurope.cloudapp.azure.com'} (secure outputs,
    which ARM returns without a value, are left out)."""
    plain: dict[str, Any] = {}
    for name, output in (outputs or {}).items():
        if isinstance(output, Mapping) and 'value' in output:
            plain[name] = output['value']
    return plain


def mask(value: Any, secrets: Iterable[str]) -> Any:
    """``value`` with every secret string replaced by a placeholder (diffs and results never show them)."""
    hidden = sorted((s for s in secrets if s), key=len, reverse=True)
    if not hidden:
        return value
    if isinstance(value, str):
        if value in hidden:
            return 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
        for secret in hidden:
            if len(secret) >= 8:
                value = value.replace(secret, '********')
        return value
    if isinstance(value, Mapping):
        return {key: mask(item, hidden) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask(item, hidden) for item in value]
    return value
