"""What Microsoft.Compute offers in every emulated region: VM sizes (:mod:`.sizes`) and marketplace
images, and the location-level routes that list them (``locations/{l}/vmSizes``,
``publishers/.../versions/{v}``).

Images are the common Linux and Windows marketplace images (Canonical's UbuntuServer 16.04/18.04 and
0001-com-ubuntu-server-* offers, Ubuntu 24.04, Debian, RHEL, AlmaLinux, SLES, Windows Server 2012 R2 to
2025, Windows 10/11), each with a few versions (oldest first) so that 'latest' resolves to something
definite. ``PLANS`` lists the images that are sold with a plan (a VM from them must carry ``plan``).
"""
from __future__ import annotations

from typing import Any

from ... import locations, lro
from ...context import Context
from ...errors import ArmError
from ...web import Response
from .common import IMAGE_PATH, LOCATION_PATH, PROVIDER, VM_VERSIONS, image_id
from .sizes import ARM64_SIZES, SIZES, SizeFigures

__all__ = ["ARM64_SIZES", "IMAGES", "PLANS", "SIZES", "ImageEntry", "SizeFigures"]

# (hyperVGeneration, architecture, os disk GB, os name, os version, [versions])
ImageEntry = tuple[str, str, int, str, str, list[str]]
OS_DISK_MAX_MB = 1047552


_SIZES_LOWER = {name.lower(): name for name in SIZES}


def size(name: Any) -> tuple[str, SizeFigures] | tuple[None, None]:
    """(canonical name, figures) for a size name in any case; (None, None) when unknown."""
    known = _SIZES_LOWER.get(name.lower()) if isinstance(name, str) else None
    return (known, SIZES[known]) if known else (None, None)


def size_entry(name: str) -> dict[str, Any]:
    cores, memory, resource_disk, data_disks, _, _ = SIZES[name]
    return {"name": name, "numberOfCores": cores, "osDiskSizeInMB": OS_DISK_MAX_MB,
            "resourceDiskSizeInMB": resource_disk, "memoryInMB": memory, "maxDataDiskCount": data_disks}


# publisher: {offer: {sku: (hyperVGeneration, architecture, os disk GB, os name, os version, [versions])}}
WS2012 = ["9600.21620.231004", "9600.22080.240808"]
WS2016 = ["14393.7428.241004", "14393.7699.250110", "14393.7785.250206"]
WS2019 = ["2019.0.20190115", "17763.6414.241004", "17763.6775.250109", "17763.6893.250210"]
WS2022 = ["20348.2762.241006", "20348.3091.250112", "20348.3207.250210"]
WS2025 = ["26100.2033.241004", "26100.2894.250113", "26100.3194.250210"]


IMAGES: dict[str, dict[str, dict[str, ImageEntry]]] = {
    "MicrosoftWindowsServer": {
        "WindowsServer": {
            "2012-R2-Datacenter": ("V1", "x64", 127, "Windows Server 2012 R2 Datacenter", "6.3.9600", WS2012),
            "2012-r2-datacenter-gensecond": ("V2", "x64", 127, "Windows Server 2012 R2 Datacenter", "6.3.9600", WS2012),
            "2016-Datacenter": ("V1", "x64", 127, "Windows Server 2016 Datacenter", "10.0.14393", WS2016),
            "2016-Datacenter-smalldisk": ("V1", "x64", 30, "Windows Server 2016 Datacenter", "10.0.14393", WS2016),
            "2016-datacenter-gensecond": ("V2", "x64", 127, "Windows Server 2016 Datacenter", "10.0.14393", WS2016),
            "2019-Datacenter": ("V1", "x64", 127, "Windows Server 2019 Datacenter", "10.0.17763", WS2019),
            "2019-Datacenter-smalldisk": ("V1", "x64", 30, "Windows Server 2019 Datacenter", "10.0.17763", WS2019),
            "2019-datacenter-gensecond": ("V2", "x64", 127, "Windows Server 2019 Datacenter", "10.0.17763", WS2019),
            "2019-Datacenter-Core": ("V1", "x64", 127, "Windows Server 2019 Datacenter", "10.0.17763", WS2019),
            "2022-datacenter": ("V1", "x64", 127, "Windows Server 2022 Datacenter", "10.0.20348", WS2022),
            "2022-datacenter-g2": ("V2", "x64", 127, "Windows Server 2022 Datacenter", "10.0.20348", WS2022),
            "2022-datacenter-smalldisk": ("V1", "x64", 30, "Windows Server 2022 Datacenter", "10.0.20348", WS2022),
            "2022-datacenter-azure-edition": ("V2", "x64", 127, "Windows Server 2022 Datacenter Azure Edition",
                                              "10.0.20348", WS2022),
            "2022-datacenter-azure-edition-core": ("V2", "x64", 127, "Windows Server 2022 Datacenter Azure Edition",
                                                   "10.0.20348", WS2022),
            "2025-datacenter": ("V1", "x64", 127, "Windows Server 2025 Datacenter", "10.0.26100", WS2025),
            "2025-datacenter-g2": ("V2", "x64", 127, "Windows Server 2025 Datacenter", "10.0.26100", WS2025),
            "2025-datacenter-azure-edition": ("V2", "x64", 127, "Windows Server 2025 Datacenter Azure Edition",
                                              "10.0.26100", WS2025),
        },
        "windowsserver-gen2preview-preview": {
            "windows10-tvm": ("V2", "x64", 127, "Windows 10 Enterprise", "10.0.18363", ["18363.592.2001092016"]),
        },
    },
    "MicrosoftWindowsDesktop": {
        "Windows-10": {"win10-22h2-pro": ("V1", "x64", 127, "Windows 10 Pro", "10.0.19045",
                                          ["19045.5247.241206", "19045.5371.250110"]),
                       "win10-22h2-pro-g2": ("V2", "x64", 127, "Windows 10 Pro", "10.0.19045",
                                             ["19045.5247.241206", "19045.5371.250110"])},
        "windows-11": {"win11-23h2-pro": ("V2", "x64", 127, "Windows 11 Pro", "10.0.22631",
                                          ["22631.4602.241206", "22631.4751.250110"]),
                       "win11-24h2-pro": ("V2", "x64", 127, "Windows 11 Pro", "10.0.26100",
                                          ["26100.2605.241206", "26100.2894.250110"])},
    },
    "microsoft-ads": {
        "windows-data-science-vm": {"windows2016": ("V1", "x64", 127, "Windows Server 2016 Datacenter",
                                                    "10.0.14393", ["20.01.10", "21.01.04"])},
    },
    "Canonical": {
        "UbuntuServer": {
            "16.04-LTS": ("V1", "x64", 30, "ubuntu", "16.04", ["16.04.202104010", "16.04.202109280"]),
            "18.04-LTS": ("V1", "x64", 30, "ubuntu", "18.04", ["18.04.202306070", "18.04.202401161"]),
            "18_04-lts-gen2": ("V2", "x64", 30, "ubuntu", "18.04", ["18.04.202306070", "18.04.202401161"]),
        },
        "0001-com-ubuntu-server-focal": {
            "20_04-lts": ("V1", "x64", 30, "ubuntu", "20.04", ["20.04.202501100", "20.04.202502070"]),
            "20_04-lts-gen2": ("V2", "x64", 30, "ubuntu", "20.04", ["20.04.202501100", "20.04.202502070"]),
            "20_04-lts-arm64": ("V2", "Arm64", 30, "ubuntu", "20.04", ["20.04.202501100", "20.04.202502070"]),
        },
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
    "OpenLogic": {
        "CentOS": {"7_9": ("V1", "x64", 30, "centos", "7.9", ["7.9.2022101800", "7.9.2024031200"]),
                   "7_9-gen2": ("V2", "x64", 30, "centos", "7.9", ["7.9.2022101800", "7.9.2024031200"])},
    },
    "SUSE": {
        "sles-15-sp6": {
            "gen2": ("V2", "x64", 30, "sles", "15.6", ["2024.12.04", "2025.02.19"]),
            "gen1": ("V1", "x64", 30, "sles", "15.6", ["2024.12.04", "2025.02.19"]),
        },
    },
}


# Images sold with a plan: a VM created from one must carry ``plan`` (name = sku, product = offer)
PLANS = {("microsoft-ads", "windows-data-science-vm", "windows2016")}


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
    items = _items(ctx, location, versions, *names)
    if ctx.query.get("$expand", "").lower() == "properties":
        for item in items:
            item["properties"] = image_properties(names[0], names[1], names[2], entry)
    return Response(200, items)


def image_properties(publisher: str, offer: str, sku: str, entry: ImageEntry) -> dict[str, Any]:
    """The ``properties`` Azure answers for a marketplace image version."""
    generation, architecture, size_gb = entry[0], entry[1], entry[2]
    windows = os_type(entry) == "Windows"
    features = [{"name": "IsAcceleratedNetworkSupported", "value": "True"},
                {"name": "DiskControllerTypes", "value": "SCSI, NVMe" if generation == "V2" else "SCSI"}]
    if generation == "V2":
        features.append({"name": "SecurityType", "value": "TrustedLaunchSupported"})
    if windows:
        features.append({"name": "IsHibernateSupported", "value": "True"})
    props: dict[str, Any] = {
        "hyperVGeneration": generation, "architecture": architecture, "replicaType": "Unmanaged",
        "osDiskImage": {"operatingSystem": os_type(entry), "sizeInGb": size_gb, "sizeInBytes": size_gb * 1024 ** 3 + 512},
        "dataDiskImages": [], "features": features,
        "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": windows},
        "disallowed": {"vmDiskType": "None" if windows else "Unmanaged"},
        "imageDeprecationStatus": {"imageState": "Active"}}
    if (publisher.lower(), offer.lower(), sku.lower()) in PLANS:
        props["plan"] = {"publisher": publisher, "name": sku, "product": offer}
    return props


@PROVIDER.route(["GET"], IMAGE_PATH + "/versions/{version}", VM_VERSIONS)
def get_version(ctx: Context, subscription: str, location: str, publisher: str, offer: str, sku: str, version: str) -> Response:
    location = _location(location)
    found = resolve(publisher, offer, sku, version)
    if found is None:
        raise _artifact_missing()
    (publisher_name, offer_name, sku_name), entry, exact = found
    names = (publisher_name, offer_name, sku_name)
    return Response(200, {"properties": image_properties(publisher_name, offer_name, sku_name, entry),
                          "location": location, "name": exact,
                          "id": image_id(ctx, location, *names, exact)})


# Microsoft.Compute's log analytics exports (throttled requests, request rate): the export is accepted and
# reported as written to the caller's blob container; the emulator writes no blob.
@PROVIDER.route(["POST"], LOCATION_PATH + "/logAnalytics/apiAccess/{export}", VM_VERSIONS)
def log_analytics(ctx: Context, subscription: str, location: str, export: str) -> Response:
    location = _location(location)
    if export.lower() not in ("getthrottledrequests", "getrequestratebyinterval"):
        raise ArmError(404, "InvalidResourceType", f"The resource type 'locations/logAnalytics/apiAccess/{export}' "
                       "could not be found in the namespace 'Microsoft.Compute'.")
    body = ctx.json()
    for key in ("blobContainerSasUri", "fromTime", "toTime"):
        if not body.get(key):
            raise ArmError(400, "InvalidParameter", f"Required parameter '{key}' is missing (null).", target=key)
    name = "ThrottledRequests" if export.lower() == "getthrottledrequests" else "RequestRateByInterval"
    stamp = "_".join(str(body[k])[:16].replace("-", "").replace(":", "").replace("T", "-") for k in ("fromTime", "toTime"))
    output = f"{str(body['blobContainerSasUri']).split('?')[0].rstrip('/')}/{name}_{stamp}.csv"
    return lro.finished(ctx, PROVIDER.namespace, location, {"properties": {"output": output}})
