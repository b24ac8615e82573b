"""Deployment errors as ARM reports them: InvalidTemplate (with the TemplateViolation's line, position and
path) and InvalidTemplateDeployment before anything is written; DeploymentFailed with each failed
operation's inner error once the run has started; and the retired Docker VM extension."""

import copy

import pytest
from azure.core.exceptions import HttpResponseError
from compute_helpers import ssh_key
from deployment_helpers import body, corpus, deployments_client, new_group, nsg, storage, template, vnet

API = "2024-11-01"


@pytest.fixture(scope="module")
def client(fast):
    return deployments_client(fast)


def refused(client, rg, tpl, parameters=None, name="bad"):
    with pytest.raises(HttpResponseError) as info:
        client.deployments.begin_create_or_update(rg, name, body(tpl, parameters)).result()
    return info.value


def nothing_written(fast, client, rg, name="bad"):
    assert list(fast.resource.resources.list_by_resource_group(rg)) == []
    assert client.deployments.check_existence(rg, name) is False


BAD_TEMPLATES = {
    "unknown function": (template([{**vnet(), "name": "[nosuchfunction('x')]"}]), None,
                         "The template function 'nosuchfunction' is not valid", "properties.template.resources[0]"),
    "expression syntax": (template([{**vnet(), "location": "[concat('a', ]"}]), None, "is not valid",
                          "properties.template.resources[0]"),
    "missing parameter": (template([vnet()], parameters={"prefix": {"type": "string"}}), None,
                          "The value for the template parameter 'prefix'", "properties.template.parameters.prefix"),
    "outside allowedValues": (template([vnet()], parameters={"sku": {"type": "string", "allowedValues": ["A", "B"]}}),
                              {"sku": {"value": "C"}}, "The provided value 'C' for the template parameter 'sku'",
                              "properties.template.parameters.sku"),
    "dependsOn cycle": (template([vnet(depends=["nsg1"]), {**nsg(), "dependsOn": ["vnet1"]}]), None,
                        "Circular dependency detected on resource", None),
    "dependsOn unknown": (template([vnet(depends=["nothere"])]), None,
                          "The resource 'nothere' is not defined in the template", None),
}


@pytest.mark.parametrize("case", sorted(BAD_TEMPLATES))
def test_invalid_template_is_refused_before_anything_is_written(fast, client, case):
    tpl, parameters, message, where = BAD_TEMPLATES[case]
    rg = new_group(fast)
    error = refused(client, rg, tpl, parameters)
    assert error.status_code == 400
    assert error.error.code == "InvalidTemplate"
    assert message in error.error.message
    if where:
        info = error.error.additional_info[0]
        assert info.type == "TemplateViolation" and info.info["path"] == where
        assert info.info["lineNumber"] == 1 and f"at line '1' and column '{info.info['linePosition']}'" in \
            error.error.message
    nothing_written(fast, client, rg)


def test_reference_to_a_missing_resource_fails_preflight(fast, client):
    rg = new_group(fast)
    missing = f"/subscriptions/{fast.subscription}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/ghost"
    tpl = template([vnet(tags={"ghost": f"[reference('{missing}', '2023-09-01').addressSpace.addressPrefixes[0]]"})])
    error = refused(client, rg, tpl)
    assert error.status_code == 400 and error.error.code == "InvalidTemplateDeployment"
    assert error.error.details[0].code == "ResourceNotFound"
    assert "Microsoft.Network/virtualNetworks/ghost' under resource group" in error.error.details[0].message
    nothing_written(fast, client, rg)


@pytest.mark.parametrize("resource, code", [
    ({"type": "Microsoft.Web/sites", "apiVersion": "2022-03-01", "name": "app", "location": "westeurope"},
     "NoRegisteredProviderFound"),
    ({**vnet(), "apiVersion": "1999-01-01"}, "NoRegisteredProviderFound"),
    ({"type": "Microsoft.Network/noSuchThings", "apiVersion": "2023-09-01", "name": "x", "location": "westeurope"},
     "InvalidResourceType"),
])
def test_types_and_api_versions_nobody_serves_fail_preflight(fast, client, resource, code):
    rg = new_group(fast)
    error = refused(client, rg, template([vnet("other"), resource]))
    assert error.error.code == "InvalidTemplateDeployment"
    assert [d.code for d in error.error.details] == [code]
    nothing_written(fast, client, rg)


def test_linked_templates_are_refused_offline(fast, client):
    rg = new_group(fast)
    with pytest.raises(HttpResponseError) as info:
        client.deployments.begin_create_or_update(rg, "linked", {"properties": {
            "templateLink": {"uri": "https://example.invalid/azuredeploy.json"}, "mode": "Incremental"}}).result()
    assert info.value.error.code == "InvalidContentLink"
    assert "https://example.invalid/azuredeploy.json" in info.value.error.message
    error = refused(client, rg, corpus("linked-template-parent"))
    assert error.error.code == "InvalidTemplate" and "Linked templates cannot be deployed offline" in error.error.message


def test_scope_and_name_errors(fast, client):
    with pytest.raises(HttpResponseError) as info:
        client.deployments.begin_create_or_update("no-such-group-here", "x", body(template())).result()
    assert info.value.status_code == 404 and info.value.error.code == "ResourceGroupNotFound"
    rg = new_group(fast)
    with pytest.raises(HttpResponseError) as info:
        client.deployments.begin_create_or_update(rg, "n" * 65, body(template())).result()
    assert info.value.error.code == "DeploymentNameLengthLimitExceeded"
    with pytest.raises(HttpResponseError) as info:
        client.deployments.begin_create_or_update(rg, "x", body(template(), mode="Sometimes")).result()
    assert info.value.error.code == "InvalidDeploymentMode"


def test_deployment_failed_names_each_failed_operation(fast, client):
    rg = new_group(fast)
    tpl = template([storage("badsku01", sku="Standard_XYZ"), vnet(depends=["badsku01"]), nsg()])
    error = refused(client, rg, tpl, name="fails")
    assert error.error.code == "DeploymentFailed"
    assert error.error.target.endswith(f"/resourceGroups/{rg}/providers/Microsoft.Resources/deployments/fails")
    assert [(d.code, "Standard_XYZ" in d.message) for d in error.error.details] == \
        [("InvalidValuesForRequestParameters", True)]
    deployment = client.deployments.get(rg, "fails")
    assert deployment.properties.provisioning_state == "Failed"
    assert deployment.properties.error.code == "DeploymentFailed"
    assert sorted(r.name for r in fast.resource.resources.list_by_resource_group(rg)) == ["nsg1"]   # vnet1 not tried
    operations = {o.properties.target_resource.resource_name: o for o in client.deployment_operations.list(rg, "fails")
                  if o.properties.target_resource}
    assert sorted(operations) == ["badsku01", "nsg1"]
    failed = operations["badsku01"].properties
    assert failed.provisioning_state == "Failed" and failed.status_code == "BadRequest"
    assert failed.status_message.error.code == "InvalidValuesForRequestParameters"


def test_a_failed_asynchronous_write_is_a_resource_deployment_failure(fast, client):
    rg = new_group(fast)
    fast.app.faults.update({"lro_failure_rate": 1.0}, reset=True)
    try:
        error = refused(client, rg, template([vnet()]), name="lrofail")
    finally:
        fast.app.faults.update({}, reset=True)
    assert error.error.code == "DeploymentFailed"
    detail = error.error.details[0]
    assert detail.code == "ResourceDeploymentFailure" and "terminal provisioning state 'Failed'" in detail.message
    assert detail.details[0].code == "InternalOperationError"


def test_outputs_that_cannot_be_evaluated(fast, client):
    rg = new_group(fast)
    tpl = template([vnet()], outputs={"nope": {"type": "string", "value": "[reference('vnet1').noSuchProperty]"}})
    error = refused(client, rg, tpl, name="outs")
    assert error.error.code == "DeploymentOutputEvaluationFailed"
    assert fast.network.virtual_networks.get(rg, "vnet1")


def _docker_template():
    """The quickstart's docker-simple-on-ubuntu, with the two changes today's Azure requires anyway (a Standard
    public IP is Static, Ubuntu 18.04 images are gone): what is left to fail is the retired Docker extension."""
    tpl = copy.deepcopy(corpus("docker-simple-on-ubuntu"))
    tpl["variables"]["publicIPAddressType"] = "Static"
    tpl["variables"]["imageOffer"] = "0001-com-ubuntu-server-jammy"
    tpl["parameters"]["ubuntuOSVersion"] = {"type": "string", "defaultValue": "22_04-lts-gen2"}
    return tpl


def test_the_retired_docker_extension_fails_as_on_azure(fast, client):
    rg = new_group(fast)
    parameters = {"adminUsername": {"value": "azureuser"}, "dnsNameForPublicIP": {"value": f"dock{rg[-8:]}"},
                  "adminPasswordOrKey": {"value": ssh_key()}, "vmSize": {"value": "Standard_B1s"}}
    error = refused(client, rg, _docker_template(), parameters, name="docker")
    assert error.error.code == "DeploymentFailed"
    detail = error.error.details[0]
    assert detail.code == "ArtifactNotFound"
    assert detail.message == ("Extension with publisher 'Microsoft.Azure.Extensions', type 'DockerExtension', and type "
                              "handler version '1.0' could not be found in the extension repository.")
    assert fast.compute.virtual_machines.get(rg, "MyDockerVM").provisioning_state == "Succeeded"
    with pytest.raises(HttpResponseError) as info:         # the same answer to a direct PUT
        fast.compute.virtual_machine_extensions.begin_create_or_update(rg, "MyDockerVM", "docker", {
            "location": "westeurope", "properties": {"publisher": "Microsoft.Azure.Extensions",
                                                     "type": "DockerExtension", "typeHandlerVersion": "1.0"}}).result()
    assert info.value.status_code == 404 and info.value.error.code == "ArtifactNotFound"
