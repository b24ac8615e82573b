"""List operations page like ARM (nextLink with a $skiptoken), walked by the unmodified SDK pagers; the fleet
helper makes hundreds of VMs with plain ARM calls."""

import base64
import collections
import urllib.error
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from dockyard_emulator.fleet import FleetSpec, create_fleet

COMPUTE_API = "2024-07-01"
NETWORK_API = "2024-05-01"


def env_of(fast):
    identity = fast.app.identity
    return {"AZURE_ARM_ENDPOINT": fast.url, "AZURE_AUTHORITY_HOST": fast.url, "AZURE_TENANT_ID": identity["tenant_id"],
            "AZURE_CLIENT_ID": identity["client_id"], "AZURE_CLIENT_SECRET": identity["client_secret"],
            "AZURE_SUBSCRIPTION_ID": identity["subscription_id"], "REQUESTS_CA_BUNDLE": fast.bundle}


@pytest.fixture
def page_cap(fast):
    """Cap the page size of every listing for one test (the max_page_size fault setting)."""
    yield lambda size: fast.app.faults.update({"max_page_size": size})
    fast.app.faults.update({}, reset=True)


@pytest.fixture(scope="module")
def fleet(fast):
    """7 VMs over two groups: group 0 in westeurope (4 VMs), group 1 in northeurope (3), a public IP on every
    other VM."""
    prefix = f"pg{uuid.uuid4().hex[:5]}"
    spec = FleetSpec(prefix=prefix, vms=7, groups=2, locations=["westeurope", "northeurope"], public_ip_every=2,
                     cycle_tags={"role": ["web", "db"]}, workers=4)
    return spec, create_fleet(env_of(fast), spec)


def log_since(fast, seq):
    return [e for e in fast.app.store.requests(seq) if e["kind"] == "arm"]


def last_seq(fast):
    entries = fast.app.store.requests(0)
    return entries[-1]["seq"] if entries else 0


def test_fleet_creates_vms_with_their_network(fast, fleet):
    spec, vms = fleet
    assert sorted(vm["name"] for vm in vms) == [spec.vm_name(i) for i in range(7)]
    listed = {vm.name: vm for vm in fast.compute.virtual_machines.list(spec.group_name(0))}
    assert sorted(listed) == [spec.vm_name(i) for i in (0, 2, 4, 6)]
    assert {vm.location for vm in listed.values()} == {"westeurope"}
    assert all(vm.provisioning_state == "Succeeded" for vm in listed.values())
    assert listed[spec.vm_name(2)].tags == {"role": "web"}
    nic = fast.network.network_interfaces.get(spec.group_name(0), f"{spec.vm_name(2)}-nic")
    assert nic.virtual_machine.id == listed[spec.vm_name(2)].id
    pip = fast.network.public_ip_addresses.get(spec.group_name(0), f"{spec.vm_name(2)}-ip")
    assert pip.ip_configuration.id == nic.ip_configurations[0].id
    assert pip.dns_settings.fqdn == f"{spec.vm_name(2)}.westeurope.cloudapp.azure.com"
    group1 = {vm.name for vm in fast.compute.virtual_machines.list(spec.group_name(1))}
    assert group1 == {spec.vm_name(i) for i in (1, 3, 5)}
    assert [p.name for p in fast.network.public_ip_addresses.list(spec.group_name(1))] == []  # odd VMs: no IP


def test_sdk_pager_follows_next_links_with_the_query_kept(fast, fleet, page_cap):
    spec, _ = fleet
    page_cap(3)
    seq = last_seq(fast)
    vms = list(fast.compute.virtual_machines.list(spec.group_name(0), expand="instanceView"))
    assert sorted(vm.name for vm in vms) == [spec.vm_name(i) for i in (0, 2, 4, 6)]
    assert all(vm.instance_view.statuses for vm in vms)  # $expand kept on the second page
    calls = [e for e in log_since(fast, seq) if e["method"] == "GET"]
    assert len(calls) == 2
    second = parse_qs(calls[1]["query"])
    assert second["$expand"] == ["instanceView"] and second["$skiptoken"][0]
    assert second["api-version"] == parse_qs(calls[0]["query"])["api-version"]


def test_compute_pages_hold_a_page_size_of_each_location(fast, fleet, page_cap):
    """The subscription listing with statusOnly: each page holds up to N VMs of each region."""
    spec, _ = fleet
    page_cap(2)
    session = fast.http()
    url = fast.url + f"/subscriptions/{fast.subscription}/providers/Microsoft.Compute/virtualMachines"
    params = {"api-version": COMPUTE_API, "statusOnly": "true"}
    mine, pages = [], 0
    while url:
        answer = session.get(url, params=params).json()
        params = None  # the nextLink is complete
        pages += 1
        per_location = collections.Counter(vm["location"] for vm in answer["value"])
        assert max(per_location.values()) <= 2
        assert all("instanceView" in vm["properties"] for vm in answer["value"])
        mine += [vm["name"] for vm in answer["value"] if vm["name"].startswith(spec.prefix)]
        url = answer.get("nextLink")
        if url:
            assert parse_qs(urlsplit(url).query)["statusOnly"] == ["true"]
    assert sorted(mine) == [spec.vm_name(i) for i in range(7)]  # every VM once, none twice
    assert pages >= 2


def test_network_listing_pages_and_survives_deletes_between_pages(fast, fleet, page_cap):
    spec, _ = fleet
    page_cap(2)
    session = fast.http()
    base = fast.url + f"/subscriptions/{fast.subscription}/resourceGroups/{spec.group_name(0)}/providers/" \
                      "Microsoft.Network/networkInterfaces"
    first = session.get(base, params={"api-version": NETWORK_API}).json()
    assert [n["name"] for n in first["value"]] == [f"{spec.vm_name(i)}-nic" for i in (0, 2)]
    # A NIC created after the first page that sorts before its end does not shift the rest.
    fast.network.network_interfaces.begin_create_or_update(spec.group_name(0), f"{spec.prefix}-aaa-nic", {
        "location": "westeurope", "properties": {"ipConfigurations": [{"name": "c", "properties": {
            "subnet": {"id": first["value"][0]["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"]}}}]},
    }).result()
    rest = []
    url = first["nextLink"]
    while url:
        answer = session.get(url).json()
        rest += [n["name"] for n in answer["value"]]
        url = answer.get("nextLink")
    assert rest == [f"{spec.vm_name(i)}-nic" for i in (4, 6)]
    fast.network.network_interfaces.begin_delete(spec.group_name(0), f"{spec.prefix}-aaa-nic").result()
    names = [n.name for n in fast.network.network_interfaces.list(spec.group_name(0))]
    assert names == [f"{spec.vm_name(i)}-nic" for i in (0, 2, 4, 6)]


def test_a_bad_skiptoken_is_refused(fast, fleet):
    spec, _ = fleet
    session = fast.http()
    url = fast.url + f"/subscriptions/{fast.subscription}/resourceGroups/{spec.group_name(0)}/providers/" \
                     "Microsoft.Compute/virtualMachines"
    for token in ("not-a-token!", base64.urlsafe_b64encode(b"[1, 2]").decode()):
        answer = session.get(url, params={"api-version": COMPUTE_API, "$skiptoken": token})
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "InvalidSkipToken"


def test_arm_page_size_without_a_cap(fast):
    """Compute answers 50 VMs of a region per page: 55 VMs in one group come in two pages through the SDK."""
    spec = FleetSpec(prefix=f"pz{uuid.uuid4().hex[:5]}", vms=55, groups=1, public_ip_every=0, workers=8)
    create_fleet(env_of(fast), spec)
    seq = last_seq(fast)
    assert len(list(fast.compute.virtual_machines.list(spec.group_name(0)))) == 55
    gets = [e for e in log_since(fast, seq) if e["method"] == "GET"]
    assert len(gets) == 2
    session = fast.http()
    first = session.get(fast.url + f"/subscriptions/{fast.subscription}/resourceGroups/{spec.group_name(0)}"
                        "/providers/Microsoft.Compute/virtualMachines", params={"api-version": COMPUTE_API}).json()
    assert len(first["value"]) == 50 and first["nextLink"]
    nics = session.get(fast.url + f"/subscriptions/{fast.subscription}/resourceGroups/{spec.group_name(0)}"
                       "/providers/Microsoft.Network/networkInterfaces", params={"api-version": NETWORK_API}).json()
    assert len(nics["value"]) == 55 and "nextLink" not in nics  # network pages hold 1000


def test_max_page_size_is_a_fault_setting(emulator):
    assert emulator.control("PUT", "faults", {"max_page_size": 5})["max_page_size"] == 5
    try:
        with pytest.raises(urllib.error.HTTPError):
            emulator.control("PUT", "faults", {"max_page_size": -1})
    finally:
        emulator.control("DELETE", "faults")
    assert emulator.control("GET", "faults")["max_page_size"] == 0

