"""VM extensions with the ``none`` backend (providers/compute/extensions.py): metadata only, with the rules
Azure enforces, through the unmodified azure-mgmt-compute client. Running them in container VMs:
test_container_vms.py."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from compute_helpers import error, network, vm_body

CSE = {"publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1"}


@pytest.fixture
def vm(fast):
    rg = f"rg-ext-{uuid.uuid4().hex[:6]}"
    fast.resource.resource_groups.create_or_update(rg, {"location": "westeurope"})
    nic = network(fast, rg)
    fast.compute.virtual_machines.begin_create_or_update(rg, "vm", vm_body(nic.id)).result()
    return rg


def extension(fast, rg, name, **props):
    return fast.compute.virtual_machine_extensions.begin_create_or_update(
        rg, "vm", name, {"location": "westeurope", "properties": props})


def test_custom_script_is_metadata_with_the_handlers_status(fast, vm):
    ext = extension(fast, vm, "cse", **CSE, settings={"timestamp": 1}, protectedSettings={"commandToExecute": "true"}).result()
    assert ext.properties.provisioning_state == "Succeeded" and ext.properties.protected_settings is None
    view = fast.compute.virtual_machine_extensions.get(vm, "vm", "cse", expand="instanceView").properties.instance_view
    status = view.statuses[0]
    assert (status.code, status.message) == ("ProvisioningState/succeeded", "Enable succeeded: \n[stdout]\n\n[stderr]\n")
    assert [e.name for e in fast.compute.virtual_machines.instance_view(vm, "vm").extensions] == ["cse"]


def test_rules_azure_enforces(fast, vm):
    extension(fast, vm, "cse", **CSE, settings={"commandToExecute": "true"}).result()
    second = error(lambda: extension(fast, vm, "second", **CSE, settings={"commandToExecute": "true"}))
    assert second.error.code == "BadRequest" and "Multiple VMExtensions per handler" in second.message
    changed = error(lambda: extension(fast, vm, "cse", **dict(CSE, type="Other")))
    assert changed.error.code == "PropertyChangeNotAllowed"
    old = error(lambda: extension(fast, vm, "old", **dict(CSE, typeHandlerVersion="1.5")))
    assert old.error.code == "InvalidParameter" and old.error.target == "typeHandlerVersion"
    fast.compute.virtual_machines.begin_power_off(vm, "vm").result()
    stopped = error(lambda: extension(fast, vm, "other", publisher="Contoso", type="Agent", typeHandlerVersion="1.0"))
    assert stopped.error.code == "OperationNotAllowed" and "VM is not running" in stopped.message


def test_other_extensions_are_metadata(fast, vm):
    ext = extension(fast, vm, "agent", publisher="Contoso", type="Agent", typeHandlerVersion="1.0",
                    settings={"any": "thing"}).result()
    assert ext.properties.provisioning_state == "Succeeded" and ext.properties.settings == {"any": "thing"}
    fast.compute.virtual_machine_extensions.begin_delete(vm, "vm", "agent").result()
    with pytest.raises(HttpResponseError):
        fast.compute.virtual_machine_extensions.get(vm, "vm", "agent")
