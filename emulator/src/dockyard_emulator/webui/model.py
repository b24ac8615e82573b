"""What the web view shows, gathered from an emulator: the resource tree, VMs, operations, requests.

Pure data, no HTML (``pages`` renders it). The functions that take plain values (``redact``,
``build_tree``, ``RequestFilter``, ``page_of_requests``) are what the unit tests exercise; the
``*_of(app)`` functions read a running emulator's store, faults and VM backend without a
transaction, so the page never blocks ARM requests for longer than one query.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..context import Context
from ..store import Operation, Resource

if TYPE_CHECKING:
    from ..server import Emulator

log = logging.getLogger("dockyard_emulator.webui")

GROUP_TYPE = "microsoft.resources/resourcegroups"
VM_TYPE = "microsoft.compute/virtualmachines"
EXTENSION_TYPE = "microsoft.compute/virtualmachines/extensions"
HIDDEN = "(hidden)"
# Keys whose values are secrets. ARM keeps these out of what it returns (the emulator stores them as
# private data); the web view hides them again in case a provider ever puts one in a representation.
SECRET_KEY = re.compile(r"password|secret|protectedsettings|customdata|userdata|privatekey|connectionstring|"
                        r"accesskey|sharedkey|primarykey|secondarykey|token$", re.IGNORECASE)
LOG_LINES = 40


def redact(value: Any) -> Any:
    """``value`` with every secret-named key's value replaced by ``HIDDEN`` (flags such as
    ``disablePasswordAuthentication: true`` and empty values stay: they say nothing secret)."""
    if isinstance(value, dict):
        return {k: HIDDEN if SECRET_KEY.search(k) and not isinstance(v, bool) and v not in (None, "", [], {})
                else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


# resource tree ----------------------------------------------------------------------------------
@dataclass
class Node:
    """A resource and the resources nested under it (a VM's extensions, a VNet's subnets)."""

    resource: Resource
    children: list[Node] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.resource["body"].get("name") or self.resource["id"].rsplit("/", 1)[-1])

    @property
    def type(self) -> str:
        return str(self.resource["body"].get("type") or self.resource["type"])

    def count(self) -> int:
        return 1 + sum(child.count() for child in self.children)


@dataclass
class Group:
    resource: Resource
    nodes: list[Node] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.resource["body"].get("name") or self.resource["id"].rsplit("/", 1)[-1])


@dataclass
class Subscription:
    id: str
    groups: list[Group] = field(default_factory=list)
    other: list[Node] = field(default_factory=list)   # resources outside any resource group


def _subscription_of(rid: str) -> str:
    parts = rid.split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""


def build_tree(resources: list[Resource], subscriptions: Iterable[str] = ()) -> list[Subscription]:
    """Subscriptions -> resource groups -> resources -> nested resources, each level sorted by id.

    ``subscriptions`` are listed even when they hold nothing. A nested resource whose parent is
    missing is listed under its resource group."""
    subs: dict[str, Subscription] = {s.lower(): Subscription(s) for s in subscriptions}
    groups: dict[str, Group] = {}
    nodes: dict[str, Node] = {}
    for resource in sorted(resources, key=lambda r: r["id"].lower()):
        sub_id = _subscription_of(resource["id"])
        sub = subs.setdefault(sub_id.lower(), Subscription(sub_id))
        if resource["type"].lower() == GROUP_TYPE:
            groups[resource["id"].lower()] = Group(resource)
            sub.groups.append(groups[resource["id"].lower()])
        else:
            nodes[resource["id"].lower()] = Node(resource)
    for key, node in nodes.items():
        parent_key = key.rsplit("/", 2)[0]
        if "/providers/" in parent_key and parent_key in nodes:
            nodes[parent_key].children.append(node)
            continue
        match = re.match(r"^(/subscriptions/[^/]+/resourcegroups/[^/]+)/", key)
        owner = groups.get(match.group(1)) if match else None
        if owner is not None:
            owner.nodes.append(node)
        else:
            subs.setdefault(_subscription_of(key), Subscription(_subscription_of(node.resource["id"]))).other.append(node)
    return list(subs.values())


def representation(app: Emulator, resource: Resource) -> dict[str, Any]:
    """What a GET of the resource answers (its type's ``render``, no ``$expand``), secrets hidden."""
    rtype = app.registry.type(resource["type"])
    body: Any = resource["body"]
    if rtype is not None and resource["type"].lower() != GROUP_TYPE:
        try:
            body = rtype.render(Context(app), resource)
        except Exception:  # noqa: BLE001 - show the stored body rather than no page
            log.debug("rendering %s failed; showing its stored body", resource["id"], exc_info=True)
    result: dict[str, Any] = redact(body)
    return result


# virtual machines -------------------------------------------------------------------------------
@dataclass
class ExtensionView:
    name: str
    type: str
    state: str          # the extension's status: Provisioning succeeded / failed / Transitioning
    message: str        # the handler's message: for Custom Script the tails of stdout and stderr


@dataclass
class VmView:
    id: str
    name: str
    group: str
    size: str
    provisioning_state: str
    power_state: str                      # ARM's PowerState display, e.g. "VM running"
    operation: str | None                 # kind of the operation in progress on the VM, if any
    backend: str
    container: str | None = None
    address: str | None = None
    container_state: str | None = None    # what the Docker engine says (running, exited, missing)
    console_log: str = ""                 # the last lines the VM's init wrote (its boot log)
    custom_data_log: str = ""             # the last lines of /var/log/cloud-init-output.log
    backend_error: str | None = None
    extensions: list[ExtensionView] = field(default_factory=list)


def _power_display(view: dict[str, Any]) -> str:
    for status in view.get("statuses") or []:
        if str(status.get("code", "")).startswith("PowerState/"):
            return str(status.get("displayStatus") or status["code"].split("/", 1)[1])
    return "unknown"


def vm_of(app: Emulator, vm: Resource, lines: int = LOG_LINES) -> VmView:
    ctx = Context(app)
    props = vm["body"].get("properties") or {}
    running = app.store.operations_for(vm["id"].lower())
    backend_name = str(app.settings.get("vm_backend") or "none")
    view: dict[str, Any] = {}
    rtype = app.registry.type(VM_TYPE)
    instance_view = getattr(rtype, "instance_view", None)
    backend_error = None
    if instance_view is not None:
        try:
            view = instance_view(ctx, vm)
        except Exception as exc:  # noqa: BLE001 - e.g. the Docker engine is gone: say so on the page
            backend_error = f"instance view: {exc}"
    power = _power_display(view) if view else f"VM {vm['internal'].get('power', 'running')}"
    result = VmView(id=vm["id"], name=str(vm["body"].get("name")), group=vm["id"].split("/")[4],
                    size=str((props.get("hardwareProfile") or {}).get("vmSize", "")),
                    provisioning_state=str(props.get("provisioningState")), power_state=power,
                    operation=running[0]["kind"] if running else None, backend=backend_name,
                    backend_error=backend_error)
    recorded = (vm.get("internal") or {}).get("backend") or {}
    result.container, result.address = recorded.get("container"), recorded.get("address")
    if backend_name != "none":
        try:
            info = app.vm_backend.machine_info(ctx, vm, lines)
        except Exception as exc:  # noqa: BLE001 - same: the page shows what went wrong
            result.backend_error = f"{backend_name} backend: {exc}"
            info = None
        if info:
            result.container = info.get("container") or result.container
            result.address = info.get("address") or result.address
            result.container_state = info.get("status")
            result.console_log = info.get("console") or ""
            result.custom_data_log = info.get("custom_data") or ""
    for ext in view.get("extensions") or []:
        status = (ext.get("statuses") or [{}])[0]
        result.extensions.append(ExtensionView(ext.get("name", ""), ext.get("type", ""),
                                               status.get("displayStatus", ""), status.get("message", "")))
    return result


def vms_of(app: Emulator, resources: list[Resource]) -> list[VmView]:
    return [vm_of(app, r) for r in resources if r["type"].lower() == VM_TYPE]


# operations, faults, settings -------------------------------------------------------------------
def running_operations(app: Emulator) -> list[Operation]:
    """Operations in progress, oldest first: those the LRO timer completes and those background work does."""
    ops = {op["id"]: op for op in app.store.due_operations(float("inf")) + app.store.background_operations()}
    return sorted(ops.values(), key=lambda op: op.get("start") or 0)


def operation_age(op: Operation, now: float | None = None) -> str:
    return f"{max(0.0, (now or time.time()) - (op.get('start') or 0)):.1f} s"


def fault_settings(app: Emulator) -> dict[str, Any]:
    return dict(app.faults.settings)


# request log ------------------------------------------------------------------------------------
METHODS = ("GET", "PUT", "PATCH", "POST", "DELETE", "HEAD", "OPTIONS")
STATUS_FILTER = re.compile(r"^(?:[1-5][0-9][0-9]|[1-5]xx|dropped|fault)$")
PAGE_SIZES = (20, 50, 100, 500)


@dataclass(frozen=True)
class RequestFilter:
    """The request log's filters as the page's form sends them; bad values are dropped and named in ``problems``."""

    method: str = ""        # exact, e.g. PUT
    status: str = ""        # 404, 4xx, dropped (no answer), fault (any injected fault)
    path: str = ""          # substring of the path, case-insensitive
    writes_only: bool = False
    page: int = 1
    per_page: int = 50
    problems: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query: dict[str, str]) -> RequestFilter:
        problems = []
        method = query.get("method", "").strip().upper()
        if method and method not in METHODS:
            problems.append(f"method '{method}' is not one of {', '.join(METHODS)}")
            method = ""
        status = query.get("status", "").strip().lower()
        if status and not STATUS_FILTER.match(status):
            problems.append(f"status '{status}' is not a code (404), a class (4xx), 'dropped' or 'fault'")
            status = ""
        page, per_page = _positive(query.get("page"), 1), _positive(query.get("per_page"), 50)
        if per_page not in PAGE_SIZES:
            per_page = min(PAGE_SIZES, key=lambda size: abs(size - per_page))
        return cls(method=method, status=status, path=query.get("path", "").strip(),
                   writes_only=query.get("writes_only", "").lower() in ("1", "true", "on", "yes"),
                   page=page, per_page=per_page, problems=tuple(problems))

    def matches(self, entry: dict[str, Any]) -> bool:
        if self.method and entry.get("method") != self.method:
            return False
        if self.writes_only and not entry.get("write"):
            return False
        if self.path and self.path.lower() not in str(entry.get("path", "")).lower():
            return False
        code = entry.get("status")
        if self.status == "dropped":
            return code is None
        if self.status == "fault":
            return bool(entry.get("fault"))
        if self.status.endswith("xx"):
            return code is not None and str(code)[0] == self.status[0]
        return not self.status or str(code) == self.status

    def query(self, **changes: Any) -> dict[str, str]:
        """The form's query parameters for these filters (with ``changes``), without the defaults."""
        values = {"method": self.method, "status": self.status, "path": self.path,
                  "writes_only": "on" if self.writes_only else "", "page": str(self.page),
                  "per_page": str(self.per_page), **{k: str(v) for k, v in changes.items()}}
        defaults = {"page": "1", "per_page": "50"}
        return {k: v for k, v in values.items() if v and defaults.get(k) != v}


def _positive(text: str | None, default: int) -> int:
    try:
        value = int(text or default)
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass
class RequestPage:
    entries: list[dict[str, Any]]   # newest first
    total: int                      # entries matching the filters
    page: int
    pages: int


def page_of_requests(entries: list[dict[str, Any]], flt: RequestFilter) -> RequestPage:
    """The page ``flt.page`` of the entries matching ``flt``, newest first (a page past the end shows the last)."""
    matching = [e for e in reversed(entries) if flt.matches(e)]
    pages = max(1, -(-len(matching) // flt.per_page))
    page = min(flt.page, pages)
    start = (page - 1) * flt.per_page
    return RequestPage(matching[start:start + flt.per_page], len(matching), page, pages)
