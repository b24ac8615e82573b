"""The ``none`` VM backend: metadata only. Every operation succeeds at once and no machine exists,
so extensions are metadata too and public IPs come from the Network provider's own range."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .protocol import RUN_COMMAND_TIMEOUT

if TYPE_CHECKING:
    from ..context import Context
    from ..store import Resource


class NoneBackend:
    """Implements :class:`~.protocol.VmBackend` with nothing behind the VMs."""

    name = "none"
    asynchronous = False
    os_families = ("Linux", "Windows")  # metadata only: any valid VM is accepted

    def __init__(self, state_dir: Path | None = None) -> None:
        self.state_dir = state_dir

    def provision(self, ctx: Context, vm: Resource) -> None:
        return None

    def power(self, ctx: Context, vm: Resource, action: str) -> None:
        return None

    def delete(self, ctx: Context, vm: Resource, keep_os_disk: bool | None = None) -> None:
        return None

    def delete_disk(self, ctx: Context, disk: Resource) -> None:
        return None

    def instance_view(self, ctx: Context, vm: Resource) -> dict[str, Any]:
        return {}

    def machine_info(self, ctx: Context, vm: Resource, lines: int = 40) -> dict[str, Any] | None:
        return None

    def addresses(self, ctx: Context, vm: Resource) -> tuple[str, int] | None:
        return None

    def run_command(self, ctx: Context, vm: Resource, script: str | bytes, env: dict[str, str] | None = None,
                    timeout: float = RUN_COMMAND_TIMEOUT) -> tuple[int, str, str] | None:
        return None

    def reconcile(self, ctx: Context, vms: list[Resource]) -> None:
        return None

    def public_address(self, ctx: Context, taken: set[str]) -> str | None:
        return None

    def host_address(self, ctx: Context) -> str | None:
        return None
