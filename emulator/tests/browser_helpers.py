"""Debian's headless Chromium driven by chromedriver through Selenium, trusting one emulator's server key.

The same launch as tests/release/test_docs_site.py (an explicit driver path, so Selenium Manager never
downloads anything; a fresh profile; no network but loopback). Instead of trusting any certificate,
Chromium is told the SPKI hash of the emulator's server certificate, so only that key is accepted.
"""
import base64
import hashlib
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "tests" / "output" / "emulator-ui"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-proxy-server", "--window-size=1400,1600",
    # Nothing but the emulator on loopback: any other host name fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def spki_hash(cert_pem: Path) -> str:
    """base64(sha256(SubjectPublicKeyInfo)) of a certificate, for --ignore-certificate-errors-spki-list."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = x509.load_pem_x509_certificate(cert_pem.read_bytes()).public_key()
    return base64.b64encode(hashlib.sha256(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).digest()).decode()


def chromium(state_dir: Path, profile_dir: Path):
    """A Chromium WebDriver that trusts the server key of the emulator of ``state_dir``; quit() it."""
    binary, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not chromedriver:
        pytest.fail("Debian's chromium and chromium-driver are needed: run `make setup`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS + [f"--ignore-certificate-errors-spki-list={spki_hash(Path(state_dir) / 'server.pem')}",
                                  f"--user-data-dir={profile_dir}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(20)
    return driver


def screenshot(driver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    driver.save_screenshot(str(path))
    return path
