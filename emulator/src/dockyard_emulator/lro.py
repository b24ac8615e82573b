"""Generic long-running operations.

``start`` records an operation due ``--lro-seconds`` from now and returns the
Azure-AsyncOperation / Location / Retry-After headers. Operations complete by elapsed time:
``settle`` (run before every ARM request, in the request's transaction) finishes those that
are due, by calling the resource type's ``complete`` (or ``failed``). A resource type whose work
finishes on its own schedule (e.g. a container backend) passes ``work`` (below). Since everything
is in SQLite, a restart loses no operation. The handlers get a :class:`~.context.Context`, the same
as the ARM core hands them (this module does not import ``arm``).

Slow backend work (a container VM booting, a Custom Script running for minutes) must not run
inside a request's store transaction, which would block every other request. ``start(...,
work=f)`` records the operation with ``due=None`` and runs ``f(ctx)`` in a background thread,
outside any transaction; ``finish`` then completes the operation (``complete`` sees what ``f``
saved). After an emulator restart, ``resume`` starts the work of such operations again (the
resource type's ``background_work`` gives it; backend work is idempotent).
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import traceback
import uuid
from typing import TYPE_CHECKING, Any, Callable

from .context import Context
from .errors import ArmError
from .store import Operation
from .web import Response, Route

if TYPE_CHECKING:
    from .resource_type import ResourceType
    from .server import Emulator


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def _path(op: Operation, kind: str) -> str:
    return op["path"].format(subscription=op["subscription"], namespace=op["namespace"],
                             location=op["location"], kind=kind, id=op["id"], target=op["target"])


def _url(ctx: Context, op: Operation, kind: str) -> str:
    """The URL of ``op`` for a kind like ``operationStatuses`` or ``operations?monitor=true``."""
    kind, _, extra = kind.partition("?")
    query = dict(part.split("=", 1) for part in extra.split("&") if part)
    return ctx.url(_path(op, kind), **query, **{"api-version": op["api_version"]})


log = logging.getLogger("dockyard_emulator.lro")


def start(ctx: Context, rtype: ResourceType, target: str, kind: str, location: str | None,
          work: Callable[[Context], None] | None = None, header_names: tuple[str, ...] | None = None) -> dict[str, str]:
    """Record an operation of ``kind`` (create/update/delete/<action>) on ``target``; return its headers.

    ``work``: a callable ``work(ctx)`` run in a background thread before the operation completes.
    ``header_names``: the LRO headers the answer carries (the type's ``lro_headers`` by default)."""
    now = time.time()
    op: Operation = {
        "id": str(uuid.uuid4()), "kind": kind, "target": target, "type": rtype.full_type,
        "namespace": rtype.provider.namespace, "location": location or "global", "subscription": ctx.subscription,
        "status": "InProgress", "start": now, "due": now + ctx.app.settings["lro_seconds"],
        "api_version": ctx.api_version, "path": rtype.operation_path, "headers": list(header_names or rtype.lro_headers),
        "kinds": list(rtype.operation_kinds),
        "fail": ctx.app.faults.operation_fails(),
    }
    if work is not None:
        op["due"] = None
        op["background"] = True
    ctx.store.save_operation(op)
    if work is not None:
        run_in_background(ctx.app, op["id"], work)
    return headers(ctx, op)


def finished(ctx: Context, namespace: str, location: str, result: dict[str, Any]) -> Response:
    """A 202 answer whose long-running operation has already completed with ``result`` (work the emulator does
    at once but Azure answers asynchronously, e.g. a log export); the client polls and reads the result."""
    now = time.time()
    op: Operation = {
        "id": str(uuid.uuid4()), "kind": "action", "target": "", "type": "", "namespace": namespace,
        "location": location, "subscription": ctx.subscription, "status": "Succeeded", "start": now, "end": now,
        "due": None, "api_version": ctx.api_version, "headers": ["Azure-AsyncOperation", "Location"],
        "path": "/subscriptions/{subscription}/providers/{namespace}/locations/{location}/{kind}/{id}",
        "kinds": ["operations", "operations?monitor=true"], "result": result}
    ctx.store.save_operation(op)
    return Response(202, None, headers(ctx, op))


def run_in_background(app: Emulator, op_id: str, work: Callable[[Context], None]) -> None:
    """Run ``work(ctx)`` in a thread (it starts once the caller's transaction commits), then finish the operation."""
    def runner() -> None:
        ctx = Context(app)
        error = None
        try:
            work(ctx)
        except ArmError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - the operation fails like ARM's, details in the log
            log.error("background work of operation %s failed\n%s", op_id, traceback.format_exc())
            error = ArmError(500, "InternalOperationError", f"The operation failed in the emulator: {exc}")
        with app.store.transaction():
            op = app.store.operation(op_id)
            if op is not None and op["status"] == "InProgress":
                finish(ctx, op, error)

    threading.Thread(target=runner, name=f"lro-{op_id[:8]}", daemon=True).start()


def resume(app: Emulator) -> None:
    """After a restart: run again the background work of operations still in progress."""
    ctx = Context(app)
    for op in app.store.background_operations():
        rtype = app.registry.type(op["type"])
        work = rtype.background_work(ctx, op["target"], op["kind"]) if rtype else None
        if work is None:
            with app.store.transaction():
                op["due"] = time.time()
                app.store.save_operation(op)
        else:
            log.info("resuming operation %s (%s of %s)", op["id"], op["kind"], op["target"])
            run_in_background(app, op["id"], work)


def headers(ctx: Context, op: Operation) -> dict[str, str]:
    result = {"Retry-After": str(ctx.app.settings["retry_after"])}
    status_kind, result_kind = op.get("kinds") or ("operationStatuses", "operationResults")
    if "Azure-AsyncOperation" in op["headers"]:
        result["Azure-AsyncOperation"] = _url(ctx, op, status_kind)
    if "Location" in op["headers"]:
        result["Location"] = _url(ctx, op, result_kind)
    return result


def settle(ctx: Context) -> None:
    for op in ctx.store.due_operations(time.time()):
        finish(ctx, op)


def finish(ctx: Context, op: Operation, error: ArmError | None = None) -> Operation:
    """Complete ``op`` now: Succeeded, or Failed with ``error`` (an ArmError)."""
    rtype = ctx.app.registry.type(op["type"])
    with ctx.store.transaction():
        try:
            if error is None and op.get("fail"):
                error = ArmError(400, "InternalOperationError",
                                 "The operation failed (failure injected by the emulator's fault settings).")
            if error is not None:
                raise error
            if rtype is None:
                raise ArmError(500, "InternalOperationError", f"The emulator no longer serves the type '{op['type']}'.")
            op["result"] = rtype.complete(ctx, op)
            op["status"] = "Succeeded"
        except ArmError as exc:
            op.update(status="Failed", error=exc.error(), http_status=exc.status)
            if rtype is not None:
                rtype.failed(ctx, op, exc)
        op["end"] = time.time()
        ctx.store.save_operation(op)
    return op


def _operation(ctx: Context, op_id: str) -> Operation:
    op = ctx.store.operation(op_id)
    if op is None:
        raise ArmError(404, "OperationNotFound", f"The operation '{op_id}' could not be found.")
    return op


def status(ctx: Context, op: str, **_: str) -> Response:
    """The Azure-AsyncOperation URL: always 200 with {"status": ...}."""
    return _status(ctx, _operation(ctx, op))


def _status(ctx: Context, op: Operation) -> Response:
    body = {"id": _path(op, (op.get("kinds") or ["operationStatuses"])[0].partition("?")[0]), "name": op["id"], "status": op["status"],
            "startTime": _iso(op["start"])}
    if op.get("end"):
        body["endTime"] = _iso(op["end"])
    if op.get("error"):
        body["error"] = op["error"]
    extra = {"Retry-After": str(ctx.app.settings["retry_after"])} if op["status"] == "InProgress" else {}
    return Response(200, body, extra)


def result(ctx: Context, op: str, **_: str) -> Response:
    """The Location URL: 202 while running, then the final body (200), 200/204 without one, or the error."""
    return _result(ctx, _operation(ctx, op))


def _result(ctx: Context, op: Operation) -> Response:
    if op["status"] == "InProgress":
        return Response(202, None, {k: v for k, v in headers(ctx, op).items() if k != "Azure-AsyncOperation"})
    if op["status"] != "Succeeded":
        return Response(op.get("http_status", 400), {"error": op.get("error")})
    if op.get("result") is None:
        return Response(200 if op["kind"] == "delete" else 204)
    return Response(200, op["result"])


def status_or_result(ctx: Context, op: str, **_: str) -> Response:
    """``.../operations/{id}``: the status, or with ``monitor=true`` the result (Microsoft.Compute's style)."""
    if ctx.query.get("monitor", "").lower() == "true":
        return result(ctx, op)
    return status(ctx, op)


ROUTES = [
    Route(["GET"], "/subscriptions/{subscription}/providers/{namespace}/locations/{location}/operations/{op}",
          status_or_result),
    Route(["GET"], "/subscriptions/{subscription}/providers/{namespace}/locations/{location}/operationStatuses/{op}",
          status),
    Route(["GET"], "/subscriptions/{subscription}/providers/{namespace}/locations/{location}/operationResults/{op}",
          result),
    Route(["GET"], "/subscriptions/{subscription}/operationresults/{op}", result),
    # Microsoft.Network's network-function provider (IP groups, firewalls) polls on its own URLs
    Route(["GET"], "/subscriptions/{subscription}/providers/{namespace}/locations/{location}/nfvOperations/{op}",
          status),
    Route(["GET"], "/subscriptions/{subscription}/providers/{namespace}/locations/{location}/nfvOperationResults/{op}",
          result),
]
