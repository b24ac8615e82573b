"""`dockyard-emulator stop` with the container backend, and what the web view shows of a container VM.

An emulator process with ``--vm-backend container`` gets a VM (with custom data and a Custom Script
extension) through the unmodified Azure SDK. The web view lists its container, address, boot log,
custom data output and extension output (not the protected command). ``stop`` leaves the emulator's
bridge network while the VM's container exists (VMs outlive the emulator, and a stopped VM needs its
network to start again); after a restart, deleting the resource group (and with it the VM's
container) and stopping again removes the network. Marked ``slow``: one VM boots a container.
"""
import os
import shutil
import subprocess
import time
import uuid

import pytest
from browser_helpers import chromium, screenshot
from conftest import Emulator, cli

docker = pytest.importorskip("docker")
pytestmark = pytest.mark.slow

CUSTOM_DATA = "#!/bin/bash\necho 'custom data <ran> here'\n"


def _usable():
    try:
        docker.from_env(timeout=10).ping()
    except Exception:  # noqa: BLE001
        return False
    return os.geteuid() == 0 and bool(shutil.which("debootstrap")) and bool(shutil.which("ssh"))


@pytest.fixture
def emu(tmp_path):
    if not _usable():
        pytest.skip("needs the Docker engine, root, debootstrap and ssh")
    emulator = Emulator(tmp_path / "state", "--port", 0, "--lro-seconds", 0.1, "--retry-after", 1,
                        "--vm-backend", "container")
    yield emulator
    emulator.stop()
    from dockyard_emulator.backends.container.machines import ContainerMachines
    ContainerMachines(emulator.state_dir).cleanup()


def networks(emu):
    from dockyard_emulator.backends.container.machines import LABEL_EMULATOR, ContainerMachines
    machines = ContainerMachines(emu.state_dir)
    return [n.name for n in machines.client.networks.list(filters={"label": f"{LABEL_EMULATOR}={machines.emulator_id}"})]


def create_vm(emu, rg, name, key):
    import base64

    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    options = dict(base_url=emu.url, connection_verify=emu.env["REQUESTS_CA_BUNDLE"], polling_interval=0.3)
    compute = ComputeManagementClient(emu.credential(), emu.subscription, **options)
    net = NetworkManagementClient(emu.credential(), emu.subscription, **options)
    emu.client().resource_groups.create_or_update(rg, {"location": "westeurope"})
    net.virtual_networks.begin_create_or_update(rg, "vnet", {
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [
            {"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}).result()
    subnet = net.subnets.get(rg, "vnet", "default")
    nic = net.network_interfaces.begin_create_or_update(rg, "nic", {
        "location": "westeurope", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnet.id}}}]}}).result()
    vm = compute.virtual_machines.begin_create_or_update(rg, name, {"location": "westeurope", "properties": {
        "hardwareProfile": {"vmSize": "Standard_B1s"},
        "storageProfile": {"imageReference": {"publisher": "Debian", "offer": "debian-12", "sku": "12-gen2",
                                              "version": "latest"},
                           "osDisk": {"createOption": "FromImage", "deleteOption": "Delete"}},
        "osProfile": {"computerName": name, "adminUsername": "azureuser",
                      "customData": base64.b64encode(CUSTOM_DATA.encode()).decode(),
                      "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {"publicKeys": [
                          {"path": "/home/azureuser/.ssh/authorized_keys", "keyData": key}]}}},
        "networkProfile": {"networkInterfaces": [{"id": nic.id, "properties": {"deleteOption": "Delete"}}]}}}).result()
    compute.virtual_machine_extensions.begin_create_or_update(rg, name, "cse", {"location": "westeurope", "properties": {
        "publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1",
        "protectedSettings": {"commandToExecute": "echo 'extension <said> hello'  # protected-marker"}}}).result()
    return vm


def test_stop_keeps_the_vm_network_while_a_vm_container_exists_then_removes_it(emu, tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id")], check=True)
    rg, name = f"rg-stop-{uuid.uuid4().hex[:6]}", "stopvm"
    vm = create_vm(emu, rg, name, (tmp_path / "id.pub").read_text().strip())
    (network,) = networks(emu)

    # the web view shows the VM's machine: container, address, its boot log and its custom data output
    from dockyard_emulator.backends.container.machines import ContainerMachines
    machines = ContainerMachines(emu.state_dir)
    container = machines.container_name(vm.id.lower())
    session = emu.http()
    deadline = time.monotonic() + 30
    while True:
        page = session.get(f"{emu.url}/_emulator/").text
        if "custom data &lt;ran&gt; here" in page or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert "custom data &lt;ran&gt; here" in page, page
    assert container in page and machines.address(vm.id.lower()) in page
    assert "dockyard-init: ready" in page and ">running<" in page
    assert "extension &lt;said&gt; hello" in page and "protected-marker" not in page
    driver = chromium(emu.state_dir, tmp_path / "chromium-profile")
    try:
        from selenium.webdriver.common.by import By
        driver.get(f"{emu.url}/_emulator/")
        driver.find_element(By.CSS_SELECTOR, f"details.vm-logs[data-vm='{name}'] summary").click()
        assert "custom data <ran> here" in driver.find_element(By.CSS_SELECTOR, "details.vm-logs").text
        screenshot(driver, "container-vm.png")
    finally:
        driver.quit()

    # stop: the emulator exits, the VM (its container) runs on and keeps its network
    stopped = cli("stop", "--state-dir", emu.state_dir)
    assert f"kept the VM network {network}" in stopped.stdout, stopped.stdout + stopped.stderr
    assert networks(emu) == [network]
    assert machines.client.containers.get(container).status == "running"

    # the VM goes with its resource group; the next stop removes the network nobody uses
    emu.start()
    emu.client().resource_groups.begin_delete(rg).result()
    assert not machines.exists(vm.id.lower())
    stopped = cli("stop", "--state-dir", emu.state_dir)
    assert f"removed the VM network {network}" in stopped.stdout, stopped.stdout + stopped.stderr
    assert networks(emu) == []
