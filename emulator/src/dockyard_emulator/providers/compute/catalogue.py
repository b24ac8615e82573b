"""What Microsoft.Compute offers in every emulated region: VM sizes and marketplace images, and the
location-level routes that list them (``locations/{l}/vmSizes``, ``publishers/.../versions/{v}``).

Sizes carry Azure's published figures (cores, memory, resource disk, data disk count) and the
Hyper-V generations they boot. Images are a small set of current Linux marketplace images, each
with a few versions (oldest first) so that 'latest' resolves to something definite.
"""
from __future__ import annotations

from typing import Any

from ... import locations
from ...context import Context
from ...errors import ArmError
from ...web import Response
from .common import IMAGE_PATH, LOCATION_PATH, PROVIDER, VM_VERSIONS, image_id

# (cores, memoryMB, resourceDiskMB, maxDataDisks, premium storage, hyper-V generations)
SizeFigures = tuple[int, int, int, int, bool, tuple[str, ...]]
# (hyperVGeneration, architecture, os disk GB, os name, os version, [versions])
ImageEntry = tuple[str, str, int, str, str, list[str]]

# name: (cores, memoryMB, resourceDiskMB, maxDataDisks, premium storage, hyper-V generations)
SIZES: dict[str, SizeFigures] = {
    "Standard_A1_v2": (1, 2048, 10240, 2, False, ("V1",)),
    "Standard_A2_v2": (2, 4096, 20480, 4, False, ("V1",)),
    "Standard_A4_v2": (4, 8192, 40960, 8, False, ("V1",)),
    "Standard_B1ls": (1, 512, 4096, 2, True, ("V1", "V2")),
    "Standard_B1s": (1, 1024, 4096, 2, True, ("V1", "V2")),
    "Standard_B1ms": (1, 2048, 4096, 2, True, ("V1", "V2")),
    "Standard_B2s": (2, 4096, 8192, 4, True, ("V1", "V2")),
    "Standard_B2ms": (2, 8192, 16384, 4, True, ("V1", "V2")),
    "Standard_B4ms": (4, 16384, 32768, 8, True, ("V1", "V2")),
    "Standard_B2ats_v2": (2, 1024, 0, 4, True, ("V1", "V2")),
    "Standard_B2als_v2": (2, 4096, 0, 4, True, ("V1", "V2")),
    "Standard_B2as_v2": (2, 8192, 0, 4, True, ("V1", "V2")),
    "Standard_B2ls_v2": (2, 4096, 0, 4, True, ("V1", "V2")),
    "Standard_B2s_v2": (2, 8192, 0, 4, True, ("V1", "V2")),
    "Standard_B4s_v2": (4, 16384, 0, 8, True, ("V1", "V2")),
    "Standard_DS1_v2": (1, 3584, 7168, 4, True, ("V1", "V2")),
    "Standard_DS2_v2": (2, 7168, 14336, 8, True, ("V1", "V2")),
    "Standard_D2s_v3": (2, 8192, 16384, 4, True, ("V1", "V2")),
    "Standard_D4s_v3": (4, 16384, 32768, 8, True, ("V1", "V2")),
    "Standard_D2s_v4": (2, 8192, 0, 4, True, ("V1", "V2")),
    "Standard_D2s_v5": (2, 8192, 0, 4, True, ("V1", "V2")),
    "Standard_D4s_v5": (4, 16384, 0, 8, True, ("V1", "V2")),
    "Standard_D8s_v5": (8, 32768, 0, 16, True, ("V1", "V2")),
    "Standard_D2as_v5": (2, 8192, 0, 4, True, ("V1", "V2")),
    "Standard_D4as_v5": (4, 16384, 0, 8, True, ("V1", "V2")),
    "Standard_D2ds_v5": (2, 8192, 76800, 4, True, ("V1", "V2")),
    "Standard_D2s_v6": (2, 8192, 0, 4, True, ("V2",)),
    "Standard_B2pts_v2": (2, 1024, 0, 4, True, ("V2",)),
    "Standard_D2ps_v5": (2, 8192, 0, 4, True, ("V2",)),
    "Standard_D4ps_v5": (4, 16384, 0, 8, True, ("V2",)),
    "Standard_E2s_v5": (2, 16384, 0, 4, True, ("V1", "V2")),
    "Standard_E4s_v5": (4, 32768, 0, 8, True, ("V1", "V2")),
    "Standard_F2s_v2": (2, 4096, 16384, 4, True, ("V1", "V2")),
    "Standard_F4s_v2": (4, 8192, 32768, 8, True, ("V1", "V2")),
}
ARM64_SIZES = {"Standard_B2pts_v2", "Standard_D2ps_v5", "Standard_D4ps_v5"}
OS_DISK_MAX_MB = 1047552


def size(name: Any) -> tuple[str, SizeFigures] | tuple[None, None]:
    """(canonical name, figures) for a size name in any case; (None, None) when unknown."""
    for known, figures in SIZES.items():
        if isinstance(name, str) and known.lower() == name.lower():
            return known, figures
    return None, None


def size_entry(name: str) -> dict[str, Any]:
    cores, memory, resource_disk, data_disks, _, _ = SIZES[name]
    return {"name": name, "numberOfCores": cores, "osDiskSizeInMB": OS_DISK_MAX_MB,
            "resourceDiskSizeInMB": resource_disk, "memoryInMB": memory, "maxDataDiskCount": data_disks}


# publisher: {offer: {sku: (hyperVGeneration, architecture, os disk GB, os name, os version, [versions])}}
IMAGES: dict[str, dict[str, dict[str, ImageEntry]]] = {
    "Canonical": {
        "0001-com-ubuntu-server-jammy": {
            "22_04-lts": ("V1", "x64", 30, "ubuntu", "22.04", ["22.04.202501150", "22.04.202502120",
                                                               "22.04.202503190"]),
            "22_04-lts-gen2": ("V2", "x64", 30, "ubuntu", "22.04", ["22.04.202501150", "22.04.202502120",
                                                                    "22.04.202503190"]),
            "22_04-lts-arm64": ("V2", "Arm64", 30, "ubuntu", "22.04", ["22.04.202502120", "22.04.202503190"]),
        },
        "ubuntu-24_04-lts": {
            "server": ("V2", "x64", 30, "ubuntu", "24.04", ["24.04.202501140", "24.04.202502210",
                                                            "24.04.202503260"]),
            "server-gen1": ("V1", "x64", 30, "ubuntu", "24.04", ["24.04.202501140", "24.04.202502210",
                                                                 "24.04.202503260"]),
            "server-arm64": ("V2", "Arm64", 30, "ubuntu", "24.04", ["24.04.202502210", "24.04.202503260"]),
            "minimal": ("V2", "x64", 30, "ubuntu", "24.04", ["24.04.202502210", "24.04.202503260"]),
        },
    },
    "Debian": {
        "debian-12": {
            "12": ("V1", "x64", 30, "debian", "12", ["0.20250113.1990", "0.20250210.2019", "0.20250311.2048"]),
            "12-gen2": ("V2", "x64", 30, "debian", "12", ["0.20250113.1990", "0.20250210.2019", "0.20250311.2048"]),
            "12-arm64": ("V2", "Arm64", 30, "debian", "12", ["0.20250210.2019", "0.20250311.2048"]),
        },
        "debian-11": {
            "11": ("V1", "x64", 30, "debian", "11", ["0.20241210.1942", "0.20250113.1981"]),
            "11-gen2": ("V2", "x64", 30, "debian", "11", ["0.20241210.1942", "0.20250113.1981"]),
        },
    },
    "RedHat": {
        "RHEL": {
            "9-lvm-gen2": ("V2", "x64", 64, "rhel", "9.5", ["9.5.2024112613", "9.5.2025022514"]),
            "9-lvm": ("V1", "x64", 64, "rhel", "9.5", ["9.5.2024112613", "9.5.2025022514"]),
            "8-lvm-gen2": ("V2", "x64", 64, "rhel", "8.10", ["8.10.2024101014", "8.10.2025012214"]),
        },
    },
    "almalinux": {
        "almalinux-x86_64": {
            "9-gen2": ("V2", "x64", 30, "almalinux", "9.5", ["9.5.2024112001", "9.5.2025031301"]),
            "9-gen1": ("V1", "x64", 30, "almalinux", "9.5", ["9.5.2024112001", "9.5.2025031301"]),
        },
    },
    "SUSE": {
        "sles-15-sp6": {
            "gen2": ("V2", "x64", 30, "sles", "15.6", ["2024.12.04", "2025.02.19"]),
            "gen1": ("V1", "x64", 30, "sles", "15.6", ["2024.12.04", "2025.02.19"]),
        },
    },
}


def _find(mapping: dict[str, Any], name: Any) -> tuple[str, Any] | tuple[None, None]:
    for key, value in mapping.items():
        if isinstance(name, str) and key.lower() == name.lower():
            return key, value
    return None, None


def lookup(publisher: Any, offer: Any = None, sku: Any = None) -> tuple[Any, Any]:
    """Canonical names and the entry for (publisher[, offer[, sku]]), case-insensitively; None parts when unknown."""
    p_name, offers = _find(IMAGES, publisher)
    if offers is None or offer is None:
        return p_name, offers
    o_name, skus = _find(offers, offer)
    if skus is None or sku is None:
        return (p_name, o_name), skus
    s_name, entry = _find(skus, sku)
    return (p_name, o_name, s_name), entry


def os_type(entry: ImageEntry) -> str:
    """The image's OS family as ARM names it (osType of its disks)."""
    return "Windows" if entry[3].lower().startswith("windows") else "Linux"


def can_boot(size_name: str, figures: SizeFigures, entry: ImageEntry) -> bool:
    """Whether a VM of this size boots the image (its Hyper-V generation and its architecture)."""
    return entry[0] in figures[5] and (entry[1] == "Arm64") == (size_name in ARM64_SIZES)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def resolve(publisher: Any, offer: Any, sku: Any, version: Any) -> tuple[tuple[str, str, str], ImageEntry, str] | None:
    """(names, entry, exact version) of a marketplace image reference; None when it doesn't exist."""
    names, entry = lookup(publisher, offer, sku)
    if entry is None or not all(names):
        return None
    versions = entry[5]
    if str(version).lower() == "latest":
        return names, entry, max(versions, key=version_key)
    return (names, entry, version) if version in versions else None


# location-level routes ---------------------------------------------------------------------------
def _location(location: str) -> str:
    name = locations.normalize(location)
    if name is None:
        raise ArmError(404, "NotFound", f"The location '{location}' is not available for this subscription. "
                       f"Available locations: {', '.join(locations.NAMES)}.")
    return name


@PROVIDER.route(["GET"], LOCATION_PATH + "/vmSizes", VM_VERSIONS, manifest_type="locations/vmSizes")
def location_sizes(ctx: Context, subscription: str, location: str) -> Response:
    _location(location)
    return Response(200, {"value": [size_entry(name) for name in SIZES]})


def _artifact_missing() -> ArmError:
    return ArmError(404, "NotFound", "Artifact: VMImage was not found.")


def _items(ctx: Context, location: str, names: Any, *parents: str) -> list[dict[str, Any]]:
    return [{"location": location, "name": name, "id": image_id(ctx, location, *parents, name)} for name in names]


@PROVIDER.route(["GET"], LOCATION_PATH + "/publishers", VM_VERSIONS, manifest_type="locations/publishers")
def list_publishers(ctx: Context, subscription: str, location: str) -> Response:
    location = _location(location)
    return Response(200, _items(ctx, location, IMAGES))


@PROVIDER.route(["GET"], LOCATION_PATH + "/publishers/{publisher}/artifacttypes/vmimage/offers", VM_VERSIONS)
def list_offers(ctx: Context, subscription: str, location: str, publisher: str) -> Response:
    location = _location(location)
    name, offers = lookup(publisher)
    if offers is None:
        raise ArmError(404, "NotFound", f"Publisher: {publisher} was not found.")
    return Response(200, _items(ctx, location, offers, name))


@PROVIDER.route(["GET"], LOCATION_PATH + "/publishers/{publisher}/artifacttypes/vmimage/offers/{offer}/skus",
                VM_VERSIONS)
def list_skus(ctx: Context, subscription: str, location: str, publisher: str, offer: str) -> Response:
    location = _location(location)
    names, skus = lookup(publisher, offer)
    if skus is None:
        raise _artifact_missing()
    return Response(200, _items(ctx, location, skus, *names))


@PROVIDER.route(["GET"], IMAGE_PATH + "/versions", VM_VERSIONS)
def list_versions(ctx: Context, subscription: str, location: str, publisher: str, offer: str, sku: str) -> Response:
    location = _location(location)
    names, entry = lookup(publisher, offer, sku)
    if entry is None:
        raise _artifact_missing()
    versions = sorted(entry[5], key=version_key)
    if "desc" in ctx.query.get("$orderby", "").lower():
        versions.reverse()
    top = ctx.query.get("$top", "")
    if top.isdigit():
        versions = versions[:int(top)]
    return Response(200, _items(ctx, location, versions, *names))


@PROVIDER.route(["GET"], IMAGE_PATH + "/versions/{version}", VM_VERSIONS)
def get_version(ctx: Context, subscription: str, location: str, publisher: str, offer: str, sku: str, version: str) -> Response:
    location = _location(location)
    found = resolve(publisher, offer, sku, version)
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
