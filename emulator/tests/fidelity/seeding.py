"""Set-up for spec examples: the resources an example assumes already exist.

A spec example is one request out of context: a GET of "myVM", a VM PUT that points at
"{existing-nic-name}", a snapshot created from "mySnapshot". Before the example's request is
sent (and scored), the harness creates what it refers to, through the emulator's own API, with
the smallest valid body per resource type (below). Set-up calls are not scored; when one fails
the example is still sent and its failure is attributed to the resource type that could not be
created (see Seeder.failures).
"""

from __future__ import annotations

import re
from typing import Any, Callable

ID = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/([^/]+)/(.+)$", re.I)

# Resource type (lower case) -> (api-version, body factory). The factory gets the Seeder, the
# resource id and the location, and may seed what the body refers to first.
Factory = Callable[["Seeder", str, str], dict]


def _vnet(seeder: Seeder, rid: str, location: str) -> dict:
    return {"location": location, "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/8"]}}}


def _subnet(seeder: Seeder, rid: str, location: str) -> dict:
    return {"properties": {"addressPrefix": f"10.{seeder.next_octet()}.0.0/24"}}


def _nic(seeder: Seeder, rid: str, location: str) -> dict:
    rg_prefix = rid.split("/providers/")[0]
    subnet = f"{rg_prefix}/providers/Microsoft.Network/virtualNetworks/seedvnet/subnets/default"
    seeder.ensure(subnet, location)
    return {"location": location,
            "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": subnet}}}]}}


def _disk(seeder: Seeder, rid: str, location: str) -> dict:
    return {"location": location, "sku": {"name": "Standard_LRS"},
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 32}}


def _seed_disk(seeder: Seeder, rid: str, location: str) -> str:
    disk = re.split("(?i)/providers/", rid)[0] + "/providers/Microsoft.Compute/disks/seeddisk"
    seeder.ensure(disk, location)
    return disk


def _snapshot(seeder: Seeder, rid: str, location: str) -> dict:
    return {"location": location, "properties": {"creationData": {
        "createOption": "Copy", "sourceResourceId": _seed_disk(seeder, rid, location)}}}


def _image(seeder: Seeder, rid: str, location: str) -> dict:
    return {"location": location, "properties": {"storageProfile": {"osDisk": {
        "osType": "Linux", "osState": "Generalized", "managedDisk": {"id": _seed_disk(seeder, rid, location)}}}}}


LINUX_IMAGE = {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}
WINDOWS_IMAGE = {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter",
                 "version": "latest"}


def _vm(seeder: Seeder, rid: str, location: str) -> dict:
    """A VM; a Windows one when the operation about to act on it is for Windows (a PowerShell run command)."""
    nic = rid.split("/providers/")[0] + f"/providers/Microsoft.Network/networkInterfaces/{rid.rsplit('/', 1)[1]}-nic"
    seeder.ensure(nic, location)
    windows = "powershell" in str(seeder.acting_body).lower() or "windowsconfiguration" in str(seeder.acting_body).lower()
    return {"location": location, "properties": {
        "hardwareProfile": {"vmSize": "Standard_B1s"},
        "storageProfile": {"imageReference": dict(WINDOWS_IMAGE if windows else LINUX_IMAGE),
                           "osDisk": {"createOption": "FromImage"}},
        "osProfile": {"computerName": "seedvm", "adminUsername": "azureuser", "adminPassword": "Seed-Passw0rd-1234"},
        "networkProfile": {"networkInterfaces": [{"id": nic, "properties": {"primary": True}}]}}}


def _restore_point_collection(seeder: Seeder, rid: str, location: str) -> dict:
    vm = rid.split("/providers/")[0] + "/providers/Microsoft.Compute/virtualMachines/seedvm"
    seeder.ensure(vm, location)
    return {"location": location, "properties": {"source": {"id": vm}}}


def _scale_set_instance(seeder: Seeder, rid: str, location: str) -> dict:
    """Scale set instances are made by their scale set: seed the scale set with enough capacity; the instance
    then exists and the (update) body below leaves it as it is."""
    scale_set, instance = rid.rsplit("/", 2)[0], rid.rsplit("/", 1)[1]
    seeder.capacity = int(instance) + 1 if instance.isdigit() else 1
    seeder.ensure(scale_set, location)
    return {"location": location}


SEEDS: dict[str, tuple[str, Factory]] = {
    "microsoft.network/virtualnetworks": ("2024-05-01", _vnet),
    "microsoft.network/virtualnetworks/subnets": ("2024-05-01", _subnet),
    "microsoft.network/networkinterfaces": ("2024-05-01", _nic),
    "microsoft.network/networksecuritygroups": ("2024-05-01", lambda s, r, loc: {"location": loc}),
    "microsoft.network/networksecuritygroups/securityrules": ("2024-05-01", lambda s, r, loc: {"properties": {
        "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Allow",
        "sourcePortRange": "*", "destinationPortRange": "8080", "priority": 100, "direction": "Inbound"}}),
    "microsoft.network/publicipaddresses": ("2024-05-01", lambda s, r, loc: {
        "location": loc, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}),
    "microsoft.network/publicipprefixes": ("2024-05-01", lambda s, r, loc: {
        "location": loc, "sku": {"name": "Standard"}, "properties": {"prefixLength": 30}}),
    "microsoft.network/routetables": ("2024-05-01", lambda s, r, loc: {"location": loc}),
    "microsoft.network/routetables/routes": ("2024-05-01", lambda s, r, loc: {
        "properties": {"addressPrefix": "10.0.3.0/24", "nextHopType": "VirtualNetworkGateway"}}),
    "microsoft.network/natgateways": ("2024-05-01", lambda s, r, loc: {"location": loc, "sku": {"name": "Standard"}}),
    "microsoft.network/applicationsecuritygroups": ("2024-05-01", lambda s, r, loc: {"location": loc}),
    "microsoft.compute/availabilitysets": ("2024-07-01", lambda s, r, loc: {
        "location": loc, "sku": {"name": "Aligned"},
        "properties": {"platformFaultDomainCount": 2, "platformUpdateDomainCount": 5}}),
    "microsoft.compute/proximityplacementgroups": ("2024-07-01", lambda s, r, loc: {"location": loc}),
    "microsoft.compute/sshpublickeys": ("2024-07-01", lambda s, r, loc: {"location": loc}),
    "microsoft.compute/disks": ("2024-03-02", _disk),
    "microsoft.compute/snapshots": ("2024-03-02", _snapshot),
    "microsoft.compute/images": ("2024-07-01", _image),
    "microsoft.compute/virtualmachines": ("2024-07-01", _vm),
    "microsoft.compute/virtualmachines/extensions": ("2024-07-01", lambda s, r, loc: {
        "location": loc, "properties": {"publisher": "Microsoft.Azure.Extensions", "type": "CustomScript",
                                        "typeHandlerVersion": "2.1", "settings": {"commandToExecute": "true"}}}),
    "microsoft.compute/virtualmachines/runcommands": ("2024-07-01", lambda s, r, loc: {
        "location": loc, "properties": {"source": {"script": "echo seeded"}}}),
    "microsoft.compute/virtualmachines/diagnosticruncommands": ("2026-04-01", lambda s, r, loc: {
        "location": loc, "properties": {"source": {"commandId": "FleetDiagnosticsWindows"}}}),
    "microsoft.compute/galleries": ("2024-03-03", lambda s, r, loc: {"location": loc}),
    "microsoft.compute/galleries/images": ("2024-03-03", lambda s, r, loc: {"location": loc, "properties": {
        "osType": "Windows", "osState": "Generalized", "hyperVGeneration": "V1",
        "identifier": {"publisher": "seed", "offer": "seed", "sku": "seed"},
        "features": [{"name": "SecurityType", "value": "TrustedLaunchSupported"}]}}),
    "microsoft.compute/galleries/images/versions": ("2024-03-03", lambda s, r, loc: {"location": loc, "properties": {
        "storageProfile": {"source": {"id": _seed_disk(s, r, loc)}}}}),
    "microsoft.compute/virtualmachinescalesets": ("2024-07-01", lambda s, r, loc: {
        "location": loc, "sku": {"name": "Standard_B1s", "capacity": s.capacity}, "properties": {"virtualMachineProfile": {
            "osProfile": {"computerNamePrefix": "seed", "adminUsername": "azureuser"}}}}),
    "microsoft.compute/virtualmachinescalesets/virtualmachines": ("2024-07-01", _scale_set_instance),
    "microsoft.compute/virtualmachinescalesets/virtualmachines/runcommands": ("2024-07-01", lambda s, r, loc: {
        "location": loc, "properties": {"source": {"script": "echo seeded"}}}),
    "microsoft.compute/capacityreservationgroups": ("2024-07-01", lambda s, r, loc: {"location": loc}),
    "microsoft.compute/capacityreservationgroups/capacityreservations": ("2024-07-01", lambda s, r, loc: {
        "location": loc, "sku": {"name": "Standard_DS1_v2", "capacity": 1}}),
    "microsoft.compute/hostgroups": ("2024-07-01", lambda s, r, loc: {
        "location": loc, "properties": {"platformFaultDomainCount": 1}}),
    "microsoft.compute/hostgroups/hosts": ("2024-07-01", lambda s, r, loc: {
        "location": loc, "sku": {"name": "DSv3-Type1"}}),
    "microsoft.compute/interconnectblocks": ("2026-04-01", lambda s, r, loc: {
        "location": loc, "sku": {"name": "Standard_ND96isr_H100_v5", "capacity": 1}}),
    "microsoft.compute/diskaccesses": ("2024-03-02", lambda s, r, loc: {"location": loc}),
    "microsoft.compute/diskencryptionsets": ("2024-03-02", lambda s, r, loc: {
        "location": loc, "identity": {"type": "SystemAssigned"},
        "properties": {"activeKey": {"keyUrl": "https://seedvault.vault.azure.net/keys/seedkey/0123456789abcdef"}}}),
    "microsoft.compute/restorepointcollections": ("2024-07-01", _restore_point_collection),
    "microsoft.compute/restorepointcollections/restorepoints": ("2024-07-01", lambda s, r, loc: {}),
}


# Resources Azure creates itself, naming them (a disk restore point is "<disk name>_<guid>"): an example
# that reads one names Azure's resource, which no set-up can create under that name. The harness creates
# the parent and reads the first such child the emulator made instead (rule "platform-named-children").
PLATFORM_NAMED = {"microsoft.compute/restorepointcollections/restorepoints/diskrestorepoints": "2024-03-02"}

# properties (paths under "properties") Azure refuses to change after creation (or, for a VM's network
# interfaces, while it runs), per seeded type
IMMUTABLE = {"microsoft.compute/virtualmachines/extensions": ("publisher", "type"),
             "microsoft.compute/virtualmachines": ("storageProfile.imageReference", "storageProfile.osDisk.name",
                                                   "osProfile.computerName", "osProfile.adminUsername",
                                                   "networkProfile.networkInterfaces")}


def resource_type(rid: str) -> str | None:
    """'/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s'
    -> 'microsoft.network/virtualnetworks/subnets' (None when rid is not a resource-group resource)."""
    match = ID.match(rid)
    if not match:
        return None
    parts = match.group(4).split("/")
    if len(parts) % 2:
        return None
    return "/".join([match.group(3)] + parts[0::2]).lower()


def parent(rid: str) -> str | None:
    match = ID.match(rid)
    if not match or len(match.group(4).split("/")) <= 2:
        return None
    return rid.rsplit("/", 2)[0]


class Seeder:
    """Creates resources an example refers to, once each, through `send` (the harness's client).

    `send(method, path, api_version, body)` returns (status, headers, body, final_status)."""

    def __init__(self, send: Callable[..., tuple[int, dict, Any, str | None]]):
        self.send = send
        self.done: set[str] = set()
        self.failures: dict[str, str] = {}     # resource id -> "type: status code"
        self.acting_body: Any = None           # the body of the operation the seeds are made for
        self.capacity = 1                      # instances of a seeded scale set
        self._octet = 0

    def next_octet(self) -> int:
        self._octet += 1
        return self._octet

    def ensure(self, rid: str, location: str, like: Any = None, documented: Any = None) -> bool:
        """Create rid unless it exists. `like`, the body of the operation about to act on rid, gives
        the properties Azure never lets change afterwards (IMMUTABLE), so the operation is not
        refused for changing what the seed chose. `documented`, the resource as the example documents
        it (its 200 answer to a GET), is tried first as the body: the harness then reads the resource
        the example describes (its zones, sku, ...); when the emulator refuses it, the minimal seed is used."""
        key = rid.lower()
        if key in self.done:
            return True
        if key in self.failures:
            return False
        kind = resource_type(rid)
        if kind is None or kind not in SEEDS:
            return True                        # not ours to create (another subscription, a catalogue id ...)
        up = parent(rid)
        if up and not self.ensure(up, location):
            self.failures[key] = self.failures[up.lower()]
            return False
        api_version, factory = SEEDS[kind]
        status, _, body, final = self.send("GET", rid, api_version, None)
        if status == 200:
            self.done.add(key)
            return True
        if isinstance(documented, dict) and documented.get("id") and "value" not in documented:
            body = {k: v for k, v in documented.items() if k not in ("id", "name", "type", "etag", "systemData")}
            body["location"] = location
            status, _, _, final = self.send("PUT", rid, api_version, body)
            if status < 300 and final in (None, "Succeeded"):
                self.done.add(key)
                return True
        seed = factory(self, rid, location)
        wanted = like.get("properties") if isinstance(like, dict) else None
        for path in IMMUTABLE.get(kind, ()):
            value, target = wanted, seed["properties"]
            *parents, last = path.split(".")
            for key in parents:
                value = value.get(key) if isinstance(value, dict) else None
                target = target.setdefault(key, {})
            if isinstance(value, dict) and value.get(last) is not None:
                target[last] = value[last]
                subscription = rid.split("/")[2]
                for reference in self.references(value[last], subscription):  # e.g. the NICs a VM keeps
                    if reference.lower() != key:
                        self.ensure(reference, location)
        status, _, body, final = self.send("PUT", rid, api_version, seed)
        if status >= 300 or final not in (None, "Succeeded"):
            code = (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None
            self.failures[key] = f"{kind}: {status} {code or final or ''}".strip()
            return False
        self.done.add(key)
        return True

    def platform_named(self, path: str, target: str, location: str) -> tuple[str, str]:
        """``path`` and ``target`` with the example's name of a platform-named child replaced by the name of the
        first such child the emulator made under the (seeded) parent; unchanged when there is none."""
        up = parent(target)
        if not up or not self.ensure(up, location):
            return path, target
        collection = target.rsplit("/", 1)[0]
        status, _, body, _ = self.send("GET", collection, PLATFORM_NAMED[resource_type(target) or ""], None)
        items = (body or {}).get("value") if status == 200 and isinstance(body, dict) else None
        if not items:
            return path, target
        name = items[0]["name"]
        self.failures.pop(target.lower(), None)
        return path.replace(target, f"{collection}/{name}"), f"{collection}/{name}"

    def references(self, value: Any, subscription: str) -> list[str]:
        """Resource ids of this subscription that a request body refers to."""
        found: list[str] = []
        if isinstance(value, dict):
            for item in value.values():
                found += self.references(item, subscription)
        elif isinstance(value, list):
            for item in value:
                found += self.references(item, subscription)
        elif isinstance(value, str) and value.lower().startswith(f"/subscriptions/{subscription}/resourcegroups/"):
            found.append(value)
        return found
