# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for playbook-level integration tests.

The tests drive the collection the way users do, through ``ansible-playbook``, against a real
emulator process (started here on a throwaway state directory) and the real Docker engine.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# The venv's console scripts (ansible-playbook, dockyard-emulator) sit next to its python.
BIN_DIR = os.path.dirname(sys.executable)
HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
PLAYBOOKS = HERE / "playbooks"


def pytest_configure(config):
    config.addinivalue_line("markers", "container_vm: needs the emulator's container VM backend and extensions")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The totals of the reliability suite's figures (tests/integration/reliability: the `figures` fixture).

    Here, in the first conftest, because with xdist only the controller prints and it loads no other."""
    totals = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", None) or []:
                if name != "reliability" or getattr(report, "when", "call") != "call":
                    continue
                counts = totals.setdefault(value["kind"], {})
                for key, number in value.items():
                    if key != "kind":
                        counts[key] = counts.get(key, 0) + number
    if totals:
        terminalreporter.section("reliability figures")
        for kind in sorted(totals):
            terminalreporter.write_line("%-14s %s" % (kind, ", ".join("%s=%s" % item for item in sorted(totals[kind].items()))))


def _emulator_command():
    found = shutil.which("dockyard-emulator", path=BIN_DIR + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        pytest.fail("dockyard-emulator is not installed; run `make setup`")
    return found


@dataclass
class Emulator:
    """A running emulator and the environment that points clients at it."""

    state_dir: Path
    env: dict = field(default_factory=dict)

    @property
    def url(self):
        return self.env["AZURE_ARM_ENDPOINT"]

    def _control(self, method, path, body=None):
        context = ssl.create_default_context(cafile=self.env["REQUESTS_CA_BUNDLE"])
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/_emulator/" + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def requests(self, since=0):
        """Request log entries with a sequence number greater than ``since``."""
        return self._control("GET", "requests?since=%d" % since)["value"]

    def last_sequence(self):
        return self._control("GET", "requests?since=0")["last"] or 0

    def arm_writes(self, since):
        """ARM calls that change state (token requests are not ARM writes)."""
        return [entry for entry in self.requests(since) if entry["kind"] == "arm" and entry["write"]]

    def set_faults(self, **faults):
        self._control("PUT", "faults", faults)

    def reset_faults(self):
        self._control("DELETE", "faults")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    command = _emulator_command()
    state_dir = tmp_path_factory.mktemp("emulator")
    # Retry-After 1 s on LROs: azure-core treats 0 as absent and would poll every 30 s.
    subprocess.run([command, "start", "--state-dir", str(state_dir), "--retry-after", "1", "--lro-seconds", "0.3"], check=True)
    try:
        output = subprocess.run([command, "env", "--state-dir", str(state_dir), "--format", "json"],
                                check=True, capture_output=True, text=True).stdout
        yield Emulator(state_dir=state_dir, env=json.loads(output))
    finally:
        subprocess.run([command, "stop", "--state-dir", str(state_dir)], check=False)


@pytest.fixture(scope="session")
def container_emulator(tmp_path_factory):
    """A second emulator, on its own state dir, whose VMs are containers (``--vm-backend container``).

    Teardown stops it and removes every container, volume, image and network its backend made (found
    by the backend's label), whatever the tests left behind."""
    if os.geteuid() != 0 or not shutil.which("debootstrap") or not shutil.which("ssh"):
        pytest.skip("container VMs need root, debootstrap and ssh on this machine")
    try:
        import docker

        from dockyard_emulator.backends.container import ContainerMachines
        docker.from_env(timeout=10).ping()
    except Exception as exc:  # pylint: disable=broad-except
        pytest.skip("container VMs need the Docker engine and the Docker SDK: %s" % exc)
    command = _emulator_command()
    state_dir = tmp_path_factory.mktemp("container-emulator")
    subprocess.run([command, "start", "--state-dir", str(state_dir), "--retry-after", "1", "--lro-seconds", "0.3",
                    "--vm-backend", "container"], check=True)
    try:
        output = subprocess.run([command, "env", "--state-dir", str(state_dir), "--format", "json"],
                                check=True, capture_output=True, text=True).stdout
        yield Emulator(state_dir=state_dir, env=json.loads(output))
    finally:
        subprocess.run([command, "stop", "--state-dir", str(state_dir)], check=False)
        ContainerMachines(state_dir).cleanup()


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    results: list

    def task(self, name):
        """The result of the task called ``name`` (the last one, when it ran several times)."""
        matches = [entry for entry in self.results if entry["task"] == name]
        assert matches, "task %r did not run; output:\n%s" % (name, self.stdout[-3000:])
        return matches[-1]

    @property
    def changed(self):
        return [entry["task"] for entry in self.results if entry["status"] == "changed"]


@pytest.fixture
def ansible_playbook(emulator, tmp_path):
    """Run a playbook from tests/integration/playbooks with the emulator's environment."""
    return playbook_runner(emulator, tmp_path)


@pytest.fixture
def container_playbook(container_emulator, tmp_path):
    """Like ``ansible_playbook``, against the emulator with container VMs."""
    return playbook_runner(container_emulator, tmp_path)


def playbook_runner(emulator, tmp_path):
    """A function that runs a playbook with ``emulator``'s environment and returns a PlaybookRun."""

    def run(playbook, extra_vars=None, check=False, diff=False, expect_failure=False, env=None):
        result_log = tmp_path / ("results-%s.jsonl" % os.urandom(4).hex())
        command = ["ansible-playbook", str(PLAYBOOKS / playbook)]
        if extra_vars:
            command += ["--extra-vars", json.dumps(extra_vars)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        run_env = dict(os.environ)
        run_env.update(emulator.env)
        run_env.update({
            "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
            "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "result_log",
            "ANSIBLE_NOCOLOR": "1",
            "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""),
            "DOCKYARD_RESULT_LOG": str(result_log),
        })
        run_env.update(env or {})
        completed = subprocess.run(command, cwd=REPO_ROOT, env=run_env, capture_output=True, text=True, check=False)
        results = []
        if result_log.exists():
            results = [json.loads(line) for line in result_log.read_text().splitlines() if line]
        outcome = PlaybookRun(completed.returncode, completed.stdout + completed.stderr, results)
        if expect_failure:
            assert completed.returncode != 0, "playbook unexpectedly succeeded:\n" + outcome.stdout[-3000:]
        else:
            assert completed.returncode == 0, "playbook failed:\n" + outcome.stdout[-5000:]
        return outcome

    return run
