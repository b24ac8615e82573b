"""A fleet of VMs made with plain ARM calls in parallel, for tests and benchmarks at fleet size.

Nothing here reaches into the emulator: it is an ARM client (bearer token from the token endpoint,
REST calls over HTTPS) like any other, so it works against any ARM endpoint the ``AZURE_*``
variables point at. Per resource group: the group and a VNet; per VM: a public IP (for every
``public_ip_every``-th VM, with a DNS label), a NIC and the VM, all sent without waiting for their
long-running operations (a NIC may reference a public IP still being created, as on Azure); at the
end it waits until every VM reports ``provisioningState: Succeeded``. With the ``none`` backend and
``--lro-seconds 0.1`` a few hundred VMs take seconds.

    dockyard-emulator fleet --state-dir DIR --vms 500 --groups 5 --prefix bench
"""
from __future__ import annotations

import base64
import json
import ssl
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

GROUP_API = "2022-09-01"
NETWORK_API = "2024-05-01"
COMPUTE_API = "2024-07-01"
RETRIED = (429, 500, 502, 503, 504)


class FleetError(Exception):
    """An ARM call of the fleet failed (not retried, or still failing after the retries)."""


def placeholder_ssh_key() -> str:
    """A well-formed ssh-ed25519 public key (nobody holds its private half)."""
    def string(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data
    blob = string(b"ssh-ed25519") + string(b"\x07" * 32)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} fleet@dockyard"


@dataclass
class FleetSpec:
    """What to create: ``vms`` VMs spread round-robin over ``groups`` resource groups."""

    prefix: str = "fleet"
    vms: int = 10
    groups: int = 1
    locations: list[str] = field(default_factory=lambda: ["westeurope"])   # group i lives in locations[i % n]
    public_ip_every: int = 1                                               # every n-th VM has a public IP (0: none)
    tags: dict[str, str] = field(default_factory=dict)                     # on every VM
    cycle_tags: dict[str, list[str]] = field(default_factory=dict)         # VM i gets values[i % len(values)]
    size: str = "Standard_B1s"
    image: tuple[str, str, str, str] = ("Debian", "debian-12", "12-gen2", "latest")
    admin_username: str = "azureuser"
    ssh_public_key: str = ""
    workers: int = 16

    def group_name(self, index: int) -> str:
        return f"{self.prefix}-rg{index}"

    def vm_name(self, index: int) -> str:
        return f"{self.prefix}-vm{index:04d}"


class Arm:
    """Minimal ARM REST client: a client-credentials token, JSON calls with retries on 429/5xx."""

    def __init__(self, env: dict[str, str], retries: int = 6) -> None:
        self.env, self.retries = env, retries
        self.base = env["AZURE_ARM_ENDPOINT"].rstrip("/")
        self.subscription = env["AZURE_SUBSCRIPTION_ID"]
        self.context = ssl.create_default_context(cafile=env.get("REQUESTS_CA_BUNDLE") or None)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPSHandler(context=self.context))
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            form = urllib.parse.urlencode({
                "grant_type": "client_credentials", "client_id": self.env["AZURE_CLIENT_ID"],
                "client_secret": self.env["AZURE_CLIENT_SECRET"], "scope": self.base + "/.default"}).encode()
            url = f"{self.env['AZURE_AUTHORITY_HOST'].rstrip('/')}/{self.env['AZURE_TENANT_ID']}/oauth2/v2.0/token"
            with self.opener.open(url, data=form, timeout=30) as response:
                self._token = json.loads(response.read())["access_token"]
        return self._token

    def url(self, path: str, api_version: str) -> str:
        return f"{self.base}/subscriptions/{self.subscription}{path}?api-version={api_version}"

    def call(self, method: str, url: str, body: Any = None) -> Any:
        """The decoded answer of ``method url``; retried with Retry-After on throttling and server errors."""
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(url, data=data, method=method, headers={
                "Authorization": "Bearer " + self.token(), "Content-Type": "application/json"})
            try:
                with self.opener.open(request, timeout=60) as response:
                    payload = response.read()
                    return json.loads(payload) if payload else None
            except urllib.error.HTTPError as error:
                text = error.read().decode("utf-8", "replace")
                if error.code not in RETRIED or attempt == self.retries:
                    raise FleetError(f"{method} {url}: HTTP {error.code}: {text[:300]}") from None
                time.sleep(float(error.headers.get("Retry-After") or 1))
            except (urllib.error.URLError, ConnectionError) as error:
                if attempt == self.retries:
                    raise FleetError(f"{method} {url}: {error}") from None
                time.sleep(0.5)
        raise AssertionError("unreachable")

    def put(self, path: str, api_version: str, body: dict[str, Any]) -> Any:
        return self.call("PUT", self.url(path, api_version), body)

    def list(self, path: str, api_version: str) -> list[dict[str, Any]]:
        """Every item of a listing, following nextLink."""
        items: list[dict[str, Any]] = []
        url: str | None = self.url(path, api_version)
        while url:
            page = self.call("GET", url)
            items.extend(page.get("value") or [])
            url = page.get("nextLink")
        return items


def _network_path(group: str, kind: str, name: str) -> str:
    return f"/resourceGroups/{group}/providers/Microsoft.Network/{kind}/{name}"


def _vm_path(group: str, name: str) -> str:
    return f"/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"


def _create_group(arm: Arm, spec: FleetSpec, index: int) -> None:
    group, location = spec.group_name(index), spec.locations[index % len(spec.locations)]
    arm.put(f"/resourcegroups/{group}", GROUP_API, {"location": location, "tags": {"fleet": spec.prefix}})
    arm.put(_network_path(group, "virtualNetworks", "vnet"), NETWORK_API, {
        "location": location, "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/20"}}]}})


def vm_tags(spec: FleetSpec, index: int) -> dict[str, str]:
    tags = dict(spec.tags)
    for key, values in spec.cycle_tags.items():
        if values:
            tags[key] = values[index % len(values)]
    return tags


def _create_vm(arm: Arm, spec: FleetSpec, index: int) -> dict[str, str]:
    group_index = index % spec.groups
    group, location = spec.group_name(group_index), spec.locations[group_index % len(spec.locations)]
    name = spec.vm_name(index)
    config: dict[str, Any] = {"subnet": {"id": f"/subscriptions/{arm.subscription}"
                                               f"{_network_path(group, 'virtualNetworks', 'vnet')}/subnets/default"},
                              "privateIPAllocationMethod": "Dynamic"}
    if spec.public_ip_every and index % spec.public_ip_every == 0:
        pip = arm.put(_network_path(group, "publicIPAddresses", f"{name}-ip"), NETWORK_API, {
            "location": location, "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static", "dnsSettings": {"domainNameLabel": name}}})
        config["publicIPAddress"] = {"id": pip["id"]}
    nic = arm.put(_network_path(group, "networkInterfaces", f"{name}-nic"), NETWORK_API, {
        "location": location, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": config}]}})
    publisher, offer, sku, version = spec.image
    key = spec.ssh_public_key or placeholder_ssh_key()
    vm = arm.put(_vm_path(group, name), COMPUTE_API, {
        "location": location, "tags": vm_tags(spec, index),
        "properties": {
            "hardwareProfile": {"vmSize": spec.size},
            "storageProfile": {"imageReference": {"publisher": publisher, "offer": offer, "sku": sku,
                                                  "version": version},
                               "osDisk": {"createOption": "FromImage", "deleteOption": "Delete",
                                          "managedDisk": {"storageAccountType": "StandardSSD_LRS"}}},
            "osProfile": {"computerName": name, "adminUsername": spec.admin_username,
                          "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {"publicKeys": [
                              {"path": f"/home/{spec.admin_username}/.ssh/authorized_keys", "keyData": key}]}}},
            "networkProfile": {"networkInterfaces": [{"id": nic["id"], "properties": {"deleteOption": "Delete"}}]}}})
    return {"name": name, "resource_group": group, "location": location, "id": vm["id"]}


def wait_until_provisioned(arm: Arm, spec: FleetSpec, timeout: float = 600) -> None:
    """Until every VM of the fleet's groups reports provisioningState Succeeded (FleetError on Failed)."""
    deadline = time.monotonic() + timeout
    while True:
        states: dict[str, str] = {}
        for index in range(spec.groups):
            for vm in arm.list(f"/resourceGroups/{spec.group_name(index)}/providers/Microsoft.Compute/virtualMachines",
                               COMPUTE_API):
                states[vm["name"]] = vm["properties"].get("provisioningState")
        failed = sorted(name for name, state in states.items() if state == "Failed")
        if failed:
            raise FleetError(f"VMs failed to provision: {', '.join(failed[:10])}")
        if len(states) >= spec.vms and all(state == "Succeeded" for state in states.values()):
            return
        if time.monotonic() > deadline:
            raise FleetError(f"VMs still provisioning after {timeout:.0f} s")
        time.sleep(0.2)


def create_fleet(env: dict[str, str], spec: FleetSpec, wait: bool = True) -> list[dict[str, str]]:
    """Create the fleet described by ``spec`` at the endpoint of ``env``; the VMs (name, group, location, id)."""
    if spec.groups < 1 or spec.vms < 0:
        raise ValueError("a fleet needs at least one resource group and a non-negative number of VMs")
    arm = Arm(env)
    arm.token()
    with ThreadPoolExecutor(max_workers=max(1, spec.workers)) as pool:
        list(pool.map(lambda index: _create_group(arm, spec, index), range(spec.groups)))
        vms = list(pool.map(lambda index: _create_vm(arm, spec, index), range(spec.vms)))
    if wait:
        wait_until_provisioned(arm, spec)
    return vms
