"""Replay Azure's recorded sessions and the REST spec's examples against the emulator and score it.

    python emulator/tests/fidelity/replay.py                 # fresh emulator in a temporary dir
    python emulator/tests/fidelity/replay.py --state-dir D   # an emulator already running there
    python emulator/tests/fidelity/replay.py --markdown docs/fidelity-gaps.md --json report.json

Recordings (corpus/recordings/*.json) are test-proxy files of the Azure SDK for Python's own
tests: every ARM request is sent again, to the emulator, with the emulator's subscription and a
resource group of its own per recording, keeping the recorded api-version. The recorded polling
GETs are not replayed: the harness follows the emulator's own Azure-AsyncOperation / Location
headers instead, and compares where that ends with where Azure's polling ended.

Spec examples (corpus/examples/**.json) are one request each; the operation's URL comes from the
installed SDK (sdk_operations.py), what the example assumes to exist is created first
(seeding.py), and the answer is compared with the example's response for the status the
emulator returned. Scoring rules: scoring.py; gap kinds and the report: gaps.py.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gaps  # noqa: E402
import scoring  # noqa: E402
import sdk_operations  # noqa: E402
import seeding  # noqa: E402
from seeding import ID, Seeder  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
FAST_OPTIONS = ("--port", "0", "--lro-seconds", "0.05", "--retry-after", "0", "--vm-backend", "none")
SIGNATURE_PARAMS = {"t", "c", "s", "h", "p"}
RG_API_VERSION = "2022-09-01"
POLL_LIMIT = 400


@dataclass
class OpResult:
    source: str                    # "recording: compute_disks" / "example: compute/Disk_Get.json"
    method: str
    path: str
    rtype: str
    request: Any
    expected: scoring.Expected
    actual: scoring.Actual
    score: scoring.Score
    seed_failures: list[str] = field(default_factory=list)


@dataclass
class FileResult:
    kind: str                      # "recording" or "example"
    name: str
    ops: list[OpResult] = field(default_factory=list)
    skipped: str = ""              # why a file could not be replayed at all


# ---------------------------------------------------------------------------------- emulator


class Emulator:
    """An emulator started with the CLI (or already running in state_dir)."""

    def __init__(self, state_dir: Path, start: bool = True):
        self.state_dir, self.started = Path(state_dir), False
        if start and self._cli("status", check=False).returncode != 0:
            self._cli("start", *FAST_OPTIONS)
            self.started = True
        self.env = json.loads(self._cli("env", "--format", "json").stdout)
        self.url = self.env["AZURE_ARM_ENDPOINT"].rstrip("/")
        self.subscription = self.env["AZURE_SUBSCRIPTION_ID"]

    def _cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "dockyard_emulator", args[0], "--state-dir", str(self.state_dir), *args[1:]]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=check)

    def stop(self) -> None:
        if self.started:
            self._cli("stop")


class Client:
    """ARM over HTTPS with a real bearer token from the emulator's token endpoint."""

    def __init__(self, emulator: Emulator):
        import requests

        self.emulator = emulator
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = emulator.env["REQUESTS_CA_BUNDLE"]
        env = emulator.env
        token = self.session.post(f"{emulator.url}/{env['AZURE_TENANT_ID']}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": env["AZURE_CLIENT_ID"],
            "client_secret": env["AZURE_CLIENT_SECRET"], "scope": "https://management.azure.com/.default"})
        token.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def send(self, method: str, path: str, query: list[tuple[str, str]], body: Any) -> tuple[int, dict, Any]:
        url = f"{self.emulator.url}{path}" + (f"?{urlencode(query)}" if query else "")
        response = self.session.request(method, url, json=body if body is not None else None, timeout=60)
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = response.text
        return response.status_code, dict(response.headers), payload

    def follow(self, status: int, headers: dict) -> str | None:
        """Follow the emulator's own LRO headers; the terminal status, or None if it was not an LRO."""
        lower = {k.lower(): v for k, v in headers.items()}
        operation, location = lower.get("azure-asyncoperation"), lower.get("location")
        if status not in (200, 201, 202) or not (operation or (location and status == 202)):
            return None
        for _ in range(POLL_LIMIT):
            target = str(operation or location)
            got = self.session.get(target, timeout=60)
            retry = float(got.headers.get("Retry-After", "0") or 0)
            if operation:
                state = (got.json() if got.content else {}).get("status") if got.status_code == 200 else None
                if state in scoring.LRO_TERMINAL:
                    return state
                if got.status_code >= 400:
                    return f"HTTP {got.status_code}"
            elif got.status_code != 202:
                return "Succeeded" if got.status_code < 300 else "Failed"
            time.sleep(max(retry, 0.02))
        return "TimedOut"

    def call(self, method: str, path: str, api_version: str, body: Any) -> tuple[int, dict, Any, str | None]:
        """One ARM call followed to its end (for set-up)."""
        status, headers, payload = self.send(method, path, [("api-version", api_version)], body)
        return status, headers, payload, self.follow(status, headers)

    def resource_group(self, name: str, location: str) -> None:
        path = f"/subscriptions/{self.emulator.subscription}/resourcegroups/{name}"
        status, _, body = self.send("PUT", path, [("api-version", RG_API_VERSION)], {"location": location})
        if status >= 300 and location != "westus":  # the group's region is not what is measured
            status, _, body = self.send("PUT", path, [("api-version", RG_API_VERSION)], {"location": "westus"})
        if status >= 300:
            raise RuntimeError(f"could not create resource group {name}: {status} {body}")


# ------------------------------------------------------------------------------- rewriting


def _error(body: Any) -> tuple[str | None, str]:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code"), body["error"].get("message") or ""
    return None, ""


def _parse_body(body: Any) -> Any:
    """The test proxy stores a top-level JSON array as a list of text lines."""
    if isinstance(body, list) and body and all(isinstance(line, str) for line in body):
        try:
            return json.loads("".join(body))
        except ValueError:
            return body
    return body


class Rewriter:
    """Moves ids into the emulator's subscription and the replay's own resource groups."""

    def __init__(self, subscription: str, prefix: str):
        self.subscription, self.prefix = subscription, prefix
        self.groups: dict[str, str] = {}

    def group(self, name: str) -> str:
        key = name.strip("{}").lower()
        if key in {group.lower() for group in self.groups.values()}:  # already rewritten
            return next(group for group in self.groups.values() if group.lower() == key)
        if key not in self.groups:
            self.groups[key] = re.sub(r"[^\w.()-]", "-", f"{self.prefix}-{key}")[:90]
        return self.groups[key]

    def path(self, path: str) -> str:
        path = re.sub(r"(?i)/subscriptions/[^/]+", f"/subscriptions/{self.subscription}", path, count=1)
        return re.sub(r"(?i)/resourcegroups/([^/]+)", lambda m: f"/resourceGroups/{self.group(m.group(1))}", path)

    def value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, str) and re.match(r"(?i)/?subscriptions/[^/]+/", value):
            text = re.sub(r"[{}]", "", value) if "/providers/" in value else value
            text = re.sub(r"(?i)^/?subscriptions/[^/]+", f"/subscriptions/{self.subscription}", text)
            return re.sub(r"(?i)/resourcegroups/([^/]+)", lambda m: f"/resourceGroups/{self.group(m.group(1))}", text)
        return value


def _location(body: Any, default: str = "westus") -> str:
    if isinstance(body, dict) and isinstance(body.get("location"), str):
        return body["location"].replace(" ", "").lower()
    return default


# ------------------------------------------------------------------------------- recordings


def _poll_key(uri: str) -> str:
    parts = urlsplit(uri)
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k not in SIGNATURE_PARAMS)
    return parts.path.lower() + "?" + urlencode(query)


def replay_recording(client: Client, path: Path, hits: dict[str, int]) -> FileResult:
    data = json.loads(path.read_text())
    entries = [e for e in data["Entries"] if "login.microsoftonline" not in e["RequestUri"]]
    result = FileResult("recording", path.stem)
    rewriter = Rewriter(client.emulator.subscription, f"fid-{path.stem}"[:40])
    lro_of: dict[str, int] = {}            # polling URL key -> index of the operation it polls
    finals: dict[int, str] = {}
    polling: set[int] = set()
    for index, entry in enumerate(entries):
        key = _poll_key(entry["RequestUri"])
        if entry["RequestMethod"] == "GET" and key in lro_of:
            polling.add(index)
            owner = lro_of[key]
            body = _parse_body(entry.get("ResponseBody"))
            if isinstance(body, dict) and body.get("status") in scoring.LRO_TERMINAL:
                finals[owner] = body["status"]
            elif "monitor=true" in key or "/operationresults/" in key:
                finals.setdefault(owner, "Succeeded" if entry["StatusCode"] < 300 else "Failed")
            continue
        for header, value in entry.get("ResponseHeaders", {}).items():
            if header.lower() in ("azure-asyncoperation", "location") and entry["StatusCode"] in (200, 201, 202):
                lro_of[_poll_key(value)] = index
    location = next((_location(e.get("RequestBody"), "") for e in entries if _location(e.get("RequestBody"), "")),
                    "eastus")
    for entry in entries:
        rewriter.path(urlsplit(entry["RequestUri"]).path)
    for name in list(rewriter.groups.values()):
        client.resource_group(name, location)
    for index, entry in enumerate(entries):
        if index in polling:
            continue
        parts = urlsplit(entry["RequestUri"])
        path_sent, body = rewriter.path(parts.path), rewriter.value(entry.get("RequestBody"))
        status, headers, payload = client.send(entry["RequestMethod"], path_sent, parse_qsl(parts.query), body)
        final = client.follow(status, headers)
        recorded_headers = {k.lower() for k in entry.get("ResponseHeaders", {})}
        recorded_body = _parse_body(entry.get("ResponseBody"))
        lro = bool({"azure-asyncoperation", "location"} & recorded_headers) and entry["StatusCode"] in (200, 201, 202)
        expected = scoring.Expected(
            statuses=(entry["StatusCode"],), body=recorded_body,
            async_operation="azure-asyncoperation" in recorded_headers, location="location" in recorded_headers,
            final_status=finals.get(index, "Succeeded") if lro else None, error_code=_error(recorded_body)[0])
        actual = _actual(status, headers, payload, final)
        result.ops.append(OpResult(f"recording: {path.stem}", entry["RequestMethod"], path_sent,
                                   gaps.resource_type(path_sent), body, expected, actual,
                                   scoring.score(expected, actual, body, hits)))
    return result


def _actual(status: int, headers: dict, payload: Any, final: str | None) -> scoring.Actual:
    lower = {k.lower() for k in headers}
    code, message = _error(payload)
    return scoring.Actual(status=status, body=payload, async_operation="azure-asyncoperation" in lower,
                          location="location" in lower, final_status=final, error_code=code, error_message=message)


# --------------------------------------------------------------------------------- examples


def example_operation_ids() -> dict[str, str]:
    """operationId of the spec examples that do not name theirs (network's swagger examples)."""
    index = CORPUS / "examples" / "operations.json"
    return json.loads(index.read_text()) if index.exists() else {}


def replay_example(client: Client, path: Path, hits: dict[str, int], number: int,
                   operation_ids: dict[str, str]) -> FileResult:
    name = f"{path.parent.name}/{path.name}"
    result = FileResult("example", name)
    data = json.loads(path.read_text())
    operation_id = data.get("operationId") or operation_ids.get(name)
    operation = sdk_operations.lookup(operation_id or "")
    if operation is None:
        result.skipped = f"operation {operation_id!r} is not in the installed SDK"
        return result
    params = data.get("parameters", {})
    rewriter = Rewriter(client.emulator.subscription, f"fx{number}")
    path_sent = operation.url
    for param in operation.path_parameters:
        if param not in params:
            result.skipped = f"parameter {param} missing from the example"
            return result
        value = str(params[param])
        if param == "subscriptionId":
            value = client.emulator.subscription
        elif param == "resourceGroupName":
            value = rewriter.group(value)
        elif param == "scope":  # an ARM id without its leading slash: keep its slashes
            path_sent = path_sent.replace("{scope}", rewriter.path("/" + value.strip("/")).lstrip("/"))
            continue
        path_sent = path_sent.replace("{" + param + "}", quote(value.strip("{}").replace("{", "").replace("}", ""),
                                                                   safe=""))
    query = [(q, params.get(q, operation.api_version) if q == "api-version" else _query_value(params[q]))
             for q in operation.query if q == "api-version" or q in params]
    if "?" in path_sent:  # a constant query in the SDK's URL template, e.g. ?$expand=Properties
        path_sent, fixed = path_sent.split("?", 1)
        pinned = [(pair.partition("=")[0], pair.partition("=")[2]) for pair in fixed.split("&") if pair]
        query = pinned + [(k, v) for k, v in query if k not in {name for name, _ in pinned}]
    used = set(operation.path_parameters) | set(operation.query)
    body = next((rewriter.value(v) for k, v in params.items() if k not in used and isinstance(v, (dict, list))), None)
    body = fill_placeholders(body, hits)
    location = _location(body, _location({"location": params.get("location")}) if params.get("location") else "westus")
    body = fill_image_placeholders(body, client.emulator.subscription, location, hits)
    for group in {rewriter.group(m) for m in re.findall(r"(?i)/resourcegroups/([^/]+)", json.dumps(body))}:
        client.resource_group(group, location)
    if "{resourceGroupName}" in operation.url:
        client.resource_group(rewriter.group(str(params["resourceGroupName"])), location)
    seeder = Seeder(client.call)
    seeder.acting_body = body
    target = _target_resource(path_sent)
    if target and seeding.resource_type(target) in seeding.PLATFORM_NAMED:
        path_sent, target = seeder.platform_named(path_sent, target, location)
    if target:
        if operation.method == "PUT":
            up = target.rsplit("/", 2)[0] if len(ID.match(target).group(4).split("/")) > 2 else None
            if up:
                seeder.ensure(up, location)
        else:
            documented = (data.get("responses", {}).get("200") or {}).get("body") if operation.method == "GET" else None
            seeder.ensure(target, location, like=body, documented=documented)
    for reference in seeder.references(body, client.emulator.subscription):
        if not target or reference.lower() != target.lower():
            seeder.ensure(reference, location)
    status, headers, payload = client.send(operation.method, path_sent, query, body)
    final = client.follow(status, headers)
    actual = _actual(status, headers, payload, final)
    responses = data.get("responses", {})
    if name in scoring.REFUSED_BY_AZURE:  # rule "example-refused-by-azure"
        hits["example-refused-by-azure"] = hits.get("example-refused-by-azure", 0) + 1
        status_code, code, _why = scoring.REFUSED_BY_AZURE[name]
        responses = {str(status_code): {"body": {"error": {"code": code, "message": ""}}}}
    listed = tuple(int(s) for s in responses if s.isdigit())
    chosen = responses.get(str(status), {}) if status in listed else {}
    listed_headers = {k.lower() for k in chosen.get("headers", {})}
    if operation.method == "PUT" and "_Gen" in path.stem and any(  # rule "example-generated-headers"
            GENERATED_HEADER in str(v) for v in chosen.get("headers", {}).values()):
        hits["example-generated-headers"] = hits.get("example-generated-headers", 0) + 1
        listed_headers = set()
    body_expected = chosen.get("body")
    expected = scoring.Expected(
        statuses=listed, body=body_expected,
        async_operation=True if "azure-asyncoperation" in listed_headers else None,
        location=True if "location" in listed_headers else None,
        final_status="Succeeded" if final is not None and status < 300 else None,
        error_code=_error(body_expected)[0],
        mode="example" if operation.method == "PUT" and "_Gen" not in path.stem else "example-envelope", source=name)
    result.ops.append(OpResult(f"example: {name}", operation.method, path_sent, gaps.resource_type(path_sent), body,
                               expected, actual, scoring.score(expected, actual, body, hits),
                               sorted(seeder.failures.values())))
    return result


# The URL the example generator writes in the LRO headers it makes up (rule "example-generated-headers")
GENERATED_HEADER = "https://foo.com/operationstatus"

# Placeholders the spec's examples use for what the caller chooses (rule "example-placeholders")
PLACEHOLDERS = {"{your-password}": "Example-Passw0rd!", "{your-username}": "azureuser",
                "{your-custom-data}": "I2Nsb3VkLWNvbmZpZwo="}


def fill_placeholders(value: Any, hits: dict[str, int]) -> Any:
    if isinstance(value, dict):
        return {k: fill_placeholders(v, hits) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_placeholders(v, hits) for v in value]
    if isinstance(value, str) and any(p in value for p in PLACEHOLDERS):
        hits["example-placeholders"] = hits.get("example-placeholders", 0) + 1
        for placeholder, real in PLACEHOLDERS.items():
            value = value.replace(placeholder, real)
    return value


# A marketplace image version id (rule "example-placeholders"): examples that write the image as
# {publisher}/{offer}/{sku} placeholders, or stop at the offer, name no image Azure has; the harness sends
# the id of an image sold with a plan (the examples' images are Windows images with a purchase plan)
IMAGE_VERSION_ID = re.compile(r"(?i)^/subscriptions/[^/]+/providers/microsoft\.compute/locations/[^/]+/publishers/"
                              r"[^/]+/artifacttypes/vmimage/offers/[^/]+(/skus/[^/]+(/versions/[^/]+)?)?$")
PLAN_IMAGE = ("microsoft-ads", "windows-data-science-vm", "windows2016", "21.01.04")


def fill_image_placeholders(value: Any, subscription: str, location: str, hits: dict[str, int]) -> Any:
    if isinstance(value, dict):
        out = {k: fill_image_placeholders(v, subscription, location, hits) for k, v in value.items()}
        image_id = out.get("id") if isinstance(out.get("id"), str) else ""
        match = IMAGE_VERSION_ID.match(image_id)
        if match and ("{" in image_id or not match.group(2)):
            hits["example-placeholders"] = hits.get("example-placeholders", 0) + 1
            publisher, offer, sku, version = PLAN_IMAGE
            out["id"] = (f"/Subscriptions/{subscription}/Providers/Microsoft.Compute/Locations/{location}/Publishers/"
                         f"{publisher}/ArtifactTypes/VMImage/Offers/{offer}/Skus/{sku}/Versions/{version}")
        return out
    if isinstance(value, list):
        return [fill_image_placeholders(v, subscription, location, hits) for v in value]
    return value


def _query_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _target_resource(path: str) -> str | None:
    """The deepest resource-group resource in a request path (without a trailing action)."""
    match = ID.match(path)
    if not match:
        return None
    parts = match.group(4).split("/")
    if len(parts) % 2:
        parts = parts[:-1]
    if not parts:
        return None
    return path[: path.lower().index("/providers/")] + f"/providers/{match.group(3)}/" + "/".join(parts)


# ------------------------------------------------------------------------------------ driver


def corpus_files(only: str = "") -> tuple[list[Path], list[Path]]:
    recordings = sorted((CORPUS / "recordings").glob("*.json"))
    examples = sorted(p for p in (CORPUS / "examples").glob("*/*.json"))
    if only:
        recordings = [p for p in recordings if re.search(only, p.stem)]
        examples = [p for p in examples if re.search(only, f"{p.parent.name}/{p.name}")]
    return recordings, examples


def run(emulator: Emulator, only: str = "", workers: int = 4) -> tuple[list[FileResult], dict[str, int]]:
    recordings, examples = corpus_files(only)
    operation_ids = example_operation_ids()
    hits: dict[str, int] = {}
    clients: dict[int, Client] = {}

    def client() -> Client:
        import threading
        ident = threading.get_ident()
        if ident not in clients:
            clients[ident] = Client(emulator)
        return clients[ident]

    def one(job: tuple[str, int, Path]) -> FileResult:
        kind, number, path = job
        local: dict[str, int] = {}
        try:
            if kind == "recording":
                result = replay_recording(client(), path, local)
            else:
                result = replay_example(client(), path, local, number, operation_ids)
        except Exception as exc:  # a harness failure is reported, not hidden
            result = FileResult(kind, path.stem if kind == "recording" else f"{path.parent.name}/{path.name}",
                                skipped=f"harness error: {exc!r}")
        for rule, count in local.items():
            hits[rule] = hits.get(rule, 0) + count
        return result

    jobs = [("recording", i, p) for i, p in enumerate(recordings)] + [("example", i, p) for i, p in enumerate(examples)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, jobs))
    return results, hits


def table(results: list[FileResult]) -> str:
    """The score table: one row per recording / example file, totals per source and overall."""
    width = max([len(r.name) for r in results] + [30])
    lines = [f"{'source':<11} {'file':<{width}} {'ops':>4} {'match':>5} {'score':>6}"]
    for result in sorted(results, key=lambda r: (r.kind, r.name)):
        good = sum(op.score.matched for op in result.ops)
        score = f"{100 * good / len(result.ops):.0f}%" if result.ops else "skip"
        lines.append(f"{result.kind:<11} {result.name:<{width}} {len(result.ops):>4} {good:>5} {score:>6}"
                     + (f"  ({result.skipped})" if result.skipped else ""))
    folders = sorted({r.name.split("/")[0] for r in results if r.kind == "example"})
    groups = [("recordings", [r for r in results if r.kind == "recording"])]
    groups += [(f"examples {f}/", [r for r in results if r.kind == "example" and r.name.split("/")[0] == f])
               for f in folders]
    groups += [("examples", [r for r in results if r.kind == "example"]), ("total", results)]
    for label, subset in groups:
        ops = [op for r in subset for op in r.ops]
        good = sum(op.score.matched for op in ops)
        lines.append(f"{'TOTAL':<11} {label:<{width}} {len(ops):>4} {good:>5} "
                     f"{(100 * good / len(ops)) if ops else 0:>5.0f}%")
    return "\n".join(lines)


def scores(results: list[FileResult]) -> dict[str, float]:
    """% of operations matching: per recording, per example folder (compute/, disk/, ...), for all examples
    and overall (the floors' keys)."""
    def pct(ops: list[OpResult]) -> float:
        return 100 * sum(op.score.matched for op in ops) / len(ops) if ops else 100.0
    found = {f"recording:{r.name}": pct(r.ops) for r in results if r.kind == "recording"}
    examples = [r for r in results if r.kind == "example"]
    for folder in sorted({r.name.split("/")[0] for r in examples}):
        found[f"examples:{folder}"] = pct([op for r in examples if r.name.split("/")[0] == folder for op in r.ops])
    found["examples"] = pct([op for r in examples for op in r.ops])
    found["total"] = pct([op for r in results for op in r.ops])
    return found


def corpus_note(results: list[FileResult]) -> str:
    recordings = [r for r in results if r.kind == "recording"]
    examples = [r for r in results if r.kind == "example"]
    return (f"Corpus: {len(recordings)} recordings ({sum(len(r.ops) for r in recordings)} operations) and "
            f"{len(examples)} spec example files ({sum(len(r.ops) for r in examples)} operations); sources in "
            "`emulator/tests/fidelity/corpus/SOURCES.md`.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", type=Path, help="use (or start) the emulator of this state dir; "
                        "default: a fresh one in a temporary dir, stopped afterwards")
    parser.add_argument("--only", default="", help="regular expression on recording / example file names")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--json", type=Path, help="write every scored operation here")
    parser.add_argument("--markdown", type=Path, help="write the gap report (docs/fidelity-gaps.md) here")
    parser.add_argument("--details", action="store_true", help="print every mismatch")
    parser.add_argument("--write-floors", action="store_true",
                        help="store today's scores, rounded down, as the test's floors (floors.json)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fidelity-") as scratch:
        emulator = Emulator(args.state_dir or Path(scratch) / "emulator")
        try:
            began = time.monotonic()
            results, hits = run(emulator, args.only, args.workers)
            seconds = time.monotonic() - began
        finally:
            emulator.stop()
    print(table(results))
    print(f"replayed in {seconds:.1f} s; ignore rules fired: "
          + ", ".join(f"{rule} {count}" for rule, count in sorted(hits.items())))
    if args.details:
        for result in results:
            for op in result.ops:
                if not op.score.matched:
                    print(f"- {op.source}: {op.method} {op.rtype}: " + "; ".join(op.score.notes + op.seed_failures))
    if args.json:
        args.json.write_text(json.dumps([{
            "source": op.source, "method": op.method, "path": op.path, "matched": op.score.matched,
            "notes": op.score.notes, "seed_failures": op.seed_failures, "gaps": gaps.classify(op)}
            for r in results for op in r.ops], indent=1))
    if args.write_floors:
        floors = {name: int(value) for name, value in sorted(scores(results).items())}
        (Path(__file__).with_name("floors.json")).write_text(json.dumps(floors, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(gaps.markdown(results, hits, seconds, corpus_note(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
