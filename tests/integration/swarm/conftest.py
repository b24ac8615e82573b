# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the swarm tests: one emulator, three container VMs with Docker over TLS, made once.

The session fixture `swarm_lab` starts its own emulator (`--vm-backend container`), makes three
Docker hosts with the docker_host role (playbooks/hosts.yml, which writes a static inventory for the
other playbooks), and builds a busybox image inside each VM's engine from the controller's static
busybox (no registry is reachable). Teardown stops the emulator and removes every container,
volume, network and image its backend made. The tests of this directory share the VMs, so they are
in one module (`--dist loadscope` keeps them on one worker).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from busybox_image import busybox_context

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
PLAYBOOKS = HERE / "playbooks"
CALLBACKS = HERE.parent / "callback_plugins"
BIN_DIR = os.path.dirname(sys.executable)
IMAGE = "dockyard-swarm-test/busybox:1"
HOSTS = ("swarm-1", "swarm-2", "swarm-3")
# Swarm writes: what the engine's event stream reports when the cluster state changes.
WRITE_ACTIONS = ("create", "update", "remove")
SWARM_TYPES = ("service", "node", "secret", "config", "network")
# What a stack deployment writes. Node objects are left out: once a service publishes a port on the
# ingress network, this machine's manager node gets an update every few seconds with nothing changed
# in its spec or status (its ingress sandbox cannot be set up without IPVS).
STACK_TYPES = ("service", "secret", "config", "network")


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    results: list

    def task(self, name: str) -> dict:
        """The result of the last run of task `name`, with `failed` set from its status."""
        matches = [entry for entry in self.results if entry["task"] == name]
        assert matches, "task %r did not run; output:\n%s" % (name, self.stdout[-3000:])
        result = dict(matches[-1].get("result") or {})
        result["failed"] = matches[-1]["status"] == "failed"
        result["status"] = matches[-1]["status"]
        return result

    @property
    def changed(self) -> list:
        return [entry["task"] for entry in self.results if entry["status"] == "changed"]


@dataclass
class SwarmLab:
    """The three VMs: how to run playbooks against them and how to reach their engines directly."""

    state_dir: Path
    work_dir: Path
    env: dict = field(default_factory=dict)
    inventory: Path | None = None
    hosts: dict = field(default_factory=dict)  # name -> {"address", "docker_host", "tls_dir"}
    image: str = IMAGE  # in every VM's engine

    def playbook(self, name: str, extra_vars: dict | None = None, check: bool = False, diff: bool = False,
                 expect_failure: bool = False) -> PlaybookRun:
        result_log = self.work_dir / ("results-%s.jsonl" % uuid.uuid4().hex[:8])
        command = [os.path.join(BIN_DIR, "ansible-playbook"), str(PLAYBOOKS / name)]
        if self.inventory is not None:
            command += ["-i", str(self.inventory)]
        if extra_vars:
            command += ["--extra-vars", json.dumps(extra_vars)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        run_env = dict(os.environ)
        run_env.update(self.env)
        run_env.update({
            "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "result_log",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""),
            "DOCKYARD_RESULT_LOG": str(result_log),
        })
        completed = subprocess.run(command, cwd=REPO_ROOT, env=run_env, capture_output=True, text=True, check=False)
        results = [json.loads(line) for line in result_log.read_text().splitlines() if line] if result_log.exists() else []
        run = PlaybookRun(completed.returncode, completed.stdout + completed.stderr, results)
        if expect_failure:
            assert completed.returncode != 0, "playbook unexpectedly succeeded:\n" + run.stdout[-3000:]
        else:
            assert completed.returncode == 0, "playbook failed:\n" + run.stdout[-6000:]
        return run

    def client(self, host: str = "swarm-1") -> Any:
        """A Docker SDK APIClient for a VM's engine over TLS with the client certificate."""
        import docker

        tls_dir = self.hosts[host]["tls_dir"]
        tls = docker.tls.TLSConfig(client_cert=(os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem")),
                                   ca_cert=os.path.join(tls_dir, "ca.pem"), verify=True)
        client = docker.APIClient(base_url=self.hosts[host]["docker_host"].replace("tcp://", "https://"), tls=tls,
                                  version="1.41", timeout=120)
        client.trust_env = False  # the emulator's REQUESTS_CA_BUNDLE must not replace the engine's CA
        return client

    def now(self) -> float:
        return time.time()

    def swarm_writes(self, since: float, host: str = "swarm-1", types: tuple = STACK_TYPES) -> list:
        """Events of cluster writes (by default to services, secrets, configs, networks) on a manager since `since`."""
        time.sleep(0.5)  # let the engine publish the last events
        events = self.client(host).events(since="%.6f" % since, until="%.6f" % time.time(), decode=True)
        return ["%s %s %s" % (e.get("Type"), e.get("Action"), (e.get("Actor") or {}).get("Attributes", {}).get("name"))
                for e in events
                if e.get("scope") == "swarm" and e.get("Type") in types and e.get("Action") in WRITE_ACTIONS]

    def docker_cli(self, *args: str, host: str = "swarm-1", check: bool = True) -> subprocess.CompletedProcess:
        """The Docker CLI (Debian's docker.io client) against a VM's engine, as a user would run it."""
        env = dict(os.environ, DOCKER_HOST=self.hosts[host]["docker_host"], DOCKER_TLS_VERIFY="1",
                   DOCKER_CERT_PATH=self.hosts[host]["tls_dir"])
        return subprocess.run(["docker", *args], env=env, capture_output=True, text=True, check=check, timeout=120)


def _start_emulator(state_dir: Path) -> dict:
    command = shutil.which("dockyard-emulator", path=BIN_DIR + os.pathsep + os.environ.get("PATH", ""))
    if not command:
        pytest.fail("dockyard-emulator is not installed; run `make setup`")
    subprocess.run([command, "start", "--state-dir", str(state_dir), "--retry-after", "1", "--lro-seconds", "0.3",
                    "--vm-backend", "container"], check=True)
    output = subprocess.run([command, "env", "--state-dir", str(state_dir), "--format", "json"],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def _stop_emulator(state_dir: Path) -> None:
    command = shutil.which("dockyard-emulator", path=BIN_DIR + os.pathsep + os.environ.get("PATH", ""))
    subprocess.run([command, "stop", "--state-dir", str(state_dir)], check=False)
    from dockyard_emulator.backends.container import ContainerMachines

    ContainerMachines(state_dir).cleanup()


def _make_lab(state_dir: Path, work_dir: Path) -> SwarmLab:
    lab = SwarmLab(state_dir=state_dir, work_dir=work_dir)
    lab.env = _start_emulator(state_dir)
    inventory = work_dir / "inventory.yml"
    if not inventory.exists():
        lab.playbook("hosts.yml", extra_vars={"rg": "rg-swarm-%s" % uuid.uuid4().hex[:6], "tls_dir": str(work_dir / "tls"),
                                              "ssh_key": str(work_dir / "id_ed25519"),
                                              "inventory_path": str(inventory)})
    lab.inventory = inventory
    import yaml

    hosts = yaml.safe_load(inventory.read_text())["all"]["children"]["docker_hosts"]["hosts"]
    for name, variables in hosts.items():
        lab.hosts[name] = {"address": variables["ansible_host"], "docker_host": variables["dockyard_docker_host"],
                           "tls_dir": os.path.dirname(variables["dockyard_docker_ca_path"])}
    context = busybox_context('CMD ["sh"]').getvalue()

    def build(name: str) -> None:
        for _line in lab.client(name).build(fileobj=io.BytesIO(context), custom_context=True, tag=IMAGE, rm=True,
                                            decode=True):
            pass

    # One build per engine, side by side: each mostly waits for its VM.
    with ThreadPoolExecutor(max_workers=len(HOSTS)) as pool:
        list(pool.map(build, HOSTS))
    return lab


@pytest.fixture(scope="session")
def swarm_lab(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which("debootstrap") or not shutil.which("ssh") or not shutil.which("docker"):
        pytest.skip("container VMs need root, debootstrap, ssh and the docker CLI on this machine")
    # The emulator's backend is part of this repository: failing to import it is a bug, not a skip.
    from dockyard_emulator.backends.container import ContainerMachines  # noqa: F401
    try:
        import docker

        docker.from_env(timeout=10).ping()
    except Exception as exc:  # pylint: disable=broad-except
        pytest.skip("container VMs need the Docker engine and the Docker SDK: %s" % exc)
    # Development aid: DOCKYARD_SWARM_LAB=<dir> keeps the emulator and its VMs in <dir> between runs
    # (the swarm and stacks the tests made are not reset: remove the dir's VMs with `make clean-docker`).
    keep = os.environ.get("DOCKYARD_SWARM_LAB")
    if keep:
        root = Path(keep)
        (root / "emulator").mkdir(parents=True, exist_ok=True)
        (root / "work").mkdir(exist_ok=True)
        yield _make_lab(root / "emulator", root / "work")
        return
    state_dir = tmp_path_factory.mktemp("swarm-emulator")
    try:
        yield _make_lab(state_dir, tmp_path_factory.mktemp("swarm-work"))
    finally:
        _stop_emulator(state_dir)
