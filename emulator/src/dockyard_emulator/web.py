"""Request/response values and the ARM error type shared by the core and the providers."""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    headers: dict  # lower-cased names
    body: bytes
    client: str

    def __post_init__(self):
        parsed = parse_qs(self.query_string, keep_blank_values=True)
        # ARM treats query parameter names case-insensitively.
        self.query = {k.lower(): v[-1] for k, v in parsed.items()}

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def form(self):
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def json(self, required=True):
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
    body: object = None  # dict/list -> JSON, bytes -> raw, None -> empty
    headers: dict = field(default_factory=dict)

    def payload(self):
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        self.headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return json.dumps(self.body).encode()


DROP = object()  # a handler result meaning "close the connection without answering"


class ArmError(Exception):
    """An error answered with ARM's envelope {"error": {"code", "message", ...}}."""

    def __init__(self, status, code, message, details=None, headers=None, target=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers, self.target = details, headers or {}, target

    def error(self):
        error = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return error

    def response(self):
        return Response(self.status, {"error": self.error()}, dict(self.headers))


def not_found(kind, name, rg=None):
    """ARM's 404 for a missing resource group or resource."""
    if kind == "resourceGroups":
        return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")
    where = f" under resource group '{rg}'" if rg else ""
    return ArmError(404, "ResourceNotFound", f"The Resource '{kind}/{name}'{where} was not found. For more "
                    "details please go to https://aka.ms/ARMResourceNotFoundFix")


class Route:
    def __init__(self, methods, template, handler, api_versions=None):
        self.methods, self.handler, self.api_versions = set(methods), handler, api_versions
        parts = re.split(r"\{(\w+)\}", template.rstrip("/"))  # literal, name, literal, name, ...
        pattern = "".join(f"(?P<{p}>[^/]+)" if i % 2 else re.escape(p) for i, p in enumerate(parts))
        self.regex = re.compile(pattern + "/?", re.IGNORECASE)
