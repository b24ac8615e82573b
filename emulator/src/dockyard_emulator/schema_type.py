"""SchemaType: a resource type declared by its schema, its defaults and what Azure computes.

Most resource types a VM session touches (availability sets, proximity placement groups, snapshots,
images, route tables, NAT gateways, ...) have no behaviour the emulator can act out: Azure stores
what the client sent, fills a few defaults, computes a few read-only fields, checks a few rules and
answers. A SchemaType says exactly that, in a few lines:

- the schema (from the Azure SDK's models, :mod:`.schema`) decides which keys are stored and returned;
  the request body is conformed to it before anything else (unknown keys refused or dropped);
- ``defaults``: writable keys Azure fills when the body leaves them out (a value, or
  ``callable(ctx, rid, doc)``);
- ``computed``: read-only keys Azure computes when the resource is created and keeps afterwards
  (``callable(ctx, rid, doc)``), e.g. ``properties.uniqueId``;
- ``get_only``: read-only keys Azure computes on every GET (back-reference lists such as an availability
  set's ``virtualMachines``); PUT and PATCH answers do not carry them, as recorded on Azure;
- ``required`` / ``immutable``: ARM's checks of a PUT, with the provider's error wording;
- ``validate``: a hook for the rules particular to the type.

Everything else (ids, location, tags, status codes, long-running operations, deletion) is
:class:`~.resource_type.ResourceType`'s.
"""
from __future__ import annotations

import copy
import uuid
from typing import TYPE_CHECKING, Any, Callable

from .errors import ArmError
from .resource_type import ResourceId, ResourceType, utcnow
from .store import Resource

if TYPE_CHECKING:
    from .context import Context

Value = Callable[["Context", ResourceId, dict[str, Any]], Any]


def get_path(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        doc = doc.setdefault(key, {})
    doc[last] = value


def new_guid(ctx: Context, rid: ResourceId, doc: dict[str, Any]) -> str:
    return str(uuid.uuid4())


def now(ctx: Context, rid: ResourceId, doc: dict[str, Any]) -> str:
    return utcnow()


def empty_list(ctx: Context, rid: ResourceId, doc: dict[str, Any]) -> list[Any]:
    return []


class SchemaType(ResourceType):
    """A resource type declared by its schema (see the module docstring)."""

    defaults: dict[str, Any] = {}
    computed: dict[str, Value] = {}
    get_only: dict[str, Callable[[Context, Resource], Any]] = {}
    required: tuple[str, ...] = ()
    immutable: tuple[str, ...] = ()

    # errors (Microsoft.Compute's wording; Microsoft.Network overrides) -------------------------------
    def missing(self, path: str) -> ArmError:
        return ArmError(400, "InvalidParameter", f"Required parameter '{path.rsplit('.', 1)[-1]}' is missing (null).",
                        target=path.rsplit(".", 1)[-1])

    def changed(self, path: str) -> ArmError:
        return ArmError(400, "PropertyChangeNotAllowed", f"Changing property '{path.rsplit('.', 1)[-1]}' is not "
                        "allowed.", target=path.rsplit(".", 1)[-1])

    # hooks -----------------------------------------------------------------------------------------
    def validate(self, ctx: Context, rid: ResourceId, doc: dict[str, Any], existing: Resource | None) -> None:
        """Azure's rules particular to the type (raise ArmError); may complete ``doc`` in place."""

    # ResourceType hooks ------------------------------------------------------------------------------
    def build(self, ctx: Context, rid: ResourceId, body: dict[str, Any], existing: Resource | None) -> dict[str, Any]:
        doc = copy.deepcopy({k: v for k, v in body.items() if k not in ("location", "tags")})
        old = existing["body"] if existing else {}
        for path in self.required:
            if get_path(doc, path) is None:
                raise self.missing(path)
        if existing:
            for path in self.immutable:
                before, after = get_path(old, path), get_path(doc, path)
                if after is not None and before is not None and str(before).lower() != str(after).lower():
                    raise self.changed(path)
        for path, value in self.defaults.items():
            if get_path(doc, path) is None:
                set_path(doc, path, value(ctx, rid, doc) if callable(value) else copy.deepcopy(value))
        self.validate(ctx, rid, doc, existing)
        for path, factory in self.computed.items():
            kept = get_path(old, path)
            set_path(doc, path, kept if kept is not None else factory(ctx, rid, doc))
        return doc

    def render(self, ctx: Context, resource: Resource) -> dict[str, Any]:
        body = resource["body"]
        if not self.get_only or ctx.method != "GET":
            return body
        body = copy.deepcopy(body)
        for path, compute in self.get_only.items():
            set_path(body, path, compute(ctx, resource))
        return body
