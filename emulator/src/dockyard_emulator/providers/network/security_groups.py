"""Microsoft.Network security groups and their security rules (rules stored as their own records and
rendered inline; Azure's default rules computed)."""
from __future__ import annotations

import re
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId, resource_id
from ...store import Resource
from ...web import Response
from .common import NIC_TYPE, PROVIDER, SUBNET_TYPE, VERSIONS, ChildType, NetworkType, ref_id, subscription_resources

PORT = re.compile(r"^(\*|\d{1,5}(-\d{1,5})?)$")
DEFAULT_RULES = [  # name, priority, direction, access, source, destination, description
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork",
     "Allow inbound traffic from all VMs in VNET"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*",
     "Allow inbound traffic from azure load balancer"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*", "Deny all inbound traffic"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork",
     "Allow outbound traffic from all VMs to all VMs in VNET"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet",
     "Allow outbound traffic from all VMs to Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*", "Deny all outbound traffic"),
]


@PROVIDER.resource_type
class SecurityRules(ChildType):
    name = "networkSecurityGroups/securityRules"
    inline_key = "securityRules"
    removal_rank = 30

    def validate(self, ctx, rule_id, name, props, existing, siblings):
        def bad(code, message, target):
            return ArmError(400, code, message, target=f"properties.{target}")

        choices = {"protocol": ("Tcp", "Udp", "Icmp", "Esp", "Ah", "*"), "access": ("Allow", "Deny"),
                   "direction": ("Inbound", "Outbound")}
        result = {}
        for key, allowed in choices.items():
            value = props.get(key)
            match = [a for a in allowed if isinstance(value, str) and a.lower() == value.lower()]
            if not match:
                raise bad("SecurityRuleInvalidParameter" if value else "SecurityRuleParameterRequired",
                          f"Security rule {name} has invalid value '{value}' for {key}. Allowed values: "
                          f"{', '.join(allowed)}." if value else f"Security rule {name} is missing {key}.", key)
            result[key] = match[0]
        priority = props.get("priority")
        if not isinstance(priority, int) or not 100 <= priority <= 4096:
            raise bad("SecurityRuleInvalidPriority", f"Security rule has invalid Priority. Value provided: {priority} "
                      "Allowed range 100-4096.", "priority")
        for other_name, other in siblings.items():
            if other_name != name.lower() and other.get("priority") == priority and \
                    str(other.get("direction", "")).lower() == result["direction"].lower():
                raise ArmError(400, "SecurityRuleConflict", f"Security rule {name} conflicts with rule "
                               f"{other.get('name', other_name)}. Rules cannot have the same Priority and Direction. "
                               "To learn more, see aka.ms/nsgrules.")
        result["priority"] = priority
        for single, plural, kind in (("sourcePortRange", "sourcePortRanges", "port"),
                                     ("destinationPortRange", "destinationPortRanges", "port"),
                                     ("sourceAddressPrefix", "sourceAddressPrefixes", "prefix"),
                                     ("destinationAddressPrefix", "destinationAddressPrefixes", "prefix")):
            one, many = props.get(single), props.get(plural) or []
            if one and many:
                raise bad("SecurityRuleParameterContainsBothSingleAndPluralValues", f"Security rule {name} has "
                          f"both {single} and {plural}; give one of them.", plural)
            if not one and not many:
                raise bad("SecurityRuleParameterRequired", f"Security rule {name} needs {single} or {plural}.",
                          single)
            for value in [one] if one else many:
                if kind == "port" and not (PORT.match(str(value)) and all(
                        0 <= int(p) <= 65535 for p in str(value).split("-") if p != "*")):
                    raise bad("SecurityRuleInvalidPortRange", f"Security rule has invalid Port range. Value provided: "
                              f"{value}. Value should be an integer OR integer range with '-' delimiter. Valid range "
                              "0-65535.", single if one else plural)
                if kind == "prefix" and (not isinstance(value, str) or not value.strip()):
                    raise bad("SecurityRuleInvalidAddressPrefix", f"Security rule {name} has an invalid address "
                              f"prefix '{value}'.", single if one else plural)
            if one:
                result[single] = one
            result[plural] = list(many)
        if props.get("description"):
            result["description"] = props["description"]
        return result

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        siblings = {c["body"]["name"].lower(): {**c["body"]["properties"], "name": c["body"]["name"]}
                    for c in self.children(ctx, self.parent_of(ctx, rid)["id"])}
        return {"properties": self.validate(ctx, rid.id, rid.name, body.get("properties") or {}, existing, siblings)}


@PROVIDER.resource_type
class NetworkSecurityGroups(NetworkType):
    name = "networkSecurityGroups"
    removal_rank = 30

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        given = (body.get("properties") or {}).get("securityRules") or []
        siblings = {str((r or {}).get("name", "")).lower(): {**((r or {}).get("properties") or {}),
                                                             "name": (r or {}).get("name")} for r in given}
        RULES.sync_inline(ctx, rid.id, given, lambda cid, name, props, old: RULES.validate(
            ctx, cid, name, props, old, siblings))
        flush = (body.get("properties") or {}).get("flushConnection", False)
        return {"properties": {"resourceGuid": self.guid(existing), "flushConnection": bool(flush)}}

    def users(self, ctx, resource):
        target = resource["id"].lower()
        nics = [n["id"] for n in subscription_resources(ctx, NIC_TYPE)
                if ref_id(n["body"]["properties"].get("networkSecurityGroup")) == target]
        subnets = [s["id"] for s in subscription_resources(ctx, SUBNET_TYPE)
                   if ref_id(s["body"]["properties"].get("networkSecurityGroup")) == target]
        return nics, subnets

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        nics, subnets = self.users(ctx, resource)
        if nics or subnets:
            raise ArmError(400, "InUseNetworkSecurityGroupCannotBeDeleted", f"Network security group "
                           f"{resource['id']} cannot be deleted because it is in use by the following resources: "
                           f"{', '.join(nics + subnets)}. In order to delete the Network security group, remove the "
                           "association with the resource(s). To learn how to do this, see aka.ms/deletensg.")

    @staticmethod
    def default_rules(resource: Resource) -> list[dict[str, Any]]:
        return [{
            "name": name, "id": f"{resource['id']}/defaultSecurityRules/{name}", "etag": resource["body"].get("etag"),
            "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
            "properties": {"provisioningState": "Succeeded", "description": text, "protocol": "*",
                           "sourcePortRange": "*", "destinationPortRange": "*", "sourceAddressPrefix": source,
                           "destinationAddressPrefix": destination, "access": access, "priority": priority,
                           "direction": direction, "sourcePortRanges": [], "destinationPortRanges": [],
                           "sourceAddressPrefixes": [], "destinationAddressPrefixes": []},
        } for name, priority, direction, access, source, destination, text in DEFAULT_RULES]

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = dict(resource["body"])
        nics, subnets = self.users(ctx, resource)
        props = {**body["properties"], "securityRules": RULES.inline(ctx, resource["id"]),
                 "defaultSecurityRules": self.default_rules(resource)}
        if nics:
            props["networkInterfaces"] = [{"id": i} for i in nics]
        if subnets:
            props["subnets"] = [{"id": i} for i in subnets]
        body["properties"] = props
        return body


RULES = PROVIDER.instance(SecurityRules)


NSG_PATH = ("/subscriptions/{subscription}/resourceGroups/{rg}/providers/Microsoft.Network/networkSecurityGroups/{nsg}"
            "/defaultSecurityRules")


def _nsg(ctx: Context, subscription: str, rg: str, nsg: str) -> Resource:
    rtype = PROVIDER.instance(NetworkSecurityGroups)
    return rtype.get_existing(ctx, resource_id(ctx, subscription, rg, PROVIDER.namespace, ["networkSecurityGroups"], [nsg]))


@PROVIDER.route(["GET"], NSG_PATH, VERSIONS)
def list_default_rules(ctx: Context, subscription: str, rg: str, nsg: str) -> Response:
    return Response(200, {"value": NetworkSecurityGroups.default_rules(_nsg(ctx, subscription, rg, nsg))})


@PROVIDER.route(["GET"], NSG_PATH + "/{rule}", VERSIONS)
def get_default_rule(ctx: Context, subscription: str, rg: str, nsg: str, rule: str) -> Response:
    for item in NetworkSecurityGroups.default_rules(_nsg(ctx, subscription, rg, nsg)):
        if item["name"].lower() == rule.lower():
            return Response(200, item)
    raise ArmError(404, "NotFound", f"Resource {rule} not found.")
