# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: appends every task result to a JSON-lines file for pytest to read."""

from __future__ import annotations

DOCUMENTATION = r"""
name: result_log
type: notification
short_description: Write task results to a JSON-lines file (integration tests only)
description:
  - Appends one JSON object per task result (host, task name, status, result, seconds) to the file named
    by the E(DOCKYARD_RESULT_LOG) environment variable.
requirements:
  - E(DOCKYARD_RESULT_LOG) set to a writable path
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "result_log"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("DOCKYARD_RESULT_LOG")
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()

    def _write(self, result, status):
        if not self._path:
            return
        entry = {
            "host": result._host.get_name(),
            "task": result._task.get_name(),
            "status": status,
            "result": self._clean(result._result),
            "seconds": round(time.time() - self._started.get((result._host.get_name(), result._task._uuid), time.time()), 3),
        }
        with open(self._path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry, default=str) + "\n")

    @staticmethod
    def _clean(value):
        # Results may hold Ansible's unsafe/tagged types: round-trip through JSON with str().
        return json.loads(json.dumps(value, default=str))

    def v2_runner_on_ok(self, result):
        self._write(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")
