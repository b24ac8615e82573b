"""Resource ids: building them from scope, type and names, and reading them back."""

from __future__ import annotations

from .errors import ExpressionError


def split_type(resource_type: str) -> tuple[str, list[str]]:
    """'Microsoft.Network/virtualNetworks/subnets' -> ('Microsoft.Network', ['virtualNetworks', 'subnets'])."""
    parts = [part for part in resource_type.strip().strip("/").split("/") if part]
    if len(parts) < 2:
        raise ExpressionError(f"The resource type '{resource_type}' is not valid: it must be of the form "
                              "'{resource-provider-namespace}/{resource-type}'.")
    return parts[0], parts[1:]


def name_segments(names: list[str]) -> list[str]:
    """Resource names as segments; a name may itself carry 'parent/child'."""
    return [segment for name in names for segment in str(name).strip("/").split("/")]


def build_id(prefix: str, resource_type: str, names: list[str], function: str = "resourceId") -> str:
    """prefix + /providers/{ns}/{type1}/{name1}/{type2}/{name2}..."""
    namespace, types = split_type(resource_type)
    segments = name_segments(names)
    if f"{namespace}/{types[0]}".lower() == "microsoft.resources/resourcegroups" and len(types) == 1 and segments:
        subscription = prefix.split("/")[2] if prefix.lower().startswith("/subscriptions/") else ""
        return f"/subscriptions/{subscription}/resourceGroups/{segments[0]}"      # groups have no /providers/ part
    if len(segments) < len(types):
        raise ExpressionError(f"Unable to evaluate template language function '{function}': the type '{resource_type.strip('/')}' "
                              f"requires '{len(types)}' resource name argument(s).")
    # More names than type segments is not refused: the extra names are appended, as ARM lets such
    # templates through (2-vms-loadbalancer-natrules passes resourceId(type, prefix, copyIndex())).
    path = "/".join(f"{kind}/{name}" for kind, name in zip(types, segments))
    extra = "".join(f"/{name}" for name in segments[len(types):])
    return f"{prefix.rstrip('/')}/providers/{namespace}/{path}{extra}"


def id_type(resource_id: str) -> str:
    """The full resource type of an id (extension resources: the type after the last /providers/)."""
    parts = [part for part in resource_id.split("/") if part]
    lowered = [part.lower() for part in parts]
    if "providers" not in lowered:
        if len(parts) == 4 and lowered[2] == "resourcegroups":
            return "Microsoft.Resources/resourceGroups"
        return "Microsoft.Resources/subscriptions"
    start = len(lowered) - lowered[::-1].index("providers")
    rest = parts[start:]
    return "/".join([rest[0], *rest[1::2]])


def id_name(resource_id: str) -> str:
    """The full name ('vnet/subnet') of an id."""
    parts = [part for part in resource_id.split("/") if part]
    lowered = [part.lower() for part in parts]
    if "providers" not in lowered:
        return parts[-1] if parts else ""
    start = len(lowered) - lowered[::-1].index("providers")
    return "/".join(parts[start + 2::2])


def id_scope(resource_id: str) -> str:
    """The id of the scope holding a resource (its group, subscription, or extended resource)."""
    parts = [part for part in resource_id.split("/") if part]
    lowered = [part.lower() for part in parts]
    if "providers" not in lowered:
        return ""
    start = len(lowered) - 1 - lowered[::-1].index("providers")
    return "/" + "/".join(parts[:start]) if start else ""
