# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dockyard.azure.image_copy between two real engines.

The second engine is a throwaway dockerd in its own network namespace (``unshare -n``, so it cannot
touch the host's bridges), with its own data and exec roots and a unix socket in a temp directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import docker
import pytest

TEST_IMAGE = "dockyard-test/busybox:latest"


@pytest.fixture(scope="module")
def second_engine():
    dockerd = shutil.which("dockerd")
    unshare = shutil.which("unshare")
    if not dockerd or not unshare or os.geteuid() != 0:
        pytest.skip("needs root, dockerd and unshare to start a throwaway engine")
    root = tempfile.mkdtemp(prefix="dk2-", dir="/tmp")
    sock = os.path.join(root, "docker.sock")
    with open(os.path.join(root, "dockerd.log"), "w") as log:  # dockerd keeps its own copy of the descriptor
        proc = subprocess.Popen([unshare, "-n", dockerd, "--data-root", os.path.join(root, "data"),
                                 "--exec-root", os.path.join(root, "exec"), "--pidfile", os.path.join(root, "pid"),
                                 "-H", "unix://" + sock, "--bridge", "none", "--iptables=false", "--ip-masq=false",
                                 "--storage-driver", "vfs"], stdout=log, stderr=subprocess.STDOUT)
    client = None
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if os.path.exists(sock):
                try:
                    client = docker.DockerClient(base_url="unix://" + sock, version="auto")
                    client.ping()
                    break
                except Exception:  # noqa: BLE001 - engine still starting
                    client = None
            if proc.poll() is not None:
                break
            time.sleep(0.25)
        if client is None:
            pytest.fail("throwaway dockerd did not start; see %s/dockerd.log" % root)
        yield "unix://" + sock, client
    finally:
        if client is not None:
            client.close()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        subprocess.run(["umount", "-R", os.path.join(root, "exec")], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def test_image_copy_streams_missing_images_and_skips_present_ones(playbook, second_engine, test_image):
    target_host, target = second_engine
    with pytest.raises(docker.errors.ImageNotFound):
        target.images.get(TEST_IMAGE)

    checked = playbook("image_copy.yml", {"images": [TEST_IMAGE], "target_host": target_host}, check=True)
    result = checked.task("Image copy")
    assert result["changed"] is True and result["copied"] == [TEST_IMAGE]
    with pytest.raises(docker.errors.ImageNotFound):
        target.images.get(TEST_IMAGE)

    result = playbook("image_copy.yml", {"images": [TEST_IMAGE], "target_host": target_host}).task("Image copy")
    assert result["changed"] is True and result["copied"] == [TEST_IMAGE]
    assert target.images.get(TEST_IMAGE).id == test_image

    result = playbook("image_copy.yml", {"images": [TEST_IMAGE], "target_host": target_host}).task("Image copy")
    assert result["changed"] is False and result["already_present"] == [TEST_IMAGE] and result["copied"] == []

    # same ID under another name: only tagged
    target.images.get(TEST_IMAGE).tag("dockyard-test/other", "x")
    target.images.remove(TEST_IMAGE)
    result = playbook("image_copy.yml", {"images": [TEST_IMAGE], "target_host": target_host}).task("Image copy")
    assert result["tagged"] == [TEST_IMAGE] and result["copied"] == []
    assert target.images.get(TEST_IMAGE).id == test_image


def test_image_copy_errors_name_the_image(playbook, second_engine):
    target_host = second_engine[0]
    run = playbook("image_copy.yml", {"images": ["dockyard-test/absent:1"], "target_host": target_host,
                                      "allow_failure": True})
    result = run.task("Image copy")
    assert result["failed"] and result["msg"] == "images: dockyard-test/absent:1 is not present on the source engine"
    run = playbook("image_copy.yml", {"images": [TEST_IMAGE], "target_host": "unix:///nonexistent/docker.sock",
                                      "allow_failure": True})
    assert "/nonexistent/docker.sock" in run.task("Image copy")["msg"]
