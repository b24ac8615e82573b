"""HTML building blocks of the web view: escaping, links, tables, the page frame and its headers.

Every piece of text that reaches the page goes through :func:`esc` (resource names, tags, paths and
logs are user input). No JavaScript: the page needs none, and its Content-Security-Policy allows
none (only the inline style sheet, by its hash).
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

ROOT = "/_emulator/"
REQUESTS = "/_emulator/ui/requests"

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2a44;color:#fff;padding:10px 20px}header h1{font-size:18px;margin:0 0 4px}
header a{color:#cfe0ff;margin-right:16px}header .meta{color:#b8c4d9;font-size:12px}
main{padding:12px 20px}section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:10px 14px;margin:0 0 14px}
h2{font-size:16px;margin:0 0 8px}h3{font-size:14px;margin:10px 0 2px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eceff3;vertical-align:top}
th{background:#f1f3f6;font-weight:600}td.path{word-break:break-all}td.time{white-space:nowrap}
pre{background:#f4f5f7;border:1px solid #e2e5ea;padding:6px 8px;overflow:auto;max-height:420px;margin:4px 0;
font:12px/1.35 ui-monospace,monospace;white-space:pre-wrap;word-break:break-word}
summary{cursor:pointer}ul.tree{list-style:none;padding-left:18px;margin:2px 0}ul.tree li{margin:2px 0}
.type{color:#5b6578;font-size:12px}.muted{color:#7a8496}.problem{color:#a4262c}
.state-running,.s2{color:#107c10}.state-stopped,.state-deallocated,.s4{color:#a4262c}.s5,.s0{color:#a4262c;font-weight:600}
.state-transition{color:#b35c00}form.filters label{margin-right:12px}form.filters input[type=text]{width:14em}
.pager a{margin:0 6px}
"""
CSS_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
SECURITY_HEADERS = {
    # nothing but this page's own style sheet; forms submit to the page itself; no framing
    "Content-Security-Policy": f"default-src 'none'; style-src '{CSS_HASH}'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def esc(value: Any) -> str:
    """``value`` as HTML text, safe in element content and in quoted attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def url(path: str, query: dict[str, str] | None = None, fragment: str | None = None) -> str:
    """A link target (still to be escaped by :func:`attr`-style use: callers pass it through esc)."""
    target = path + ("?" + urlencode(query) if query else "")
    return target + ("#" + fragment if fragment else "")


def link(href: str, text: Any, **attrs: str) -> str:
    extra = "".join(f' {esc(k.replace("_", "-"))}="{esc(v)}"' for k, v in attrs.items())
    return f'<a href="{esc(href)}"{extra}>{esc(text)}</a>'


def anchor_id(resource_id: str) -> str:
    """A stable element id for a resource (ids are case-insensitive, so lower-cased and hashed)."""
    return "r-" + hashlib.sha256(resource_id.lower().encode()).hexdigest()[:16]


def pretty_json(value: Any) -> str:
    return f"<pre class=\"json\">{esc(json.dumps(value, indent=2, sort_keys=False))}</pre>"


def log_block(text: str, empty: str = "(empty)") -> str:
    return f"<pre class=\"log\">{esc(text)}</pre>" if text.strip() else f"<p class=\"muted\">{esc(empty)}</p>"


def table(headers: Iterable[str], rows: Iterable[str], empty: str = "nothing") -> str:
    """``rows`` are ready ``<tr>`` strings (built with :func:`row`)."""
    body = "".join(rows)
    if not body:
        return f"<p class=\"muted\">{esc(empty)}</p>"
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def row(cells: Iterable[str], **attrs: str) -> str:
    """A table row of ready cell HTML (``cell`` or ``raw``); ``attrs`` become escaped attributes."""
    extra = "".join(f' {esc(k.replace("_", "-"))}="{esc(v)}"' for k, v in attrs.items())
    return f"<tr{extra}>{''.join(cells)}</tr>"


def cell(value: Any, css: str = "") -> str:
    return f'<td class="{esc(css)}">{esc(value)}</td>' if css else f"<td>{esc(value)}</td>"


def raw_cell(markup: str, css: str = "") -> str:
    return f'<td class="{esc(css)}">{markup}</td>' if css else f"<td>{markup}</td>"


def section(title: str, body: str, section_id: str) -> str:
    return f'<section id="{esc(section_id)}"><h2>{esc(title)}</h2>{body}</section>'


def page(title: str, body: str, info: dict[str, Any], refresh: int | None = None) -> bytes:
    """The whole document: header (what this emulator is), navigation, ``body``."""
    meta = " · ".join(f"{esc(k)}: {esc(v)}" for k, v in info.items())
    refresh_tag = f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else ""
    nav = (link(ROOT, "Overview") + link(REQUESTS, "Request log")
           + link(url(ROOT, {"refresh": "5"}), "Overview, refreshed every 5 s"))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">{refresh_tag}'
            f"<title>{esc(title)} · dockyard emulator</title><style>{CSS}</style></head><body>"
            f"<header><h1>dockyard emulator · {esc(title)}</h1><nav>{nav}</nav>"
            f'<div class="meta">{meta}</div></header><main>{body}</main></body></html>').encode()
