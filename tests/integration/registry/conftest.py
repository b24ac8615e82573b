# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the registry tests: one registry and two Docker hosts per module, in the session's
emulator with container VMs (tests/integration/conftest.py's ``container_emulator``).

The VMs take the longest (Docker is installed in each), so they are made once for the module and
every test uses them. Images are built here from Debian's static busybox (no public registry is
reachable) under a name unique to the module, and removed with everything else at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from busybox_image import build_busybox
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

HERE = Path(__file__).resolve().parent
INTEGRATION = HERE.parent
REPO_ROOT = INTEGRATION.parent.parent


class Run:
    """One ansible-playbook run: its exit code, output and the task results (callback result_log)."""

    def __init__(self, returncode, output, results):
        self.returncode, self.output, self.results = returncode, output, results

    def task(self, name):
        matches = [entry for entry in self.results if entry["task"] == name]
        assert matches, "task %r did not run:\n%s" % (name, self.output[-3000:])
        return matches[-1]["result"]

    @property
    def changed(self):
        return [entry["task"] for entry in self.results if entry["status"] == "changed"]


@pytest.fixture(scope="module")
def secrets():
    """The registry's admin passwords once the hosts fixture knows them: no run may show them."""
    return set()


def assert_no_secret(outcome, secrets):
    text = outcome.output + json.dumps(outcome.results)
    leaked = sorted(secret[:4] + "..." for secret in secrets if secret and secret in text)
    assert not leaked, "a registry password reached the output or the task results: %s" % leaked


@pytest.fixture(scope="module")
def registry_playbook(container_emulator, tmp_path_factory, secrets):
    """Run a playbook of tests/integration/registry/playbooks against the container emulator (every run is
    checked for the registry's passwords in its output and task results)."""
    logs = tmp_path_factory.mktemp("registry-results")

    def run(playbook, extra_vars, check=False, expect_failure=False):
        log = logs / ("%s.jsonl" % uuid.uuid4().hex[:8])
        command = ["ansible-playbook", str(HERE / "playbooks" / playbook), "--extra-vars", json.dumps(extra_vars)]
        if check:
            command.append("--check")
        env = dict(os.environ, **container_emulator.env)
        env.update(ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_CALLBACK_PLUGINS=str(INTEGRATION / "callback_plugins"),
                   ANSIBLE_CALLBACKS_ENABLED="result_log", ANSIBLE_NOCOLOR="1", DOCKYARD_RESULT_LOG=str(log),
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
        done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
        results = [json.loads(line) for line in log.read_text().splitlines() if line] if log.exists() else []
        outcome = Run(done.returncode, done.stdout + done.stderr, results)
        if expect_failure:
            assert done.returncode != 0, "playbook unexpectedly succeeded:\n" + outcome.output[-3000:]
        else:
            assert done.returncode == 0, "playbook failed:\n" + outcome.output[-5000:]
        assert_no_secret(outcome, secrets)
        return outcome

    return run


@pytest.fixture(scope="module")
def names():
    suffix = uuid.uuid4().hex[:8]
    return dict(rg="rg-registry-%s" % suffix, registry="acrtest%s" % suffix, vm1="regvm1-%s" % suffix,
                vm2="regvm2-%s" % suffix, image="dockyard-regtest-%s/busybox" % suffix)


@pytest.fixture(scope="module")
def ssh_key(tmp_path_factory):
    directory = tmp_path_factory.mktemp("registry-ssh")
    key = ed25519.Ed25519PrivateKey.generate()
    private = directory / "id_ed25519"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                          serialization.NoEncryption()))
    private.chmod(0o600)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return public, str(private)


@pytest.fixture(scope="module")
def local_image(names):
    """An image on this machine's engine (busybox, FROM scratch), removed with its registry tags at the end."""
    docker = pytest.importorskip("docker")
    client = docker.from_env(timeout=120)
    reference = names["image"] + ":1"
    image = build_busybox(client, reference, "LABEL dockyard.test=registry")
    yield reference
    for tag in client.images.get(image.id).tags:
        client.images.remove(tag, force=True)


def admin_passwords(container_emulator, names):
    """The registry's two admin passwords, read here with container_registry_info (ad hoc, not logged anywhere)."""
    env = dict(os.environ, **container_emulator.env, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run(["ansible", "localhost", "-m", "dockyard.azure.container_registry_info", "-a",
                           "name=%s resource_group=%s credentials=admin" % (names["registry"], names["rg"])],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    credentials = json.loads(done.stdout.split(" => ", 1)[1])["credentials"]
    return {credentials["password"], credentials["password2"]}


@pytest.fixture(scope="module")
def hosts(registry_playbook, container_emulator, names, ssh_key, tmp_path_factory, secrets):
    """The registry and two VMs with Docker: VM 1 logs in with the admin user (and serves its Docker API on
    TLS), VM 2 with the service principal's registry token. Deleted with their group at the end."""
    tls_dir = str(tmp_path_factory.mktemp("registry-tls") / "docker")
    run = registry_playbook("registry_hosts.yml", dict(rg=names["rg"], registry=names["registry"], vm1=names["vm1"],
                                                       vm2=names["vm2"], tls_dir=tls_dir, ssh_public_key=ssh_key[0],
                                                       ssh_private_key_file=ssh_key[1]))
    secrets.update(admin_passwords(container_emulator, names))
    assert len(secrets) == 2
    assert_no_secret(run, secrets)  # the run that read them (no_log) and gave them to the hosts
    facts = run.task("What the tests need")["ansible_facts"]["hosts_info"]
    facts.update(tls_dir=tls_dir, ca_cert=str(container_emulator.state_dir / "ca.pem"), ssh_key=ssh_key[1])
    yield facts
    # The groups go with what is in them: the registry (its server stops, its storage goes) and the VMs.
    env = dict(os.environ, **container_emulator.env, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    for group in (names["rg"], names["rg"] + "-life", names["rg"] + "-other"):
        subprocess.run(["ansible", "localhost", "-m", "dockyard.azure.resource_group", "-a",
                        "name=%s state=absent force_delete_nonempty=true wait=false" % group], cwd=REPO_ROOT, env=env,
                       capture_output=True, check=False)
