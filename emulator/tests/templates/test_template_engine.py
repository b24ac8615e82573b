"""The engine's plan and evaluation: copy loops, conditions, child resources, dependencies,
lazy evaluation against live state, nested deployments, scopes, outputs, user functions."""

import pytest
from template_helpers import GROUP_ID, SCOPE, SUBSCRIPTION, FakeStore, deploy, deployment, plan_names

from dockyard_emulator.templates import DeploymentScope, TemplateError, run_deployment

ST = "Microsoft.Storage/storageAccounts"


def _storage(name, **extra):
    return {"type": ST, "apiVersion": "2022-09-01", "name": name, "location": "[resourceGroup().location]", **extra}


def test_serial_copy_with_batch_size_two():
    template = {"resources": [_storage("[concat('st', copyIndex())]",
                                       copy={"name": "loop", "count": 5, "mode": "serial", "batchSize": 2})]}
    dep = deployment(template)
    dep.validate()
    assert plan_names(dep) == [[f"{ST}/st0", f"{ST}/st1"], [f"{ST}/st2", f"{ST}/st3"], [f"{ST}/st4"]]


def test_parallel_copy_with_zero_and_dependency_on_the_loop_name():
    template = {"parameters": {"n": {"type": "int"}},
                "resources": [_storage("[concat('st', copyIndex(1))]", copy={"name": "stores", "count": "[parameters('n')]"}),
                              _storage("after", dependsOn=["stores"])]}
    dep = deployment(template, {"n": {"value": 3}})
    dep.validate()
    assert plan_names(dep) == [[f"{ST}/st1", f"{ST}/st2", f"{ST}/st3"], [f"{ST}/after"]]
    empty = deployment(template, {"n": {"value": 0}})
    empty.validate()
    assert plan_names(empty) == [[f"{ST}/after"]]


def test_property_copy_and_output_copy():
    template = {"resources": [{
        "type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01", "name": "vm", "location": "eastus",
        "properties": {"storageProfile": {"copy": [{"name": "dataDisks", "count": 2, "input": {
            "lun": "[copyIndex('dataDisks')]", "name": "[concat('disk', copyIndex('dataDisks', 1))]", "createOption": "Empty"}}]}}}],
        "outputs": {"names": {"type": "array", "copy": {"count": 3, "input": "[concat('n', copyIndex())]"}}}}
    store = FakeStore()
    _, outputs = deploy(template, store=store)
    disks = store.get(f"{GROUP_ID}/providers/Microsoft.Compute/virtualMachines/vm")["properties"]["storageProfile"]["dataDisks"]
    assert disks == [{"lun": 0, "name": "disk1", "createOption": "Empty"}, {"lun": 1, "name": "disk2", "createOption": "Empty"}]
    assert outputs["names"] == {"type": "Array", "value": ["n0", "n1", "n2"]}


def test_condition_false_is_skipped_and_dependencies_on_it_dropped():
    template = {"parameters": {"withLock": {"type": "bool", "defaultValue": False}},
                "resources": [_storage("maybe", condition="[parameters('withLock')]"),
                              _storage("always", dependsOn=["maybe"])]}
    dep = deployment(template)
    dep.validate()
    assert plan_names(dep) == [[f"{ST}/always"]]
    assert dep.resources[0].depends_on == []


def test_nested_child_resources_take_the_parent_type_and_name_and_copy_index():
    template = {"resources": [{
        "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-05-01", "name": "[concat('vnet', copyIndex())]",
        "location": "eastus", "copy": {"name": "vnets", "count": 2},
        "resources": [{"type": "subnets", "apiVersion": "2023-05-01", "name": "[concat('sub', copyIndex())]",
                       "dependsOn": ["[concat('vnet', copyIndex())]"], "properties": {"addressPrefix": "10.0.0.0/24"}},
                      {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2023-05-01",
                       "name": "[concat('vnet', copyIndex(), '/full')]", "properties": {}}]}]}
    dep = deployment(template)
    dep.validate()
    names = sorted(f"{i.type}|{i.name}" for i in dep.resources)
    assert names == ["Microsoft.Network/virtualNetworks/subnets|vnet0/full", "Microsoft.Network/virtualNetworks/subnets|vnet0/sub0",
                     "Microsoft.Network/virtualNetworks/subnets|vnet1/full", "Microsoft.Network/virtualNetworks/subnets|vnet1/sub1",
                     "Microsoft.Network/virtualNetworks|vnet0", "Microsoft.Network/virtualNetworks|vnet1"]
    sub1 = next(i for i in dep.resources if i.name == "vnet1/sub1")
    assert sub1.id == f"{GROUP_ID}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/sub1"
    assert sub1.depends_on == [f"{GROUP_ID}/providers/Microsoft.Network/virtualNetworks/vnet1"]


def test_depends_on_by_name_by_type_and_name_and_by_id():
    template = {"resources": [_storage("a"), _storage("b", dependsOn=["a"]), _storage("c", dependsOn=[f"{ST}/b"]),
                              _storage("d", dependsOn=["[resourceId('Microsoft.Storage/storageAccounts', 'c')]"])]}
    dep = deployment(template)
    dep.validate()
    assert plan_names(dep) == [[f"{ST}/a"], [f"{ST}/b"], [f"{ST}/c"], [f"{ST}/d"]]


def test_reference_sees_the_state_of_a_resource_applied_in_an_earlier_batch():
    template = {"resources": [
        {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-05-01", "name": "ip", "location": "eastus",
         "properties": {"dnsSettings": {"domainNameLabel": "web"}}},
        _storage("st", tags={"fqdn": "[reference('ip').dnsSettings.fqdn]",
                             "full": "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'ip'), '2023-05-01', 'Full').location]",
                             "key": "[listKeys('ip', '2023-05-01').keys[0].value]"})]}
    store = FakeStore()
    dep, _ = deploy(template, store=store)
    assert dep.resources[1].depends_on == [f"{GROUP_ID}/providers/Microsoft.Network/publicIPAddresses/ip"]   # implicit
    assert store.get(f"{GROUP_ID}/providers/{ST}/st")["tags"] == {
        "fqdn": "web.eastus.cloudapp.azure.com", "full": "eastus", "key": "secret-key-1"}
    assert store.keys_calls == [(f"{GROUP_ID}/providers/Microsoft.Network/publicIPAddresses/ip", "2023-05-01", "listKeys")]
    assert store.puts.index(f"{GROUP_ID}/providers/Microsoft.Network/publicIPAddresses/ip") == 0


def test_evaluation_is_lazy_until_the_caller_asks():
    template = {"resources": [_storage("a"), _storage("b", tags={"x": "[reference('a').primaryEndpoints.blob]"})]}
    store = FakeStore()
    dep = deployment(template, store=store)
    dep.validate()                                   # preflight: 'a' does not exist yet, no error, nothing written
    assert store.puts == []
    first, second = dep.batches()
    store.put(dep.evaluate(first[0]))
    assert dep.evaluate(second[0])["tags"] == {"x": "https://a.blob.core.windows.net/"}


def test_nested_deployment_into_another_group_and_subscription_scope():
    scope = DeploymentScope(SUBSCRIPTION, None, "westeurope", deployment_name="sub-deploy")
    template = {"resources": [
        {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "rg-app", "location": "northeurope"},
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "app", "resourceGroup": "rg-app",
         "dependsOn": ["[resourceId('Microsoft.Resources/resourceGroups', 'rg-app')]"],
         "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                        "parameters": {"prefix": {"value": "[deployment().name]"}},
                        "template": {"parameters": {"prefix": {"type": "string"}},
                                     "resources": [_storage("[concat('st', uniqueString(resourceGroup().id))]")],
                                     "outputs": {"where": {"type": "string", "value": "[concat(parameters('prefix'), '@', resourceGroup().location)]"}}}}}],
        "outputs": {"where": {"type": "string", "value": "[reference('app').outputs.where.value]"}}}
    store = FakeStore()
    dep, outputs = deploy(template, store=store, scope=scope)
    assert plan_names(dep) == [["Microsoft.Resources/resourceGroups/rg-app"], ["Microsoft.Resources/deployments/app"]]
    assert dep.resources[1].id == f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-app/providers/Microsoft.Resources/deployments/app"
    assert outputs["where"]["value"] == "sub-deploy@northeurope"
    assert any("/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/st" in put for put in store.puts)


def test_outer_scope_nested_template_uses_the_parent_copy_index_and_parameters():
    template = {"parameters": {"tag": {"type": "string", "defaultValue": "from-parent"}}, "resources": [
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "[concat('n', copyIndex())]",
         "copy": {"name": "ns", "count": 2},
         "properties": {"mode": "Incremental", "template": {"resources": [
             _storage("[concat('outer', copyIndex())]", tags={"t": "[parameters('tag')]"})]}}}]}
    store = FakeStore()
    deploy(template, store=store)
    assert store.get(f"{GROUP_ID}/providers/{ST}/outer1")["tags"] == {"t": "from-parent"}


def test_resource_ids_include_nested_deployments_for_complete_mode():
    template = {"resources": [_storage("top"), {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                                                "name": "n", "properties": {"mode": "Incremental", "template": {"resources": [_storage("inner")]}}}]}
    dep = deployment(template)
    dep.validate()
    assert sorted(i.rsplit("/", 1)[1] for i in dep.resource_ids()) == ["inner", "n", "top"]


def test_extension_resource_with_scope():
    template = {"resources": [_storage("st"), {"type": "Microsoft.Authorization/locks", "apiVersion": "2020-05-01", "name": "lock",
                                               "scope": "[format('Microsoft.Storage/storageAccounts/{0}', 'st')]",
                                               "dependsOn": ["st"], "properties": {"level": "CanNotDelete"}}]}
    dep = deployment(template)
    dep.validate()
    assert dep.resources[1].id == f"{GROUP_ID}/providers/{ST}/st/providers/Microsoft.Authorization/locks/lock"


def test_symbolic_names_and_existing_resources():
    """languageVersion 2.0 (Bicep with symbolic names): resources is an object, 'existing' is not deployed."""
    template = {"languageVersion": "2.0", "resources": {
        "old": {"type": ST, "apiVersion": "2022-09-01", "name": "old", "existing": True},
        "fresh": {**_storage("fresh", tags={"x": "[reference('old').primaryEndpoints.blob]"}), "dependsOn": ["old"]}}}
    store = FakeStore()
    store.put({"id": f"{GROUP_ID}/providers/{ST}/old", "name": "old", "type": ST, "properties": {}})
    dep, _ = deploy(template, store=store)
    assert [i.name for i in dep.resources] == ["fresh"]
    assert store.get(f"{GROUP_ID}/providers/{ST}/fresh")["tags"] == {"x": "https://old.blob.core.windows.net/"}


def test_user_defined_functions():
    template = {"functions": [{"namespace": "contoso", "members": {"uniqueName": {
        "parameters": [{"name": "namePrefix", "type": "string"}],
        "output": {"type": "string", "value": "[concat(toLower(parameters('namePrefix')), uniqueString(resourceGroup().id))]"}}}}],
        "resources": [_storage("[contoso.uniqueName('ST')]")]}
    dep = deployment(template)
    dep.validate()
    assert dep.resources[0].name.startswith("st") and len(dep.resources[0].name) == 15


def test_parameter_defaults_may_use_other_parameters_and_utc_now():
    template = {"parameters": {"base": {"type": "string", "defaultValue": "[concat('app-', parameters('env'))]"},
                               "env": {"type": "string", "defaultValue": "dev"},
                               "stamp": {"type": "string", "defaultValue": "[utcNow('yyyyMMdd')]"}},
                "resources": [], "outputs": {"o": {"type": "string", "value": "[concat(parameters('base'), '-', parameters('stamp'))]"}}}
    _, outputs = deploy(template)
    assert outputs["o"]["value"] == "app-dev-20190305"


def test_secure_outputs_and_parameters_are_not_returned():
    template = {"parameters": {"pw": {"type": "securestring"}}, "resources": [],
                "outputs": {"pw": {"type": "securestring", "value": "[parameters('pw')]"}, "n": {"type": "int", "value": 3}}}
    dep, outputs = deploy(template, {"pw": {"value": "s3cret"}})
    assert outputs == {"pw": {"type": "SecureString"}, "n": {"type": "Int", "value": 3}}
    assert dep.parameters_view() == {"pw": {"type": "SecureString"}}


def test_comments_in_templates_are_accepted():
    text = '{\n  // a comment\n  "resources": [ /* none */ ],\n  "outputs": {"a": {"type": "string", "value": "ok"}}\n}'
    _, outputs = deploy(text)
    assert outputs["a"]["value"] == "ok"


def test_key_vault_references_are_refused_offline():
    template = {"parameters": {"pw": {"type": "securestring"}}, "resources": []}
    dep = deployment(template, {"pw": {"reference": {"keyVault": {"id": "/x"}, "secretName": "s"}}})
    with pytest.raises(TemplateError, match="Key Vault references are not supported"):
        dep.validate()


def test_runner_gives_the_nested_deployment_body_to_apply():
    template = {"resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "n",
                               "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                                              "template": {"resources": [], "outputs": {"x": {"type": "int", "value": 1}}}}}]}
    store = FakeStore()
    dep = deployment(template, store=store)
    run_deployment(dep, store.apply)
    body = store.get(f"{GROUP_ID}/providers/Microsoft.Resources/deployments/n")
    assert body["properties"]["outputs"] == {"x": {"type": "Int", "value": 1}}
    assert SCOPE.resource_group == "rg-templates"


def test_nested_inline_template_may_use_utc_now_in_its_parameter_defaults():
    template = {"resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "n",
                               "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"}, "template": {
                                   "parameters": {"stamp": {"type": "string", "defaultValue": "[utcNow('yyyy')]"}},
                                   "resources": [], "outputs": {"s": {"type": "string", "value": "[parameters('stamp')]"}}}}}],
                "outputs": {"s": {"type": "string", "value": "[reference('n').outputs.s.value]"}}}
    _, outputs = deploy(template)
    assert outputs["s"]["value"] == "2019"


def test_new_or_existing_pair_references_the_resource_whose_condition_holds():
    template = {"parameters": {"newOrExisting": {"type": "string", "defaultValue": "new"}}, "resources": [
        {**_storage("st", properties={"mark": "new"}), "condition": "[equals(parameters('newOrExisting'), 'new')]"},
        {**_storage("st", properties={"mark": "existing"}), "condition": "[equals(parameters('newOrExisting'), 'existing')]"},
        _storage("user", tags={"m": "[reference('st').mark]"})]}
    store = FakeStore()
    deploy(template, store=store)
    assert store.get(f"{GROUP_ID}/providers/{ST}/user")["tags"] == {"m": "new"}
    assert store.get(f"{GROUP_ID}/providers/{ST}/st")["properties"]["mark"] == "new"
