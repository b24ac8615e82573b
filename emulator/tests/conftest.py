"""Fixtures: a real emulator subprocess on a temporary state dir, and clients pointed at it; container VMs
on the real Docker engine for the container backend's tests.

Any accidental request to a non-loopback host is sent to a closed loopback port through the
proxy variables below, so no test traffic leaves the machine.
"""

import base64
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
import uuid
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


# container VMs (backends/container) --------------------------------------------------------------
def b64(text):
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def _docker_ok():
    try:
        import docker
        docker.from_env(timeout=10).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


needs_docker = pytest.mark.skipif(
    not (_docker_ok() and os.geteuid() == 0 and shutil.which("debootstrap") and shutil.which("ssh")),
    reason="needs the Docker engine, root, debootstrap and ssh")

SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"]


@pytest.fixture(scope="session")
def key(tmp_path_factory):
    d = tmp_path_factory.mktemp("ssh")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "id")], check=True)
    return d / "id", (d / "id.pub").read_text().strip()


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def backend(state_dir):
    if not (_docker_ok() and os.geteuid() == 0 and shutil.which("debootstrap") and shutil.which("ssh")):
        pytest.skip("needs the Docker engine, root, debootstrap and ssh")
    from dockyard_emulator.backends.container.machines import LABEL_EMULATOR, ContainerMachines
    b = ContainerMachines(state_dir, f"t{uuid.uuid4().hex[:8]}")
    started = time.monotonic()
    b.ensure_image()
    print(f"\nVM image ready in {time.monotonic() - started:.1f}s: {b._image}")
    yield b
    b.cleanup()
    client = b.client
    flt = {"label": f"{LABEL_EMULATOR}={b.emulator_id}"}
    assert not client.containers.list(all=True, filters=flt)
    assert not client.volumes.list(filters=flt)
    assert not client.networks.list(filters=flt)


def ssh(key, user, address, command, check=True):
    result = subprocess.run(["ssh", "-i", str(key[0]), *SSH_OPTS, f"{user}@{address}", command],
                            capture_output=True, text=True, timeout=60)
    if check and result.returncode:
        raise AssertionError(f"ssh {user}@{address} {command!r} -> {result.returncode}\n{result.stdout}{result.stderr}")
    return result


CLOUD_CONFIG = """\
#cloud-config
write_files:
  - path: /etc/dockyard-test/app.conf
    content: |
      greeting=hello
    permissions: '0640'
users:
  - default
  - name: deploy
    sudo: ALL=(ALL) NOPASSWD:ALL
    ssh_authorized_keys: [{key}]
runcmd:
  - echo "runcmd ran as $(id -un)" > /var/tmp/runcmd.txt
  - [sh, -c, "hostname > /var/tmp/hostname.txt"]
"""


@pytest.fixture(scope="session")
def vm(backend, key):
    vm_key = "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1"
    started = time.monotonic()
    result = backend.create(vm_key, {
        "computer_name": "web-01", "admin_username": "azureuser", "ssh_public_keys": [key[1]],
        "custom_data": b64(CLOUD_CONFIG.format(key=key[1])), "os_disk_name": "vm1_OsDisk_1"})
    print(f"\nVM created and ssh-ready in {time.monotonic() - started:.1f}s at {result['address']}")
    return vm_key, result["address"]
