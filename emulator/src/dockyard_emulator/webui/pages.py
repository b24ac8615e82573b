"""The web view's pages: the overview (VMs, resource tree, operations, faults, settings) and the request log."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .. import __version__
from . import model
from .html import (
    REQUESTS,
    anchor_id,
    cell,
    esc,
    link,
    log_block,
    page,
    pretty_json,
    raw_cell,
    row,
    section,
    table,
    url,
)

if TYPE_CHECKING:
    from ..server import Emulator
    from ..store import Resource


def header_info(app: Emulator) -> dict[str, Any]:
    return {"version": __version__, "url": app.base_url, "vm backend": app.settings.get("vm_backend") or "none",
            "subscription": app.identity["subscription_id"], "state": app.state_dir}


def _power_css(power: str) -> str:
    word = power.rsplit(" ", 1)[-1].lower()
    if word in ("running", "stopped", "deallocated"):
        return f"power state-{word}"
    return "power state-transition"


# overview ---------------------------------------------------------------------------------------
def overview(app: Emulator, refresh: int | None = None) -> bytes:
    resources = app.store.resources("/subscriptions/")
    vms = model.vms_of(app, resources)
    body = "".join([
        section("Virtual machines", vm_section(vms), "vms"),
        section("Resources", tree_section(app, resources), "resources"),
        section("Long-running operations in progress", operations_section(model.running_operations(app)), "operations"),
        section("Fault injection", faults_section(model.fault_settings(app)), "faults"),
        section("Emulator settings", settings_section(app), "settings"),
    ])
    return page("Overview", body, header_info(app), refresh)


def vm_section(vms: list[model.VmView]) -> str:
    rows = [row([raw_cell(link(f"#{anchor_id(vm.id)}", vm.name), "name"), cell(vm.group), cell(vm.size),
                 cell(vm.provisioning_state), cell(vm.power_state, _power_css(vm.power_state)),
                 cell(vm.operation or ""), cell(vm.container or "—", "container"), cell(vm.address or "—", "address"),
                 cell(vm.container_state or ("no machine" if vm.backend == "none" else "—"))],
                data_vm=vm.name, data_vm_id=vm.id.lower())
            for vm in vms]
    details = "".join(vm_details(vm) for vm in vms)
    return table(["name", "resource group", "size", "provisioning", "power state", "operation", "container",
                  "address", "container state"], rows, "no virtual machines") + details


def vm_details(vm: model.VmView) -> str:
    parts = []
    if vm.backend_error:
        parts.append(f'<p class="problem">{esc(vm.backend_error)}</p>')
    if vm.backend == "none":
        parts.append('<p class="muted">VM backend none: metadata only, no machine, no logs.</p>')
    else:
        parts.append("<h3>Boot log (the VM's console)</h3>" + log_block(vm.console_log))
        parts.append("<h3>Custom data output (/var/log/cloud-init-output.log)</h3>"
                     + log_block(vm.custom_data_log, "(no custom data output)"))
    for ext in vm.extensions:
        parts.append(f"<h3>Extension {esc(ext.name)} <span class=\"type\">{esc(ext.type)}</span> · "
                     f"{esc(ext.state)}</h3>" + log_block(ext.message))
    if not vm.extensions:
        parts.append('<p class="muted">no extensions</p>')
    return (f'<details class="vm-logs" data-vm="{esc(vm.name)}"><summary>{esc(vm.name)}: logs</summary>'
            f"{''.join(parts)}</details>")


def tree_section(app: Emulator, resources: list[Resource]) -> str:
    subscriptions = model.build_tree(resources, [app.identity["subscription_id"]])
    out = []
    for sub in subscriptions:
        groups = "".join(group_item(app, group) for group in sub.groups)
        other = "".join(node_item(app, node) for node in sub.other)
        if other:
            groups += f"<li><details open><summary>outside resource groups</summary><ul class=\"tree\">{other}</ul></details></li>"
        label = "Dockyard Emulator" if sub.id == app.identity["subscription_id"] else "subscription"
        out.append(f'<details open class="subscription"><summary><strong>{esc(label)}</strong> '
                   f'<span class="type">subscription {esc(sub.id)} · {len(sub.groups)} resource group(s)</span></summary>'
                   f'<ul class="tree">{groups or "<li class=muted>no resource groups</li>"}</ul></details>')
    return "".join(out)


def group_item(app: Emulator, group: model.Group) -> str:
    count = sum(node.count() for node in group.nodes)
    location = group.resource["body"].get("location", "")
    children = "".join(node_item(app, node) for node in group.nodes)
    own = f"<details><summary class=\"type\">resource group JSON</summary>{pretty_json(model.representation(app, group.resource))}</details>"
    return (f'<li id="{esc(anchor_id(group.resource["id"]))}"><details open class="group" data-group="{esc(group.name)}">'
            f'<summary><strong>{esc(group.name)}</strong> <span class="type">resource group · {esc(location)} · '
            f'{count} resource(s)</span></summary><ul class="tree"><li>{own}</li>{children}</ul></details></li>')


def node_item(app: Emulator, node: model.Node) -> str:
    children = "".join(node_item(app, child) for child in node.children)
    nested = f'<ul class="tree">{children}</ul>' if children else ""
    return (f'<li id="{esc(anchor_id(node.resource["id"]))}"><details class="resource" data-resource="{esc(node.name)}">'
            f'<summary>{esc(node.name)} <span class="type">{esc(node.type)}</span></summary>'
            f"{pretty_json(model.representation(app, node.resource))}</details>{nested}</li>")


def operations_section(ops: list[dict[str, Any]]) -> str:
    now = time.time()
    rows = [row([cell(op.get("kind")), cell(op.get("target"), "path"), cell(op.get("type")),
                 cell(model.operation_age(op, now)),
                 cell("background work" if op.get("due") is None else f"completes in {max(0.0, op['due'] - now):.1f} s"),
                 cell(op.get("id"))])
            for op in ops]
    return table(["kind", "target", "type", "running for", "completes", "operation id"], rows, "none in progress")


def faults_section(settings: dict[str, Any]) -> str:
    rows = [row([cell(key), cell("not set" if value is None else value)]) for key, value in settings.items()]
    return (table(["setting", "value"], rows)
            + '<p class="muted">Change them with <code>dockyard-emulator faults --state-dir DIR ...</code> or '
              "<code>PUT /_emulator/faults</code>; this page only shows them.</p>")


def settings_section(app: Emulator) -> str:
    values = {"ARM endpoint and authority": app.base_url, "tenant": app.identity["tenant_id"],
              "client id": app.identity["client_id"], "VM backend": app.settings.get("vm_backend"),
              "LRO seconds": app.settings.get("lro_seconds"), "Retry-After": app.settings.get("retry_after"),
              "state directory": app.state_dir, "CA to trust": app.state_dir / "ca.pem"}
    return table(["setting", "value"], [row([cell(k), cell(v)]) for k, v in values.items()])


# request log ------------------------------------------------------------------------------------
def requests_page(app: Emulator, query: dict[str, str]) -> bytes:
    flt = model.RequestFilter.from_query(query)
    result = model.page_of_requests(app.store.requests(), flt)
    body = section("Request log", filter_form(flt) + requests_table(result) + pager(flt, result), "requests")
    return page("Request log", body, header_info(app))


def filter_form(flt: model.RequestFilter) -> str:
    methods = "".join(f'<option value="{esc(m)}"{" selected" if m == flt.method else ""}>{esc(m or "any")}</option>'
                      for m in ("", *model.METHODS))
    sizes = "".join(f'<option{" selected" if n == flt.per_page else ""}>{n}</option>' for n in model.PAGE_SIZES)
    problems = "".join(f'<p class="problem">{esc(p)}</p>' for p in flt.problems)
    return (f'<form class="filters" method="get" action="{esc(REQUESTS)}">'
            f'<label>method <select name="method">{methods}</select></label>'
            f'<label>status <input type="text" name="status" value="{esc(flt.status)}" placeholder="404, 4xx, dropped, fault"></label>'
            f'<label>path contains <input type="text" name="path" value="{esc(flt.path)}"></label>'
            f'<label><input type="checkbox" name="writes_only"{" checked" if flt.writes_only else ""}> writes only</label>'
            f'<label>per page <select name="per_page">{sizes}</select></label>'
            f'<button type="submit">filter</button> {link(REQUESTS, "clear")}</form>{problems}')


def requests_table(result: model.RequestPage) -> str:
    rows = []
    for e in result.entries:
        status = e.get("status")
        path = e.get("path", "") + (f"?{e['query']}" if e.get("query") else "")
        rows.append(row([cell(e.get("seq")), cell(e.get("time"), "time"), cell(e.get("method"), "method"),
                         cell(path, "path"), cell("dropped" if status is None else status,
                                                  f"status s{str(status)[0] if status else 0}"),
                         cell(e.get("duration_ms")), cell("write" if e.get("write") else ""), cell(e.get("kind")),
                         cell(e.get("fault") or ""), cell(e.get("request_id") or "")], data_seq=str(e.get("seq"))))
    summary = f'<p class="muted">{result.total} matching request(s), page {result.page} of {result.pages}, newest first</p>'
    return summary + table(["#", "time", "method", "path", "status", "ms", "write", "kind", "fault", "request id"],
                           rows, "no requests match")


def pager(flt: model.RequestFilter, result: model.RequestPage) -> str:
    links = []
    if result.page > 1:
        links.append(link(url(REQUESTS, flt.query(page=result.page - 1)), "← newer", rel="prev"))
    if result.page < result.pages:
        links.append(link(url(REQUESTS, flt.query(page=result.page + 1)), "older →", rel="next"))
    return f'<p class="pager">{"".join(links)}</p>' if links else ""
