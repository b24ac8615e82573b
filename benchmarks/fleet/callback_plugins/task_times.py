# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: the wall time of every task (start to the last host's result), as JSON lines."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: task_times
type: aggregate
short_description: Write each task's wall time to a JSON-lines file (benchmarks only)
description:
  - Appends one JSON object per task (name, seconds from its start until the next task starts or the play ends)
    to the file named by the E(DOCKYARD_TASK_TIMES) environment variable.
requirements:
  - E(DOCKYARD_TASK_TIMES) set to a writable path
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("DOCKYARD_TASK_TIMES")
        self._current = None

    def _close(self):
        if self._current and self._path:
            name, started = self._current
            with open(self._path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"task": name, "seconds": round(time.monotonic() - started, 3)}) + "\n")
        self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self._current = (task.get_name(), time.monotonic())

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats):
        self._close()
