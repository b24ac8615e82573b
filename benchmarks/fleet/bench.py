# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet scaling: 1 vs 10 Docker hosts (VMs + Docker Engine + TLS) through the docker_host role.

A private emulator with the ``container`` VM backend (each VM a system container with sshd; the
Debian image is built once and cached by the emulator) and ``--latency-ms`` (default 40) per ARM
request. Per round, alternating which size goes first (median of ``--rounds``, default 3: a round of
10 hosts installs Docker Engine from Debian's packages ten times), the role provisions N hosts into a
fresh resource group: VMs, TLS material, Docker Engine through the Custom Script extension, SSH, the
inventory. Then (not timed) the role removes them with the resource group. Prints the median wall time
of each size, their ratio, and per task of the role the time of each size (the task_times callback):
where a 10-host run spends the time one host does not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import OUR_PYTHON, Emulator, Tool, clean_environment, collections_path, load_average, median, write_results  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PLAY = """- hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: dockyard.azure.docker_host
"""
SIZES = (1, 10)


def role_vars(workdir, group, count, state='present'):
    return {
        'docker_host_state': state,
        'docker_host_resource_group': group,
        'docker_host_location': 'westeurope',
        'docker_host_hosts': [{'name': '%s-%02d' % (group[-6:], index)} for index in range(count)],
        'docker_host_ssh_source_prefixes': ['10.199.0.0/16'],
        'docker_host_ssh_private_key_file': os.path.join(workdir, 'ssh', 'id_ed25519'),
        'docker_host_ssh_key_create': True,
        'docker_host_tls_dir': os.path.join(workdir, 'tls', group),
        'docker_host_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
        'docker_host_delete_resource_group': True,
    }


def task_profile(path):
    """{task name: seconds} summed over the run (a task of an included file may run more than once)."""
    times = {}
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            for line in handle:
                entry = json.loads(line)
                times[entry['task']] = times.get(entry['task'], 0) + entry['seconds']
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--latency-ms', type=int, default=40)
    args = parser.parse_args()
    load_before = load_average()
    workdir = tempfile.mkdtemp(prefix='bench-fleet-')
    emulator = Emulator(latency_ms=args.latency_ms, backend='container', state_dir=os.path.join(workdir, 'emulator'))
    times_log = os.path.join(workdir, 'task-times.jsonl')
    env = dict(clean_environment(), ANSIBLE_COLLECTIONS_PATH=collections_path(), **emulator.env)
    env.update(ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'), ANSIBLE_CALLBACKS_ENABLED='task_times',
               DOCKYARD_TASK_TIMES=times_log, ANSIBLE_FORKS='20')
    tool = Tool('fleet', OUR_PYTHON, env, workdir, '')
    with open(tool.playbook, 'w', encoding='utf-8') as handle:
        handle.write(PLAY)
    samples = {size: [] for size in SIZES}
    profiles = {size: [] for size in SIZES}
    try:
        for round_ in range(args.rounds):
            for size in (SIZES if round_ % 2 == 0 else tuple(reversed(SIZES))):
                group = 'fleet-%d-%s' % (size, uuid.uuid4().hex[:6])
                if os.path.exists(times_log):
                    os.unlink(times_log)
                seconds = tool.run(role_vars(workdir, group, size), inventory=None)[0]
                samples[size].append(seconds)
                profiles[size].append(task_profile(times_log))
                tool.run(role_vars(workdir, group, size, state='absent'), inventory=None)
                print('round %d: %2d host(s) %.1f s (load %s)' % (round_ + 1, size, seconds, ' '.join(map(str, load_average()))))
                sys.stdout.flush()
    finally:
        emulator.stop()
        cleanup = ('from dockyard_emulator.backends.container import ContainerMachines as M; M(%r).cleanup()'
                   % emulator.state)
        subprocess.run([OUR_PYTHON, '-c', cleanup], check=False, capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)
    medians = {size: median(samples[size]) for size in SIZES}
    print('Fleet benchmark: docker_host role on the container backend, latency %d ms, median of %d rounds; load %s -> %s'
          % (args.latency_ms, args.rounds, ' '.join(map(str, load_before)), ' '.join(map(str, load_average()))))
    for size in SIZES:
        print('%2d host(s): %7.1f s   (%s)' % (size, medians[size], ', '.join('%.1f' % value for value in samples[size])))
    print('10 hosts / 1 host: %.2f' % (medians[10] / medians[1]))
    tasks = []
    for profile in profiles[1] + profiles[10]:
        tasks += [name for name in profile if name not in tasks]
    table = {}
    print('%-72s %8s %8s' % ('task of the role (median s)', '1 host', '10 hosts'))
    for name in tasks:
        one = median([profile.get(name, 0) for profile in profiles[1]])
        ten = median([profile.get(name, 0) for profile in profiles[10]])
        table[name] = {'1': one, '10': ten}
        if max(one or 0, ten or 0) >= 0.5:
            print('%-72s %8.1f %8.1f' % (name[:72], one, ten))
    write_results('fleet', {'medians': {str(size): value for size, value in medians.items()},
                            'samples': {str(size): value for size, value in samples.items()}, 'tasks': table,
                            'rounds': args.rounds, 'latency_ms': args.latency_ms, 'load_before': load_before,
                            'load_after': load_average()})


if __name__ == '__main__':
    main()
