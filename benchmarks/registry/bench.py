# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo app deployed to N hosts (default 5) through a container registry vs with image_copy.

Starts a private emulator with container VMs, builds the demo images (demo/build-images.sh),
provisions N Docker hosts and a registry with playbooks/provision.yml, then deploys the demo with
playbooks/deploy.yml, alternately:
  * image_copy: ``docker save`` streamed from this machine into every host's engine;
  * registry: pushed once to the emulator's registry (its real registry server), every host pulls.
Before each deployment the project and every image are removed from the hosts, so each starts cold.

Measured per deployment: wall time of the deploy playbook, and bytes. The VMs hang off the
emulator's bridge network, so every byte this machine sends them crosses that bridge
(``tx_bytes`` of its interface); with the registry path part of those bytes are the registry's
answers to the pulls - on Azure they come from ACR, not from the controller - so they are counted
apart (the bytes its blobs answered, from its request log) and "from the controller" excludes them.
The push itself (controller -> registry) is the growth of the registry's blob store.

Run by ``make bench`` (benchmarks/run.sh); prints a table and writes benchmarks/results/registry.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
REGISTRY = "benchregistry"
IMAGES = ["dockyard-demo/web:1.0", "dockyard-demo/counter:1.0"]


def run(command, env=None, check=True, quiet=True):
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=quiet, text=True, check=False)
    if check and done.returncode:
        raise SystemExit("failed: %s\n%s" % (" ".join(command), (done.stdout or "")[-4000:] + (done.stderr or "")[-2000:]))
    return done


class Bench:
    def __init__(self, hosts, work):
        self.hosts, self.work = hosts, work
        self.registry = REGISTRY
        self.state = os.path.join(work, "state")
        self.emulator = os.path.join(BIN, "dockyard-emulator")
        run([self.emulator, "start", "--state-dir", self.state, "--vm-backend", "container", "--lro-seconds", "0.3",
             "--retry-after", "1", "--port", "0"])
        self.env = dict(os.environ, **json.loads(run([self.emulator, "env", "--state-dir", self.state, "--format",
                                                      "json"]).stdout))
        self.env.update(ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                        PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
        self.vars = os.path.join(work, "vars.yml")
        with open(os.path.join(REPO, "playbooks", "vars", "emulator.yml"), encoding="utf-8") as handle:
            base = handle.read()
        hosts = "".join("  - name: bench-docker-%d\n" % i for i in range(1, hosts + 1))
        base = re.sub(r"docker_host_hosts:\n(  - name: .*\n)+", "docker_host_hosts:\n" + hosts, base)
        base = base.replace("docker_host_resource_group: dockyard-demo", "docker_host_resource_group: bench-registry")
        base = base.replace("registry_name: dockyarddemo", "registry_name: " + REGISTRY)
        base = base.replace("{{ playbook_dir }}/../.demo", work)
        with open(self.vars, "w", encoding="utf-8") as handle:
            handle.write(base)

    def playbook(self, name, *extra, junit=None):
        env = self.env
        if junit:  # per-task durations (ansible-core's junit callback), to say where the time goes
            env = dict(env, ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.junit", JUNIT_OUTPUT_DIR=junit)
        started = time.monotonic()
        run(["ansible-playbook", os.path.join("playbooks", name), "-e", "@" + self.vars, *extra], env=env)
        return time.monotonic() - started

    @staticmethod
    def slowest_tasks(junit, count=5):
        """The tasks that took longest (the slowest host of each), from the junit callback's report."""
        import xml.etree.ElementTree as ET
        longest = {}
        for name in os.listdir(junit):
            for case in ET.parse(os.path.join(junit, name)).iter("testcase"):
                task = re.sub(r"^\[[^]]*\] ", "", case.get("name", "")).split(": ", 1)[-1]
                longest[task] = max(longest.get(task, 0.0), float(case.get("time") or 0))
        return [[task, round(seconds, 1)] for task, seconds in sorted(longest.items(), key=lambda i: -i[1])[:count]]

    def bridge(self):
        """The host side of the emulator's VM network (br-<network id>)."""
        import docker
        with open(os.path.join(self.state, "container-backend.id"), encoding="utf-8") as handle:
            emulator_id = handle.read().strip()
        network = docker.from_env().networks.get("dockyard-emu-" + emulator_id)
        self.gateway = network.attrs["IPAM"]["Config"][0]["Gateway"]  # the registry's address
        return "br-" + network.id[:12]

    def tx_bytes(self):
        with open("/sys/class/net/%s/statistics/tx_bytes" % self.bridge_name, encoding="ascii") as handle:
            return int(handle.read())

    def registry_dir(self):
        return os.path.join(self.state, "registries", self.registry)

    def registry_served(self):
        """Bytes the registry server answered for blob GETs (its request log)."""
        path = os.path.join(self.registry_dir(), "registry.log")
        if not os.path.exists(path):
            return 0
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        return sum(int(n) for n in re.findall(r'msg="response completed".*?http\.request\.method=GET.*?/blobs/sha256:'
                                              r'.*?http\.response\.written=(\d+)', text))

    def blob_store(self):
        total = 0
        for root, _dirs, files in os.walk(os.path.join(self.registry_dir(), "storage", "docker", "registry", "v2", "blobs")):
            total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        return total

    def clean_hosts(self):
        """Every host without the demo's containers and images (under either name): the next deployment is cold."""
        import docker

        from dockyard_emulator.backends.container import ContainerMachines
        for vm in ContainerMachines(self.state).find_existing():
            tls_dir = os.path.join(self.work, "tls", vm["computer_name"])
            tls = docker.tls.TLSConfig(client_cert=(os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem")),
                                       ca_cert=os.path.join(tls_dir, "ca.pem"), verify=True)
            client = docker.DockerClient(base_url="tcp://%s:2376" % vm["address"], tls=tls, version="1.41", timeout=120)
            client.api.trust_env = False  # REQUESTS_CA_BUNDLE (the emulator's) must not replace the engine's CA
            for container in client.containers.list(all=True, filters={"label": "com.docker.compose.project=dockyard-demo"}):
                container.remove(force=True)
            for image in client.images.list():
                if any("dockyard-demo/" in tag for tag in image.tags):
                    client.images.remove(image.id, force=True)

    def deploy(self, mode, round_number):
        self.clean_hosts()
        extra = ["-e", "registry_name="]
        if mode == "registry":  # a new, empty registry for each round (the hosts pull with the credentials sent)
            self.registry = "%s%d" % (REGISTRY, round_number)
            run(["ansible", "localhost", "-m", "dockyard.azure.container_registry", "-a",
                 "name=%s resource_group=bench-registry admin_user_enabled=true" % self.registry], env=self.env)
            extra = ["-e", "registry_name=" + self.registry]
        tx, served, store = self.tx_bytes(), self.registry_served(), self.blob_store()
        junit = tempfile.mkdtemp(prefix="junit-", dir=self.work)
        seconds = self.playbook("deploy.yml", *extra, junit=junit)
        tx, served, pushed = self.tx_bytes() - tx, self.registry_served() - served, self.blob_store() - store
        return {"mode": mode, "seconds": round(seconds, 1), "bridge_bytes": tx, "registry_served_bytes": served,
                "pushed_bytes": pushed, "from_controller_bytes": tx - served + pushed,
                "slowest_tasks": self.slowest_tasks(junit)}

    def close(self):
        try:
            from dockyard_emulator.backends.container import ContainerMachines
            run([self.emulator, "stop", "--state-dir", self.state], check=False)
            ContainerMachines(self.state).cleanup()
        finally:
            import docker
            client = docker.from_env()
            for image in client.images.list():  # the registry tags image_push left on this engine
                for tag in image.tags:
                    if getattr(self, "gateway", None) and tag.startswith(self.gateway + ":"):
                        client.images.remove(tag)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2, help="deployments per mode (alternating)")
    args = parser.parse_args()
    run(["bash", "demo/build-images.sh"])
    work = tempfile.mkdtemp(prefix="bench-registry-")
    bench = Bench(args.hosts, work)
    try:
        started = time.monotonic()
        bench.playbook("provision.yml")
        provision = time.monotonic() - started
        bench.bridge_name = bench.bridge()
        results = []
        for round_number in range(1, args.rounds + 1):
            for mode in ("image_copy", "registry"):
                results.append(bench.deploy(mode, round_number))
                print(json.dumps(results[-1]), flush=True)
    finally:
        bench.close()
        shutil.rmtree(work, ignore_errors=True)
    summary = {}
    for mode in ("image_copy", "registry"):
        mine = [r for r in results if r["mode"] == mode]
        summary[mode] = {key: statistics.median(r[key] for r in mine) for key in
                         ("seconds", "bridge_bytes", "registry_served_bytes", "pushed_bytes", "from_controller_bytes")}
    print("\nDemo app (2 images) to %d hosts, median of %d cold deployments each; provisioning took %.0f s\n"
          % (args.hosts, args.rounds, provision))
    print("| path | deploy wall time | bytes from the controller | of which the push | bytes the registry served |")
    print("|---|---|---|---|---|")
    for mode, values in summary.items():
        print("| %s | %.1f s | %.2f MB | %.2f MB | %.2f MB |" % (
            mode, values["seconds"], values["from_controller_bytes"] / 1e6, values["pushed_bytes"] / 1e6,
            values["registry_served_bytes"] / 1e6))
    os.makedirs(os.path.join(REPO, "benchmarks", "results"), exist_ok=True)
    with open(os.path.join(REPO, "benchmarks", "results", "registry.json"), "w", encoding="utf-8") as handle:
        json.dump({"hosts": args.hosts, "provision_seconds": round(provision, 1), "runs": results, "median": summary},
                  handle, indent=2)


if __name__ == "__main__":
    main()
