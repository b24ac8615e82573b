"""Custom data turned into the first-boot script of a container VM (backends/container/cloud_init.py).

Pure: the generated script is checked with ``bash -n``; its behaviour in a VM is tested in
test_container_machines.py.
"""
import base64
import gzip
import subprocess
import textwrap

import pytest

from dockyard_emulator.backends.container import cloud_init


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
