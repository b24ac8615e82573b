"""Each corpus template (real public templates, see corpus/*/SOURCES.md): the planned resources
(ids, types, dependency batches), the outputs after a run, and what-if before (all Create) and
after (all NoChange) the run."""

import json

import pytest
from template_helpers import GROUP_ID, SUBSCRIPTION, FakeStore, corpus_parameters, corpus_text, deploy, deployment, plan_names

from dockyard_emulator.templates import DeploymentScope, TemplateError, arm_guid, unique_string

GROUP_HASH = unique_string(GROUP_ID)
NET = "Microsoft.Network"
SUB_SCOPE = DeploymentScope(SUBSCRIPTION, None, "westeurope", deployment_name="azuredeploy")
PRINCIPAL = "11111111-2222-3333-4444-555555555555"
LOCK_PARAMETERS = {"rgName": {"value": "rg-locked"}, "rgLocation": {"value": "westeurope"}, "principalId": {"value": PRINCIPAL}}
LOCKED_GROUP = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-locked"

EXPECTED = {
    "vm-simple-linux": dict(
        parameters={},
        batches=[[f"{NET}/networkSecurityGroups/SecGroupNet", f"{NET}/publicIPAddresses/simpleLinuxVMPublicIP",
                  f"{NET}/virtualNetworks/vNet"],
                 [f"{NET}/virtualNetworks/subnets/vNet/Subnet"],
                 [f"{NET}/networkInterfaces/simpleLinuxVMNetInt"],
                 ["Microsoft.Compute/virtualMachines/simpleLinuxVM"],
                 ["Microsoft.Compute/virtualMachines/extensions/simpleLinuxVM/GuestAttestation"]],
        outputs={"adminUsername": "GEN-UNIQUE", "hostname": "GEN-UNIQUE.eastus.cloudapp.azure.com",
                 "sshCommand": "ssh GEN-UNIQUE@GEN-UNIQUE.eastus.cloudapp.azure.com"}),
    "docker-simple-on-ubuntu": dict(
        parameters={},
        batches=[[f"{NET}/networkSecurityGroups/default-NSG", f"{NET}/publicIPAddresses/myPublicIPD"],
                 [f"{NET}/virtualNetworks/MyVNETD"],
                 [f"{NET}/networkInterfaces/myVMNicD"],
                 ["Microsoft.Compute/virtualMachines/MyDockerVM"],
                 ["Microsoft.Compute/virtualMachines/extensions/MyDockerVM/DockerExtension"]],
        outputs={}),
    "vnet-two-subnets": dict(
        parameters={},
        batches=[[f"{NET}/virtualNetworks/VNet1"], [f"{NET}/virtualNetworks/subnets/VNet1/Subnet1"],
                 [f"{NET}/virtualNetworks/subnets/VNet1/Subnet2"]],
        outputs={}),
    "security-group-create": dict(
        parameters={},
        batches=[[f"{NET}/networkSecurityGroups/networkSecurityGroup1"], [f"{NET}/virtualNetworks/virtualNetwork1"]],
        outputs={}),
    "storage-account-create": dict(
        parameters={},
        batches=[[f"Microsoft.Storage/storageAccounts/store{GROUP_HASH}"]],
        outputs={"storageAccountName": f"store{GROUP_HASH}",
                 "storageAccountId": f"{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/store{GROUP_HASH}"}),
    "container-registry": dict(
        parameters={"acrName": {"value": "dockyardacr01"}},
        batches=[["Microsoft.ContainerRegistry/registries/dockyardacr01"]],
        outputs={"acrLoginServer": "dockyardacr01.azurecr.io"}),
    "2-vms-loadbalancer-natrules": dict(
        parameters={"adminUsername": {"value": "azureuser"}, "adminPassword": {"value": "S3cret!pass"}},
        batches=[["Microsoft.Compute/availabilitySets/myAvSet", f"{NET}/networkSecurityGroups/Subnet-1-nsg",
                  f"{NET}/publicIPAddresses/myPublicIP", f"Microsoft.Storage/storageAccounts/{GROUP_HASH}"],
                 [f"{NET}/loadBalancers/myLB", f"{NET}/virtualNetworks/myVNET"],
                 [f"{NET}/loadBalancers/inboundNatRules/myLB/RDP-VM0", f"{NET}/loadBalancers/inboundNatRules/myLB/RDP-VM1"],
                 [f"{NET}/networkInterfaces/nic0", f"{NET}/networkInterfaces/nic1"],
                 ["Microsoft.Compute/virtualMachines/myVM0", "Microsoft.Compute/virtualMachines/myVM1"]],
        outputs={}),
    "copy-variables": dict(
        parameters={},
        batches=[],
        outputs={  # copy-variables.md documents these values
            "exampleObject": {"disks": [{"name": f"myDataDisk{i + 1}", "diskSizeGB": "1", "diskIndex": i} for i in range(5)]},
            "exampleArrayOnObject": [{"name": f"myDataDisk{i + 1}", "diskSizeGB": "1", "diskIndex": i} for i in range(5)],
            "exampleArray": [{"name": f"myDataDisk{i + 1}", "diskSizeGB": "1", "diskIndex": i} for i in range(5)]}),
    "multiple-security-rules": dict(
        parameters={},
        batches=[[f"{NET}/networkSecurityGroups/NSG1"]],
        outputs={}),
    "serial-copy-storage": dict(
        parameters={},
        batches=[[f"Microsoft.Storage/storageAccounts/{i}storage{GROUP_HASH}"] for i in range(3)],
        outputs={}),
    "create-rg-lock-outer": dict(
        scope=SUB_SCOPE, parameters=LOCK_PARAMETERS,
        batches=[["Microsoft.Resources/resourceGroups/rg-locked"], ["Microsoft.Resources/deployments/applyLock"]],
        outputs={}),
    "create-rg-lock-inner": dict(
        scope=SUB_SCOPE, parameters=LOCK_PARAMETERS,
        batches=[["Microsoft.Resources/resourceGroups/rg-locked"], ["Microsoft.Resources/deployments/applyLock"]],
        outputs={}),
}


def _parameters(name):
    parameters = corpus_parameters(name)
    parameters.update(EXPECTED[name]["parameters"])
    return parameters


def _scope(name):
    return EXPECTED[name].get("scope")


def _deployment(name, store=None):
    if _scope(name):
        return deployment(corpus_text(name), _parameters(name), store, scope=_scope(name))
    return deployment(corpus_text(name), _parameters(name), store)


def _existing(name, store):
    return [] if _scope(name) else store.in_group()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_plan_ids_types_and_dependency_order(name):
    dep = _deployment(name)
    dep.validate()
    assert plan_names(dep) == [sorted(batch) for batch in EXPECTED[name]["batches"]]
    for item in dep.resources:
        if _scope(name):
            assert item.id.startswith(f"/subscriptions/{SUBSCRIPTION}/resourceGroups/")
        else:
            assert item.id.startswith(GROUP_ID + "/providers/" + item.type.split("/")[0] + "/")
        for dependency in item.depends_on:                 # every dependency is deployed in an earlier batch
            assert dependency.lower() in {r.id.lower() for b in dep.batches()[:_batch_of(dep, item)] for r in b}


def _batch_of(dep, item):
    return next(i for i, batch in enumerate(dep.batches()) if item in batch)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_run_outputs_then_what_if_reports_no_change(name):
    store = FakeStore()
    before = _deployment(name, store).what_if(_existing(name, store))
    dep, outputs = deploy(corpus_text(name), _parameters(name), store, **({"scope": _scope(name)} if _scope(name) else {}))
    assert {key: value.get("value") for key, value in outputs.items()} == EXPECTED[name]["outputs"]
    created = sorted(c["resourceId"] for c in before["properties"]["changes"])
    assert {c["changeType"] for c in before["properties"]["changes"]} <= {"Create"}
    assert created == sorted(i for i in store.puts if "/Microsoft.Resources/deployments/" not in i)
    again = _deployment(name, store).what_if(_existing(name, store))
    assert [c["changeType"] for c in again["properties"]["changes"]] == ["NoChange"] * len(created), json.dumps(again, indent=1)[:2000]


def test_vm_simple_linux_details():
    store = FakeStore()
    dep, _ = deploy(corpus_text("vm-simple-linux"), _parameters("vm-simple-linux"), store)
    vm = store.get(f"{GROUP_ID}/providers/Microsoft.Compute/virtualMachines/simpleLinuxVM")
    assert vm["properties"]["storageProfile"]["imageReference"]["offer"] == "0001-com-ubuntu-server-focal"
    assert vm["properties"]["osProfile"]["linuxConfiguration"] is None                # if(..., null(), ...)
    assert vm["properties"]["securityProfile"]["securityType"] == "TrustedLaunch"
    assert vm["location"] == "eastus"
    assert dep.parameters_view()["adminPasswordOrKey"] == {"type": "SecureString"}   # secure: no value
    assert dep.parameters_view()["dnsLabelPrefix"] == {"type": "String", "value": "GEN-UNIQUE"}


def test_vm_simple_linux_default_dns_label_uses_unique_string_of_the_group():
    parameters = _parameters("vm-simple-linux")
    del parameters["dnsLabelPrefix"]
    dep = deployment(corpus_text("vm-simple-linux"), parameters)
    dep.validate()
    assert dep.parameters_view()["dnsLabelPrefix"]["value"] == f"simplelinuxvm-{GROUP_HASH}"


def test_docker_extension_is_planned_like_any_extension():
    """The retired Docker extension is not special in the engine; the provider refuses it later."""
    dep = deployment(corpus_text("docker-simple-on-ubuntu"), _parameters("docker-simple-on-ubuntu"))
    dep.validate()
    extension = next(i for i in dep.resources if i.type.endswith("/extensions"))
    body = dep.evaluate(extension)
    assert body["properties"]["publisher"] == "Microsoft.Azure.Extensions"
    assert body["properties"]["type"] == "DockerExtension"
    assert body["id"] == f"{GROUP_ID}/providers/Microsoft.Compute/virtualMachines/MyDockerVM/extensions/DockerExtension"


def test_security_rules_from_a_variable_copy_loop():
    store = FakeStore()
    deploy(corpus_text("multiple-security-rules"), _parameters("multiple-security-rules"), store)
    rules = store.get(f"{GROUP_ID}/providers/{NET}/networkSecurityGroups/NSG1")["properties"]["securityRules"]
    assert [r["name"] for r in rules] == ["RDPAllow", "HTTPAllow"]
    assert rules[1]["properties"] == {"description": "allow HTTP connections", "priority": 200, "protocol": "Tcp",
                                      "sourcePortRange": "*", "destinationPortRange": "80", "sourceAddressPrefix": "*",
                                      "destinationAddressPrefix": "10.0.1.0/24", "access": "Allow", "direction": "Inbound"}


def test_serial_copy_applies_one_instance_after_the_other():
    dep = deployment(corpus_text("serial-copy-storage"))
    dep.validate()
    first, second, third = (batch[0] for batch in dep.batches())
    assert second.depends_on == [first.id] and third.depends_on == [second.id]


def test_copy_loops_with_offsets_and_reference_by_name():
    store = FakeStore()
    dep, _ = deploy(corpus_text("2-vms-loadbalancer-natrules"), _parameters("2-vms-loadbalancer-natrules"), store)
    rule = store.get(f"{GROUP_ID}/providers/{NET}/loadBalancers/myLB/inboundNatRules/RDP-VM1")
    assert rule["properties"]["frontendPort"] == 5001                                 # copyIndex(5000)
    vm = store.get(f"{GROUP_ID}/providers/Microsoft.Compute/virtualMachines/myVM1")
    assert vm["properties"]["diagnosticsProfile"]["bootDiagnostics"]["storageUri"] == \
        f"https://{GROUP_HASH}.blob.core.windows.net/"                                # reference(name).primaryEndpoints
    nic = next(i for i in dep.resources if i.name == "nic1")
    assert f"{GROUP_ID}/providers/{NET}/loadBalancers/myLB/inboundNatRules/RDP-VM1" in nic.depends_on


def test_outer_and_inner_scope_versions_deploy_the_same_resources():
    """The quickstart before and after its Bicep rewrite: outer scope reads the parent's parameters, inner
    scope gets them passed; both lock the new group and grant the same role assignment."""
    results = {}
    for name in ("create-rg-lock-outer", "create-rg-lock-inner"):
        store = FakeStore()
        deploy(corpus_text(name), _parameters(name), store, scope=SUB_SCOPE)
        results[name] = store
    outer, inner = results["create-rg-lock-outer"], results["create-rg-lock-inner"]
    assignment = arm_guid(arm_guid(PRINCIPAL, "b24988ac-6180-42a0-ab88-20f7382dd24c", "rg-locked"))
    expected = {LOCKED_GROUP, f"{LOCKED_GROUP}/providers/Microsoft.Authorization/locks/DontDelete",
                f"{LOCKED_GROUP}/providers/Microsoft.Authorization/roleAssignments/{assignment}",
                f"{LOCKED_GROUP}/providers/Microsoft.Resources/deployments/applyLock"}
    assert set(outer.puts) == set(inner.puts) == expected
    role_id = f"{LOCKED_GROUP}/providers/Microsoft.Authorization/roleAssignments/{assignment}"
    for store in (outer, inner):
        role = store.get(role_id)["properties"]
        assert role["principalId"] == PRINCIPAL
        assert role["roleDefinitionId"] == (f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/"
                                            "roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c")
    assert outer.get(role_id)["properties"]["scope"] == LOCKED_GROUP        # outer scope: subscriptionResourceId()
    assert outer.get(f"{LOCKED_GROUP}/providers/Microsoft.Authorization/locks/DontDelete")["properties"]["level"] == \
        "CanNotDelete"


def test_inner_scope_sees_only_the_parameters_it_is_given():
    """Inner scope declares its own parameters: a nested template given none fails validation (preflight)."""
    template = json.loads(corpus_text("create-rg-lock-inner"))
    template["resources"][1]["properties"]["parameters"] = {}
    dep = deployment(template, _parameters("create-rg-lock-inner"), scope=SUB_SCOPE)
    with pytest.raises(TemplateError) as caught:
        dep.validate()
    assert "The value for the template parameter 'principalId'" in caught.value.message


def test_linked_template_is_refused_offline():
    store = FakeStore()
    dep = deployment(corpus_text("linked-template-parent"), store=store)
    with pytest.raises(TemplateError) as caught:
        dep.validate()
    assert caught.value.code == "InvalidTemplate"
    assert "The template resource 'linkedTemplate' at line '7' and column '5' is not valid: Linked templates cannot be " \
           "deployed offline" in caught.value.message
    assert store.puts == []
