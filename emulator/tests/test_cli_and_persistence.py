"""The command line (start/stop/status/env/requests/faults) and state kept across restarts."""

import json
import subprocess
import sys

from conftest import CLI, Emulator, cli

CLIENT_SCRIPT = """
import os
from azure.identity import EnvironmentCredential
from azure.mgmt.resource.resources import ResourceManagementClient
client = ResourceManagementClient(EnvironmentCredential(disable_instance_discovery=True),
                                  os.environ["AZURE_SUBSCRIPTION_ID"], base_url=os.environ["AZURE_ARM_ENDPOINT"])
print(client.resource_groups.create_or_update("rg-from-shell", {"location": "swedencentral"}).id)
"""


def test_env_output_evaluated_in_bash_gives_a_working_client(emulator):
    command = " ".join(CLI) + f" env --state-dir '{emulator.state_dir}'"
    script = f'eval "$({command})" && exec {sys.executable} -c "$CLIENT_SCRIPT"'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "CLIENT_SCRIPT": CLIENT_SCRIPT, "HTTPS_PROXY":
                                 "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"/subscriptions/{emulator.subscription}/resourceGroups/rg-from-shell"
    exports = cli("env", "--state-dir", emulator.state_dir).stdout.splitlines()
    assert {line.split("=", 1)[0] for line in exports} == {f"export {k}" for k in emulator.env}


def test_status_requests_and_faults_commands(emulator):
    health = json.loads(cli("status", "--state-dir", emulator.state_dir).stdout)
    assert health["status"] == "ok" and health["url"] == emulator.url and health["vm_backend"] == "none"
    seq = emulator.last_seq()
    emulator.client().resource_groups.create_or_update("rg-cli", {"location": "eastus"})
    writes = json.loads(cli("requests", "--state-dir", emulator.state_dir, "--since", seq, "--writes-only").stdout)
    assert [(w["method"], w["status"]) for w in writes] == [("PUT", 201)]
    shown = json.loads(cli("faults", "--state-dir", emulator.state_dir, "--latency-ms", 5, "--seed", 1).stdout)
    assert shown["latency_ms"] == 5 and shown["seed"] == 1
    shown = json.loads(cli("faults", "--state-dir", emulator.state_dir, "--reset").stdout)
    assert shown["latency_ms"] == 0 and shown["throttle_rate"] == 0


def test_restart_keeps_everything(tmp_path):
    emu = Emulator(tmp_path / "state", "--port", 0, "--lro-seconds", 1.5, "--retry-after", 1,
                   "--vm-backend", "container")
    try:
        client = emu.client()
        client.resource_groups.create_or_update("rg-keep", {"location": "westus2", "tags": {"k": "v"}})
        client.resource_groups.create_or_update("rg-doomed", {"location": "westus2"})
        poller = client.resource_groups.begin_delete("rg-doomed")  # still running when we stop
        token, env = emu.token(), dict(emu.env)
        emu.stop()
        assert cli("status", "--state-dir", emu.state_dir, check=False).returncode == 1
        emu.options = ()  # port, settings, identity all come from the state dir
        emu.start()
        assert emu.env == env
        health = json.loads(cli("status", "--state-dir", emu.state_dir).stdout)
        assert health["vm_backend"] == "container" and health["lro_seconds"] == 1.5
        http = emu.http()
        http.headers["Authorization"] = f"Bearer {token}"  # issued before the restart
        group = http.get(f"{emu.url}/subscriptions/{emu.subscription}/resourcegroups/rg-keep?api-version=2024-11-01")
        assert group.status_code == 200 and group.json()["tags"] == {"k": "v"}
        poller.result()  # the operation started before the restart completes after it
        assert emu.client().resource_groups.check_existence("rg-doomed") is False
    finally:
        emu.stop()
    assert not (emu.state_dir / "endpoint.json").exists()
