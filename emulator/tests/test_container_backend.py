"""The container VM backend (backends/container/backend.py): ARM's VM records in, container VMs out, and
machine errors answered by their class."""
import pytest
from conftest import b64, needs_docker, ssh

from dockyard_emulator.backends.container import backend as cb
from dockyard_emulator.errors import ArmError, BackendError, CustomDataError, MachineSpecError, VmNotFound, VmNotRunning


@pytest.mark.parametrize("error, status, code, message", [
    (MachineSpecError("computer_name 'x_y' is not a valid Linux host name"), 400, "InvalidParameter",
     "Container VM: computer_name 'x_y' is not a valid Linux host name"),
    (CustomDataError("#cloud-config is not valid YAML"), 400, "InvalidParameter",
     "Container VM: #cloud-config is not valid YAML"),
    (VmNotFound("no container VM for /x"), 409, "VMNotFoundInBackend",
     "The VM's container is gone: no container VM for /x. Delete and recreate the VM."),
    (VmNotRunning("the VM /x is not running (power state: stopped)"), 500, "OSProvisioningInternalError",
     "Container VM: the VM /x is not running (power state: stopped)"),
    (BackendError("sshd of the VM did not answer"), 500, "OSProvisioningInternalError",
     "Container VM: sshd of the VM did not answer"),
])
def test_machine_errors_are_answered_by_their_class(error, status, code, message):
    answer = cb.arm_error(error)
    assert isinstance(answer, ArmError)
    assert (answer.status, answer.code, answer.message) == (status, code, message)


@needs_docker
def test_seam_adapter_drives_a_vm_from_an_arm_record(backend, key, state_dir):
    """ContainerBackend (vm_backends seam): an ARM VM record in, a reachable VM out."""
    from types import SimpleNamespace
    adapter = cb.ContainerBackend(state_dir)
    ctx = SimpleNamespace(app=None)
    vm = {"id": "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/Seam",
          "body": {"name": "Seam", "properties": {
              "osProfile": {"computerName": "seam-host", "adminUsername": "Azure.User",
                            "linuxConfiguration": {"ssh": {"publicKeys": [{"path": "/x", "keyData": key[1]}]}}},
              "storageProfile": {"osDisk": {"name": "Seam_OsDisk", "deleteOption": "Delete"}}}},
          "internal": {"power": "running", "customData": b64("#!/bin/sh\necho seam > /var/tmp/seam\n")}}
    adapter.provision(ctx, vm)
    assert adapter.machines().emulator_id == backend.emulator_id
    address, port = adapter.addresses(ctx, vm)
    assert vm["internal"]["backend"]["address"] == address and port == 22
    assert ssh(key, "Azure.User", address, "hostname").stdout.strip() == "seam-host"
    assert adapter.instance_view(ctx, vm)["osName"] == "debian"
    assert backend.wait_custom_data(vm["id"].lower(), 30)[0] == "done"
    assert adapter.run_command(ctx, vm, "cat /var/tmp/seam", {}, 30)[:2] == (0, "seam\n")
    adapter.power(ctx, vm, "powerOff")
    assert adapter.instance_view(ctx, vm) == {}
    vm["internal"]["power"] = "stopped"
    adapter.provision(ctx, vm)  # an update of a stopped VM keeps it stopped
    assert backend.power_state(vm["id"].lower()) == "stopped"
    adapter.power(ctx, vm, "start")
    with pytest.raises(cb.ArmError) as err:
        adapter.power(ctx, {"id": "/x/none", "body": {}, "internal": {}}, "start")
    assert err.value.code == "VMNotFoundInBackend"
    adapter.delete(ctx, vm)
    assert adapter.addresses(ctx, vm) is None and backend.kept_os_disks() == []
