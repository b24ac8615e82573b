# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource-group playbooks against the emulator: wall time and ARM calls per run.

Starts a private emulator with a per-request latency (``--latency-ms``, default 40 ms, roughly
a European client to Azure's control plane), then measures, as ansible-playbook runs:
  * the floor: a play with one ``ansible.builtin.ping`` (ansible-playbook start-up);
  * ``dockyard.azure.resource_group`` creating a group, and re-running unchanged;
  * the same unchanged run with 30% injected 429/503 answers (retries honour Retry-After).
Prints medians, the time above the floor, and the ARM calls of each run from the request log.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - dockyard.azure.resource_group:
        name: "{{ rg_name }}"
        location: westeurope
        tags: {bench: "yes"}
"""
FLOOR = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.ping:
"""


class Emulator:
    def __init__(self, latency_ms):
        self.state = tempfile.mkdtemp(prefix="bench-emulator-")
        self.command = os.path.join(BIN, "dockyard-emulator")
        subprocess.run([self.command, "start", "--state-dir", self.state, "--lro-seconds", "0.5",
                        "--latency-ms", str(latency_ms)], check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run([self.command, "env", "--state-dir", self.state, "--format", "json"],
                             check=True, capture_output=True, text=True).stdout
        self.env = json.loads(out)
        self.context = ssl.create_default_context(cafile=self.env["REQUESTS_CA_BUNDLE"])

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.env["AZURE_ARM_ENDPOINT"] + "/_emulator/" + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def last(self):
        return self.control("GET", "requests?since=0")["last"] or 0

    def arm_calls(self, since):
        entries = self.control("GET", "requests?since=%d" % since)["value"]
        arm = [entry for entry in entries if entry["kind"] == "arm"]
        return len(arm), sum(1 for entry in arm if entry["write"])

    def stop(self):
        subprocess.run([self.command, "stop", "--state-dir", self.state], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(self.state, ignore_errors=True)


def run_playbook(emulator, text, extra):
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        handle.write(text)
    env = dict(os.environ, **emulator.env)
    env.update(ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), PATH=BIN + os.pathsep + env.get("PATH", ""))
    started = time.monotonic()
    subprocess.run([os.path.join(BIN, "ansible-playbook"), handle.name, "-e", json.dumps(extra)],
                   check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    elapsed = time.monotonic() - started
    os.unlink(handle.name)
    return elapsed


def measure(emulator, label, text, extra, repeat, rows):
    times, calls = [], None
    for _round in range(repeat):
        since = emulator.last()
        times.append(run_playbook(emulator, text, extra() if callable(extra) else extra))
        calls = emulator.arm_calls(since)
    rows.append((label, statistics.median(times), calls))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=40)
    args = parser.parse_args()
    emulator = Emulator(args.latency_ms)
    rows = []
    try:
        measure(emulator, "floor: ping-only playbook", FLOOR, {}, args.repeat, rows)
        measure(emulator, "resource_group: create", PLAYBOOK, lambda: {"rg_name": "bench-" + uuid.uuid4().hex[:8]}, args.repeat, rows)
        measure(emulator, "resource_group: unchanged", PLAYBOOK, {"rg_name": "bench-steady"}, 1, [])  # create it once
        measure(emulator, "resource_group: unchanged", PLAYBOOK, {"rg_name": "bench-steady"}, args.repeat, rows)
        emulator.control("PUT", "faults", {"throttle_rate": 0.15, "error_rate": 0.15, "retry_after": 1, "seed": 11})
        measure(emulator, "resource_group: unchanged, 30% 429/503", PLAYBOOK, {"rg_name": "bench-steady"}, args.repeat, rows)
    finally:
        emulator.stop()
    floor = rows[0][1]
    print("Azure benchmark (emulator latency %d ms per request, median of %d runs)" % (args.latency_ms, args.repeat))
    print("%-42s %9s %12s %16s" % ("case", "median s", "above floor", "ARM calls/writes"))
    for label, median, calls in rows:
        above = "" if label.startswith("floor") else "%.2f" % (median - floor)
        print("%-42s %9.2f %12s %16s" % (label, median, above, "%d/%d" % calls))


if __name__ == "__main__":
    main()
