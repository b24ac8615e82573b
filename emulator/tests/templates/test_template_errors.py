"""Bad templates and parameters fail with ARM's error code, wording and template position,
before anything is written."""

import json

import pytest
from template_helpers import GROUP_ID, FakeStore, corpus_parameters, corpus_text, deployment

from dockyard_emulator.templates import TemplateError, deployment_failed, invalid_template_deployment


def _fails(template, parameters=None, store=None):
    store = store or FakeStore()
    with pytest.raises(TemplateError) as caught:
        deployment(template, parameters, store).validate()
    assert store.puts == []
    return caught.value


def _vm_parameters(**changes):
    parameters = corpus_parameters("vm-simple-linux")
    for name, value in changes.items():
        if value is None:
            parameters.pop(name, None)
        else:
            parameters[name] = {"value": value}
    return parameters


def _storage(name="st1", **extra):
    return {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2022-09-01", "name": name, "location": "eastus",
            **extra}


def test_json_syntax_error_cites_line_and_position():
    text = '{\n  "resources": [\n    {"name": "a" "type": "b"}\n  ]\n}'
    error = _fails(text)
    assert error.code == "InvalidTemplate"
    assert error.message == ("Deployment template parse failed: 'After parsing a value an unexpected character was "
                             "encountered: \". Path 'resources[0].name', line 3, position 18.'.")


def test_expression_syntax_error_cites_the_resource():
    template = '{\n  "resources": [\n    {\n      "type": "Microsoft.Storage/storageAccounts",\n' \
               '      "apiVersion": "2022-09-01",\n      "name": "[concat(\'a\',]"\n    }\n  ]\n}'
    error = _fails(template)
    assert error.message.startswith("Deployment template validation failed: 'The template resource '[concat('a',]' "
                                    "at line '3' and column '5' is not valid: Unable to parse language expression")


def test_unknown_function():
    error = _fails({"resources": [_storage(tags={"t": "[foo('x')]"})]})
    assert error.code == "InvalidTemplate"
    assert "The template resource 'st1' at line '3' and column '5' is not valid: The template function 'foo' is not " \
           "valid.. Please see https://aka.ms/arm-functions for usage details." in error.message


def test_missing_parameter_with_its_position():
    error = _fails(corpus_text("vm-simple-linux"), _vm_parameters(adminUsername=None))
    assert error.code == "InvalidTemplate"
    assert error.message == ("Deployment template validation failed: 'The value for the template parameter 'adminUsername' "
                             "at line '19' and column '22' is not provided. Please see "
                             "https://aka.ms/arm-create-parameter-file for usage details.'.")


def test_value_outside_allowed_values():
    error = _fails(corpus_text("vm-simple-linux"), _vm_parameters(ubuntuOSVersion="Ubuntu-1604"))
    assert error.message == ("Deployment template validation failed: 'The provided value 'Ubuntu-1604' for the template "
                             "parameter 'ubuntuOSVersion' at line '49' and column '24' is not valid. The parameter value is "
                             "not part of the allowed value(s): 'Ubuntu-1804,Ubuntu-2004,Ubuntu-2204'.'.")


def test_parameter_not_in_the_template():
    error = _fails(corpus_text("storage-account-create"), {"storageAccountTyp": {"value": "Standard_LRS"}})
    assert "The template parameters 'storageAccountTyp' in the parameters file are not valid; they are not present in " \
           "the original template" in error.message


def test_parameter_of_the_wrong_type():
    error = _fails(corpus_text("container-registry"), {"acrName": {"value": "dockyardacr"}, "acrAdminUserEnabled": {"value": [1]}})
    assert "Template parameter JToken type is not valid. Expected 'Boolean'. Actual 'Array'." in error.message


def test_parameter_shorter_than_min_length():
    error = _fails(corpus_text("container-registry"), {"acrName": {"value": "acr"}})
    assert "The provided value for the template parameter 'acrName' at line '12' and column '16' is not valid. " \
           "Length of the value should be greater than or equal to '5'." in error.message


def test_parameter_above_max_value():
    error = _fails(corpus_text("serial-copy-storage"), {"storageCount": {"value": 7}})
    assert "The value must be less than or equal to '6'." in error.message


def test_secure_values_never_appear_in_errors():
    template = {"parameters": {"secret": {"type": "securestring", "allowedValues": ["a"]}}, "resources": []}
    error = _fails(template, {"secret": {"value": "hunter2-do-not-show"}})
    assert "hunter2" not in error.message and "The provided value for the template parameter 'secret'" in error.message


def test_depends_on_cycle():
    template = {"resources": [_storage("a", dependsOn=["b"]), _storage("b", dependsOn=["c"]), _storage("c", dependsOn=["a"])]}
    error = _fails(template)
    assert error.code == "InvalidTemplate"
    assert error.message.startswith("Deployment template validation failed: 'Circular dependency detected on resource: "
                                    f"'{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/")
    assert error.message.count("storageAccounts/") == 3


def test_implicit_dependency_cycle_through_reference():
    template = {"resources": [_storage("a", properties={"x": "[reference('b').y]"}),
                              _storage("b", properties={"x": "[reference('a').y]"})]}
    assert "Circular dependency detected" in _fails(template).message


def test_depends_on_a_resource_not_in_the_template():
    error = _fails({"resources": [_storage("a", dependsOn=["[resourceId('Microsoft.Network/virtualNetworks', 'nope')]"])]})
    assert error.message == (f"Deployment template validation failed: 'The resource '{GROUP_ID}/providers/"
                             "Microsoft.Network/virtualNetworks/nope' is not defined in the template. Please see "
                             "https://aka.ms/arm-syntax for usage details.'.")


def test_reference_by_name_to_a_resource_not_in_the_template():
    error = _fails({"resources": [_storage("a", properties={"x": "[reference('missing').y]"})]})
    assert "The template resource 'a' at line '3' and column '5' is not valid: The template reference 'missing' is not " \
           "valid: could not find template resource or resource copy with this name." in error.message


def test_reference_by_id_to_a_missing_resource_fails_in_preflight():
    template = {"resources": [_storage("a", properties={"x": "[reference(resourceId('Microsoft.Storage/storageAccounts', 'gone'), '2022-09-01').y]"})]}
    error = _fails(template)
    assert error.code == "ResourceNotFound"
    assert error.message == ("The Resource 'Microsoft.Storage/storageAccounts/gone' under resource group 'rg-templates' was "
                             "not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")


def test_reference_to_an_existing_resource_outside_the_template_is_read():
    store = FakeStore()
    store.put({"id": f"{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/old", "name": "old",
               "type": "Microsoft.Storage/storageAccounts", "properties": {}})
    template = {"resources": [_storage("a", tags={"x": "[reference(resourceId('Microsoft.Storage/storageAccounts', 'old')).primaryEndpoints.blob]"})]}
    dep = deployment(template, store=store)
    dep.validate()
    assert dep.evaluate(dep.resources[0])["tags"] == {"x": "https://old.blob.core.windows.net/"}


def test_utc_now_outside_parameter_defaults_is_refused_at_validation():
    error = _fails({"resources": [_storage(tags={"when": "[utcNow()]"})]})
    assert "The template function 'utcNow' is not expected at this location. The function can only be used with " \
           "parameter default values." in error.message


def test_reference_in_a_resource_name_is_not_expected():
    error = _fails({"resources": [_storage("a"), _storage("[reference('a').x]")]})
    assert "The template function 'reference' is not expected at this location." in error.message


def test_incorrect_segment_lengths():
    error = _fails({"resources": [{"type": "Microsoft.Web/serverfarms", "apiVersion": "2022-03-01", "name": "appPlan/myHostingPlanName"}]})
    assert "'The template resource 'appPlan/myHostingPlanName' for type 'Microsoft.Web/serverfarms' at line '3' and column " \
           "'5' has incorrect segment lengths." in error.message


def test_resource_defined_twice():
    error = _fails({"resources": [_storage("a"), _storage("a")]})
    assert f"The resource '{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/a' at line '9' and column '5' is " \
           "defined multiple times in a template." in error.message


def test_circular_variables():
    error = _fails({"variables": {"a": "[variables('b')]", "b": "[variables('a')]"}, "resources": []})
    assert "is involved in a circular reference" in error.message


def test_copy_index_outside_a_copy_loop():
    error = _fails({"resources": [_storage("[concat('st', copyIndex())]")]})
    assert "The template function 'copyIndex' is not expected at this location." in error.message


def test_missing_resources_section():
    assert "Required property 'resources' not found" in _fails({"parameters": {}}).message


def test_error_bodies_for_the_http_layer():
    inner = TemplateError("ResourceNotFound", "gone")
    body = invalid_template_deployment("dep1", [inner], "trk").to_error()
    assert body == {"code": "InvalidTemplateDeployment",
                    "message": "The template deployment 'dep1' is not valid according to the validation procedure. "
                               "The tracking id is 'trk'. See inner errors for details.",
                    "details": [{"code": "ResourceNotFound", "message": "gone"}]}
    failed = deployment_failed([TemplateError("Conflict", "busy")]).to_error()
    assert failed["code"] == "DeploymentFailed" and failed["details"] == [{"code": "Conflict", "message": "busy"}]
    assert json.dumps(failed)
