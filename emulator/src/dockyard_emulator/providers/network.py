"""Microsoft.Network: virtual networks (and subnets), network security groups (and security rules),
public IP addresses and network interfaces.

Child resources (subnets, security rules) are stored as their own records and rendered inline in
their parent, so PUT of the parent with inline children and PUT of a child give one truth.
Back-references Azure computes (a subnet's ``ipConfigurations``, a public IP's ``ipConfiguration``,
an NSG's ``networkInterfaces``/``subnets``, a NIC's ``virtualMachine``) are derived when rendering
from the resources that hold the forward references, so they can never go stale.
"""

import hashlib
import ipaddress
import re
import uuid

from ..arm import Provider, ResourceType
from ..web import ArmError

PROVIDER = Provider("Microsoft.Network")
VERSIONS = ("2026-03-01", "2025-07-01", "2025-05-01", "2025-03-01", "2025-01-01", "2024-10-01", "2024-07-01",
            "2024-05-01", "2024-03-01", "2024-01-01", "2023-11-01", "2023-09-01", "2023-06-01", "2023-05-01",
            "2023-04-01", "2023-02-01", "2022-11-01", "2022-09-01", "2022-07-01", "2022-05-01", "2022-01-01",
            "2021-08-01", "2021-05-01", "2021-03-01", "2021-02-01", "2020-11-01", "2020-08-01", "2020-07-01",
            "2020-06-01", "2020-05-01", "2020-04-01", "2020-03-01", "2019-12-01", "2019-11-01", "2019-09-01")
VM_TYPE = "Microsoft.Compute/virtualMachines"
NIC_TYPE = "Microsoft.Network/networkInterfaces"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
PUBLIC_RANGE = ipaddress.ip_network("198.18.0.0/15")  # RFC 2544 benchmarking range: never routed publicly
DNS_LABEL = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")


def etag():
    return f'W/"{uuid.uuid4()}"'


def ref_id(value):
    """The lower-cased id of a ``{"id": ...}`` reference (None when absent)."""
    return value.get("id").lower() if isinstance(value, dict) and isinstance(value.get("id"), str) else None


def subscription_resources(ctx, full_type):
    return ctx.store.resources(f"/subscriptions/{ctx.subscription}/", [full_type])


def ip_configurations(ctx, key, target_id):
    """(nic, ipConfiguration) pairs whose ``properties[key]`` references ``target_id``."""
    target = target_id.lower()
    for nic in subscription_resources(ctx, NIC_TYPE):
        for config in nic["body"]["properties"].get("ipConfigurations", []):
            if ref_id(config["properties"].get(key)) == target:
                yield nic, config


def attached_vm(ctx, nic_id):
    """(vm record, NIC reference) of the VM whose networkProfile lists ``nic_id``; (None, None) otherwise."""
    for vm in subscription_resources(ctx, VM_TYPE):
        for reference in vm["body"]["properties"].get("networkProfile", {}).get("networkInterfaces", []):
            if ref_id(reference) == nic_id.lower():
                return vm, reference
    return None, None


def machine_address(ctx, nic, config):
    """The address of the machine behind the VM that uses ``nic`` (a container VM's address on the emulator's
    network), for the NIC's primary IP configuration when it is the VM's primary NIC; None otherwise."""
    vm, reference = attached_vm(ctx, nic["id"])
    if vm is None or not config["properties"].get("primary"):
        return None, vm
    backend = (vm.get("internal") or {}).get("backend") or {}
    references = vm["body"]["properties"].get("networkProfile", {}).get("networkInterfaces", [])
    primary = (reference.get("properties") or {}).get("primary", len(references) == 1)
    if not primary or backend.get("deleted"):
        return None, vm
    return backend.get("address"), vm


def referenced(ctx, reference, owner_id, full_type, location=None):
    """The record behind a ``{"id": ...}`` reference: InvalidResourceReference when missing or elsewhere."""
    target = ctx.store.resource(reference["id"]) if isinstance(reference, dict) and reference.get("id") else None
    if (target is None or target["type"] != full_type.lower()
            or (location and target["body"].get("location", location) != location)):
        raise ArmError(400, "InvalidResourceReference", f"Resource {reference.get('id') if isinstance(reference, dict) else reference} "
                       f"referenced by resource {owner_id} was not found. Please make sure that the referenced "
                       "resource exists, and that both resources are in the same region.",
                       details=[{"code": "NotFound", "message": f"Resource {reference} not found."}])
    return target


def cidr(ctx, prefix, owner_id):
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except (TypeError, ValueError):
        raise ArmError(400, "InvalidAddressPrefixFormat", f"Address prefix {prefix} of resource {owner_id} is not "
                       "formatted correctly. It should follow CIDR notation, for example 10.0.0.0/24.") from None
    if str(network) != prefix:
        raise ArmError(400, "InvalidCIDRNotation", f"The address prefix {prefix} in resource {owner_id} has an "
                       f"invalid CIDR notation. For the given prefix length, the address prefix should be {network}.")
    return network


class NetworkType(ResourceType):
    api_versions = VERSIONS
    async_put = async_delete = True
    states = {"create": "Updating", "update": "Updating", "delete": "Deleting"}
    operation_kinds = ("operations", "operationResults")

    def save(self, ctx, rid_or_id, body, internal=None):
        body["etag"] = etag()
        super().save(ctx, rid_or_id, body, internal)

    @staticmethod
    def guid(existing):
        return existing["body"]["properties"].get("resourceGuid") if existing else str(uuid.uuid4())


class ChildType(NetworkType):
    """A child resource rendered inline in its parent (subnets, security rules)."""

    tracked = False
    inline_key = ""  # the parent's properties key holding the inline children

    def children(self, ctx, parent_id):
        return ctx.store.resources(f"{parent_id}/{self.name.split('/')[-1]}/", [self.full_type])

    def sync_inline(self, ctx, parent_id, given, validate):
        """Make the stored children of ``parent_id`` match the inline list ``given`` of a parent PUT."""
        wanted, seen = [], set()
        for item in given or []:
            name = item.get("name") if isinstance(item, dict) else None
            if not name:
                raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: each of "
                               f"'properties.{self.inline_key}' needs a name.", target=f"properties.{self.inline_key}")
            if name.lower() in seen:
                raise ArmError(400, "InvalidRequestFormat", f"Duplicate name '{name}' in properties.{self.inline_key}.")
            seen.add(name.lower())
            wanted.append((f"{parent_id}/{self.name.split('/')[-1]}/{name}", name, item.get("properties") or {}))
        current = {c["id"].lower(): c for c in self.children(ctx, parent_id)}
        built = [(cid, name, validate(cid, name, props, current.get(cid.lower()))) for cid, name, props in wanted]
        for key, child in current.items():
            if key not in {cid.lower() for cid, _, _ in wanted}:
                self.check_delete(ctx, child)
                self.remove(ctx, child["id"])
        for cid, name, properties in built:
            child = current.get(cid.lower())
            body = {"id": child["id"] if child else cid, "name": child["body"]["name"] if child else name,
                    "type": self.full_type, "properties": {**properties, "provisioningState": "Succeeded"}}
            self.save(ctx, body["id"], body, child["internal"] if child else None)

    def inline(self, ctx, parent_id):
        return [self.render(ctx, c) for c in self.children(ctx, parent_id)]


# virtual networks and subnets ---------------------------------------------------------------
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
        networks = [cidr(ctx, p, subnet_id) for p in prefixes]
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
        for key in ("serviceEndpoints", "delegations"):
            result[key] = list(props.get(key) or [])
        result["privateEndpointNetworkPolicies"] = props.get("privateEndpointNetworkPolicies", "Disabled")
        result["privateLinkServiceNetworkPolicies"] = props.get("privateLinkServiceNetworkPolicies", "Enabled")
        if "defaultOutboundAccess" in props:
            result["defaultOutboundAccess"] = bool(props["defaultOutboundAccess"])
        return result

    @staticmethod
    def networks(subnet_body):
        props = subnet_body["properties"]
        return [ipaddress.ip_network(p) for p in props.get("addressPrefixes") or [props["addressPrefix"]]]

    def build(self, ctx, rid, body, existing):
        vnet = ctx.store.resource(rid.parent)
        siblings = {c["id"].lower(): self.networks(c["body"]) for c in self.children(ctx, rid.parent)}
        prefixes = [ipaddress.ip_network(p) for p in vnet["body"]["properties"]["addressSpace"]["addressPrefixes"]]
        return {"properties": self.validate(ctx, rid.id, rid.name, body.get("properties") or {}, existing, prefixes,
                                            siblings)}

    def check_delete(self, ctx, resource):
        users = list(ip_configurations(ctx, "subnet", resource["id"]))
        if users:
            raise ArmError(400, "InUseSubnetCannotBeDeleted", f"Subnet {resource['body']['name']} is in use by "
                           f"{users[0][1]['id']} and cannot be deleted. In order to delete the subnet, delete all the "
                           "resources within the subnet. See aka.ms/deletesubnet.")

    def render(self, ctx, resource):
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

    def build(self, ctx, rid, body, existing):
        props = body.get("properties") or {}
        prefixes = (props.get("addressSpace") or {}).get("addressPrefixes") or []
        if not isinstance(prefixes, list) or not prefixes:
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request: properties.addressSpace."
                           "addressPrefixes needs at least one address prefix.", target="properties.addressSpace")
        networks = [cidr(ctx, p, rid.id) for p in prefixes]
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
            siblings[sid] = [cidr(ctx, p, sid) for p in sprops.get("addressPrefixes") or
                             ([sprops["addressPrefix"]] if sprops.get("addressPrefix") else [])]
        SUBNETS.sync_inline(ctx, rid.id, given, lambda cid, name, sprops, old: SUBNETS.validate(
            ctx, cid, name, sprops, old, networks, siblings))
        properties = {"addressSpace": {"addressPrefixes": list(prefixes)},
                      "dhcpOptions": {"dnsServers": list((props.get("dhcpOptions") or {}).get("dnsServers") or [])},
                      "virtualNetworkPeerings": [], "enableDdosProtection": bool(props.get("enableDdosProtection")),
                      "privateEndpointVNetPolicies": props.get("privateEndpointVNetPolicies", "Disabled"),
                      "resourceGuid": self.guid(existing)}
        return {"properties": properties}

    def check_delete(self, ctx, resource):
        for subnet in SUBNETS.children(ctx, resource["id"]):
            SUBNETS.check_delete(ctx, subnet)

    def render(self, ctx, resource):
        body = dict(resource["body"])
        body["properties"] = {**body["properties"], "subnets": SUBNETS.inline(ctx, resource["id"])}
        return body


SUBNETS = PROVIDER.types["virtualnetworks/subnets"]


# network security groups and rules ----------------------------------------------------------
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

    def build(self, ctx, rid, body, existing):
        siblings = {c["body"]["name"].lower(): {**c["body"]["properties"], "name": c["body"]["name"]}
                    for c in self.children(ctx, rid.parent)}
        return {"properties": self.validate(ctx, rid.id, rid.name, body.get("properties") or {}, existing, siblings)}


@PROVIDER.resource_type
class NetworkSecurityGroups(NetworkType):
    name = "networkSecurityGroups"
    removal_rank = 30

    def build(self, ctx, rid, body, existing):
        given = (body.get("properties") or {}).get("securityRules") or []
        siblings = {str((r or {}).get("name", "")).lower(): {**((r or {}).get("properties") or {}),
                                                             "name": (r or {}).get("name")} for r in given}
        RULES.sync_inline(ctx, rid.id, given, lambda cid, name, props, old: RULES.validate(
            ctx, cid, name, props, old, siblings))
        return {"properties": {"resourceGuid": self.guid(existing)}}

    def users(self, ctx, resource):
        target = resource["id"].lower()
        nics = [n["id"] for n in subscription_resources(ctx, NIC_TYPE)
                if ref_id(n["body"]["properties"].get("networkSecurityGroup")) == target]
        subnets = [s["id"] for s in subscription_resources(ctx, SUBNET_TYPE)
                   if ref_id(s["body"]["properties"].get("networkSecurityGroup")) == target]
        return nics, subnets

    def check_delete(self, ctx, resource):
        nics, subnets = self.users(ctx, resource)
        if nics or subnets:
            raise ArmError(400, "InUseNetworkSecurityGroupCannotBeDeleted", f"Network security group "
                           f"{resource['id']} cannot be deleted because it is in use by the following resources: "
                           f"{', '.join(nics + subnets)}. In order to delete the Network security group, remove the "
                           "association with the resource(s). To learn how to do this, see aka.ms/deletensg.")

    def render(self, ctx, resource):
        body = dict(resource["body"])
        nics, subnets = self.users(ctx, resource)
        defaults = [{
            "name": name, "id": f"{resource['id']}/defaultSecurityRules/{name}", "etag": body.get("etag"),
            "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
            "properties": {"provisioningState": "Succeeded", "description": text, "protocol": "*",
                           "sourcePortRange": "*", "destinationPortRange": "*", "sourceAddressPrefix": source,
                           "destinationAddressPrefix": destination, "access": access, "priority": priority,
                           "direction": direction, "sourcePortRanges": [], "destinationPortRanges": [],
                           "sourceAddressPrefixes": [], "destinationAddressPrefixes": []},
        } for name, priority, direction, access, source, destination, text in DEFAULT_RULES]
        props = {**body["properties"], "securityRules": RULES.inline(ctx, resource["id"]),
                 "defaultSecurityRules": defaults}
        if nics:
            props["networkInterfaces"] = [{"id": i} for i in nics]
        if subnets:
            props["subnets"] = [{"id": i} for i in subnets]
        body["properties"] = props
        return body


RULES = PROVIDER.types["networksecuritygroups/securityrules"]


# public IP addresses ------------------------------------------------------------------------
@PROVIDER.resource_type
class PublicIPAddresses(NetworkType):
    name = "publicIPAddresses"
    removal_rank = 30

    def build(self, ctx, rid, body, existing):
        props = body.get("properties") or {}
        old = existing["body"] if existing else {}
        sku = dict(body.get("sku") or old.get("sku") or {"name": "Standard", "tier": "Regional"})
        sku_name = next((s for s in ("Standard", "Basic") if str(sku.get("name", "")).lower() == s.lower()), None)
        if sku_name is None:
            raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: unknown public IP SKU "
                           f"'{sku.get('name')}'. Allowed: Standard, Basic.", target="sku.name")
        sku = {"name": sku_name, "tier": sku.get("tier") or "Regional"}
        if existing and old.get("sku", {}).get("name") != sku_name:
            raise ArmError(400, "PublicIPSkuCannotBeChanged", f"Public IP address {rid.id} SKU cannot be changed "
                           f"from {old['sku']['name']} to {sku_name}.")
        method = props.get("publicIPAllocationMethod") or ("Static" if sku_name == "Standard" else "Dynamic")
        method = "Static" if method.lower() == "static" else "Dynamic" if method.lower() == "dynamic" else method
        if method not in ("Static", "Dynamic"):
            raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: publicIPAllocationMethod "
                           f"'{method}' is not Static or Dynamic.", target="properties.publicIPAllocationMethod")
        if sku_name == "Standard" and method != "Static":
            raise ArmError(400, "StandardSkuPublicIPAddressesMustBeStatic", f"Standard sku publicIp {rid.id} must "
                           "specify publicIPAllocationMethod as Static.")
        version = props.get("publicIPAddressVersion") or "IPv4"
        if version != "IPv4":
            raise ArmError(400, "InvalidRequestFormat", "The emulator allocates IPv4 public addresses only.",
                           target="properties.publicIPAddressVersion")
        timeout = props.get("idleTimeoutInMinutes", 4)
        if not isinstance(timeout, int) or not 4 <= timeout <= 30:
            raise ArmError(400, "PublicIPAddressInvalidIdleTimeout", f"Idle timeout of public IP address {rid.id} "
                           f"is {timeout}; it must be between 4 and 30 minutes.",
                           target="properties.idleTimeoutInMinutes")
        properties = {"publicIPAddressVersion": version, "publicIPAllocationMethod": method,
                      "idleTimeoutInMinutes": timeout, "ipTags": list(props.get("ipTags") or []),
                      "resourceGuid": self.guid(existing)}
        address = old.get("properties", {}).get("ipAddress") or self.allocate(ctx)
        properties["ipAddress"] = address
        dns = props.get("dnsSettings") or {}
        if dns.get("domainNameLabel"):
            label = dns["domainNameLabel"]
            if not DNS_LABEL.match(label):
                raise ArmError(400, "InvalidDomainNameLabel", f"The domain name label {label} is invalid. It must "
                               "conform to the following regular expression: ^[a-z][a-z0-9-]{1,61}[a-z0-9]$.",
                               target="properties.dnsSettings.domainNameLabel")
            fqdn = f"{label}.{body['location']}.cloudapp.azure.com"
            for other in subscription_resources(ctx, self.full_type):
                if other["id"].lower() != rid.id.lower() and \
                        other["body"]["properties"].get("dnsSettings", {}).get("fqdn") == fqdn:
                    raise ArmError(400, "DnsRecordInUse", f"DNS record {fqdn} is already used by another public "
                                   "IP.")
            properties["dnsSettings"] = {"domainNameLabel": label, "fqdn": fqdn}
            if dns.get("reverseFqdn"):
                properties["dnsSettings"]["reverseFqdn"] = dns["reverseFqdn"]
        doc = {"sku": sku, "properties": properties}
        if body.get("zones") or old.get("zones"):
            if existing and sorted(body.get("zones") or []) != sorted(old.get("zones") or []):
                raise ArmError(400, "PublicIPAddressZonesCannotBeChanged", f"Zones of public IP address {rid.id} "
                               "cannot be changed.")
            doc["zones"] = list(body.get("zones") or [])
        return doc

    def allocate(self, ctx):
        used = {r["body"]["properties"].get("ipAddress") for r in subscription_resources(ctx, self.full_type)}
        from ..vm_backends import backend
        address = backend(ctx.app).public_address(ctx, used - {None})  # container VMs: on their own network
        if address:
            return address
        for address in PUBLIC_RANGE.hosts():
            if str(address) not in used and not str(address).endswith(".0"):
                return str(address)
        raise ArmError(400, "PublicIPCountLimitReached", "The emulator's public address range is exhausted.")

    def check_delete(self, ctx, resource):
        for _, config in ip_configurations(ctx, "publicIPAddress", resource["id"]):
            raise ArmError(400, "PublicIPAddressCannotBeDeleted", f"Public IP address {resource['id']} can not be "
                           f"deleted since it is still allocated to resource {config['id']}. In order to delete the "
                           "public IP, disassociate/detach the Public IP address from the resource.  To learn how to "
                           "do this, see aka.ms/deletepublicip.")

    def render(self, ctx, resource):
        body = dict(resource["body"])
        users = list(ip_configurations(ctx, "publicIPAddress", resource["id"]))
        if users:
            nic, config = users[0]
            props = {**body["properties"], "ipConfiguration": {"id": config["id"]}}
            address, vm = machine_address(ctx, nic, config)
            if address:  # a container VM answers on its own address: that is its "public" IP here
                props["ipAddress"] = address
            if vm is not None and props["publicIPAllocationMethod"] == "Dynamic" and \
                    vm["internal"].get("power") == "deallocated":
                props.pop("ipAddress", None)  # deallocation releases a dynamic public IP
            body["properties"] = props
        return body


# network interfaces -------------------------------------------------------------------------
@PROVIDER.resource_type
class NetworkInterfaces(NetworkType):
    name = "networkInterfaces"
    removal_rank = 20

    def build(self, ctx, rid, body, existing):
        props = body.get("properties") or {}
        location = body["location"]
        configs = props.get("ipConfigurations") or []
        if not isinstance(configs, list) or not configs:
            raise ArmError(400, "NetworkInterfaceMustHaveAtLeastOneIpConfiguration", f"Network interface {rid.id} "
                           "must have at least one IP configuration.", target="properties.ipConfigurations")
        old = {c["name"].lower(): c for c in (existing["body"]["properties"]["ipConfigurations"] if existing else [])}
        primaries = [c for c in configs if ((c or {}).get("properties") or {}).get("primary")]
        if len(configs) > 1 and len(primaries) != 1:
            raise ArmError(400, "NetworkInterfaceMustHaveOnePrimaryIpConfiguration", f"Network interface {rid.id} "
                           "with more than one IP configuration must have exactly one primary IP configuration.")
        taken = {}  # lower subnet id -> addresses used by other NICs
        result, names = [], set()
        for index, config in enumerate(configs):
            name = (config or {}).get("name") or f"ipconfig{index + 1}"
            if name.lower() in names:
                raise ArmError(400, "InvalidRequestFormat", f"Duplicate IP configuration name '{name}'.")
            names.add(name.lower())
            cprops = config.get("properties") or {}
            config_id = f"{rid.id}/ipConfigurations/{name}"
            subnet = referenced(ctx, cprops.get("subnet"), config_id, SUBNET_TYPE)
            vnet = ctx.store.resource(subnet["id"].rsplit("/", 2)[0])
            if vnet["body"]["location"] != location:
                raise ArmError(400, "InvalidResourceReference", f"Resource {subnet['id']} referenced by resource "
                               f"{rid.id} was not found. Please make sure that the referenced resource exists, and "
                               "that both resources are in the same region.")
            out = {"privateIPAddressVersion": "IPv4", "subnet": {"id": subnet["id"]},
                   "primary": len(configs) == 1 or bool(cprops.get("primary"))}
            if cprops.get("publicIPAddress"):
                pip = referenced(ctx, cprops["publicIPAddress"], config_id, "Microsoft.Network/publicIPAddresses",
                                 location)
                for nic, other in ip_configurations(ctx, "publicIPAddress", pip["id"]):
                    if other["id"].lower() != config_id.lower():
                        raise ArmError(400, "PublicIPAddressInUse", f"Resource {config_id} is referencing public IP "
                                       f"address {pip['id']} that is already allocated to resource {other['id']}.")
                out["publicIPAddress"] = {"id": pip["id"]}
            key = subnet["id"].lower()
            if key not in taken:
                taken[key] = {c["properties"].get("privateIPAddress") for n, c in ip_configurations(ctx, "subnet", key)
                              if n["id"].lower() != rid.id.lower()}
            method = str(cprops.get("privateIPAllocationMethod") or "Dynamic").capitalize()
            networks = Subnets.networks(subnet["body"])
            previous = old.get(name.lower(), {}).get("properties", {})
            if method == "Static":
                address = cprops.get("privateIPAddress")
                try:
                    parsed = ipaddress.ip_address(address)
                except (TypeError, ValueError):
                    parsed = None
                if parsed is None or not any(parsed in n for n in networks) or \
                        parsed in self.reserved(networks) or address in taken[key]:
                    code = "PrivateIPAddressInUse" if address in taken[key] else "PrivateIPAddressNotInSubnet"
                    raise ArmError(400, code, f"IP configuration {config_id} cannot use private IP address "
                                   f"{address}: it is " + ("already in use" if address in taken[key] else
                                                           f"not a usable address of subnet {subnet['id']}") + ".")
            elif ref_id(previous.get("subnet")) == key and previous.get("privateIPAddress") not in taken[key]:
                address = previous["privateIPAddress"]
            else:
                address = self.first_free(networks, taken[key])
                if address is None:
                    raise ArmError(400, "SubnetIsFull", f"Subnet {subnet['body']['name']} with address prefix "
                                   f"{networks[0]} does not have enough capacity for 1 IP addresses.")
            taken[key].add(address)
            out.update(privateIPAddress=address, privateIPAllocationMethod=method)
            result.append({"name": name, "id": config_id, "type": f"{self.full_type}/ipConfigurations",
                           "properties": out})
        properties = {"ipConfigurations": result, "resourceGuid": self.guid(existing),
                      "dnsSettings": {"dnsServers": list((props.get("dnsSettings") or {}).get("dnsServers") or []),
                                      "appliedDnsServers": [],
                                      "internalDomainNameSuffix": f"{self.suffix(ctx)}.ax.internal.cloudapp.net"},
                      "enableAcceleratedNetworking": bool(props.get("enableAcceleratedNetworking")),
                      "enableIPForwarding": bool(props.get("enableIPForwarding")),
                      "disableTcpStateTracking": False, "hostedWorkloads": [], "tapConfigurations": [],
                      "nicType": "Standard", "vnetEncryptionSupported": False, "auxiliaryMode": "None",
                      "auxiliarySku": "None"}
        if props.get("networkSecurityGroup"):
            nsg = referenced(ctx, props["networkSecurityGroup"], rid.id, "Microsoft.Network/networkSecurityGroups",
                             location)
            properties["networkSecurityGroup"] = {"id": nsg["id"]}
        return {"properties": properties}

    @staticmethod
    def reserved(networks):
        """Azure keeps the first four addresses and the last one of every IPv4 subnet."""
        return {n.network_address + i for n in networks for i in range(4)} | {n.broadcast_address for n in networks}

    def first_free(self, networks, taken):
        reserved = self.reserved(networks)
        for network in networks:
            for address in network:
                if address not in reserved and str(address) not in taken:
                    return str(address)
        return None

    @staticmethod
    def suffix(ctx):
        return hashlib.sha256(ctx.subscription.encode()).hexdigest()[:26]

    def check_delete(self, ctx, resource):
        vm, _ = attached_vm(ctx, resource["id"])
        if vm:
            raise ArmError(400, "NicInUse", f"Network Interface {resource['id']} is used by existing resource "
                           f"{vm['id']}. In order to delete the network interface, it must be dissociated from the "
                           "resource. To learn more, see aka.ms/deletenic.")

    def render(self, ctx, resource):
        body = dict(resource["body"])
        props = dict(body["properties"])
        configs = []
        for c in props["ipConfigurations"]:
            config = {**c, "etag": body.get("etag"),
                      "properties": {**c["properties"], "provisioningState": props["provisioningState"]}}
            address, _ = machine_address(ctx, resource, c)
            if address:  # a container VM's address on the emulator's network
                config["properties"]["privateIPAddress"] = address
            configs.append(config)
        props["ipConfigurations"] = configs
        vm, reference = attached_vm(ctx, resource["id"])
        if vm:
            digest = hashlib.sha256(resource["id"].lower().encode()).hexdigest()
            props["virtualMachine"] = {"id": vm["id"]}
            props["macAddress"] = "00-0D-3A-" + "-".join(digest[i:i + 2].upper() for i in (0, 2, 4))
            references = vm["body"]["properties"]["networkProfile"]["networkInterfaces"]
            props["primary"] = bool((reference.get("properties") or {}).get("primary", len(references) == 1))
        body["properties"] = props
        return body
