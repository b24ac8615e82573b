# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""arm_deployment's failures, secrets, diff and complete mode through ansible-playbook on the emulator:
bad templates and parameters fail with ARM's error code and the template path before any resource is
written; a deployment whose resource fails reports DeploymentFailed with the resource's error; secure
parameters appear nowhere; check + diff show what-if's deltas; complete mode deletes what the template
no longer has."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from azure_rest import unique
from conftest import corpus_file, create_group, failed

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def template(resources, parameters=None, outputs=None):
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters or {}, "resources": resources,
            "outputs": outputs or {}}


def vnet(name="vnet1", tags=None, depends=None):
    resource = {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": name,
                "location": "[resourceGroup().location]",
                "properties": {"addressSpace": {"addressPrefixes": ["10.20.0.0/16"]}}}
    if tags:
        resource["tags"] = tags
    if depends:
        resource["dependsOn"] = depends
    return resource


def nsg(name="nsg1", depends=None):
    resource = {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": name,
                "location": "[resourceGroup().location]", "properties": {"securityRules": []}}
    if depends:
        resource["dependsOn"] = depends
    return resource


SECRET = "Sekr3t-" + unique("value")


def _docker_template():
    tpl = json.loads(Path(corpus_file("docker-simple-on-ubuntu")).read_text(encoding="utf-8"))
    # Two changes today's Azure requires anyway (a Standard public IP is Static; no Ubuntu 18.04 image is offered),
    # so what is left to fail is the Docker extension, retired in 2018.
    tpl["variables"]["publicIPAddressType"] = "Static"
    tpl["variables"]["imageOffer"] = "0001-com-ubuntu-server-jammy"
    tpl["parameters"]["ubuntuOSVersion"] = {"type": "string", "defaultValue": "22_04-lts-gen2"}
    return tpl


def _bad_cases(emulator, rg, tmp_path):
    """(case, texts its failure message must contain) for templates and parameters ARM refuses."""
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "resources": [\n    {"type": "Microsoft.Network/virtualNetworks",, }\n  ]\n}\n')
    missing = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/virtualNetworks/ghost" % (
        emulator.env["AZURE_SUBSCRIPTION_ID"], rg)
    ghost = "[reference('%s', '2023-09-01').addressSpace.addressPrefixes[0]]" % missing
    return {
        "syntax": ({"template_file": str(broken)}, ["InvalidTemplate", "broken.json", "line 3, column"]),
        "unknown-function": ({"template": template([{**vnet(), "name": "[nosuchfunction('x')]"}])},
                             ["InvalidTemplate", "The template function 'nosuchfunction' is not valid",
                              "Template path: resources[0]."]),
        "missing-parameter": ({"template": template([vnet()], {"prefix": {"type": "string"}})},
                              ["InvalidTemplate", "The value for the template parameter 'prefix'",
                               "Template path: parameters.prefix."]),
        "not-allowed": ({"template": template([vnet()], {"sku": {"type": "string", "allowedValues": ["A", "B"]}}),
                         "parameters": {"sku": "C"}},
                        ["InvalidTemplate", "The provided value 'C' for the template parameter 'sku'",
                         "Template path: parameters.sku."]),
        "cycle": ({"template": template([vnet(depends=["nsg1"]), nsg(depends=["vnet1"])])},
                  ["InvalidTemplate", "Circular dependency detected on resource"]),
        "missing-reference": ({"template": template([vnet(tags={"x": ghost})])},
                              ["InvalidTemplateDeployment", "ResourceNotFound",
                               "Microsoft.Network/virtualNetworks/ghost' under resource group"]),
    }


@pytest.fixture(scope="module")
def first_run(emulator, module_deploy, module_arm, tmp_path_factory):
    """One playbook run (with --diff) of every case of this file, in parallel: the refused templates, the retired
    Docker extension, the secure parameters both ways, and the first deployment of the complete-mode group."""
    groups = {kind: create_group(module_arm, "arm-" + kind) for kind in ("bad", "docker", "sec1", "sec2", "complete")}
    bad = _bad_cases(emulator, groups["bad"], tmp_path_factory.mktemp("broken"))
    cases = [{"id": key, "rg": groups["bad"], "name": "bad-" + key, "expect_failure": True, **case}
             for key, (case, _texts) in bad.items()]
    cases.append({"id": "docker", "rg": groups["docker"], "template": _docker_template(), "expect_failure": True,
                  "parameters": {"adminUsername": "azureuser", "dnsNameForPublicIP": unique("dock"),
                                 "vmSize": "Standard_B1s"},
                  "secure_parameters": {"adminPasswordOrKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB4q7sYq0WmLZp2XGv9x"
                                                              "1nR3mYr2T1pD0bW1p7j7bQ5n test"}})
    secret_template = template([vnet(tags={"length": "[string(length(parameters('token')))]"})],
                               {"token": {"type": "securestring"}, "plain": {"type": "string"}},
                               {"hidden": {"type": "securestring", "value": "[parameters('token')]"},
                                "shown": {"type": "string", "value": "[parameters('plain')]"}})
    cases.append({"id": "via-parameters", "rg": groups["sec1"], "name": "sec1", "template": secret_template,
                  "parameters": {"token": SECRET, "plain": "visible"}})
    cases.append({"id": "via-secure", "rg": groups["sec2"], "name": "sec2", "template": secret_template,
                  "parameters": {"plain": "visible"}, "secure_parameters": {"token": SECRET}})
    cases.append({"id": "complete", "rg": groups["complete"], "name": "net", "template": template([vnet(), nsg()])})
    before = emulator.last_sequence()
    results, outcome = module_deploy(cases, diff=True)
    return {"groups": groups, "bad": bad, "results": results, "stdout": outcome.stdout,
            "requests": emulator.requests(before), "complete": cases[-1]}


def test_bad_templates_and_parameters_fail_before_anything_is_written(first_run, arm):
    results, rg = first_run["results"], first_run["groups"]["bad"]
    for key, (_case, expected) in first_run["bad"].items():
        entry = results[key]
        assert failed(entry), key
        for text in expected:
            assert text in entry["result"]["msg"], (key, entry["result"]["msg"])
    assert results["missing-parameter"]["result"]["template_path"] == "parameters.prefix"
    assert results["syntax"]["result"]["option"] == "template_file"
    group_calls = [e for e in first_run["requests"] if e["kind"] == "arm" and e["write"]
                   and "/resourcegroups/%s/" % rg.lower() in e["path"].lower()]
    assert group_calls and all(e["method"] == "POST" and e["path"].endswith("/whatIf") for e in group_calls)
    assert arm.resources(rg) == []


def test_the_retired_docker_extension_fails_with_the_resource_error(first_run, arm):
    entry = first_run["results"]["docker"]
    result = entry["result"]
    assert failed(entry)
    assert result["error_code"] == "DeploymentFailed"
    assert "ArtifactNotFound: Extension with publisher 'Microsoft.Azure.Extensions', type 'DockerExtension'" in \
        result["msg"]
    [operation] = result["failed_operations"]
    assert operation["resource_type"] == "Microsoft.Compute/virtualMachines/extensions"
    assert operation["error"]["code"] == "ArtifactNotFound"
    assert ("Microsoft.Compute/virtualMachines", "MyDockerVM") in arm.resources(first_run["groups"]["docker"])


def test_secure_parameters_appear_nowhere(first_run):
    for key in ("via-parameters", "via-secure"):
        result = first_run["results"][key]["result"]
        assert result["outputs"] == {"shown": "visible"}
        assert result["diff"]["after"], key                                  # the diff was made, without the secret
        assert SECRET not in json.dumps(result), key
    assert SECRET not in first_run["stdout"]
    assert SECRET not in json.dumps(first_run["requests"])


def test_check_diff_and_complete_mode(emulator, first_run, deploy, arm):
    rg = first_run["groups"]["complete"]
    assert first_run["results"]["complete"]["status"] == "changed"
    assert arm.resources(rg) == [("Microsoft.Network/networkSecurityGroups", "nsg1"),
                                 ("Microsoft.Network/virtualNetworks", "vnet1")]
    smaller = copy.deepcopy(first_run["complete"])
    smaller.update(template=template([vnet(tags={"env": "prod"})]), mode="complete")
    before = emulator.last_sequence()
    planned = deploy([smaller], check=True, diff=True)[0]
    result = planned["complete"]["result"]
    assert planned["complete"]["status"] == "changed"
    assert {(c["resource_id"].rsplit("/", 1)[-1], c["change_type"]) for c in result["changes"]} == \
        {("nsg1", "Delete"), ("vnet1", "Modify")}
    vnet_change = next(c for c in result["changes"] if c["change_type"] == "Modify")
    # the vnet was created without tags, and Azure stores no tags key then: the whole object is created
    assert vnet_change["delta"] == [{"path": "tags", "change_type": "Create", "before": None, "after": {"env": "prod"}}]
    assert result["change_summary"] == {"Delete": 1, "Modify": 1}
    diff = result["diff"]
    vnet_id = vnet_change["resource_id"]
    nsg_id = next(c["resource_id"] for c in result["changes"] if c["change_type"] == "Delete")
    assert diff["before"][vnet_id] == {} and diff["after"][vnet_id] == {"tags": {"env": "prod"}}
    assert diff["before"][nsg_id]["name"] == "nsg1" and nsg_id not in diff["after"]
    assert [e for e in emulator.arm_writes(before) if e["method"] != "POST"] == []
    assert len(arm.resources(rg)) == 2

    applied = deploy([smaller])[0]
    assert applied["complete"]["status"] == "changed"
    assert arm.resources(rg) == [("Microsoft.Network/virtualNetworks", "vnet1")]
    status, body = arm.network(rg, "virtualNetworks", "vnet1")
    assert status == 200 and body["tags"] == {"env": "prod"}
