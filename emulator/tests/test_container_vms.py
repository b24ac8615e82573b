"""Container VMs behind Microsoft.Compute, and VM extensions, through the unmodified Azure SDK.

An emulator process runs with ``--vm-backend container`` on its own state dir; VMs are created with
azure-mgmt-compute/-network, logged into with the real ``ssh`` on the address ARM reports, powered
off and on, and deleted. The Custom Script extension runs in the VM. Everything the backend made
is removed at the end (label-based cleanup). Marked ``slow``: each VM boots a container.
"""
import base64
import json
import os
import shutil
import subprocess
import time
import uuid

import pytest
from conftest import Emulator

docker = pytest.importorskip("docker")
pytestmark = pytest.mark.slow

SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"]


def _usable():
    try:
        docker.from_env(timeout=10).ping()
    except Exception:  # noqa: BLE001
        return False
    return os.geteuid() == 0 and bool(shutil.which("debootstrap")) and bool(shutil.which("ssh"))


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    if not _usable():
        pytest.skip("needs the Docker engine, root, debootstrap and ssh")
    state = tmp_path_factory.mktemp("container-emulator")
    emulator = Emulator(state, "--port", 0, "--lro-seconds", 0.2, "--retry-after", 1, "--vm-backend", "container")
    yield emulator
    emulator.stop()
    from dockyard_emulator.backends.container.machines import LABEL_EMULATOR, ContainerMachines
    backend = ContainerMachines(state)
    backend.cleanup()
    assert not backend.client.containers.list(all=True, filters={"label": f"{LABEL_EMULATOR}={backend.emulator_id}"})


class Clients:
    def __init__(self, emu):
        from azure.mgmt.compute import ComputeManagementClient
        from azure.mgmt.network import NetworkManagementClient
        options = dict(base_url=emu.url, connection_verify=emu.env["REQUESTS_CA_BUNDLE"], polling_interval=0.5)
        credential = emu.credential()
        self.compute = ComputeManagementClient(credential, emu.subscription, **options)
        self.network = NetworkManagementClient(credential, emu.subscription, **options)
        self.resource = emu.client()


@pytest.fixture(scope="module")
def sdk(emu):
    return Clients(emu)


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    d = tmp_path_factory.mktemp("ssh")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "id")], check=True)
    return str(d / "id"), (d / "id.pub").read_text().strip()


def ssh(key, address, command, user="azureuser"):
    result = subprocess.run(["ssh", "-i", key[0], *SSH_OPTS, f"{user}@{address}", command],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"ssh {command!r}: {result.stdout}{result.stderr}"
    return result.stdout


def create_vm(sdk, key, rg, name, os_disk_delete="Detach"):
    """Network stack + VM through the SDK; returns (vm, public IP address, NIC private address, seconds)."""
    sdk.resource.resource_groups.create_or_update(rg, {"location": "westeurope"})
    net = sdk.network
    net.virtual_networks.begin_create_or_update(rg, "vnet", {
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [
            {"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}).result()
    subnet = net.subnets.get(rg, "vnet", "default")
    pip = net.public_ip_addresses.begin_create_or_update(rg, f"{name}-ip", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    nic = net.network_interfaces.begin_create_or_update(rg, f"{name}-nic", {
        "location": "westeurope", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnet.id}, "publicIPAddress": {"id": pip.id}}}]}}).result()
    started = time.monotonic()
    vm = sdk.compute.virtual_machines.begin_create_or_update(rg, name, {"location": "westeurope", "properties": {
        "hardwareProfile": {"vmSize": "Standard_B2s"},
        "storageProfile": {"imageReference": {"publisher": "Debian", "offer": "debian-12", "sku": "12-gen2",
                                              "version": "latest"},
                           "osDisk": {"createOption": "FromImage", "deleteOption": os_disk_delete}},
        "osProfile": {"computerName": name, "adminUsername": "azureuser",
                      "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {"publicKeys": [
                          {"path": "/home/azureuser/.ssh/authorized_keys", "keyData": key[1]}]}}},
        "networkProfile": {"networkInterfaces": [{"id": nic.id}]}}}).result()
    seconds = time.monotonic() - started
    address = net.public_ip_addresses.get(rg, f"{name}-ip").properties.ip_address
    config = net.network_interfaces.get(rg, f"{name}-nic").properties.ip_configurations[0]
    private = config.properties.private_ip_address
    return vm, address, private, seconds


@pytest.fixture(scope="module")
def vm(sdk, key):
    rg = f"rg-cvm-{uuid.uuid4().hex[:6]}"
    created, address, private, seconds = create_vm(sdk, key, rg, "cvm1")
    print(f"\nVM create (SDK, until the LRO succeeded: sshd answers) took {seconds:.1f}s")
    return dict(rg=rg, name="cvm1", vm=created, address=address, private=private)


def container_of(emu, vm_id):
    from dockyard_emulator.backends.container import ContainerMachines
    backend = ContainerMachines(emu.state_dir)
    return backend, backend.client.containers.get(backend.container_name(vm_id.lower()))


def test_public_ip_address_is_fixed_when_the_ip_is_created(sdk, vm):
    """As on Azure, a static public IP has its address before the VM exists; the VM then answers on it."""
    before = sdk.network.public_ip_addresses.get(vm["rg"], "cvm1-ip")
    assert before.properties.ip_address == vm["address"]
    sdk.network.public_ip_addresses.begin_create_or_update(vm["rg"], "spare-ip", {
        "location": "westeurope", "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"}}).result()
    spare = sdk.network.public_ip_addresses.get(vm["rg"], "spare-ip").properties.ip_address
    assert spare.startswith("10.199.") and spare != vm["address"]
    sdk.network.public_ip_addresses.begin_delete(vm["rg"], "spare-ip").result()


def test_vm_is_a_container_reachable_on_its_public_ip(emu, vm, key, sdk):
    assert vm["vm"].properties.provisioning_state == "Succeeded"
    assert vm["address"] == vm["private"] and vm["address"].startswith("10.199.")
    assert ssh(key, vm["address"], "hostname; sudo -n id -un").split() == ["cvm1", "root"]
    backend, container = container_of(emu, vm["vm"].id)
    assert container.status == "running" and container.labels["dockyard.emulator.address"] == vm["address"]
    view = sdk.compute.virtual_machines.instance_view(vm["rg"], vm["name"])
    assert [s.code for s in view.statuses] == ["ProvisioningState/succeeded", "PowerState/running"]
    assert view.os_name == "debian" and view.computer_name == "cvm1"


def test_stop_start_keeps_a_file_and_boot_runs_the_dockerd_helper(emu, vm, key, sdk):
    ssh(key, vm["address"], "echo kept > ~/marker")
    # what the collection's Docker install script leaves where systemd is not PID 1: run at every boot
    ssh(key, vm["address"], "printf '#!/bin/sh\\necho started >> /var/tmp/helper-runs\\n' | "
        "sudo tee /usr/local/sbin/dockyard-start-dockerd >/dev/null && "
        "sudo chmod 755 /usr/local/sbin/dockyard-start-dockerd")
    sdk.compute.virtual_machines.begin_power_off(vm["rg"], vm["name"]).result()
    _, container = container_of(emu, vm["vm"].id)
    assert container.status == "exited"
    assert sdk.compute.virtual_machines.instance_view(vm["rg"], vm["name"]).statuses[1].code == "PowerState/stopped"
    sdk.compute.virtual_machines.begin_start(vm["rg"], vm["name"]).result()
    assert ssh(key, vm["address"], "cat ~/marker") == "kept\n"
    assert ssh(key, vm["address"], "cat /var/tmp/helper-runs") == "started\n"


def test_emulator_restart_finds_and_reconciles_the_container(emu, vm, key, sdk):
    ssh(key, vm["address"], "echo before-restart > ~/restart-marker")
    emu.stop()
    _, container = container_of(emu, vm["vm"].id)
    container.stop(timeout=30)  # behind ARM's back: ARM says running, so the restarted emulator starts it
    emu.start()
    sdk.__init__(emu)  # the restarted emulator listens on a new port
    sdk2 = sdk
    deadline = time.monotonic() + 60
    while container.reload() or container.status != "running":
        assert time.monotonic() < deadline, "the restarted emulator did not start the container again"
        time.sleep(0.5)
    assert sdk2.compute.virtual_machines.get(vm["rg"], vm["name"]).properties.provisioning_state == "Succeeded"
    sdk2.compute.virtual_machines.begin_restart(vm["rg"], vm["name"]).result()
    assert ssh(key, vm["address"], "cat ~/restart-marker") == "before-restart\n"


def _extension(sdk, vm, name, settings=None, protected=None, force=None):
    props = {"publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1",
             "autoUpgradeMinorVersion": True}
    if settings is not None:
        props["settings"] = settings
    if protected is not None:
        props["protectedSettings"] = protected
    if force is not None:
        props["forceUpdateTag"] = force
    return sdk.compute.virtual_machine_extensions.begin_create_or_update(
        vm["rg"], vm["name"], name, {"location": "westeurope", "tags": {"purpose": "test"}, "properties": props})


def _message(sdk, vm, name):
    ext = sdk.compute.virtual_machine_extensions.get(vm["rg"], vm["name"], name, expand="instanceView")
    return ext, ext.properties.instance_view.statuses[0]


def test_custom_script_runs_in_the_vm(emu, vm, key, sdk):
    script = base64.b64encode(b"#!/bin/bash\necho run >> /var/tmp/cse-runs\necho out-$(hostname)\necho err >&2\n"
                              b'echo \'DOCKYARD_RESULT {"ok": true}\'\n').decode()
    ext = _extension(sdk, vm, "cse", settings={"timestamp": 1}, protected={"script": script}).result()
    assert ext.properties.provisioning_state == "Succeeded" and ext.tags == {"purpose": "test"}
    ext, status = _message(sdk, vm, "cse")
    assert (status.code, status.level, status.display_status) == ("ProvisioningState/succeeded", "Info",
                                                                  "Provisioning succeeded")
    assert status.message == 'Enable succeeded: \n[stdout]\nout-cvm1\nDOCKYARD_RESULT {"ok": true}\n\n[stderr]\nerr\n'
    assert ext.properties.protected_settings is None and ext.properties.settings == {"timestamp": 1}
    raw = emu.http().get(emu.url + ext.id, params={"api-version": "2024-07-01", "$expand": "instanceView"},
                         headers={"Authorization": "Bearer " + emu.token()}).json()
    assert "protectedSettings" not in json.dumps(raw) and script not in json.dumps(raw)
    listed = sdk.compute.virtual_machine_extensions.list(vm["rg"], vm["name"])
    assert [e.name for e in listed.value] == ["cse"]
    vm_view = sdk.compute.virtual_machines.instance_view(vm["rg"], vm["name"])
    assert vm_view.extensions[0].statuses[0].code == "ProvisioningState/succeeded"

    # an identical PUT does not run the script again; a new forceUpdateTag does
    _extension(sdk, vm, "cse", settings={"timestamp": 1}, protected={"script": script}).result()
    assert ssh(key, vm["address"], "cat /var/tmp/cse-runs") == "run\n"
    _extension(sdk, vm, "cse", settings={"timestamp": 1}, protected={"script": script}, force="again").result()
    assert ssh(key, vm["address"], "cat /var/tmp/cse-runs") == "run\nrun\n"
    # a PATCH of the tags keeps the protected settings and does not run it
    sdk.compute.virtual_machine_extensions.begin_update(vm["rg"], vm["name"], "cse", {"tags": {"t": "2"}}).result()
    assert sdk.compute.virtual_machine_extensions.get(vm["rg"], vm["name"], "cse").tags == {"t": "2"}
    assert ssh(key, vm["address"], "cat /var/tmp/cse-runs") == "run\nrun\n"
    # one Custom Script extension per VM, as on Azure
    from azure.core.exceptions import HttpResponseError
    with pytest.raises(HttpResponseError, match="Multiple VMExtensions per handler"):
        _extension(sdk, vm, "second", settings={"commandToExecute": "true"})
    sdk.compute.virtual_machine_extensions.begin_delete(vm["rg"], vm["name"], "cse").result()
    assert not sdk.compute.virtual_machine_extensions.list(vm["rg"], vm["name"]).value


def test_run_command_runs_in_the_vm(emu, vm, key, sdk):
    """The runCommand action (RunShellScript, parameters as environment variables) and a managed run command
    really run in the container VM; results in Azure's shapes (the action never reports the exit code)."""
    compute = sdk.compute
    result = compute.virtual_machines.begin_run_command(vm["rg"], vm["name"], {
        "commandId": "RunShellScript", "script": ["echo hello $GREETING", "echo oops >&2", "exit 3"],
        "parameters": [{"name": "GREETING", "value": "world"}]}).result()
    assert [(s.code, s.display_status) for s in result.value] == [("ProvisioningState/succeeded",
                                                                   "Provisioning succeeded")]
    assert result.value[0].message == "Enable succeeded: \n[stdout]\nhello world\n\n[stderr]\noops\n"
    from azure.core.exceptions import HttpResponseError
    with pytest.raises(HttpResponseError, match="RunPowerShellScript"):
        compute.virtual_machines.begin_run_command(vm["rg"], vm["name"], {"commandId": "RunPowerShellScript"})
    managed = compute.virtual_machine_run_commands.begin_create_or_update(vm["rg"], vm["name"], "whoami", {
        "location": "westeurope", "properties": {"source": {"script": "id -un; echo $TARGET > /var/tmp/rc; exit 4"},
                                                 "parameters": [{"name": "TARGET", "value": "disk"}],
                                                 "protectedParameters": [{"name": "SECRET", "value": "s3"}]}}).result()
    assert managed.properties.provisioning_state == "Succeeded" and managed.properties.protected_parameters is None
    view = compute.virtual_machine_run_commands.get_by_virtual_machine(
        vm["rg"], vm["name"], "whoami", expand="instanceView").properties.instance_view
    assert (view.execution_state, view.exit_code, view.output) == ("Failed", 4, "root\n")
    assert ssh(key, vm["address"], "cat /var/tmp/rc") == "disk\n"
    with pytest.raises(HttpResponseError, match="VMExtensionProvisioningError"):
        compute.virtual_machine_run_commands.begin_create_or_update(vm["rg"], vm["name"], "strict", {
            "location": "westeurope", "properties": {"source": {"script": "exit 1"},
                                                     "treatFailureAsDeploymentFailure": True}}).result()


def test_windows_vms_are_refused_with_a_clear_message(sdk, vm):
    from azure.core.exceptions import HttpResponseError
    nic = sdk.network.network_interfaces.get(vm["rg"], "cvm1-nic")
    with pytest.raises(HttpResponseError, match="boots Linux images only") as info:
        sdk.compute.virtual_machines.begin_create_or_update(vm["rg"], "win1", {"location": "westeurope", "properties": {
            "hardwareProfile": {"vmSize": "Standard_B2s"},
            "storageProfile": {"imageReference": {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer",
                                                  "sku": "2022-datacenter", "version": "latest"}},
            "osProfile": {"computerName": "win1", "adminUsername": "azureuser", "adminPassword": "Passw0rd!Passw0rd"},
            "networkProfile": {"networkInterfaces": [{"id": nic.id}]}}})
    assert info.value.error.code == "InvalidParameter"


def test_failing_custom_script_fails_the_operation_with_its_output(vm, sdk):
    from azure.core.exceptions import HttpResponseError
    poller = _extension(sdk, vm, "failing", settings={"commandToExecute": "echo to-out; echo to-err >&2; exit 3"})
    with pytest.raises(HttpResponseError) as err:
        poller.result()
    assert err.value.error.code == "VMExtensionProvisioningError"
    assert "VM has reported a failure when processing extension 'failing'" in err.value.message
    assert "exit status=3" in err.value.message and "to-err" in err.value.message
    ext, status = _message(sdk, vm, "failing")
    assert ext.properties.provisioning_state == "Failed"
    assert (status.code, status.level) == ("ProvisioningState/failed/3", "Error")
    assert status.message == ("Enable failed: failed to execute command: command terminated with exit status=3"
                              "\n[stdout]\nto-out\n\n[stderr]\nto-err\n")
    # settings the handler refuses fail the same way, without running anything
    with pytest.raises(HttpResponseError, match="fileUris are not supported"):
        _extension(sdk, vm, "failing", settings={"commandToExecute": "true", "fileUris": ["https://x/y.sh"]}).result()
    sdk.compute.virtual_machine_extensions.begin_delete(vm["rg"], vm["name"], "failing").result()


def test_extensions_need_a_running_vm(vm, sdk):
    from azure.core.exceptions import HttpResponseError
    sdk.compute.virtual_machines.begin_power_off(vm["rg"], vm["name"]).result()
    try:
        with pytest.raises(HttpResponseError, match="VM is not running"):
            _extension(sdk, vm, "cse", settings={"commandToExecute": "true"})
    finally:
        sdk.compute.virtual_machines.begin_start(vm["rg"], vm["name"]).result()


def test_delete_removes_the_container(emu, sdk, key):
    rg = f"rg-cvm-del-{uuid.uuid4().hex[:6]}"
    gone, address, _, _ = create_vm(sdk, key, rg, "gone", os_disk_delete="Delete")
    backend, container = container_of(emu, gone.id)
    sdk.compute.virtual_machines.begin_delete(rg, "gone").result()
    with pytest.raises(docker.errors.NotFound):
        container.reload()
    assert not backend.client.volumes.list(filters={"label": f"dockyard.emulator.vm={gone.id.lower()}"})
    # the (static) public IP keeps its address: it was the container's address on the emulator's network
    assert sdk.network.public_ip_addresses.get(rg, "gone-ip").properties.ip_address == address
    # a VM whose OS disk is kept (Detach): its data stays until the disk resource is deleted with the group
    kept, _, _, _ = create_vm(sdk, key, rg, "kept")
    _, container = container_of(emu, kept.id)
    sdk.compute.virtual_machines.begin_delete(rg, "kept").result()
    assert backend.kept_os_disks() == [kept.properties.storage_profile.os_disk.name]
    sdk.resource.resource_groups.begin_delete(rg).result()
    assert backend.kept_os_disks() == []
