"""The emulator's read-only web view at ``/_emulator/``: what is in the local "Azure", in a browser.

Served by the control API (``server.Emulator.control``), so it shares its rules: same HTTPS port and
CA, loopback clients only, no bearer token, not in the request log, never faulted. On top, the view
answers only to a loopback ``Host`` (a page on another site cannot read it through a rebound host
name) and only to GET/HEAD: it changes nothing.

- ``/_emulator/``                 overview: VMs (power, container, address, boot/custom-data/extension
                                  logs), the resource tree with each resource's JSON (secrets hidden),
                                  operations in progress, fault settings (``?refresh=N`` reloads every N s)
- ``/_emulator/ui/requests``      the request log, newest first: method, status, path filters, paging

Layout: ``model`` gathers the data, ``pages`` renders it with ``html``'s escaping helpers.
"""
from __future__ import annotations

import ipaddress
import logging
import traceback
from typing import TYPE_CHECKING

from ..web import Request, Response
from . import pages
from .html import REQUESTS, ROOT, SECURITY_HEADERS, esc, page

if TYPE_CHECKING:
    from ..server import Emulator

log = logging.getLogger("dockyard_emulator.webui")

PATHS = {ROOT.rstrip("/"), REQUESTS}


def is_ui_path(path: str) -> bool:
    return path.rstrip("/") in PATHS or path.rstrip("/") == ROOT + "ui"


def loopback_host(host_header: str | None) -> bool:
    """True for a missing Host or one naming this machine (localhost, 127.0.0.0/8, ::1), with any port."""
    if not host_header:
        return True
    host = host_header.strip()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _html(status: int, body: bytes) -> Response:
    return Response(status, body, {"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS})


def handle(app: Emulator, request: Request) -> Response:
    """Answer a request for one of the web view's pages."""
    if not loopback_host(request.header("host")):
        return _html(403, b"<!doctype html><title>Forbidden</title><p>The emulator's web view answers only to "
                          b"localhost, 127.0.0.1 and [::1].</p>")
    if request.method not in ("GET", "HEAD"):
        response = _html(405, b"<!doctype html><title>Method not allowed</title><p>The web view is read-only.</p>")
        response.headers["Allow"] = "GET, HEAD"
        return response
    path = request.path.rstrip("/")
    if path == ROOT + "ui":
        return Response(302, None, {"Location": ROOT, **SECURITY_HEADERS})
    try:
        if path == REQUESTS:
            return _html(200, pages.requests_page(app, request.query))
        refresh = request.query.get("refresh", "")
        return _html(200, pages.overview(app, int(refresh) if refresh.isdigit() and int(refresh) > 0 else None))
    except Exception as exc:  # noqa: BLE001 - a broken page says why instead of dropping the connection
        log.error("web view %s failed\n%s", request.path, traceback.format_exc())
        return _html(500, page("Error", f'<section><p class="problem">The page failed: {esc(exc)}</p></section>', {}))
