"""Microsoft.Network interfaces: IP configurations with private addresses from their subnet (the first
free one after Azure's reserved ones), public IP and NSG references, and the VM that uses them."""
from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId
from ...store import Resource
from .common import PROVIDER, SUBNET_TYPE, NetworkType, attached_vm, ip_configurations, machine_address, ref_id, referenced
from .virtual_networks import Subnets


@PROVIDER.resource_type
class NetworkInterfaces(NetworkType):
    name = "networkInterfaces"
    removal_rank = 20

    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
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
            if vnet is None or vnet["body"]["location"] != location:
                raise ArmError(400, "InvalidResourceReference", f"Resource {subnet['id']} referenced by resource "
                               f"{rid.id} was not found. Please make sure that the referenced resource exists, and "
                               "that both resources are in the same region.")
            out = {"privateIPAddressVersion": "IPv4", "subnet": {"id": subnet["id"]},
                   "primary": len(configs) == 1 or bool(cprops.get("primary"))}
            if cprops.get("publicIPAddress"):
                pip = referenced(ctx, cprops["publicIPAddress"], config_id, "Microsoft.Network/publicIPAddresses",
                                 location)
                for _nic, other in ip_configurations(ctx, "publicIPAddress", pip["id"]):
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
                address: Any = cprops.get("privateIPAddress")
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
                      "auxiliarySku": "None", "allowPort25Out": True}
        if props.get("networkSecurityGroup"):
            nsg = referenced(ctx, props["networkSecurityGroup"], rid.id, "Microsoft.Network/networkSecurityGroups",
                             location)
            properties["networkSecurityGroup"] = {"id": nsg["id"]}
        return {"properties": properties, "kind": "Regular"}

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

    def check_delete(self, ctx: Context, resource: Resource) -> None:
        vm, _ = attached_vm(ctx, resource["id"])
        if vm:
            raise ArmError(400, "NicInUse", f"Network Interface {resource['id']} is used by existing resource "
                           f"{vm['id']}. In order to delete the network interface, it must be dissociated from the "
                           "resource. To learn more, see aka.ms/deletenic.")

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
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
