"""Microsoft.Network resources a VM's network may use, metadata only (no traffic is routed by them in the
emulator): route tables and their routes, NAT gateways, public IP prefixes, IP groups and application
security groups. Each is a SchemaType with Azure's defaults, computed fields, references and in-use rules.
"""
from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId
from ...schema_type import empty_list, get_path
from ...store import Resource
from .common import PROVIDER, PUBLIC_RANGE, SUBNET_TYPE, ChildType, NetworkMetadata, cidr, ref_id, referenced, subscription_resources

NEXT_HOPS = ("VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance", "None")


def subnets_referencing(ctx: Context, resource: Resource, key: str) -> list[dict[str, str]]:
    target = resource["id"].lower()
    return [{"id": s["id"]} for s in subscription_resources(ctx, SUBNET_TYPE)
            if ref_id(s["body"]["properties"].get(key)) == target]


def in_use(resource: Resource, users: list[dict[str, str]], kind: str) -> ArmError:
    return ArmError(400, f"InUse{kind}CannotBeDeleted", f"{kind} {resource['id']} is in use by {users[0]['id']} and "
                    f"cannot be deleted. In order to delete the {kind}, remove all references to it.")


@PROVIDER.resource_type
class Routes(ChildType):
    """Routes, stored as their own records and rendered inline in their route table (like subnets)."""

    name = "routeTables/routes"
    inline_key = "routes"
    removal_rank = 25

    def validate_route(self, route_id: str, name: str, props: dict[str, Any]) -> dict[str, Any]:
        prefix = props.get("addressPrefix")
        if not prefix:
            raise ArmError(400, "InvalidRequestFormat", f"Route {name} needs an addressPrefix.",
                           target="properties.addressPrefix")
        if not str(prefix)[:1].isdigit():  # service tags such as "AzureCloud" are accepted as they are
            result = dict(props)
        else:
            cidr(prefix, route_id)
            result = dict(props)
        hop = next((h for h in NEXT_HOPS if str(props.get("nextHopType", "")).lower() == h.lower()), None)
        if hop is None:
            raise ArmError(400, "InvalidRequestFormat", f"Route {name} has an invalid nextHopType "
                           f"'{props.get('nextHopType')}'. Allowed values: {', '.join(NEXT_HOPS)}.",
                           target="properties.nextHopType")
        result["nextHopType"] = hop
        if hop == "VirtualAppliance":
            try:
                ipaddress.ip_address(str(props.get("nextHopIpAddress")))
            except (TypeError, ValueError):
                raise ArmError(400, "RouteNextHopIpAddressInvalid", f"Route {name} with next hop type VirtualAppliance "
                               "needs a valid nextHopIpAddress.", target="properties.nextHopIpAddress") from None
        elif props.get("nextHopIpAddress"):
            raise ArmError(400, "NextHopIpAddressNotAllowed", f"Route {name} has a nextHopIpAddress, which is allowed "
                           "only with next hop type VirtualAppliance.", target="properties.nextHopIpAddress")
        result["hasBgpOverride"] = False
        return result

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        self.parent_of(ctx, rid)
        return {"properties": self.validate_route(rid.id, rid.name, body.get("properties") or {})}


@PROVIDER.resource_type
class RouteTables(NetworkMetadata):
    name = "routeTables"
    removal_rank = 35
    defaults = {"properties.disableBgpRoutePropagation": False}
    get_only = {"properties.subnets": lambda ctx, r: subnets_referencing(ctx, r, "routeTable") or None}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        props = doc.setdefault("properties", {})
        given = props.pop("routes", None)
        if given is not None or existing is None:
            ROUTES.sync_inline(ctx, rid.id, given or [], lambda cid, name, p, old: ROUTES.validate_route(cid, name, p))

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        users = subnets_referencing(ctx, resource, "routeTable")
        if users:
            raise in_use(resource, users, "RouteTable")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = super().render(ctx, resource)
        props = {k: v for k, v in body["properties"].items() if v is not None}
        body = {**body, "properties": {**props, "routes": ROUTES.inline(ctx, resource["id"])}}
        return body


@PROVIDER.resource_type
class PublicIPPrefixes(NetworkMetadata):
    """Public IP prefixes: a block of addresses (from the emulator's public range) given at provisioning."""

    name = "publicIPPrefixes"
    removal_rank = 32
    required = ("properties.prefixLength",)
    defaults = {"sku": {"name": "Standard", "tier": "Regional"}, "properties.publicIPAddressVersion": "IPv4",
                "properties.ipTags": []}
    get_only = {"properties.publicIPAddresses": lambda ctx, r: [
        {"id": p["id"]} for p in subscription_resources(ctx, "Microsoft.Network/publicIPAddresses")
        if ref_id(p["body"]["properties"].get("publicIPPrefix")) == r["id"].lower()] or None}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        props = doc["properties"]
        if str(doc["sku"].get("name", "")).lower() != "standard":
            raise ArmError(400, "PublicIPPrefixSkuNotSupported", f"Public IP prefix {rid.id} must use the Standard SKU.")
        doc["sku"] = {"name": "Standard", "tier": doc["sku"].get("tier") or "Regional"}
        length = props["prefixLength"]
        if not isinstance(length, int) or not 28 <= length <= 31:
            raise ArmError(400, "InvalidPublicIPPrefixLength", f"Public IP prefix {rid.id} has an invalid prefix length "
                           f"{length}: IPv4 prefixes must be between /28 and /31.", target="properties.prefixLength")
        if existing:
            old = existing["body"]["properties"]
            if old["prefixLength"] != length:
                raise ArmError(400, "PublicIPPrefixLengthCannotBeChanged", f"The prefix length of public IP prefix "
                               f"{rid.id} cannot be changed.")
            props["ipPrefix"] = old.get("ipPrefix")

    def provisioned(self, ctx: Context, resource: Resource) -> None:
        props = resource["body"]["properties"]
        if props.get("ipPrefix"):
            return
        taken = [ipaddress.ip_network(p["body"]["properties"]["ipPrefix"])
                 for p in subscription_resources(ctx, self.full_type) if p["body"]["properties"].get("ipPrefix")]
        for candidate in PUBLIC_RANGE.subnets(new_prefix=props["prefixLength"]):
            if not any(candidate.overlaps(t) for t in taken) and candidate.network_address.packed[-1] >= 128:
                props["ipPrefix"] = str(candidate)
                self.save(ctx, resource["id"], resource["body"], resource["internal"])
                return
        raise ArmError(400, "PublicIPPrefixCountLimitReached", "The emulator's public address range is exhausted.")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = super().render(ctx, resource)
        return {**body, "properties": {k: v for k, v in body["properties"].items() if v is not None}}

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        for pip in subscription_resources(ctx, "Microsoft.Network/publicIPAddresses"):
            if ref_id(pip["body"]["properties"].get("publicIPPrefix")) == resource["id"].lower():
                raise ArmError(400, "PublicIPPrefixInUse", f"Public IP prefix {resource['id']} is in use by public IP "
                               f"address {pip['id']} and cannot be deleted.")


@PROVIDER.resource_type
class NatGateways(NetworkMetadata):
    name = "natGateways"
    removal_rank = 35
    defaults = {"sku": {"name": "Standard"}, "properties.idleTimeoutInMinutes": 4}
    get_only = {"properties.subnets": lambda ctx, r: subnets_referencing(ctx, r, "natGateway") or None}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        props = doc["properties"]
        if str(doc["sku"].get("name", "")).lower() != "standard":
            raise ArmError(400, "InvalidNatGatewaySku", f"NAT gateway {rid.id} must use the Standard SKU.")
        doc["sku"] = {"name": "Standard", "tier": doc["sku"].get("tier") or "Regional"}
        timeout = props["idleTimeoutInMinutes"]
        if not isinstance(timeout, int) or not 4 <= timeout <= 120:
            raise ArmError(400, "NatGatewayInvalidIdleTimeout", f"Idle timeout of NAT gateway {rid.id} is {timeout}; it "
                           "must be between 4 and 120 minutes.", target="properties.idleTimeoutInMinutes")
        for key, kind in (("publicIpAddresses", "Microsoft.Network/publicIPAddresses"),
                          ("publicIpPrefixes", "Microsoft.Network/publicIPPrefixes")):
            for reference in props.get(key) or []:
                target = referenced(ctx, reference, rid.id, kind, doc.get("location"))
                if kind.endswith("publicIPAddresses") and target["body"]["sku"]["name"] != "Standard":
                    raise ArmError(400, "NatGatewayCannotUseBasicPublicIP", f"NAT gateway {rid.id} cannot use the Basic "
                                   f"SKU public IP address {target['id']}: only Standard SKU public IPs are supported.")

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        users = subnets_referencing(ctx, resource, "natGateway")
        if users:
            raise in_use(resource, users, "NatGateway")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = super().render(ctx, resource)
        return {**body, "properties": {k: v for k, v in body["properties"].items() if v is not None}}


@PROVIDER.resource_type
class ApplicationSecurityGroups(NetworkMetadata):
    name = "applicationSecurityGroups"
    removal_rank = 35


@PROVIDER.resource_type
class IpGroups(NetworkMetadata):
    """IP groups, served by Azure's network function provider (NFV): as recorded, their type reads
    ``Microsoft.Network/IpGroups``, the location stays as given, the etag is a bare GUID, a PUT is a
    long-running operation on ``nfvOperations`` and a DELETE completes at once (200)."""

    name = "ipGroups"
    removal_rank = 35
    async_delete = False
    operation_kinds = ("nfvOperations", "nfvOperationResults")
    computed = {"properties.firewalls": empty_list, "properties.firewallPolicies": empty_list}

    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        for prefix in get_path(doc, "properties.ipAddresses") or []:
            try:
                ipaddress.ip_network(prefix, strict=False)
            except ValueError:
                try:
                    start, end = str(prefix).split("-")
                    ipaddress.ip_address(start)
                    ipaddress.ip_address(end)
                except ValueError:
                    raise ArmError(400, "InvalidIpAddressInIpGroup", f"IP address '{prefix}' of IP group {rid.name} is "
                                   "not a valid IP address, CIDR range or address range.") from None

    @staticmethod
    def etag() -> str:
        return str(uuid.uuid4())

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        doc = super().build(ctx, rid, body, existing)
        doc["_internal"] = {**(existing["internal"] if existing else {}), "location_as_given": body.get("location")}
        return doc

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = super().render(ctx, resource)
        return {**body, "type": "Microsoft.Network/IpGroups",
                "location": resource["internal"].get("location_as_given") or body.get("location")}


ROUTES = PROVIDER.instance(Routes)
