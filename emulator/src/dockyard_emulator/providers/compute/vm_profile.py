"""A VM's PUT body checked as Azure checks it: name, image reference, OS profile (admin user, SSH keys,
custom data), network profile, priority (Spot) and identity. Each function returns what is stored
(the canonical form) or raises Azure's error for the property at fault. Disks: :mod:`.vm_storage`."""
from __future__ import annotations

import base64
import binascii
import re
import struct
import uuid
from typing import Any

from ...context import Context
from ...errors import ArmError
from ...resource_type import ResourceId
from ...store import Resource
from . import catalogue
from .common import VM_TYPE, canonical, delete_option, invalid

RESERVED_USERS = {"administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "1", "123",
                  "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john", "owner",
                  "root", "server", "sql", "support", "support_388945a0", "sys", "test2", "test3", "user4", "user5"}
VM_NAME_BAD = re.compile(r"[\\/\"'\[\]:|<>+=;,?*@&\s]")
HOST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$")
USER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
KEY_TYPES = ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")


def check_name(rid: ResourceId) -> None:
    if len(rid.name) > 64 or VM_NAME_BAD.search(rid.name) or rid.name.startswith("_") or \
            rid.name.endswith((".", "-")):
        raise invalid(f"The virtual machine name '{rid.name}' is invalid. It can be up to 64 characters long, "
                      "cannot contain \\/\"'[]:|<>+=;,?*@& or whitespace, cannot start with '_' and cannot end "
                      "with '.' or '-'.", "vmName")


def hardware(props: dict[str, Any], old: dict[str, Any]) -> tuple[str, catalogue.SizeFigures]:
    """The VM size (canonical name and figures) given, or kept from before."""
    given = (props.get("hardwareProfile") or {}).get("vmSize")
    size_name, figures = catalogue.size(given or old.get("hardwareProfile", {}).get("vmSize"))
    if size_name is None or figures is None:
        raise invalid(f"The value {given} provided for the VM size is not valid. The valid sizes in the current "
                      f"region are: {', '.join(sorted(catalogue.SIZES))}. Find out more on the available VM sizes "
                      "in each region at https://aka.ms/azure-regions.", "vmSize")
    return size_name, figures


def check_boot(size_name: str, figures: catalogue.SizeFigures, image_entry: catalogue.ImageEntry) -> None:
    """A VM size must boot the image's Hyper-V generation and architecture."""
    if catalogue.can_boot(size_name, figures, image_entry):
        return
    generation, architecture = image_entry[0], image_entry[1]
    what = f"Hypervisor Generation '{generation[1:]}'" if generation not in figures[5] else \
        f"Architecture '{architecture}'"
    raise ArmError(400, "BadRequest", f"The selected VM size '{size_name}' cannot boot {what}. If this was a "
                   "Create operation please check that the Hypervisor Generation and Architecture of the "
                   "Image match those of the selected VM Size. For more information, see "
                   "https://aka.ms/azuregen2vm")


def check_ssh_key(key: Any) -> bool:
    """True when ``key`` is an OpenSSH public key Azure accepts (RSA keys need at least 2048 bits)."""
    parts = key.split() if isinstance(key, str) else []
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return False
    try:
        blob = base64.b64decode(parts[1], validate=True)
        fields: list[bytes] = []
        offset = 0
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


def image(ctx: Context, reference: dict[str, Any] | None, old_reference: dict[str, Any] | None,
          location: str) -> tuple[dict[str, Any], catalogue.ImageEntry]:
    """The imageReference to store and its catalogue entry; PlatformImageNotFound when unknown. A reference
    by ``id`` names a managed image of the subscription (gallery images are not emulated: NotFound)."""
    reference = reference or {}
    if reference.get("id") or reference.get("sharedGalleryImageId") or reference.get("communityGalleryImageId"):
        custom = custom_image(ctx, reference)
        if custom is None:
            given = reference.get("id") or reference.get("sharedGalleryImageId") or reference["communityGalleryImageId"]
            raise ArmError(404, "NotFound", f"The Image '{given}' cannot be found in '{location}' region.",
                           target="imageReference")
        if old_reference and str(old_reference.get("id", "")).lower() != str(reference["id"]).lower():
            raise invalid("Changing property 'imageReference' is not allowed.", "imageReference",
                          "PropertyChangeNotAllowed")
        return {"id": custom[0]}, custom[1]
    missing = [k for k in ("publisher", "offer", "sku") if not reference.get(k)]
    if missing:
        raise invalid(f"Required parameter 'imageReference.{missing[0]}' is missing (null).",
                      f"imageReference.{missing[0]}")
    version = reference.get("version") or "latest"
    found = catalogue.resolve(reference["publisher"], reference["offer"], reference["sku"], version)
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


def custom_image(ctx: Context, reference: dict[str, Any]) -> tuple[str, catalogue.ImageEntry] | None:
    """(id, catalogue-like entry) of the managed image an imageReference ``id`` names; None when there is none."""
    record = ctx.store.resource(str(reference.get("id") or ""))
    if record is None or record["type"] != "microsoft.compute/images":
        return None
    props = record["body"]["properties"]
    os_disk = props.get("storageProfile", {}).get("osDisk", {})
    windows = str(os_disk.get("osType", "Linux")).lower() == "windows"
    size = os_disk.get("diskSizeGB") or (127 if windows else 30)
    return record["id"], (props.get("hyperVGeneration", "V1"), "x64", size, "Windows" if windows else "linux",
                          "", [])


def image_entry(ctx: Context, reference: dict[str, Any]) -> catalogue.ImageEntry:
    """The catalogue entry of a stored (already checked) imageReference; a neutral Linux entry if it is gone."""
    if reference.get("id"):
        found = custom_image(ctx, reference)
        return found[1] if found else ("V1", "x64", 30, "linux", "", [])
    _, entry = catalogue.lookup(reference.get("publisher"), reference.get("offer"), reference.get("sku"))
    return entry or ("V1", "x64", 30, "linux", "", [])


def check_plan(reference: dict[str, Any], plan: Any) -> None:
    """A marketplace image sold with a plan needs the VM's ``plan`` (Azure's VMMarketplaceInvalidInput)."""
    key = tuple(str(reference.get(k, "")).lower() for k in ("publisher", "offer", "sku"))
    if key in catalogue.PLANS and not (isinstance(plan, dict) and plan.get("name") and plan.get("product")
                                       and plan.get("publisher")):
        raise ArmError(400, "VMMarketplaceInvalidInput", "Creating a virtual machine from Marketplace image or a "
                       "custom image sourced from a Marketplace image requires Plan information in the request. "
                       "VM: ''.", target="plan")


def base64_field(value: Any, target: str, limit: int) -> str:
    try:
        if not isinstance(value, str) or len(value) > limit:
            raise ValueError
        base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise invalid(f"{target[0].upper()}{target[1:]} must be in Base64 encoding and with a maximum length of "
                      f"{limit} characters.", target) from None
    return value


WINDOWS_NAME_BAD = re.compile(r"[`~!@#$%^&*()=+_\[\]{}\\|;:.'\",<>/?\s]")
WINDOWS_USER_BAD = re.compile(r'[\\/"\[\]:|<>+=;,?*@]')
WEAK_PASSWORDS = {"abc@123", "p@$$w0rd", "p@ssw0rd", "p@ssword123", "pa$$word", "pass@word1", "password!",
                  "password1", "password22", "iloveyou!"}


def check_password(password: Any, windows: bool) -> None:
    low, high = (8, 123) if windows else (6, 72)
    text = password if isinstance(password, str) else ""
    classes = sum(bool(re.search(p, text)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if not low <= len(text) <= high or classes < 3 or re.search(r"[\x00-\x1f]", text):
        raise invalid(f"The supplied password must be between {low}-{high} characters long and must satisfy at "
                      "least 3 of password complexity requirements from the following: \r\n1) Contains an uppercase "
                      "character\r\n2) Contains a lowercase character\r\n3) Contains a numeric digit\r\n4) Contains "
                      "a special character\r\n5) Control characters are not allowed", "adminPassword")
    if text.lower() in WEAK_PASSWORDS:
        raise invalid("The specified password is not allowed.", "adminPassword")


def os_profile(rid: ResourceId, given: dict[str, Any] | None, old: dict[str, Any] | None,
               internal: dict[str, Any], existing: Resource | None, windows: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """The osProfile to store (Linux or Windows, per the image's OS) and the private data (password set,
    customData). Linux: SSH keys and/or password; Windows: a password, Windows' name rules."""
    if given is None and old is not None:
        return old, internal
    if given is None:
        raise invalid("Required parameter 'osProfile' is missing (null).", "osProfile")
    user = given.get("adminUsername")
    if not user:
        raise invalid("Required parameter 'adminUsername' is missing (null).", "adminUsername")
    if user.lower() in RESERVED_USERS:
        raise invalid("The Admin Username specified is not allowed.", "adminUsername")
    if windows:
        if len(user) > 20 or WINDOWS_USER_BAD.search(user) or user.endswith("."):
            raise invalid("The admin user name cannot be more than 20 characters long, end with a period(.), or "
                          "contain the following characters: \\ / \" [ ] : | < > + = ; , ? * @.", "adminUsername")
    elif not USER_NAME.match(user) or user.endswith("."):
        raise invalid(f"Admin username '{user}' is invalid. It can contain letters, digits, '_', '.' and '-', must "
                      "start with a letter or '_', may not end with '.', and is at most 64 characters long.",
                      "adminUsername")
    computer = given.get("computerName") or (old or {}).get("computerName") or rid.name
    if windows:
        if len(computer) > 15 or computer.isdigit() or WINDOWS_NAME_BAD.search(computer):
            raise invalid("Windows computer name cannot be more than 15 characters long, be entirely numeric, or "
                          "contain the following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : . ' \" , "
                          "< > / ?.", "computerName")
    elif len(computer) > 64 or not HOST_NAME.match(computer) or computer.isdigit():
        raise invalid("Linux host name cannot exceed 64 characters in length or contain the following characters: "
                      "` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : ' \" , < > / ?.", "computerName")
    if existing and old:
        for key, value in (("adminUsername", user), ("computerName", computer)):
            if old.get(key) != value:
                raise invalid(f"Changing property 'osProfile.{key}' is not allowed.", f"osProfile.{key}",
                              "PropertyChangeNotAllowed")
    internal = dict(internal)
    profile: dict[str, Any] = {"computerName": computer, "adminUsername": user}
    if windows:
        if not given.get("adminPassword") and not internal.get("hasPassword"):
            raise invalid("Required parameter 'adminPassword' is missing (null).", "adminPassword")
        if given.get("adminPassword"):
            check_password(given["adminPassword"], windows=True)
        config = dict(given.get("windowsConfiguration") or {})
        config.setdefault("provisionVMAgent", True)
        config.setdefault("enableAutomaticUpdates", True)
        config.setdefault("patchSettings", {"patchMode": "AutomaticByOS", "assessmentMode": "ImageDefault"})
        config.setdefault("enableVMAgentPlatformUpdates", False)
        profile["windowsConfiguration"] = config
    else:
        if given.get("windowsConfiguration"):
            raise invalid("The image is a Linux image: windowsConfiguration is not allowed with it; give "
                          "linuxConfiguration instead.", "windowsConfiguration")
        profile["linuxConfiguration"] = linux_configuration(given, user, internal)
    if given.get("adminPassword"):
        internal["hasPassword"] = True
    if "customData" in given and given["customData"] is not None:
        data = base64_field(given["customData"], "customData", 87380)
        if existing and internal.get("customData") != data:
            raise invalid("Changing property 'customData' is not allowed.", "customData",
                          "PropertyChangeNotAllowed")
        internal["customData"] = data
    profile.update(secrets=list(given.get("secrets") or []),
                   allowExtensionOperations=given.get("allowExtensionOperations", True),
                   requireGuestProvisionSignal=True)
    return profile, internal


def linux_configuration(given: dict[str, Any], user: str, internal: dict[str, Any]) -> dict[str, Any]:
    linux = given.get("linuxConfiguration") or {}
    disable = linux.get("disablePasswordAuthentication", not given.get("adminPassword"))
    keys = []
    for key in (linux.get("ssh") or {}).get("publicKeys") or []:
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
    if not disable and given.get("adminPassword"):
        check_password(given["adminPassword"], windows=False)
    return {**linux, "disablePasswordAuthentication": bool(disable), "ssh": {"publicKeys": keys},
            "provisionVMAgent": linux.get("provisionVMAgent", True),
            "patchSettings": linux.get("patchSettings") or {"patchMode": "ImageDefault", "assessmentMode": "ImageDefault"},
            "enableVMAgentPlatformUpdates": linux.get("enableVMAgentPlatformUpdates", False)}


def network_profile(ctx: Context, rid: ResourceId, given: dict[str, Any] | None, old: dict[str, Any] | None,
                    location: str, internal: dict[str, Any]) -> dict[str, Any]:
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
        for vm in ctx.store.resources(f"/subscriptions/{rid.id.split('/')[2]}/", [VM_TYPE], containing=nic["id"]):
            if vm["id"].lower() != rid.id.lower() and any(
                    (r.get("id") or "").lower() == nic["id"].lower()
                    for r in vm["body"]["properties"]["networkProfile"]["networkInterfaces"]):
                raise ArmError(400, "NicInUse", f"Network Interface {nic['id']} is used by existing VM "
                               f"{vm['id']}.", target="networkProfile.networkInterfaces.id")
        props = reference.get("properties") or {}
        entry: dict[str, Any] = {"id": nic["id"], "properties": {}}
        if len(references) > 1 or "primary" in props:
            entry["properties"]["primary"] = bool(props.get("primary", len(references) == 1))
        entry["properties"]["deleteOption"] = delete_option(props.get("deleteOption") or "Detach",
                                                        "networkProfile.networkInterfaces.deleteOption")
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


def priority(props: dict[str, Any], old: dict[str, Any], properties: dict[str, Any]) -> None:
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


def identity(ctx: Context, given: dict[str, Any] | None, old: dict[str, Any] | None) -> dict[str, Any] | None:
    if not given:
        return None
    kinds = {part.strip().lower() for part in str(given.get("type") or "None").split(",")}
    if not kinds <= {"systemassigned", "userassigned", "none"}:
        raise invalid(f"The identity type '{given.get('type')}' is not valid: use SystemAssigned, UserAssigned, "
                      "'SystemAssigned, UserAssigned' or None.", "identity.type")
    if kinds == {"none"}:
        return None
    old = old or {}
    result: dict[str, Any] = {"type": ", ".join(k for k, n in (("SystemAssigned", "systemassigned"),
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
