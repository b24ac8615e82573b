"""HTTP values shared by the server, the ARM core and the providers: request, response, route."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs

from .errors import AadError, ArmError


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    client: str
    query: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        parsed = parse_qs(self.query_string, keep_blank_values=True)
        # ARM treats query parameter names case-insensitively.
        self.query = {k.lower(): v[-1] for k, v in parsed.items()}

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def json(self, required: bool = True) -> dict[str, Any]:
        """The JSON body as a dict; ARM's InvalidRequestContent when it isn't one."""
        if not self.body.strip():
            if required:
                raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                               "deserialized: 'The request body is empty.'")
            return {}
        try:
            value = json.loads(self.body)
        except ValueError as exc:
            raise ArmError(400, "InvalidRequestContent",
                           f"The request content was invalid and could not be deserialized: '{exc}'.") from None
        if not isinstance(value, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                           "deserialized: 'a JSON object is expected.'")
        return value


@dataclass
class Response:
    status: int
    body: Any = None  # dict/list -> JSON, bytes -> raw, None -> empty
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        self.headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return json.dumps(self.body).encode()


def error_response(error: ArmError | AadError) -> Response:
    """The answer to an error: its status, its error document and its headers (e.g. Retry-After)."""
    return Response(error.status, error.body(), dict(error.headers))


DROP = Response(0)  # a handler result meaning "close the connection without answering"

Handler = Callable[..., Response]


class Route:
    """A path template such as ``/subscriptions/{subscription}/locations`` with its methods and handler."""

    def __init__(self, methods: list[str], template: str, handler: Handler,
                 api_versions: tuple[str, ...] | None = None) -> None:
        self.methods, self.handler, self.api_versions = set(methods), handler, api_versions
        parts = re.split(r"\{(\w+)\}", template.rstrip("/"))  # literal, name, literal, name, ...
        pattern = "".join(f"(?P<{p}>[^/]+)" if i % 2 else re.escape(p) for i, p in enumerate(parts))
        self.regex = re.compile(pattern + "/?", re.IGNORECASE)
