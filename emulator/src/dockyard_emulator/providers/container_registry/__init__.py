"""Microsoft.ContainerRegistry: container registries, each served by a real registry server.

- :mod:`.registries`  the ARM resource type (registries), checkNameAvailability, credentials, usages
- :mod:`.servers`     one Distribution (Debian's docker-registry) process per registry, and the token listener
- :mod:`.tokens`      the registries' token endpoints (ACR's /oauth2/exchange and /oauth2/token)
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import registries, tokens
from .registries import PROVIDER
from .servers import servers

if TYPE_CHECKING:
    from ...server import Emulator


@PROVIDER.on_start
def start_registry_servers(app: Emulator) -> None:
    """Serve every stored registry again (the processes stopped with the previous emulator)."""
    servers(app).start_all()


@PROVIDER.on_stop
def stop_registry_servers(app: Emulator) -> None:
    servers(app).stop_all()


__all__ = ["PROVIDER", "registries", "tokens"]
