"""The container VM backend: pure parts (custom data, image recipe) and real VMs on the Docker engine.

The Docker tests build the Debian VM image once per session (debootstrap + docker import; about a
minute cold, nothing when an image of the same recipe exists), create VMs with a generated SSH key
and log in with the real `ssh`. Everything they create carries the label of a per-session emulator
id and is removed at the end. The Docker-in-Docker test is marked ``slow`` (deselect with
``-m "not slow"``).
"""
import base64
import gzip
import os
import shutil
import subprocess
import textwrap
import time
import uuid

import pytest

from dockyard_emulator import vm_image
from dockyard_emulator.backends import cloud_init

# ---------------------------------------------------------------------------------------------
# custom data -> first boot script (pure)


def b64(text):
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def run_script(script, tmp_path):
    """Run a generated first-boot script with bash -n (syntax) only: behaviour is tested in VMs."""
    path = tmp_path / "script.sh"
    path.write_text(script)
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_no_custom_data_means_nothing_to_run():
    assert cloud_init.first_boot_script(None) is None
    assert cloud_init.first_boot_script("") is None


def test_shell_script_runs_as_is(tmp_path):
    script = cloud_init.first_boot_script(b64("#!/bin/sh\necho hi > /tmp/x\n"), "azureuser")
    run_script(script, tmp_path)
    assert b64("#!/bin/sh\necho hi > /tmp/x\n") in script
    assert script.rstrip().endswith("exit $failed")


def test_gzipped_custom_data_is_unpacked():
    data = gzip.compress(b"#!/bin/sh\necho zipped\n")
    script = cloud_init.first_boot_script(base64.b64encode(data).decode(), "azureuser")
    assert b64("#!/bin/sh\necho zipped\n") in script


def test_cloud_config_modules_in_cloud_init_order(tmp_path):
    doc = textwrap.dedent("""\
        #cloud-config
        runcmd:
          - echo one
          - [touch, "/tmp/with space"]
        packages: [jq, [curl, "7.88*"]]
        write_files:
          - path: /etc/later
            content: late
            defer: true
          - path: /etc/app.conf
            content: hello
            permissions: '0600'
          - path: /etc/bin.dat
            encoding: b64
            content: aGk=
        users:
          - default
          - name: deploy
            groups: [docker, adm]
            sudo: ALL=(ALL) NOPASSWD:ALL
            ssh_authorized_keys: [ssh-ed25519 AAAAkey deploy@x]
        timezone: Europe/Paris
        """)
    script = cloud_init.first_boot_script(b64(doc), "azureuser")
    run_script(script, tmp_path)
    order = [script.index(f'dockyard-cloud-init: {name}"') for name in
             ("write_files", "users", "packages", "write_files_deferred", "runcmd")]
    assert order == sorted(order)
    assert "timezone is not supported by the emulator; ignored" in script
    assert "install jq 'curl=7.88*'" in script
    assert "apt-get update" in script
    assert b64("#!/bin/sh\necho one\ntouch '/tmp/with space'\n") in script
    assert b64("aGk=") not in script and b64(b"hi") in script  # b64 content is written decoded
    assert "useradd -m" in script and "deploy" in script


def test_cloud_config_user_string_and_sudo_false(tmp_path):
    script = cloud_init.first_boot_script(b64("#cloud-config\nusers: [alice, {name: bob, sudo: false}]\n"), "u")
    run_script(script, tmp_path)
    assert "90-cloud-init-users" not in script


def test_multipart_custom_data(tmp_path):
    mime = textwrap.dedent("""\
        Content-Type: multipart/mixed; boundary="XX"
        MIME-Version: 1.0

        --XX
        Content-Type: text/cloud-config

        #cloud-config
        runcmd: [echo from-config]
        --XX
        Content-Type: text/x-shellscript

        #!/bin/sh
        echo from-script
        --XX--
        """)
    script = cloud_init.first_boot_script(b64(mime), "u")
    run_script(script, tmp_path)
    assert "runcmd" in script and "user script part 2" in script


@pytest.mark.parametrize("data, message", [
    ("#cloud-config\nruncmd: [unclosed\n", "not valid YAML"),
    ("#cloud-config\n- a list\n", "YAML mapping"),
    ("#cloud-config\nwrite_files: [{content: x}]\n", "needs a path"),
])
def test_bad_cloud_config_is_refused(data, message):
    with pytest.raises(cloud_init.CustomDataError, match=message):
        cloud_init.first_boot_script(b64(data), "u")


def test_unknown_custom_data_is_reported_not_run():
    script = cloud_init.first_boot_script(b64("just some text"), "u")
    assert "is not supported; ignored" in script


# ---------------------------------------------------------------------------------------------
# image recipe (pure)


def test_content_key_follows_the_recipe():
    a = vm_image.recipe("http://m/debian", "http://m/debian-security")
    b = vm_image.recipe("http://m/debian", "http://m/debian-security")
    assert vm_image.image_tag(a) == vm_image.image_tag(b)
    c = dict(a, packages=a["packages"] + ["jq"])
    assert vm_image.content_key(c) != vm_image.content_key(a)
    d = vm_image.recipe("http://other/debian", "http://m/debian-security")
    assert vm_image.content_key(d) != vm_image.content_key(a)


def test_mirror_is_read_from_apt_sources(tmp_path):
    apt = tmp_path / "etc/apt/sources.list.d"
    apt.mkdir(parents=True)
    (apt / "debian.sources").write_text(textwrap.dedent("""\
        Types: deb
        URIs: http://mirror.example/debian
        Suites: bookworm bookworm-updates
        Components: main

        Types: deb
        URIs: http://mirror.example/debian-security
        Suites: bookworm-security
        Components: main
        """))
    (tmp_path / "etc/apt/sources.list").write_text("# deb http://commented/debian bookworm main\n")
    assert vm_image.configured_mirrors(str(tmp_path)) == (
        "http://mirror.example/debian", "http://mirror.example/debian-security")
    (apt / "debian.sources").unlink()
    (tmp_path / "etc/apt/sources.list").write_text("deb [arch=amd64] http://one.example/debian/ bookworm main\n")
    assert vm_image.configured_mirrors(str(tmp_path)) == (
        "http://one.example/debian", "http://one.example/debian-security")


# ---------------------------------------------------------------------------------------------
# real VMs

docker = pytest.importorskip("docker")
from dockyard_emulator.backends import container as cb  # noqa: E402


def _docker_ok():
    try:
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
    b = cb.ContainerVmBackend(state_dir, f"t{uuid.uuid4().hex[:8]}")
    started = time.monotonic()
    b.ensure_image()
    print(f"\nVM image ready in {time.monotonic() - started:.1f}s: {b._image}")
    yield b
    b.cleanup()
    client = b.client
    flt = {"label": f"{cb.LABEL_EMULATOR}={b.emulator_id}"}
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
    again = cb.ContainerVmBackend(state_dir)  # the id comes back from the state dir
    assert again.emulator_id == backend.emulator_id
    found = {v["vm_key"]: v for v in again.find_existing()}
    assert found[vm_key]["address"] == address
    assert found[vm_key]["computer_name"] == "web-01"
    assert found[vm_key]["os_disk_name"] == "vm1_OsDisk_1"
    assert found[vm_key]["power_state"] == "running"


@needs_docker
def test_invalid_spec_creates_nothing(backend, key):
    before = len(backend.client.containers.list(all=True))
    for spec, message in [
        ({"computer_name": "bad_name", "admin_username": "u", "ssh_public_keys": [key[1]]}, "computer_name"),
        ({"computer_name": "ok", "admin_username": "root", "ssh_public_keys": [key[1]]}, "admin_username"),
        ({"computer_name": "ok", "admin_username": "u", "ssh_public_keys": []}, "SSH public key"),
        ({"computer_name": "ok", "admin_username": "u", "ssh_public_keys": [key[1]],
          "custom_data": b64("#cloud-config\nruncmd: [x\n")}, "custom_data"),
    ]:
        with pytest.raises(cb.BackendError, match=message):
            backend.create("/x/invalid", spec)
    assert len(backend.client.containers.list(all=True)) == before


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
        volumes = client.volumes.list(filters={"label": f"{cb.LABEL_VM}={vm_key}"})
        if keep:
            assert backend.kept_os_disks() == ["disk-True"] and len(volumes) == 1
            image = f"{backend.disk_image_repository('disk-True')}:latest"
            out = client.containers.run(image, ["cat", "/root/data.txt"], entrypoint=[], remove=True)
            assert out == b"kept\n"
            backend.delete_os_disk("disk-True")
            assert backend.kept_os_disks() == []
            assert not client.volumes.list(filters={"label": f"{cb.LABEL_VM}={vm_key}"})
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
            "/", cb._tar({"/var/tmp/bbroot/bin/busybox": (f.read(), 0o755)}))
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
def test_seam_adapter_drives_a_vm_from_an_arm_record(backend, key, state_dir):
    """ContainerBackend (vm_backends seam): an ARM VM record in, a reachable VM out."""
    from types import SimpleNamespace
    adapter = cb.ContainerBackend(SimpleNamespace(state_dir=state_dir))
    ctx = SimpleNamespace(app=None)
    vm = {"id": "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/Seam",
          "body": {"name": "Seam", "properties": {
              "osProfile": {"computerName": "seam-host", "adminUsername": "Azure.User",
                            "linuxConfiguration": {"ssh": {"publicKeys": [{"path": "/x", "keyData": key[1]}]}}},
              "storageProfile": {"osDisk": {"name": "Seam_OsDisk", "deleteOption": "Delete"}}}},
          "internal": {"power": "running", "customData": b64("#!/bin/sh\necho seam > /var/tmp/seam\n")}}
    adapter.provision(ctx, vm)
    assert adapter.impl().emulator_id == backend.emulator_id
    address, port = adapter.addresses(ctx, vm)
    assert vm["internal"]["backend"]["address"] == address and port == 22
    assert ssh(key, "Azure.User", address, "hostname").stdout.strip() == "seam-host"
    assert adapter.instance_view(ctx, vm)["osName"] == "debian"
    assert backend.wait_custom_data(vm["id"].lower(), 30)[0] == "done"
    assert adapter.run_command(ctx, vm, "cat /var/tmp/seam", {}, 30)[:2] == (0, "seam\n")
    adapter.power(ctx, vm, "powerOff")
    assert adapter.instance_view(ctx, vm) == {}
    vm["internal"]["power"] = "stopped"
    adapter.provision(ctx, vm)  # an update of a stopped VM keeps it stopped
    assert backend.power_state(vm["id"].lower()) == "stopped"
    adapter.power(ctx, vm, "start")
    with pytest.raises(cb.ArmError) as err:
        adapter.power(ctx, {"id": "/x/none", "body": {}, "internal": {}}, "start")
    assert err.value.code == "VMNotFoundInBackend"
    adapter.delete(ctx, vm)
    assert adapter.addresses(ctx, vm) is None and backend.kept_os_disks() == []
