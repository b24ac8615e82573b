# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the inventory plugin's tests: an emulator of their own holding a fleet of VMs, and
``ansible-inventory`` / ``ansible-playbook`` runs against it.

The fleet is made with plain ARM calls in parallel (dockyard_emulator.fleet, an ARM client like any
other); each test reads the emulator's request log to count the ARM calls an inventory run made.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import textwrap
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from azure_rest import Arm

from dockyard_emulator.fleet import FleetSpec, create_fleet

BIN_DIR = os.path.dirname(sys.executable)
REPO_ROOT = Path(__file__).resolve().parents[3]
FLEET_VMS = 40
FLEET_GROUPS = 4
# Every ansible-inventory / ansible-playbook run is bounded: a hung run fails its test instead of the session.
RUN_TIMEOUT_S = 300


@dataclass
class FleetEmulator:
    """A running emulator, the environment that points clients at it, and the fleet it holds."""

    state_dir: Path
    env: dict
    fleet: FleetSpec | None = None
    vms: list = field(default_factory=list)

    def control(self, method, path, body=None):
        context = ssl.create_default_context(cafile=self.env["REQUESTS_CA_BUNDLE"])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
        request = urllib.request.Request(self.env["AZURE_ARM_ENDPOINT"] + "/_emulator/" + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with opener.open(request, timeout=30) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def requests(self, since=0):
        return self.control("GET", "requests?since=%d" % since)["value"]

    def last_sequence(self):
        return self.control("GET", "requests?since=0")["last"] or 0

    def set_faults(self, **faults):
        self.control("PUT", "faults", faults)

    def reset_faults(self):
        self.control("DELETE", "faults")


def emulator_command():
    found = shutil.which("dockyard-emulator", path=BIN_DIR + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        pytest.fail("dockyard-emulator is not installed; run `make setup`")
    return found


def unwrap(value):
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


@dataclass
class InventoryRun:
    returncode: int
    stdout: str
    stderr: str
    arm_calls: list = field(default_factory=list)
    requests: list = field(default_factory=list)

    @property
    def inventory(self):
        """The --list JSON; Ansible marks strings that came from the plugin as {"__ansible_unsafe": ...}: unwrapped."""
        return unwrap(json.loads(self.stdout))

    @property
    def hosts(self):
        return sorted(self.inventory["_meta"]["hostvars"])

    def group(self, name):
        """Hosts of a group (children's hosts not included)."""
        return sorted(self.inventory.get(name, {}).get("hosts", []))

    def plugin_failure(self):
        """The one line Ansible shows when our plugin refuses the source."""
        lines = [line for line in self.stderr.splitlines() if "Failed to parse inventory with 'auto' plugin" in line]
        assert lines, "the inventory source did not fail:\n" + self.stderr[-2000:]
        return lines[0].split("'auto' plugin: ", 1)[1]


@pytest.fixture(scope="session")
def fleet_emulator(tmp_path_factory):
    """An emulator (metadata VMs) with a fleet: FLEET_VMS VMs round-robin over FLEET_GROUPS groups (group i in
    westeurope or northeurope alternately), a public IP with a DNS label on every other VM, tags role (web, db,
    cache, web, ...) and env (prod, dev, ...)."""
    command = emulator_command()
    state_dir = tmp_path_factory.mktemp("inventory-emulator")
    subprocess.run([command, "start", "--state-dir", str(state_dir), "--retry-after", "1", "--lro-seconds", "0.1"], check=True)
    try:
        output = subprocess.run([command, "env", "--state-dir", str(state_dir), "--format", "json"],
                                check=True, capture_output=True, text=True).stdout
        emulator = FleetEmulator(state_dir=state_dir, env=json.loads(output))
        spec = FleetSpec(prefix="inv%s" % uuid.uuid4().hex[:4], vms=FLEET_VMS, groups=FLEET_GROUPS,
                         locations=["westeurope", "northeurope"], public_ip_every=2, workers=8,
                         cycle_tags={"role": ["web", "db", "cache", "web"], "env": ["prod", "dev", "prod"]})
        emulator.fleet = spec
        emulator.vms = create_fleet(emulator.env, spec)
        yield emulator
    finally:
        subprocess.run([command, "stop", "--state-dir", str(state_dir)], check=False)


def run_env(emulator, extra=None):
    env = dict(os.environ)
    env.update(emulator.env)
    env.update({"ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
                "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", "")})
    env.update(extra or {})
    return env


@pytest.fixture
def inventory(fleet_emulator, tmp_path):
    """Run ``ansible-inventory`` on a plugin config (YAML text) against the fleet emulator."""

    def run(config, *args, name="test_vms.yml", env=None, emulator=None):
        emulator = emulator or fleet_emulator
        path = tmp_path / name
        path.write_text("plugin: dockyard.azure.vms\n" + textwrap.dedent(config))
        since = emulator.last_sequence()
        completed = subprocess.run(["ansible-inventory", "-i", str(path), *(args or ["--list"])], cwd=REPO_ROOT,
                                   env=run_env(emulator, env), capture_output=True, text=True, check=False,
                                   timeout=RUN_TIMEOUT_S)
        requests = emulator.requests(since)
        return InventoryRun(completed.returncode, completed.stdout, completed.stderr,
                            [entry for entry in requests if entry["kind"] == "arm"], requests)

    return run


@pytest.fixture
def arm(fleet_emulator):
    """Plain REST calls to the fleet emulator (set-up and checks that are not the plugin's code)."""
    return Arm(fleet_emulator.env)


def paths(calls):
    """The ARM calls as 'GET <path tail>' (provider/type of a listing)."""
    return ["%s %s" % (entry["method"], "/".join(entry["path"].split("/")[-2:])) for entry in calls]
