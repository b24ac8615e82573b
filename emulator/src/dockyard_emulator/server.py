"""The emulator application and its threaded HTTPS server.

Request pipeline: /_emulator/* (control API and the web view of ``webui``: loopback only, no auth, not
logged, no faults);
ARM paths (/subscriptions, /providers, /tenants): faults -> bearer token -> api-version ->
arm.dispatch in one store transaction; anything else: the identity endpoints (auth.ROUTES).
Every non-control request is recorded in the request log.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
import os
import re
import secrets
import signal
import socket
import ssl
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from . import __version__, arm, auth, crypto, lro, webui
from .backends import VmBackend, create_backend
from .context import Context
from .errors import AadError, ArmError, FaultSettingsError
from .faults import Faults
from .providers import PROVIDERS
from .registry import Registry
from .store import Store
from .web import DROP, Request, Response, error_response

log = logging.getLogger("dockyard_emulator")

ARM_PATHS = re.compile(r"^/(subscriptions|providers|tenants|batch)(/|$)", re.IGNORECASE)
BATCH_PATH = re.compile(r"^/batch/?$", re.IGNORECASE)
BATCH_LIMIT = 500  # requests ARM accepts in one batch
SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
CONTROL = "/_emulator/"
SETTINGS_DEFAULTS: dict[str, Any] = {"lro_seconds": 0.5, "retry_after": 1, "vm_backend": "none", "host": "127.0.0.1", "port": None}


def is_write(request: Request) -> bool:
    """ARM's notion of a write: PUT/PATCH/DELETE, and POST except list*-style reads (listKeys, ...) and name checks."""
    if request.method in ("PUT", "PATCH", "DELETE"):
        return True
    action = request.path.rstrip("/").rsplit("/", 1)[-1].lower()
    return request.method == "POST" and not action.startswith("list") and action != "checknameavailability"


def _uuid() -> str:
    return str(uuid.uuid4())


class Emulator:
    """State, identity, providers, VM backend and request handling; independent of the socket layer."""

    def __init__(self, state_dir: str | Path, settings: dict[str, Any] | None = None,
                 faults: dict[str, Any] | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        crypto.ensure_pki(self.state_dir)
        self.store = Store(self.state_dir / "state.db")
        with self.store.transaction():
            stored = self.store.get("settings", {})
            self.settings = {**SETTINGS_DEFAULTS, **stored,
                             **{k: v for k, v in (settings or {}).items() if v is not None}}
            self.store.put("settings", self.settings)
            self.identity = self.store.get("identity") or {
                "tenant_id": _uuid(), "subscription_id": _uuid(), "client_id": _uuid(), "principal_id": _uuid(),
                "client_secret": secrets.token_urlsafe(30),
            }
            self.store.put("identity", self.identity)
            if not self.store.get("signing_key"):
                self.store.put("signing_key", crypto.new_signing_key_pem())
                self.store.put("signing_key_id", secrets.token_hex(8))
        self.signing_key = crypto.load_key(self.store.get("signing_key"))
        self.key_id = self.store.get("signing_key_id")
        self.registry = Registry.load(PROVIDERS)
        self.faults = Faults(faults)
        self.base_url = ""  # set once the port is known
        self._backend: VmBackend | None = None
        self._backend_lock = threading.Lock()

    @property
    def vm_backend(self) -> VmBackend:
        """The VM backend chosen with ``--vm-backend``: one instance for this emulator, made on first use."""
        with self._backend_lock:
            if self._backend is None:
                self._backend = create_backend(self.settings.get("vm_backend") or "none", self.state_dir)
            return self._backend

    def reconcile_vms(self) -> threading.Thread | None:
        """At start (serve): reconcile the stored VMs with the backend's machines, in the background."""
        if (self.settings.get("vm_backend") or "none") == "none":
            return None

        def run() -> None:
            try:
                vms = self.store.resources("/subscriptions/", ["Microsoft.Compute/virtualMachines"])
                self.vm_backend.reconcile(Context(self), vms)
            except Exception:  # noqa: BLE001 - a failed reconcile must not stop the emulator
                log.exception("reconciling the VMs with the %s backend failed", self.settings.get("vm_backend"))

        thread = threading.Thread(target=run, name="vm-reconcile", daemon=True)
        thread.start()
        return thread

    # pipeline ---------------------------------------------------------------------------
    def handle(self, request: Request, batched: bool = False) -> Response:
        """One request through the pipeline; ``batched``: an inner request of ``POST /batch`` (it pays no
        latency of its own: the latency setting stands for the client's round trip, which the batch paid once)."""
        if request.path.startswith(CONTROL):
            return self.control(request)
        started, injected = time.monotonic(), None
        response: Response | None
        is_arm = bool(ARM_PATHS.match(request.path))
        write = is_arm and is_write(request)
        try:
            response = None
            if is_arm:
                try:
                    sub = SUBSCRIPTION.match(request.path)
                    if self.faults.inject(sub and sub.group(1), write, latency=not batched) is DROP:
                        injected, response = "drop", DROP
                except ArmError as exc:
                    injected = exc.code
                    raise
            if response is None:
                response = self.arm(request) if is_arm else self.identity_endpoint(request)
        except (ArmError, AadError) as exc:
            response = error_response(exc)
        except Exception:  # noqa: BLE001 - answer like ARM, keep the details in the log
            log.error("unhandled error for %s %s\n%s", request.method, request.path, traceback.format_exc())
            response = error_response(ArmError(500, "InternalServerError", "Encountered internal server error."))
        if response is not DROP:
            self.decorate(request, response)
        self.store.log_request({
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z"),
            "method": request.method, "path": request.path, "query": request.query_string,
            "status": None if response is DROP else response.status,
            "duration_ms": round((time.monotonic() - started) * 1000, 2),
            "write": write, "kind": "arm" if is_arm else "identity", "fault": injected, "batched": batched,
            "request_id": None if response is DROP else response.headers["x-ms-request-id"],
        })
        return response

    @staticmethod
    def decorate(request: Request, response: Response) -> None:
        request_id = _uuid()
        correlation = request.header("x-ms-correlation-request-id") or request_id
        response.headers.update({"x-ms-request-id": request_id, "x-ms-correlation-request-id": correlation,
                                 "x-ms-routing-request-id": f"WESTEUROPE:{time.strftime('%Y%m%dT%H%M%SZ')}:"
                                                            f"{request_id}",
                                 "Cache-Control": "no-cache"})
        client_request_id = request.header("x-ms-client-request-id")
        if client_request_id:
            response.headers["x-ms-client-request-id"] = client_request_id

    def arm(self, request: Request) -> Response:
        auth.authenticate(self, request.header("authorization"))
        if not request.query.get("api-version"):
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.")
        if BATCH_PATH.match(request.path):
            return self.batch(request)
        with self.store.transaction():
            return arm.dispatch(Context(self, request))

    def batch(self, request: Request) -> Response:
        """ARM's ``POST /batch`` (api-version 2015-11-01): each of ``requests`` (httpMethod, url absolute or
        relative, optional content and name) goes through the whole pipeline (its own authorization with the
        caller's token, faults, request log) and its answer comes back in ``responses`` as ARM sends it:
        name, httpStatusCode, headers, content, contentLength."""
        if request.method != "POST":
            raise ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method "
                           f"'{request.method}'.")
        if request.query.get("api-version") != "2015-11-01":
            raise ArmError(400, "InvalidApiVersionParameter", f"The api-version '{request.query.get('api-version')}' "
                           "is invalid. The supported versions are '2015-11-01'.")
        items = request.json().get("requests")
        if not isinstance(items, list) or not items:
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                           "deserialized: 'requests' must be a non-empty array.")
        if len(items) > BATCH_LIMIT:
            raise ArmError(400, "BatchRequestLimitExceeded", f"The batch request contains {len(items)} requests; "
                           f"the maximum is {BATCH_LIMIT}.")
        responses = []
        for item in items:
            if not isinstance(item, dict) or not item.get("url") or not item.get("httpMethod"):
                raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                               "deserialized: each request needs 'httpMethod' and 'url'.")
            url = urlsplit(str(item["url"]))
            content = item.get("content")
            headers = {"authorization": request.header("authorization") or "",
                       "content-type": "application/json"}
            inner = Request(str(item["httpMethod"]).upper(), unquote(url.path), url.query, headers,
                            json.dumps(content).encode() if content is not None else b"", request.client)
            answer = self.handle(inner, batched=True)
            payload = b"" if answer is DROP else answer.payload()
            responses.append({"name": item.get("name"), "httpStatusCode": 502 if answer is DROP else answer.status,
                              "headers": {} if answer is DROP else dict(answer.headers),
                              "content": answer.body if answer is not DROP and not isinstance(answer.body, bytes)
                              else None,
                              "contentLength": len(payload)})
        return Response(200, {"responses": responses})

    def identity_endpoint(self, request: Request) -> Response:
        ctx = Context(self, request)
        for route in auth.ROUTES + self.registry.data_routes():
            match = route.regex.fullmatch(request.path)
            if match and request.method in route.methods:
                return route.handler(ctx, **match.groupdict())
        raise ArmError(404, "NotFound", f"The requested path '{request.path}' was not found.")

    def start_providers(self) -> None:
        """Run the providers' start hooks (helper processes a provider keeps, e.g. registry servers)."""
        for provider in self.registry.providers.values():
            for hook in provider.startup:
                try:
                    hook(self)
                except Exception:  # noqa: BLE001 - one provider's helpers must not stop the emulator
                    log.exception("start hook of %s failed", provider.namespace)

    def stop_providers(self) -> None:
        """Run the providers' stop hooks (the emulator is going away)."""
        for provider in self.registry.providers.values():
            for hook in provider.shutdown:
                try:
                    hook(self)
                except Exception:  # noqa: BLE001 - stop what can be stopped
                    log.exception("stop hook of %s failed", provider.namespace)

    # control API --------------------------------------------------------------------------
    def control(self, request: Request) -> Response:
        if not ipaddress.ip_address(request.client.split("%")[0]).is_loopback:
            return Response(403, {"error": {"code": "Forbidden", "message": "The control API is loopback-only."}})
        if webui.is_ui_path(request.path):
            return webui.handle(self, request)
        what = (request.method, request.path.rstrip("/")[len(CONTROL):])
        if what == ("GET", "health"):
            return Response(200, {"status": "ok", "version": __version__, "pid": os.getpid(), "url": self.base_url,
                                  "tenant_id": self.identity["tenant_id"],
                                  "subscription_id": self.identity["subscription_id"],
                                  **{k: self.settings[k] for k in ("vm_backend", "lro_seconds", "retry_after")}})
        if what == ("GET", "requests"):
            entries = self.store.requests(int(request.query.get("since") or 0))
            if request.query.get("writes_only", "").lower() in ("1", "true", "yes"):
                entries = [e for e in entries if e["write"]]
            return Response(200, {"value": entries, "last": entries[-1]["seq"] if entries else None})
        if what == ("DELETE", "requests"):
            return Response(200, {"deleted": self.store.clear_requests()})
        if what[1] == "faults" and request.method in ("GET", "PUT", "DELETE"):
            try:
                return Response(200, self.change_faults(request))
            except FaultSettingsError as exc:
                return Response(exc.status, {"error": {"code": exc.code, "message": exc.message}})
        return Response(404, {"error": {"code": "NotFound", "message": f"No control endpoint {what[0]} {what[1]}."}})


    def change_faults(self, request: Request) -> dict[str, Any]:
        """GET shows the fault settings, PUT merges a JSON object into them, DELETE resets them."""
        body: Any = {}
        if request.method == "PUT":
            try:
                body = json.loads(request.body or b"{}")
            except ValueError as exc:
                raise FaultSettingsError(str(exc)) from None
            if not isinstance(body, dict):
                raise FaultSettingsError("fault settings must be a JSON object")
        reset = request.method == "DELETE" or bool(body.pop("reset", False))
        return self.faults.update(body, reset=reset)


class _Handler(BaseHTTPRequestHandler):
    server: HttpsServer

    protocol_version = "HTTP/1.1"
    server_version = f"DockyardAzureEmulator/{__version__}"
    timeout = 120

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug("%s " + fmt, self.client_address[0], *args)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = Request(self.command, unquote(url.path), url.query,
                          {k.lower(): v for k, v in self.headers.items()}, body, self.client_address[0])
        response = self.server.app.handle(request)
        if response is DROP:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        payload = response.payload()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class HttpsServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: Emulator, address: tuple[str, int], certificate: Path | None = None,
                 key: Path | None = None) -> None:
        """``certificate``/``key``: another certificate than the state dir's server.pem (a listener elsewhere)."""
        self.app = app
        self.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl_context.load_cert_chain(certificate or app.state_dir / "server.pem",
                                         key or app.state_dir / "server-key.pem")
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs here, in the connection's own thread.
        request.settimeout(30)
        try:
            request = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            _Handler(request, client_address, self)
        finally:
            request.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection error from %s", client_address, exc_info=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def serve(state_dir: str | Path, settings: dict[str, Any], faults: dict[str, Any] | None = None) -> None:
    """Run until SIGTERM/SIGINT. ``settings`` None values fall back to what the state recorded."""
    app = Emulator(state_dir, settings, faults)
    host, port = app.settings["host"], app.settings["port"] or 0
    try:
        server = HttpsServer(app, (host, port))
    except OSError as exc:
        raise SystemExit(f"dockyard-emulator: cannot listen on {host}:{port}: {exc} "
                         "(pass --port 0 for a new free port)") from None
    port = server.server_address[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "127.0.0.1", "") else host
    app.base_url = f"https://{shown}:{port}"
    app.settings["port"] = port
    with app.store.transaction():
        app.store.put("settings", app.settings)
    lro.resume(app)              # operations whose background work the previous process did not finish
    app.reconcile_vms()          # find the backend's machines again (container VMs) and reconcile power
    app.start_providers()        # providers' helpers (e.g. one registry server per container registry)
    endpoint = app.state_dir / "endpoint.json"
    write_json(endpoint, {"url": app.base_url, "port": port, "pid": os.getpid(), "host": host})

    def stop(*_: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"dockyard-emulator listening on {app.base_url} (state: {app.state_dir}, vm backend: "
          f"{app.settings['vm_backend']})", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        app.stop_providers()
        if endpoint.exists() and json.loads(endpoint.read_text()).get("pid") == os.getpid():
            endpoint.unlink()
        app.store.close()
