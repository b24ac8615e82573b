# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the reliability tests share: playbooks run (and killed) as users run them, engine events, figures.

Playbooks are written by the tests (YAML from Python) into their tmp_path and run with the real
``ansible-playbook`` against the emulator and the local Docker engine. A run can be started in the
background and its whole process tree killed (SIGSTOP everything first, so nothing forks away,
then SIGKILL), as a CI job that is cancelled or a user's Ctrl-C would leave it.

Figures (faults injected, runs, interrupts, bad inputs, secrets) go through the `figures` fixture
into the test reports; tests/integration/conftest.py prints their totals at the end of the session.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
OUTPUT = REPO_ROOT / "tests" / "output" / "reliability"
CALLBACKS = HERE.parent / "callback_plugins"
BIN_DIR = os.path.dirname(sys.executable)
TEST_IMAGE = "dockyard-test/busybox:latest"


def unique(prefix):
    return "%s%s" % (prefix, uuid.uuid4().hex[:8])


def write_playbook(directory, name, tasks, hosts="localhost", vars_=None):
    """A one-play playbook (YAML is JSON) with `tasks`, in `directory`; returns its path."""
    play = {"name": name, "hosts": hosts, "connection": "local", "gather_facts": False, "tasks": tasks}
    if vars_:
        play["vars"] = vars_
    path = Path(directory) / ("%s.yml" % name.replace(" ", "_"))
    path.write_text(json.dumps([play], indent=1))
    return path


@dataclass
class Run:
    returncode: int
    output: str
    results: list = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0

    def results_of(self, task):
        return [entry for entry in self.results if entry["task"] == task]

    def result(self, task):
        found = self.results_of(task)
        assert found, "task %r did not run:\n%s" % (task, self.output[-4000:])
        return found[-1]


class Playbook:
    """ansible-playbook runs of one playbook with the emulator's environment (or none) and extra vars."""

    def __init__(self, path, workdir, env=None):
        self.path = Path(path)
        self.workdir = Path(workdir)
        self.env = dict(env or {})

    def _command(self, extra_vars, check, diff, verbosity):
        command = [os.path.join(BIN_DIR, "ansible-playbook"), str(self.path)]
        if extra_vars:
            command += ["--extra-vars", json.dumps(extra_vars)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        return command

    def _environment(self, result_log, extra_env):
        env = dict(os.environ)
        env.update(self.env)
        env.update({
            "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "result_log",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""),
            "DOCKYARD_RESULT_LOG": str(result_log),
        })
        env.update(extra_env or {})
        return env

    def start(self, extra_vars=None, check=False, diff=False, verbosity=0, env=None):
        """The run in the background: (Popen in its own session, result log path); see finish()."""
        result_log = self.workdir / ("results-%s.jsonl" % uuid.uuid4().hex[:8])
        output = open(self.workdir / ("output-%s.txt" % result_log.stem), "w+", encoding="utf-8")  # noqa: SIM115 - finish() closes it
        process = subprocess.Popen(self._command(extra_vars, check, diff, verbosity), cwd=str(REPO_ROOT),
                                   env=self._environment(result_log, env), stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        process.dockyard = (result_log, output, time.time())  # type: ignore[attr-defined]
        return process

    @staticmethod
    def finish(process, timeout=600):
        result_log, output, started = process.dockyard
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            process.wait()
        finished = time.time()
        output.seek(0)
        text = output.read()
        output.close()
        results = []
        if result_log.exists():
            results = [json.loads(line) for line in result_log.read_text().splitlines() if line]
        return Run(process.returncode, text, results, started, finished)

    def run(self, extra_vars=None, check=False, diff=False, verbosity=0, env=None, expect_failure=False, timeout=600):
        """Run to the end; `expect_failure` True/False asserts the outcome, None leaves it to the caller."""
        run = self.finish(self.start(extra_vars, check, diff, verbosity, env), timeout=timeout)
        if expect_failure:
            assert run.returncode != 0, "playbook unexpectedly succeeded:\n" + run.output[-4000:]
        elif expect_failure is not None:
            assert run.returncode == 0, "playbook failed:\n" + run.output[-6000:]
        return run


# ------------------------------------------------------------------ process trees

def _children():
    """{parent pid: [child pids]} of every process now."""
    tree = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def descendants(pid):
    """`pid` and every process below it (children of children...)."""
    tree, found, stack = _children(), [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(tree.get(current, []))
    return found


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def kill_tree(pid, spare=None):
    """SIGKILL `pid` and all its descendants (stopped first so none forks away); `spare(cmdline)` keeps some alive.

    Returns the PIDs spared (still running, now orphans)."""
    spared, frozen = [], []
    for _round in range(3):  # processes forked while we looked are found in the next round
        for member in descendants(pid):
            if member in frozen or member in spared:
                continue
            if spare and spare(cmdline(member)):
                spared.append(member)
                continue
            try:
                os.kill(member, signal.SIGSTOP)
                frozen.append(member)
            except ProcessLookupError:
                pass
    for member in frozen:
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return spared


def wait_gone(pids, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        alive = [pid for pid in pids if os.path.exists("/proc/%d" % pid) and _state(pid) != "Z"]
        if not alive:
            return
        time.sleep(0.1)
    raise AssertionError("processes still running after %ss: %s" % (timeout, alive))


def _state(pid):
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return "X"
    return stat[stat.rfind(")") + 2:].split()[0]


# ------------------------------------------------------------------ the Docker engine

def engine_writes(client, since, until, match=None):
    """Container, network and volume create/destroy events between two times (exec and health events are reads)."""
    events = client.events(since="%.6f" % since, until="%.6f" % (until + 0.5), decode=True)
    writes = []
    for event in events:
        if event.get("Type") not in ("container", "network", "volume"):
            continue
        action = str(event.get("Action", ""))
        if action.startswith(("exec_", "health_status")) or action in ("attach", "top", "resize", "archive-path"):
            continue
        if match and match not in json.dumps(event):
            continue
        if not since * 1e9 <= event.get("timeNano", 0) <= until * 1e9:
            continue  # the events API rounds its window to seconds
        writes.append(event)
    return writes


def project_state(engine, project):
    """(container names, IDs of the networks named <project>_default, lock containers) on the engine."""
    api = engine.api  # lists only: a lock container may go between a listing and an inspect
    containers = sorted(c["Names"][0].lstrip("/") for c in api.containers(all=True, filters={"label": "com.docker.compose.project=" + project}))
    networks = [n["Id"] for n in api.networks(names=[project + "_default"]) if n["Name"] == project + "_default"]
    locks = [c["Names"][0].lstrip("/") for c in api.containers(all=True, filters={"name": project + "_dockyard-lock"})]
    return containers, networks, locks


def remove_project(engine, project):
    api = engine.api
    for container in api.containers(all=True, filters={"label": "com.docker.compose.project=" + project}) + \
            api.containers(all=True, filters={"name": project + "_dockyard-lock"}):
        try:
            api.remove_container(container["Id"], force=True, v=True)
        except Exception:  # noqa: BLE001 - gone meanwhile, or its removal is in progress
            pass
    for network in api.networks(filters={"label": "com.docker.compose.project=" + project}):
        try:
            api.remove_network(network["Id"])
        except Exception:  # noqa: BLE001 - gone meanwhile, or its removal is in progress
            pass


# ------------------------------------------------------------------ Azure

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA reliability"


def owned(vm):
    """What one VM made by the vm module with a public IP and inbound rules has in its group."""
    return {("Microsoft.Compute/virtualMachines", vm), ("Microsoft.Compute/disks", vm + "-osdisk"),
            ("Microsoft.Network/networkInterfaces", vm + "-nic"), ("Microsoft.Network/publicIPAddresses", vm + "-pip"),
            ("Microsoft.Network/networkSecurityGroups", vm + "-nsg"), ("Microsoft.Network/virtualNetworks", vm + "-vnet")}
