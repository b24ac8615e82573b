# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-inventory over a fleet of Azure VMs: dockyard.azure.vms against azure.azcollection's azure_rm.

Starts a private emulator, makes a fleet with plain ARM calls in parallel (dockyard-emulator's fleet:
500 VMs over five resource groups, one region each, a public IP on every other VM, role and env
tags), then adds a per-request latency (``--latency-ms``, default 40 ms, roughly a European client to
Azure's control plane) and measures, alternating, ``--repeat`` times (medians reported):

  * the floor: ansible-inventory with an empty static inventory, in each virtual environment;
  * dockyard.azure.vms: the whole subscription, keyed groups by tag and region;
  * dockyard.azure.vms again, answered from its cache (ansible.builtin.jsonfile);
  * azure_rm (benchmarks/.venv: the ``ansible`` package with azure.azcollection and its SDKs) with
    an equivalent configuration, pointed at the emulator with environment variables only. Its default
    mode calls ARM's undocumented POST /batch; when the emulator does not serve it, azure_rm runs with
    ``batch_fetch: false`` (one GET per VM, NIC and public IP) and the report says so.

Then the same subscription listing with the five groups in one region, for our plugin only:
Compute answers at most 50 VMs of each region per page, so 500 VMs in one region take ten pages.
Wall time, CPU time of the ansible-inventory process (less sensitive than wall time to a busy
machine), HTTP requests to ARM and ARM operations (from the emulator's request log: a POST /batch is one
request carrying many operations; the latency is paid per request, as a client's round trip) per run; the JSON goes to
benchmarks/results/inventory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
ANCHOR_VENV = os.path.join(REPO, "benchmarks", ".venv")
REGIONS = ["westeurope", "northeurope", "eastus", "westus2", "uksouth"]

OURS = """plugin: dockyard.azure.vms
keyed_groups:
  - {prefix: tag, key: azure_tags}
  - {prefix: loc, key: azure_location}
"""
OURS_CACHED = OURS + """cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: %(cache)s
cache_timeout: 3600
"""
AZURE_RM = """plugin: azure.azcollection.azure_rm
batch_fetch: %(batch)s
plain_host_names: true
default_host_filters: []
keyed_groups:
  - {prefix: tag, key: tags}
  - {prefix: loc, key: location}
"""
EMPTY = "all:\n  hosts: {}\n"


class Emulator:
    def __init__(self, work, name):
        self.state = os.path.join(work, name)
        self.command = os.path.join(BIN, "dockyard-emulator")
        subprocess.run([self.command, "start", "--state-dir", self.state, "--lro-seconds", "0.1"], check=True,
                       stdout=subprocess.DEVNULL)
        out = subprocess.run([self.command, "env", "--state-dir", self.state, "--format", "json"],
                             check=True, capture_output=True, text=True).stdout
        self.env = json.loads(out)
        self.url = self.env["AZURE_ARM_ENDPOINT"]
        self.context = ssl.create_default_context(cafile=self.env["REQUESTS_CA_BUNDLE"])

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/_emulator/" + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def last(self):
        return self.control("GET", "requests?since=0")["last"] or 0

    def arm_calls(self, since):
        """(HTTP requests to ARM, ARM operations): a POST /batch is one request carrying many operations, each
        logged as ``batched``; without batches the two are equal."""
        entries = [entry for entry in self.control("GET", "requests?since=%d" % since)["value"] if entry["kind"] == "arm"]
        requests = sum(1 for entry in entries if not entry.get("batched"))
        batches = sum(1 for entry in entries if not entry.get("batched") and entry["path"].rstrip("/").lower() == "/batch")
        return requests, len(entries) - batches

    def serves_batch(self):
        """Whether ARM's POST /batch answers (azure_rm's default mode needs it)."""
        from dockyard_emulator.fleet import Arm  # the emulator package, installed in the repo's venv
        arm = Arm(self.env, retries=0)
        request = urllib.request.Request(self.url + "/batch?api-version=2020-06-01", method="POST",
                                         data=json.dumps({"requests": []}).encode(),
                                         headers={"Authorization": "Bearer " + arm.token(),
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=30):
                return True
        except urllib.error.HTTPError as error:
            return error.code not in (404, 405)

    def stop(self):
        subprocess.run([self.command, "stop", "--state-dir", self.state], check=False, stdout=subprocess.DEVNULL)


def make_fleet(emulator, vms, groups, regions):
    from dockyard_emulator.fleet import FleetSpec, create_fleet
    spec = FleetSpec(prefix="bench", vms=vms, groups=groups, locations=regions, public_ip_every=2, workers=16,
                     cycle_tags={"role": ["web", "db", "cache", "web"], "env": ["prod", "dev", "prod"]})
    # Azure's default vCPU quotas (100 per VM family and region) would stop 500 VMs in one region, as they would on
    # Azure: raised here the way a subscription's owner gets them raised.
    emulator.control("PUT", "faults", {"regional_cores_quota": 100000, "family_cores_quota": 100000})
    started = time.monotonic()
    create_fleet(emulator.env, spec)
    return time.monotonic() - started


class Runner:
    """ansible-inventory --list of one source in one virtual environment, with its environment variables."""

    def __init__(self, emulator, label, binary, source, env):
        self.emulator, self.label, self.binary, self.source, self.env = emulator, label, binary, source, env
        self.times, self.cpu, self.calls, self.operations, self.hosts = [], [], [], [], None

    def run(self, record=True):
        since = self.emulator.last()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        completed = subprocess.run([self.binary, "-i", self.source, "--list"], env=self.env, cwd=REPO,
                                   capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if completed.returncode != 0:
            raise SystemExit("%s failed:\n%s" % (self.label, completed.stderr[-3000:]))
        hosts = len(json.loads(completed.stdout).get("_meta", {}).get("hostvars", {}))
        if record:
            self.times.append(elapsed)
            self.cpu.append(cpu)
            calls, operations = self.emulator.arm_calls(since)
            self.calls.append(calls)
            self.operations.append(operations)
            self.hosts = hosts
        return hosts

    @property
    def median(self):
        return statistics.median(self.times)


def write(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def environments(emulator, work):
    ours = dict(os.environ, **emulator.env)
    ours.update(ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), PATH=BIN + os.pathsep + ours.get("PATH", ""))
    if os.environ.get("BENCH_COLLECTIONS"):
        ours["ANSIBLE_COLLECTIONS_PATH"] = os.environ["BENCH_COLLECTIONS"]
    site = subprocess.run([os.path.join(ANCHOR_VENV, "bin", "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    url = emulator.env["AZURE_ARM_ENDPOINT"]
    anchor = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "AZURE_"))}
    anchor.update(emulator.env)
    anchor.update({
        # azure.azcollection's names for the credentials, and its way to a custom cloud: the cloud metadata URL.
        "AZURE_SECRET": emulator.env["AZURE_CLIENT_SECRET"], "AZURE_TENANT": emulator.env["AZURE_TENANT_ID"],
        "ARM_CLOUD_METADATA_URL": url + "/metadata/endpoints?api-version=2022-09-01",
        "AZURE_CLOUD_ENVIRONMENT": url, "AZURE_DISABLE_INSTANCE_DISCOVERY": "true",
        # The Azure CLI library caches cloud endpoints in its config dir: a private one, not ~/.azure.
        "AZURE_CONFIG_DIR": os.path.join(work, "azure-config"),
        "ANSIBLE_CONFIG": write(work, "anchor.cfg", "[defaults]\n"), "ANSIBLE_COLLECTIONS_PATH": site,
        "ANSIBLE_DEPRECATION_WARNINGS": "false", "PATH": os.path.join(ANCHOR_VENV, "bin") + os.pathsep + os.environ.get("PATH", ""),
    })
    return ours, anchor


def measure_fleet(args, work, rows, regions, with_anchor):
    emulator = Emulator(work, "emulator-%d-regions" % len(set(regions)))
    try:
        made = make_fleet(emulator, args.vms, args.groups, regions)
        batch = emulator.serves_batch()
        emulator.control("PUT", "faults", {"latency_ms": args.latency_ms})
        ours_env, anchor_env = environments(emulator, work)
        suffix = "" if with_anchor else ", one region"
        runners = [Runner(emulator, "dockyard.azure.vms" + suffix, os.path.join(BIN, "ansible-inventory"),
                          write(work, "bench_vms.yml", OURS), ours_env)]
        cached = Runner(emulator, "dockyard.azure.vms, cache hit" + suffix, os.path.join(BIN, "ansible-inventory"),
                        write(work, "bench_cached_vms.yml", OURS_CACHED % {"cache": os.path.join(work, "cache")}), ours_env)
        if with_anchor:
            runners.append(cached)
            empty = write(work, "empty.yml", EMPTY)
            runners.insert(0, Runner(emulator, "floor: ansible-inventory, empty inventory (our venv)",
                                     os.path.join(BIN, "ansible-inventory"), empty, ours_env))
            runners.insert(1, Runner(emulator, "floor: ansible-inventory, empty inventory (anchor venv)",
                                     os.path.join(ANCHOR_VENV, "bin", "ansible-inventory"), empty, anchor_env))
            runners.append(Runner(emulator, "azure_rm (batch_fetch: %s)" % ("true" if batch else "false"),
                                  os.path.join(ANCHOR_VENV, "bin", "ansible-inventory"),
                                  write(work, "bench_azure_rm.yml", AZURE_RM % {"batch": "true" if batch else "false"}),
                                  anchor_env))
            cached.run(record=False)  # fill the cache
        for _round in range(args.repeat):
            for runner in runners:
                runner.run()
                line = "  %-58s %7.2f s %6.2f s CPU %6d ARM requests %6d operations %5d hosts" % (
                    runner.label, runner.times[-1], runner.cpu[-1], runner.calls[-1], runner.operations[-1], runner.hosts)
                print(line, flush=True)
        for runner in runners:
            rows.append(dict(case=runner.label, median_s=round(runner.median, 2), runs_s=[round(t, 2) for t in runner.times],
                             median_cpu_s=round(statistics.median(runner.cpu), 2),
                             arm_calls=statistics.median(runner.calls),
                             arm_operations=statistics.median(runner.operations), hosts=runner.hosts,
                             regions=len(set(regions)), fleet_seconds=round(made, 1), batch=batch))
    finally:
        emulator.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=40)
    parser.add_argument("--vms", type=int, default=500)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--skip-one-region", action="store_true", help="only the five-region fleet")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(ANCHOR_VENV, "bin", "ansible-inventory")):
        raise SystemExit("benchmarks/.venv is missing: run `bash benchmarks/venv.sh`")
    args.load_before = " ".join("%.1f" % value for value in os.getloadavg())
    work = tempfile.mkdtemp(prefix="bench-inventory-")
    rows = []
    try:
        print("fleet of %d VMs in %d resource groups, one region each; latency %d ms per ARM call" % (
            args.vms, args.groups, args.latency_ms), flush=True)
        measure_fleet(args, work, rows, REGIONS[:args.groups], with_anchor=True)
        if not args.skip_one_region:
            print("the same fleet, every group in westeurope (our plugin only)", flush=True)
            measure_fleet(args, work, rows, ["westeurope"], with_anchor=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(args, rows)


def report(args, rows):
    by_case = {row["case"]: row for row in rows}
    floor = by_case["floor: ansible-inventory, empty inventory (our venv)"]["median_s"]
    anchor_floor = by_case.get("floor: ansible-inventory, empty inventory (anchor venv)", {}).get("median_s", floor)
    anchor = next((row for row in rows if row["case"].startswith("azure_rm")), None)
    ours = by_case["dockyard.azure.vms"]
    print()
    floor_cpu = by_case["floor: ansible-inventory, empty inventory (our venv)"]["median_cpu_s"]
    anchor_floor_cpu = by_case.get("floor: ansible-inventory, empty inventory (anchor venv)", {}).get("median_cpu_s", floor_cpu)
    load_after = " ".join("%.1f" % value for value in os.getloadavg())
    print("Inventory benchmark: %d VMs, %d resource groups, latency %d ms per ARM call, median of %d runs "
          "(load average before/after: %s / %s)" % (args.vms, args.groups, args.latency_ms, args.repeat, args.load_before, load_after))
    header = ("case", "median s", "above floor", "CPU s", "above floor", "ARM calls", "operations", "hosts")
    print("%-58s %9s %12s %9s %12s %10s %10s %6s" % header)
    for row in rows:
        anchored = "anchor" in row["case"] or row["case"].startswith("azure_rm")
        base, base_cpu = (anchor_floor, anchor_floor_cpu) if anchored else (floor, floor_cpu)
        above = "" if row["case"].startswith("floor") else "%.2f" % (row["median_s"] - base)
        above_cpu = "" if row["case"].startswith("floor") else "%.2f" % (row["median_cpu_s"] - base_cpu)
        values = (row["case"], row["median_s"], above, row["median_cpu_s"], above_cpu, row["arm_calls"], row["arm_operations"],
                  row["hosts"])
        print("%-58s %9.2f %12s %9.2f %12s %10g %10g %6s" % values)
    if anchor:
        print("ours / azure_rm wall time: %.3f; above each venv's floor: %.3f" % (
            ours["median_s"] / anchor["median_s"], (ours["median_s"] - floor) / max(anchor["median_s"] - anchor_floor, 0.01)))
    results = os.path.join(REPO, "benchmarks", "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "inventory.json"), "w", encoding="utf-8") as handle:
        # finished, rounds, load_before/load_after (1/5/15 min) and cpus: the fields benchmarks/report.py shows.
        summary = dict(vms=args.vms, groups=args.groups, latency_ms=args.latency_ms, repeat=args.repeat,
                       finished=time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime()), rounds=args.repeat,
                       load_before=[float(value) for value in args.load_before.split()],
                       load_after=[float(value) for value in load_after.split()], cpus=os.cpu_count(), rows=rows)
        json.dump(summary, handle, indent=2)


if __name__ == "__main__":
    main()
