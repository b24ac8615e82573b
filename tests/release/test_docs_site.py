# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs site `make docs` builds, as a reader's browser shows it.

The built site (build/docs/html) is served over HTTP on 127.0.0.1 and opened in Debian's headless
Chromium through chromedriver: the module index must list every module of the collection, and the
`vm` module page must render its options table with a row for every option. Screenshots of both
pages go to tests/output/docs/.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from conftest import REPO_ROOT

SITE = Path(os.environ.get("DOCKYARD_DOCS_HTML", REPO_ROOT / "build" / "docs" / "html"))
SCREENSHOTS = REPO_ROOT / "tests" / "output" / "docs"
COLLECTION_PAGES = "collections/dockyard/azure"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1800",
    # Nothing but the local site: any other host name fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def module_names() -> list[str]:
    return sorted(path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__")


def vm_option_names() -> list[str]:
    """Top-level options of the vm module, from its DOCUMENTATION (and its doc fragments)."""
    import json
    import subprocess
    import sys

    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO_ROOT / ".ansible" / "collections"))
    out = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "--json", "-t", "module", "dockyard.azure.vm"],
                         env=env, check=True, capture_output=True, text=True).stdout
    return sorted(json.loads(out)["dockyard.azure.vm"]["doc"]["options"])


@pytest.fixture(scope="module")
def site_url():
    if not (SITE / "index.html").is_file():
        pytest.fail("no docs site at %s: run `make docs` first (make release-tests does)" % SITE)
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d/" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = shutil.which("chromium")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.fail("Debian's chromium and chromium-driver are needed: run `make setup`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS + ["--user-data-dir=%s" % tmp_path_factory.mktemp("chromium-profile")]:
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager (which would download drivers) is not used.
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def test_module_index_lists_every_module(browser, site_url):
    from selenium.webdriver.common.by import By

    browser.get(site_url + COLLECTION_PAGES + "/index.html")
    assert "dockyard.azure" in browser.title
    # Links in the page body (not the navigation sidebar), shown to the reader.
    linked = {link.get_attribute("href").split("#")[0].rsplit("/", 1)[-1]: link.text
              for link in browser.find_elements(By.CSS_SELECTOR, "div[role='main'] a.reference.internal")
              if link.is_displayed()}
    missing = [name for name in module_names() if linked.get("%s_module.html" % name) != "%s module" % name]
    assert not missing, "the collection index does not link these modules: %s" % missing
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "module-index.png"))

    # The site's own plugin index of all modules says the same.
    browser.get(site_url + "collections/index_module.html")
    text = browser.find_element(By.TAG_NAME, "body").text
    missing = [name for name in module_names() if "dockyard.azure.%s" % name not in text]
    assert not missing, "the module index page does not list: %s" % missing


def test_vm_module_page_renders_its_options_table(browser, site_url):
    from selenium.webdriver.common.by import By

    browser.get(site_url + COLLECTION_PAGES + "/vm_module.html")
    assert "dockyard.azure.vm" in browser.title
    table = browser.find_element(By.CSS_SELECTOR, "section#parameters table.ansible-option-table")
    assert table.is_displayed() and table.size["height"] > 500 and table.size["width"] > 500, table.size
    # Each option row: a permalink anchor `parameter-<name>` and the option's name shown in bold.
    anchors = {anchor.get_attribute("id")[len("parameter-"):]
               for anchor in table.find_elements(By.CSS_SELECTOR, "div.ansibleOptionAnchor[id^='parameter-']")}
    titles = {title.text.strip() for title in table.find_elements(By.CSS_SELECTOR, "p.ansible-option-title")
              if title.is_displayed()}
    options = vm_option_names()
    assert options, "ansible-doc lists no vm options"
    missing = [option for option in options if option not in anchors or option not in titles]
    assert not missing, "the vm options table lacks rows for: %s" % missing
    browser.execute_script("arguments[0].scrollIntoView();", browser.find_element(By.CSS_SELECTOR, "section#parameters"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "vm-module.png"))
