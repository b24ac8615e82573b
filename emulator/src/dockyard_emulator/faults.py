"""Fault injection for ARM calls: throttling, server errors, dropped connections, latency; and the capacity
the emulated subscription has: VM sizes that are not available (SkuNotAvailable) and its vCPU quotas."""
from __future__ import annotations

import random
import threading
import time
from typing import Any

from .errors import ArmError, FaultSettingsError
from .web import DROP, Response

DEFAULTS: dict[str, Any] = {"throttle_rate": 0.0, "error_rate": 0.0, "drop_rate": 0.0, "latency_ms": 0, "retry_after": 1,
            "lro_failure_rate": 0.0, "seed": None, "max_page_size": 0, "unavailable_sizes": [],
            "regional_cores_quota": 350, "family_cores_quota": 100}
RATES = ("throttle_rate", "error_rate", "drop_rate", "lro_failure_rate")


def validate(changes: Any) -> dict[str, Any]:
    """Checked and typed fault settings from a JSON object; FaultSettingsError naming the bad key."""
    if not isinstance(changes, dict):
        raise FaultSettingsError("fault settings must be a JSON object")
    clean = {}
    for key, value in changes.items():
        if key not in DEFAULTS:
            raise FaultSettingsError(f"unknown fault setting '{key}' (known: {', '.join(DEFAULTS)})")
        if key == "unavailable_sizes":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise FaultSettingsError("unavailable_sizes must be a list of VM size names (SIZE or SIZE@LOCATION)")
        elif key in ("regional_cores_quota", "family_cores_quota"):
            if not isinstance(value, int) or value < 0:
                raise FaultSettingsError(f"{key} must be a non-negative integer")
        elif key == "seed":
            if value is not None and not isinstance(value, int):
                raise FaultSettingsError("seed must be an integer or null")
        elif key in RATES:
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise FaultSettingsError(f"{key} must be a number between 0 and 1")
            value = float(value)
        elif not isinstance(value, (int, float)) or value < 0:
            raise FaultSettingsError(f"{key} must be a non-negative number")
        clean[key] = value
    return clean


class Faults:
    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self.settings: dict[str, Any] = dict(DEFAULTS)
        self._random = random.Random()
        self.update(settings or {})

    def update(self, changes: Any, reset: bool = False) -> dict[str, Any]:
        changes = validate(changes)
        with self._lock:
            if reset:
                self.settings = dict(DEFAULTS)
            self.settings.update(changes)
            if reset or "seed" in changes:
                self._random = random.Random(self.settings["seed"])
            return dict(self.settings)

    def _roll(self, key: str) -> bool:
        with self._lock:
            return self.settings[key] > 0 and self._random.random() < self.settings[key]

    def size_unavailable(self, size: str, location: str) -> bool:
        """Whether the subscription may not deploy ``size`` in ``location`` (setting ``unavailable_sizes``)."""
        wanted = {size.lower(), f"{size}@{location}".lower()}
        return any(item.lower() in wanted for item in self.settings["unavailable_sizes"])

    def operation_fails(self) -> bool:
        return self._roll("lro_failure_rate")

    def inject(self, subscription: str | None, is_write: bool, latency: bool = True) -> Response | None:
        """Before an ARM request is handled: sleep (unless ``latency`` is false), then maybe return DROP or raise the
        injected error."""
        if latency and self.settings["latency_ms"]:
            time.sleep(self.settings["latency_ms"] / 1000)
        retry = {"Retry-After": str(int(self.settings["retry_after"]))}
        if self._roll("drop_rate"):
            return DROP
        if self._roll("throttle_rate"):
            kind = "write" if is_write else "read"
            if subscription:
                raise ArmError(429, "SubscriptionRequestsThrottled",
                               f"Number of '{kind}' requests for subscription '{subscription}' actually exceeded the "
                               f"limit for time interval '01:00:00'. Please try again after "
                               f"'{retry['Retry-After']}' seconds.", headers=retry)
            raise ArmError(429, "TooManyRequests", "The request is being throttled.", headers=retry)
        if self._roll("error_rate"):
            with self._lock:
                unavailable = self._random.random() < 0.5
            if unavailable:
                raise ArmError(503, "ServiceUnavailable", "The service is temporarily unavailable (injected).",
                               headers=retry)
            raise ArmError(500, "InternalServerError", "Encountered internal server error (injected).")
        return None
