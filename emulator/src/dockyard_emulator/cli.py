"""dockyard-emulator: serve | start | stop | status | open | env | requests | faults | fleet."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .errors import BackendError, ControlApiError, NotRunningError

FAULT_OPTIONS = [  # (option, settings key, type, help)
    ("--throttle-rate", "throttle_rate", float, "share of ARM calls answered 429 TooManyRequests (0..1)"),
    ("--error-rate", "error_rate", float, "share of ARM calls answered 500 or 503 (0..1)"),
    ("--drop-rate", "drop_rate", float, "share of ARM calls whose connection is closed unanswered (0..1)"),
    ("--latency-ms", "latency_ms", int, "delay added to every ARM call"),
    ("--lro-failure-rate", "lro_failure_rate", float, "share of long-running operations that end Failed (0..1)"),
    ("--seed", "seed", int, "random seed, for reproducible fault sequences"),
    ("--max-page-size", "max_page_size", int, "cap on the items per page of list operations (0: ARM's page sizes)"),
    ("--unavailable-sizes", "unavailable_sizes", lambda text: [p.strip() for p in text.split(",") if p.strip()],
     "VM sizes answered 409 SkuNotAvailable, comma-separated; SIZE@LOCATION for one region only"),
    ("--regional-cores-quota", "regional_cores_quota", int, "vCPUs a region allows in total (default 350)"),
    ("--family-cores-quota", "family_cores_quota", int, "vCPUs a region allows per VM size family (default 100)"),
]


def _state_option(parser):
    parser.add_argument("--state-dir", type=Path, default=os.environ.get("DOCKYARD_EMULATOR_STATE_DIR"),
                        required="DOCKYARD_EMULATOR_STATE_DIR" not in os.environ,
                        help="state directory (default: $DOCKYARD_EMULATOR_STATE_DIR)")


def _fault_options(parser, retry_after_flags):
    for flag, key, kind, text in FAULT_OPTIONS:
        parser.add_argument(flag, dest=key, type=kind, help=text)
    parser.add_argument(*retry_after_flags, dest="fault_retry_after", type=int,
                        help="Retry-After seconds on injected 429/503 answers (default 1)")


def _faults_from(args):
    values = {key: getattr(args, key) for _, key, _, _ in FAULT_OPTIONS}
    values["retry_after"] = args.fault_retry_after
    return {k: v for k, v in values.items() if v is not None}


def _serve_options(parser):
    parser.add_argument("--port", type=int, help="port (default: the one of the previous run, else a free one; "
                        "0 picks a free one)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--vm-backend", choices=["none", "container"],
                        help="how VMs are backed: 'none' (metadata only) or 'container' (each VM a system "
                        "container with sshd). Default: previous run's, else none")
    parser.add_argument("--lro-seconds", type=float, help="duration of long-running operations (default 0.5)")
    parser.add_argument("--retry-after", type=int, help="Retry-After seconds on long-running operations "
                        "(default 1; 0 allowed)")
    _fault_options(parser, ["--fault-retry-after"])


SERVE_KEYS = ("port", "host", "vm_backend", "lro_seconds", "retry_after")


def parser():
    root = argparse.ArgumentParser(prog="dockyard-emulator", description="Local Azure Resource Manager emulator.")
    commands = root.add_subparsers(dest="command", required=True)
    for name, text in [("serve", "run the emulator in the foreground"),
                       ("start", "start the emulator in the background; return once it answers")]:
        sub = commands.add_parser(name, help=text, description=text)
        _state_option(sub)
        _serve_options(sub)
        if name == "serve":
            sub.add_argument("--log-level", default="INFO")
        else:
            sub.add_argument("--timeout", type=float, default=30, help="seconds to wait for the server")
    for name, text in [("stop", "stop the background emulator"),
                       ("status", "exit 0 if the emulator answers (prints its health)")]:
        _state_option(commands.add_parser(name, help=text, description=text))
    sub = commands.add_parser("open", help="print the URL of the web view (and the CA to trust)",
                              description="print the URL of the emulator's read-only web view on stdout and "
                              "the CA certificate a browser has to trust on stderr")
    _state_option(sub)
    sub = commands.add_parser("env", help="print the environment for Azure clients",
                              description="print shell export lines: eval \"$(dockyard-emulator env ...)\"")
    _state_option(sub)
    sub.add_argument("--format", choices=["shell", "json"], default="shell")
    sub = commands.add_parser("requests", help="print the request log as JSON")
    _state_option(sub)
    sub.add_argument("--since", type=int, default=0, help="only entries with a sequence number above N")
    sub.add_argument("--writes-only", action="store_true")
    sub = commands.add_parser("faults", help="show or change fault injection at run time")
    _state_option(sub)
    _fault_options(sub, ["--retry-after", "--fault-retry-after"])
    sub.add_argument("--reset", action="store_true", help="back to no faults before applying the options")
    sub = commands.add_parser("fleet", help="create VMs (with NICs and public IPs) in parallel with plain ARM calls",
                              description="create a fleet of VMs through the running emulator's ARM API")
    _state_option(sub)
    sub.add_argument("--vms", type=int, default=10, help="number of VMs (default 10)")
    sub.add_argument("--groups", type=int, default=1, help="resource groups <prefix>-rg<i>, VMs round-robin (default 1)")
    sub.add_argument("--prefix", default="fleet", help="name prefix of the groups and VMs (default fleet)")
    sub.add_argument("--locations", default="westeurope", help="comma-separated; group i in location i mod n")
    sub.add_argument("--public-ip-every", type=int, default=1, help="every n-th VM gets a public IP (0: none)")
    sub.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="tag on every VM")
    sub.add_argument("--cycle-tag", action="append", default=[], metavar="KEY=V1,V2",
                     help="VM i gets the (i mod n)-th value")
    sub.add_argument("--workers", type=int, default=16, help="parallel requests (default 16)")
    return root


# talking to a running emulator -----------------------------------------------------------------
def _endpoint(state_dir):
    try:
        return json.loads((state_dir / "endpoint.json").read_text())
    except (OSError, ValueError):
        return None


def control(state_dir: Path, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = 5) -> Any:
    """Call the control API of the emulator recorded in ``state_dir``; the parsed JSON answer."""
    endpoint = _endpoint(state_dir)
    if endpoint is None:
        raise NotRunningError(f"no emulator is running for {state_dir} (no endpoint.json)")
    context = ssl.create_default_context(cafile=str(state_dir / "ca.pem"))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{endpoint['url']}/_emulator/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with opener.open(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise ControlApiError(exc.read().decode(errors="replace")) from None
    except (urllib.error.URLError, OSError) as exc:
        raise NotRunningError(f"the emulator at {endpoint['url']} does not answer: {exc}") from None


def _health(state_dir):
    try:
        return control(state_dir, "GET", "health", timeout=2)
    except ControlApiError:
        return None


def _alive(pid):
    """True if ``pid`` is a live dockyard-emulator process."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z" and (b"dockyard_emulator" in cmdline or b"dockyard-emulator" in cmdline)


def _tail(path, lines=30):
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# commands --------------------------------------------------------------------------------------
def cmd_serve(args):
    from .server import serve
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(args.state_dir, {k: getattr(args, k) for k in SERVE_KEYS}, _faults_from(args))
    return 0


def cmd_start(args):
    state_dir = args.state_dir
    health = _health(state_dir)
    if health:
        print(f"dockyard-emulator already running at {health['url']} (pid {health['pid']})")
        return 0
    state_dir.mkdir(parents=True, exist_ok=True)
    forwarded = ["--state-dir", str(state_dir)]
    for dest in SERVE_KEYS + ("fault_retry_after",) + tuple(key for _, key, _, _ in FAULT_OPTIONS):
        if getattr(args, dest) is not None:
            forwarded += [f"--{dest.replace('_', '-')}", str(getattr(args, dest))]
    log_path = state_dir / "emulator.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "dockyard_emulator", "serve", *forwarded], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    (state_dir / "emulator.pid").write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            print(f"dockyard-emulator exited with status {proc.returncode}:\n{_tail(log_path)}", file=sys.stderr)
            return 1
        endpoint = _endpoint(state_dir)
        if endpoint and endpoint.get("pid") == proc.pid and _health(state_dir):
            print(f"dockyard-emulator running at {endpoint['url']} (pid {proc.pid})")
            return 0
        time.sleep(0.1)
    proc.terminate()
    print(f"dockyard-emulator did not answer within {args.timeout}s:\n{_tail(log_path)}", file=sys.stderr)
    return 1


def cmd_stop(args):
    pidfile = args.state_dir / "emulator.pid"
    pids = {(_endpoint(args.state_dir) or {}).get("pid")}
    if pidfile.exists():
        pids.add(int(pidfile.read_text().strip() or 0))
    pids = [p for p in pids if p and _alive(p)]
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in (p for p in pids if _alive(p)):
        os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
    print("dockyard-emulator stopped" if pids else "dockyard-emulator was not running")
    _release_networks(args.state_dir)
    return 0


def _release_networks(state_dir: Path) -> None:
    """Remove the container backend's bridge network once no VM container uses it (VMs outlive the
    emulator; a running or stopped one keeps its network, so it can start again)."""
    if not (state_dir / "container-backend.id").exists():
        return  # this emulator never made a container VM or network
    try:
        import docker.errors

        from .backends.container.machines import ContainerMachines
    except ImportError:
        return
    try:
        removed, kept = ContainerMachines(state_dir).remove_unused_networks()
    except (OSError, docker.errors.DockerException, BackendError) as exc:
        print(f"dockyard-emulator: could not clean up the VM network: {exc}", file=sys.stderr)
        return
    for name in removed:
        print(f"removed the VM network {name}")
    for name in kept:
        print(f"kept the VM network {name}: VM containers still use it (delete the VMs, then stop again)")


def cmd_status(args):
    health = _health(args.state_dir)
    if health is None:
        print("dockyard-emulator is not running", file=sys.stderr)
        return 1
    print(json.dumps(health, indent=2))
    return 0


def cmd_open(args):
    health = _health(args.state_dir)
    if health is None:
        print("dockyard-emulator is not running", file=sys.stderr)
        return 1
    print(f"{health['url']}/_emulator/")
    print(f"the page is served with the emulator's own CA: trust {(args.state_dir / 'ca.pem').resolve()} "
          "in the browser (loopback clients only)", file=sys.stderr)
    return 0


def environment(state_dir: Path) -> dict[str, str]:
    """The variables that point Azure clients at the emulator recorded in ``state_dir``."""
    from .store import Store
    if not (state_dir / "state.db").exists():
        raise SystemExit(f"dockyard-emulator: {state_dir} holds no emulator state yet; run 'start' first")
    store = Store(state_dir / "state.db")
    try:
        identity, settings = store.get("identity"), store.get("settings", {})
    finally:
        store.close()
    endpoint = _endpoint(state_dir) or {}
    port = endpoint.get("port") or settings.get("port")
    host = "127.0.0.1" if settings.get("host") in (None, "", "0.0.0.0", "127.0.0.1") else settings["host"]
    url = endpoint.get("url") or f"https://{host}:{port}"
    bundle = str((state_dir / "ca-bundle.pem").resolve())
    return {
        "AZURE_SUBSCRIPTION_ID": identity["subscription_id"], "AZURE_TENANT_ID": identity["tenant_id"],
        "AZURE_CLIENT_ID": identity["client_id"], "AZURE_CLIENT_SECRET": identity["client_secret"],
        "AZURE_AUTHORITY_HOST": url, "AZURE_ARM_ENDPOINT": url,
        "REQUESTS_CA_BUNDLE": bundle, "SSL_CERT_FILE": bundle,
    }


def cmd_env(args):
    variables = environment(args.state_dir)
    if args.format == "json":
        print(json.dumps(variables, indent=2))
    else:
        print("\n".join(f"export {k}={shlex.quote(v)}" for k, v in variables.items()))
    return 0


def cmd_requests(args):
    query = f"requests?since={args.since}" + ("&writes_only=true" if args.writes_only else "")
    print(json.dumps(control(args.state_dir, "GET", query)["value"], indent=2))
    return 0


def cmd_faults(args):
    changes = _faults_from(args)
    if args.reset:
        changes["reset"] = True
    result = control(args.state_dir, "PUT", "faults", changes) if changes else control(args.state_dir, "GET",
                                                                                       "faults")
    print(json.dumps(result, indent=2))
    return 0


def cmd_fleet(args):
    from .fleet import FleetError, FleetSpec, create_fleet
    spec = FleetSpec(prefix=args.prefix, vms=args.vms, groups=args.groups,
                     locations=[item for item in args.locations.split(",") if item],
                     public_ip_every=args.public_ip_every, workers=args.workers,
                     tags=dict(item.split("=", 1) for item in args.tag),
                     cycle_tags={key: values.split(",") for key, values in (item.split("=", 1) for item in args.cycle_tag)})
    started = time.monotonic()
    try:
        vms = create_fleet(environment(args.state_dir), spec)
    except FleetError as exc:
        print(f"dockyard-emulator: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"vms": len(vms), "groups": spec.groups, "seconds": round(time.monotonic() - started, 1)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return globals()[f"cmd_{args.command}"](args)
    except ControlApiError as exc:
        print(f"dockyard-emulator: {exc}", file=sys.stderr)
        return 1
