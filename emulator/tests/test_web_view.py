"""The web view at /_emulator/ (webui/), as a browser and as an HTTP client see it.

An in-process emulator (VM backend none) gets a resource group, a network and a VM through the
unmodified Azure SDK; Debian's headless Chromium, driven by chromedriver through Selenium, opens the
overview: the VM is listed running, and after a power-off through the SDK a reload shows it stopped.
The request log page filters to the power-off call. Screenshots go to tests/output/emulator-ui/ (from
the repository root). The HTTP tests check what the browser cannot: the loopback Host rule, the
read-only rule, the escaping of user input in the raw HTML and that secrets never reach the page.
"""
import uuid

import pytest
from browser_helpers import chromium, screenshot
from compute_helpers import network, vm_body
from conftest import Fast

MARKUP = "<script>alert('tag')</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    emulator = Fast(tmp_path_factory.mktemp("web-view"))
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def vm(emu):
    """A resource group (with markup in a tag), a VNet, a NIC and a running VM, made through the SDK."""
    rg = f"rg-web-{uuid.uuid4().hex[:6]}"
    emu.resource.resource_groups.create_or_update(rg, {"location": "westeurope", "tags": {"note": MARKUP}})
    nic = network(emu, rg)
    emu.compute.virtual_machines.begin_create_or_update(rg, "web-ui-vm", vm_body(nic.id)).result()
    return rg, "web-ui-vm"


@pytest.fixture(scope="module")
def browser(emu, tmp_path_factory):
    driver = chromium(emu.app.state_dir, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def power_cell(browser, name):
    from selenium.webdriver.common.by import By
    return browser.find_element(By.CSS_SELECTOR, f"tr[data-vm='{name}'] td.power").text


def test_overview_lists_the_vm_and_shows_its_power_state_change(emu, vm, browser):
    from selenium.webdriver.common.by import By

    rg, name = vm
    browser.get(f"{emu.url}/_emulator/")
    assert "Overview" in browser.title, browser.page_source[:500]
    assert power_cell(browser, name) == "VM running"
    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-vm='{name}']").text
    assert rg in row and "Standard_B1s" in row and "Succeeded" in row

    # the tree: subscription > resource group > its resources, each with its JSON
    group = browser.find_element(By.CSS_SELECTOR, f"details.group[data-group='{rg}']")
    listed = {e.get_attribute("data-resource") for e in group.find_elements(By.CSS_SELECTOR, "details.resource")}
    assert {name, "vnet", "default", "nic"} <= listed and any(n.startswith(f"{name}_OsDisk_1") for n in listed), listed
    group.find_element(By.CSS_SELECTOR, "details[data-resource='vnet'] ~ ul details[data-resource='default']")  # nested
    vm_item = group.find_element(By.CSS_SELECTOR, f"details.resource[data-resource='{name}']")
    vm_item.find_element(By.TAG_NAME, "summary").click()
    shown = vm_item.find_element(By.CSS_SELECTOR, "pre.json").text
    assert '"adminUsername": "deploy"' in shown and "customData" not in shown

    # user input is text: the tag's markup is shown as typed, and the page runs no script at all
    group.find_element(By.XPATH, "./ul/li[1]/details/summary").click()
    assert MARKUP in group.text
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.execute_script("return document.images.length") == 0

    emu.compute.virtual_machines.begin_power_off(rg, name).result()
    browser.refresh()
    assert power_cell(browser, name) == "VM stopped"
    browser.find_element(By.CSS_SELECTOR, f"details.resource[data-resource='{name}'] summary").click()
    screenshot(browser, "overview.png")

    emu.compute.virtual_machines.begin_start(rg, name).result()
    browser.refresh()
    assert power_cell(browser, name) == "VM running"


def test_request_log_filters_by_method_status_and_path(emu, vm, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    rg, name = vm
    emu.compute.virtual_machines.begin_power_off(rg, name).result()
    browser.get(f"{emu.url}/_emulator/ui/requests")
    form = browser.find_element(By.CSS_SELECTOR, "form.filters")
    Select(form.find_element(By.NAME, "method")).select_by_value("POST")
    form.find_element(By.NAME, "status").send_keys("2xx")
    form.find_element(By.NAME, "path").send_keys("/POWEROFF")          # substring, any case
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # read the rows of the filtered page, not of the one being replaced (a stale element otherwise)
    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(form))
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr[data-seq]")
    assert rows, browser.find_element(By.TAG_NAME, "main").text
    for row in rows:
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
        assert cells[2] == "POST" and f"/virtualmachines/{name}/poweroff?".lower() in cells[3].lower(), cells
        assert cells[4] == "202", cells
    seqs = [int(r.get_attribute("data-seq")) for r in rows]
    assert seqs == sorted(seqs, reverse=True)                         # newest first
    assert "method=POST" in browser.current_url and "status=2xx" in browser.current_url
    screenshot(browser, "request-log.png")


# the same page over plain HTTP -------------------------------------------------------------------
def test_page_is_read_only_loopback_host_only_and_hides_secrets(emu, vm):
    session = emu.http()
    del session.headers["Authorization"]          # the web view, like the control API, takes no token
    page = session.get(f"{emu.url}/_emulator/")
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none': no script runs
    html = page.text
    assert MARKUP not in html and "&lt;script&gt;alert(&#x27;tag&#x27;)&lt;/script&gt;" in html
    secret = emu.app.identity["client_secret"]
    assert secret not in html and "customData" not in html and "I2Nsb3VkLWNvbmZpZwo=" not in html

    assert session.get(f"{emu.url}/_emulator/", headers={"Host": "attacker.example"}).status_code == 403
    assert session.get(f"{emu.url}/_emulator/", headers={"Host": "localhost:1234"}).status_code == 200
    assert session.get(f"{emu.url}/_emulator/", headers={"Host": "[::1]:1234"}).status_code == 200
    refused = session.post(f"{emu.url}/_emulator/", data=b"x")
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
    redirect = session.get(f"{emu.url}/_emulator/ui", allow_redirects=False)
    assert redirect.status_code == 302 and redirect.headers["Location"] == "/_emulator/"
    assert '<meta http-equiv="refresh" content="5">' in session.get(f"{emu.url}/_emulator/?refresh=5").text
    # the control API is unchanged, and the page's own requests are not in the request log
    assert session.get(f"{emu.url}/_emulator/health").json()["status"] == "ok"
    assert not [e for e in session.get(f"{emu.url}/_emulator/requests").json()["value"]
                if e["path"].startswith("/_emulator")]


def test_overview_lists_operations_in_progress(emu, vm):
    rg, _ = vm
    session = emu.http()
    target = f"/subscriptions/{emu.subscription}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/slow"
    emu.app.settings["lro_seconds"] = 60          # an operation that runs while the page is read
    try:
        answer = session.put(f"{emu.url}{target}", params={"api-version": "2024-05-01"}, json={
            "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}})
    finally:
        emu.app.settings["lro_seconds"] = 0.05
    assert answer.status_code == 201 and "Azure-AsyncOperation" in answer.headers
    section = session.get(f"{emu.url}/_emulator/").text.split('id="operations"', 1)[1].split("</section>", 1)[0]
    assert target in section and ">create<" in section and "completes in" in section


def test_request_log_page_names_bad_filters_and_pages(emu, vm):
    session = emu.http()
    bad = session.get(f"{emu.url}/_emulator/ui/requests", params={"status": "<b>", "method": "BREW"}).text
    assert "status &#x27;&lt;b&gt;&#x27; is not a code" in bad and "method &#x27;BREW&#x27; is not one of" in bad
    first = session.get(f"{emu.url}/_emulator/ui/requests", params={"per_page": "20"}).text
    assert 'rel="next"' in first and "page 1 of" in first
    second = session.get(f"{emu.url}/_emulator/ui/requests", params={"per_page": "20", "page": "2"}).text
    assert 'rel="prev"' in second and "page 2 of" in second


def test_control_api_and_web_view_refuse_non_loopback_clients(emu):
    from dockyard_emulator.web import Request

    for path in ("/_emulator/", "/_emulator/ui/requests", "/_emulator/health"):
        response = emu.app.handle(Request("GET", path, "", {"host": "127.0.0.1"}, b"", "192.0.2.7"))
        assert response.status == 403, path


def test_open_prints_the_url_and_the_ca_to_trust(emulator, tmp_path):
    from conftest import cli

    shown = cli("open", "--state-dir", emulator.state_dir)
    assert shown.stdout == f"{emulator.url}/_emulator/\n"
    assert str((emulator.state_dir / "ca.pem").resolve()) in shown.stderr
    not_running = cli("open", "--state-dir", tmp_path, check=False)
    assert not_running.returncode == 1 and "not running" in not_running.stderr and not not_running.stdout
