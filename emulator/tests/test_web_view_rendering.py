"""The web view's data and rendering without a server (webui/model.py, pages.py, html.py): secrets
hidden, the resource tree's nesting, the request log's filters and paging, and HTML escaping of
everything that comes from users (resource names, tags, paths, logs, filter values)."""
import base64
import hashlib
import re
from types import SimpleNamespace

import pytest

from dockyard_emulator.webui import html, loopback_host, model, pages

SUB = "/subscriptions/0000"
EVIL = '"><script>alert(1)</script>'


def resource(rid, rtype, **body):
    return {"id": rid, "type": rtype.lower(), "body": {"name": rid.rsplit("/", 1)[-1], "type": rtype, **body},
            "internal": {}, "created": "t", "changed": "t"}


def test_redact_hides_secret_values_at_any_depth_and_keeps_flags():
    value = {"properties": {
        "osProfile": {"adminUsername": "deploy", "adminPassword": "hunter2", "customData": "I2Ns",
                      "linuxConfiguration": {"disablePasswordAuthentication": True}},
        "extensions": [{"protectedSettings": {"commandToExecute": "x"}, "settings": {"a": 1}}],
        "credentials": {"clientSecret": "s3", "accessToken": "t0k", "passwordProfile": None, "userData": ""},
    }}
    shown = model.redact(value)["properties"]
    assert shown["osProfile"] == {"adminUsername": "deploy", "adminPassword": model.HIDDEN, "customData": model.HIDDEN,
                                  "linuxConfiguration": {"disablePasswordAuthentication": True}}
    assert shown["extensions"] == [{"protectedSettings": model.HIDDEN, "settings": {"a": 1}}]
    assert shown["credentials"] == {"clientSecret": model.HIDDEN, "accessToken": model.HIDDEN, "passwordProfile": None,
                                    "userData": ""}
    assert value["properties"]["osProfile"]["adminPassword"] == "hunter2"  # the input is not changed


def test_tree_nests_child_resources_under_their_parents_within_groups():
    rg = f"{SUB}/resourceGroups/App"
    vm = f"{rg}/providers/Microsoft.Compute/virtualMachines/web"
    resources = [
        resource(f"{rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default",
                 "Microsoft.Network/virtualNetworks/subnets"),
        resource(f"{vm}/extensions/cse", "Microsoft.Compute/virtualMachines/extensions"),
        resource(vm, "Microsoft.Compute/virtualMachines"),
        resource(rg, "Microsoft.Resources/resourceGroups"),
        resource(f"{rg}/providers/Microsoft.Network/virtualNetworks/vnet", "Microsoft.Network/virtualNetworks"),
        # a nested resource whose parent is gone, and one in a group the store has no record of
        resource(f"{rg}/providers/Microsoft.Network/networkSecurityGroups/gone/securityRules/r1",
                 "Microsoft.Network/networkSecurityGroups/securityRules"),
        resource(f"{SUB}/resourceGroups/Other/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1",
                 "Microsoft.ManagedIdentity/userAssignedIdentities"),
    ]
    subs = model.build_tree(resources, ["0000", "1111"])
    assert [s.id for s in subs] == ["0000", "1111"] and not subs[1].groups
    (group,) = subs[0].groups
    assert group.name == "App"
    top = {n.name: n for n in group.nodes}
    assert sorted(top) == ["r1", "vnet", "web"]
    assert [c.name for c in top["web"].children] == ["cse"] and [c.name for c in top["vnet"].children] == ["default"]
    assert sum(n.count() for n in group.nodes) == 5
    assert [n.name for n in subs[0].other] == ["id1"]


@pytest.mark.parametrize("query, expected, problems", [
    ({}, model.RequestFilter(), ()),
    ({"method": "put", "status": "4XX", "path": " /Subscriptions ", "writes_only": "on", "page": "3", "per_page": "100"},
     model.RequestFilter("PUT", "4xx", "/Subscriptions", True, 3, 100), ()),
    ({"method": "BREW", "status": "teapot", "page": "-2", "per_page": "70"}, model.RequestFilter(per_page=50),
     ("method 'BREW'", "status 'teapot'")),
    ({"page": "x", "per_page": "100000"}, model.RequestFilter(per_page=500), ()),
])
def test_request_filter_from_query(query, expected, problems):
    flt = model.RequestFilter.from_query(query)
    assert (flt.method, flt.status, flt.path, flt.writes_only, flt.page, flt.per_page) == \
        (expected.method, expected.status, expected.path, expected.writes_only, expected.page, expected.per_page)
    assert len(flt.problems) == len(problems) and all(p in text for p, text in zip(problems, flt.problems))


LOG = [
    {"seq": 1, "method": "POST", "path": "/tenant/oauth2/v2.0/token", "status": 200, "write": False, "fault": None},
    {"seq": 2, "method": "PUT", "path": "/subscriptions/s/resourcegroups/App", "status": 201, "write": True, "fault": None},
    {"seq": 3, "method": "GET", "path": "/subscriptions/s/resourceGroups/app", "status": 404, "write": False, "fault": None},
    {"seq": 4, "method": "GET", "path": "/subscriptions/s/resourcegroups", "status": 429, "write": False,
     "fault": "SubscriptionRequestsThrottled"},
    {"seq": 5, "method": "PUT", "path": "/subscriptions/s/resourcegroups/App", "status": None, "write": True,
     "fault": "drop"},
]


@pytest.mark.parametrize("query, seqs", [
    ({}, [5, 4, 3, 2, 1]),
    ({"method": "PUT"}, [5, 2]),
    ({"status": "4xx"}, [4, 3]),
    ({"status": "404"}, [3]),
    ({"status": "2xx"}, [2, 1]),
    ({"status": "dropped"}, [5]),
    ({"status": "fault"}, [5, 4]),
    ({"path": "RESOURCEGROUPS/app"}, [5, 3, 2]),
    ({"writes_only": "true"}, [5, 2]),
    ({"method": "GET", "path": "groups", "status": "4xx"}, [4, 3]),
])
def test_request_filters(query, seqs):
    result = model.page_of_requests(LOG, model.RequestFilter.from_query(query))
    assert [e["seq"] for e in result.entries] == seqs and result.total == len(seqs)


def test_request_paging_newest_first_and_past_the_end():
    entries = [{"seq": i, "method": "GET", "path": "/p", "status": 200} for i in range(1, 46)]
    first = model.page_of_requests(entries, model.RequestFilter(per_page=20))
    assert (first.page, first.pages, first.total) == (1, 3, 45) and first.entries[0]["seq"] == 45
    last = model.page_of_requests(entries, model.RequestFilter(per_page=20, page=99))
    assert last.page == 3 and [e["seq"] for e in last.entries] == [5, 4, 3, 2, 1]
    assert model.page_of_requests([], model.RequestFilter()).pages == 1
    flt = model.RequestFilter(method="PUT", path="a&b", per_page=20)
    assert flt.query(page=2) == {"method": "PUT", "path": "a&b", "page": "2", "per_page": "20"}
    assert model.RequestFilter().query() == {}


def test_vm_section_escapes_names_and_logs():
    vm = model.VmView(id=f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/x", name=EVIL,
                      group="rg", size="Standard_B1s", provisioning_state="Succeeded", power_state="VM running",
                      operation=None, backend="container", container="dockyard-vm-1", address="10.199.1.10",
                      container_state="running", console_log="dockyard-init: ready\n</pre><b>boot</b>",
                      custom_data_log="<i>custom</i>",
                      extensions=[model.ExtensionView("cse<1>", "Microsoft.Azure.Extensions.CustomScript",
                                                      "Provisioning succeeded", "Enable succeeded: \n[stdout]\n<out>\n")])
    markup = pages.vm_section([vm])
    for raw in (EVIL, "</pre><b>", "<i>", "cse<1>", "<out>"):
        assert raw not in markup
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "&lt;/pre&gt;&lt;b&gt;boot&lt;/b&gt;" in markup and "&lt;out&gt;" in markup
    assert 'class="power state-running">VM running<' in markup and "10.199.1.10" in markup
    none_vm = model.VmView(id="i", name="n", group="g", size="s", provisioning_state="Creating",
                           power_state="VM starting", operation="create", backend="none")
    assert "state-transition" in pages.vm_section([none_vm]) and "metadata only" in pages.vm_section([none_vm])


def test_tree_and_request_log_escape_user_input():
    app = SimpleNamespace(registry=SimpleNamespace(type=lambda full_type: None))
    node = model.Node(resource(f"{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
                               "Microsoft.Network/virtualNetworks", tags={"note": EVIL},
                               properties={"secret": "do-not-show"}))
    markup = pages.node_item(app, node)
    assert EVIL not in markup and "&lt;script&gt;" in markup and "do-not-show" not in markup
    flt = model.RequestFilter.from_query({"path": EVIL, "status": "<b>"})
    form = pages.filter_form(flt)
    assert EVIL not in form and 'value="&quot;&gt;&lt;script&gt;' in form and "&lt;b&gt;" in form
    result = model.RequestPage([{"seq": 1, "method": "GET", "path": "/x/<img src=x>", "query": "a=<b>",
                                 "status": 200}], 1, 1, 1)
    table = pages.requests_table(result)
    assert "<img" not in table and "/x/&lt;img src=x&gt;?a=&lt;b&gt;" in table


def test_page_frame_style_matches_its_content_security_policy():
    document = html.page("T<", "<p>body</p>", {"url": EVIL}, refresh=5).decode()
    style = re.search(r"<style>(.*?)</style>", document, re.S).group(1)
    digest = "sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src '{digest}'" in html.SECURITY_HEADERS["Content-Security-Policy"]
    assert "<script" not in document and EVIL not in document and "T&lt; · dockyard emulator" in document
    assert '<meta http-equiv="refresh" content="5">' in document


@pytest.mark.parametrize("host, ok", [
    (None, True), ("127.0.0.1:8443", True), ("localhost", True), ("LOCALHOST.:1", True), ("[::1]:8443", True),
    ("127.1.2.3", True), ("::1", True), ("example.com", False), ("10.0.0.1:443", False), ("[fe80::1]:1", False),
    ("localhost.evil.example", False),
])
def test_loopback_host(host, ok):
    assert loopback_host(host) is ok
