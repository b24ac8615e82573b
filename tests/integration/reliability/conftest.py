# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the reliability suite (issue 11): engines, emulators of its own, the figures summary.

The `emulator` fixture of tests/integration/conftest.py (one per xdist worker) serves most tests;
tests that stop the emulator or need slow operations start their own (`private_emulator`). The
Docker engine is the shared local one, except for the engine-restart test, which starts a
throwaway dockerd in its own network namespace with its data under tests/output (the shared
engine is never restarted).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest
from busybox_image import build_busybox

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import BIN_DIR, OUTPUT, TEST_IMAGE  # noqa: E402

docker = pytest.importorskip("docker")


@pytest.fixture(scope="session")
def engine():
    client = docker.from_env(timeout=120)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - environment problem
        pytest.skip("no Docker engine: %s" % exc)
    return client


@pytest.fixture(scope="session")
def busybox(engine):
    """dockyard-test/busybox:latest (from the host's static busybox), as the Docker integration tests build it."""
    return build_busybox(engine, TEST_IMAGE, "LABEL dockyard.test=compose-engine", 'CMD ["sh"]').id


def _emulator_command():
    found = shutil.which("dockyard-emulator", path=BIN_DIR + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        pytest.fail("dockyard-emulator is not installed; run `make setup`")
    return found


class PrivateEmulator:
    """An emulator process of one test module, which the tests may stop and start again."""

    def __init__(self, state_dir, options):
        self.command = _emulator_command()
        self.state_dir = str(state_dir)
        self.options = list(options)
        self.env = {}

    def start(self):
        subprocess.run([self.command, "start", "--state-dir", self.state_dir] + self.options, check=True,
                       capture_output=True)
        output = subprocess.run([self.command, "env", "--state-dir", self.state_dir, "--format", "json"], check=True,
                                capture_output=True, text=True).stdout
        self.env = json.loads(output)
        return self

    def stop(self):
        subprocess.run([self.command, "stop", "--state-dir", self.state_dir], check=False, capture_output=True)

    def pid(self):
        try:
            with open(os.path.join(self.state_dir, "emulator.pid"), encoding="ascii") as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            return None


@pytest.fixture(scope="module")
def private_emulator(tmp_path_factory):
    """An emulator of the module's own, with 3-second LROs (room to interrupt one), none backend."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    state_dir = tempfile.mkdtemp(prefix="emulator-", dir=str(OUTPUT))
    emulator = PrivateEmulator(state_dir, ["--retry-after", "1", "--lro-seconds", "3"]).start()
    try:
        yield emulator
    finally:
        emulator.stop()
        shutil.rmtree(state_dir, ignore_errors=True)


class ThrowawayEngine:
    """A dockerd of our own: its network namespace (unshare -n), data root under tests/output, a unix socket."""

    def __init__(self, root):
        self.root = root
        self.sock = os.path.join(root, "docker.sock")
        self.url = "unix://" + self.sock
        self.process = None
        self.client = None

    def start(self, timeout=60):
        with open(os.path.join(self.root, "dockerd.log"), "a") as log:  # dockerd keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [shutil.which("unshare"), "-n", shutil.which("dockerd"), "--data-root", os.path.join(self.root, "data"),
                 "--exec-root", os.path.join(self.root, "exec"), "--pidfile", os.path.join(self.root, "pid"),
                 "-H", self.url, "--bridge", "none", "--iptables=false", "--ip-masq=false", "--storage-driver", "vfs"],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(self.sock):
                try:
                    self.client = docker.DockerClient(base_url=self.url, version="auto", timeout=60)
                    self.client.ping()
                    return self
                except Exception:  # noqa: BLE001 - engine still starting
                    self.client = None
            if self.process.poll() is not None:
                break
            time.sleep(0.25)
        pytest.fail("throwaway dockerd did not start; see %s/dockerd.log" % self.root)

    def stop(self):
        """SIGTERM, as a host's shutdown or `systemctl restart docker` stops the engine."""
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        subprocess.run(["umount", "-R", os.path.join(self.root, "exec")], capture_output=True, check=False)


@pytest.fixture(scope="module")
def throwaway_engine():
    if not shutil.which("dockerd") or not shutil.which("unshare") or os.geteuid() != 0:
        pytest.skip("needs root, dockerd and unshare to start a throwaway engine")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    root = tempfile.mkdtemp(prefix="dockerd-", dir=str(OUTPUT))
    engine = ThrowawayEngine(root).start()
    try:
        yield engine
    finally:
        engine.stop()
        subprocess.run(["umount", "-R", os.path.join(root, "data")], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


# ------------------------------------------------------------------ figures

@pytest.fixture
def figures(record_property):
    """figures(kind, **counts): counts for the session summary (tests/integration/conftest.py adds them up)."""
    def add(kind, **counts):
        record_property("reliability", dict(counts, kind=kind))
    return add
