# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Container Registry end to end in the emulator: real registry server, real Docker engines.

A registry is created, left alone and deleted; its name is global and checked before any write;
images built here are pushed with the Docker SDK (image_push) and pulled by two container VMs,
one logged in with the admin user, one with the service principal's registry token (both logins
provisioned by docker_extension); a Compose deployment on a VM pulls with the credentials it is
given; a second push uploads no layer; wrong credentials fail in one line naming the registry.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

# One worker runs the whole module (make integration: --dist loadscope), so its registry and two VMs are made once.
pytestmark = pytest.mark.container_vm

SSH_OPTIONS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
               "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"]


def ssh(hosts, address, command):
    """Run `command` on a VM as its admin user: (exit code, output)."""
    done = subprocess.run(["ssh", "-i", hosts["ssh_key"], *SSH_OPTIONS, "azureuser@%s" % address, command],
                          capture_output=True, text=True, timeout=180, check=False)
    return done.returncode, done.stdout + done.stderr


def push(registry_playbook, names, hosts, images, login="admin", expect_failure=False, then_images=None):
    """The result of image_push (and of a second push in the same run, with `then_images`)."""
    extra = dict(rg=names["rg"], registry=names["registry"], images=images, ca_cert=hosts["ca_cert"], login=login)
    if then_images is not None:
        extra["then_images"] = then_images
    run = registry_playbook("push.yml", extra, expect_failure=expect_failure)
    return (run.task("Push"), run.task("Push again")) if then_images is not None else run.task("Push")


def uploads(container_emulator, names):
    """Blob uploads the registry server completed (its log has one line per request)."""
    log = container_emulator.state_dir / "registries" / names["registry"] / "registry.log"
    return len(re.findall(r'msg="response completed".*http\.request\.method=PUT.*/blobs/uploads/', log.read_text()))


def test_a_registry_is_created_then_left_alone_then_deleted(registry_playbook, container_emulator, names):
    base = dict(rg=names["rg"] + "-life", name=names["registry"] + "x", sku="Basic", tags={"team": "platform"})
    seq = container_emulator.last_sequence()
    run = registry_playbook("registry_lifecycle.yml", dict(base, again=True, planned_sku="Standard"))
    created = run.task("Registry")
    assert created["changed"] is True and created["registry"]["provisioning_state"] == "Succeeded"
    assert re.fullmatch(r"[0-9.]+:[0-9]+", created["registry"]["login_server"])
    assert run.task("Registry again")["changed"] is False
    planned = run.task("Registry with another SKU, check mode")
    assert planned["changed"] is True and planned["registry"]["sku"] == "Standard"
    # the same task again and the check-mode run wrote nothing: the run's only writes are the two creations
    writes = [(w["method"], w["path"].split("?")[0].lower().rsplit("/", 2)[-2]) for w in container_emulator.arm_writes(seq)]
    assert writes == [("PUT", "resourcegroups"), ("PUT", "registries")], writes
    deleted = registry_playbook("registry_lifecycle.yml", dict(base, state="absent", again=True))
    assert deleted.task("Registry")["changed"] is True and deleted.task("Registry again")["changed"] is False
    assert not (container_emulator.state_dir / "registries" / base["name"]).exists()


def test_taken_and_invalid_names_fail_before_any_write(registry_playbook, container_emulator, names, hosts):
    seq = container_emulator.last_sequence()
    run = registry_playbook("registry_names.yml", dict(rg=names["rg"] + "-other",
                                                       names=[names["registry"].upper(), "my-registry"]))
    taken, invalid = run.task("Registry")["results"]
    assert taken["option"] == "name" and "(AlreadyExists)" in taken["msg"]
    assert invalid["option"] == "name" and "not a valid registry name" in invalid["msg"]
    writes = [(w["method"], w["path"]) for w in container_emulator.arm_writes(seq)]
    assert all("/providers/" not in path for dummy, path in writes), writes  # only the resource group's PUT


def test_push_once_then_two_hosts_pull_with_admin_user_and_with_token(registry_playbook, names, hosts, local_image):
    first = push(registry_playbook, names, hosts, [local_image])
    image = first["images"][0]
    assert first["changed"] is True and image["layers_pushed"] >= 1 and image["layers_skipped"] == 0
    reference = image["reference"]
    digest = image["digests"]["1"]
    assert reference == "%s/%s" % (hosts["login_server"], local_image)
    assert not os.path.exists("/etc/docker/certs.d/%s" % hosts["login_server"])  # trust only for the push
    for address in (hosts["vm1_address"], hosts["vm2_address"]):  # admin user, then the registry token
        code, output = ssh(hosts, address, "sudo docker pull %s && sudo docker image inspect --format "
                                           "'{{index .RepoDigests 0}}' %s" % (reference, reference))
        assert code == 0, output
        assert output.strip().endswith("@" + digest)


def test_compose_on_a_host_pulls_with_the_credentials_it_is_given(registry_playbook, names, hosts, local_image):
    tagged = push(registry_playbook, names, hosts, [{"source": local_image, "tags": ["compose"]}], login="token")
    assert tagged["images"][0]["pushed_tags"] == ["compose"]
    image = "%s/%s:compose" % (hosts["login_server"], local_image.rsplit(":", 1)[0])
    deployed = registry_playbook("compose_pull.yml", dict(rg=names["rg"], registry=names["registry"],
                                                          endpoint=hosts["vm1_endpoint"], tls_dir=hosts["tls_dir"],
                                                          image=image)).task("Deploy")
    assert "pull" in [a["action"] for a in deployed["actions"]]
    assert deployed["services"][0]["state"] == "running"


def test_a_second_push_uploads_no_layer(registry_playbook, container_emulator, names, hosts, local_image):
    push(registry_playbook, names, hosts, [local_image])
    before = uploads(container_emulator, names)
    unchanged, retagged = push(registry_playbook, names, hosts, [local_image],
                               then_images=[{"source": local_image, "tags": ["1", "v2"]}])
    assert unchanged["changed"] is False and unchanged["images"][0]["pushed_tags"] == []
    image = retagged["images"][0]
    assert retagged["changed"] is True and image["pushed_tags"] == ["v2"]
    assert image["layers_pushed"] == 0 and image["layers_skipped"] >= 1
    assert uploads(container_emulator, names) == before


def test_wrong_credentials_fail_in_one_line_naming_the_registry(registry_playbook, names, hosts, local_image):
    refused = push(registry_playbook, names, hosts, [local_image], login="wrong", expect_failure=True)
    assert refused["msg"] == ("registry %s refused the credentials of user '%s': unauthorized: authentication "
                              "required, visit https://aka.ms/acr/authorization for more information."
                              % (hosts["login_server"], names["registry"]))
    assert "not-the-password" not in str(refused)
