# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker Swarm across three container VMs of the emulator, through ansible-playbook (issue 12).

One scenario, in order (the tests share the swarm: one module, so `--dist loadscope` runs them on one worker): the cluster
forms and a second run writes nothing; a stack deploys (check mode first: its plan is the run's
plan), redeploys without a write, updates only the service whose spec changed, scales, rotates a
secret, prunes; a drain moves tasks; a failing update rolls back with the task's error; bad input
is refused before any write; a stack the Docker CLI deployed is adopted without a write.

Writes are counted with the manager's event stream. The machine's kernel has no IPVS, so the
stack publishes host-mode ports with `dnsrr` endpoints where the test talks to it; one service
uses a VIP and an ingress port to show the module supports them (its routing mesh is not probed).
"""

from __future__ import annotations

import time
import urllib.request

import pytest
from conftest import SWARM_TYPES  # pylint: disable=import-error

pytestmark = [pytest.mark.container_vm]

STACK = "app"
PAGE = "hello from the stack\n"


def app(tmp_path, image, api_env="one", web_replicas=3, secret="s3cret-1", cache=True, api_command=None):
    """The test stack: web (dnsrr, host port 8080, config, secret, healthcheck), api, edge (VIP + ingress), cache."""
    secret_file = tmp_path / ("token-%s.txt" % secret)
    secret_file.write_text(secret)
    quick = {"stop_grace_period": "1s"}
    sleeper = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    services = {
        "web": dict(quick, image=image, command=["httpd", "-f", "-p", "8080", "-h", "/www"],
                    environment={"ROLE": "web"},
                    configs=[{"source": "page", "target": "/www/index.html"}],
                    secrets=[{"source": "token", "target": "token"}],
                    healthcheck={"test": ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"],
                                 "interval": "1s", "timeout": "2s", "retries": 10},
                    networks=["front"],
                    ports=[{"target": 8080, "published": 8080, "mode": "host"}],
                    deploy={"replicas": web_replicas, "endpoint_mode": "dnsrr",
                            "update_config": {"parallelism": 0, "monitor": "1s", "failure_action": "rollback"},
                            "restart_policy": {"condition": "any", "delay": "1s"}}),
        "api": dict(quick, image=image, command=api_command or sleeper, environment={"API_ENV": api_env},
                    networks=["front"],
                    deploy={"replicas": 1, "endpoint_mode": "dnsrr",
                            "update_config": {"monitor": "3s", "failure_action": "rollback"},
                            "restart_policy": {"condition": "any", "delay": "1s"}}),
        "edge": dict(quick, image=image, command=["httpd", "-f", "-p", "9090", "-h", "/"],
                     ports=["9090:9090"], deploy={"replicas": 1}),
    }
    if cache:
        services["cache"] = dict(quick, image=image, command=sleeper, deploy={"replicas": 1})
    return {
        "services": services,
        "networks": {"front": {"driver": "overlay", "attachable": True}},
        "configs": {"page": {"content": PAGE}},
        "secrets": {"token": {"file": str(secret_file)}},
    }


def deploy(lab, definition, expect_failure=False, check=False, diff=False, **extra):
    run = lab.playbook("stack.yml", extra_vars=dict(stack_name=extra.pop("stack_name", STACK), definition=definition,
                                                    **extra),
                       check=check, diff=diff, expect_failure=expect_failure)
    return run.task("Deploy the stack")


def services_by_name(lab, stack=STACK):
    client = lab.client()
    return {s["Spec"]["Name"]: s for s in client.services(filters={"label": "com.docker.stack.namespace=%s" % stack})}


def versions(lab):
    return {name: s["Version"]["Index"] for name, s in services_by_name(lab).items()}


def running_tasks(lab, service):
    tasks = lab.client().tasks(filters={"service": service, "desired-state": "running"})
    return [t for t in tasks if t["Status"]["State"] == "running"]


def node_names(lab):
    return {n["ID"]: n["Description"]["Hostname"] for n in lab.client().nodes()}


def http_get(address, port=8080, attempts=20):
    last = None
    for _attempt in range(attempts):
        try:
            with urllib.request.urlopen("http://%s:%d/" % (address, port), timeout=5) as response:
                return response.read().decode()
        except OSError as exc:
            last = exc
            time.sleep(0.5)
    raise AssertionError("http://%s:%d/ did not answer: %s" % (address, port, last))


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("stack")


def test_01_cluster_forms(swarm_lab):
    run = swarm_lab.playbook("cluster.yml")
    result = run.task("The swarm")
    nodes = swarm_lab.client().nodes()
    roles = {n["Description"]["Hostname"]: n["Spec"]["Role"] for n in nodes}
    assert roles == {"swarm-1": "manager", "swarm-2": "worker", "swarm-3": "worker"}
    assert {n["Status"]["State"] for n in nodes} == {"ready"}
    assert {n["Description"]["Hostname"]: n["Spec"]["Labels"]["index"] for n in nodes} == {
        "swarm-1": "1", "swarm-2": "2", "swarm-3": "3"}
    assert result["swarm_cluster_result"]["manager"] == "swarm-1"
    # The join tokens came from the manager inside the module: they are nowhere in the output.
    tokens = swarm_lab.client().inspect_swarm()["JoinTokens"]
    assert tokens["Worker"] not in run.stdout and tokens["Manager"] not in run.stdout


def test_02_cluster_second_run_writes_nothing(swarm_lab):
    version = swarm_lab.client().inspect_swarm()["Version"]["Index"]
    node_versions = {n["ID"]: n["Version"]["Index"] for n in swarm_lab.client().nodes()}
    since = swarm_lab.now()
    run = swarm_lab.playbook("cluster.yml")
    assert run.changed == []
    assert swarm_lab.swarm_writes(since, types=SWARM_TYPES) == []
    assert swarm_lab.client().inspect_swarm()["Version"]["Index"] == version
    assert {n["ID"]: n["Version"]["Index"] for n in swarm_lab.client().nodes()} == node_versions


def test_03_stack_deploys_as_planned(swarm_lab, work):
    definition = app(work, swarm_lab.image)
    since = swarm_lab.now()
    plan = deploy(swarm_lab, definition, check=True, diff=True)
    assert swarm_lab.swarm_writes(since) == [], "check mode wrote to the engine"
    created = deploy(swarm_lab, definition)
    assert created["actions"] == plan["actions"]
    kinds = [(a["action"], a["kind"], a.get("key")) for a in created["actions"]]
    assert ("create", "network", "front") in kinds and ("create", "config", "page") in kinds
    assert ("create", "secret", "token") in kinds
    assert sorted(k for a, kind, k in kinds if kind == "service") == ["api", "cache", "edge", "web"]
    # web runs on every node (host-mode port), healthy, and answers there with the config's content.
    names = node_names(swarm_lab)
    assert sorted(names[t["NodeID"]] for t in running_tasks(swarm_lab, "app_web")) == ["swarm-1", "swarm-2", "swarm-3"]
    for host in ("swarm-1", "swarm-2", "swarm-3"):
        assert http_get(swarm_lab.hosts[host]["address"]) == PAGE
    # The edge service has a virtual IP and an ingress port (the routing mesh needs IPVS: not probed here).
    edge = services_by_name(swarm_lab)["app_edge"]
    assert edge["Endpoint"]["Spec"]["Mode"] == "vip" and edge["Endpoint"]["VirtualIPs"]
    assert edge["Endpoint"]["Ports"][0]["PublishMode"] == "ingress"
    # The Docker CLI sees the stack as one of its own.
    listed = swarm_lab.docker_cli("stack", "services", STACK, "--format", "{{.Name}}").stdout.split()
    assert sorted(listed) == ["app_api", "app_cache", "app_edge", "app_web"]
    assert STACK in swarm_lab.docker_cli("stack", "ls", "--format", "{{.Name}}").stdout.split()


def test_04_unchanged_redeploy_writes_nothing(swarm_lab, work):
    before = versions(swarm_lab)
    since = swarm_lab.now()
    result = deploy(swarm_lab, app(work, swarm_lab.image))
    assert result["changed"] is False and result["actions"] == []
    assert swarm_lab.swarm_writes(since) == []
    assert versions(swarm_lab) == before
    assert {s["key"]: s["version"] for s in result["services"]} == {k[len("app_"):]: v for k, v in before.items()}


def test_05_env_change_updates_one_service_as_planned(swarm_lab, work):
    before = versions(swarm_lab)
    definition = app(work, swarm_lab.image, api_env="two")
    since = swarm_lab.now()
    plan = deploy(swarm_lab, definition, check=True, diff=True)
    assert swarm_lab.swarm_writes(since) == []
    assert plan["actions"] == [{"action": "update", "kind": "service", "name": "app_api", "key": "api",
                                "changes": ["TaskTemplate.ContainerSpec.Env"]}]
    since = swarm_lab.now()
    result = deploy(swarm_lab, definition, diff=True)
    assert result["actions"] == plan["actions"]
    # The engine reports an update, then its progress (updating, completed): all on app_api only.
    assert set(swarm_lab.swarm_writes(since)) == {"service update app_api"}
    after = versions(swarm_lab)
    assert [name for name in before if before[name] != after[name]] == ["app_api"]
    env = services_by_name(swarm_lab)["app_api"]["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"]
    assert env == ["API_ENV=two"]
    assert len(running_tasks(swarm_lab, "app_api")) == 1


def test_06_scale_down(swarm_lab, work):
    result = deploy(swarm_lab, app(work, swarm_lab.image, api_env="two", web_replicas=1))
    assert [(a["action"], a["key"]) for a in result["actions"]] == [("update", "web")]
    assert services_by_name(swarm_lab)["app_web"]["Spec"]["Mode"] == {"Replicated": {"Replicas": 1}}
    assert len(running_tasks(swarm_lab, "app_web")) == 1


def test_07_secret_rotation(swarm_lab, work):
    client = swarm_lab.client()
    old = [s["Spec"]["Name"] for s in client.secrets() if s["Spec"]["Name"].startswith("app_token-")]
    result = deploy(swarm_lab, app(work, swarm_lab.image, api_env="two", web_replicas=1, secret="s3cret-2"))
    actions = [(a["action"], a["kind"], a["name"]) for a in result["actions"]]
    new = [name for action, kind, name in actions if (action, kind) == ("create", "secret")]
    assert len(new) == 1 and new[0].startswith("app_token-") and new != old
    assert ("update", "service", "app_web") in actions and ("remove", "secret", old[0]) in actions
    assert [s["Spec"]["Name"] for s in client.secrets() if s["Spec"]["Name"].startswith("app_token-")] == new
    # The running task reads the new content.
    task = running_tasks(swarm_lab, "app_web")[0]
    host = node_names(swarm_lab)[task["NodeID"]]
    engine = swarm_lab.client(host)
    exec_id = engine.exec_create(task["Status"]["ContainerStatus"]["ContainerID"], ["cat", "/run/secrets/token"])
    assert engine.exec_start(exec_id).decode() == "s3cret-2"
    assert "s3cret-2" not in str(result)


def test_08_prune_removes_what_left_the_project(swarm_lab, work):
    definition = app(work, swarm_lab.image, api_env="two", web_replicas=1, secret="s3cret-2", cache=False)
    kept = deploy(swarm_lab, definition)
    assert kept["changed"] is False and "app_cache" in services_by_name(swarm_lab)
    pruned = deploy(swarm_lab, definition, prune=True)
    assert [(a["action"], a["kind"], a["name"]) for a in pruned["actions"]] == [("remove", "service", "app_cache")]
    assert sorted(services_by_name(swarm_lab)) == ["app_api", "app_edge", "app_web"]


def test_09_drain_moves_tasks(swarm_lab):
    names = node_names(swarm_lab)
    [task] = running_tasks(swarm_lab, "app_api")
    host = names[task["NodeID"]]
    run = swarm_lab.playbook("node.yml", extra_vars={"node": host, "availability": "drain"})
    assert run.task("Set the availability")["node"]["availability"] == "drain"
    info = run.task("Read the swarm")
    on_drained = [t for t in info["tasks"] if t["node"] == host and t["state"] == "running"]
    assert on_drained == []
    deadline = time.time() + 60
    while not running_tasks(swarm_lab, "app_api") and time.time() < deadline:
        time.sleep(0.5)
    [moved] = running_tasks(swarm_lab, "app_api")
    assert names[moved["NodeID"]] != host
    # Back to active for the next tests, straight through the SDK (the playbook path was shown above).
    client = swarm_lab.client()
    node = client.inspect_node(host)
    client.update_node(node["ID"], node["Version"]["Index"], dict(node["Spec"], Availability="active"))


def test_10_failing_update_rolls_back_with_the_task_error(swarm_lab, work):
    before = services_by_name(swarm_lab)["app_api"]["Spec"]["TaskTemplate"]["ContainerSpec"]
    result = deploy(swarm_lab, app(work, swarm_lab.image, api_env="two", web_replicas=1, secret="s3cret-2", cache=False,
                                   api_command=["sh", "-c", "echo broken; exit 3"]), expect_failure=True)
    assert result["failed"] and result["changed"] is True
    assert "update rolled back" in result["msg"] and "app_api" in result["msg"]
    assert "exit" in result["msg"] and "(3)" in result["msg"], result["msg"]
    after = services_by_name(swarm_lab)["app_api"]
    assert after["Spec"]["TaskTemplate"]["ContainerSpec"]["Args"] == before["Args"]
    assert after["UpdateStatus"]["State"] == "rollback_completed"


BAD_INPUT = {  # case: (service b besides its image, top-level keys, the error's words)
    "build-only service": ({"build": {"context": "."}, "image": None}, {}, "build-only service"),
    "unknown constraint": ({"deploy": {"placement": {"constraints": ["node.zone == a"]}}}, {}, "unknown constraint"),
    "constraint no node satisfies": ({"deploy": {"placement": {"constraints": ["node.labels.index == 9"]}}}, {},
                                     "no node of the swarm satisfies"),
    "volume driver missing": ({"volumes": ["data:/data"]}, {"volumes": {"data": {"driver": "nosuchdriver"}}},
                              "volume driver nosuchdriver is not installed"),
    "ingress port conflict": ({"ports": ["9090:80"]}, {},
                              "port 9090/tcp is already published on the ingress network by service app_edge"),
}


@pytest.fixture(scope="module")
def bad_input_results(swarm_lab):
    """Every bad stack of BAD_INPUT deployed in one playbook run, and the cluster writes meanwhile."""
    cases = {}
    for case, (service, top, _message) in BAD_INPUT.items():
        service = {k: v for k, v in dict({"image": swarm_lab.image}, **service).items() if v is not None}
        cases[case] = dict(top, services={"b": service})
    since = swarm_lab.now()
    run = swarm_lab.playbook("bad_input.yml", extra_vars={"cases": cases})
    return run.task("The results")["msg"], swarm_lab.swarm_writes(since)


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_11_bad_input_is_refused_before_any_write(swarm_lab, bad_input_results, case):
    results, writes = bad_input_results
    result = results[case]
    assert result["changed"] is False and "actions" not in result
    assert BAD_INPUT[case][2] in result["msg"], result["msg"]
    assert writes == []
    assert not [n for n in swarm_lab.client().networks() if n["Name"].startswith("bad_")]


def test_12_a_stack_the_cli_deployed_is_adopted_without_a_write(swarm_lab, tmp_path):
    (tmp_path / "site.conf").write_text("listen 80\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  app:\n"
        "    image: %s\n"
        "    command: [sh, -c, \"trap 'exit 0' TERM; sleep 3600 & wait\"]\n"
        "    environment: {MODE: cli}\n"
        "    configs: [{source: site, target: /etc/site.conf}]\n"
        "    volumes: [data:/data]\n"
        "    networks: [back]\n"
        "    deploy: {replicas: 2, endpoint_mode: dnsrr, labels: {tier: back}}\n"
        "networks:\n  back: {driver: overlay}\n"
        "volumes:\n  data: {}\n"
        "configs:\n  site: {file: ./site.conf}\n" % swarm_lab.image)
    swarm_lab.docker_cli("stack", "deploy", "--detach=false", "--resolve-image", "never", "-c", str(tmp_path / "compose.yaml"),
                         "cli")
    try:
        before = {s["Spec"]["Name"]: s["Version"]["Index"] for s in swarm_lab.client().services(
            filters={"label": "com.docker.stack.namespace=cli"})}
        since = swarm_lab.now()
        result = swarm_lab.playbook("stack.yml", extra_vars={"stack_name": "cli", "project_src": str(tmp_path)}).task(
            "Deploy the stack")
        assert result["changed"] is False, result["actions"]
        assert swarm_lab.swarm_writes(since) == []
        assert {s["name"]: s["version"] for s in result["services"]} == before
    finally:
        swarm_lab.docker_cli("stack", "rm", "cli")


def test_13_stack_absent(swarm_lab):
    result = swarm_lab.playbook("stack.yml", extra_vars={"stack_name": STACK, "stack_state": "absent"}).task(
        "Deploy the stack")
    assert result["changed"] is True
    assert services_by_name(swarm_lab) == {}
    assert STACK not in swarm_lab.docker_cli("stack", "ls", "--format", "{{.Name}}").stdout.split()
    assert not [c for c in swarm_lab.client().configs() if c["Spec"]["Name"].startswith("app_")]
    again = swarm_lab.playbook("stack.yml", extra_vars={"stack_name": STACK, "stack_state": "absent"}).task(
        "Deploy the stack")
    assert again["changed"] is False
