# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What-if results as arm_deployment reports them: changes, whether anything changes, failures with the
template path, the diff, plain outputs and masked secrets."""

from __future__ import annotations

from ansible_collections.dockyard.azure.plugins.module_utils.azure.deployments.changes import (
    diff,
    is_changing,
    mask,
    plain_outputs,
    summary,
    what_if_changes,
    what_if_failure,
)

VNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet1"
NSG = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg1"
RESULT = {"status": "Succeeded", "properties": {"changes": [
    {"resourceId": VNET, "changeType": "Modify", "before": {"name": "vnet1", "etag": "W/1"},
     "after": {"name": "vnet1", "tags": {"env": "prod"}},
     "delta": [{"path": "tags.env", "propertyChangeType": "Create", "after": "prod"},
               {"path": "properties.subnets", "propertyChangeType": "Array", "children": [
                   {"path": "0", "propertyChangeType": "Modify", "children": [
                       {"path": "properties.addressPrefix", "propertyChangeType": "Modify", "before": "10.0.0.0/24",
                        "after": "10.0.1.0/24"}]}]}]},
    {"resourceId": NSG, "changeType": "Delete", "before": {"name": "nsg1", "provisioningState": "Succeeded"}},
    {"resourceId": NSG + "2", "changeType": "NoChange", "before": {}, "after": {}}]}}


def test_changes_flatten_the_deltas():
    changes = what_if_changes(RESULT)
    assert [(c["resource_id"], c["change_type"]) for c in changes] == [(VNET, "Modify"), (NSG, "Delete"),
                                                                       (NSG + "2", "NoChange")]
    assert changes[0]["delta"] == [
        {"path": "tags.env", "change_type": "Create", "before": None, "after": "prod"},
        {"path": "properties.subnets[0].properties.addressPrefix", "change_type": "Modify", "before": "10.0.0.0/24",
         "after": "10.0.1.0/24"}]
    assert summary(changes) == {"Modify": 1, "Delete": 1, "NoChange": 1}


def test_only_no_change_and_ignore_change_nothing():
    assert is_changing(what_if_changes(RESULT))
    quiet = {"properties": {"changes": [{"resourceId": VNET, "changeType": "NoChange"},
                                        {"resourceId": NSG, "changeType": "Ignore"}]}}
    assert not is_changing(what_if_changes(quiet))
    for kind in ("Create", "Deploy", "Unsupported"):
        assert is_changing(what_if_changes({"properties": {"changes": [{"resourceId": VNET, "changeType": kind}]}}))


def test_diff_per_resource():
    assert diff(RESULT) == {
        "before": {VNET: {"properties.subnets[0].properties.addressPrefix": "10.0.0.0/24"}, NSG: {"name": "nsg1"}},
        "after": {VNET: {"tags.env": "prod", "properties.subnets[0].properties.addressPrefix": "10.0.1.0/24"}}}


def test_failure_with_the_template_path():
    failure = what_if_failure({"status": "Failed", "error": {
        "code": "InvalidTemplate", "message": "The value for the template parameter 'size' is not provided.",
        "additionalInfo": [{"type": "TemplateViolation", "info": {
            "lineNumber": 1, "linePosition": 172, "path": "properties.template.parameters.size"}}]}})
    assert failure == {"code": "InvalidTemplate", "message": "The value for the template parameter 'size' is not provided.",
                       "path": "parameters.size", "line": 1, "column": 172}
    assert what_if_failure(RESULT) is None
    details = what_if_failure({"status": "Failed", "error": {"code": "InvalidTemplateDeployment", "message": "Bad.",
                                                             "details": [{"code": "ResourceNotFound", "message": "gone"}]}})
    assert details["message"] == "Bad. Details: ResourceNotFound: gone" and details["path"] is None


def test_outputs_and_masks():
    assert plain_outputs({"host": {"type": "String", "value": "h"}, "secret": {"type": "SecureString"}}) == {"host": "h"}
    assert mask({"a": ["pw", "prefix-longsecret1-suffix"], "b": 1}, {"pw", "longsecret1"}) == \
        {"a": ["VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", "prefix-********-suffix"], "b": 1}
