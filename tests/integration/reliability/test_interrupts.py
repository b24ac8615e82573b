# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs killed at random points converge when run again (issue 11).

The whole process tree of ansible-playbook (its workers and the module process) is killed with
SIGKILL at a point drawn from a fixed seed, as a cancelled CI job leaves it: in a VM create (the
emulator's VM operations take 3 s, so points fall before, during and after the LRO) and in a
Compose deploy (a dependency becomes healthy after 2 s, so points fall around the lock, the
creates and the waits). The re-run must succeed and leave exactly what one uninterrupted run
leaves (no duplicate, no orphan, no lock); a third run must change nothing.
"""

from __future__ import annotations

import random
import time

from azure_rest import Arm
from harness import KEY, TEST_IMAGE, Playbook, kill_tree, owned, project_state, remove_project, unique, write_playbook

VM_SEEDS = (7, 8, 9)
COMPOSE_SEEDS = (21, 22, 23)


def interrupt(playbook, variables, delay):
    """Start a run, kill its whole tree after `delay` seconds; True when it was still running then."""
    process = playbook.start(variables)
    deadline = time.time() + delay
    while time.time() < deadline and process.poll() is None:
        time.sleep(0.02)
    running = process.poll() is None
    kill_tree(process.pid)
    Playbook.finish(process)
    return running


def test_vm_creates_killed_at_random_points_converge_on_rerun(private_emulator, tmp_path, figures):
    env = private_emulator.env
    arm = Arm(env)
    rg = unique("dykill-")
    status, body = arm.call("PUT", "/resourcegroups/" + rg, "2022-09-01", {"location": "westeurope"})
    assert status in (200, 201), body
    path = write_playbook(tmp_path, "vm", [{
        "name": "VM", "loop": "{{ vms }}", "dockyard.azure.vm": {
            "name": "{{ item }}", "resource_group": "{{ rg }}", "size": "Standard_B1s", "image": "debian12",
            "ssh_public_keys": [KEY], "public_ip": True,
            "inbound_rules": [{"ports": ["22"], "source_prefixes": ["203.0.113.0/24"]}]}}])
    playbook = Playbook(path, tmp_path, env)
    interrupts = converged = 0
    vms = []
    for seed in VM_SEEDS:
        vm = "%s-%d" % (rg, seed)
        vms.append(vm)
        delay = random.Random(seed).uniform(1.0, 9.0)
        if interrupt(playbook, {"rg": rg, "vms": [vm]}, delay):
            interrupts += 1
        rerun = playbook.run({"rg": rg, "vms": [vm]})
        assert rerun.result("VM")["status"] in ("changed", "ok")
        status, body = arm.vm(rg, vm)
        assert status == 200 and body["properties"]["provisioningState"] == "Succeeded", body
        converged += 1
    again = playbook.run({"rg": rg, "vms": vms})  # one more run over all of them changes nothing
    assert again.result("VM")["status"] == "ok", again.output[-3000:]
    found = set(arm.resources(rg))
    wanted = set().union(*(owned(vm) for vm in vms))
    figures("interrupts", vm_interrupts=interrupts, vm_converged=converged, orphans=len(found - wanted))
    assert found == wanted, "missing %s, extra %s" % (sorted(wanted - found), sorted(found - wanted))
    assert interrupts >= len(VM_SEEDS) - 1, "most kill points should fall inside a run"


def test_compose_deploys_killed_at_random_points_converge_on_rerun(engine, busybox, tmp_path, figures):
    path = write_playbook(tmp_path, "compose", [{
        "name": "Compose", "loop": "{{ projects }}",
        "dockyard.azure.compose": {"project_name": "{{ item }}", "definition": "{{ definition }}", "lock_timeout": 60}}])
    playbook = Playbook(path, tmp_path)
    interrupts = converged = 0
    projects = []
    definition = {
        "services": {
            "db": {"image": TEST_IMAGE, "command": ["sh", "-c", "sleep 2; touch /ready; exec sleep 3600"],
                   "stop_grace_period": "1s", "volumes": ["data:/data"],
                   "healthcheck": {"test": ["CMD", "test", "-f", "/ready"], "interval": "300ms", "retries": 30}},
            "web": {"image": TEST_IMAGE, "command": ["sleep", "3600"], "stop_grace_period": "1s", "scale": 2,
                    "depends_on": {"db": {"condition": "service_healthy"}}, "networks": ["default", "back"]},
            "worker": {"image": TEST_IMAGE, "command": ["sleep", "3600"], "stop_grace_period": "1s",
                       "networks": ["back"]}},
        "networks": {"back": {}}, "volumes": {"data": {}}}
    try:
        for seed in COMPOSE_SEEDS:
            project = unique("dyint")
            projects.append(project)
            delay = random.Random(seed).uniform(1.5, 7.0)
            if interrupt(playbook, {"projects": [project], "definition": definition}, delay):
                interrupts += 1
            rerun = playbook.run({"projects": [project], "definition": definition})
            assert rerun.result("Compose")["status"] in ("changed", "ok")
            containers, networks, locks = project_state(engine, project)
            assert containers == sorted([project + "-db-1", project + "-web-1", project + "-web-2", project + "-worker-1"])
            assert len(networks) == 1 and locks == []
            backs = [n for n in engine.api.networks(names=[project + "_back"]) if n["Name"] == project + "_back"]
            assert len(backs) == 1
            converged += 1
        again = playbook.run({"projects": projects, "definition": definition})  # one more run changes nothing
        assert again.result("Compose")["status"] == "ok", again.output[-3000:]
    finally:
        for project in projects:
            remove_project(engine, project)
            for volume in engine.api.volumes(filters={"label": "com.docker.compose.project=" + project})["Volumes"] or []:
                engine.api.remove_volume(volume["Name"], force=True)
    figures("interrupts", compose_interrupts=interrupts, compose_converged=converged)
    assert interrupts >= len(COMPOSE_SEEDS) - 1, "most kill points should fall inside a run"
