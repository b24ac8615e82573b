"""The registry servers behind Microsoft.ContainerRegistry/registries: one real registry process each.

Each registry is served by Debian's ``docker-registry`` (CNCF Distribution 2.8, filesystem storage),
started and stopped by the emulator; the processes are the emulator's children and are started again
when the emulator starts (``PROVIDER.on_start``). Everything lives in the state dir::

    registries/<name>/config.yml        Distribution's configuration (written at every start)
    registries/<name>/tls.pem, tls-key.pem   its TLS certificate, signed by the emulator's CA
    registries/<name>/storage/          the images (filesystem driver)
    registries/<name>/registry.log      its log (one line per request)
    registries/<name>/registry.pid      the running process
    registry-token.pem, -key.pem        the key that signs registry access tokens (each registry's
                                        ``auth.token.rootcertbundle``)
    registry-auth.pem, -key.pem         the certificate of the token listener

Where they listen: the container VMs reach this machine on the gateway of their bridge network (the
VM backend's ``host_address``), and so does this machine, so registries listen there, each on a port
of its own, and the login server is ``<gateway>:<port>`` (with the ``none`` backend: ``127.0.0.1``).
The registries use Distribution's token authentication; the token realm, ACR's ``/oauth2/token`` and
``/oauth2/exchange`` (:mod:`.tokens`), is served by one HTTPS listener of the emulator on the same
address (only ``/oauth2/`` paths are answered there, never ARM).
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ... import crypto
from ...context import Context
from ...errors import ArmError
from ...web import Request, Response

if TYPE_CHECKING:
    from ...server import Emulator, HttpsServer
    from ...store import Resource

log = logging.getLogger("dockyard_emulator.container_registry")

REGISTRY_BINARY = "docker-registry"   # Debian's package of Distribution 2.8
TOKEN_ISSUER = "Azure Container Registry"
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"


def registry_key(name: str) -> str:
    """Registry names are global and case-insensitive: the lower-cased name keys its state."""
    return name.lower()


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str, avoid: set[int]) -> int:
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            port: int = probe.getsockname()[1]
        if port not in avoid:
            return port
    raise ArmError(500, "InternalServerError", f"No free port on {host} for a registry.")


class _TokenFront:
    """What the token listener hands requests to: only ``/oauth2/`` paths reach the emulator."""

    def __init__(self, app: Emulator) -> None:
        self.app = app
        self.state_dir = app.state_dir

    def handle(self, request: Request) -> Response:
        if not request.path.lower().startswith("/oauth2/"):
            return Response(404, {"errors": [{"code": "NOT_FOUND", "message": f"{request.path} is not served here."}]})
        return self.app.handle(request)


class RegistryServers:
    """The registry processes and the token listener of one emulator."""

    def __init__(self, app: Emulator) -> None:
        self.app = app
        self.root = Path(app.state_dir).resolve() / "registries"
        self.token_certificate = Path(app.state_dir) / "registry-token.pem"
        self.token_key_path = Path(app.state_dir) / "registry-token-key.pem"
        self._lock = threading.RLock()
        self._locks: dict[str, threading.Lock] = {}
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._listener: HttpsServer | None = None
        self._listener_url: str | None = None
        self._host: str | None = None
        crypto.ensure_signing_certificate(self.token_certificate, self.token_key_path, TOKEN_ISSUER)
        self.token_key = crypto.load_key(self.token_key_path.read_text())
        self.token_key_id = crypto.libtrust_key_id(self.token_key.public_key())

    # addresses --------------------------------------------------------------------------------
    def host(self, ctx: Context) -> str:
        """Where registries listen: this machine's address on the VMs' network, else loopback."""
        with self._lock:
            if self._host is None:
                self._host = ctx.backend.host_address(ctx) or "127.0.0.1"
            return self._host

    def allocate(self, ctx: Context) -> dict[str, Any]:
        """A host and a port for a new registry (ports other registries hold are avoided)."""
        host = self.host(ctx)
        taken = {int(r["internal"].get("port") or 0)
                 for r in ctx.store.resources("/subscriptions/", [REGISTRY_TYPE])}
        return {"host": host, "port": _free_port(host, taken | {self.listener_port(ctx)})}

    def listener_port(self, ctx: Context) -> int:
        """The token listener's port, chosen once and kept in the state."""
        port = ctx.store.get("registry_token_port")
        if not port:
            port = _free_port(self.host(ctx), set())
            with ctx.store.transaction():
                ctx.store.put("registry_token_port", port)
        return int(port)

    # the token listener -----------------------------------------------------------------------
    def realm(self, ctx: Context) -> str:
        """The base URL of the token listener (started when needed)."""
        from ...server import HttpsServer  # the server module imports the providers: import it late
        with self._lock:
            if self._listener_url:
                return self._listener_url
            host, port = self.host(ctx), self.listener_port(ctx)
            if not _port_free(host, port):
                port = _free_port(host, set())
                with ctx.store.transaction():
                    ctx.store.put("registry_token_port", port)
            state = Path(self.app.state_dir)
            cert, key = state / "registry-auth.pem", state / "registry-auth-key.pem"
            crypto.issue_server_certificate(state, host, sorted({host, "127.0.0.1"}), ["localhost"], cert, key)
            server = HttpsServer(_TokenFront(self.app), (host, port), certificate=cert, key=key)  # type: ignore[arg-type]
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                             name="registry-token-listener", daemon=True).start()
            self._listener, self._listener_url = server, f"https://{host}:{port}"
            log.info("registry token endpoints listening on %s", self._listener_url)
            return self._listener_url

    # processes --------------------------------------------------------------------------------
    def directory(self, name: str) -> Path:
        return self.root / registry_key(name)

    def _lock_for(self, name: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(registry_key(name), threading.Lock())

    @staticmethod
    def binary() -> str:
        path = shutil.which(REGISTRY_BINARY) or shutil.which(REGISTRY_BINARY, path="/usr/bin:/usr/sbin")
        if not path:
            raise ArmError(500, "InternalServerError", "The emulator cannot serve container registries: the "
                           f"'{REGISTRY_BINARY}' program (Debian's docker-registry package, Distribution 2.8) is not "
                           "installed. Install it (make setup does) and retry.")
        return path

    def config(self, ctx: Context, name: str, host: str, port: int) -> dict[str, Any]:
        directory = self.directory(name)
        return {
            "version": 0.1,
            "log": {"level": "info", "formatter": "text", "accesslog": {"disabled": True},
                    "fields": {"service": "registry", "registry": name}},
            "storage": {"filesystem": {"rootdirectory": str(directory / "storage")},
                        "delete": {"enabled": True}, "cache": {"blobdescriptor": "inmemory"},
                        "maintenance": {"uploadpurging": {"enabled": False}}},
            "http": {"addr": f"{host}:{port}", "secret": name + "-" + self.token_key_id,
                     "headers": {"X-Content-Type-Options": ["nosniff"]},
                     "tls": {"certificate": str(directory / "tls.pem"), "key": str(directory / "tls-key.pem")}},
            "auth": {"token": {"realm": f"{self.realm(ctx)}/oauth2/token", "service": f"{host}:{port}",
                               "issuer": TOKEN_ISSUER, "rootcertbundle": str(self.token_certificate)}},
            "health": {"storagedriver": {"enabled": False}},
        }

    def _pid(self, name: str) -> int | None:
        """The pid of this registry's process when one runs (also one left by an emulator that was killed)."""
        pid_file = self.directory(name) / "registry.pid"
        try:
            pid = int(pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if str(self.directory(name) / "config.yml").encode() in cmdline else None

    def running(self, name: str) -> bool:
        process = self._processes.get(registry_key(name))
        if process is not None and process.poll() is None:
            return True
        return self._pid(name) is not None

    def ensure_running(self, ctx: Context, record: Resource) -> None:
        """Start the registry's server unless it runs with the configuration it should have."""
        name, internal = record["body"]["name"], record["internal"]
        host, port = internal["host"], int(internal["port"])
        with self._lock_for(name):
            directory = self.directory(name)
            (directory / "storage").mkdir(parents=True, exist_ok=True)
            wanted = yaml.safe_dump(self.config(ctx, name, host, port), sort_keys=True)
            config_path = directory / "config.yml"
            current = config_path.read_text() if config_path.exists() else None
            if current == wanted and self.running(name):
                return
            self._stop(name)
            crypto.issue_server_certificate(Path(self.app.state_dir), host, sorted({host, "127.0.0.1"}),
                                            ["localhost"], directory / "tls.pem", directory / "tls-key.pem")
            config_path.write_text(wanted)
            self._spawn(name, host, port)

    def _spawn(self, name: str, host: str, port: int) -> None:
        directory = self.directory(name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        with open(directory / "registry.log", "ab") as output:
            process = subprocess.Popen([self.binary(), "serve", str(directory / "config.yml")], stdout=output,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                       start_new_session=True)
        self._processes[registry_key(name)] = process
        (directory / "registry.pid").write_text(f"{process.pid}\n")
        self._wait_ready(name, process, host, port)
        log.info("registry %s serving on %s:%s (pid %s)", name, host, port, process.pid)

    def _wait_ready(self, name: str, process: subprocess.Popen[bytes], host: str, port: int) -> None:
        context = ssl.create_default_context(cafile=str(Path(self.app.state_dir) / "ca.pem"))
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                raise ArmError(500, "InternalServerError", f"The registry server of '{name}' exited with status "
                               f"{process.returncode}: {self._log_tail(name)}")
            try:
                with socket.create_connection((host, port), timeout=1) as raw, \
                        context.wrap_socket(raw, server_hostname=host) as tls:
                    tls.sendall(b"GET /v2/ HTTP/1.1\r\nHost: " + f"{host}:{port}".encode() + b"\r\nConnection: close\r\n\r\n")
                    if tls.recv(32).startswith(b"HTTP/1.1 401"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self._stop(name)
                raise ArmError(500, "InternalServerError", f"The registry server of '{name}' did not answer on "
                               f"{host}:{port} within {READY_TIMEOUT:.0f}s: {self._log_tail(name)}")
            time.sleep(0.1)

    def _log_tail(self, name: str) -> str:
        try:
            lines = (self.directory(name) / "registry.log").read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-5:])

    def _stop(self, name: str) -> None:
        process = self._processes.pop(registry_key(name), None)
        pids = {p for p in (process.pid if process and process.poll() is None else None, self._pid(name)) if p}
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT
        for pid in pids:
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                if process is not None and process.pid == pid and process.poll() is not None:
                    break
                time.sleep(0.05)
            if Path(f"/proc/{pid}").exists() and (process is None or process.pid != pid or process.poll() is None):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if process is not None:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        (self.directory(name) / "registry.pid").unlink(missing_ok=True)

    def stop(self, name: str) -> None:
        with self._lock_for(name):
            self._stop(name)

    def remove(self, name: str) -> None:
        """Stop the registry's server and drop everything it stored."""
        with self._lock_for(name):
            self._stop(name)
            shutil.rmtree(self.directory(name), ignore_errors=True)

    # the emulator's start and stop --------------------------------------------------------------
    def start_all(self) -> None:
        """Emulator start: serve every stored registry again."""
        ctx = Context(self.app)
        records = ctx.store.resources("/subscriptions/", [REGISTRY_TYPE])
        threads = []
        for record in records:
            if record["internal"].get("port"):
                thread = threading.Thread(target=self._start_logged, args=(ctx, record), daemon=True)
                thread.start()
                threads.append(thread)
        for thread in threads:
            thread.join(READY_TIMEOUT + STOP_TIMEOUT + 5)

    def _start_logged(self, ctx: Context, record: Resource) -> None:
        try:
            self.ensure_running(ctx, record)
        except Exception:  # noqa: BLE001 - one registry that cannot start must not stop the others
            log.exception("cannot start the registry server of %s", record["body"]["name"])

    def stop_all(self) -> None:
        """Emulator stop: stop every registry server (also those adopted from a killed emulator) and the listener."""
        running = set(self._processes)
        if self.root.is_dir():
            running |= {path.parent.name for path in self.root.glob("*/registry.pid")}
        for key in sorted(running):
            self.stop(key)
        with self._lock:
            if self._listener is not None:
                self._listener.shutdown()
                self._listener.server_close()
                self._listener, self._listener_url = None, None


_SERVERS: weakref.WeakKeyDictionary[Emulator, RegistryServers] = weakref.WeakKeyDictionary()
_SERVERS_LOCK = threading.Lock()


def servers(app: Emulator) -> RegistryServers:
    """The registry servers of ``app`` (made on first use)."""
    with _SERVERS_LOCK:
        found = _SERVERS.get(app)
        if found is None:
            found = _SERVERS[app] = RegistryServers(app)
        return found
