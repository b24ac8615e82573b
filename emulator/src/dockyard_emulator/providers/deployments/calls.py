"""ARM requests a deployment makes on its own behalf, answered by the provider registry.

Every resource a template declares is written, read and deleted through ``arm.dispatch``: the same
routing, resource types and long-running operations as a client's request, only without the
authentication, the fault injection and the request log (Azure's own calls are not the client's).
Each call runs in a store transaction of its own; waiting for long-running operations happens
outside any transaction, so the operations' background work (container VMs booting, scripts
running) goes on meanwhile.
"""
from __future__ import annotations

import http
import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlencode

from ... import arm, lro
from ...context import Context
from ...errors import ArmError, EmulatorError
from ...store import Operation
from ...web import Request, Response

if TYPE_CHECKING:
    from ...server import Emulator

POLL_SECONDS = 0.05
_PROVIDERS = re.compile(r"/providers/([^/]+)/(.+)$", re.IGNORECASE)
_GROUP = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+/?$", re.IGNORECASE)


@dataclass
class Answer:
    """What an internal request got: the response, or the ARM error it raised."""

    status: int
    body: Any = None
    headers: dict[str, str] | None = None
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status < 400

    @property
    def operation(self) -> str | None:
        """The id of the long-running operation the answer started (from its status or result URL)."""
        headers = self.headers or {}
        url = headers.get("Azure-AsyncOperation") or headers.get("Location")
        if not url or self.status not in (201, 202) and "Azure-AsyncOperation" not in headers:
            return None
        return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def status_text(status: int) -> str:
    """ARM's statusCode of a deployment operation: the HTTP status as a word ('BadRequest', 'Conflict')."""
    try:
        return http.HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return str(status)


def full_type(resource_id: str) -> str:
    """'Microsoft.Network/virtualNetworks/subnets' of a resource id ('Microsoft.Resources/resourceGroups' for a group)."""
    if _GROUP.match(resource_id):
        return "Microsoft.Resources/resourceGroups"
    found = _PROVIDERS.search(resource_id)
    if not found:
        return ""
    parts = found.group(2).split("/")
    return "/".join([found.group(1), *parts[0::2]])


class ArmCalls:
    """Internal ARM requests of one emulator (see the module docstring)."""

    def __init__(self, app: Emulator) -> None:
        self.app = app

    def default_version(self, resource_id: str) -> str | None:
        rtype = self.app.registry.type(full_type(resource_id))
        if rtype is not None and rtype.api_versions:
            return rtype.api_versions[0]
        group_type = self.app.registry.type("Microsoft.Resources/resourceGroups")
        return group_type.api_versions[0] if group_type else None

    def call(self, method: str, path: str, api_version: str | None, body: Any = None) -> Answer:
        query = urlencode({"api-version": api_version or self.default_version(path) or ""})
        payload = json.dumps(body).encode() if body is not None else b""
        request = Request(method, path, query, {"content-type": "application/json"}, payload, "127.0.0.1")
        try:
            with self.app.store.transaction():
                response: Response = arm.dispatch(Context(self.app, request))
        except ArmError as exc:
            return Answer(exc.status, None, dict(exc.headers), exc.error())
        except EmulatorError as exc:
            return Answer(exc.status, None, {}, {"code": exc.code, "message": exc.message})
        return Answer(response.status, response.body, dict(response.headers))

    def get(self, resource_id: str, api_version: str | None) -> dict[str, Any] | None:
        """A resource's GET body, or None when it does not exist (api-version: the template's, else the newest)."""
        answer = self.call("GET", resource_id, api_version)
        if answer.error and answer.error.get("code") == "NoRegisteredProviderFound" and api_version:
            answer = self.call("GET", resource_id, None)
        if not answer.ok or not isinstance(answer.body, dict):
            return None
        return answer.body

    def post(self, path: str, api_version: str | None, body: Any = None) -> Answer:
        return self.call("POST", path, api_version, body if body is not None else {})

    def settle(self) -> None:
        """Finish the operations that are due (as every client request does before it is answered)."""
        with self.app.store.transaction():
            lro.settle(Context(self.app))

    def wait(self, op_ids: list[str], stop: Callable[[], bool] = lambda: False) -> dict[str, Operation]:
        """Wait until every operation has finished (or ``stop()`` says to give up); their final records."""
        done: dict[str, Operation] = {}
        pending = list(op_ids)
        while pending:
            self.settle()
            for op_id in list(pending):
                op = self.app.store.operation(op_id)
                if op is None or op["status"] != "InProgress":
                    done[op_id] = op or {"id": op_id, "status": "Failed",
                                         "error": {"code": "OperationNotFound", "message": "The operation vanished."}}
                    pending.remove(op_id)
            if pending:
                if stop():
                    break
                time.sleep(POLL_SECONDS)
        return done
