"""The VM extension images Microsoft.Compute offers (``locations/{l}/publishers/{p}/artifacttypes/vmextension/
types[/{t}/versions[/{v}]]``): the handlers commonly installed on VMs, with their versions and the properties
Azure reports for them. The Custom Script handler really runs in container VMs (:mod:`.extensions`); the
others are metadata."""
from __future__ import annotations

from typing import Any

from ...context import Context
from ...errors import ArmError
from ...web import Response
from .catalogue import _location, version_key
from .common import LOCATION_PATH, PROVIDER, VM_VERSIONS

# publisher: {type: (operating system, [versions])}
EXTENSION_IMAGES: dict[str, dict[str, tuple[str, list[str]]]] = {
    "Microsoft.Azure.Extensions": {
        "CustomScript": ("Linux", ["2.0.2", "2.0.3", "2.0.6", "2.0.7", "2.1.3", "2.1.6", "2.1.10"]),
        "DockerExtension": ("Linux", ["1.0", "1.1.1606092330", "1.2.2"]),
    },
    "Microsoft.Compute": {
        "BGInfo": ("Windows", ["1.0", "1.1", "1.2.2", "2.1", "2.2.5"]),
        "CustomScriptExtension": ("Windows", ["1.7", "1.8", "1.9", "1.9.5", "1.10.12", "1.10.15"]),
        "JsonADDomainExtension": ("Windows", ["1.0", "1.3", "1.3.2"]),
        "VMAccessAgent": ("Windows", ["1.0", "1.0.2", "1.0.3", "2.0", "2.0.1", "2.0.2", "2.3", "2.4", "2.4.1", "2.4.2",
                                      "2.4.3", "2.4.10", "2.4.11"]),
    },
    "Microsoft.OSTCExtensions": {
        "VMAccessForLinux": ("Linux", ["1.4.7.1", "1.5.14", "1.5.18"]),
        "CustomScriptForLinux": ("Linux", ["1.5.2.1", "1.5.5"]),
    },
    "Microsoft.Azure.NetworkWatcher": {
        "NetworkWatcherAgentLinux": ("Linux", ["1.4.2798.3", "1.4.3422.1"]),
        "NetworkWatcherAgentWindows": ("Windows", ["1.4.2798.3", "1.4.3422.1"]),
    },
    "Microsoft.Azure.Monitor": {
        "AzureMonitorLinuxAgent": ("Linux", ["1.29.7", "1.33.2"]),
        "AzureMonitorWindowsAgent": ("Windows", ["1.29.0.0", "1.33.0.0"]),
    },
    "Microsoft.CPlat.Core": {
        "RunCommandLinux": ("Linux", ["1.0.3", "1.0.5"]),
        "RunCommandHandlerLinux": ("Linux", ["1.3.2", "1.3.17"]),
        "RunCommandHandlerWindows": ("Windows", ["2.0.6", "2.0.13"]),
    },
}
TYPES_PATH = LOCATION_PATH + "/publishers/{publisher}/artifacttypes/vmextension/types"


def _find(mapping: dict[str, Any], name: str) -> tuple[str, Any] | tuple[None, None]:
    return next(((k, v) for k, v in mapping.items() if k.lower() == name.lower()), (None, None))


def _id(ctx: Context, location: str, publisher: str, *parts: str) -> str:
    path = f"/Subscriptions/{ctx.subscription}/Providers/Microsoft.Compute/Locations/{location}/Publishers/{publisher}"
    path += "/ArtifactTypes/VMExtension/Types/" + parts[0]
    return path + (f"/Versions/{parts[1]}" if len(parts) > 1 else "")


def _type(publisher: str, name: str) -> tuple[str, str, tuple[str, list[str]]]:
    p_name, types = _find(EXTENSION_IMAGES, publisher)
    t_name, entry = _find(types or {}, name)
    if p_name is None or t_name is None or entry is None:
        raise ArmError(404, "NotFound", f"Extension image '{publisher}.{name}' was not found.")
    return p_name, t_name, entry


@PROVIDER.route(["GET"], TYPES_PATH, VM_VERSIONS)
def list_types(ctx: Context, subscription: str, location: str, publisher: str) -> Response:
    location = _location(location)
    p_name, types = _find(EXTENSION_IMAGES, publisher)
    if p_name is None or types is None:
        raise ArmError(404, "NotFound", f"Publisher: {publisher} was not found.")
    return Response(200, [{"location": location, "name": t, "id": _id(ctx, location, p_name, t)} for t in types])


@PROVIDER.route(["GET"], TYPES_PATH + "/{ext_type}/versions", VM_VERSIONS)
def list_versions(ctx: Context, subscription: str, location: str, publisher: str, ext_type: str) -> Response:
    location = _location(location)
    p_name, t_name, (_, versions) = _type(publisher, ext_type)
    return Response(200, [{"location": location, "name": v, "id": _id(ctx, location, p_name, t_name, v)}
                          for v in sorted(versions, key=version_key)])


@PROVIDER.route(["GET"], TYPES_PATH + "/{ext_type}/versions/{version}", VM_VERSIONS)
def get_version(ctx: Context, subscription: str, location: str, publisher: str, ext_type: str, version: str) -> Response:
    location = _location(location)
    p_name, t_name, (system, versions) = _type(publisher, ext_type)
    if version not in versions:
        raise ArmError(404, "NotFound", f"Extension image '{p_name}.{t_name}' version '{version}' was not found.")
    return Response(200, {"properties": {"operatingSystem": system, "computeRole": "IaaS", "architecture": ["x64"],
                                         "vmScaleSetEnabled": system == "Linux", "supportsMultipleExtensions": False,
                                         "supportsMigration": False, "rollbackSupported": False,
                                         "isInternalExtension": False, "isJsonExtension": system == "Linux"},
                          "location": location, "name": version, "id": _id(ctx, location, p_name, t_name, version)})
