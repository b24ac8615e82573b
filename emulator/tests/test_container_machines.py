"""Container VMs on the real Docker engine (backends/container/machines.py and guest.py).

The tests build the Debian VM image once per session (debootstrap + docker import; about a minute
cold, nothing when an image of the same recipe exists), create VMs with a generated SSH key and log
in with the real `ssh`. Everything they create carries the label of a per-session emulator id and is
removed at the end (fixtures in conftest.py). The Docker-in-Docker test is marked ``slow`` (deselect
with ``-m "not slow"``).
"""
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import docker
import pytest
from conftest import SSH_OPTS, b64, needs_docker, ssh

from dockyard_emulator.backends.container import guest
from dockyard_emulator.backends.container import machines as cb


@needs_docker
def test_ssh_login_with_key_and_passwordless_sudo(vm, key):
    vm_key, address = vm
    out = ssh(key, "azureuser", address, "sudo -n true && hostname && id -un").stdout.split()
    assert out == ["web-01", "azureuser"]


@needs_docker
def test_password_login_is_disabled(vm, key, backend):
    vm_key, address = vm
    result = subprocess.run(["ssh", *SSH_OPTS, "-o", "PubkeyAuthentication=no",
                             "-o", "PreferredAuthentications=password,keyboard-interactive",
                             f"azureuser@{address}", "true"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 255
    assert "Permission denied (publickey)" in result.stderr
    code, out, _ = backend.run_command(vm_key, "sshd -T | grep -E '^(passwordauthentication|kbdinteractiveauthentication) '", {}, 30)
    assert code == 0 and sorted(out.split()) == sorted(["passwordauthentication", "no", "kbdinteractiveauthentication", "no"])


@needs_docker
def test_cloud_config_applied(vm, key, backend):
    vm_key, address = vm
    status, output = backend.wait_custom_data(vm_key, timeout=120)
    assert status == "done", output
    assert ssh(key, "azureuser", address, "cloud-init status --wait").stdout.strip() == "status: done"
    out = ssh(key, "azureuser", address, "sudo cat /etc/dockyard-test/app.conf; stat -c %a /etc/dockyard-test/app.conf;"
              " cat /var/tmp/runcmd.txt /var/tmp/hostname.txt").stdout
    assert out.split("\n")[:4] == ["greeting=hello", "640", "runcmd ran as root", "web-01"]
    # users: a second user with its own key and sudo
    assert ssh(key, "deploy", address, "sudo -n id -un").stdout.strip() == "root"


@needs_docker
def test_shell_script_custom_data_runs_once(backend, key):
    vm_key = "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/script-vm"
    script = "#!/bin/bash\necho run >> /var/tmp/runs\necho from-script\n"
    address = backend.create(vm_key, {"computer_name": "script-vm", "admin_username": "ops",
                                      "ssh_public_keys": [key[1]], "custom_data": b64(script),
                                      "os_disk_name": "d2"})["address"]
    status, output = backend.wait_custom_data(vm_key, timeout=60)
    assert status == "done" and "from-script" in output
    backend.restart(vm_key)
    assert backend.address(vm_key) == address
    assert ssh(key, "ops", address, "cat /var/tmp/runs").stdout == "run\n"
    # a failing script is reported as cloud-init reports it
    backend.delete(vm_key)
    bad_key = vm_key + "-bad"
    backend.create(bad_key, {"computer_name": "bad-vm", "admin_username": "ops", "ssh_public_keys": [key[1]],
                             "custom_data": b64("#!/bin/sh\necho oops >&2\nexit 7\n")})
    status, output = backend.wait_custom_data(bad_key, timeout=60)
    assert status == "error 1" and "oops" in output and "exited 7" in output
    code, out, _ = backend.run_command(bad_key, "cloud-init status --long", {}, 30)
    assert code == 1 and "status: error" in out
    backend.delete(bad_key)


@needs_docker
def test_stop_start_keeps_data_and_address(vm, key, backend):
    vm_key, address = vm
    ssh(key, "azureuser", address, "echo persisted > ~/note.txt && sudo sh -c 'echo sys > /opt/sys.txt'")
    backend.stop(vm_key)
    assert backend.power_state(vm_key) == "stopped"
    with pytest.raises(cb.VmNotRunning):
        backend.run_command(vm_key, "true", {}, 10)
    backend.deallocate(vm_key)  # a stopped VM can be deallocated too
    backend.start(vm_key)
    assert backend.power_state(vm_key) == "running"
    assert backend.address(vm_key) == address
    assert ssh(key, "azureuser", address, "cat ~/note.txt /opt/sys.txt").stdout == "persisted\nsys\n"


@needs_docker
def test_run_command(vm, backend):
    vm_key, _ = vm
    assert backend.run_command(vm_key, "echo out; echo err >&2; exit 3", {}, 30) == (3, "out\n", "err\n")
    code, out, _ = backend.run_command(vm_key, "#!/usr/bin/python3\nimport os\nprint(os.environ['GREETING'], os.getuid())\n",
                                       {"GREETING": "hi"}, 30)
    assert (code, out) == (0, "hi 0\n")
    code, out, err = backend.run_command(vm_key, "seq 1 100000", {}, 30, tail=20)
    assert code == 0 and out.endswith("99999\n100000\n") and len(out) == 20
    started = time.monotonic()
    code, out, _ = backend.run_command(vm_key, "echo before; sleep 60", {}, 2)
    assert code == 124 and out == "before\n" and time.monotonic() - started < 30
    with pytest.raises(cb.VmNotFound):
        backend.run_command(vm_key + "-missing", "true", {}, 10)


@needs_docker
def test_emulator_restart_finds_vms_again(vm, backend, state_dir):
    vm_key, address = vm
    again = cb.ContainerMachines(state_dir)  # the id comes back from the state dir
    assert again.emulator_id == backend.emulator_id
    found = {v["vm_key"]: v for v in again.find_existing()}
    assert found[vm_key]["address"] == address
    assert found[vm_key]["computer_name"] == "web-01"
    assert found[vm_key]["os_disk_name"] == "vm1_OsDisk_1"
    assert found[vm_key]["power_state"] == "running"


@needs_docker
def test_invalid_spec_creates_nothing(backend, key):
    # Only this emulator's containers count: the engine is shared with other test runs.
    def ours():
        return backend.client.containers.list(all=True, filters={"label": "dockyard.emulator=%s" % backend.emulator_id})

    before = len(ours())
    for spec, message in [
        ({"computer_name": "bad_name", "admin_username": "u", "ssh_public_keys": [key[1]]}, "computer_name"),
        ({"computer_name": "ok", "admin_username": "root", "ssh_public_keys": [key[1]]}, "admin_username"),
        ({"computer_name": "ok", "admin_username": "u", "ssh_public_keys": []}, "SSH public key"),
        ({"computer_name": "ok", "admin_username": "u", "ssh_public_keys": [key[1]],
          "custom_data": b64("#cloud-config\nruncmd: [x\n")}, "custom_data"),
    ]:
        with pytest.raises(cb.BackendError, match=message):
            backend.create("/x/invalid", spec)
    assert len(ours()) == before


@needs_docker
def test_delete_removes_container_and_volumes_or_keeps_the_disk(backend, key):
    client = backend.client
    for keep in (False, True):
        vm_key = f"/x/delete-me-{keep}"
        backend.create(vm_key, {"computer_name": "gone", "admin_username": "u", "ssh_public_keys": [key[1]],
                                "os_disk_name": f"disk-{keep}"})
        backend.run_command(vm_key, "echo kept > /root/data.txt", {}, 30)
        name = backend.container_name(vm_key)
        backend.delete(vm_key, keep_os_disk=keep)
        assert backend.power_state(vm_key) is None and backend.address(vm_key) is None
        with pytest.raises(docker.errors.NotFound):
            client.containers.get(name)
        # this emulator's volumes only: the engine is shared, and a killed earlier run may have left its own
        mine = {"label": [f"{cb.LABEL_EMULATOR}={backend.emulator_id}", f"{cb.LABEL_VM}={vm_key}"]}
        volumes = client.volumes.list(filters=mine)
        if keep:
            assert backend.kept_os_disks() == ["disk-True"] and len(volumes) == 1
            image = f"{backend.disk_image_repository('disk-True')}:latest"
            out = client.containers.run(image, ["cat", "/root/data.txt"], entrypoint=[], remove=True)
            assert out == b"kept\n"
            backend.delete_os_disk("disk-True")
            assert backend.kept_os_disks() == []
            assert not client.volumes.list(filters=mine)
        else:
            assert volumes == []
        backend.delete(vm_key)  # deleting again is a no-op


@needs_docker
@pytest.mark.slow
def test_docker_in_docker(vm, key, backend):
    """apt-get install docker.io in the VM starts dockerd; an image imported there runs; it survives stop/start."""
    vm_key, address = vm
    started = time.monotonic()
    code, out, err = backend.run_command(
        vm_key, "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io", {}, 900)
    assert code == 0, out + err
    print(f"\napt-get install docker.io in the VM: {time.monotonic() - started:.1f}s")
    # the package's postinst started the engine (invoke-rc.d sees runlevel 2)
    code, out, err = backend.run_command(vm_key, "for i in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done;"
                                                 " docker info --format '{{.ServerVersion}} {{.Driver}}'", {}, 90)
    assert code == 0 and "overlay2" in out, out + err
    # a tiny image imported inside the VM from the host's busybox-static: no registry
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox):
        pytest.skip("busybox-static is not installed on this machine")
    with open(busybox, "rb") as f:
        backend.client.containers.get(backend.container_name(vm_key)).put_archive(
            "/", guest.tar_archive({"/var/tmp/bbroot/bin/busybox": (f.read(), 0o755)}))
    run = ("set -e; ln -sf busybox /var/tmp/bbroot/bin/sh; tar -C /var/tmp/bbroot -c . | docker import - local/busybox:1 >/dev/null;"
           " docker run --rm local/busybox:1 sh -c 'echo inner says hi; busybox hostname'")
    code, out, err = backend.run_command(vm_key, run, {}, 120)
    assert code == 0 and out.startswith("inner says hi\n"), out + err
    # the admin user reaches the engine with sudo over ssh
    assert "local/busybox" in ssh(key, "azureuser", address, "sudo docker images --format '{{.Repository}}'").stdout
    # the VM's init brings dockerd back after stop/start; images (the /var/lib/docker volume) survive
    backend.stop(vm_key)
    backend.start(vm_key)
    code, out, err = backend.run_command(vm_key, "for i in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done;"
                                                 " docker run --rm local/busybox:1 sh -c 'echo back'", {}, 120)
    assert (code, out) == (0, "back\n"), err


@needs_docker
def test_a_new_vm_trusts_the_emulators_ca(backend, key, state_dir, tmp_path):
    """As an Azure VM trusts the public CAs, a container VM trusts the emulator's CA (its registries' certificates)."""
    from dockyard_emulator import crypto
    crypto.ensure_pki(Path(state_dir))
    crypto.issue_server_certificate(Path(state_dir), "10.0.0.1", ["10.0.0.1"], [], tmp_path / "s.pem", tmp_path / "k.pem")
    leaf = (tmp_path / "s.pem").read_text().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    vm_key = "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vmca"
    address = backend.create(vm_key, {"computer_name": "ca-01", "admin_username": "azureuser",
                                      "ssh_public_keys": [key[1]]})["address"]
    try:
        out = ssh(key, "azureuser", address, "printf '%%s' %s > /tmp/leaf.pem && openssl verify /tmp/leaf.pem"
                  % shlex.quote(leaf))
        assert out.stdout.strip() == "/tmp/leaf.pem: OK"
    finally:
        backend.delete(vm_key)
