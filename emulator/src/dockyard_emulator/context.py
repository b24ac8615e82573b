"""What a handler sees: the emulator application and the request being answered.

Both the ARM core (``arm``) and the long-running-operation engine (``lro``) hand a :class:`Context`
to the providers, so this module depends on neither. Background work and operation completions get
a context without a request.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import EmulatorError

if TYPE_CHECKING:
    from .backends import VmBackend
    from .server import Emulator
    from .store import Store
    from .web import Request


@dataclass
class Context:
    """The emulator (store, settings, identity, VM backend) and the request (None in background work)."""

    app: Emulator
    request: Request | None = None
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    """Scratch space of this request for derived data (e.g. back-reference indexes a listing reuses); key
    entries on ``store.generation`` so a write in between invalidates them."""

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def backend(self) -> VmBackend:
        """The VM backend the emulator runs with (``--vm-backend``)."""
        return self.app.vm_backend

    @property
    def subscription(self) -> str:
        return self.app.identity["subscription_id"]

    @property
    def api_version(self) -> str | None:
        return self.request.query.get("api-version") if self.request else None

    @property
    def query(self) -> dict[str, str]:
        """The request's query parameters (lower-cased names); empty in background work."""
        return self.request.query if self.request else {}

    @property
    def method(self) -> str | None:
        return self.request.method if self.request else None

    def json(self) -> dict[str, Any]:
        """The request's JSON object body (ARM's InvalidRequestContent when it is not one)."""
        if self.request is None:
            raise EmulatorError("background work has no request body")
        return self.request.json()

    def url(self, path: str, **query: Any) -> str:
        query.setdefault("api-version", self.api_version)
        qs = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
        return f"{self.app.base_url}{path}" + (f"?{qs}" if qs else "")
