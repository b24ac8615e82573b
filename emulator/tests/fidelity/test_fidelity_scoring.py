"""The fidelity harness's scoring, classification and rewriting, on synthetic exchanges (no emulator)."""

from types import SimpleNamespace

import gaps
import replay
import scoring
import sdk_operations
from scoring import Actual, Expected, score

VM_ID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm"


def nat_gateway(state="Succeeded", **extra):
    body = {"name": "nat", "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/natGateways/nat",
            "type": "Microsoft.Network/natGateways", "location": "eastus", "sku": {"name": "Standard"},
            "properties": {"provisioningState": state, "idleTimeoutInMinutes": 4,
                           "publicIpAddresses": [{"id": "/subscriptions/s/x/1"}, {"id": "/subscriptions/s/x/2"}]}}
    body.update(extra)
    return body


def test_a_matching_exchange_matches_on_every_criterion():
    expected = Expected(statuses=(201,), body=nat_gateway("Updating"), async_operation=True, location=False,
                        final_status="Succeeded")
    actual = Actual(status=201, body=nat_gateway("Updating"), async_operation=True, location=False,
                    final_status="Succeeded")
    result = score(expected, actual)
    assert (result.status, result.lro_headers, result.final_status, result.keys) == (True, True, True, True)
    assert result.matched and not result.notes


def test_a_mismatching_exchange_fails_each_criterion_with_a_reason():
    expected = Expected(statuses=(201,), body=nat_gateway("Updating"), async_operation=True, location=False,
                        final_status="Succeeded")
    body = nat_gateway("Updating", etag="W/1")
    del body["properties"]["idleTimeoutInMinutes"]
    actual = Actual(status=200, body=body, async_operation=True, location=True, final_status=None)
    result = score(expected, actual)
    assert not result.matched
    assert (result.status, result.lro_headers, result.final_status) == (False, False, False)
    assert result.keys is None  # keys are compared only when the status matches

    actual.status = 201
    result = score(expected, actual)
    assert result.keys is False
    assert result.missing == ["properties.idleTimeoutInMinutes"]
    assert result.extra == ["etag"]
    assert any("missing keys" in note for note in result.notes)


def test_key_paths_walk_arrays_by_union_and_skip_free_form_maps_and_next_link():
    hits = {}
    paths = scoring.key_paths({"value": [{"a": 1}, {"b": {"c": 2}}], "nextLink": "x",
                               "tags": {"anything": "goes"}}, hits=hits)
    assert paths == {"value", "value[].a", "value[].b", "value[].b.c", "tags"}
    assert hits == {"arrays-by-union": 1, "paging-nextlink": 1, "free-form-maps": 1}


def test_policy_content_of_the_recording_subscription_is_ignored_and_counted():
    recorded = {"id": VM_ID, "type": "Microsoft.Compute/virtualMachines", "tags": {"azsecpack": "nonprod"},
                "identity": {"type": "SystemAssigned"},
                "resources": [{"id": f"{VM_ID}/extensions/MDE.Linux"},
                              {"id": f"{VM_ID}/extensions/AzureMonitorLinuxAgent"}],
                "properties": {"vmId": "1"}}
    emulator = {"id": VM_ID, "type": "Microsoft.Compute/virtualMachines", "properties": {"vmId": "2"}}
    hits = {}
    result = score(Expected(statuses=(200,), body=recorded), Actual(status=200, body=emulator),
                   request={"location": "eastus"}, hits=hits)
    assert result.matched, result.notes
    assert hits["policy-tags"] == 1 and hits["policy-extensions"] == 1 and hits["policy-identity"] == 1


def test_policy_rules_keep_what_the_request_itself_sent():
    recorded = {"id": VM_ID, "type": "Microsoft.Compute/virtualMachines", "tags": {"azsecpack": "x", "team": "a"},
                "resources": [{"id": f"{VM_ID}/extensions/CustomScript"}]}
    stripped = scoring.strip_policy_content(recorded, {"tags": {"team": "a"}})
    assert stripped["tags"] == {"team": "a"}
    assert stripped["resources"] == [{"id": f"{VM_ID}/extensions/CustomScript"}]


def test_examples_need_one_listed_status_and_allow_extra_keys():
    expected = Expected(statuses=(200, 201), body={"id": "x", "name": "n", "properties": {"a": 1}}, mode="example")
    result = score(expected, Actual(status=201, body={"id": "x", "name": "n", "etag": "e", "properties": {"a": 2}}))
    assert result.matched and result.extra == []
    result = score(expected, Actual(status=202, body=None))
    assert not result.status


def test_generated_examples_require_only_what_was_sent_back_and_the_envelope():
    documented = {"id": "x", "name": "n", "properties": {"platformFaultDomainCount": 2, "statuses": [{"code": "c"}],
                                                        "scheduledEventsPolicy": {"a": {"b": True}}}}
    request = {"location": "westus", "properties": {"platformFaultDomainCount": 2}}
    hits = {}
    expected = Expected(statuses=(200,), body=documented, mode="example-envelope")
    good = score(expected, Actual(status=200, body={"id": "x", "name": "n",
                                                     "properties": {"platformFaultDomainCount": 2}}), request, hits)
    assert good.matched and hits["example-echo-envelope"] == 1
    dropped = score(expected, Actual(status=200, body={"id": "x", "name": "n", "properties": {}}), request)
    assert dropped.missing == ["properties.platformFaultDomainCount"]


def test_write_only_secrets_are_not_required_back():
    expected = Expected(statuses=(200,), body={"properties": {"publisher": "p", "protectedSettings": {"k": 1}}},
                        mode="example")
    hits: dict[str, int] = {}
    result = score(expected, Actual(status=200, body={"properties": {"publisher": "p"}}), hits=hits)
    assert result.matched and hits["write-only-secrets"] == 1


def test_error_answers_compare_error_codes():
    expected = Expected(statuses=(404,), body={"error": {"code": "ResourceNotFound"}}, error_code="ResourceNotFound")
    assert score(expected, Actual(status=404, error_code="ResourceNotFound")).matched
    result = score(expected, Actual(status=404, error_code="NotFound"))
    assert result.keys is False and not result.matched


def _op(expected, actual, request=None, path=VM_ID, method="PUT"):
    return SimpleNamespace(expected=expected, actual=actual, score=score(expected, actual, request), request=request,
                           method=method, rtype=gaps.resource_type(path), seed_failures=[], source="test")


def test_gaps_are_classified_by_kind():
    expected = Expected(statuses=(200,), body={"properties": {"extensionsTimeBudget": "PT30M", "vmId": "1"}})
    op = _op(expected, Actual(status=200, body={"properties": {}}),
             request={"properties": {"extensionsTimeBudget": "PT30M"}})
    kinds = dict(gaps.classify(op))
    assert kinds == {"property dropped": "Microsoft.Compute/virtualMachines: properties.extensionsTimeBudget",
                     "property Azure computes missing": "Microsoft.Compute/virtualMachines: properties.vmId"}
    missing = _op(Expected(statuses=(201,)), Actual(status=404, error_code="InvalidResourceType"),
                  path="/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/natGateways/n")
    assert gaps.classify(missing) == [("missing operation/resource type", "PUT Microsoft.Network/natGateways")]
    catalogue = _op(Expected(statuses=(200, 201)), Actual(status=404, error_code="PlatformImageNotFound",
                                                          error_message="The platform image 'a:b:c' ..."))
    assert gaps.classify(catalogue)[0][0] == "catalogue too small"
    protocol = _op(Expected(statuses=(202,), async_operation=True, location=True, final_status="Succeeded"),
                   Actual(status=201, async_operation=True, location=True, final_status="Succeeded"))
    assert gaps.classify(protocol) == [("protocol detail", "PUT Microsoft.Compute/virtualMachines: status 201, "
                                                           "Azure 202")]


def test_an_error_answer_is_one_gap_not_three():
    missing = _op(Expected(statuses=(201,), async_operation=True, final_status="Succeeded"),
                  Actual(status=404, error_code="InvalidResourceType"),
                  path="/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/routeTables/r")
    assert gaps.classify(missing) == [("missing operation/resource type", "PUT Microsoft.Network/routeTables")]


def test_payoff_themes_merge_a_missing_type_with_its_children_and_set_up_failures():
    group = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/routeTables/r"
    parent = _op(Expected(statuses=(201,)), Actual(status=404, error_code="InvalidResourceType"), path=group)
    child = _op(Expected(statuses=(200,)), Actual(status=404, error_code="InvalidResourceType"),
                path=group + "/routes/x", method="GET")
    seeded = _op(Expected(statuses=(200,)), Actual(status=404, error_code="ResourceNotFound"),
                 path=group, method="GET")
    seeded.seed_failures = ["microsoft.network/routetables: 404 InvalidResourceType"]
    size = _op(Expected(statuses=(200, 201)), Actual(
        status=400, error_code="InvalidParameter",
        error_message="The value Standard_D1_v2 provided for the VM size is not valid."))
    ranked = gaps.by_payoff([parent, child, seeded, size])
    assert [(kind, name, count) for kind, name, count, _ in ranked] == [
        ("missing operation/resource type", "Microsoft.Network/routeTables", 3),
        ("catalogue too small", "VM size catalogue", 1)]


def test_resource_types_keep_the_trailing_action():
    assert gaps.resource_type(VM_ID + "/restart?api-version=1") == "Microsoft.Compute/virtualMachines/restart"
    assert gaps.resource_type("/subscriptions/s/resourcegroups/g") == "Microsoft.Resources/resourceGroups"


def test_recorded_requests_move_to_the_emulators_subscription_and_own_groups():
    rewriter = replay.Rewriter("sub-1", "fid-x")
    assert rewriter.path("/subscriptions/0000/resourceGroups/rgname/providers/A/b/c") == \
        "/subscriptions/sub-1/resourceGroups/fid-x-rgname/providers/A/b/c"
    body = rewriter.value({"id": "subscriptions/{subscription-id}/resourceGroups/RG/providers/A/b/{existing-nic}",
                           "name": "{not an id}"})
    assert body == {"id": "/subscriptions/sub-1/resourceGroups/fid-x-rg/providers/A/b/existing-nic",
                    "name": "{not an id}"}


def test_the_proxy_stores_top_level_arrays_as_lines():
    assert replay._parse_body(["[\r\n", '  {"a": 1}\r\n', "]"]) == [{"a": 1}]


def test_spec_operations_come_from_the_installed_sdk():
    operation = sdk_operations.lookup("VirtualMachines_Get")
    assert operation.method == "GET" and "$expand" in operation.query
    assert operation.path_parameters == ["subscriptionId", "resourceGroupName", "vmName"]
    assert sdk_operations.lookup("Disks_GrantAccess").url.endswith("/beginGetAccess")
