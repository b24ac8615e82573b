# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vm_run_command through ansible-playbook on container VMs: the scripts really run in the VMs (no SSH)."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.container_vm


@pytest.fixture
def ansible_playbook(container_playbook):
    return container_playbook


def test_scripts_run_on_the_tagged_vms_with_their_output(ansible_playbook):
    suffix = uuid.uuid4().hex[:6]
    names = ["rc1-%s" % suffix, "rc2-%s" % suffix]
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKhXQ5PNFD2VnhEkMAgXZaR9ld1Vcb6zE7ZK7nHn/4bH test@dockyard"
    extra = dict(rg="rg-runcmd-%s" % suffix, vm_names=names, ssh_keys=[key])
    run = ansible_playbook("vm_run_command.yml", extra_vars=extra)
    planned = run.task("Check mode says where it would run")["result"]
    assert planned["changed"] is True and sorted(r["vm_name"] for r in planned["results"]) == sorted(names)
    greeted = run.task("A script with parameters on every worker")["result"]
    assert greeted["changed"] is True
    by_vm = {r["vm_name"]: r for r in greeted["results"]}
    assert set(by_vm) == set(names)
    for name in names:
        assert by_vm[name]["exit_code"] == 0 and by_vm[name]["execution_state"] == "Succeeded"
        assert by_vm[name]["stdout"] == "hello from %s\n17\n" % name  # the check-mode run ran nothing
    assert "not-for-logs-5e3c" not in run.stdout
    tolerated = run.task("A failing script, tolerated")["result"]
    assert tolerated["exit_code"] == 7 and tolerated["stdout"] == "about to fail\n" and tolerated["stderr"] == "broken\n"
    failing = run.task("A failing script fails the task with its output")
    assert failing["status"] == "failed"
    assert failing["result"]["exit_code"] == 5 and "broken" in failing["result"]["msg"]
