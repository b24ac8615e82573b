# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure's endpoint goes away in the middle of a long-running operation (issue 11).

The emulator process is stopped (SIGTERM) while a VM create is in flight and started again on the
same state directory and port: the module's poller meets refused connections, which the SDK's
retry policy rides out, and the emulator resumes the operation it had accepted. The run completes,
or (when the outage outlasted the retries) a re-run converges; either way exactly one VM and what
it owns exist, and a further run changes nothing.
"""

from __future__ import annotations

import time

from azure_rest import Arm
from harness import KEY, Playbook, owned, unique, write_playbook


def requests_since(emulator, since):
    import json
    import ssl
    from urllib.request import urlopen
    context = ssl.create_default_context(cafile=emulator.env["REQUESTS_CA_BUNDLE"])
    with urlopen(emulator.env["AZURE_ARM_ENDPOINT"] + "/_emulator/requests?since=%d" % since, context=context,
                 timeout=10) as response:
        return json.loads(response.read())["value"]


def test_a_vm_create_survives_an_emulator_restart_during_its_operation(private_emulator, tmp_path, figures):
    arm = Arm(private_emulator.env)
    rg = unique("dyrestart-")
    status, body = arm.call("PUT", "/resourcegroups/" + rg, "2022-09-01", {"location": "westeurope"})
    assert status in (200, 201), body
    vm = rg + "-vm"
    path = write_playbook(tmp_path, "vm", [{
        "name": "VM", "dockyard.azure.vm": {
            "name": vm, "resource_group": rg, "size": "Standard_B1s", "image": "debian12", "ssh_public_keys": [KEY],
            "public_ip": True, "inbound_rules": [{"ports": ["22"], "source_prefixes": ["203.0.113.0/24"]}]}}])
    playbook = Playbook(path, tmp_path, private_emulator.env)
    since = requests_since(private_emulator, 0)[-1]["seq"]
    process = playbook.start()
    deadline = time.time() + 120
    accepted = False
    while time.time() < deadline and process.poll() is None and not accepted:
        accepted = any(entry["method"] == "PUT" and "/virtualMachines/" in entry["path"] and entry["status"] in (200, 201)
                       for entry in requests_since(private_emulator, since))
        time.sleep(0.05)
    assert accepted, "the VM create was never accepted"
    status, body = arm.vm(rg, vm)
    assert body["properties"]["provisioningState"] != "Succeeded", "the operation ended before the restart"
    private_emulator.stop()
    time.sleep(2)
    private_emulator.start()
    first = Playbook.finish(process)
    runs = 1
    if first.returncode != 0:
        runs += 1
        playbook.run()
    status, body = arm.vm(rg, vm)
    assert status == 200 and body["properties"]["provisioningState"] == "Succeeded", body
    assert set(arm.resources(rg)) == owned(vm)
    again = playbook.run()
    assert again.result("VM")["status"] == "ok"
    figures("restarts", emulator_restarts=1, completed_without_rerun=int(runs == 1), converged=1)
