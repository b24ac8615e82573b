"""Microsoft.Network public IP addresses: allocated from 198.18.0.0/15, or on the VM backend's own
network (container VMs answer on their public IP), with DNS labels and Azure's in-use rules.

As on Azure: a public IP created with only a location is Basic and Dynamic; the address of a Static IP
appears once it is provisioned (the PUT's answer has none); a Dynamic IP shows one only while it is
associated with a running VM; api-versions from 2022-05-01 report ``ddosSettings`` (VirtualNetworkInherited)."""
from __future__ import annotations

from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId
from ...store import Resource
from .common import DNS_LABEL, PROVIDER, PUBLIC_RANGE, NetworkType, attached_vm, ip_configurations, machine_address, referenced, subscription_resources


@PROVIDER.resource_type
class PublicIPAddresses(NetworkType):
    name = "publicIPAddresses"
    removal_rank = 30

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        props = body.get("properties") or {}
        old = existing["body"] if existing else {}
        sku = dict(body.get("sku") or old.get("sku") or {"name": "Basic", "tier": "Regional"})
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
        properties: dict[str, Any] = {"publicIPAddressVersion": version, "publicIPAllocationMethod": method,
                      "idleTimeoutInMinutes": timeout, "ipTags": list(props.get("ipTags") or []),
                      "resourceGuid": self.guid(existing)}
        if (ctx.api_version or "") >= "2022-05-01":
            properties["ddosSettings"] = props.get("ddosSettings") or {"protectionMode": "VirtualNetworkInherited"}
        if props.get("publicIPPrefix"):
            prefix = referenced(ctx, props["publicIPPrefix"], rid.id, "Microsoft.Network/publicIPPrefixes",
                                body["location"])
            properties["publicIPPrefix"] = {"id": prefix["id"]}
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
        doc: dict[str, Any] = {"sku": sku, "properties": properties}
        if body.get("zones") or old.get("zones"):
            if existing and sorted(body.get("zones") or []) != sorted(old.get("zones") or []):
                raise ArmError(400, "PublicIPAddressZonesCannotBeChanged", f"Zones of public IP address {rid.id} "
                               "cannot be changed.")
            doc["zones"] = list(body.get("zones") or [])
        return doc

    def allocate(self, ctx):
        used = {r["body"]["properties"].get("ipAddress") for r in subscription_resources(ctx, self.full_type)}
        address = ctx.backend.public_address(ctx, {u for u in used if u})  # container VMs: on their own network
        if address:
            return address
        for address in PUBLIC_RANGE.hosts():
            if str(address) not in used and not str(address).endswith(".0"):
                return str(address)
        raise ArmError(400, "PublicIPCountLimitReached", "The emulator's public address range is exhausted.")

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        for _, config in ip_configurations(ctx, "publicIPAddress", resource["id"]):
            raise ArmError(400, "PublicIPAddressCannotBeDeleted", f"Public IP address {resource['id']} can not be "
                           f"deleted since it is still allocated to resource {config['id']}. In order to delete the "
                           "public IP, disassociate/detach the Public IP address from the resource.  To learn how to "
                           "do this, see aka.ms/deletepublicip.")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = dict(resource["body"])
        users = list(ip_configurations(ctx, "publicIPAddress", resource["id"]))
        props = body["properties"]
        if props.get("provisioningState") != "Succeeded" or (props["publicIPAllocationMethod"] == "Dynamic" and not any(
                attached_vm(ctx, nic["id"])[0] for nic, _ in users)):
            body["properties"] = {k: v for k, v in props.items() if k != "ipAddress"}
        if users:
            nic, config = users[0]
            props = {**body["properties"], "ipConfiguration": {"id": config["id"]}}
            address, vm = machine_address(ctx, nic, config)
            if "ipAddress" not in props:
                address = None
            if address:  # a container VM answers on its own address: that is its "public" IP here
                props["ipAddress"] = address
            if vm is not None and props["publicIPAllocationMethod"] == "Dynamic" and \
                    vm["internal"].get("power") == "deallocated":
                props.pop("ipAddress", None)  # deallocation releases a dynamic public IP
            body["properties"] = props
        return body
