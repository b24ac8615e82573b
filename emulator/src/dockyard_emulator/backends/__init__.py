"""VM backends: what stands behind a Microsoft.Compute/virtualMachines resource.

- :mod:`.protocol`  the :class:`VmBackend` seam the Compute provider calls;
- :mod:`.none`      metadata only (the default, fast, for API-level tests);
- :mod:`.container` every VM a system container (its image build, machines and cloud-init parts).

``BACKENDS`` names each backend as ``"module:Class"``; the module is imported when the emulator
first needs its backend, so the ``none`` backend never needs the Docker SDK. Add a backend by
adding its module and one entry here.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import ArmError
from .protocol import VmBackend

BACKENDS = {
    "none": f"{__name__}.none:NoneBackend",
    "container": f"{__name__}.container:ContainerBackend",
}

__all__ = ["BACKENDS", "VmBackend", "create_backend"]


def create_backend(name: str, state_dir: Path) -> VmBackend:
    """A new instance of the backend called ``name`` for the emulator of ``state_dir``."""
    if name not in BACKENDS:
        raise ArmError(400, "VMBackendNotAvailable", f"The emulator's VM backend '{name}' is not available in "
                       f"this version (available: {', '.join(sorted(BACKENDS))}). Restart the emulator with "
                       "--vm-backend none.")
    module, _, attr = BACKENDS[name].partition(":")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except ImportError as exc:
        raise ArmError(500, "VMBackendNotAvailable", f"The emulator's VM backend '{name}' cannot be loaded: "
                       f"{exc}. Install what it needs (the Docker SDK: pip install docker) or restart the "
                       "emulator with --vm-backend none.") from exc
    backend: VmBackend = cls(state_dir)
    return backend
