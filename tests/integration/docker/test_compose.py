# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dockyard.azure.compose and compose_info through ansible-playbook against the real Docker engine."""

from __future__ import annotations

import json

import yaml

TEST_IMAGE = "dockyard-test/busybox:latest"  # built by the session fixture test_image

# A service that stops at once on SIGTERM (busybox sh as PID 1 would ignore it).
SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def two_services(web_env="one", db_env="one"):
    return {
        "services": {
            "db": {
                "image": TEST_IMAGE,
                "command": SLEEPER,
                "environment": {"MODE": db_env},
                "volumes": ["data:/data"],
                "healthcheck": {"test": ["CMD", "true"], "interval": "1s", "retries": 30},
            },
            "web": {
                "image": TEST_IMAGE,
                "command": ["httpd", "-f", "-p", "8080"],
                "environment": {"MODE": web_env},
                "ports": ["127.0.0.1::8080"],
                "depends_on": {"db": {"condition": "service_healthy"}},
                "stop_signal": "SIGKILL",
            },
        },
        "volumes": {"data": {}},
    }


def write(project, definition):
    return project.write(yaml.safe_dump(definition))


def compose(playbook, project, check=False, diff=False, expect_failure=False, **options):
    options.setdefault("project_src", str(project.dir))
    run = playbook("compose.yml", dict(options), check=check, diff=diff, expect_failure=expect_failure)
    return run, run.task("Compose")


def service(result, name):
    return [s for s in result["services"] if s["name"] == name][0]


def test_deploy_is_idempotent_and_the_compose_cli_sees_the_project(playbook, project, docker_client, events):
    write(project, two_services())
    _run, first = compose(playbook, project, project_name=project.name)
    assert first["changed"] is True
    kinds = [(a["action"], a["type"]) for a in first["actions"]]
    assert kinds == [("create", "network"), ("create", "volume"), ("create", "container"), ("create", "container")]
    web = service(first, "web")["containers"][0]
    assert web["name"] == "%s-web-1" % project.name and web["state"] == "running"
    assert web["ports"][0].startswith("127.0.0.1:")
    assert service(first, "db")["containers"][0]["health"] == "healthy"
    ids = project.ids()

    run, second = compose(playbook, project, project_name=project.name)
    assert second["changed"] is False and second["actions"] == []
    assert project.ids() == ids
    assert events(run, project.name) == []

    labels = project.containers()["%s-web-1" % project.name].labels
    assert labels["com.docker.compose.project"] == project.name
    assert labels["com.docker.compose.service"] == "web"
    assert labels["com.docker.compose.container-number"] == "1"
    assert labels["com.docker.compose.oneoff"] == "False"
    assert labels["com.docker.compose.project.working_dir"] == str(project.dir)
    assert labels["com.docker.compose.project.config_files"] == str(project.dir / "compose.yaml")
    assert labels["com.docker.compose.depends_on"] == "db:service_healthy:false"
    assert labels["com.docker.compose.image"] == docker_client.images.get(TEST_IMAGE).id

    # The reference CLI sees the project as its own: ps lists it, up finds nothing to do, down removes it.
    listed = [json.loads(line) for line in project.compose("ps", "--format", "json").stdout.splitlines() if line]
    assert sorted(c["Name"] for c in listed) == sorted(ids)
    project.compose("up", "-d")
    assert project.ids() == ids
    project.compose("down", "-t", "1")
    assert project.ids() == {}
    assert docker_client.volumes.get("%s_data" % project.name)  # down keeps volumes


def test_changed_environment_recreates_only_that_service_and_volume_data_survives(playbook, project):
    write(project, two_services())
    compose(playbook, project)
    db_name = "%s-db-1" % project.name
    web_name = "%s-web-1" % project.name
    project.containers()[db_name].exec_run(["sh", "-c", "echo kept > /data/proof"])
    ids = project.ids()

    write(project, two_services(db_env="two"))
    _run, result = compose(playbook, project)
    assert result["changed"] is True
    assert [(a["action"], a["name"]) for a in result["actions"]] == [("recreate", db_name)]
    after = project.ids()
    assert after[web_name] == ids[web_name]
    assert after[db_name] != ids[db_name]
    new_db = project.containers()[db_name]
    assert new_db.exec_run(["cat", "/data/proof"]).output.strip() == b"kept"
    assert "MODE=two" in new_db.attrs["Config"]["Env"]


def test_scale_down_and_orphans(playbook, project):
    definition = two_services()
    definition["services"]["extra"] = {"image": TEST_IMAGE, "command": SLEEPER}
    write(project, definition)
    _run, result = compose(playbook, project, scale={"web": 3})
    assert sorted(c["name"] for c in service(result, "web")["containers"]) == [
        "%s-web-%d" % (project.name, n) for n in (1, 2, 3)]

    _run, result = compose(playbook, project, scale={"web": 1})
    assert [(a["action"], a["name"]) for a in result["actions"]] == [
        ("remove", "%s-web-2" % project.name), ("remove", "%s-web-3" % project.name)]
    assert sorted(project.ids()) == sorted("%s-%s-1" % (project.name, s) for s in ("db", "web", "extra"))

    del definition["services"]["extra"]
    write(project, definition)
    run, result = compose(playbook, project)
    assert result["changed"] is False
    assert "remove_orphans" in run.stdout  # warned, kept
    assert "%s-extra-1" % project.name in project.ids()
    _run, result = compose(playbook, project, remove_orphans=True)
    assert [(a["action"], a["name"]) for a in result["actions"]] == [("remove", "%s-extra-1" % project.name)]
    assert "%s-extra-1" % project.name not in project.ids()


def test_depends_on_service_healthy_starts_the_dependent_after_the_dependency_is_healthy(playbook, project):
    definition = {
        "services": {
            "db": {
                "image": TEST_IMAGE,
                "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 2; touch /ready; sleep 3600 & wait"],
                "healthcheck": {"test": ["CMD", "test", "-f", "/ready"], "interval": "500ms", "retries": 60},
            },
            "app": {"image": TEST_IMAGE, "command": SLEEPER,
                    "depends_on": {"db": {"condition": "service_healthy"}}},
        },
    }
    write(project, definition)
    _run, result = compose(playbook, project, wait=True)
    assert result["changed"] is True
    containers = project.containers()
    db = containers["%s-db-1" % project.name].attrs
    app = containers["%s-app-1" % project.name].attrs
    healthy_at = min(entry["End"] for entry in db["State"]["Health"]["Log"] if entry["ExitCode"] == 0)
    assert app["State"]["StartedAt"] > healthy_at
    assert service(result, "db")["containers"][0]["health"] == "healthy"


def test_check_mode_touches_nothing_and_diff_shows_the_change(playbook, project, docker_client, events):
    write(project, two_services())
    run, result = compose(playbook, project, check=True, diff=True)
    assert result["changed"] is True
    assert [(a["action"], a["type"], a["name"]) for a in result["actions"]] == [
        ("create", "network", "%s_default" % project.name), ("create", "volume", "%s_data" % project.name),
        ("create", "container", "%s-db-1" % project.name), ("create", "container", "%s-web-1" % project.name)]
    assert project.ids() == {}
    assert events(run, project.name) == []
    assert docker_client.networks.list(names=["%s_default" % project.name]) == []

    compose(playbook, project)
    ids = project.ids()
    write(project, two_services(web_env="two"))
    run, result = compose(playbook, project, check=True, diff=True, scale={"web": 2})
    assert [(a["action"], a["name"]) for a in result["actions"]] == [
        ("recreate", "%s-web-1" % project.name), ("create", "%s-web-2" % project.name)]
    assert project.ids() == ids
    assert events(run, project.name) == []
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert sorted(before["services"]["web"]["containers"]) == ["%s-web-1" % project.name]
    assert sorted(after["services"]["web"]["containers"]) == ["%s-web-1" % project.name, "%s-web-2" % project.name]
    assert before["services"]["db"] == after["services"]["db"]

    # the plan check mode announced is what the real run does
    _run, applied = compose(playbook, project, scale={"web": 2})
    assert [(a["action"], a["name"]) for a in applied["actions"]] == [
        (a["action"], a["name"]) for a in result["actions"]]


def test_profiles_select_services(playbook, project):
    definition = two_services()
    definition["services"]["debug"] = {"image": TEST_IMAGE, "command": SLEEPER, "profiles": ["debug"]}
    write(project, definition)
    _run, result = compose(playbook, project)
    assert sorted(s["name"] for s in result["services"]) == ["db", "web"]
    _run, result = compose(playbook, project, profiles=["debug"])
    assert [a["name"] for a in result["actions"]] == ["%s-debug-1" % project.name]
    # without the profile the service is disabled, not an orphan: remove_orphans keeps it
    _run, result = compose(playbook, project, remove_orphans=True)
    assert result["changed"] is False
    assert "%s-debug-1" % project.name in project.ids()


def test_stopped_restarted_and_absent(playbook, project, docker_client):
    write(project, two_services())
    compose(playbook, project)
    _run, result = compose(playbook, project, state="stopped")
    assert sorted(a["action"] for a in result["actions"]) == ["stop", "stop"]
    assert all(c.status == "exited" for c in project.containers().values())
    _run, result = compose(playbook, project, wait=True)
    assert sorted(a["action"] for a in result["actions"]) == ["start", "start"]
    _run, result = compose(playbook, project, state="restarted")
    assert sorted(a["action"] for a in result["actions"]) == ["restart", "restart"]

    run = playbook("compose_info.yml", {})
    projects = run.task("Compose info")["projects"]
    mine = [p for p in projects if p["name"] == project.name][0]
    assert mine["status"] == "running(2)" and mine["services"] == ["db", "web"]
    info = playbook("compose_info.yml", {"project_name": project.name}).task("Compose info")
    assert info["exists"] is True and sorted(s["name"] for s in info["services"]) == ["db", "web"]
    assert info["volumes"] == ["%s_data" % project.name]

    _run, result = compose(playbook, project, state="absent", remove_volumes=True)
    assert result["changed"] is True
    assert project.ids() == {}
    assert docker_client.volumes.list(filters={"name": "%s_data" % project.name}) == []
    _run, result = compose(playbook, project, state="absent", remove_volumes=True)
    assert result["changed"] is False
    info = playbook("compose_info.yml", {"project_name": project.name}).task("Compose info")
    assert info["exists"] is False


def test_absent_by_project_name_only(playbook, project):
    write(project, two_services())
    compose(playbook, project)
    _run, result = compose(playbook, project, project_src=None, project_name=project.name, state="absent")
    assert result["changed"] is True and project.ids() == {}


def test_inline_definition_and_remove_images_is_absent_only(playbook, project):
    definition = {"services": {"one": {"image": TEST_IMAGE, "command": SLEEPER}}}
    _run, result = compose(playbook, project, project_src=None, project_name=project.name, definition=definition)
    assert [a["name"] for a in result["actions"]] == ["%s_default" % project.name, "%s-one-1" % project.name]
    _run, result = compose(playbook, project, project_src=None, project_name=project.name, definition=definition)
    assert result["changed"] is False
    _run, result = compose(playbook, project, project_src=None, project_name=project.name,
                           definition=definition, remove_volumes=True, allow_failure=True)
    assert result["failed"] and "state=absent only" in result["msg"]


def test_bad_input_gives_clear_errors_and_writes_nothing(playbook, project, events):
    _run, result = compose(playbook, project, files=[str(project.dir / "missing.yaml")], allow_failure=True)
    assert result["failed"] and "missing.yaml" in result["msg"]
    assert "\n" not in result["msg"].strip()

    project.write("services:\n  web:\n    image: %s\n    ports: [\"notaport:x:y:z\"]\n" % TEST_IMAGE)
    _run, result = compose(playbook, project, allow_failure=True)
    assert result["failed"] and "ports" in result["msg"]

    write(project, {"services": {"web": {"image": TEST_IMAGE, "depends_on": {"nope": {"condition": "service_started"}}}}})
    _run, result = compose(playbook, project, allow_failure=True)
    assert result["failed"] and "nope" in result["msg"]

    write(project, {"services": {"web": {"image": "dockyard-test/not-there:1"}}})
    run, result = compose(playbook, project, pull="never", allow_failure=True)
    assert result["failed"]
    assert result["msg"] == ("services.web.image: dockyard-test/not-there:1 is not present on the engine "
                             "and pull is never")
    assert project.ids() == {}
    assert events(run, project.name) == []


def test_build_from_context(playbook, project, docker_client):
    (project.dir / "app").mkdir()
    (project.dir / "app" / "Dockerfile").write_text("FROM %s\nRUN echo built > /built\n" % TEST_IMAGE)
    write(project, {"services": {"app": {"build": {"context": "./app"}, "command": SLEEPER}}})
    _run, result = compose(playbook, project)
    assert [(a["action"], a["type"]) for a in result["actions"]] == [
        ("build", "image"), ("create", "network"), ("create", "container")]
    container = project.containers()["%s-app-1" % project.name]
    assert container.exec_run(["cat", "/built"]).output.strip() == b"built"
    _run, result = compose(playbook, project)
    assert result["changed"] is False
    _run, result = compose(playbook, project, state="absent", remove_images="local")
    assert ("remove", "image", "%s-app" % project.name) in [(a["action"], a["type"], a["name"]) for a in result["actions"]]
    assert docker_client.images.list(name="%s-app" % project.name) == []


def test_compose_up_then_our_module_adopts_the_project(playbook, project):
    """A project the reference CLI deployed is converged without recreating anything."""
    write(project, two_services())
    project.compose("up", "-d", "--wait")
    ids = project.ids()
    _run, result = compose(playbook, project, project_name=project.name)
    assert result["changed"] is False, result["actions"]
    assert project.ids() == ids
