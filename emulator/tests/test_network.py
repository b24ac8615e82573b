"""Microsoft.Network through the unmodified azure-mgmt-network client (models checked strictly)."""

import ipaddress
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from sdk_models import strict, strict_all

API = "2024-05-01"


@pytest.fixture
def rg(fast):
    name = f"rg-net-{uuid.uuid4().hex[:6]}"
    fast.resource.resource_groups.create_or_update(name, {"location": "westeurope"})
    return name


def vnet(fast, rg, name="vnet", subnets=(("default", "10.1.0.0/24"),), prefix="10.1.0.0/16"):
    return fast.network.virtual_networks.begin_create_or_update(rg, name, {
        "location": "westeurope", "properties": {
            "addressSpace": {"addressPrefixes": [prefix]},
            "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in subnets]}}).result()


def nic(fast, rg, name, subnet_id, pip_id=None, nsg_id=None, **config):
    properties = {"subnet": {"id": subnet_id}, **config}
    if pip_id:
        properties["publicIPAddress"] = {"id": pip_id}
    body = {"location": "westeurope", "properties": {"ipConfigurations": [{"name": "ipconfig1",
                                                                           "properties": properties}]}}
    if nsg_id:
        body["properties"]["networkSecurityGroup"] = {"id": nsg_id}
    return fast.network.network_interfaces.begin_create_or_update(rg, name, body).result()


def error(call):
    with pytest.raises(HttpResponseError) as info:
        result = call()
        if hasattr(result, "result"):
            result.result()
    return info.value


def test_virtual_network_with_inline_and_child_subnets(fast, rg):
    created = strict(vnet(fast, rg, subnets=[("default", "10.1.0.0/24"), ("apps", "10.1.1.0/24")]))
    assert created.properties.provisioning_state == "Succeeded" and created.properties.resource_guid
    assert created.etag.startswith('W/"')
    ids = {s.name: s.id for s in created.properties.subnets}
    assert ids["default"] == fast.rid(f"/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet/"
                                      "subnets/default")
    assert created.properties.subnets[0].type == "Microsoft.Network/virtualNetworks/subnets"

    child = fast.network.subnets.begin_create_or_update(rg, "vnet", "data", {
        "properties": {"addressPrefix": "10.1.2.0/24"}}).result()
    assert strict(child).properties.address_prefix == "10.1.2.0/24"
    assert sorted(s.name for s in strict_all(fast.network.subnets.list(rg, "vnet"))) == ["apps", "data", "default"]
    got = strict(fast.network.virtual_networks.get(rg, "vnet"))
    assert sorted(s.name for s in got.properties.subnets) == ["apps", "data", "default"]

    outside = error(lambda: fast.network.subnets.begin_create_or_update(
        rg, "vnet", "bad", {"properties": {"addressPrefix": "10.9.0.0/24"}}))
    assert outside.error.code == "NetcfgSubnetRangeOutsideVnet"
    overlap = error(lambda: fast.network.subnets.begin_create_or_update(
        rg, "vnet", "bad", {"properties": {"addressPrefix": "10.1.1.128/25"}}))
    assert overlap.error.code == "NetcfgSubnetRangesOverlap"
    cidr = error(lambda: vnet(fast, rg, "v2", prefix="10.2.0.1/16"))
    assert cidr.error.code == "InvalidCIDRNotation" and "10.2.0.0/16" in cidr.error.message

    # A PUT of the VNet without a subnet removes it (as Azure does).
    fast.network.virtual_networks.begin_create_or_update(rg, "vnet", {
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                                                 "subnets": [{"name": "default",
                                                              "properties": {"addressPrefix": "10.1.0.0/24"}}]}}
    ).result()
    assert [s.name for s in fast.network.subnets.list(rg, "vnet")] == ["default"]
    fast.network.subnets.begin_delete(rg, "vnet", "default").result()
    assert fast.network.virtual_networks.get(rg, "vnet").properties.subnets == []
    with pytest.raises(ResourceNotFoundError):
        fast.network.subnets.get(rg, "vnet", "default")


def test_network_security_group_rules(fast, rg):
    nsg = fast.network.network_security_groups.begin_create_or_update(rg, "nsg", {
        "location": "westeurope", "properties": {"securityRules": [
            {"name": "ssh", "properties": {"protocol": "Tcp", "access": "Allow", "direction": "Inbound",
                                           "priority": 100, "sourceAddressPrefix": "203.0.113.0/24",
                                           "sourcePortRange": "*", "destinationAddressPrefix": "*",
                                           "destinationPortRange": "22"}},
            {"name": "web", "properties": {"protocol": "Tcp", "access": "Allow", "direction": "Inbound",
                                           "priority": 110, "sourceAddressPrefixes": ["10.0.0.0/8", "192.0.2.0/24"],
                                           "sourcePortRange": "*", "destinationAddressPrefix": "*",
                                           "destinationPortRanges": ["80", "443", "8000-8100"]}}]}}).result()
    strict(nsg)
    rules = {r.name: r.properties for r in nsg.properties.security_rules}
    assert rules["ssh"].source_address_prefix == "203.0.113.0/24" and rules["ssh"].source_address_prefixes == []
    assert rules["web"].source_address_prefix is None
    assert rules["web"].source_address_prefixes == ["10.0.0.0/8", "192.0.2.0/24"]
    assert rules["web"].destination_port_ranges == ["80", "443", "8000-8100"]
    defaults = {r.name: r.properties for r in nsg.properties.default_security_rules}
    assert sorted(defaults) == ["AllowAzureLoadBalancerInBound", "AllowInternetOutBound", "AllowVnetInBound",
                                "AllowVnetOutBound", "DenyAllInBound", "DenyAllOutBound"]
    assert defaults["DenyAllInBound"].priority == 65500 and defaults["DenyAllInBound"].access == "Deny"

    rule = fast.network.security_rules.begin_create_or_update(rg, "nsg", "dns", {"properties": {
        "protocol": "Udp", "access": "Deny", "direction": "Outbound", "priority": 200, "sourceAddressPrefix": "*",
        "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "53"}}).result()
    assert strict(rule).id.endswith("/networkSecurityGroups/nsg/securityRules/dns")
    assert sorted(r.name for r in fast.network.network_security_groups.get(rg, "nsg").properties.security_rules) == [
        "dns", "ssh", "web"]
    conflict = error(lambda: fast.network.security_rules.begin_create_or_update(rg, "nsg", "dup", {"properties": {
        "protocol": "*", "access": "Allow", "direction": "Inbound", "priority": 100, "sourceAddressPrefix": "*",
        "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "1"}}))
    assert conflict.error.code == "SecurityRuleConflict"
    port = error(lambda: fast.network.security_rules.begin_create_or_update(rg, "nsg", "bad", {"properties": {
        "protocol": "Tcp", "access": "Allow", "direction": "Inbound", "priority": 300, "sourceAddressPrefix": "*",
        "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "70000"}}))
    assert port.error.code == "SecurityRuleInvalidPortRange"


def test_public_ip_addresses(fast, rg):
    pip = strict(fast.network.public_ip_addresses.begin_create_or_update(rg, "pip", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static", "dnsSettings": {"domainNameLabel": f"lbl-{rg}"}}}
    ).result())
    assert ipaddress.ip_address(pip.properties.ip_address) in ipaddress.ip_network("198.18.0.0/15")
    assert pip.properties.dns_settings.fqdn == f"lbl-{rg}.westeurope.cloudapp.azure.com"
    assert pip.sku.name == "Standard" and pip.properties.public_ip_allocation_method == "Static"
    again = fast.network.public_ip_addresses.begin_create_or_update(rg, "pip", {
        "location": "westeurope", "sku": {"name": "Standard"}, "tags": {"a": "b"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    assert again.properties.ip_address == pip.properties.ip_address and again.properties.dns_settings is None
    other = fast.network.public_ip_addresses.begin_create_or_update(rg, "pip2", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    assert other.properties.ip_address != pip.properties.ip_address
    dynamic = error(lambda: fast.network.public_ip_addresses.begin_create_or_update(rg, "pip3", {
        "location": "westeurope", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Dynamic"}}))
    assert dynamic.error.code == "StandardSkuPublicIPAddressesMustBeStatic"
    label = error(lambda: fast.network.public_ip_addresses.begin_create_or_update(rg, "pip3", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static", "dnsSettings": {"domainNameLabel": "Bad_Label"}}}))
    assert label.error.code == "InvalidDomainNameLabel"


def test_network_interfaces_and_dependencies(fast, rg):
    network = vnet(fast, rg)
    subnet_id = network.properties.subnets[0].id
    pip = fast.network.public_ip_addresses.begin_create_or_update(rg, "pip", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    nsg = fast.network.network_security_groups.begin_create_or_update(rg, "nsg", {"location": "westeurope"}).result()
    first = strict(nic(fast, rg, "nic1", subnet_id, pip.id, nsg.id))
    config = first.properties.ip_configurations[0]
    assert config.properties.private_ip_address == "10.1.0.4"
    assert config.properties.private_ip_allocation_method == "Dynamic"
    assert config.properties.primary is True and config.properties.subnet.id == subnet_id
    assert config.properties.public_ip_address.id == pip.id
    assert config.id == first.id + "/ipConfigurations/ipconfig1"
    assert first.properties.network_security_group.id == nsg.id and first.properties.virtual_machine is None
    second = nic(fast, rg, "nic2", subnet_id)
    assert second.properties.ip_configurations[0].properties.private_ip_address == "10.1.0.5"
    static = nic(fast, rg, "nic3", subnet_id, privateIPAllocationMethod="Static", privateIPAddress="10.1.0.50")
    assert static.properties.ip_configurations[0].properties.private_ip_address == "10.1.0.50"
    again = nic(fast, rg, "nic1", subnet_id, pip.id, nsg.id)
    assert again.properties.ip_configurations[0].properties.private_ip_address == "10.1.0.4"

    subnet = strict(fast.network.subnets.get(rg, "vnet", "default"))
    assert sorted(c.id for c in subnet.properties.ip_configurations) == sorted(
        n.properties.ip_configurations[0].id for n in (first, second, static))
    assert strict(fast.network.public_ip_addresses.get(rg, "pip")).properties.ip_configuration.id == config.id
    assert [n.id for n in strict(fast.network.network_security_groups.get(rg, "nsg")).properties.network_interfaces] \
        == [first.id]

    taken = error(lambda: nic(fast, rg, "nic4", subnet_id, pip.id))
    assert taken.error.code == "PublicIPAddressInUse"
    missing = error(lambda: nic(fast, rg, "nic4", subnet_id + "x"))
    assert missing.error.code == "InvalidResourceReference"
    assert error(lambda: fast.network.subnets.begin_delete(rg, "vnet", "default")).error.code == \
        "InUseSubnetCannotBeDeleted"
    assert error(lambda: fast.network.virtual_networks.begin_delete(rg, "vnet")).error.code == \
        "InUseSubnetCannotBeDeleted"
    assert error(lambda: fast.network.public_ip_addresses.begin_delete(rg, "pip")).error.code == \
        "PublicIPAddressCannotBeDeleted"
    assert error(lambda: fast.network.network_security_groups.begin_delete(rg, "nsg")).error.code == \
        "InUseNetworkSecurityGroupCannotBeDeleted"

    assert sorted(n.name for n in strict_all(fast.network.network_interfaces.list(rg))) == ["nic1", "nic2", "nic3"]
    assert {n.name for n in strict_all(fast.network.network_interfaces.list_all())} >= {"nic1", "nic2", "nic3"}
    assert [p.name for p in strict_all(fast.network.public_ip_addresses.list(rg))] == ["pip"]
    assert "pip" in {p.name for p in strict_all(fast.network.public_ip_addresses.list_all())}
    assert [v.name for v in strict_all(fast.network.virtual_networks.list(rg))] == ["vnet"]
    assert "nsg" in {n.name for n in strict_all(fast.network.network_security_groups.list_all())}

    for name in ("nic1", "nic2", "nic3"):
        fast.network.network_interfaces.begin_delete(rg, name).result()
    assert fast.network.subnets.get(rg, "vnet", "default").properties.ip_configurations is None
    fast.network.public_ip_addresses.begin_delete(rg, "pip").result()
    fast.network.network_security_groups.begin_delete(rg, "nsg").result()
    fast.network.virtual_networks.begin_delete(rg, "vnet").result()
    assert list(fast.network.virtual_networks.list(rg)) == []


def test_network_lro_protocol(fast, rg):
    session = fast.http()
    url = fast.url + fast.rid(f"/resourceGroups/{rg}/providers/Microsoft.Network/networkSecurityGroups/raw")
    created = session.put(url, params={"api-version": API}, json={"location": "westeurope"})
    assert created.status_code == 201 and created.json()["properties"]["provisioningState"] == "Updating"
    assert "/providers/Microsoft.Network/locations/westeurope/operations/" in created.headers["Azure-AsyncOperation"]
    assert session.put(url, params={"api-version": API}, json={"location": "westeurope"}).status_code in (200, 409)
    deleted = session.delete(url, params={"api-version": "2026-03-01"})
    while deleted.status_code == 409:
        deleted = session.delete(url, params={"api-version": "2026-03-01"})
    assert deleted.status_code == 202 and "/operationResults/" in deleted.headers["Location"]
    old = session.get(url.rsplit("/", 1)[0], params={"api-version": "2019-09-01"})
    assert old.status_code == 200
    manifest = session.get(fast.url + fast.rid("/providers/Microsoft.Network"), params={"api-version": "2022-09-01"})
    types = {t["resourceType"]: t["apiVersions"] for t in manifest.json()["resourceTypes"]}
    for name in ("virtualNetworks", "virtualNetworks/subnets", "networkSecurityGroups",
                 "networkSecurityGroups/securityRules", "publicIPAddresses", "networkInterfaces"):
        assert "2026-03-01" in types[name] and "2024-05-01" in types[name]
