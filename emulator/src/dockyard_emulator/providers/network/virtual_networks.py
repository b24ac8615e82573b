"""Microsoft.Network virtual networks and their subnets.

Subnets are stored as their own records and rendered inline in their VNet, so PUT of the VNet with
inline subnets and PUT of a subnet give one truth.
"""
from __future__ import annotations

import ipaddress
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId
from ...store import Resource
from .common import PROVIDER, ChildType, NetworkType, cidr, ip_configurations, referenced


@PROVIDER.resource_type
class Subnets(ChildType):
    name = "virtualNetworks/subnets"
    inline_key = "subnets"
    removal_rank = 30

    def validate(self, ctx, subnet_id, name, props, existing, vnet_prefixes, siblings):
        """Checked subnet properties (siblings: {lower id: [networks]} of the other subnets)."""
        vnet_name = subnet_id.split("/")[-3]
        prefixes = props.get("addressPrefixes") or ([props["addressPrefix"]] if props.get("addressPrefix") else [])
        if not prefixes:
            raise ArmError(400, "NetcfgInvalidSubnet", f"Subnet '{name}' is not valid in virtual network "
                           f"'{vnet_name}': it needs an addressPrefix.", target="properties.addressPrefix")
        networks = [cidr(p, subnet_id) for p in prefixes]
        for network in networks:
            if not any(network.version == v.version and network.subnet_of(v) for v in vnet_prefixes):
                raise ArmError(400, "NetcfgSubnetRangeOutsideVnet", f"Subnet '{name}' is not valid because its IP "
                               f"address range is outside the IP address range of virtual network '{vnet_name}'.")
            if network.num_addresses < 8 and network.version == 4:
                raise ArmError(400, "NetcfgInvalidSubnet", f"Subnet '{name}' is not valid in virtual network "
                               f"'{vnet_name}': the smallest supported IPv4 subnet is /29.")
            for other_id, others in siblings.items():
                if other_id != subnet_id.lower() and any(network.overlaps(o) for o in others):
                    raise ArmError(400, "NetcfgSubnetRangesOverlap", f"Subnet '{name}' is not valid because its IP "
                                   f"address range overlaps with that of an existing subnet in virtual network "
                                   f"'{vnet_name}'.")
        if existing:
            old = existing["body"]["properties"]
            before = old.get("addressPrefixes") or [old.get("addressPrefix")]
            users = list(ip_configurations(ctx, "subnet", existing["id"]))
            if users and before != prefixes:
                raise ArmError(400, "InUseSubnetCannotBeUpdated", f"Subnet {name} is in use by "
                               f"{users[0][1]['id']} and cannot be updated.")
        result = {"addressPrefixes" if props.get("addressPrefixes") else "addressPrefix":
                  prefixes if props.get("addressPrefixes") else prefixes[0]}
        if props.get("networkSecurityGroup"):
            nsg = referenced(ctx, props["networkSecurityGroup"], subnet_id, "Microsoft.Network/networkSecurityGroups")
            result["networkSecurityGroup"] = {"id": nsg["id"]}
        result["delegations"] = list(props.get("delegations") or [])
        if props.get("serviceEndpoints"):
            result["serviceEndpoints"] = list(props["serviceEndpoints"])
        result["privateEndpointNetworkPolicies"] = props.get("privateEndpointNetworkPolicies", "Disabled")
        result["privateLinkServiceNetworkPolicies"] = props.get("privateLinkServiceNetworkPolicies", "Enabled")
        if "defaultOutboundAccess" in props:
            result["defaultOutboundAccess"] = bool(props["defaultOutboundAccess"])
        return result

    @staticmethod
    def networks(subnet_body):
        props = subnet_body["properties"]
        return [ipaddress.ip_network(p) for p in props.get("addressPrefixes") or [props["addressPrefix"]]]

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        vnet = self.parent_of(ctx, rid)
        siblings = {c["id"].lower(): self.networks(c["body"]) for c in self.children(ctx, vnet["id"])}
        prefixes = [ipaddress.ip_network(p) for p in vnet["body"]["properties"]["addressSpace"]["addressPrefixes"]]
        return {"properties": self.validate(ctx, rid.id, rid.name, body.get("properties") or {}, existing, prefixes,
                                            siblings)}

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        users = list(ip_configurations(ctx, "subnet", resource["id"]))
        if users:
            raise ArmError(400, "InUseSubnetCannotBeDeleted", f"Subnet {resource['body']['name']} is in use by "
                           f"{users[0][1]['id']} and cannot be deleted. In order to delete the subnet, delete all the "
                           "resources within the subnet. See aka.ms/deletesubnet.")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = dict(resource["body"])
        props = dict(body["properties"])
        users = [{"id": config["id"]} for _, config in ip_configurations(ctx, "subnet", resource["id"])]
        if users:
            props["ipConfigurations"] = users
        body["properties"] = props
        return body


@PROVIDER.resource_type
class VirtualNetworks(NetworkType):
    name = "virtualNetworks"
    removal_rank = 30

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        props = body.get("properties") or {}
        prefixes = (props.get("addressSpace") or {}).get("addressPrefixes") or []
        if not isinstance(prefixes, list) or not prefixes:
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request: properties.addressSpace."
                           "addressPrefixes needs at least one address prefix.", target="properties.addressSpace")
        networks = [cidr(p, rid.id) for p in prefixes]
        for i, a in enumerate(networks):
            for b in networks[i + 1:]:
                if a.overlaps(b):
                    raise ArmError(400, "VnetAddressSpacesOverlap", f"Cannot create or update virtual network "
                                   f"{rid.name} since it has address spaces {a} and {b} which overlap.")
        given = props.get("subnets") or []
        siblings = {}
        for item in given:
            sprops = (item or {}).get("properties") or {}
            sid = f"{rid.id}/subnets/{(item or {}).get('name')}".lower()
            siblings[sid] = [cidr(p, sid) for p in sprops.get("addressPrefixes") or
                             ([sprops["addressPrefix"]] if sprops.get("addressPrefix") else [])]
        SUBNETS.sync_inline(ctx, rid.id, given, lambda cid, name, sprops, old: SUBNETS.validate(
            ctx, cid, name, sprops, old, networks, siblings))
        properties = {"addressSpace": {"addressPrefixes": list(prefixes)},
                      "virtualNetworkPeerings": [], "enableDdosProtection": bool(props.get("enableDdosProtection")),
                      "resourceGuid": self.guid(existing)}
        if props.get("dhcpOptions") is not None:  # returned when given (as recorded on Azure)
            properties["dhcpOptions"] = {"dnsServers": list((props.get("dhcpOptions") or {}).get("dnsServers") or [])}
        return {"properties": properties}

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        for subnet in SUBNETS.children(ctx, resource["id"]):
            SUBNETS.check_delete(ctx, subnet)

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = dict(resource["body"])
        body["properties"] = {**body["properties"], "subnets": SUBNETS.inline(ctx, resource["id"])}
        return body


SUBNETS = PROVIDER.instance(Subnets)
