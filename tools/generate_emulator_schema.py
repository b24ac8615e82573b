"""Generate the emulator's ARM schema (emulator/src/dockyard_emulator/_generated_arm_schema.py) from the
Azure SDK for Python's model classes.

    python tools/generate_emulator_schema.py            # rewrite the file
    python tools/generate_emulator_schema.py --check    # exit 1 when the file is stale

The emulator stores and returns every property the API version's schema allows. It reads that
schema from the generated file, not from the SDK at run time: the emulator stays a small package
that starts fast and does not depend on 45 MB of SDK, and its schema changes only when someone
regenerates it (a reviewable diff), whatever SDK a user has installed. The SDK packages used are the
typespec-generated ones (azure-mgmt-compute >= 38, azure-mgmt-network >= 30): each model field knows
its REST name, its type and its visibility (``["read"]`` only: read-only, computed by Azure).

Encoding of a field (a string): an optional ``r:`` prefix (read-only), then the type: ``s`` string,
``i`` integer, ``f`` number, ``b`` boolean, ``t`` date-time (a string), ``a`` anything (free-form
JSON), ``[X`` a list of X, ``{X`` a map of string to X, or the name of another model
(``compute.Sku``). Polymorphic models list the union of their subtypes' fields.
"""
from __future__ import annotations

import argparse
import datetime
import enum
import importlib
import importlib.metadata
import pprint
import sys
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "emulator" / "src" / "dockyard_emulator" / "_generated_arm_schema.py"
PACKAGES = {"compute": "azure-mgmt-compute", "network": "azure-mgmt-network"}

# ARM resource type -> the SDK model of its representation (package.Model)
ROOTS = {
    "Microsoft.Compute/virtualMachines": "compute.VirtualMachine",
    "Microsoft.Compute/virtualMachines/extensions": "compute.VirtualMachineExtension",
    "Microsoft.Compute/virtualMachines/runCommands": "compute.VirtualMachineRunCommand",
    "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommands": "compute.VirtualMachineRunCommand",
    "Microsoft.Compute/availabilitySets": "compute.AvailabilitySet",
    "Microsoft.Compute/proximityPlacementGroups": "compute.ProximityPlacementGroup",
    "Microsoft.Compute/sshPublicKeys": "compute.SshPublicKeyResource",
    "Microsoft.Compute/images": "compute.Image",
    "Microsoft.Compute/disks": "compute.Disk",
    "Microsoft.Compute/snapshots": "compute.Snapshot",
    "Microsoft.Compute/diskAccesses": "compute.DiskAccess",
    "Microsoft.Compute/diskEncryptionSets": "compute.DiskEncryptionSet",
    "Microsoft.Compute/capacityReservationGroups": "compute.CapacityReservationGroup",
    "Microsoft.Compute/capacityReservationGroups/capacityReservations": "compute.CapacityReservation",
    "Microsoft.Compute/hostGroups": "compute.DedicatedHostGroup",
    "Microsoft.Compute/hostGroups/hosts": "compute.DedicatedHost",
    "Microsoft.Compute/restorePointCollections": "compute.RestorePointCollection",
    "Microsoft.Compute/restorePointCollections/restorePoints": "compute.RestorePoint",
    "Microsoft.Compute/restorePointCollections/restorePoints/diskRestorePoints": "compute.DiskRestorePoint",
    "Microsoft.Compute/galleries": "compute.Gallery",
    "Microsoft.Compute/galleries/images": "compute.GalleryImage",
    "Microsoft.Compute/galleries/images/versions": "compute.GalleryImageVersion",
    "Microsoft.Compute/virtualMachineScaleSets": "compute.VirtualMachineScaleSet",
    "Microsoft.Compute/virtualMachineScaleSets/virtualMachines": "compute.VirtualMachineScaleSetVM",
    "Microsoft.Compute/interconnectBlocks": "compute.InterconnectBlock",
    "Microsoft.Compute/virtualMachines/diagnosticRunCommands": "compute.VirtualMachineDiagnosticRunCommand",
    "Microsoft.Network/virtualNetworks": "network.VirtualNetwork",
    "Microsoft.Network/virtualNetworks/subnets": "network.Subnet",
    "Microsoft.Network/networkSecurityGroups": "network.NetworkSecurityGroup",
    "Microsoft.Network/networkSecurityGroups/securityRules": "network.SecurityRule",
    "Microsoft.Network/networkSecurityGroups/defaultSecurityRules": "network.SecurityRule",
    "Microsoft.Network/publicIPAddresses": "network.PublicIPAddress",
    "Microsoft.Network/publicIPPrefixes": "network.PublicIPPrefix",
    "Microsoft.Network/networkInterfaces": "network.NetworkInterface",
    "Microsoft.Network/routeTables": "network.RouteTable",
    "Microsoft.Network/routeTables/routes": "network.Route",
    "Microsoft.Network/natGateways": "network.NatGateway",
    "Microsoft.Network/ipGroups": "network.IpGroup",
    "Microsoft.Network/applicationSecurityGroups": "network.ApplicationSecurityGroup",
}
# Request bodies of actions whose answers the emulator builds (package.Model)
EXTRA_MODELS = ("compute.RunCommandInput", "compute.RunCommandResult", "compute.RunCommandDocument",
                "compute.RunCommandDocumentBase", "compute.GrantAccessData", "compute.AccessUri",
                "compute.SshPublicKeyGenerateKeyPairResult", "compute.AttachDetachDataDisksRequest",
                "compute.VirtualMachineCaptureParameters", "compute.VirtualMachineCaptureResult",
                "compute.VirtualMachineReimageParameters", "compute.VirtualMachineInstanceView")


def _models(package: str) -> typing.Any:
    return importlib.import_module(f"azure.mgmt.{package}.models")


def _fields(cls: type) -> dict[str, typing.Any]:
    cls.__new__(cls)  # the SDK computes _attr_to_rest_field on first instantiation
    return dict(cls._attr_to_rest_field)  # type: ignore[attr-defined]


def _subtypes(cls: type) -> list[type]:
    mapping = getattr(cls, "__mapping__", None) or {}
    return [sub for sub in mapping.values() if sub is not cls]


class Walker:
    def __init__(self) -> None:
        self.models: dict[str, dict[str, str]] = {}

    def model(self, package: str, cls: type) -> str:
        name = f"{package}.{cls.__name__}"
        if name in self.models:
            return name
        self.models[name] = {}
        fields: dict[str, str] = {}
        for klass in [cls, *_subtypes(cls)]:
            module = sys.modules[klass.__module__]
            hints = typing.get_type_hints(klass, globalns={**vars(module), "_models": _models(package)})
            for attr, field in _fields(klass).items():
                code = self.type_code(package, hints.get(attr))
                if field._visibility == ["read"]:
                    code = "r:" + code
                fields.setdefault(field._rest_name, code)
        self.models[name] = fields
        return name

    def type_code(self, package: str, hint: typing.Any) -> str:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is typing.Union:
            options = [a for a in args if not (isinstance(a, type) and issubclass(a, type(None)))]
            models = [a for a in options if isinstance(a, type) and hasattr(a, "_attr_to_rest_field")
                      or isinstance(a, type) and hasattr(a, "_calculated")]
            if models:
                return self.type_code(package, models[0])
            if all(isinstance(a, type) and (a is str or issubclass(a, enum.Enum)) for a in options):
                return "s"
            return self.type_code(package, options[0]) if len(options) == 1 else "a"
        if origin is list:
            return "[" + self.type_code(package, args[0] if args else typing.Any)
        if origin is dict:
            return "{" + self.type_code(package, args[1] if len(args) > 1 else typing.Any)
        if hint is str or (isinstance(hint, type) and issubclass(hint, enum.Enum)):
            return "s"
        if hint is bool:
            return "b"
        if hint is int:
            return "i"
        if hint is float:
            return "f"
        if hint in (datetime.datetime, datetime.date, datetime.timedelta):
            return "t"
        if isinstance(hint, type) and hasattr(hint, "_calculated"):
            return self.model(package, hint)
        return "a"


def generate() -> str:
    walker = Walker()
    roots = {}
    for rtype, ref in ROOTS.items():
        package, name = ref.split(".")
        roots[rtype] = walker.model(package, getattr(_models(package), name))
    for ref in EXTRA_MODELS:
        package, name = ref.split(".")
        walker.model(package, getattr(_models(package), name))
    versions = ", ".join(f"{dist} {importlib.metadata.version(dist)}" for dist in PACKAGES.values())
    lines = [f"# GENERATED by tools/generate_emulator_schema.py from {versions}: do not edit, run the generator.",
             '"""The ARM schema of the resource types the emulator serves, from the Azure SDK\'s models (see the',
             'generator\'s docstring for the encoding). Private to the emulator: read it through :mod:`.schema`."""',
             "# fmt: off",
             "ROOTS: dict[str, str] = " + pprint.pformat(roots, width=150, sort_dicts=True),
             "",
             "MODELS: dict[str, dict[str, str]] = {"]
    for name in sorted(walker.models):
        lines.append(f"    {name!r}: {{")
        line = "       "
        for key, code in sorted(walker.models[name].items()):
            item = f" {key!r}: {code!r},"
            if len(line) + len(item) > 150:
                lines.append(line)
                line = "       "
            line += item
        lines += [line, "    },"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the generated file is stale")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run python tools/generate_emulator_schema.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text)
    print(f"wrote {args.output} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
