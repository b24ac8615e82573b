# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Concurrent compose runs on one project converge (issue 11): the project lock on the real engine.

Before the lock, two runs started at once each created the project network (Docker allows two
networks with one name; its duplicate check is not atomic), and every later run failed with
"network <project>_default is ambiguous (2 matches found on name)".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest
from harness import (
    REPO_ROOT,
    TEST_IMAGE,
    Playbook,
    cmdline,
    descendants,
    kill_tree,
    project_state,
    remove_project,
    unique,
    wait_gone,
    write_playbook,
)

COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(REPO_ROOT / ".ansible" / "collections")

# Two processes (not ansible-playbook, whose start-up jitter of seconds hides the race) call the
# collection's Compose engine at the same instant, as two modules of two controllers would.
RACER = textwrap.dedent("""
    import json, sys, time
    from ansible_collections.dockyard.azure.plugins.module_utils.compose.engine import ComposeEngine
    from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import get_api_client
    project, model, start = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
    client = get_api_client({})
    while time.time() < start:
        pass
    engine = ComposeEngine(client)
    try:
        engine.run(project, model, {}, {'working_dir': '/tmp', 'config_files': []})
        print(json.dumps({'ok': True, 'changed': engine.changed, 'waited': getattr(engine, 'lock_waited', 0)}))
    except Exception as exc:
        print(json.dumps({'ok': False, 'error': str(exc)}))
""")


def model_of(project, services=1):
    return {"name": project, "networks": {"default": {"name": project + "_default"}},
            "services": {"s%d" % i: {"image": TEST_IMAGE, "command": ["sleep", "3600"], "stop_grace_period": "1s",
                                     "networks": {"default": None}} for i in range(services)}}


@pytest.fixture
def cleanup(engine):
    projects = []
    yield projects.append
    for project in projects:
        remove_project(engine, project)


def race(project, model, runners=2):
    start = time.time() + 1.5  # time enough for every racer to import and connect first
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    processes = [subprocess.Popen([sys.executable, "-c", RACER, project, json.dumps(model), repr(start)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _runner in range(runners)]
    outcomes = []
    for process in processes:
        output, _stderr = process.communicate(timeout=120)
        lines = [line for line in output.splitlines() if line.startswith("{")]
        outcomes.append(json.loads(lines[-1]) if lines else {"ok": False, "error": output[-2000:]})
    return outcomes


def test_runs_started_at_the_same_instant_converge_to_one_network_and_one_set_of_containers(
        engine, busybox, cleanup, figures):
    rounds, duplicates = 3, 0
    for _round in range(rounds):
        project = unique("dyrace")
        cleanup(project)
        outcomes = race(project, model_of(project))
        containers, networks, locks = project_state(engine, project)
        duplicates += max(len(networks) - 1, 0)
        assert all(o["ok"] for o in outcomes), outcomes
        assert containers == [project + "-s0-1"] and len(networks) == 1 and locks == [], (containers, networks, locks)
        assert sorted(o["changed"] for o in outcomes) == [False, True]  # the second run found the work done
    figures("concurrency", races=rounds, duplicates=duplicates)


@pytest.fixture
def compose_playbook(tmp_path):
    path = write_playbook(tmp_path, "compose", [{
        "name": "Compose", "register": "compose_result",
        "dockyard.azure.compose": {"project_name": "{{ project }}", "definition": "{{ definition }}",
                                   "state": "{{ compose_state | default('present') }}",
                                   "lock_timeout": "{{ lock_timeout | default(120) }}"}}])
    return Playbook(path, tmp_path)


def slow_model(project, seconds=3):
    """db becomes healthy after `seconds` and web waits for it: a run holds the lock for that long."""
    return {"name": project, "services": {
        "db": {"image": TEST_IMAGE, "command": ["sh", "-c", "sleep %d; touch /ready; exec sleep 3600" % seconds],
               "stop_grace_period": "1s",
               "healthcheck": {"test": ["CMD", "test", "-f", "/ready"], "interval": "500ms", "retries": 20}},
        "web": {"image": TEST_IMAGE, "command": ["sleep", "3600"], "stop_grace_period": "1s",
                "depends_on": {"db": {"condition": "service_healthy"}}}}}


def test_two_playbooks_started_together_converge(engine, busybox, cleanup, compose_playbook, figures):
    project = unique("dyplay")
    cleanup(project)
    variables = {"project": project, "definition": slow_model(project)}
    first, second = compose_playbook.start(variables), compose_playbook.start(variables)
    runs = [Playbook.finish(first), Playbook.finish(second)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].output[-3000:] + runs[1].output[-3000:]
    results = [r.result("Compose")["result"] for r in runs]
    containers, networks, locks = project_state(engine, project)
    assert containers == [project + "-db-1", project + "-web-1"] and len(networks) == 1 and locks == []
    # One run did the work; the other either waited for its lock or came after it and found nothing to do.
    assert sorted(r["changed"] for r in results) == [False, True]
    figures("concurrency", playbook_pairs=1, duplicates=len(networks) - 1)


def gated_model(project, gate):
    """db becomes healthy only once the test creates `gate`/open: a run holds the lock until the test says."""
    return {"name": project, "services": {
        "db": {"image": TEST_IMAGE, "command": ["sh", "-c", "until test -f /gate/open; do sleep 0.2; done; touch /ready; "
                                                            "exec sleep 3600"],
               "stop_grace_period": "1s", "volumes": [{"type": "bind", "source": str(gate), "target": "/gate"}],
               "healthcheck": {"test": ["CMD", "test", "-f", "/ready"], "interval": "300ms", "retries": 1000}},
        "web": {"image": TEST_IMAGE, "command": ["sleep", "3600"], "stop_grace_period": "1s",
                "depends_on": {"db": {"condition": "service_healthy"}}}}}


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid, deadline, busy=0.3, quiet=2.0):
    """Until `pid` has worked `busy` CPU seconds and then used (almost) none for `quiet` seconds: it waits on something."""
    previous, since = cpu_seconds(pid), time.time()
    while time.time() < deadline:
        time.sleep(0.25)
        used = cpu_seconds(pid)
        if used - previous > 0.05:
            previous, since = used, time.time()
        elif used >= busy and time.time() - since >= quiet:
            return
    raise AssertionError("process %d never settled" % pid)


def module_processes(root):
    """The Python processes below `root` running a compose module (not the shells that start them)."""
    return {pid for pid in descendants(root) if "AnsiballZ_compose" in cmdline(pid) and not cmdline(pid).startswith("/bin/sh")}


def test_a_module_left_running_by_a_killed_playbook_holds_the_lock_and_the_rerun_waits(engine, busybox, cleanup,
                                                                                       compose_playbook, tmp_path, figures):
    """Ctrl-C on ansible-playbook: the module process lives on; the user's re-run must wait for it, not race it."""
    project = unique("dyctrlc")
    cleanup(project)
    gate = tmp_path / "gate"
    gate.mkdir()
    variables = {"project": project, "definition": gated_model(project, gate)}
    first = compose_playbook.start(variables)
    deadline = time.time() + 120
    spared = []
    try:
        while not project_state(engine, project)[2]:
            assert time.time() < deadline and first.poll() is None, "the first run never took the lock"
            time.sleep(0.05)
        spared = kill_tree(first.pid, spare=lambda command: "AnsiballZ_compose" in command)
        Playbook.finish(first)
        assert spared, "the module process was not found in the killed tree"
        rerun = compose_playbook.start(variables)
        while not module_processes(rerun.pid):
            assert time.time() < deadline and rerun.poll() is None, "the re-run's module never started"
            time.sleep(0.05)
        wait_idle(module_processes(rerun.pid).pop(), deadline)  # it read, planned, and now sleeps between looks at the lock
        assert project_state(engine, project)[2], "the module left running still holds the lock"
        assert project_state(engine, project)[0] == [project + "-db-1"], project_state(engine, project)
        (gate / "open").write_text("")  # let the first run's module finish
        result = Playbook.finish(rerun).result("Compose")["result"]
    finally:
        (gate / "open").write_text("")
        wait_gone(spared)
    assert result["lock_waited"] > 0.5 and result["changed"] is False, result
    containers, networks, locks = project_state(engine, project)
    assert containers == [project + "-db-1", project + "-web-1"] and len(networks) == 1 and locks == []
    figures("interrupts", ctrl_c=1, converged=1)


def test_a_lock_left_by_a_killed_module_is_broken_and_the_rerun_converges(engine, busybox, cleanup, compose_playbook):
    project = unique("dykill")
    cleanup(project)
    variables = {"project": project, "definition": slow_model(project)}
    first = compose_playbook.start(variables)
    deadline = time.time() + 60
    while not project_state(engine, project)[2]:
        assert time.time() < deadline and first.poll() is None, "the first run never took the lock"
        time.sleep(0.05)
    kill_tree(first.pid)
    Playbook.finish(first)
    assert project_state(engine, project)[2], "the killed run's lock stays behind"
    rerun = compose_playbook.run(variables)
    result = rerun.result("Compose")["result"]
    warnings = " ".join(str(w) for w in rerun.result("Compose")["result"].get("warnings") or [])
    assert result["lock_waited"] < 5 and "Removed the stale lock of project %s" % project in warnings, result
    containers, networks, locks = project_state(engine, project)
    assert containers == [project + "-db-1", project + "-web-1"] and len(networks) == 1 and locks == []


def test_duplicate_networks_a_past_race_left_are_healed_with_a_warning(engine, busybox, cleanup, compose_playbook):
    project = unique("dyheal")
    cleanup(project)
    definition = model_of(project)
    compose_playbook.run({"project": project, "definition": definition})
    labels = engine.networks.get(project + "_default").attrs["Labels"]
    engine.api.create_network(project + "_default", labels=labels, check_duplicate=False)  # what the race left
    assert len(project_state(engine, project)[1]) == 2
    definition["services"]["s0"]["environment"] = {"CHANGED": "1"}
    run = compose_playbook.run({"project": project, "definition": definition})
    result = run.result("Compose")["result"]
    assert any("exists twice" in str(w) and "(empty)" in str(w) for w in result.get("warnings") or []), result
    containers, networks, _locks = project_state(engine, project)
    assert len(networks) == 1 and engine.containers.get(project + "-s0-1").status == "running"
    again = compose_playbook.run({"project": project, "definition": definition, "compose_state": "absent"})
    assert again.result("Compose")["status"] == "changed" and project_state(engine, project)[:2] == ([], [])
