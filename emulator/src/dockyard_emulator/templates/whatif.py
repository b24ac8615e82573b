"""What-if: Azure's change model for evaluated template resources against what exists.

Rules, so that redeploying an unchanged template reports NoChange everywhere:
  * only what the template sets is compared: properties the provider fills in are no deltas;
  * read-only and computed properties (provisioningState, resourceGuid, etag, ...) are skipped;
  * write-only secrets (adminPassword, protectedSettings, ...) that GET never returns are skipped;
  * ids compare case-insensitively, locations by their normalized name ('East US' == 'eastus');
  * a scalar equals its string rendering ('1' and 1, 'true' and True);
  * arrays of named objects (security rules, subnets) compare by name when both sides name the same set.
The result is the REST shape of WhatIfOperationResult.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

READ_ONLY = {key.lower() for key in (
    "provisioningState", "resourceGuid", "etag", "uniqueId", "vmId", "timeCreated", "creationTime", "createdTime",
    "changedTime", "systemData", "instanceView", "statuses", "apiVersion", "primary_endpoints", "lastModifiedTime")}
WRITE_ONLY = {key.lower() for key in (
    "adminPassword", "customData", "protectedSettings", "password", "secret", "clientSecret", "adminUserPassword")}
_TOP_LEVEL_IDENTITY = {"id", "name", "type", "apiversion"}


@dataclass
class DesiredResource:
    body: dict[str, Any]            # the evaluated resource (id, type, name, apiVersion, properties ...)
    unknown: bool = False           # some value can only be known once the deployment runs


def _normal_location(value: str) -> str:
    return value.replace(" ", "").lower()


def _equal(key: str, before: Any, after: Any) -> bool:
    if before == after and type(before) is type(after):
        return True
    if isinstance(before, str) and isinstance(after, str):
        lowered = key.lower()
        if lowered == "location" or lowered.endswith("location"):
            return _normal_location(before) == _normal_location(after)
        if lowered == "id" or lowered.endswith("id") or after.startswith("/subscriptions/") or lowered == "type":
            return before.lower() == after.lower()
        return False
    scalars = (str, int, float, bool)
    if isinstance(before, scalars) and isinstance(after, scalars):
        return str(before).lower() == str(after).lower()
    return False


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _find(obj: dict[str, Any], key: str) -> tuple[bool, str, Any]:
    if key in obj:
        return True, key, obj[key]
    lowered = key.lower()
    for name, value in obj.items():
        if name.lower() == lowered:
            return True, name, value
    return False, key, None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def property_delta(before: dict[str, Any], after: dict[str, Any], path: str = "",
                   write_only: set[str] | None = None, top: bool = False) -> list[dict[str, Any]]:
    """WhatIfPropertyChange entries for what `after` (the template) sets differently from `before`."""
    secrets = WRITE_ONLY | {key.lower() for key in (write_only or set())}
    changes: list[dict[str, Any]] = []
    for key, wanted in after.items():
        lowered = key.lower()
        if lowered in READ_ONLY or lowered in secrets or (top and lowered in _TOP_LEVEL_IDENTITY):
            continue
        here = _join(path, key)
        found, _, current = _find(before, key)
        if not found or current is None:
            if not _empty(wanted):
                changes.append({"path": here, "propertyChangeType": "Create", "after": wanted})
            continue
        changes.extend(_value_delta(here, key, current, wanted, secrets))
    return changes


def _value_delta(here: str, key: str, current: Any, wanted: Any, secrets: set[str]) -> list[dict[str, Any]]:
    if isinstance(current, dict) and isinstance(wanted, dict):
        return property_delta(current, wanted, here, secrets)
    if isinstance(current, list) and isinstance(wanted, list):
        children = _array_delta(key, _in_order_of(current, wanted), wanted, secrets)
        return [{"path": here, "propertyChangeType": "Array", "before": current, "after": wanted,
                 "children": children}] if children else []
    if _empty(wanted) and _empty(current):
        return []
    if _equal(key, current, wanted):
        return []
    return [{"path": here, "propertyChangeType": "Modify", "before": current, "after": wanted}]


def _names(items: list[Any]) -> list[str] | None:
    """The lower-cased names of an array of named objects (None unless every element has a distinct name)."""
    names = [str(item["name"]).lower() if isinstance(item, dict) and isinstance(item.get("name"), str) else None
             for item in items]
    if any(name is None for name in names) or len(set(names)) != len(names):
        return None
    return [name for name in names if name is not None]


def _in_order_of(current: list[Any], wanted: list[Any]) -> list[Any]:
    """Named sub-resources (security rules, subnets, IP configurations) are a set to ARM: a provider may
    return them in another order than the template gives them. When both sides name the same elements,
    compare them by name, not by position."""
    current_names, wanted_names = _names(current), _names(wanted)
    if current_names is None or wanted_names is None or set(current_names) != set(wanted_names):
        return current
    by_name = dict(zip(current_names, current))
    return [by_name[name] for name in wanted_names]


def _array_delta(key: str, current: list[Any], wanted: list[Any], secrets: set[str]) -> list[dict[str, Any]]:
    children: list[dict[str, Any]] = []
    for index in range(max(len(current), len(wanted))):
        label = str(index)
        if index >= len(current):
            children.append({"path": label, "propertyChangeType": "Create", "after": wanted[index]})
        elif index >= len(wanted):
            children.append({"path": label, "propertyChangeType": "Delete", "before": current[index]})
        elif isinstance(current[index], dict) and isinstance(wanted[index], dict):
            inner = property_delta(current[index], wanted[index], "", secrets)
            if inner:
                children.append({"path": label, "propertyChangeType": "Modify", "before": current[index],
                                 "after": wanted[index], "children": inner})
        else:
            children.extend({**change, "path": label} for change in _value_delta(label, key, current[index], wanted[index], secrets))
    return children


def _merge(before: Any, after: Any) -> Any:
    """The predicted state: what exists, overlaid with what the template sets."""
    if isinstance(before, dict) and isinstance(after, dict):
        merged = copy.deepcopy(before)
        for key, value in after.items():
            found, name, current = _find(merged, key)
            merged[name] = _merge(current, value) if found else copy.deepcopy(value)
        return merged
    return copy.deepcopy(after)


def compute_what_if(desired: list[DesiredResource], get_resource: Callable[[str, Any], dict[str, Any] | None] | None,
                    existing_in_scope: list[dict[str, Any]] | None, mode: str,
                    write_only: set[str] | None = None) -> dict[str, Any]:
    """WhatIfOperationResult: {status, properties: {changes: [...]}}, sorted by resource id."""
    changes: list[dict[str, Any]] = []
    declared: set[str] = set()
    for resource in desired:
        body = resource.body
        resource_id = body["id"]
        declared.add(resource_id.lower())
        before = get_resource(resource_id, body.get("apiVersion")) if get_resource else None
        if before is None:
            changes.append({"resourceId": resource_id, "changeType": "Create", "before": None, "after": body})
            continue
        before = {k: v for k, v in before.items() if k != "apiVersion"}
        after = _merge(before, body)
        if resource.unknown:
            changes.append({"resourceId": resource_id, "changeType": "Deploy", "before": before, "after": after})
            continue
        delta = property_delta(before, body, write_only=write_only, top=True)
        change_type = "Modify" if delta else "NoChange"
        change: dict[str, Any] = {"resourceId": resource_id, "changeType": change_type, "before": before, "after": after}
        if delta:
            change["delta"] = delta
        changes.append(change)
    for existing in existing_in_scope or []:
        resource_id = existing.get("id", "")
        if resource_id.lower() in declared or str(existing.get("type", "")).lower() == "microsoft.resources/deployments":
            continue
        if mode.lower() == "complete":
            changes.append({"resourceId": resource_id, "changeType": "Delete", "before": existing, "after": None})
        else:
            changes.append({"resourceId": resource_id, "changeType": "Ignore", "before": existing, "after": None})
    changes.sort(key=lambda change: change["resourceId"].lower())
    return {"status": "Succeeded", "properties": {"changes": changes}, "error": None}
