"""Microsoft.Compute: virtual machines, managed disks, VM sizes and the marketplace image catalogue.

A VM's ARM view lives here; what stands behind it (nothing, or a container) is the VM backend
(``vm_backends``), called when operations complete. Power state is kept in the VM's private data;
while a power operation runs, the instance view shows the transitional state (starting, stopping,
deallocating). OS and data disks are created as Microsoft.Compute/disks resources when the VM's
create/update completes, and removed or detached with the VM according to their deleteOption.
"""

import base64
import binascii
import gzip
import hashlib
import json
import re
import struct
import uuid
import zlib

from .. import compute_catalog as catalog
from .. import locations, lro
from ..arm import REGISTRY, Provider, ResourceId, ResourceType, resource_group_id, utcnow
from ..vm_backends import backend
from ..web import ArmError, Response

PROVIDER = Provider("Microsoft.Compute")
VM_VERSIONS = ("2026-04-01", "2025-11-01", "2025-04-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-09-01",
               "2023-07-01", "2023-03-01", "2022-11-01", "2022-08-01", "2022-03-01", "2021-11-01", "2021-07-01",
               "2021-04-01", "2021-03-01", "2020-12-01", "2020-06-01", "2019-12-01", "2019-07-01", "2019-03-01")
DISK_VERSIONS = ("2026-03-02", "2025-01-02", "2024-03-02", "2023-10-02", "2023-04-02", "2023-01-02", "2022-07-02",
                 "2022-03-02", "2021-12-01", "2021-08-01", "2021-04-01", "2020-12-01", "2020-09-30", "2020-06-30",
                 "2019-07-01")
SUB = "/subscriptions/{subscription}"
VM_PATH = SUB + "/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}"
LOCATION_PATH = SUB + "/providers/Microsoft.Compute/locations/{location}"
IMAGE_PATH = LOCATION_PATH + "/publishers/{publisher}/artifacttypes/vmimage/offers/{offer}/skus/{sku}"
STORAGE_TYPES = ("Standard_LRS", "Premium_LRS", "StandardSSD_LRS", "UltraSSD_LRS", "Premium_ZRS", "StandardSSD_ZRS",
                 "PremiumV2_LRS")
RESERVED_USERS = {"administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "1", "123",
                  "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john", "owner",
                  "root", "server", "sql", "support", "support_388945a0", "sys", "test2", "test3", "user4", "user5"}
VM_NAME_BAD = re.compile(r"[\\/\"'\[\]:|<>+=;,?*@&\s]")
HOST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$")
USER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
KEY_TYPES = ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
POWER_ACTIONS = {"start": "starting", "poweroff": "stopping", "deallocate": "deallocating", "restart": "starting"}
POWER_AFTER = {"start": "running", "poweroff": "stopped", "deallocate": "deallocated", "restart": "running"}
POWER_DISPLAY = {"running": "VM running", "stopped": "VM stopped", "deallocated": "VM deallocated",
                 "starting": "VM starting", "stopping": "VM stopping", "deallocating": "VM deallocating"}


def invalid(message, target, code="InvalidParameter", status=400):
    return ArmError(status, code, message, target=target)


def canonical(value, allowed, message, target):
    for option in allowed:
        if isinstance(value, str) and value.lower() == option.lower():
            return option
    raise invalid(message, target)


def image_id(ctx, location, publisher, offer=None, sku=None, version=None):
    path = (f"/Subscriptions/{ctx.subscription}/Providers/Microsoft.Compute/Locations/{location}/Publishers/"
            f"{publisher}")
    for part, value in (("ArtifactTypes/VMImage/Offers", offer), ("Skus", sku), ("Versions", version)):
        if value is None:
            break
        path += f"/{part}/{value}"
    return path


def disk_tier(storage, size_gb):
    """(tier, IOPS, MBps) of a managed disk, as Azure reports them."""
    if storage.startswith("Premium"):
        for limit, tier, iops, mbps in ((4, "P1", 120, 25), (8, "P2", 120, 25), (16, "P3", 120, 25),
                                        (32, "P4", 120, 25), (64, "P6", 240, 50), (128, "P10", 500, 100),
                                        (256, "P15", 1100, 125), (512, "P20", 2300, 150), (1024, "P30", 5000, 200),
                                        (2048, "P40", 7500, 250), (4096, "P50", 7500, 250)):
            if size_gb <= limit:
                return tier, iops, mbps
        return "P80", 20000, 900
    return None, 500, 60


def check_ssh_key(key):
    """True when ``key`` is an OpenSSH public key Azure accepts (RSA keys need at least 2048 bits)."""
    parts = key.split() if isinstance(key, str) else []
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return False
    try:
        blob = base64.b64decode(parts[1], validate=True)
        fields, offset = [], 0
        while offset < len(blob) and len(fields) < 3:
            (length,) = struct.unpack(">I", blob[offset:offset + 4])
            fields.append(blob[offset + 4:offset + 4 + length])
            offset += 4 + length
    except (binascii.Error, struct.error, ValueError):
        return False
    if not fields or fields[0].decode("ascii", "replace") != parts[0]:
        return False
    if parts[0] == "ssh-rsa":
        return len(fields) == 3 and int.from_bytes(fields[2], "big").bit_length() >= 2047
    return True


def merge_patch(base, patch):
    """JSON merge patch (RFC 7396); ``tags`` and lists are replaced as a whole."""
    result = dict(base)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict) and key != "tags":
            result[key] = merge_patch(result[key], value)
        else:
            result[key] = value
    return result


def group_rid(ctx, subscription, rg, types, names):
    group = ctx.store.resource(resource_group_id(subscription, rg))
    return ResourceId(subscription, rg, group["body"]["name"] if group else rg, PROVIDER.namespace, types, names)


# virtual machines ---------------------------------------------------------------------------
@PROVIDER.resource_type
class VirtualMachines(ResourceType):
    name = "virtualMachines"
    api_versions = VM_VERSIONS
    async_put = async_delete = True
    operation_kinds = ("operations", "operations?monitor=true")
    actions = ("start", "powerOff", "deallocate", "restart")
    removal_rank = 10

    # validation -----------------------------------------------------------------------------
    def build(self, ctx, rid, body, existing):
        if len(rid.name) > 64 or VM_NAME_BAD.search(rid.name) or rid.name.startswith("_") or \
                rid.name.endswith((".", "-")):
            raise invalid(f"The virtual machine name '{rid.name}' is invalid. It can be up to 64 characters long, "
                          "cannot contain \\/\"'[]:|<>+=;,?*@& or whitespace, cannot start with '_' and cannot end "
                          "with '.' or '-'.", "vmName")
        props = body.get("properties") or {}
        old_body = existing["body"] if existing else {}
        old = old_body.get("properties", {})
        internal = dict(existing["internal"]) if existing else {"power": "running"}
        location = body["location"]

        size_name = (props.get("hardwareProfile") or {}).get("vmSize") or \
            old.get("hardwareProfile", {}).get("vmSize")
        size_name, figures = catalog.size(size_name)
        if size_name is None:
            given = (props.get("hardwareProfile") or {}).get("vmSize")
            raise invalid(f"The value {given} provided for the VM size is not valid. The valid sizes in the current "
                          f"region are: {', '.join(sorted(catalog.SIZES))}. Find out more on the available VM sizes "
                          "in each region at https://aka.ms/azure-regions.", "vmSize")

        storage = props.get("storageProfile") or {}
        image, image_entry = self.image(ctx, storage.get("imageReference") or old.get("storageProfile", {}).get(
            "imageReference"), old.get("storageProfile", {}).get("imageReference"), location)
        generation, architecture = image_entry[0], image_entry[1]
        if generation not in figures[5] or (architecture == "Arm64") != (size_name in catalog.ARM64_SIZES):
            what = f"Hypervisor Generation '{generation[1:]}'" if generation not in figures[5] else \
                f"Architecture '{architecture}'"
            raise ArmError(400, "BadRequest", f"The selected VM size '{size_name}' cannot boot {what}. If this was a "
                           "Create operation please check that the Hypervisor Generation and Architecture of the "
                           "Image match those of the selected VM Size. For more information, see "
                           "https://aka.ms/azuregen2vm")

        os_profile, internal = self.os_profile(rid, props.get("osProfile"), old.get("osProfile"), internal, existing)
        os_disk = self.os_disk(ctx, rid, storage.get("osDisk"), old.get("storageProfile", {}).get("osDisk"),
                               image_entry, figures, existing)
        data_disks = self.data_disks(ctx, rid, storage.get("dataDisks"), old.get("storageProfile", {}),
                                     figures, size_name, "dataDisks" not in storage and existing is not None)
        network = self.network_profile(ctx, rid, props.get("networkProfile") or old.get("networkProfile"),
                                       old.get("networkProfile"), location, internal)
        properties = {"hardwareProfile": {"vmSize": size_name},
                      "provisioningState": None,
                      "vmId": old.get("vmId") or str(uuid.uuid4()),
                      "storageProfile": {"imageReference": image, "osDisk": os_disk, "dataDisks": data_disks,
                                         "diskControllerType": "SCSI"},
                      "osProfile": os_profile, "networkProfile": network,
                      "timeCreated": old.get("timeCreated") or utcnow()}
        self.priority(props, old, properties)
        for key in ("diagnosticsProfile", "securityProfile", "additionalCapabilities", "licenseType",
                    "availabilitySet", "proximityPlacementGroup", "scheduledEventsProfile", "applicationProfile"):
            value = props.get(key, old.get(key))
            if value is not None:
                properties[key] = value
        if "userData" in props:
            internal["userData"] = self.base64_field(props["userData"], "userData", 87380)
        doc = {"properties": properties, "_internal": internal}
        identity = self.identity(ctx, body.get("identity", old_body.get("identity")), old_body.get("identity"))
        if identity:
            doc["identity"] = identity
        zones = body.get("zones", old_body.get("zones"))
        if existing and sorted(zones or []) != sorted(old_body.get("zones") or []):
            raise invalid("Changing property 'zones' is not allowed.", "zones", "PropertyChangeNotAllowed")
        if zones:
            if not isinstance(zones, list) or len(zones) != 1 or str(zones[0]) not in ("1", "2", "3"):
                raise invalid(f"The zones '{zones}' are not valid: give one of '1', '2', '3'.", "zones")
            doc["zones"] = [str(zones[0])]
        if body.get("plan"):
            doc["plan"] = body["plan"]
        doc["etag"] = '"%d"' % (int(str(old_body.get("etag") or '"0"').strip('"') or 0) + 1)
        return doc

    def image(self, ctx, reference, old_reference, location):
        """The imageReference to store and its catalogue entry; PlatformImageNotFound when unknown."""
        reference = reference or {}
        if reference.get("id") or reference.get("sharedGalleryImageId") or reference.get("communityGalleryImageId"):
            given = reference.get("id") or reference.get("sharedGalleryImageId") or reference["communityGalleryImageId"]
            raise ArmError(404, "NotFound", f"The Image '{given}' cannot be found in '{location}' region.",
                           target="imageReference")
        missing = [k for k in ("publisher", "offer", "sku") if not reference.get(k)]
        if missing:
            raise invalid(f"Required parameter 'imageReference.{missing[0]}' is missing (null).",
                          f"imageReference.{missing[0]}")
        version = reference.get("version") or "latest"
        found = catalog.resolve(reference["publisher"], reference["offer"], reference["sku"], version)
        if found is None:
            raise ArmError(404, "PlatformImageNotFound", f"The platform image '{reference['publisher']}:"
                           f"{reference['offer']}:{reference['sku']}:{version}' is not available. Verify that all "
                           "fields in the storage profile are correct. For more details about storage profile "
                           "information, please refer to https://aka.ms/storageprofile", target="imageReference")
        (publisher, offer, sku), entry, exact = found
        result = {"publisher": publisher, "offer": offer, "sku": sku, "version": version, "exactVersion": exact}
        if old_reference:
            before = [str(old_reference.get(k, "")).lower() for k in ("publisher", "offer", "sku")]
            if before != [publisher.lower(), offer.lower(), sku.lower()] or \
                    old_reference.get("version", "").lower() != version.lower():
                raise invalid("Changing property 'imageReference' is not allowed.", "imageReference",
                              "PropertyChangeNotAllowed")
            result["exactVersion"] = old_reference.get("exactVersion", exact)
        return result, entry

    @staticmethod
    def base64_field(value, target, limit):
        try:
            if not isinstance(value, str) or len(value) > limit:
                raise ValueError
            base64.b64decode(value, validate=True)
        except (ValueError, binascii.Error):
            raise invalid(f"{target[0].upper()}{target[1:]} must be in Base64 encoding and with a maximum length of "
                          f"{limit} characters.", target) from None
        return value

    def os_profile(self, rid, given, old, internal, existing):
        if given is None and old is not None:
            return old, internal
        if given is None:
            raise invalid("Required parameter 'osProfile' is missing (null).", "osProfile")
        if given.get("windowsConfiguration"):
            raise invalid("The emulator's images are Linux images: windowsConfiguration is not allowed.",
                          "windowsConfiguration")
        user = given.get("adminUsername")
        if not user:
            raise invalid("Required parameter 'adminUsername' is missing (null).", "adminUsername")
        if user.lower() in RESERVED_USERS:
            raise invalid("The Admin Username specified is not allowed.", "adminUsername")
        if not USER_NAME.match(user) or user.endswith("."):
            raise invalid(f"Admin username '{user}' is invalid. It can contain letters, digits, '_', '.' and '-', must "
                          "start with a letter or '_', may not end with '.', and is at most 64 characters long.",
                          "adminUsername")
        computer = given.get("computerName") or (old or {}).get("computerName") or rid.name
        if len(computer) > 64 or not HOST_NAME.match(computer) or computer.isdigit():
            raise invalid("Linux host name cannot exceed 64 characters in length or contain the following characters: "
                          "` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : ' \" , < > / ?.", "computerName")
        if existing and old:
            for key, value in (("adminUsername", user), ("computerName", computer)):
                if old.get(key) != value:
                    raise invalid(f"Changing property 'osProfile.{key}' is not allowed.", f"osProfile.{key}",
                                  "PropertyChangeNotAllowed")
        linux = given.get("linuxConfiguration") or {}
        disable = linux.get("disablePasswordAuthentication", not given.get("adminPassword"))
        keys = []
        for index, key in enumerate((linux.get("ssh") or {}).get("publicKeys") or []):
            path = key.get("path") or f"/home/{user}/.ssh/authorized_keys"
            if path != f"/home/{user}/.ssh/authorized_keys":
                raise invalid(f"Destination path for SSH public keys is currently limited to its default value "
                              f"/home/{user}/.ssh/authorized_keys  due to a known issue in Linux provisioning agent.",
                              "linuxConfiguration.ssh.publicKeys.path")
            if not check_ssh_key(key.get("keyData")):
                raise invalid("The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid.",
                              "linuxConfiguration.ssh.publicKeys.keyData")
            keys.append({"path": path, "keyData": key["keyData"]})
        if disable and not keys:
            raise invalid("Authentication using either SSH or by user name and password must be enabled in Linux "
                          "profile.", "linuxConfiguration")
        if not disable and not given.get("adminPassword") and not internal.get("hasPassword"):
            raise invalid("Required parameter 'adminPassword' is missing (null).", "adminPassword")
        internal = dict(internal)
        if given.get("adminPassword"):
            internal["hasPassword"] = True
        if "customData" in given and given["customData"] is not None:
            data = self.base64_field(given["customData"], "customData", 87380)
            if existing and internal.get("customData") != data:
                raise invalid("Changing property 'customData' is not allowed.", "customData",
                              "PropertyChangeNotAllowed")
            internal["customData"] = data
        profile = {"computerName": computer, "adminUsername": user,
                   "linuxConfiguration": {"disablePasswordAuthentication": bool(disable),
                                          "ssh": {"publicKeys": keys},
                                          "provisionVMAgent": linux.get("provisionVMAgent", True),
                                          "patchSettings": linux.get("patchSettings") or
                                          {"patchMode": "ImageDefault", "assessmentMode": "ImageDefault"},
                                          "enableVMAgentPlatformUpdates": False},
                   "secrets": [], "allowExtensionOperations": given.get("allowExtensionOperations", True),
                   "requireGuestProvisionSignal": True}
        return profile, internal

    def managed_disk(self, ctx, rid, given, default_storage, figures, target):
        storage = (given or {}).get("storageAccountType") or default_storage
        storage = canonical(storage, STORAGE_TYPES, f"The storage account type '{storage}' is not valid. Allowed: "
                            f"{', '.join(STORAGE_TYPES)}.", f"{target}.managedDisk.storageAccountType")
        if storage.startswith(("Premium", "UltraSSD")) and not figures[4]:
            raise invalid(f"The VM size does not support the storage account type {storage}. Consider a VM size "
                          "that supports Premium storage.", f"{target}.managedDisk.storageAccountType")
        return storage

    def disk_id(self, rid, name):
        return f"{resource_group_id(rid.id.split('/')[2], rid.rg)}/providers/Microsoft.Compute/disks/{name}"

    def os_disk(self, ctx, rid, given, old, image_entry, figures, existing):
        given = given or {}
        if old:
            if given.get("name") and given["name"] != old["name"]:
                raise invalid("Changing property 'osDisk.name' is not allowed.", "osDisk.name",
                              "PropertyChangeNotAllowed")
            size = given.get("diskSizeGB", old["diskSizeGB"])
            if not isinstance(size, int) or size < old["diskSizeGB"]:
                raise invalid(f"Disk size {size} GB is smaller than the current size {old['diskSizeGB']} GB of "
                              f"disk '{old['name']}'. Disks can only be expanded.", "osDisk.diskSizeGB",
                              "OperationNotAllowed")
            result = dict(old, diskSizeGB=size)
            if given.get("deleteOption"):
                result["deleteOption"] = canonical(given["deleteOption"], ("Delete", "Detach"), "deleteOption must be "
                                                   "Delete or Detach.", "osDisk.deleteOption")
            return result
        option = given.get("createOption") or "FromImage"
        if option.lower() != "fromimage":
            raise invalid(f"The emulator creates OS disks from images only; createOption '{option}' is not "
                          "supported.", "osDisk.createOption")
        name = given.get("name") or f"{rid.name}_OsDisk_1_{uuid.uuid4().hex}"
        if ctx.store.resource(self.disk_id(rid, name)):
            raise invalid(f"Disk '{name}' already exists in resource group '{rid.rg.upper()}'. Only CreateOption."
                          "Attach is supported.", "/disks/" + name, "ConflictingUserInput")
        image_size = image_entry[2]
        size = given.get("diskSizeGB", image_size)
        if not isinstance(size, int) or size < image_size:
            raise invalid(f"The specified disk size {size} GB is smaller than the size of the corresponding disk in "
                          f"the VM image: {image_size} GB. This is not allowed. Please choose equal or greater size or "
                          "do not specify an explicit size.", "osDisk.diskSizeGB")
        if size > 4095:
            raise invalid(f"The specified disk size {size} GB is larger than the 4095 GB maximum of an OS disk.",
                          "osDisk.diskSizeGB")
        storage = self.managed_disk(ctx, rid, given.get("managedDisk"), "Premium_LRS" if figures[4] else
                                    "Standard_LRS", figures, "osDisk")
        return {"osType": "Linux", "name": name, "createOption": "FromImage",
                "caching": canonical(given.get("caching") or "ReadWrite", ("None", "ReadOnly", "ReadWrite"),
                                     "caching must be None, ReadOnly or ReadWrite.", "osDisk.caching"),
                "managedDisk": {"storageAccountType": storage, "id": self.disk_id(rid, name)},
                "deleteOption": canonical(given.get("deleteOption") or "Detach", ("Delete", "Detach"),
                                          "deleteOption must be Delete or Detach.", "osDisk.deleteOption"),
                "diskSizeGB": size}

    def data_disks(self, ctx, rid, given, old_storage, figures, size_name, keep):
        old = {d["lun"]: d for d in old_storage.get("dataDisks", [])}
        if keep:
            given = list(old.values())
        given = given or []
        if len(given) > figures[3]:
            raise invalid(f"The maximum number of data disks allowed to be attached to a VM of this size is "
                          f"{figures[3]}.", "dataDisks", "OperationNotAllowed", 409)
        result, luns = [], set()
        for disk in given:
            lun = disk.get("lun")
            if not isinstance(lun, int) or not 0 <= lun <= 63:
                raise invalid(f"The LUN '{lun}' of a data disk is not valid: it must be between 0 and 63.",
                              "dataDisks.lun")
            if lun in luns:
                raise invalid(f"A disk at LUN {lun} already exists.", "dataDisks")
            luns.add(lun)
            previous = old.get(lun)
            option = canonical(disk.get("createOption") or "Empty", ("Empty", "Attach", "FromImage"),
                               f"createOption '{disk.get('createOption')}' of the data disk at LUN {lun} is not "
                               "supported.", "dataDisks.createOption")
            if previous and (not disk.get("name") or disk.get("name") == previous["name"]):
                size = disk.get("diskSizeGB", previous["diskSizeGB"])
                if not isinstance(size, int) or size < previous["diskSizeGB"]:
                    raise invalid(f"Disk size {size} GB is smaller than the current size {previous['diskSizeGB']} GB "
                                  f"of disk '{previous['name']}'. Disks can only be expanded.", "dataDisks.diskSizeGB",
                                  "OperationNotAllowed")
                entry = dict(previous, diskSizeGB=size)
                if disk.get("deleteOption"):
                    entry["deleteOption"] = canonical(disk["deleteOption"], ("Delete", "Detach"),
                                                      "deleteOption must be Delete or Detach.", "dataDisks.deleteOption")
                result.append(entry)
                continue
            if option == "Attach":
                target = ctx.store.resource((disk.get("managedDisk") or {}).get("id") or "")
                if target is None or target["type"] != "microsoft.compute/disks":
                    raise ArmError(404, "NotFound", f"Disk '{(disk.get('managedDisk') or {}).get('id')}' was not "
                                   "found.", target="dataDisks.managedDisk.id")
                if target["body"].get("managedBy") and target["body"]["managedBy"].lower() != rid.id.lower():
                    raise ArmError(409, "OperationNotAllowed", f"Disk {target['body']['name']} is attached to VM "
                                   f"{target['body']['managedBy']}.", target="dataDisks")
                name, size = target["body"]["name"], target["body"]["properties"]["diskSizeGB"]
                storage, disk_id = target["body"]["sku"]["name"], target["id"]
            elif option == "Empty":
                size = disk.get("diskSizeGB")
                if not isinstance(size, int) or not 1 <= size <= 32767:
                    raise invalid(f"Required parameter 'dataDisk.diskSizeGB' is missing or not valid for the data "
                                  f"disk at LUN {lun}: give a size between 1 and 32767 GB.", "dataDisk.diskSizeGB")
                name = disk.get("name") or f"{rid.name}_disk{lun + 2}_{uuid.uuid4().hex}"
                existing_disk = ctx.store.resource(self.disk_id(rid, name))
                if existing_disk and (existing_disk["body"].get("managedBy") or "").lower() != rid.id.lower():
                    raise invalid(f"Disk '{name}' already exists in resource group '{rid.rg.upper()}'. Only "
                                  "CreateOption.Attach is supported.", "/disks/" + name, "ConflictingUserInput")
                storage = self.managed_disk(ctx, rid, disk.get("managedDisk"), "Premium_LRS" if figures[4] else
                                            "Standard_LRS", figures, "dataDisks")
                disk_id = self.disk_id(rid, name)
            else:
                raise invalid("The emulator's images have no data disk images: createOption FromImage is not "
                              "supported for data disks.", "dataDisks.createOption")
            result.append({"lun": lun, "name": name, "createOption": option,
                           "caching": canonical(disk.get("caching") or "None", ("None", "ReadOnly", "ReadWrite"),
                                                "caching must be None, ReadOnly or ReadWrite.", "dataDisks.caching"),
                           "writeAcceleratorEnabled": bool(disk.get("writeAcceleratorEnabled")),
                           "managedDisk": {"storageAccountType": storage, "id": disk_id},
                           "deleteOption": canonical(disk.get("deleteOption") or "Detach", ("Delete", "Detach"),
                                                     "deleteOption must be Delete or Detach.",
                                                     "dataDisks.deleteOption"),
                           "diskSizeGB": size, "toBeDetached": False})
        return sorted(result, key=lambda d: d["lun"])

    def network_profile(self, ctx, rid, given, old, location, internal):
        references = (given or {}).get("networkInterfaces") or []
        if (given or {}).get("networkInterfaceConfigurations"):
            raise invalid("The emulator supports networkProfile.networkInterfaces (existing NICs) only.",
                          "networkProfile.networkInterfaceConfigurations")
        if not references:
            raise invalid("Required parameter 'networkProfile' is missing (null).", "networkProfile")
        result = []
        for reference in references:
            nic = ctx.store.resource(reference.get("id") or "")
            if nic is None or nic["type"] != "microsoft.network/networkinterfaces":
                raise ArmError(404, "NotFound", f"Resource {reference.get('id')} not found.",
                               target="networkProfile.networkInterfaces.id")
            if nic["body"]["location"] != location:
                raise invalid(f"The network interface {nic['id']} is in location '{nic['body']['location']}'; the "
                              f"virtual machine is in '{location}'. They must be in the same location.",
                              "networkProfile.networkInterfaces.id")
            for vm in ctx.store.resources(f"/subscriptions/{rid.id.split('/')[2]}/", [self.full_type]):
                if vm["id"].lower() != rid.id.lower() and any(
                        (r.get("id") or "").lower() == nic["id"].lower()
                        for r in vm["body"]["properties"]["networkProfile"]["networkInterfaces"]):
                    raise ArmError(400, "NicInUse", f"Network Interface {nic['id']} is used by existing VM "
                                   f"{vm['id']}.", target="networkProfile.networkInterfaces.id")
            props = reference.get("properties") or {}
            entry = {"id": nic["id"], "properties": {}}
            if len(references) > 1 or "primary" in props:
                entry["properties"]["primary"] = bool(props.get("primary", len(references) == 1))
            entry["properties"]["deleteOption"] = canonical(props.get("deleteOption") or "Detach",
                                                            ("Delete", "Detach"), "deleteOption must be Delete or "
                                                            "Detach.", "networkProfile.networkInterfaces.deleteOption")
            result.append(entry)
        if len(result) > 1 and sum(1 for r in result if r["properties"].get("primary")) != 1:
            raise invalid(f"Virtual machine {rid.name} must have one network interface set as the primary.",
                          "networkProfile")
        if old is not None and internal.get("power") != "deallocated":
            before = sorted(r["id"].lower() for r in old.get("networkInterfaces", []))
            if before != sorted(r["id"].lower() for r in result):
                raise ArmError(409, "OperationNotAllowed", "Network interfaces can only be added to or removed from "
                               f"virtual machine '{rid.name}' when it is deallocated.", target="networkProfile")
        return {"networkInterfaces": result}

    def priority(self, props, old, properties):
        priority = canonical(props.get("priority", old.get("priority")) or "Regular", ("Regular", "Low", "Spot"),
                             "priority must be Regular, Low or Spot.", "priority")
        if old and priority != old.get("priority", "Regular"):
            raise invalid("Changing property 'priority' is not allowed.", "priority", "PropertyChangeNotAllowed")
        properties["priority"] = priority
        eviction = props.get("evictionPolicy", old.get("evictionPolicy"))
        price = (props.get("billingProfile") or old.get("billingProfile") or {}).get("maxPrice")
        if priority == "Regular":
            if eviction:
                raise invalid("Eviction policy can be set only on Azure Spot virtual machines.", "evictionPolicy")
            if price is not None:
                raise invalid("Max price can be set only on Azure Spot virtual machines.", "billingProfile")
            return
        properties["evictionPolicy"] = canonical(eviction or "Deallocate", ("Deallocate", "Delete"),
                                                 "evictionPolicy must be Deallocate or Delete.", "evictionPolicy")
        if price is not None:
            if not isinstance(price, (int, float)) or (price != -1 and price <= 0):
                raise invalid(f"The max price {price} is not valid: give -1 (pay up to the on-demand price) or a "
                              "positive price in US dollars.", "billingProfile.maxPrice")
            properties["billingProfile"] = {"maxPrice": price}

    def identity(self, ctx, given, old):
        if not given:
            return None
        kinds = {part.strip().lower() for part in str(given.get("type") or "None").split(",")}
        if not kinds <= {"systemassigned", "userassigned", "none"}:
            raise invalid(f"The identity type '{given.get('type')}' is not valid: use SystemAssigned, UserAssigned, "
                          "'SystemAssigned, UserAssigned' or None.", "identity.type")
        if kinds == {"none"}:
            return None
        old = old or {}
        result = {"type": ", ".join(k for k, n in (("SystemAssigned", "systemassigned"),
                                                   ("UserAssigned", "userassigned")) if n in kinds)}
        if "systemassigned" in kinds:
            result["principalId"] = old.get("principalId") or str(uuid.uuid4())
            result["tenantId"] = ctx.app.identity["tenant_id"]
        users = given.get("userAssignedIdentities") or {}
        if "userassigned" in kinds:
            if not users:
                raise invalid("The identity type UserAssigned needs at least one identity in "
                              "'userAssignedIdentities'.", "identity.userAssignedIdentities")
            result["userAssignedIdentities"] = {}
            for identity_id in users:
                record = ctx.store.resource(identity_id)
                if record is None or record["type"] != "microsoft.managedidentity/userassignedidentities":
                    raise ArmError(400, "FailedIdentityOperation", f"Identity (principal) '{identity_id}' was not "
                                   "found: the user-assigned identity does not exist.",
                                   target="identity.userAssignedIdentities")
                result["userAssignedIdentities"][record["id"]] = {
                    "principalId": record["body"]["properties"]["principalId"],
                    "clientId": record["body"]["properties"]["clientId"]}
        elif users:
            raise invalid("userAssignedIdentities can be given only with the identity type UserAssigned.",
                          "identity.userAssignedIdentities")
        return result

    # ARM handlers -------------------------------------------------------------------------------
    def patch(self, ctx, rid):
        existing = self.get_existing(ctx, rid)
        body = merge_patch({k: v for k, v in existing["body"].items() if k not in ("id", "name", "type")},
                           {k: v for k, v in ctx.request.json().items() if k not in ("id", "name", "type", "location")})
        response = self.put(ctx, rid, body)
        response.status = 200
        return response

    def render(self, ctx, resource):
        body = dict(resource["body"])
        query = ctx.request.query if ctx.request else {}
        expand = {e.strip().lower() for e in query.get("$expand", "").split(",")}
        if "instanceview" in expand or query.get("statusonly", "").lower() == "true":
            body["properties"] = {**body["properties"], "instanceView": self.instance_view(ctx, resource)}
        if "userdata" in expand and resource["internal"].get("userData"):
            body["properties"] = {**body["properties"], "userData": resource["internal"]["userData"]}
        return body

    def instance_view(self, ctx, vm):
        props = vm["body"]["properties"]
        running = ctx.store.operations_for(vm["id"].lower())
        kind = running[0]["kind"] if running else None
        state = props["provisioningState"]
        when = vm["changed"]
        status = {"code": f"ProvisioningState/{state.lower()}", "level": "Info",
                  "displayStatus": "Provisioning succeeded" if state == "Succeeded" else state}
        if state == "Succeeded":
            status["time"] = when
        elif state == "Failed":
            status.update(level="Error", displayStatus="Provisioning failed")
        power = {"create": "starting"}.get(kind) or POWER_ACTIONS.get(kind) or vm["internal"].get("power", "running")
        statuses = [status, {"code": f"PowerState/{power}", "level": "Info", "displayStatus": POWER_DISPLAY[power]}]
        disks = [props["storageProfile"]["osDisk"]] + props["storageProfile"]["dataDisks"]
        _, entry = catalog.lookup(*(props["storageProfile"]["imageReference"][k] for k in ("publisher", "offer",
                                                                                           "sku")))
        view = {"computerName": props["osProfile"]["computerName"], "hyperVGeneration": entry[0],
                "disks": [{"name": d["name"], "statuses": [{"code": "ProvisioningState/succeeded", "level": "Info",
                                                            "displayStatus": "Provisioning succeeded",
                                                            "time": when}]} for d in disks],
                "statuses": statuses}
        if power != "deallocated":
            view.update(osName=entry[3], osVersion=entry[4])
            ready = power == "running"
            view["vmAgent"] = {"vmAgentVersion": "2.13.1.1" if ready else "Unknown", "extensionHandlers": [],
                               "statuses": [{"code": "ProvisioningState/succeeded" if ready else
                                             "ProvisioningState/Unavailable", "level": "Info" if ready else "Warning",
                                             "displayStatus": "Ready" if ready else "Not Ready",
                                             "message": "Guest Agent is running" if ready else
                                             "VM status blob is found but not yet populated.", "time": when}]}
        extensions = ctx.store.resources(vm["id"] + "/extensions/", ["Microsoft.Compute/virtualMachines/extensions"])
        if extensions:
            views = [EXTENSIONS.extension_view(ctx, e) for e in extensions]
            view["extensions"] = views
            if "vmAgent" in view:
                view["vmAgent"]["extensionHandlers"] = [
                    {"type": v["type"], "typeHandlerVersion": v["typeHandlerVersion"],
                     "status": {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Ready"}}
                    for v in views]
        if (props.get("diagnosticsProfile") or {}).get("bootDiagnostics", {}).get("enabled"):
            view["bootDiagnostics"] = {}
        view.update(backend(ctx.app).instance_view(ctx, vm))
        return view

    # completion hooks ---------------------------------------------------------------------------
    def provisioned(self, ctx, resource):
        """A create/update completed: create and attach its disks, detach removed ones, run the backend."""
        props = resource["body"]["properties"]
        storage = props["storageProfile"]
        _, entry = catalog.lookup(*(storage["imageReference"][k] for k in ("publisher", "offer", "sku")))
        wanted = {storage["osDisk"]["managedDisk"]["id"].lower()}
        DISKS.attach(ctx, resource, storage["osDisk"], entry, storage["imageReference"], os_disk=True)
        for disk in storage["dataDisks"]:
            DISKS.attach(ctx, resource, disk, None, None, os_disk=False)
            wanted.add(disk["managedDisk"]["id"].lower())
        for disk in DISKS.attached_to(ctx, resource["id"]):
            if disk["id"].lower() not in wanted:
                DISKS.detach(ctx, disk)
        vm_backend = backend(ctx.app)
        if not vm_backend.asynchronous:  # an asynchronous backend did its work in background_work
            vm_backend.provision(ctx, resource)
        self.save(ctx, resource["id"], resource["body"], resource["internal"])

    # backend work outside the request's transaction (asynchronous backends) --------------------
    BACKEND_KINDS = ("create", "update", "delete") + tuple(POWER_AFTER)

    def background_work(self, ctx, target, kind):
        vm_backend = backend(ctx.app)
        if not vm_backend.asynchronous or kind not in self.BACKEND_KINDS:
            return None

        def work(wctx):
            vm = wctx.store.resource(target)
            if vm is None:
                return
            if kind in ("create", "update"):
                vm_backend.provision(wctx, vm)
                self.save_backend(wctx, target, vm["internal"].get("backend"))
            elif kind == "delete":
                vm_backend.delete(wctx, vm)
                self.save_backend(wctx, target, dict(vm["internal"].get("backend") or {}, deleted=True))
            else:
                vm_backend.power(wctx, vm, {"poweroff": "powerOff"}.get(kind, kind))
        return work

    def background_removal(self, ctx, resource):
        """Work for a resource group deletion: remove the machine (and its OS disk data: the disk goes too)."""
        vm_backend = backend(ctx.app)
        if not vm_backend.asynchronous:
            return None
        target = resource["id"]

        def work(wctx):
            vm = wctx.store.resource(target)
            if vm is None or (vm["internal"].get("backend") or {}).get("deleted"):
                return
            vm_backend.delete(wctx, vm, keep_os_disk=False)
            self.save_backend(wctx, target, dict(vm["internal"].get("backend") or {}, deleted=True))
        return work

    def save_backend(self, ctx, target, data):
        with ctx.store.transaction():
            record = ctx.store.resource(target)
            if record is not None:
                record["internal"]["backend"] = data
                self.save(ctx, record["id"], record["body"], record["internal"])

    def release(self, ctx, resource):
        """The VM goes: stop its backend, then delete or detach NICs and disks per their deleteOption."""
        if not (resource["internal"].get("backend") or {}).get("deleted"):
            backend(ctx.app).delete(ctx, resource)
        props = resource["body"]["properties"]
        for reference in props.get("networkProfile", {}).get("networkInterfaces", []):
            if (reference.get("properties") or {}).get("deleteOption") == "Delete" and \
                    ctx.store.resource(reference["id"]):
                self.remove(ctx, reference["id"])
        storage = props.get("storageProfile", {})
        for disk in [storage.get("osDisk")] + storage.get("dataDisks", []):
            record = ctx.store.resource(((disk or {}).get("managedDisk") or {}).get("id") or "")
            if record is None:
                continue
            if disk.get("deleteOption") == "Delete":
                self.remove(ctx, record["id"])
            else:
                DISKS.detach(ctx, record)

    # power actions --------------------------------------------------------------------------------
    def power_action(self, ctx, resource, action):
        name = resource["body"]["name"]
        if ctx.store.operations_for(resource["id"].lower()):
            raise ArmError(409, "OperationNotAllowed", f"Operation '{action}' is not allowed on VM '{name}' since "
                           "another operation is in progress on it. Retry after it completes.")
        props = resource["body"]["properties"]
        if action == "restart" and resource["internal"].get("power") == "deallocated":
            raise ArmError(409, "OperationNotAllowed", f"Operation 'restart' is not allowed on VM '{name}' since the "
                           "VM is deallocated. Start the VM instead.")
        props["provisioningState"] = "Updating"
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return Response(202, None, lro.start(ctx, self, resource["id"], action, resource["body"]["location"],
                                             work=self.background_work(ctx, resource["id"], action)))

    def action_start(self, ctx, resource):
        return self.power_action(ctx, resource, "start")

    def action_poweroff(self, ctx, resource):
        return self.power_action(ctx, resource, "poweroff")

    def action_deallocate(self, ctx, resource):
        return self.power_action(ctx, resource, "deallocate")

    def action_restart(self, ctx, resource):
        return self.power_action(ctx, resource, "restart")

    def complete(self, ctx, op):
        if op["kind"] not in POWER_AFTER:
            return super().complete(ctx, op)
        resource = ctx.store.resource(op["target"])
        if resource is None:
            raise ArmError(404, "ResourceNotFound", f"The resource '{op['target']}' no longer exists.")
        vm_backend = backend(ctx.app)
        if not vm_backend.asynchronous:  # an asynchronous backend did it in background_work
            vm_backend.power(ctx, resource, {"poweroff": "powerOff"}.get(op["kind"], op["kind"]))
        if not (op["kind"] == "poweroff" and resource["internal"].get("power") == "deallocated"):
            resource["internal"]["power"] = POWER_AFTER[op["kind"]]  # powering off a deallocated VM keeps it so
        resource["body"]["properties"]["provisioningState"] = "Succeeded"
        self.save(ctx, resource["id"], resource["body"], resource["internal"])
        return None


VMS = REGISTRY.type("Microsoft.Compute/virtualMachines")


# managed disks ----------------------------------------------------------------------------------
@PROVIDER.resource_type
class Disks(ResourceType):
    name = "disks"
    api_versions = DISK_VERSIONS
    async_put = async_delete = True
    removal_rank = 40

    def build(self, ctx, rid, body, existing):
        props = body.get("properties") or {}
        old = existing["body"] if existing else None
        if old:
            size = props.get("diskSizeGB", old["properties"]["diskSizeGB"])
            if not isinstance(size, int) or size < old["properties"]["diskSizeGB"]:
                raise invalid(f"Disk size {size} GB is smaller than the current size "
                              f"{old['properties']['diskSizeGB']} GB. Disks can only be expanded.", "diskSizeGB",
                              "OperationNotAllowed")
            storage = (body.get("sku") or {}).get("name") or old["sku"]["name"]
            doc = {k: old[k] for k in ("managedBy", "zones") if k in old}
            doc.update(sku=self.sku(storage), properties=self.properties(old["properties"], size, storage))
            return doc
        creation = props.get("creationData") or {}
        if str(creation.get("createOption", "")).lower() != "empty":
            raise invalid(f"The emulator creates standalone disks with createOption Empty only (given: "
                          f"'{creation.get('createOption')}').", "creationData.createOption")
        size = props.get("diskSizeGB")
        if not isinstance(size, int) or not 1 <= size <= 32767:
            raise invalid("Required parameter 'diskSizeGB' is missing or not valid: give a size between 1 and 32767 "
                          "GB.", "diskSizeGB")
        storage = canonical((body.get("sku") or {}).get("name") or "Standard_LRS", STORAGE_TYPES,
                            "The disk SKU is not valid.", "sku.name")
        base = {"creationData": {"createOption": "Empty"}, "timeCreated": utcnow(), "uniqueId": str(uuid.uuid4())}
        doc = {"sku": self.sku(storage), "properties": self.properties(base, size, storage)}
        if body.get("zones"):
            doc["zones"] = list(body["zones"])
        return doc

    @staticmethod
    def sku(storage):
        return {"name": storage, "tier": "Premium" if storage.startswith("Premium") else "Standard"}

    @staticmethod
    def properties(base, size, storage):
        tier, iops, mbps = disk_tier(storage, size)
        props = {k: v for k, v in base.items() if k not in ("provisioningState", "diskState", "tier")}
        props.update(diskSizeGB=size, diskSizeBytes=size * 1024 ** 3, diskIOPSReadWrite=iops, diskMBpsReadWrite=mbps,
                     encryption={"type": "EncryptionAtRestWithPlatformKey"}, networkAccessPolicy="AllowAll",
                     publicNetworkAccess="Enabled")
        if tier:
            props["tier"] = tier
        return props

    def attach(self, ctx, vm, disk, image_entry, image_reference, os_disk):
        """Create (if new) or update the disk resource of a VM's osDisk/dataDisk entry, attached to ``vm``."""
        disk_id = disk["managedDisk"]["id"]
        record = ctx.store.resource(disk_id)
        storage = disk["managedDisk"]["storageAccountType"]
        if record is None:
            base = {"timeCreated": utcnow(), "uniqueId": str(uuid.uuid4())}
            if os_disk:
                base.update(osType="Linux", hyperVGeneration=image_entry[0],
                            supportedCapabilities={"architecture": image_entry[1]},
                            creationData={"createOption": "FromImage", "imageReference": {"id": image_id(
                                ctx, vm["body"]["location"], image_reference["publisher"], image_reference["offer"],
                                image_reference["sku"], image_reference["exactVersion"])}})
            else:
                base["creationData"] = {"createOption": "Empty"}
            body = {"id": disk_id, "name": disk["name"], "type": self.full_type, "location": vm["body"]["location"],
                    "tags": {}, "sku": self.sku(storage)}
            if vm["body"].get("zones"):
                body["zones"] = list(vm["body"]["zones"])
        else:
            body, base = record["body"], record["body"]["properties"]
        body["managedBy"] = vm["id"]
        body["properties"] = {**self.properties(base, disk["diskSizeGB"], body["sku"]["name"]),
                              "provisioningState": "Succeeded"}
        self.save(ctx, disk_id, body, record["internal"] if record else None)

    def detach(self, ctx, record):
        record["body"].pop("managedBy", None)
        self.save(ctx, record["id"], record["body"], record["internal"])

    def attached_to(self, ctx, vm_id):
        group = "/".join(vm_id.split("/")[:5])
        return [d for d in ctx.store.resources(group + "/", [self.full_type])
                if (d["body"].get("managedBy") or "").lower() == vm_id.lower()]

    def release(self, ctx, resource):
        backend(ctx.app).delete_disk(ctx, resource)

    def check_delete(self, ctx, resource):
        if resource["body"].get("managedBy"):
            raise ArmError(409, "OperationNotAllowed", f"Disk {resource['body']['name']} is attached to VM "
                           f"{resource['body']['managedBy']}.")

    def render(self, ctx, resource):
        body = dict(resource["body"])
        state = "Unattached"
        if body.get("managedBy"):
            vm = ctx.store.resource(body["managedBy"])
            state = "Reserved" if vm and vm["internal"].get("power") == "deallocated" else "Attached"
        body["properties"] = {**body["properties"], "diskState": state}
        return body


DISKS = REGISTRY.type("Microsoft.Compute/disks")


# VM extensions ----------------------------------------------------------------------------------
CUSTOM_SCRIPT = ("microsoft.azure.extensions", "customscript")
CSE_PUBLIC_KEYS = {"commandToExecute", "script", "fileUris", "timestamp", "skipDos2Unix"}
CSE_PROTECTED_KEYS = {"commandToExecute", "script", "fileUris", "storageAccountName", "storageAccountKey",
                      "managedIdentity"}
CSE_MAX_SCRIPT = 256 * 1024
CSE_TIMEOUT = 90 * 60      # the Custom Script extension's limit
CSE_TAIL = 4 * 1024        # the handler reports the last 4 KiB of stdout and of stderr
EXTENSION_TYPE = "Microsoft.Compute/virtualMachines/extensions"


class HandlerError(Exception):
    """The extension handler failed before running anything (configuration); the message is the handler's."""


def custom_script_command(public, protected):
    """The script to run for the Custom Script 2.x settings, as its handler reads them (HandlerError if invalid)."""
    for label, given, allowed in (("public", public, CSE_PUBLIC_KEYS), ("protected", protected, CSE_PROTECTED_KEYS)):
        for key in given:
            if key not in allowed:
                raise HandlerError(f"failed to get configuration: json validation error: invalid {label} settings "
                                   f"JSON: {key}: Additional property {key} is not allowed")
    if "timestamp" in public and (not isinstance(public["timestamp"], int) or isinstance(public["timestamp"], bool)):
        raise HandlerError("failed to get configuration: json validation error: invalid public settings JSON: "
                           "timestamp: Invalid type. Expected: integer")
    if "skipDos2Unix" in public and not isinstance(public["skipDos2Unix"], bool):
        raise HandlerError("failed to get configuration: json validation error: invalid public settings JSON: "
                           "skipDos2Unix: Invalid type. Expected: boolean")
    for key in ("commandToExecute", "script", "fileUris"):
        if public.get(key) and protected.get(key):
            raise HandlerError(f"failed to get configuration: invalid configuration: '{key}' was specified both in "
                               "public and protected settings; it must be specified only once")
    command = public.get("commandToExecute") or protected.get("commandToExecute")
    script = public.get("script") or protected.get("script")
    if command and script:
        raise HandlerError("failed to get configuration: invalid configuration: 'commandToExecute' and 'script' were "
                           "both specified, but only one is validate at a time")
    if not command and not script:
        raise HandlerError("failed to get configuration: invalid configuration: either 'commandToExecute' or "
                           "'script' should be specified, but neither was specified")
    uris = public.get("fileUris") or protected.get("fileUris") or []
    if uris:
        # The emulator has no internet: say so instead of pretending to download.
        raise HandlerError("processing file downloads failed: failed to download file[0]: the dockyard emulator's "
                           "VMs have no internet access, so fileUris are not supported; embed the script in the "
                           "'script' setting (base64, optionally gzip) instead")
    if command:
        return "#!/bin/sh\n" + str(command) + "\n"
    if not isinstance(script, str) or len(script) > CSE_MAX_SCRIPT:
        raise HandlerError(f"failed to execute command: The script's length ({len(str(script))}) exceeded the "
                           f"maximum allowed length of {CSE_MAX_SCRIPT}!")
    try:
        data = base64.b64decode(script, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise HandlerError(f"failed to execute command: failed to decode script: {exc}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise HandlerError(f"failed to execute command: failed to decompress script: {exc}") from None
    if not public.get("skipDos2Unix"):
        data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    # the handler runs `/bin/sh -c script.sh`: the #! line decides, else sh runs it
    return data if data.startswith(b"#!") else b"#!/bin/sh\n" + data


@PROVIDER.resource_type
class Extensions(ResourceType):
    """virtualMachines/extensions. The Custom Script extension (Microsoft.Azure.Extensions/CustomScript 2.x)
    runs in the VM through the backend's ``run_command`` and reports what its Linux handler reports: one
    status whose message is ``Enable succeeded: \n[stdout]\n<tail>\n[stderr]\n<tail>`` (or ``Enable failed:
    ...``), the last 4 KiB of each stream. It runs again only when its settings, protected settings,
    handler version or forceUpdateTag change (as Azure sends a new configuration sequence only then).
    Other extensions, and every extension with the ``none`` backend, are metadata only (Succeeded,
    empty output). protectedSettings are kept in the emulator's private data and never returned."""

    name = "virtualMachines/extensions"
    api_versions = VM_VERSIONS
    async_put = async_delete = True
    operation_kinds = ("operations", "operations?monitor=true")
    removal_rank = 5

    @staticmethod
    def is_custom_script(props):
        return (str(props.get("publisher", "")).lower(), str(props.get("type", "")).lower()) == CUSTOM_SCRIPT

    def build(self, ctx, rid, body, existing):
        vm = ctx.store.resource(rid.parent)
        props = body.get("properties") or {}
        old = existing["body"]["properties"] if existing else {}
        old_internal = (existing or {}).get("internal") or {}
        for key in ("publisher", "type", "typeHandlerVersion"):
            if not isinstance(props.get(key), str) or not props[key].strip():
                raise invalid(f"Required parameter '{key}' is missing (null).", key)
        if existing:
            for key in ("publisher", "type"):
                if props[key].lower() != str(old.get(key, "")).lower():
                    raise invalid(f"Changing property '{key}' is not allowed.", key, "PropertyChangeNotAllowed")
        version = props["typeHandlerVersion"]
        if not re.match(r"^\d+(\.\d+){0,3}$", version):
            raise invalid(f"The value '{version}' of parameter 'typeHandlerVersion' is not a valid version.",
                          "typeHandlerVersion")
        if self.is_custom_script(props) and version.split(".")[0] != "2":
            raise invalid(f"The handler version '{version}' of Microsoft.Azure.Extensions.CustomScript is not "
                          "available: the emulator's handler is 2.1 (use typeHandlerVersion '2.0' or '2.1').",
                          "typeHandlerVersion")
        for key in ("settings", "protectedSettings"):
            if props.get(key) is not None and not isinstance(props[key], dict):
                raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be "
                               f"deserialized: '{key}' must be a JSON object.")
        if vm["internal"].get("power", "running") != "running":
            raise ArmError(409, "OperationNotAllowed", "Cannot modify extensions in the VM when the VM is not "
                           "running.")
        if not vm["body"]["properties"].get("osProfile", {}).get("allowExtensionOperations", True):
            raise ArmError(409, "OperationNotAllowed", "Extensions operations are disallowed for this VM: "
                           "osProfile.allowExtensionOperations is false.")
        handler = f"{props['publisher']}.{props['type']}"
        for other in ctx.store.resources(rid.parent + "/extensions/", [self.full_type]):
            o = other["body"]["properties"]
            if other["id"].lower() != rid.id.lower() and f"{o['publisher']}.{o['type']}".lower() == handler.lower():
                raise ArmError(400, "BadRequest", "Multiple VMExtensions per handler not supported for OS type "
                               f"'Linux'. VMExtension '{other['body']['name']}' with handler '{o['publisher']}."
                               f"{o['type']}' already added or specified in input.")
        if props.get("protectedSettings") is not None:
            protected = props["protectedSettings"]
        elif ctx.request is not None and ctx.request.method == "PATCH":
            protected = old_internal.get("protectedSettings")  # PATCH keeps them; PUT replaces the whole extension
        else:
            protected = None
        properties = {"publisher": props["publisher"], "type": props["type"], "typeHandlerVersion": version}
        for key in ("autoUpgradeMinorVersion", "enableAutomaticUpgrade", "forceUpdateTag", "settings",
                    "suppressFailures", "provisionAfterExtensions"):
            if props.get(key) is not None:
                properties[key] = props[key]
        config = hashlib.sha256(json.dumps([properties.get("settings"), protected, properties.get("forceUpdateTag"),
                                            version], sort_keys=True).encode()).hexdigest()
        seq = old_internal.get("seq", -1)
        last_run = old_internal.get("run")
        if existing is None or config != old_internal.get("config") or (last_run or {}).get("seq") != seq:
            seq += 1  # a new configuration: the handler runs again
        return {"properties": properties,
                "_internal": {"protectedSettings": protected, "config": config, "seq": seq, "run": last_run}}

    def render(self, ctx, resource):
        body = dict(resource["body"])
        query = ctx.request.query if ctx.request else {}
        if "instanceview" in {e.strip().lower() for e in query.get("$expand", "").split(",")}:
            body["properties"] = {**body["properties"], "instanceView": self.extension_view(ctx, resource)}
        return body

    def extension_view(self, ctx, resource):
        props = resource["body"]["properties"]
        internal = resource["internal"] or {}
        run = internal.get("run")
        view = {"name": resource["body"]["name"], "type": f"{props['publisher']}.{props['type']}",
                "typeHandlerVersion": props["typeHandlerVersion"]}
        if run is None or run.get("seq") != internal.get("seq"):
            view["statuses"] = [{"code": "ProvisioningState/transitioning", "level": "Info",
                                 "displayStatus": "Transitioning", "message": "Enable in progress"}]
        elif run["ok"]:
            view["statuses"] = [{"code": "ProvisioningState/succeeded", "level": "Info",
                                 "displayStatus": "Provisioning succeeded", "message": run["message"],
                                 "time": run["time"]}]
        else:
            view["statuses"] = [{"code": f"ProvisioningState/failed/{run.get('code') or 0}", "level": "Error",
                                 "displayStatus": "Provisioning failed", "message": run["message"],
                                 "time": run["time"]}]
        return view

    # running the handler ------------------------------------------------------------------------
    def execute(self, ctx, ext, vm):
        """Run the extension's handler in the VM; returns the run record kept in the extension's private data."""
        props = ext["body"]["properties"]
        internal = ext["internal"] or {}
        run = {"seq": internal.get("seq"), "ok": True, "code": 0, "message": "Enable succeeded", "time": None}
        if self.is_custom_script(props):
            try:
                script = custom_script_command(props.get("settings") or {}, internal.get("protectedSettings") or {})
            except HandlerError as exc:
                run.update(ok=False, code=0, message=f"Enable failed: {exc}")
            else:
                result = backend(ctx.app).run_command(ctx, vm, script, {}, CSE_TIMEOUT)
                code, out, err = result if result is not None else (0, "", "")  # none backend: metadata only
                out, err = out[-CSE_TAIL:], err[-CSE_TAIL:]
                output = f"\n[stdout]\n{out}\n[stderr]\n{err}"
                if code == 0:
                    run.update(message="Enable succeeded: " + output)
                else:
                    run.update(ok=False, code=code, message="Enable failed: failed to execute command: command "
                               f"terminated with exit status={code}" + output)
        run["time"] = utcnow()
        return run

    def failure(self, ext):
        props = ext["body"]["properties"]
        message = ext["internal"]["run"]["message"]
        link = "https://aka.ms/VMExtensionCSELinuxTroubleshoot" if self.is_custom_script(props) else \
            "https://aka.ms/vmextensionlinuxtroubleshoot"
        return ArmError(400, "VMExtensionProvisioningError", f"VM has reported a failure when processing extension "
                        f"'{ext['body']['name']}' (publisher '{props['publisher']}' and type '{props['type']}'). "
                        f"Error message: \"{message}\".\r\n\r\nMore information on troubleshooting is available at "
                        f"{link} ")

    def pending(self, ext):
        internal = ext["internal"] or {}
        return (internal.get("run") or {}).get("seq") != internal.get("seq")

    def background_work(self, ctx, target, kind):
        vm_backend = backend(ctx.app)
        if not vm_backend.asynchronous or kind not in ("create", "update"):
            return None

        def work(wctx):
            ext = wctx.store.resource(target)
            if ext is None or not self.pending(ext):
                return
            run = self.execute(wctx, ext, wctx.store.resource(ext["id"].rsplit("/", 2)[0]))
            with wctx.store.transaction():
                current = wctx.store.resource(target)
                if current is not None:
                    current["internal"]["run"] = run
                    self.save(wctx, current["id"], current["body"], current["internal"])
        return work

    def provisioned(self, ctx, resource):
        if self.pending(resource):
            if backend(ctx.app).asynchronous:
                raise ArmError(500, "InternalOperationError", "The extension's handler did not run.")
            vm = ctx.store.resource(resource["id"].rsplit("/", 2)[0])
            resource["internal"]["run"] = self.execute(ctx, resource, vm)
            self.save(ctx, resource["id"], resource["body"], resource["internal"])
        if not resource["internal"]["run"]["ok"]:
            raise self.failure(resource)


EXTENSIONS = REGISTRY.type(EXTENSION_TYPE)


# VM sub-resources -------------------------------------------------------------------------------
def _vm(ctx, subscription, rg, vm):
    return VMS.get_existing(ctx, group_rid(ctx, subscription, rg, ["virtualMachines"], [vm]))


@PROVIDER.route(["GET"], VM_PATH + "/instanceView", VM_VERSIONS)
def vm_instance_view(ctx, subscription, rg, vm):
    return Response(200, VMS.instance_view(ctx, _vm(ctx, subscription, rg, vm)))


@PROVIDER.route(["GET"], VM_PATH + "/vmSizes", VM_VERSIONS)
def vm_available_sizes(ctx, subscription, rg, vm):
    record = _vm(ctx, subscription, rg, vm)
    reference = record["body"]["properties"]["storageProfile"]["imageReference"]
    _, entry = catalog.lookup(reference["publisher"], reference["offer"], reference["sku"])
    sizes = [name for name, figures in catalog.SIZES.items()
             if entry[0] in figures[5] and (entry[1] == "Arm64") == (name in catalog.ARM64_SIZES)]
    return Response(200, {"value": [catalog.size_entry(name) for name in sizes]})


# location-level catalogue -------------------------------------------------------------------------
def _location(location):
    name = locations.normalize(location)
    if name is None:
        raise ArmError(404, "NotFound", f"The location '{location}' is not available for this subscription. "
                       f"Available locations: {', '.join(locations.NAMES)}.")
    return name


@PROVIDER.route(["GET"], LOCATION_PATH + "/vmSizes", VM_VERSIONS, manifest_type="locations/vmSizes")
def location_sizes(ctx, subscription, location):
    _location(location)
    return Response(200, {"value": [catalog.size_entry(name) for name in catalog.SIZES]})


def _artifact_missing():
    return ArmError(404, "NotFound", "Artifact: VMImage was not found.")


def _items(ctx, location, names, *parents):
    return [{"location": location, "name": name, "id": image_id(ctx, location, *parents, name)} for name in names]


@PROVIDER.route(["GET"], LOCATION_PATH + "/publishers", VM_VERSIONS, manifest_type="locations/publishers")
def list_publishers(ctx, subscription, location):
    location = _location(location)
    return Response(200, _items(ctx, location, catalog.IMAGES))


@PROVIDER.route(["GET"], LOCATION_PATH + "/publishers/{publisher}/artifacttypes/vmimage/offers", VM_VERSIONS)
def list_offers(ctx, subscription, location, publisher):
    location = _location(location)
    name, offers = catalog.lookup(publisher)
    if offers is None:
        raise ArmError(404, "NotFound", f"Publisher: {publisher} was not found.")
    return Response(200, _items(ctx, location, offers, name))


@PROVIDER.route(["GET"], LOCATION_PATH + "/publishers/{publisher}/artifacttypes/vmimage/offers/{offer}/skus",
                VM_VERSIONS)
def list_skus(ctx, subscription, location, publisher, offer):
    location = _location(location)
    names, skus = catalog.lookup(publisher, offer)
    if skus is None:
        raise _artifact_missing()
    return Response(200, _items(ctx, location, skus, *names))


@PROVIDER.route(["GET"], IMAGE_PATH + "/versions", VM_VERSIONS)
def list_versions(ctx, subscription, location, publisher, offer, sku):
    location = _location(location)
    names, entry = catalog.lookup(publisher, offer, sku)
    if entry is None:
        raise _artifact_missing()
    versions = sorted(entry[5], key=catalog.version_key)
    if "desc" in ctx.request.query.get("$orderby", "").lower():
        versions.reverse()
    top = ctx.request.query.get("$top", "")
    if top.isdigit():
        versions = versions[:int(top)]
    return Response(200, _items(ctx, location, versions, *names))


@PROVIDER.route(["GET"], IMAGE_PATH + "/versions/{version}", VM_VERSIONS)
def get_version(ctx, subscription, location, publisher, offer, sku, version):
    location = _location(location)
    found = catalog.resolve(publisher, offer, sku, version)
    if found is None:
        raise _artifact_missing()
    names, entry, exact = found
    generation, architecture, size_gb = entry[0], entry[1], entry[2]
    features = [{"name": "IsAcceleratedNetworkSupported", "value": "True"},
                {"name": "DiskControllerTypes", "value": "SCSI, NVMe" if generation == "V2" else "SCSI"}]
    if generation == "V2":
        features.append({"name": "SecurityType", "value": "TrustedLaunchSupported"})
    return Response(200, {"location": location, "name": exact, "id": image_id(ctx, location, *names, exact),
                          "properties": {"hyperVGeneration": generation, "architecture": architecture,
                                         "osDiskImage": {"operatingSystem": "Linux", "sizeInGb": size_gb},
                                         "dataDiskImages": [], "features": features,
                                         "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": False},
                                         "disallowed": {"vmDiskType": "Unmanaged"},
                                         "imageDeprecationStatus": {"imageState": "Active"}}})


PROVIDER.extra_types.update({"locations/operations": VM_VERSIONS, "virtualMachines/instanceView": VM_VERSIONS,
                             "virtualMachines/vmSizes": VM_VERSIONS})
