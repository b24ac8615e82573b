# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named volume data survives what a deployment does to its containers (issue 11).

A service writes a stamp (the time it first started) into a named volume once. The stamp must
be the same after a recreate (its configuration changed), an image change, a restart, a removal
of the project without remove_volumes, and a restart of the Docker engine itself. The engine
restarted is a throwaway dockerd of the test's own (its network namespace, its data root under
tests/output): the shared engine is never restarted.
"""

from __future__ import annotations

import io
import tarfile

import docker
from harness import TEST_IMAGE, Playbook, unique, write_playbook

STAMP = "test -f /data/stamp || cat /proc/uptime > /data/stamp; exec sleep 3600"


def definition(image=TEST_IMAGE, mode="one"):
    return {"services": {"app": {"image": image, "command": ["sh", "-c", STAMP], "stop_grace_period": "1s",
                                 "restart": "unless-stopped", "environment": {"MODE": mode},
                                 "volumes": ["data:/data"]}},
            "volumes": {"data": {}}}


def stamp(client, project):
    container = client.containers.get(project + "-app-1")
    code, output = container.exec_run(["cat", "/data/stamp"])
    assert code == 0, output
    return output.decode().strip()


def compose_playbook(tmp_path):
    return Playbook(write_playbook(tmp_path, "compose", [{
        "name": "Compose", "dockyard.azure.compose": {
            "project_name": "{{ project }}", "definition": "{{ definition }}", "state": "{{ compose_state | default('present') }}",
            "docker_host": "{{ engine_url | default(omit) }}", "wait": True, "wait_timeout": 60}}]), tmp_path)


def retagged(client, new_tag):
    """The test image under another tag with another ID (one more label): an image change."""
    context = io.BytesIO()
    dockerfile = ("FROM %s\nLABEL dockyard.test.variant=%s\n" % (TEST_IMAGE, new_tag)).encode()
    with tarfile.open(fileobj=context, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    context.seek(0)
    image, _logs = client.images.build(fileobj=context, custom_context=True, tag=new_tag, rm=True)
    return image


def test_named_volume_data_survives_recreate_image_change_restart_and_absent(engine, busybox, tmp_path, figures):
    project = unique("dyvol")
    playbook = compose_playbook(tmp_path)
    variant = "dockyard-test/busybox:variant-" + project
    retagged(engine, variant)
    try:
        playbook.run({"project": project, "definition": definition()})
        first = stamp(engine, project)
        steps = {
            "recreate": {"definition": definition(mode="two")},
            "image change": {"definition": definition(image=variant, mode="two")},
            "restart": {"definition": definition(image=variant, mode="two"), "compose_state": "restarted"},
            "absent without remove_volumes": {"definition": definition(image=variant, mode="two"), "compose_state": "absent"},
            "present again": {"definition": definition(image=variant, mode="two")},
        }
        old_id = engine.containers.get(project + "-app-1").id
        for step, variables in steps.items():
            playbook.run(dict(variables, project=project))
            if variables.get("compose_state") == "absent":
                assert not engine.containers.list(all=True, filters={"label": "com.docker.compose.project=" + project})
                continue
            assert stamp(engine, project) == first, "the volume lost its data at: %s" % step
        assert engine.containers.get(project + "-app-1").id != old_id
        figures("volume_data", checks=len(steps) - 1, lost=0)
    finally:
        playbook.run({"project": project, "definition": definition(), "compose_state": "absent"}, expect_failure=None)
        for volume in engine.volumes.list(filters={"label": "com.docker.compose.project=" + project}):
            volume.remove(force=True)
        engine.images.remove(variant, force=True)


def test_named_volume_data_survives_an_engine_restart(engine, busybox, throwaway_engine, tmp_path, figures):
    throwaway_engine.client.images.load(b"".join(engine.api.get_image(TEST_IMAGE)))
    project = unique("dyvolrestart")
    playbook = compose_playbook(tmp_path)
    variables = {"project": project, "definition": definition(), "engine_url": throwaway_engine.url}
    playbook.run(variables)
    first = stamp(throwaway_engine.client, project)
    throwaway_engine.stop()
    throwaway_engine.start()
    again = playbook.run(variables)  # the container came back by its restart policy, or the run starts it
    assert again.result("Compose")["status"] in ("ok", "changed")
    assert stamp(throwaway_engine.client, project) == first
    assert throwaway_engine.client.containers.get(project + "-app-1").status == "running"
    once_more = playbook.run(variables)
    assert once_more.result("Compose")["status"] == "ok"
    figures("volume_data", checks=1, lost=0, engine_restarts=1)
    try:
        throwaway_engine.client.containers.get(project + "-app-1").remove(force=True)
    except docker.errors.NotFound:
        pass
