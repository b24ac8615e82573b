# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Template and parameter sources of arm_deployment: files, inline dicts, parameters files, merge order,
secure values, names and fingerprints; every error before any Azure call."""

from __future__ import annotations

import json

import pytest

from ansible_collections.dockyard.azure.plugins.module_utils.azure.deployments.sources import (
    DeploymentSourceError,
    default_name,
    load_source,
    parameter_entries,
    strip_json_comments,
)

TEMPLATE = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {"size": {"type": "string"}, "password": {"type": "securestring"},
                           "settings": {"type": "secureObject"}},
            "resources": []}


def params(**given):
    base = {"template": None, "template_file": None, "parameters": {}, "parameters_file": None, "secure_parameters": {}}
    base.update(given)
    return base


def test_file_with_comments_and_a_parameters_file(tmp_path):
    (tmp_path / "azuredeploy.json").write_text("// a quickstart\n" + json.dumps(TEMPLATE, indent=2).replace(
        '"resources"', '/* none yet */ "resources"'))
    (tmp_path / "azuredeploy.parameters.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0", "parameters": {"size": {"value": "small"}, "password": {"value": "from-file"}}}))
    source = load_source(params(template_file=str(tmp_path / "azuredeploy.json"),
                                parameters_file=str(tmp_path / "azuredeploy.parameters.json"),
                                parameters={"size": "large"}, secure_parameters={"password": {"value": "s3cret-pass"}}))
    assert source.template == TEMPLATE
    assert source.parameters == {"size": {"value": "large"}, "password": {"value": "s3cret-pass"}}
    assert source.secure_values() == {"s3cret-pass"}
    assert source.public_parameters() == {"size": "large"}
    assert default_name(source) == "ansible-azuredeploy"


def test_secure_object_values_and_key_vault_references():
    source = load_source(params(template=TEMPLATE, parameters={
        "settings": {"value": {"token": "abc123", "nested": ["x-secret"]}},
        "password": {"reference": {"keyVault": {"id": "/subscriptions/s/kv"}, "secretName": "pw"}}}))
    assert source.parameters["password"] == {"reference": {"keyVault": {"id": "/subscriptions/s/kv"}, "secretName": "pw"}}
    assert source.secure_values() == {"abc123", "x-secret"}


def test_plain_and_wrapped_values_and_a_plain_parameters_document():
    assert parameter_entries({"a": 1, "b": {"value": 2}, "c": {"value": 3, "metadata": {}}, "d": {"x": 1}},
                             "parameters") == {"a": {"value": 1}, "b": {"value": 2}, "c": {"value": 3},
                                               "d": {"value": {"x": 1}}}
    with pytest.raises(DeploymentSourceError) as info:
        parameter_entries(["a"], "parameters")
    assert info.value.option == "parameters"


def test_inline_templates_get_a_stable_name_and_a_fingerprint():
    first = load_source(params(template=TEMPLATE, parameters={"size": "s"}))
    again = load_source(params(template=json.loads(json.dumps(TEMPLATE)), parameters={"size": {"value": "s"}}))
    assert default_name(first) == default_name(again) and default_name(first).startswith("ansible-inline-")
    assert first.fingerprint("Incremental") == again.fingerprint("incremental")
    assert first.fingerprint("Incremental") != first.fingerprint("Complete")
    other = load_source(params(template=TEMPLATE, parameters={"size": "m"}))
    assert other.fingerprint("Incremental") != first.fingerprint("Incremental")
    secret = load_source(params(template=TEMPLATE, parameters={"size": "s", "password": "one"}))
    changed = load_source(params(template=TEMPLATE, parameters={"size": "s", "password": "two"}))
    assert secret.fingerprint("Incremental") == changed.fingerprint("Incremental")   # secrets are not part of it


@pytest.mark.parametrize("given, option, text", [
    (dict(template=TEMPLATE, template_file="x.json"), "template", "not both"),
    (dict(), "template_file", "One of template or template_file is required"),
    (dict(template="{\"resources\": [,]}"), "template", "InvalidTemplate: the template is not valid JSON (line 1, column 16)"),
    (dict(template={"parameters": {}}), "template", "has no 'resources' section"),
    (dict(template_file="/nonexistent/azuredeploy.json"), "template_file", "no such file"),
])
def test_errors_name_the_option(given, option, text):
    with pytest.raises(DeploymentSourceError) as info:
        load_source(params(**given))
    assert info.value.option == option
    assert text in info.value.msg


def test_syntax_error_in_a_file_cites_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "resources": [\n    {"type": "x",, }\n  ]\n}\n')
    with pytest.raises(DeploymentSourceError) as info:
        load_source(params(template_file=str(path)))
    assert info.value.msg.startswith("InvalidTemplate: the template file '%s' is not valid JSON (line 3, column 18)" % path)
    assert info.value.extra["error_code"] == "InvalidTemplate"


def test_bicep_files_must_be_compiled_first(tmp_path):
    path = tmp_path / "main.bicep"
    path.write_text("param location string = resourceGroup().location\n")
    with pytest.raises(DeploymentSourceError) as info:
        load_source(params(template_file=str(path)))
    assert "bicep build" in info.value.msg


def test_comment_stripping_keeps_strings_and_positions():
    text = '{"url": "https://x//y", /* c\nd */ "a": 1} // end'
    stripped = strip_json_comments(text)
    assert json.loads(stripped) == {"url": "https://x//y", "a": 1}
    assert len(stripped) == len(text) and stripped.count("\n") == 1
