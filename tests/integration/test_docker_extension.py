# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker on a VM end to end in the emulator with the container backend (issue 4).

Marked `container_vm`: they need the emulator's container VM backend and its Custom Script
extension provider. Each test re-runs the (idempotent) set-up playbook, so they run alone too.
"""

from __future__ import annotations

import os
import uuid

import pytest
import requests
from busybox_image import build_busybox
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

pytestmark = pytest.mark.container_vm

IMAGE = "dockyard-test/busybox:vm"


@pytest.fixture
def ansible_playbook(container_playbook):
    """The playbooks of this module run against the emulator with container VMs (conftest.container_emulator)."""
    return container_playbook


@pytest.fixture(scope="module")
def names():
    suffix = uuid.uuid4().hex[:6]
    return dict(rg="rg-docker-ext-%s" % suffix, vm_name="dockervm-%s" % suffix, probe_vm="probevm-%s" % suffix)


@pytest.fixture(scope="module")
def ssh_key(tmp_path_factory):
    directory = tmp_path_factory.mktemp("ssh")
    key = ed25519.Ed25519PrivateKey.generate()
    private = directory / "id_ed25519"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                          serialization.NoEncryption()))
    private.chmod(0o600)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return dict(ssh_public_key=public + " dockyard-test", ssh_private_key_file=str(private))


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tls") / "docker")


def docker_vars(names, ssh_key, tls_dir, **extra):
    values = dict(rg=names["rg"], vm_name=names["vm_name"], tls_dir=tls_dir)
    values.update(ssh_key)
    values.update(extra)
    return values


def vm_engine(endpoint, tls_dir):
    """A Docker SDK client for the VM's engine over TLS with the client certificate."""
    docker = pytest.importorskip("docker")
    tls = docker.tls.TLSConfig(client_cert=(os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem")),
                               ca_cert=os.path.join(tls_dir, "ca.pem"), verify=True)
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (the emulator's environment, and some machines'
    # own, set one) replace the session's CA; our engine CA must win. A fixed API version, because
    # version="auto" asks the engine in the constructor, before trust_env can be turned off.
    client = docker.DockerClient(base_url=endpoint, tls=tls, version="1.41", timeout=120)
    client.api.trust_env = False
    return client


def result_of(run, task):
    return run.task(task)["result"]


def test_docker_on_the_vm_end_to_end(ansible_playbook, names, ssh_key, tls_dir):
    first = ansible_playbook("docker_extension.yml", extra_vars=docker_vars(names, ssh_key, tls_dir))
    docker = result_of(first, "Docker with a TLS listener")
    assert docker["changed"] is True and docker["script_changed"] is True
    assert "DOCKYARD_RESULT" in docker["script_output"]
    assert "PRIVATE KEY" not in first.stdout

    client = vm_engine(docker["endpoint"], tls_dir)
    assert client.version()["Version"] == docker["docker_version"]
    build_busybox(client, IMAGE)  # inside the VM's engine: no registry
    # The engine's log driver is "local" (daemon_options): the SDK's run() returns output only for
    # json-file/journald, so read the logs through the API, which serves every driver that keeps them.
    container = client.containers.run(IMAGE, ["echo", "hello from the VM"], detach=True)
    assert container.wait()["StatusCode"] == 0
    output = container.logs()
    container.remove()
    assert output.strip() == b"hello from the VM"

    second = ansible_playbook("docker_extension.yml", extra_vars=docker_vars(names, ssh_key, tls_dir))
    assert second.changed == [], "second run changed: %s" % second.changed
    assert result_of(second, "Docker with a TLS listener")["docker_version"] == docker["docker_version"]

    # The script itself is idempotent: run it again on the VM, it reports no change.
    third = ansible_playbook("docker_extension.yml", extra_vars=docker_vars(names, ssh_key, tls_dir, rerun=True))
    rerun = result_of(third, "Docker with a TLS listener")
    assert rerun["changed"] is False and rerun["script_changed"] is False


def test_engine_refuses_clients_without_certificate(ansible_playbook, names, ssh_key, tls_dir):
    run = ansible_playbook("docker_extension.yml", extra_vars=docker_vars(names, ssh_key, tls_dir))
    endpoint = result_of(run, "Docker with a TLS listener")["endpoint"]
    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=endpoint, version="1.41", timeout=30,
                                 tls=docker.tls.TLSConfig(ca_cert=os.path.join(tls_dir, "ca.pem"), verify=True))
    client.api.trust_env = False
    # The TLS handshake (or the first read after it) fails: requests reports an SSLError or a reset connection.
    with pytest.raises(requests.exceptions.ConnectionError):
        client.version()


def test_failing_script_surfaces_its_output_then_recovers(ansible_playbook, names, ssh_key, tls_dir):
    ansible_playbook("docker_extension.yml", extra_vars=docker_vars(names, ssh_key, tls_dir))
    ansible_playbook("docker_extension_failure.yml", extra_vars=dict(rg=names["rg"], vm_name=names["vm_name"]))
    # A failed extension is retried by the next run with the good configuration.
    again = ansible_playbook("docker_extension.yml", extra_vars=docker_vars(names, ssh_key, tls_dir))
    assert result_of(again, "Docker with a TLS listener")["changed"] is True


def test_vm_extension_protected_settings_and_failure(ansible_playbook, names, ssh_key, tls_dir):
    # A second VM, without the Docker extension: Azure allows one Custom Script extension per VM.
    setup = dict(docker_vars(names, ssh_key, tls_dir + "-probe"), vm_name=names["probe_vm"])
    ansible_playbook("docker_extension.yml", extra_vars=dict(setup, docker_users=[], vm_only=True))
    failed = ansible_playbook("vm_extension.yml", extra_vars=dict(rg=names["rg"], vm_name=names["probe_vm"], exit_code=3),
                              expect_failure=True)
    result = result_of(failed, "Custom Script with a secret in its protected settings")
    assert "probe-err" in result["msg"] and "probe-out" in result["msg"]
    ok = ansible_playbook("vm_extension.yml", extra_vars=dict(rg=names["rg"], vm_name=names["probe_vm"], exit_code=0))
    probe = result_of(ok, "Custom Script with a secret in its protected settings")
    assert probe["changed"] and probe["extension"]["protected_settings_hash"].startswith("pbkdf2-sha256$")
    again = ansible_playbook("vm_extension.yml", extra_vars=dict(rg=names["rg"], vm_name=names["probe_vm"], exit_code=0))
    assert again.changed == []


def test_stop_start_keeps_the_os_disk_and_docker_comes_back(ansible_playbook, names, ssh_key, tls_dir):
    ansible_playbook("docker_extension.yml", extra_vars=docker_vars(names, ssh_key, tls_dir))
    ansible_playbook("vm_power_marker.yml", extra_vars=dict(rg=names["rg"], vm_name=names["vm_name"],
                                                            ssh_private_key_file=ssh_key["ssh_private_key_file"]))
    # Without systemd as PID 1 nothing restarts dockerd at boot unless the VM's init runs
    # /usr/local/sbin/dockyard-start-dockerd; a re-run of the script starts it either way.
    run = ansible_playbook("docker_extension.yml", extra_vars=docker_vars(names, ssh_key, tls_dir, rerun=True))
    docker = result_of(run, "Docker with a TLS listener")
    assert vm_engine(docker["endpoint"], tls_dir).ping()


def test_zz_cleanup(ansible_playbook, names):
    """Delete the resource group (and so the VMs and their containers)."""
    ansible_playbook("resource_group.yml", extra_vars=dict(rg_name=names["rg"], rg_state="absent", rg_force=True))
