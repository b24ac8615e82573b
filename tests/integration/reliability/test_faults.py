# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A two-VM provision while ARM throttles, fails and drops connections (issue 11).

The emulator injects 429 (with Retry-After), 500/503 and dropped connections on 30% of the ARM
calls, from a fixed seed. The vm module must complete (the SDK's retry policy and the LRO poller
ride out the faults); a run that still fails must converge when run again. Then the emulator's
state must hold exactly the two VMs and what each owns: no duplicate, no orphan.
"""

from __future__ import annotations

from azure_rest import Arm
from harness import KEY, Playbook, owned, unique, write_playbook

SEEDS = (1101,)
FAULTS = dict(throttle_rate=0.1, error_rate=0.1, drop_rate=0.1, retry_after=1)


def provision_playbook(tmp_path):
    return write_playbook(tmp_path, "provision", [{
        "name": "VM", "register": "vm_result", "loop": "{{ vms }}",
        "dockyard.azure.vm": {"name": "{{ item }}", "resource_group": "{{ rg }}", "size": "Standard_B1s",
                              "image": "debian12", "ssh_public_keys": [KEY], "public_ip": True,
                              "inbound_rules": [{"ports": ["22"], "source_prefixes": ["203.0.113.0/24"]}]}}])


def test_a_two_vm_provision_under_30_percent_faults_completes_with_no_duplicate_and_no_orphan(emulator, tmp_path, figures):
    arm = Arm(emulator.env)
    playbook = Playbook(provision_playbook(tmp_path), tmp_path, emulator.env)
    totals = dict(provisions=0, faults_injected=0, arm_calls=0, completed_first_run=0, completed_after_rerun=0,
                  duplicates=0, orphans=0)
    for seed in SEEDS:
        rg = unique("dyfault-")
        status, body = arm.call("PUT", "/resourcegroups/" + rg, "2022-09-01", {"location": "westeurope"})
        assert status in (200, 201), body
        vms = [rg + "-a", rg + "-b"]
        since = emulator.last_sequence()
        emulator.set_faults(seed=seed, **FAULTS)
        try:
            runs = [playbook.run({"rg": rg, "vms": vms}, expect_failure=None)]
            while runs[-1].returncode != 0 and len(runs) < 3:
                runs.append(playbook.run({"rg": rg, "vms": vms}, expect_failure=None))
        finally:
            emulator.reset_faults()
        log = [entry for entry in emulator.requests(since) if entry["kind"] == "arm"]
        totals["provisions"] += 1
        totals["faults_injected"] += sum(1 for entry in log if entry.get("fault"))
        totals["arm_calls"] += len(log)
        assert runs[-1].returncode == 0, "no convergence in %d runs:\n%s" % (len(runs), runs[-1].output[-4000:])
        totals["completed_first_run" if len(runs) == 1 else "completed_after_rerun"] += 1

        found = set(arm.resources(rg))
        wanted = owned(vms[0]) | owned(vms[1])
        names = [name for _type, name in found]
        totals["duplicates"] += len(names) - len(set(names))
        totals["orphans"] += len(found - wanted)
        assert found == wanted, "missing %s, extra %s" % (sorted(wanted - found), sorted(found - wanted))
        for vm in vms:
            status, body = arm.vm(rg, vm)
            assert status == 200 and body["properties"]["provisioningState"] == "Succeeded", body
        again = playbook.run({"rg": rg, "vms": vms})  # no faults: nothing left to do
        assert [entry["status"] for entry in again.results_of("VM")] == ["ok"], again.output[-3000:]
    figures("faults", **totals)
    assert totals["faults_injected"] >= 0.2 * totals["arm_calls"], totals
