# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dockyard.azure.vms through ansible-inventory against the emulator: groups, host names, filters, the
number of ARM calls (from the emulator's request log), the cache, bad configurations, unreachable groups."""

from __future__ import annotations

import math
import time

import pytest
from conftest import FLEET_GROUPS, FLEET_VMS, paths

from dockyard_emulator.fleet import FleetSpec, create_fleet, vm_tags

COMPUTE_API = "2024-07-01"
LISTINGS = ["GET Microsoft.Compute/virtualMachines", "GET Microsoft.Network/networkInterfaces",
            "GET Microsoft.Network/publicIPAddresses"]


def expected(spec, keep=lambda index, tags, group: True):
    """Names of the fleet's VMs that `keep(index, tags, group index)` accepts."""
    return sorted(spec.vm_name(index) for index in range(spec.vms) if keep(index, vm_tags(spec, index), index % spec.groups))


def mine(run, spec):
    return [host for host in run.hosts if host.startswith(spec.prefix)]


def test_groups_from_tags_keyed_groups_and_conditions(inventory, fleet_emulator):
    spec = fleet_emulator.fleet
    run = inventory("""
        include_resource_groups: ["%s-*"]
        keyed_groups:
          - key: azure_tags
            prefix: tag
          - key: azure_location
            prefix: loc
          - key: azure_resource_group
            prefix: rg
            separator: "_"
        groups:
          web_prod: azure_tags.role == 'web' and azure_tags.env == 'prod'
        compose:
          ansible_host: azure_private_ip
    """ % spec.prefix)
    assert run.returncode == 0, run.stderr
    assert run.hosts == expected(spec)
    assert run.group("tag_role_web") == expected(spec, lambda i, tags, g: tags["role"] == "web")
    assert run.group("tag_env_dev") == expected(spec, lambda i, tags, g: tags["env"] == "dev")
    assert run.group("loc_northeurope") == expected(spec, lambda i, tags, g: g % 2 == 1)
    assert run.group("rg_%s_rg2" % spec.prefix) == expected(spec, lambda i, tags, g: g == 2)
    assert run.group("web_prod") == expected(spec, lambda i, tags, g: tags == {"role": "web", "env": "prod"})
    variables = run.inventory["_meta"]["hostvars"][spec.vm_name(2)]
    assert variables["azure_power_state"] == "running" and variables["azure_provisioning_state"] == "Succeeded"
    assert variables["azure_public_ip"] and variables["azure_fqdn"] == "%s.westeurope.cloudapp.azure.com" % spec.vm_name(2)
    assert variables["ansible_host"] == variables["azure_private_ip"] != variables["azure_public_ip"]  # compose
    assert variables["ansible_user"] == "azureuser" and variables["azure_image"] == "Debian:debian-12:12-gen2:latest"
    assert variables["azure_os_type"] == "Linux" and variables["azure_size"] == "Standard_B1s"
    assert variables["azure_tags"] == vm_tags(spec, 2) and variables["azure_resource_group"] == spec.group_name(2)
    graph = inventory("include_resource_groups: ['%s-*']\nkeyed_groups: [{key: azure_location, prefix: loc}]\n" % spec.prefix,
                      "--graph")
    assert "@loc_westeurope:" in graph.stdout and "|--%s" % spec.vm_name(0) in graph.stdout


def test_three_arm_calls_for_the_subscription_whatever_the_number_of_vms(inventory, fleet_emulator):
    first = inventory("")
    assert paths(first.arm_calls) == LISTINGS, first.stderr
    assert "statusOnly=true" in first.arm_calls[0]["query"]
    before = len(first.hosts)
    extra = FleetSpec(prefix=fleet_emulator.fleet.prefix + "x", vms=15, groups=1, public_ip_every=1, workers=8)
    create_fleet(fleet_emulator.env, extra)
    second = inventory("")
    assert len(second.hosts) == before + 15
    assert paths(second.arm_calls) == LISTINGS


def test_pages_are_followed(inventory, fleet_emulator):
    """With pages of at most 7 items (Compute: 7 VMs of each region per page) every VM comes, in as many
    requests as ARM's pages take."""
    fleet_emulator.set_faults(max_page_size=7)
    try:
        run = inventory("")
    finally:
        fleet_emulator.reset_faults()
    listed = {name: sum(1 for call in run.arm_calls if paths([call])[0] == name) for name in LISTINGS}
    vms = run.inventory["_meta"]["hostvars"].values()
    per_location = max(sum(1 for vm in vms if vm["azure_location"] == location) for location in ("westeurope", "northeurope"))
    with_ip = sum(1 for vm in vms if vm["azure_public_ip"])
    assert listed == {LISTINGS[0]: math.ceil(per_location / 7), LISTINGS[1]: math.ceil(len(vms) / 7),
                      LISTINGS[2]: math.ceil(with_ip / 7)}, paths(run.arm_calls)
    assert all("$skiptoken" in call["query"] for call in run.arm_calls if call is not run.arm_calls[0] and
               paths([call])[0] == LISTINGS[0])
    assert set(expected(fleet_emulator.fleet)) <= set(run.hosts)


def test_hostnames_in_order_of_preference(inventory, fleet_emulator):
    spec = fleet_emulator.fleet
    run = inventory("""
        include_resource_groups: ["%s-rg0", "%s-rg1"]
        hostnames:
          - fqdn
          - "azure_tags.role ~ '-' ~ azure_name[-4:] if azure_tags.env == 'dev' else ''"
          - computer_name
    """ % (spec.prefix, spec.prefix))
    names = []
    for index in [i for i in range(spec.vms) if i % spec.groups in (0, 1)]:  # rg0: all with a public IP, rg1: none
        tags = vm_tags(spec, index)
        if index % 2 == 0:
            names.append("%s.westeurope.cloudapp.azure.com" % spec.vm_name(index))
        elif tags["env"] == "dev":
            names.append("%s-%s" % (tags["role"], spec.vm_name(index)[-4:]))
        else:
            names.append(spec.vm_name(index))
    assert run.hosts == sorted(names)
    by_ip = inventory('include_resource_groups: ["%s-rg1"]\nhostnames: [public_ip, private_ip]\n' % spec.prefix)
    assert all(host.replace(".", "").isdigit() for host in by_ip.hosts) and len(by_ip.hosts) == FLEET_VMS // FLEET_GROUPS


def test_filters_groups_tags_locations(inventory, fleet_emulator):
    spec = fleet_emulator.fleet
    named = inventory('include_resource_groups: ["%s-rg1", "%s-rg2"]\nexclude_tags: ["env:dev"]\n' % (spec.prefix, spec.prefix))
    assert named.hosts == expected(spec, lambda i, tags, g: g in (1, 2) and tags["env"] != "dev")
    # Named groups are listed one by one: VMs, NICs and, where the VMs have some, public IPs (rg1's VMs have none).
    assert paths(named.arm_calls) == LISTINGS[:2] + LISTINGS
    assert all("resourceGroups/%s-rg" % spec.prefix in call["path"] for call in named.arm_calls)
    assert "%24expand=instanceView" in named.arm_calls[0]["query"] or "$expand=instanceView" in named.arm_calls[0]["query"]
    tagged = inventory("""
        include_resource_groups: ["%s-*"]
        exclude_resource_groups: ["*-rg3"]
        include_tags: ["role:w*", {env: prod}]
        include_locations: [West Europe]
    """ % spec.prefix)
    assert tagged.hosts == expected(spec, lambda i, tags, g: g != 3 and tags == {"role": "web", "env": "prod"} and g % 2 == 0)
    assert paths(tagged.arm_calls) == LISTINGS  # a pattern: the subscription, filtered


def test_power_state_filter(inventory, fleet_emulator, arm):
    spec = FleetSpec(prefix=fleet_emulator.fleet.prefix + "p", vms=4, groups=1, workers=4)
    create_fleet(fleet_emulator.env, spec)
    for index in (1, 2):
        status, body = arm.call("POST", "/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s/deallocate"
                                % (spec.group_name(0), spec.vm_name(index)), COMPUTE_API)
        assert status == 202, body
    config = 'include_resource_groups: ["%s"]\n' % spec.group_name(0)
    running = inventory(config + "exclude_power_states: [deallocated, deallocating]\n")
    assert running.hosts == [spec.vm_name(0), spec.vm_name(3)]
    stopped = inventory(config + "include_power_states: [deallocated, deallocating]\n")
    assert stopped.hosts == [spec.vm_name(1), spec.vm_name(2)]
    assert {stopped.inventory["_meta"]["hostvars"][name]["azure_power_state"] for name in stopped.hosts} <= {
        "deallocated", "deallocating"}


def test_cache_hit_makes_no_call_and_flush_cache_refreshes(inventory, fleet_emulator, tmp_path):
    spec = fleet_emulator.fleet
    config = """
        include_resource_groups: ["%s-rg0"]
        cache: true
        cache_plugin: ansible.builtin.jsonfile
        cache_connection: %s
        cache_timeout: 3600
    """ % (spec.prefix, tmp_path / "cache")
    first = inventory(config)
    assert len(first.arm_calls) == 3 and first.hosts == expected(spec, lambda i, tags, g: g == 0)
    second = inventory(config)
    assert second.requests == [] and second.hosts == first.hosts  # not even a token request
    assert second.inventory["_meta"]["hostvars"] == first.inventory["_meta"]["hostvars"]
    flushed = inventory(config, "--list", "--flush-cache")
    assert len(flushed.arm_calls) == 3 and flushed.hosts == first.hosts
    time.sleep(1.2)
    expired = inventory(config.replace("cache_timeout: 3600", "cache_timeout: 1"))
    assert len(expired.arm_calls) == 3  # older than the timeout: read again


@pytest.mark.parametrize("config, words", [
    ("include_vm_resource_groups: [x]\n", "unknown option include_vm_resource_groups (did you mean include_resource_groups?)"),
    ("include_tags: [':web']\n", "include_tags: ':web' has no tag name"),
    ("client_secret: not-the-secret\n", "Authentication failed, check client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET): "
                                        "AADSTS7000215"),
])
def test_bad_config_is_one_line_naming_the_option(inventory, config, words):
    run = inventory(config, env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"})
    assert run.returncode != 0
    message = run.plugin_failure()
    assert message.startswith("dockyard.azure.vms: ") and words in message, message
    assert run.arm_calls == []
    assert "Traceback" not in run.stderr


def test_unreachable_group_is_a_warning(inventory, fleet_emulator):
    spec = fleet_emulator.fleet
    run = inventory('include_resource_groups: ["%s-rg0", "no-such-group"]\n' % spec.prefix)
    assert run.returncode == 0
    assert run.hosts == expected(spec, lambda i, tags, g: g == 0)
    warning = [line for line in run.stderr.splitlines() if "no-such-group" in line]
    assert warning and "include_resource_groups: resource group 'no-such-group' skipped" in warning[0]
    assert "ResourceGroupNotFound" in warning[0]


def test_throttling_and_server_errors_are_retried(inventory, fleet_emulator):
    fleet_emulator.set_faults(throttle_rate=0.3, error_rate=0.1, seed=7, retry_after=1)
    try:
        run = inventory('include_resource_groups: ["%s-rg0", "%s-rg1"]\n' % ((fleet_emulator.fleet.prefix,) * 2))
    finally:
        fleet_emulator.reset_faults()
    assert run.returncode == 0, run.stderr
    assert run.hosts == expected(fleet_emulator.fleet, lambda i, tags, g: g in (0, 1))
    faults = [call for call in run.arm_calls if call["fault"]]
    assert faults and {call["status"] for call in faults} <= {429, 500, 503}
    answered = [call for call in run.arm_calls if call["status"] == 200]
    assert paths(answered) == LISTINGS + LISTINGS[:2]  # every listing answered once, after its retries
