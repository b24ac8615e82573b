"""Microsoft.Network's shared parts: the provider, its api-versions, the base types and the
reference helpers every network resource type uses.

Back-references Azure computes (a subnet's ``ipConfigurations``, a public IP's ``ipConfiguration``,
an NSG's ``networkInterfaces``/``subnets``, a NIC's ``virtualMachine``) are derived when rendering
from the resources that hold the forward references (:func:`ip_configurations`, :func:`attached_vm`),
so they can never go stale.
"""
from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Iterator
from typing import Any, Callable

from ... import lro
from ...context import Context
from ...errors import ArmError
from ...registry import Provider
from ...resource_type import ResourceId, ResourceType
from ...schema_type import SchemaType, new_guid
from ...store import Resource
from ...web import Response

PROVIDER = Provider("Microsoft.Network")
VERSIONS = ("2026-03-01", "2025-07-01", "2025-05-01", "2025-03-01", "2025-01-01", "2024-10-01", "2024-07-01",
            "2024-05-01", "2024-03-01", "2024-01-01", "2023-11-01", "2023-09-01", "2023-06-01", "2023-05-01",
            "2023-04-01", "2023-02-01", "2022-11-01", "2022-09-01", "2022-07-01", "2022-05-01", "2022-01-01",
            "2021-08-01", "2021-05-01", "2021-03-01", "2021-02-01", "2020-11-01", "2020-08-01", "2020-07-01",
            "2020-06-01", "2020-05-01", "2020-04-01", "2020-03-01", "2019-12-01", "2019-11-01", "2019-09-01")
VM_TYPE = "Microsoft.Compute/virtualMachines"
NIC_TYPE = "Microsoft.Network/networkInterfaces"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
PUBLIC_RANGE = ipaddress.ip_network("198.18.0.0/15")  # RFC 2544 benchmarking range: never routed publicly
DNS_LABEL = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")




def ref_id(value: Any) -> str | None:
    """The lower-cased id of a ``{"id": ...}`` reference (None when absent)."""
    return value["id"].lower() if isinstance(value, dict) and isinstance(value.get("id"), str) else None


def subscription_resources(ctx: Context, full_type: str, containing: str | None = None) -> list[Resource]:
    """The subscription's resources of a type (only those whose representation mentions ``containing``)."""
    return ctx.store.resources(f"/subscriptions/{ctx.subscription}/", [full_type], containing)


# A request that looks up more back-references than this (a listing rendering each item) reads the
# referencing resources once into an index instead of one filtered query per lookup.
INDEX_AFTER = 8


def _indexed(ctx: Context, name: str, build: Callable[[], dict[str, list[Any]]]) -> dict[str, list[Any]] | None:
    """The request's index ``name`` once it has looked up more than INDEX_AFTER back-references, else None."""
    calls = ctx.memo[("lookups", name)] = ctx.memo.get(("lookups", name), 0) + 1
    if calls <= INDEX_AFTER:
        return None
    key = (name, ctx.store.generation)
    if key not in ctx.memo:
        ctx.memo[key] = build()
    index: dict[str, list[Any]] = ctx.memo[key]
    return index


def _configurations_by(ctx: Context, key: str) -> dict[str, list[Any]]:
    index: dict[str, list[Any]] = {}
    for nic in subscription_resources(ctx, NIC_TYPE):
        for config in nic["body"]["properties"].get("ipConfigurations", []):
            target = ref_id(config["properties"].get(key))
            if target:
                index.setdefault(target, []).append((nic, config))
    return index


def ip_configurations(ctx: Context, key: str, target_id: str) -> Iterator[tuple[Resource, dict[str, Any]]]:
    """(nic, ipConfiguration) pairs whose ``properties[key]`` references ``target_id``."""
    target = target_id.lower()
    index = _indexed(ctx, f"configurations-by-{key}", lambda: _configurations_by(ctx, key))
    if index is not None:
        yield from index.get(target, [])
        return
    for nic in subscription_resources(ctx, NIC_TYPE, containing=target):
        for config in nic["body"]["properties"].get("ipConfigurations", []):
            if ref_id(config["properties"].get(key)) == target:
                yield nic, config


def _vms_by_nic(ctx: Context) -> dict[str, list[Any]]:
    index: dict[str, list[Any]] = {}
    for vm in subscription_resources(ctx, VM_TYPE):
        for reference in vm["body"]["properties"].get("networkProfile", {}).get("networkInterfaces", []):
            if ref_id(reference):
                index.setdefault(ref_id(reference) or "", []).append((vm, reference))
    return index


def attached_vm(ctx: Context, nic_id: str) -> tuple[Resource | None, dict[str, Any]]:
    """(vm record, NIC reference) of the VM whose networkProfile lists ``nic_id``; (None, {}) otherwise."""
    index = _indexed(ctx, "vms-by-nic", lambda: _vms_by_nic(ctx))
    if index is not None:
        found = index.get(nic_id.lower())
        return found[0] if found else (None, {})
    for vm in subscription_resources(ctx, VM_TYPE, containing=nic_id):
        for reference in vm["body"]["properties"].get("networkProfile", {}).get("networkInterfaces", []):
            if ref_id(reference) == nic_id.lower():
                return vm, reference
    return None, {}


def machine_address(ctx: Context, nic: Resource, config: dict[str, Any]) -> tuple[str | None, Resource | None]:
    """The address of the machine behind the VM that uses ``nic`` (a container VM's address on the emulator's
    network), for the NIC's primary IP configuration when it is the VM's primary NIC; None otherwise."""
    vm, reference = attached_vm(ctx, nic["id"])
    if vm is None or not config["properties"].get("primary"):
        return None, vm
    backend = (vm.get("internal") or {}).get("backend") or {}
    references = vm["body"]["properties"].get("networkProfile", {}).get("networkInterfaces", [])
    primary = (reference.get("properties") or {}).get("primary", len(references) == 1)
    if not primary or backend.get("deleted"):
        return None, vm
    return backend.get("address"), vm


def referenced(ctx: Context, reference: Any, owner_id: str, full_type: str, location: str | None = None) -> Resource:
    """The record behind a ``{"id": ...}`` reference: InvalidResourceReference when missing or elsewhere."""
    target = ctx.store.resource(reference["id"]) if isinstance(reference, dict) and reference.get("id") else None
    if (target is None or target["type"] != full_type.lower()
            or (location and target["body"].get("location", location) != location)):
        raise ArmError(400, "InvalidResourceReference", f"Resource {reference.get('id') if isinstance(reference, dict) else reference} "
                       f"referenced by resource {owner_id} was not found. Please make sure that the referenced "
                       "resource exists, and that both resources are in the same region.")
    return target


def cidr(prefix: Any, owner_id: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except (TypeError, ValueError):
        raise ArmError(400, "InvalidAddressPrefixFormat", f"Address prefix {prefix} of resource {owner_id} is not "
                       "formatted correctly. It should follow CIDR notation, for example 10.0.0.0/24.") from None
    if str(network) != prefix:
        raise ArmError(400, "InvalidCIDRNotation", f"The address prefix {prefix} in resource {owner_id} has an "
                       f"invalid CIDR notation. For the given prefix length, the address prefix should be {network}.")
    return network


class NetworkType(ResourceType):
    api_versions = VERSIONS
    async_put = async_delete = True
    states = {"create": "Updating", "update": "Updating", "delete": "Deleting"}
    operation_kinds = ("operations", "operationResults")

    strict_schema = False  # Microsoft.Network drops the keys it does not know

    @staticmethod
    def etag() -> str:
        return f'W/"{uuid.uuid4()}"'

    def save(self, ctx: Context, resource_id: str, body: dict[str, Any], internal: dict[str, Any] | None = None) -> None:
        body["etag"] = self.etag()
        super().save(ctx, resource_id, body, internal)

    def busy_answer(self, ctx: Context, running: list[Any]) -> ArmError:
        """Microsoft.Network's answer while another operation runs on the resource (or one it depends on)."""
        status = lro.headers(ctx, running[0]).get("Azure-AsyncOperation", "")
        return ArmError(409, "AnotherOperationInProgress", "Another operation on this or dependent resource is in "
                        f"progress. To retrieve status of the operation use uri: {status}.")

    def patch(self, ctx: Context, rid: ResourceId) -> Response:
        """Microsoft.Network's PATCH updates tags only, synchronously (200, no long-running operation)."""
        existing = self.get_existing(ctx, rid)
        running = self.busy(ctx, rid)
        if running:
            raise self.busy_answer(ctx, running)
        tags = ctx.json().get("tags")
        if tags is not None and (not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values())):
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request: tags must be an object of strings.")
        body = dict(existing["body"])
        if tags is not None:
            body["tags"] = tags
        self.save(ctx, existing["id"], body, existing["internal"])
        return Response(200, self.render(ctx, self.get_existing(ctx, rid)))

    @staticmethod
    def guid(existing: Resource | None) -> str:
        guid: str = existing["body"]["properties"].get("resourceGuid") if existing else str(uuid.uuid4())
        return guid


class NetworkMetadata(SchemaType, NetworkType):
    """A Microsoft.Network type declared by its schema (see :mod:`...schema_type`): resourceGuid computed,
    the provider's error wording."""

    computed = {"properties.resourceGuid": new_guid}

    def missing(self, path: str) -> ArmError:
        return ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: '{path}' is required.", target=path)

    def changed(self, path: str) -> ArmError:
        return ArmError(400, "PropertyChangeNotAllowed", f"Changing property '{path}' is not allowed.", target=path)


class ChildType(NetworkType):
    """A child resource rendered inline in its parent (subnets, security rules)."""

    tracked = False
    inline_key = ""  # the parent's properties key holding the inline children

    def children(self, ctx: Context, parent_id: str) -> list[Resource]:
        return ctx.store.resources(f"{parent_id}/{self.name.split('/')[-1]}/", [self.full_type])

    def sync_inline(self, ctx: Context, parent_id: str, given: list[Any] | None,
                    validate: Callable[[str, str, dict[str, Any], Resource | None], dict[str, Any]]) -> None:
        """Make the stored children of ``parent_id`` match the inline list ``given`` of a parent PUT."""
        wanted, seen = [], set()
        for item in given or []:
            name = item.get("name") if isinstance(item, dict) else None
            if not name:
                raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: each of "
                               f"'properties.{self.inline_key}' needs a name.", target=f"properties.{self.inline_key}")
            if name.lower() in seen:
                raise ArmError(400, "InvalidRequestFormat", f"Duplicate name '{name}' in properties.{self.inline_key}.")
            seen.add(name.lower())
            wanted.append((f"{parent_id}/{self.name.split('/')[-1]}/{name}", name, item.get("properties") or {}))
        current = {c["id"].lower(): c for c in self.children(ctx, parent_id)}
        built = [(cid, name, validate(cid, name, props, current.get(cid.lower()))) for cid, name, props in wanted]
        for key, child in current.items():
            if key not in {cid.lower() for cid, _, _ in wanted}:
                self.check_delete(ctx, child)
                self.remove(ctx, child["id"])
        for cid, name, properties in built:
            stored = current.get(cid.lower())
            body = {"id": stored["id"] if stored else cid, "name": stored["body"]["name"] if stored else name,
                    "type": self.full_type, "properties": {**properties, "provisioningState": "Succeeded"}}
            self.save(ctx, body["id"], body, stored["internal"] if stored else None)

    def inline(self, ctx: Context, parent_id: str) -> list[dict[str, Any]]:
        return [self.render(ctx, c) for c in self.children(ctx, parent_id)]
