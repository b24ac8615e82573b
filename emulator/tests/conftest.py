"""Fixtures: a real emulator subprocess on a temporary state dir, and clients pointed at it.

Any accidental request to a non-loopback host is sent to a closed loopback port through the
proxy variables below, so no test traffic leaves the machine.
"""

import json
import os
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

os.environ.update({"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
                   "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})

CLI = [sys.executable, "-m", "dockyard_emulator"]


def cli(*args, check=True):
    result = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=60)
    if check and result.returncode:
        raise AssertionError(f"dockyard-emulator {' '.join(map(str, args))} failed:\n{result.stdout}{result.stderr}")
    return result


class Emulator:
    def __init__(self, state_dir, *options):
        self.state_dir, self.options = Path(state_dir), options
        self.start()

    def start(self):
        cli("start", "--state-dir", self.state_dir, *self.options)
        self.env = json.loads(cli("env", "--state-dir", self.state_dir, "--format", "json").stdout)
        self.url = self.env["AZURE_ARM_ENDPOINT"]
        self.subscription = self.env["AZURE_SUBSCRIPTION_ID"]

    def stop(self):
        cli("stop", "--state-dir", self.state_dir)

    def credential(self, **kwargs):
        from azure.identity import ClientSecretCredential
        return ClientSecretCredential(self.env["AZURE_TENANT_ID"], self.env["AZURE_CLIENT_ID"],
                                      kwargs.pop("secret", self.env["AZURE_CLIENT_SECRET"]), authority=self.url,
                                      disable_instance_discovery=True, connection_verify=self.env["REQUESTS_CA_BUNDLE"],
                                      **kwargs)

    def client(self, credential=None, **kwargs):
        from azure.mgmt.resource.resources import ResourceManagementClient
        return ResourceManagementClient(credential or self.credential(), self.subscription, base_url=self.url,
                                        connection_verify=self.env["REQUESTS_CA_BUNDLE"], **kwargs)

    def token(self):
        return self.credential().get_token("https://management.azure.com/.default").token

    def http(self):
        """A requests session trusting the emulator CA."""
        import requests
        session = requests.Session()
        session.verify = self.env["REQUESTS_CA_BUNDLE"]
        session.trust_env = False
        return session

    def control(self, method, path, body=None):
        context = ssl.create_default_context(cafile=str(self.state_dir / "ca.pem"))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             urllib.request.HTTPSHandler(context=context))
        data = json.dumps(body).encode() if body is not None else None
        with opener.open(urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method)) as r:
            return json.loads(r.read())

    def last_seq(self):
        return self.control("GET", "requests")["last"] or 0

    def requests_since(self, seq):
        return self.control("GET", f"requests?since={seq}")["value"]


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    emu = Emulator(tmp_path_factory.mktemp("emulator"), "--port", 0, "--lro-seconds", 0.2, "--retry-after", 1)
    yield emu
    emu.stop()


@pytest.fixture
def faults(emulator):
    """Set faults for one test; reset afterwards."""
    yield lambda **settings: emulator.control("PUT", "faults", {"reset": True, **settings})
    emulator.control("DELETE", "faults")


class Fast:
    """An in-process emulator with near-instant LROs and SDK clients that poll quickly."""

    def __init__(self, state_dir):
        import threading

        from azure.identity import ClientSecretCredential
        from azure.mgmt.compute import ComputeManagementClient
        from azure.mgmt.network import NetworkManagementClient
        from azure.mgmt.resource.resources import ResourceManagementClient

        from dockyard_emulator.server import Emulator as App
        from dockyard_emulator.server import HttpsServer

        self.app = App(state_dir, {"lro_seconds": 0.05, "retry_after": 0, "port": 0})
        self.server = HttpsServer(self.app, ("127.0.0.1", 0))
        self.url = self.app.base_url = f"https://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        self.bundle = str(self.app.state_dir / "ca-bundle.pem")
        ident = self.app.identity
        self.subscription = ident["subscription_id"]
        self.credential = ClientSecretCredential(ident["tenant_id"], ident["client_id"], ident["client_secret"],
                                                 authority=self.url, disable_instance_discovery=True,
                                                 connection_verify=self.bundle)
        options = {"base_url": self.url, "connection_verify": self.bundle, "polling_interval": 0.02}
        self.resource = ResourceManagementClient(self.credential, self.subscription, **options)
        self.network = NetworkManagementClient(self.credential, self.subscription, **options)
        self.compute = ComputeManagementClient(self.credential, self.subscription, **options)

    def http(self):
        import requests
        session = requests.Session()
        session.verify, session.trust_env = self.bundle, False
        session.headers["Authorization"] = "Bearer " + self.credential.get_token(
            "https://management.azure.com/.default").token
        return session

    def rid(self, path):
        return f"/subscriptions/{self.subscription}{path}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def fast(tmp_path_factory):
    emulator = Fast(tmp_path_factory.mktemp("fast"))
    yield emulator
    emulator.stop()
